/**
 * Sandbox: simulated upstream marketplaces on 127.0.0.1 that speak the real wire protocols over
 * HTTP (sms-activate's handler API, 5sim's REST v1, and an agent of the hub protocol), each with
 * its own prices, stock, latency, delivery rate and failure rate, and a chaos switch (normal,
 * fail, stall, garbage) an operator flips at run time.
 *
 * <p>{@link dev.numpool.sandbox.SandboxUpstreams} is the only door. This module stands on the far
 * side of the network from Numpool: it must never depend on Numpool's other modules, never touch
 * a database, and never listen anywhere but the loopback address. Everything it keeps (threads,
 * requests in flight, activations, pending pushes) has a limit.
 */
package dev.numpool.sandbox;
