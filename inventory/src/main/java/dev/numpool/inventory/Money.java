package dev.numpool.inventory;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.OptionalLong;

/**
 * Money as {@code long} micro-units of the account currency (1 USD = 1,000,000), and its one
 * decimal spelling. Never floating point: a decimal is parsed exactly or refused.
 */
public final class Money {
    public static final long MICROS_PER_UNIT = 1_000_000L;
    /** No single price or amount above one million units is accepted anywhere. */
    public static final long MAX_MICROS = 1_000_000L * MICROS_PER_UNIT;

    private Money() {
    }

    /**
     * Parses a non-negative decimal such as {@code 0.45} or {@code 12} into micros; empty when it
     * is not a plain decimal, has more than 6 fractional digits, or exceeds {@link #MAX_MICROS}.
     */
    public static OptionalLong parseMicros(String decimal) {
        if (decimal == null || decimal.length() > 32 || !decimal.matches("[0-9]{1,13}(\\.[0-9]{1,12})?")) {
            return OptionalLong.empty();
        }
        BigDecimal micros = new BigDecimal(decimal).movePointRight(6);
        if (micros.stripTrailingZeros().scale() > 0 || micros.compareTo(BigDecimal.valueOf(MAX_MICROS)) > 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(micros.longValueExact());
    }

    /** Like {@link #parseMicros(String)}, for a decimal already read as a number (a JSON price, say). */
    public static OptionalLong exactMicros(BigDecimal decimal) {
        // A far-out exponent (1e999999999) would spell a gigantic plain string; no price has one.
        if (decimal == null || decimal.scale() > 32 || decimal.scale() < -32) {
            return OptionalLong.empty();
        }
        return parseMicros(decimal.toPlainString());
    }

    /** {@code 450000} → {@code "0.45"}; at least two fractional digits, at most six. */
    public static String format(long micros) {
        BigDecimal units = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
        return units.scale() < 2 ? units.setScale(2, RoundingMode.UNNECESSARY).toPlainString() : units.toPlainString();
    }
}
