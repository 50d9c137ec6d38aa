package dev.numpool.orders;

import java.time.Duration;

/**
 * How an order or a rental of a compatible API (sms-activate's {@code getNumber} and
 * {@code getRentNumber}, 5sim's {@code buy} and {@code buy/hosting}) is kept from being bought twice
 * when its bot retries it, for {@link Orders#placeRetrySafe} and {@link Rentals#rentRetrySafe}. Those
 * protocols have no idempotency of their own: a bot that timed out simply asks again.
 */
public sealed interface RetryGuard {
    /**
     * The client sent an {@code Idempotency-Key}: as on the native API, the same key with the same
     * request ({@code fingerprint}) answers the first response again, byte for byte; with another
     * request it is refused; while the first request runs, the retry waits for its answer.
     */
    record Key(IdempotencyKey key, byte[] fingerprint) implements RetryGuard {
    }

    /**
     * No key: the same order (service, country, operator, price cap) from the same {@code source}
     * (an API key) within {@code window} of the first is that first order, as long as its activation
     * still waits for its code; concurrent duplicates wait for the first and get its activation. A
     * rental likewise (service, country, periods, price cap), as long as the first rental is active. The
     * database decides which request is first (the key's row), not a check before the purchase.
     */
    record Window(String source, Duration window) implements RetryGuard {
        public Window {
            if (source == null || source.isEmpty() || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("a duplicate window has a source and a positive length");
            }
        }
    }

    /** Neither (the key's owner turned the window off): every call is a new order. */
    record None() implements RetryGuard {
    }
}
