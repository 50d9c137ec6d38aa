package dev.numpool.inventory;

/**
 * What a customer can buy now: the lowest sell price across providers for a service in a
 * country, and the live stock summed over the providers that report any.
 */
public record Offer(Service service, Country country, long priceMicros, String currency, int stock) {
}
