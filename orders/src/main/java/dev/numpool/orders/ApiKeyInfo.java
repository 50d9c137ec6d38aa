package dev.numpool.orders;

import java.time.Instant;
import java.util.Optional;

/**
 * An API key as its owner may see it later: never the secret, only its first characters;
 * {@code test} for a key of the owner's test account ({@code np_test_…}); {@code duplicateWindow}
 * whether the compatible APIs treat a repeated order from it as a retry (see {@link RetryGuard}).
 */
public record ApiKeyInfo(long id, String label, String prefix, Instant createdAt, Optional<Instant> revokedAt, boolean test,
                         boolean duplicateWindow) {
}
