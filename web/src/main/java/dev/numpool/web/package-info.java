/**
 * The Numpool server: configuration, the object graph wired by hand in one place
 * ({@link dev.numpool.web.Numpool}), the embedded PostgreSQL and Redis used when none is
 * configured, health and metrics, and the website: server-rendered pages over the same doors the APIs use (sessions, CSRF and
 * security headers in {@link dev.numpool.web.Website}, one class per area of pages, every value
 * escaped by {@link dev.numpool.web.Html#escape}).
 *
 * <p>Nothing here decides anything about money or activations: it builds the modules, gives
 * them their config nodes, and hands HTTP to their adapters.
 */
package dev.numpool.web;
