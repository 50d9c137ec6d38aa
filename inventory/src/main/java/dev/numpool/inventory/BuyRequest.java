package dev.numpool.inventory;

import java.util.List;
import java.util.OptionalLong;

/**
 * What an order asks inventory for. {@code maxPriceMicros} caps the sell price;
 * {@code excludedPrefixes} are number prefixes (digits, with country code) the customer refuses;
 * {@code mode} says whose order it is, which decides the providers it may reach (see
 * {@link Mode}).
 */
public record BuyRequest(Service service, Country country, String operator, OptionalLong maxPriceMicros,
                         List<String> excludedPrefixes, Mode mode) {
    public BuyRequest {
        excludedPrefixes = List.copyOf(excludedPrefixes);
        java.util.Objects.requireNonNull(mode, "an order is live or test");
    }

    /** A live order for the offer, at any price. */
    public static BuyRequest of(Service service, Country country) {
        return new BuyRequest(service, country, "any", OptionalLong.empty(), List.of(), Mode.LIVE);
    }
}
