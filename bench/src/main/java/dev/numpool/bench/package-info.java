/**
 * Benchmarks, run on demand with {@code ./numpool bench} and written down in BENCHMARKS.md; never
 * part of the test suite. Each one measures Numpool against a named reference on this machine, or,
 * like {@link dev.numpool.bench.DeliveryBench}, from outside a node running in its own process,
 * through the public API only, as a customer's program would.
 */
package dev.numpool.bench;
