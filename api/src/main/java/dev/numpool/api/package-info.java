/**
 * The native HTTP API v1: JSON over Helidon SE, errors as RFC 9457 problem+json. Handlers are
 * adapters: parse and validate the request, call a facade of the orders or inventory module,
 * switch over its sealed result, write status and body. No SQL and no business rule lives here.
 *
 * <p>{@link dev.numpool.api.NativeApi} is the only door: it registers its routes on a routing
 * builder the server owns.
 */
package dev.numpool.api;
