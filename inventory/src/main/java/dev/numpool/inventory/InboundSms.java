package dev.numpool.inventory;

import java.time.Instant;
import java.util.Optional;

/**
 * An SMS a provider received for one of its leases. {@code messageId} is the provider's id for
 * the message (or a digest of its content) so that a message pushed twice is recognised.
 * {@code providerCode} is the code the provider itself extracted, where its protocol says (the
 * sms-activate family's {@code STATUS_OK:<code>}, 5sim's {@code code}): used when the text alone
 * does not show one, as when an upstream gives the code but not the text.
 */
public record InboundSms(String provider, String providerRef, String sender, String text, String messageId, Instant receivedAt,
                         Optional<String> providerCode) {
    public InboundSms(String provider, String providerRef, String sender, String text, String messageId, Instant receivedAt) {
        this(provider, providerRef, sender, text, messageId, receivedAt, Optional.empty());
    }
}
