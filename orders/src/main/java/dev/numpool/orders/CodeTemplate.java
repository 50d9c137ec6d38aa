package dev.numpool.orders;

import java.time.Instant;
import java.util.Optional;

/**
 * An SMS of one service with its code masked, read before the generic rules (see
 * {@link Orders#codeTemplates}). {@code template} is the text with {@code {code}} where a numeric
 * code stands ({@code {code:alnum}} for letters and digits), {@code {n}} for a number that varies
 * and {@code {*}} for any text; everything else must match as written, blanks as any blanks,
 * letters in any case, over the whole SMS. {@code sender} is empty when any sender of the service
 * may send it. {@code origin} is {@code shipped} (Numpool's data file), {@code learned} (from a
 * confirmed code) or {@code operator}.
 */
public record CodeTemplate(long id, String service, String sender, String template, String origin, long hits,
                           Optional<Instant> lastHitAt, Instant createdAt) {
}
