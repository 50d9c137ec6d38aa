package dev.numpool.orders;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * How many SMS one node takes in at once. Past that, a pushed SMS waits a moment and is then
 * refused with "try again" (503 and Retry-After on HTTP intakes) rather than queue for a database
 * connection until the pool's timeout: a provider that retries loses nothing (intake dedupes),
 * and a refusal is always given before anything was committed, never after. Internal intakes
 * (polling, parked SMS) wait their turn instead: nobody is on the line for them.
 */
final class IntakeGate {
    private final Semaphore slots;
    private final Duration wait;

    IntakeGate(int concurrency, Duration wait) {
        this.slots = new Semaphore(concurrency);
        this.wait = wait;
    }

    /** A slot within the configured wait, or false when the node is saturated. */
    boolean tryEnter() {
        try {
            return slots.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A slot, however long it takes (internal intakes). */
    void enter() {
        slots.acquireUninterruptibly();
    }

    void exit() {
        slots.release();
    }
}
