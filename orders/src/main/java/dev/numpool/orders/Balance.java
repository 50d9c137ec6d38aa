package dev.numpool.orders;

/** What an account has: available to spend, and held by live activations. */
public record Balance(String currency, long availableMicros, long heldMicros) {
}
