package dev.numpool.orders;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One event sent (or being sent) to a webhook endpoint, as its owner sees it in the delivery log,
 * with its attempts (the first 20).
 */
public record WebhookDelivery(String messageId, String eventType, String state, int attemptCount, List<Attempt> attempts,
                              Optional<Integer> lastStatus, Optional<String> lastError, Optional<String> lastResponse,
                              Optional<Integer> lastLatencyMillis, Instant createdAt, Optional<Instant> deliveredAt, String payload) {
    public WebhookDelivery {
        attempts = List.copyOf(attempts);
    }

    /** One attempt: when, the receiver's status (none when no answer came), why it failed, what it said, how long it took. */
    public record Attempt(Instant at, Optional<Integer> status, Optional<String> error, Optional<String> response, int latencyMillis) {
    }
}
