/**
 * Benchmarks, run on demand with {@code ./numpool bench} and written down in BENCHMARKS.md; never
 * part of the test suite. Each one measures Numpool against a named reference on this machine.
 */
package dev.numpool.bench;
