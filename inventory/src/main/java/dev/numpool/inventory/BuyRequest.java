package dev.numpool.inventory;

import java.util.List;
import java.util.OptionalLong;

/**
 * What an order asks inventory for. {@code maxPriceMicros} caps the sell price;
 * {@code excludedPrefixes} are number prefixes (digits, with country code) the customer refuses.
 */
public record BuyRequest(Service service, Country country, String operator, OptionalLong maxPriceMicros,
                         List<String> excludedPrefixes) {
    public BuyRequest {
        excludedPrefixes = List.copyOf(excludedPrefixes);
    }

    public static BuyRequest of(Service service, Country country) {
        return new BuyRequest(service, country, "any", OptionalLong.empty(), List.of());
    }
}
