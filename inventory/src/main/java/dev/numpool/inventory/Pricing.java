package dev.numpool.inventory;

/**
 * Sell price from provider cost: a percentage markup with a minimum margin, rounded up to a
 * tenth of a cent so prices read well and never fall below cost.
 */
record Pricing(long markupPercent, long minimumMarginMicros) {
    private static final long ROUNDING_MICROS = 1_000;

    Pricing {
        if (markupPercent < 0 || markupPercent > 1_000 || minimumMarginMicros < 0) {
            throw new IllegalArgumentException("markup must be 0..1000 % and the minimum margin not negative");
        }
    }

    long sellPriceMicros(long costMicros) {
        long marked = Math.ceilDiv(Math.multiplyExact(costMicros, 100 + markupPercent), 100);
        long price = Math.max(marked, Math.addExact(costMicros, minimumMarginMicros));
        return Math.ceilDiv(price, ROUNDING_MICROS) * ROUNDING_MICROS;
    }
}
