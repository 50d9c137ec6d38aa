package dev.numpool.orders;

import dev.numpool.inventory.Country;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Service;

import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A validated order: the catalogue entries already looked up, the price cap in micros. The rules
 * live here, once, for every API: each adapter checks them with {@link #validOperator} and
 * friends to answer in its own protocol's words, and the constructor refuses what slips past.
 */
public record OrderRequest(Service service, Country country, String operator, OptionalLong maxPriceMicros,
                           List<String> excludedPrefixes) {
    /** More excluded prefixes than this is no real bot's filter. */
    public static final int MAX_EXCLUDED_PREFIXES = 20;
    private static final Pattern OPERATOR = Pattern.compile("[a-z0-9_]{1,32}");
    private static final Pattern PREFIX = Pattern.compile("[0-9]{1,15}");

    public OrderRequest {
        excludedPrefixes = List.copyOf(excludedPrefixes);
        if (!validOperator(operator)) {
            throw new IllegalArgumentException("operator must be 1-32 of [a-z0-9_]");
        }
        if (maxPriceMicros.isPresent() && !validMaxPrice(maxPriceMicros.getAsLong())) {
            throw new IllegalArgumentException("maxPrice must be positive and at most " + Money.format(Money.MAX_MICROS));
        }
        if (!validPrefixes(excludedPrefixes)) {
            throw new IllegalArgumentException("at most " + MAX_EXCLUDED_PREFIXES + " digit prefixes of 1-15 digits");
        }
    }

    /** A lowercase operator name such as {@code any}, {@code mts}. */
    public static boolean validOperator(String operator) {
        return operator != null && OPERATOR.matcher(operator).matches();
    }

    /** A price cap: above zero, at most {@link Money#MAX_MICROS}. */
    public static boolean validMaxPrice(long micros) {
        return micros > 0 && micros <= Money.MAX_MICROS;
    }

    /** Number prefixes with the country code (digits only), at most {@link #MAX_EXCLUDED_PREFIXES}. */
    public static boolean validPrefixes(List<String> prefixes) {
        return prefixes.size() <= MAX_EXCLUDED_PREFIXES && prefixes.stream().allMatch(p -> p != null && PREFIX.matcher(p).matches());
    }
}
