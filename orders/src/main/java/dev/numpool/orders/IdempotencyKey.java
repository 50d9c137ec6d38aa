package dev.numpool.orders;

import java.util.Optional;

/** A client's Idempotency-Key: 1 to 255 visible ASCII characters. */
public record IdempotencyKey(String value) {
    public IdempotencyKey {
        if (!valid(value)) {
            throw new IllegalArgumentException("an idempotency key is 1 to 255 visible ASCII characters");
        }
    }

    public static Optional<IdempotencyKey> of(String value) {
        return valid(value) ? Optional.of(new IdempotencyKey(value)) : Optional.empty();
    }

    private static boolean valid(String value) {
        return value != null && value.matches("[\\x21-\\x7E]{1,255}");
    }
}
