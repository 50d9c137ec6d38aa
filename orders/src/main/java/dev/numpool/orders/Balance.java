package dev.numpool.orders;

/**
 * What an account has: available to spend, held by live activations, and owed (a refund or
 * dispute took back more than was available; the next money in pays it first).
 */
public record Balance(String currency, long availableMicros, long heldMicros, long debtMicros) {
    public Balance(String currency, long availableMicros, long heldMicros) {
        this(currency, availableMicros, heldMicros, 0);
    }
}
