package dev.numpool.orders;

import dev.numpool.inventory.Country;
import dev.numpool.inventory.Service;

import java.util.List;
import java.util.OptionalLong;

/** A validated order: the catalogue entries already looked up, the price cap in micros. */
public record OrderRequest(Service service, Country country, String operator, OptionalLong maxPriceMicros,
                           List<String> excludedPrefixes) {
    public OrderRequest {
        excludedPrefixes = List.copyOf(excludedPrefixes);
    }
}
