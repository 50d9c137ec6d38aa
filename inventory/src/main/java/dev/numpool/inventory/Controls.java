package dev.numpool.inventory;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What operators control on every node: the providers they paused, and the markups that turn
 * costs into sell prices. Both are kept in the database, so a change made on one node reaches the
 * others within seconds.
 */
final class Controls {
    private static final Logger LOG = Logger.getLogger(Controls.class.getName());
    /** How stale an operator's pause or markups may be on another node. */
    private static final long CONTROLS_TTL_NANOS = Duration.ofSeconds(5).toNanos();

    private final InventoryStore store;
    private final Catalogue catalogue;
    private final Providers providers;
    /** The markups of the configuration; an operator's replace them (see {@link #setMarkups}). */
    private final Pricing configuredPricing;
    private volatile Pricing pricing;
    /** Providers an operator paused, with the reason: re-read from the database every few seconds. */
    private volatile Map<String, String> paused = Map.of();
    private volatile long controlsReadAt;
    private final AtomicBoolean readingControls = new AtomicBoolean();
    private final Clock clock;

    Controls(InventoryStore store, Catalogue catalogue, Providers providers, Pricing pricing, Clock clock) {
        this.store = store;
        this.catalogue = catalogue;
        this.providers = providers;
        this.configuredPricing = pricing;
        this.pricing = pricing;
        this.controlsReadAt = System.nanoTime() - CONTROLS_TTL_NANOS - 1;
        this.clock = clock;
    }

    /** The pauses, with their reasons, and the markups in force at one moment. */
    record InForce(Map<String, String> paused, Pricing pricing) {
    }

    /** The controls in force, re-read first when they are older than a few seconds. */
    InForce current() {
        freshControls();
        return new InForce(paused, pricing);
    }

    Inventory.Markups markups() {
        freshControls();
        Pricing p = pricing;
        return new Inventory.Markups(p.defaultPercent(), p.minimumMarginMicros(), p.rules().stream()
                .map(r -> new Inventory.MarkupRule(r.service(), r.country(), r.provider(), r.percent())).toList(), p != configuredPricing);
    }

    /** See {@link Inventory#setMarkups}. */
    Optional<String> setMarkups(long defaultPercent, long minimumMarginMicros, List<Inventory.MarkupRule> rules) {
        Checked checked = check(defaultPercent, minimumMarginMicros, rules);
        if (checked.refusal().isPresent()) {
            return checked.refusal();
        }
        Pricing next = checked.pricing().orElseThrow();
        store.setMarkupSetting((int) defaultPercent, minimumMarginMicros, rulesJson(next.rules()), clock.instant());
        pricing = next;
        return Optional.empty();
    }

    /** Markups as asked for: the pricing they make, or what is wrong with them. */
    record Checked(Optional<Pricing> pricing, Optional<String> refusal) {
    }

    Checked check(long defaultPercent, long minimumMarginMicros, List<Inventory.MarkupRule> rules) {
        Optional<String> refusal = refusal(defaultPercent, minimumMarginMicros, rules);
        if (refusal.isPresent()) {
            return new Checked(Optional.empty(), refusal);
        }
        List<Pricing.Rule> checked = rules.stream().map(r -> new Pricing.Rule(r.service(), r.country(), r.provider(), r.percent())).toList();
        return new Checked(Optional.of(new Pricing(defaultPercent, minimumMarginMicros, checked)), Optional.empty());
    }

    private Optional<String> refusal(long defaultPercent, long minimumMarginMicros, List<Inventory.MarkupRule> rules) {
        if (defaultPercent < 0 || defaultPercent > 1_000 || minimumMarginMicros < 0 || minimumMarginMicros > Money.MAX_MICROS) {
            return Optional.of("markupPercent is 0 to 1000 and minimumMargin 0 to " + Money.format(Money.MAX_MICROS));
        }
        if (rules.size() > 200) {
            return Optional.of("at most 200 rules");
        }
        for (int i = 0; i < rules.size(); i++) {
            Inventory.MarkupRule r = rules.get(i);
            String at = "rule " + (i + 1) + ": ";
            if (r.service().isPresent() && !catalogue.sellsService(r.service().get())) {
                return Optional.of(at + "no service '" + UpstreamHttp.clip(r.service().get()) + "'");
            }
            if (r.country().isPresent() && !catalogue.sellsCountry(r.country().get())) {
                return Optional.of(at + "no country " + r.country().get());
            }
            if (r.provider().isPresent() && !providers.has(r.provider().get())) {
                return Optional.of(at + "no provider '" + UpstreamHttp.clip(r.provider().get()) + "'");
            }
            if (r.percent() < 0 || r.percent() > 1_000) {
                return Optional.of(at + "percent is 0 to 1000");
            }
        }
        return Optional.empty();
    }

    /** See {@link Inventory#setService}. */
    boolean setService(String code, String name, boolean enabled) {
        boolean known = store.setService(code, name, enabled);
        reread();
        return known;
    }

    /** See {@link Inventory#setCountry}. */
    boolean setCountry(int id, String name, boolean enabled) {
        boolean known = store.setCountry(id, name, enabled);
        reread();
        return known;
    }

    /** This node sees a change of its own at once (the others within {@link #CONTROLS_TTL_NANOS}). */
    private void reread() {
        controlsReadAt = System.nanoTime() - CONTROLS_TTL_NANOS - 1;
        freshControls();
    }

    /** See {@link Inventory#pause}. */
    boolean pause(String provider, boolean pause, String reason) {
        if (!providers.has(provider)) {
            return false;
        }
        store.setPaused(provider, pause, reason, clock.instant());
        controlsReadAt = System.nanoTime() - CONTROLS_TTL_NANOS - 1;
        freshControls();
        return true;
    }

    /**
     * Re-reads the operator's pauses, markups and catalogue when they are older than a few seconds. One
     * caller reads while the others go on with what they have; if the database does not answer,
     * the last known controls stay.
     */
    private void freshControls() {
        if (System.nanoTime() - controlsReadAt < CONTROLS_TTL_NANOS || !readingControls.compareAndSet(false, true)) {
            return;
        }
        try {
            InventoryStore.Switches switches = store.switches();
            catalogue.replace(store.services(), store.countries(), switches.servicesOff(), switches.countriesOff());
            paused = Map.copyOf(store.pausedProviders());
            pricing = store.markupSetting().map(m -> new Pricing(m.defaultPercent(), m.minimumMarginMicros(), rules(m.rulesJson()))).orElse(configuredPricing);
            controlsReadAt = System.nanoTime();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "operator controls not re-read; keeping the last ones", e);
        } finally {
            readingControls.set(false);
        }
    }

    private static String rulesJson(List<Pricing.Rule> rules) {
        var array = UpstreamHttp.JSON.createArrayNode();
        for (Pricing.Rule r : rules) {
            var n = array.addObject();
            r.service().ifPresent(v -> n.put("service", v));
            r.country().ifPresent(v -> n.put("country", v));
            r.provider().ifPresent(v -> n.put("provider", v));
            n.put("percent", r.percent());
        }
        return array.toString();
    }

    private static List<Pricing.Rule> rules(String json) {
        List<Pricing.Rule> rules = new ArrayList<>();
        try {
            for (var n : UpstreamHttp.JSON.readTree(json)) {
                rules.add(new Pricing.Rule(Optional.ofNullable(n.get("service")).map(v -> v.asText()),
                        Optional.ofNullable(n.get("country")).map(v -> v.asInt()), Optional.ofNullable(n.get("provider")).map(v -> v.asText()),
                        n.get("percent").asLong()));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("markup rules in the database are not JSON", e);
        }
        return rules;
    }
}
