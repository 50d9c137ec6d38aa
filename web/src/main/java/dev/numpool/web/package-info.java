/**
 * The Numpool server: configuration, the object graph wired by hand in one place
 * ({@link dev.numpool.web.Numpool}), the embedded PostgreSQL and Redis used when none is
 * configured, health and metrics, and the website's pages.
 *
 * <p>Nothing here decides anything about money or activations: it builds the modules, gives
 * them their config nodes, and hands HTTP to their adapters.
 */
package dev.numpool.web;
