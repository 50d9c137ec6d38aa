package dev.numpool.orders;

/**
 * The response an idempotent request got, kept with its key and replayed byte for byte. The
 * HTTP layer renders it; this module only stores it in the same transaction as the effect.
 */
public record StoredResponse(int status, byte[] body) {
}
