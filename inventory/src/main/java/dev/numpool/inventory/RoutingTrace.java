package dev.numpool.inventory;

import java.util.List;

/**
 * Why an order went where it went: the providers considered (with their sell price and stock),
 * each attempt with its outcome and duration, and the reason the chosen one won. Stored with the
 * activation and shown to its owner.
 */
public record RoutingTrace(List<Candidate> considered, List<Attempt> attempts, String decision) {
    public RoutingTrace {
        considered = List.copyOf(considered);
        attempts = List.copyOf(attempts);
    }

    /**
     * A provider that could serve the order: its sell price and stock, its delivery rate for
     * this offer in percent, and its circuit state ({@code closed}, {@code open}, {@code half_open}).
     */
    public record Candidate(String provider, long priceMicros, int stock, long deliveryRatePercent, String circuit) {
    }

    /** One call to a provider; {@code outcome} is {@code bought}, {@code no_numbers}, {@code failed: ...}, {@code skipped: circuit open}. */
    public record Attempt(String provider, String outcome, long durationMillis) {
    }
}
