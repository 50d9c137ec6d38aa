package dev.numpool.orders;

import java.time.Instant;

/**
 * An SMS that reached a live activation and yielded no code, waiting for an operator to mark its
 * code or dismiss it (see {@link Orders#reviewQueue}). Its owner sees the full text meanwhile.
 */
public record SmsReview(long smsId, int activationId, AccountId owner, String service, int country, ActivationStatus status,
                        String sender, String text, Instant receivedAt) {
}
