package dev.numpool.api;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sign-in guard holds without Redis: password guessing is never let through, and nobody can lock another out. */
class RateLimitsTest {
    @Test
    void withoutRedisSignInsAreStillCountedOnThisNode() {
        RateLimits limits = RateLimits.off(); // no Redis at all: the API limits are off
        assertTrue(limits.take(java.util.Optional.of("any-key"), "192.0.2.1").isEmpty(), "API requests go through");
        long fromOne = IntStream.range(0, 20).filter(i -> limits.takeSignIn("victim@example.com", "192.0.2.1").isEmpty()).count();
        assertEquals(10, fromOne, "ten attempts per email per window from one address");
        assertTrue(limits.takeSignIn("victim@example.com", "198.51.100.7").isEmpty(), "the owner, elsewhere, is not locked out");
        long fromMany = IntStream.range(0, 200).filter(i -> limits.takeSignIn("target@example.com", "203.0.113." + i).isEmpty()).count();
        assertEquals(100, fromMany, "a hundred per email per window from all addresses together");
        assertTrue(limits.takeSignIn("someone-else@example.com", "192.0.2.200").isEmpty(), "other emails are not affected");
    }

    @Test
    void withoutRedisSignUpsAndAccountMailsAreStillCountedOnThisNode() {
        RateLimits limits = RateLimits.off();
        long accounts = IntStream.range(0, 10).filter(i -> limits.takeSignUp("192.0.2.1").isEmpty()).count();
        assertEquals(5, accounts, "five accounts an hour from one address");
        assertTrue(limits.takeSignUp("198.51.100.7").isEmpty(), "another address has its own budget");

        long toOneMailbox = IntStream.range(0, 10).filter(i -> limits.takeAccountMail("victim@example.com", "203.0.113." + i).isEmpty()).count();
        assertEquals(3, toOneMailbox, "three links an hour to one mailbox, from all addresses together");
        long fromOneAddress = IntStream.range(0, 40).filter(i -> limits.takeAccountMail("person-" + i + "@example.com", "192.0.2.9").isEmpty()).count();
        assertEquals(20, fromOneAddress, "twenty requests an hour from one address");
    }
}
