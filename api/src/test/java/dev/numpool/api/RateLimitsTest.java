package dev.numpool.api;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sign-in guard holds without Redis: password guessing is never let through. */
class RateLimitsTest {
    @Test
    void withoutRedisSignInsAreStillCountedOnThisNode() {
        RateLimits limits = RateLimits.off(); // no Redis at all: the API limits are off
        assertTrue(limits.take(java.util.Optional.of("any-key"), "192.0.2.1").isEmpty(), "API requests go through");
        long allowed = IntStream.range(0, 20).filter(i -> limits.takeSignIn("victim@example.com", "192.0.2." + i).isEmpty()).count();
        assertEquals(10, allowed, "ten attempts per email per window, from any address");
        assertTrue(limits.takeSignIn("someone-else@example.com", "192.0.2.200").isEmpty(), "other emails are not affected");
    }
}
