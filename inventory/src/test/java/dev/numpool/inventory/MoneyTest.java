package dev.numpool.inventory;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MoneyTest {
    @Test
    void decimalsParseExactlyIntoMicros() {
        assertEquals(OptionalLong.of(450_000L), Money.parseMicros("0.45"));
        assertEquals(OptionalLong.of(4_400L), Money.parseMicros("0.0044"));
        assertEquals(OptionalLong.of(12_000_000L), Money.parseMicros("12"));
        assertEquals(OptionalLong.of(1L), Money.parseMicros("0.000001"));
        assertEquals(OptionalLong.of(1_000_000L), Money.parseMicros("1.000000000"));
    }

    @Test
    void anythingElseIsRefusedNotRounded() {
        for (String bad : new String[] {"-1", "1e3", "0.0000001", "abc", "", " 1", "1.", ".5", "1,5", "99999999999999", "1000000.000001"}) {
            assertEquals(OptionalLong.empty(), Money.parseMicros(bad), bad);
        }
        assertEquals(OptionalLong.empty(), Money.parseMicros(null));
    }

    @Test
    void microsFormatWithAtLeastTwoDecimals() {
        assertEquals("0.45", Money.format(450_000L));
        assertEquals("100.00", Money.format(100_000_000L));
        assertEquals("0.0044", Money.format(4_400L));
        assertEquals("1.125", Money.format(1_125_000L));
        assertEquals("0.00", Money.format(0));
    }

    @Test
    void pricingNeverSellsBelowCostPlusTheMinimumMargin() {
        Pricing pricing = new Pricing(25, 10_000, java.util.List.of());
        assertEquals(20_000L, pricing.sellPriceMicros(10_000, "p", "tg", 0), "margin wins over a tiny percentage");
        assertEquals(1_250_000L, pricing.sellPriceMicros(1_000_000, "p", "tg", 0));
        assertEquals(130_000L, pricing.sellPriceMicros(100_001, "p", "tg", 0), "rounded up to a cent");
        assertEquals(130_000L, pricing.sellPriceMicros(100_000, "p", "tg", 0), "0.125 is written 0.13: a price never has a third decimal");
    }

    @Test
    void theMostSpecificMarkupRuleWins() {
        java.util.Optional<String> none = java.util.Optional.empty();
        Pricing pricing = new Pricing(25, 0, java.util.List.of(
                new Pricing.Rule(java.util.Optional.of("wa"), java.util.Optional.empty(), none, 40),
                new Pricing.Rule(java.util.Optional.of("wa"), java.util.Optional.of(73), none, 10),
                new Pricing.Rule(none, java.util.Optional.empty(), java.util.Optional.of("cheap-upstream"), 5)));
        assertEquals(1_250_000L, pricing.sellPriceMicros(1_000_000, "p", "tg", 0), "no rule: the default");
        assertEquals(1_400_000L, pricing.sellPriceMicros(1_000_000, "p", "wa", 0), "per service");
        assertEquals(1_100_000L, pricing.sellPriceMicros(1_000_000, "p", "wa", 73), "service and country beat service");
        assertEquals(1_050_000L, pricing.sellPriceMicros(1_000_000, "cheap-upstream", "tg", 0), "per provider");
        assertEquals(1_100_000L, pricing.sellPriceMicros(1_000_000, "cheap-upstream", "wa", 73), "two fields beat one");
    }
}
