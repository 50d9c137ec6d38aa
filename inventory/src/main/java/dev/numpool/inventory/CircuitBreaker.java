package dev.numpool.inventory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Keeps a provider that keeps failing out of the route for a while, and lets it back by itself:
 * after {@code threshold} failures in a row the circuit opens for {@code cooldown}; then one
 * trial call is let through, and its outcome closes the circuit or opens it again. Per node, in
 * memory: each node learns on its own, which is enough to stop hammering a dead upstream.
 */
final class CircuitBreaker {
    enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final Duration cooldown;
    private final Clock clock;
    private int failures;
    private Instant openUntil = Instant.MIN;
    private boolean trialInFlight;

    CircuitBreaker(int threshold, Duration cooldown, Clock clock) {
        this.threshold = threshold;
        this.cooldown = cooldown;
        this.clock = clock;
    }

    /** True when a call may go to the provider now; in half-open state only one caller gets true. */
    synchronized boolean allow() {
        return switch (state()) {
            case CLOSED -> true;
            case OPEN -> false;
            case HALF_OPEN -> {
                if (trialInFlight) {
                    yield false;
                }
                trialInFlight = true;
                yield true;
            }
        };
    }

    /**
     * True unless the circuit is open. For background calls (polling) that must not take the
     * half-open trial slot, which only a buy or a refresh may use and must report back on.
     */
    synchronized boolean notOpen() {
        return state() != State.OPEN;
    }

    synchronized void success() {
        failures = 0;
        trialInFlight = false;
        openUntil = Instant.MIN;
    }

    synchronized void failure() {
        failures++;
        if (trialInFlight || failures >= threshold) {
            openUntil = clock.instant().plus(cooldown);
        }
        trialInFlight = false;
    }

    synchronized State state() {
        if (failures < threshold && openUntil == Instant.MIN) {
            return State.CLOSED;
        }
        return clock.instant().isBefore(openUntil) ? State.OPEN : State.HALF_OPEN;
    }
}
