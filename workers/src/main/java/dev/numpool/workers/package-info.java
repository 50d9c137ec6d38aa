/**
 * Background work that keeps the marketplace honest over time: ending activations whose window
 * passed (refunding the ones without a code), delivering status reports to providers and giving
 * back numbers whose order died, polling providers for codes and delivering parked SMS,
 * refreshing provider quotes, and pruning expired idempotency keys and parked SMS.
 *
 * <p>Safe on any number of nodes at once, never by electing a single node: jobs that change rows
 * claim them with {@code FOR UPDATE SKIP LOCKED ... LIMIT n} through the orders door, the quote
 * refresh is led by one node per interval through a Redis lease, and polling only reads (intake
 * dedupes). Workers hold no business rules; they only decide when to call the facades.
 */
package dev.numpool.workers;
