package dev.numpool.inventory;

import io.helidon.config.Config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sell price from provider cost: a percentage markup, chosen by rules per service, country and
 * provider, with a minimum margin, rounded up to a cent so prices read well and never
 * fall below cost. The most specific matching rule wins (ties: the one listed first); no match
 * means the default markup.
 */
final class Pricing {
    /**
     * Sell prices are rounded up to a cent: prices are in the account currency (USD), which people
     * write with two decimals, so no price anywhere shows a third (issue 17). Costs keep theirs.
     */
    private static final long ROUNDING_MICROS = 10_000;

    /** A markup rule; an empty field matches anything. */
    record Rule(Optional<String> service, Optional<Integer> country, Optional<String> provider, long percent) {
        Rule {
            if (percent < 0 || percent > 1_000) {
                throw new IllegalArgumentException("a markup is 0 to 1000 %");
            }
        }

        boolean matches(String provider, String service, int country) {
            return this.service.map(service::equals).orElse(true)
                    && this.country.map(c -> c == country).orElse(true)
                    && this.provider.map(provider::equals).orElse(true);
        }

        int specificity() {
            return (service.isPresent() ? 1 : 0) + (country.isPresent() ? 1 : 0) + (provider.isPresent() ? 1 : 0);
        }
    }

    private final long defaultPercent;
    private final long minimumMarginMicros;
    private final List<Rule> rules;

    Pricing(long defaultPercent, long minimumMarginMicros, List<Rule> rules) {
        if (defaultPercent < 0 || defaultPercent > 1_000 || minimumMarginMicros < 0) {
            throw new IllegalArgumentException("markup must be 0..1000 % and the minimum margin not negative");
        }
        this.defaultPercent = defaultPercent;
        this.minimumMarginMicros = minimumMarginMicros;
        this.rules = List.copyOf(rules);
    }

    /** From the inventory's config node: {@code markup-percent}, {@code minimum-margin}, {@code markups}. */
    static Pricing from(Config config) {
        List<Rule> rules = new ArrayList<>();
        for (Config r : config.get("markups").asNodeList().orElse(List.of())) {
            rules.add(new Rule(r.get("service").asString().asOptional(), r.get("country").asInt().asOptional(),
                    r.get("provider").asString().asOptional(),
                    r.get("percent").asLong().orElseThrow(() -> new IllegalArgumentException("every markup rule needs a percent"))));
        }
        return new Pricing(
                config.get("markup-percent").asLong().orElse(25L),
                Money.parseMicros(config.get("minimum-margin").asString().orElse("0.01"))
                        .orElseThrow(() -> new IllegalArgumentException("inventory.minimum-margin must be a decimal")),
                rules);
    }

    long defaultPercent() {
        return defaultPercent;
    }

    long minimumMarginMicros() {
        return minimumMarginMicros;
    }

    List<Rule> rules() {
        return rules;
    }

    long sellPriceMicros(long costMicros, String provider, String service, int country) {
        long percent = defaultPercent;
        int best = -1;
        for (Rule r : rules) {
            if (r.matches(provider, service, country) && r.specificity() > best) {
                best = r.specificity();
                percent = r.percent();
            }
        }
        long marked = Math.ceilDiv(Math.multiplyExact(costMicros, 100 + percent), 100);
        long price = Math.max(marked, Math.addExact(costMicros, minimumMarginMicros));
        return Math.ceilDiv(price, ROUNDING_MICROS) * ROUNDING_MICROS;
    }
}
