package dev.numpool.orders;

import java.time.Instant;
import java.util.Optional;

/** An API key as its owner may see it later: never the secret, only its first characters. */
public record ApiKeyInfo(long id, String label, String prefix, Instant createdAt, Optional<Instant> revokedAt) {
}
