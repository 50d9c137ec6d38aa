package dev.numpool.inventory;

/**
 * A number bought from a provider for one activation. {@code providerRef} is the provider's own
 * id for it, used to release it and to match the SMS the provider delivers.
 */
public record Lease(String provider, String providerRef, PhoneNumber phone, long costMicros, long priceMicros) {
}
