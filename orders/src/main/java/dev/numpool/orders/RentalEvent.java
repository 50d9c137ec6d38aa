package dev.numpool.orders;

import java.time.Instant;
import java.util.Optional;

/**
 * Something that happened to a rental, as live streams show it: an {@code sms} it received (with
 * the code read in it, if any), or a {@code status} change (finished, cancelled, expired).
 */
public record RentalEvent(String type, int rentalId, RentalStatus status, Optional<String> code, Optional<String> text, Instant at) {
}
