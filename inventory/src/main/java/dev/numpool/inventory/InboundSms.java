package dev.numpool.inventory;

import java.time.Instant;

/**
 * An SMS a provider received for one of its leases. {@code messageId} is the provider's id for
 * the message (or a digest of its content) so that a message pushed twice is recognised.
 */
public record InboundSms(String provider, String providerRef, String sender, String text, String messageId, Instant receivedAt) {
}
