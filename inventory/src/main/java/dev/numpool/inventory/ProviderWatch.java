package dev.numpool.inventory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps watch on the network providers for the router and for operators: refreshes their
 * quotes into the shared quote book, keeps the history of those refreshes and of the offers they
 * changed, and tells how each provider is doing.
 */
final class ProviderWatch {
    private static final Logger LOG = Logger.getLogger(ProviderWatch.class.getName());

    private final Providers providers;
    private final Controls controls;
    private final DeliveryStats deliveries;
    private final InventoryStore store;
    private final Clock clock;

    ProviderWatch(Providers providers, Controls controls, DeliveryStats deliveries, InventoryStore store, Clock clock) {
        this.providers = providers;
        this.controls = controls;
        this.deliveries = deliveries;
        this.store = store;
        this.clock = clock;
    }

    /** See {@link Inventory#refreshQuotes}. */
    int refreshQuotes(Duration interval) {
        QuoteBook quotes = providers.book();
        int refreshed = 0;
        for (Provider p : providers.all()) {
            if (p.inProcess() || !quotes.leadRefresh(p.name(), interval) || !providers.circuit(p.name()).allow()) {
                continue;
            }
            Provider.Fetched fetched;
            try {
                fetched = p.fetchQuotes();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, p.name() + " threw on fetchQuotes", e);
                fetched = new Provider.Fetched.Failed("provider error");
            }
            switch (fetched) {
                case Provider.Fetched.Quotes q -> {
                    providers.circuit(p.name()).success();
                    List<Provider.OfferQuote> before = quotes.all(p.name());
                    quotes.replace(p.name(), q.quotes());
                    store.recordRefresh(p.name(), clock.instant(), q.quotes());
                    store.recordOfferChanges(p.name(), clock.instant(), before, q.quotes());
                    refreshed++;
                }
                case Provider.Fetched.Failed f -> {
                    providers.circuit(p.name()).failure();
                    store.recordFailedRefresh(p.name(), clock.instant(), f.reason());
                    LOG.log(Level.WARNING, "quotes of " + p.name() + " not refreshed: " + f.reason());
                }
            }
        }
        return refreshed;
    }

    /** See {@link Inventory#health}. */
    List<Inventory.ProviderHealth> health() {
        Map<String, String> paused = controls.current().paused();
        List<Inventory.ProviderHealth> health = new ArrayList<>();
        for (Provider p : providers.all()) {
            int offers = 0;
            long stock = 0;
            if (!p.inProcess()) {
                for (Provider.OfferQuote q : providers.book().all(p.name())) {
                    offers++;
                    stock += q.stock();
                }
            }
            long[] today = deliveries.today(p.name());
            health.add(new Inventory.ProviderHealth(p.name(), p.kind(), providers.circuit(p.name()).state().name().toLowerCase(),
                    providers.latencyMillis(p.name()), offers, stock, today[0], today[1], deliveries.medianTimeToCode(p.name()),
                    Optional.ofNullable(paused.get(p.name()))));
        }
        return health;
    }

    /** See {@link Inventory#refreshHistory}. */
    List<Inventory.Refresh> refreshHistory(String provider, int limit) {
        return store.refreshes(provider, Math.max(1, Math.min(500, limit)));
    }

    /** See {@link Inventory#offerHistory}. */
    List<Inventory.OfferPoint> offerHistory(String provider, String service, int country, String operator, int limit) {
        return store.offerHistory(provider, service, country, operator, Math.max(1, Math.min(500, limit)));
    }

    /** See {@link Inventory#pruneRefreshHistory}. */
    int pruneRefreshHistory(Duration age, int limit) {
        Instant cutoff = clock.instant().minus(age);
        return store.deleteRefreshesBefore(cutoff, limit) + store.deleteOfferHistoryBefore(cutoff, limit);
    }
}
