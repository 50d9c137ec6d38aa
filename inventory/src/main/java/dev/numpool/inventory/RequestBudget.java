package dev.numpool.inventory;

import java.util.function.LongSupplier;

/**
 * A token bucket: at most {@code perSecond} requests a second to one provider, with bursts of up
 * to a second's worth. Per node, so N nodes may together send N times as much; the poller asks
 * it how many activations it may poll before it picks them, so nothing is skipped. A request rate
 * is a matter of wall time, so it runs on a monotonic nanosecond source, not the business clock.
 */
final class RequestBudget {
    private final double perSecond;
    private final LongSupplier nanos;
    private double tokens;
    private long lastNanos;

    RequestBudget(double perSecond, LongSupplier nanos) {
        if (perSecond <= 0) {
            throw new IllegalArgumentException("a request budget must be positive");
        }
        this.perSecond = perSecond;
        this.nanos = nanos;
        this.tokens = perSecond;
        this.lastNanos = nanos.getAsLong();
    }

    /** Takes up to {@code wanted} tokens now and returns how many it got. */
    synchronized int take(int wanted) {
        long now = nanos.getAsLong();
        tokens = Math.min(perSecond, tokens + Math.max(0, now - lastNanos) * perSecond / 1e9);
        lastNanos = now;
        int granted = (int) Math.min(wanted, Math.floor(tokens));
        tokens -= granted;
        return Math.max(0, granted);
    }

    /** Returns tokens taken but not spent (fewer activations were due than the budget allowed). */
    synchronized void giveBack(int unused) {
        tokens = Math.min(perSecond, tokens + Math.max(0, unused));
    }
}
