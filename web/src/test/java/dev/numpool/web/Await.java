package dev.numpool.web;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Waiting for something another thread or process does (a worker, a child node, an upstream
 * fake): polls a probe until it answers, bounded in time, never a bare sleep.
 */
final class Await {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private Await() {
    }

    /** The first non-null answer of {@code probe}; fails naming {@code what} after 30 s. */
    static <T> T until(String what, Supplier<T> probe) {
        Instant deadline = Instant.now().plus(LIMIT);
        while (Instant.now().isBefore(deadline)) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("never happened within " + LIMIT.toSeconds() + " s: " + what);
    }
}
