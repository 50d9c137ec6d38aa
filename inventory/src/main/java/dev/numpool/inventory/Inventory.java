package dev.numpool.inventory;

import dev.numpool.db.Database;
import io.helidon.config.Config;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The inventory's one door: the catalogue, live offers, and buying and releasing numbers across
 * providers.
 *
 * <p>A purchase ranks the providers that report stock for the offer by sell price and tries them
 * in order within a deadline, failing over on no-numbers and upstream failures; the
 * {@link RoutingTrace} of every purchase records why it went where it went.
 */
public final class Inventory implements AutoCloseable {
    private static final int MAX_ATTEMPTS = 3;

    private final List<Provider> providers;
    private final Map<String, Provider> providersByName;
    private final Map<String, Service> services;
    private final Map<Integer, Country> countries;
    private final Pricing pricing;
    private final String currency;
    private final Duration deadline;
    private final Clock clock;

    private Inventory(List<Provider> providers, List<Service> services, List<Country> countries, Pricing pricing,
                      String currency, Duration deadline, Clock clock) {
        this.providers = List.copyOf(providers);
        this.providersByName = providers.stream().collect(Collectors.toUnmodifiableMap(Provider::name, Function.identity()));
        this.services = services.stream().collect(Collectors.toUnmodifiableMap(Service::code, Function.identity()));
        this.countries = countries.stream().collect(Collectors.toUnmodifiableMap(Country::id, Function.identity()));
        this.pricing = pricing;
        this.currency = currency;
        this.deadline = deadline;
        this.clock = clock;
    }

    /**
     * Builds the inventory from its config node ({@code markup-percent}, {@code minimum-margin},
     * {@code routing-deadline-millis}, {@code simulator.*}). The simulator is a provider only
     * when {@code sandbox} is true.
     */
    public static Inventory create(Database db, Config config, boolean sandbox, Clock clock) {
        CatalogueStore store = new CatalogueStore(db);
        List<Service> services = store.services();
        List<Country> countries = store.countries();
        List<Provider> providers = new ArrayList<>();
        if (sandbox && config.get("simulator.enabled").asBoolean().orElse(true)) {
            Map<String, String> names = services.stream().collect(Collectors.toMap(Service::code, Service::name));
            providers.add(new Simulator(Simulator.Settings.from(config.get("simulator")), SmsTemplates.load(names), clock));
        }
        Pricing pricing = new Pricing(
                config.get("markup-percent").asLong().orElse(25L),
                Money.parseMicros(config.get("minimum-margin").asString().orElse("0.01"))
                        .orElseThrow(() -> new IllegalArgumentException("inventory.minimum-margin must be a decimal")));
        return new Inventory(providers, services, countries, pricing, "USD",
                Duration.ofMillis(config.get("routing-deadline-millis").asLong().orElse(10_000L)), clock);
    }

    public Optional<Service> service(String code) {
        return Optional.ofNullable(code).map(services::get);
    }

    public Optional<Country> country(int id) {
        return Optional.ofNullable(countries.get(id));
    }

    public List<Service> services() {
        return services.values().stream().sorted(Comparator.comparing(Service::code)).toList();
    }

    public List<Country> countries() {
        return countries.values().stream().sorted(Comparator.comparingInt(Country::id)).toList();
    }

    /** True for providers whose numbers are simulated (sandbox SMS may be injected for them). */
    public boolean isSimulated(String provider) {
        return Simulator.NAME.equals(provider);
    }

    /**
     * Offers with live price and stock, optionally for one service and/or one country; offers no
     * provider has stock for are left out. Ordered by service, then country.
     */
    public List<Offer> offers(Optional<Service> service, Optional<Country> country) {
        List<Offer> offers = new ArrayList<>();
        for (Service s : service.map(List::of).orElseGet(this::services)) {
            for (Country c : country.map(List::of).orElseGet(this::countries)) {
                long cheapest = Long.MAX_VALUE;
                int stock = 0;
                for (Provider p : providers) {
                    Optional<Provider.Quote> q = p.quote(s.code(), c, "any");
                    if (q.isPresent() && q.get().stock() > 0) {
                        cheapest = Math.min(cheapest, pricing.sellPriceMicros(q.get().costMicros()));
                        stock += q.get().stock();
                    }
                }
                if (stock > 0) {
                    offers.add(new Offer(s, c, cheapest, currency, stock));
                }
            }
        }
        return offers;
    }

    /** The currency all prices are in. */
    public String currency() {
        return currency;
    }

    /**
     * Buys a number: providers with stock, cheapest first, failing over until one sells or the
     * attempts or the deadline run out.
     */
    public BuyResult buy(BuyRequest request) {
        record Ranked(Provider provider, long priceMicros, long costMicros, int stock) {
        }
        List<Ranked> ranked = new ArrayList<>();
        for (Provider p : providers) {
            p.quote(request.service().code(), request.country(), request.operator())
                    .filter(q -> q.stock() > 0)
                    .ifPresent(q -> ranked.add(new Ranked(p, pricing.sellPriceMicros(q.costMicros()), q.costMicros(), q.stock())));
        }
        ranked.sort(Comparator.comparingLong(Ranked::priceMicros));
        List<RoutingTrace.Candidate> considered = ranked.stream()
                .map(r -> new RoutingTrace.Candidate(r.provider().name(), r.priceMicros(), r.stock())).toList();
        if (ranked.isEmpty()) {
            return new BuyResult.NoNumbers(new RoutingTrace(considered, List.of(), "no provider reports stock"));
        }
        long max = request.maxPriceMicros().orElse(Long.MAX_VALUE);
        if (ranked.getFirst().priceMicros() > max) {
            return new BuyResult.PriceAboveMax(ranked.getFirst().priceMicros());
        }
        List<RoutingTrace.Attempt> attempts = new ArrayList<>();
        long deadlineAt = clock.millis() + deadline.toMillis();
        for (Ranked r : ranked) {
            if (r.priceMicros() > max || attempts.size() >= MAX_ATTEMPTS || clock.millis() >= deadlineAt) {
                break;
            }
            long started = System.nanoTime();
            Provider.Purchase purchase = r.provider().buy(new Provider.Order(request.service().code(), request.country(),
                    request.operator(), r.costMicros(), request.excludedPrefixes()));
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            switch (purchase) {
                case Provider.Purchase.Got got -> {
                    attempts.add(new RoutingTrace.Attempt(r.provider().name(), "bought", tookMillis));
                    String why = attempts.size() == 1 ? "cheapest provider with stock" : "first provider to sell after failover";
                    return new BuyResult.Bought(
                            new Lease(r.provider().name(), got.providerRef(), got.phone(), got.costMicros(), r.priceMicros()),
                            new RoutingTrace(considered, attempts, why));
                }
                case Provider.Purchase.Empty empty -> attempts.add(new RoutingTrace.Attempt(r.provider().name(), "no_numbers", tookMillis));
                case Provider.Purchase.Failed failed ->
                        attempts.add(new RoutingTrace.Attempt(r.provider().name(), "failed: " + failed.reason(), tookMillis));
            }
        }
        return new BuyResult.NoNumbers(new RoutingTrace(considered, attempts, "every provider tried failed or was empty"));
    }

    /** Gives a number back to its provider. Unknown providers (removed since) are ignored. */
    public void release(String provider, String providerRef, Release how) {
        Provider p = providersByName.get(provider);
        if (p != null) {
            p.release(providerRef, how);
        }
    }

    /** Asks the provider for one more SMS on the number. */
    public void requestAnotherCode(String provider, String providerRef) {
        Provider p = providersByName.get(provider);
        if (p != null) {
            p.requestAnotherCode(providerRef);
        }
    }

    /** Routes every SMS any provider receives to {@code listener} (the orders module's intake). */
    public void listen(SmsListener listener) {
        providers.forEach(p -> p.listen(listener));
    }

    @Override
    public void close() {
        providers.forEach(Provider::close);
    }
}
