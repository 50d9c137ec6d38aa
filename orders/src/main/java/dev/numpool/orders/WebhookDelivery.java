package dev.numpool.orders;

import java.time.Instant;
import java.util.Optional;

/** One event sent (or being sent) to a webhook endpoint, as its owner sees it in the delivery log. */
public record WebhookDelivery(String messageId, String eventType, String state, int attempts, Optional<Integer> lastStatus,
                              Optional<String> lastError, Optional<String> lastResponse, Optional<Integer> lastLatencyMillis,
                              Instant createdAt, Optional<Instant> deliveredAt, String payload) {
}
