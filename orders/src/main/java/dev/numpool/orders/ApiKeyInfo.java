package dev.numpool.orders;

import java.time.Instant;
import java.util.Optional;

/**
 * An API key as its owner may see it later: never the secret, only its first characters;
 * {@code test} for a key of the owner's test account ({@code np_test_…}).
 */
public record ApiKeyInfo(long id, String label, String prefix, Instant createdAt, Optional<Instant> revokedAt, boolean test) {
}
