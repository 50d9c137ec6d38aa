package dev.numpool.orders;

import java.time.Instant;
import java.util.Optional;

/**
 * A status report owed to a provider, as an operator sees it. {@code activationId} is empty for
 * a number given back after its order died before committing.
 */
public record UpstreamReport(long id, Optional<Integer> activationId, String provider, String providerRef, String kind,
                             String state, int attempts, Optional<String> lastError, Instant createdAt) {
}
