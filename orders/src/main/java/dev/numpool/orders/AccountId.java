package dev.numpool.orders;

/** An account's id; only ever built by this module from an authenticated key or a new account. */
public record AccountId(long value) {
}
