package dev.numpool.db;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock tests move by hand, so windows and expiries pass without waiting; share one between the
 * nodes of a test. It starts at a fixed instant unless told otherwise.
 */
public final class TestClock extends Clock {
    private final AtomicReference<Instant> now;

    public TestClock() {
        this(Instant.parse("2026-11-23T10:00:00Z"));
    }

    public TestClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    public void advance(Duration by) {
        now.updateAndGet(t -> t.plus(by));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (zone.equals(ZoneOffset.UTC)) {
            return this;
        }
        throw new UnsupportedOperationException("the test clock runs in UTC only");
    }
}
