package dev.numpool.orders;

import java.time.Instant;
import java.util.Optional;

/**
 * Something that happened to an activation, as live streams show it: {@code created}, a
 * {@code code} (with the SMS it came in), or a {@code status} change (finished, cancelled,
 * expired, another code asked for).
 */
public record LiveEvent(String type, int activationId, ActivationStatus status, Optional<String> code, Optional<String> text,
                        Instant at) {
}
