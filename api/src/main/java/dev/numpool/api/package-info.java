/**
 * The HTTP APIs: the native API v1 (JSON over Helidon SE, errors as RFC 9457 problem+json), the
 * sms-activate and 5sim compatible protocols, the SMS providers push, and Stripe's webhook.
 * Handlers are adapters: parse and validate the request, call a facade of the orders or inventory
 * module, switch over its sealed result, write status and body. No SQL and no business rule lives
 * here.
 *
 * <p>{@link dev.numpool.api.ApiRouter} is the door: it registers every route on a routing builder
 * the server owns. {@link dev.numpool.api.RateLimits}, {@link dev.numpool.api.ReadTimeouts} and
 * {@link dev.numpool.api.UnreadableBody} serve the website too.
 */
package dev.numpool.api;
