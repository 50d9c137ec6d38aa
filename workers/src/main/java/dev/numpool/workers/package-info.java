/**
 * Background work that keeps the marketplace honest over time: ending activations whose window
 * passed (refunding the ones without a code) and pruning expired idempotency keys.
 *
 * <p>Safe on any number of nodes at once: every job claims its rows with
 * {@code FOR UPDATE SKIP LOCKED ... LIMIT n} through the orders door, never by electing a single
 * node. Workers hold no business rules; they only decide when to call the facades.
 */
package dev.numpool.workers;
