package dev.numpool.inventory;

import dev.numpool.db.Database;
import dev.numpool.db.Redis;
import io.helidon.config.Config;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The inventory's one door: the catalogue, live offers, and buying and releasing numbers across
 * providers.
 *
 * <p>A purchase ranks the providers that report stock for the offer by the expected cost of a
 * delivered code (sell price divided by the provider's delivery rate for that offer), skips
 * providers whose circuit is open, and tries them in order within a deadline, failing over on
 * no-numbers, timeouts and upstream errors. The {@link RoutingTrace} of every purchase records
 * why it went where it went.
 */
public final class Inventory implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Inventory.class.getName());
    private static final int MAX_ATTEMPTS = 3;
    /** Polling requests a second per provider and node, unless its config says {@code polls-per-second}. */
    private static final double DEFAULT_POLLS_PER_SECOND = 10;
    /** List requests one sweep step may send, whatever the budget holds: a bound on one tick's work. */
    private static final int MAX_LIST_REQUESTS_PER_STEP = 100;
    /**
     * After a pass that found no live activation, the next pass waits this long: an idle
     * upstream is asked twice a second at most, not at every tick, and a new sale is seen in time.
     */
    private static final long IDLE_SWEEP_NANOS = Duration.ofMillis(2_000).toNanos();
    /** How stale an operator's pause or markups may be on another node. */
    private static final long CONTROLS_TTL_NANOS = Duration.ofSeconds(5).toNanos();

    private final List<Provider> providers;
    private final Map<String, Provider> providersByName;
    private final Optional<PoolProvider> pool;
    private final Map<String, CircuitBreaker> circuits;
    private final Map<String, Long> latencyMillis = new ConcurrentHashMap<>();
    /** Buys whose outcome is unknown (they may have sold), per provider: what reconciliation may give back. */
    private final Map<String, List<UncertainBuy>> uncertain = new ConcurrentHashMap<>();
    private final Map<String, RequestBudget> pollBudgets;
    /** Per provider, the nanoTime before which no new sweep pass starts (its last one was empty). */
    private final Map<String, Long> idleUntilNanos = new ConcurrentHashMap<>();
    private final Map<String, Service> services;
    private final Map<Integer, Country> countries;
    private final QuoteBook quotes;
    private final InventoryStore store;
    private final DeliveryStats deliveries;
    /** The markups of the configuration; an operator's replace them (see {@link #setMarkups}). */
    private final Pricing configuredPricing;
    private volatile Pricing pricing;
    /** Providers an operator paused, with the reason: re-read from the database every few seconds. */
    private volatile Map<String, String> paused = Map.of();
    private volatile long controlsReadAt;
    private final java.util.concurrent.atomic.AtomicBoolean readingControls = new java.util.concurrent.atomic.AtomicBoolean();
    private final String currency;
    private final Duration deadline;
    private final Clock clock;

    private Inventory(List<Provider> providers, Map<String, Double> pollRequestsPerSecond, List<Service> services, List<Country> countries,
                      QuoteBook quotes, InventoryStore store, DeliveryStats deliveries, Pricing pricing, String currency, Duration deadline,
                      Clock clock) {
        this.store = store;
        this.pool = providers.stream().filter(PoolProvider.class::isInstance).map(PoolProvider.class::cast).findFirst();
        this.providers = List.copyOf(providers);
        this.providersByName = providers.stream().collect(Collectors.toUnmodifiableMap(Provider::name, Function.identity()));
        this.circuits = providers.stream().collect(Collectors.toUnmodifiableMap(Provider::name,
                p -> new CircuitBreaker(5, Duration.ofSeconds(30), clock)));
        this.pollBudgets = providers.stream().collect(Collectors.toUnmodifiableMap(Provider::name,
                p -> new RequestBudget(pollRequestsPerSecond.getOrDefault(p.name(), DEFAULT_POLLS_PER_SECOND), System::nanoTime)));
        this.services = services.stream().collect(Collectors.toUnmodifiableMap(Service::code, Function.identity()));
        this.countries = countries.stream().collect(Collectors.toUnmodifiableMap(Country::id, Function.identity()));
        this.quotes = quotes;
        this.deliveries = deliveries;
        this.configuredPricing = pricing;
        this.pricing = pricing;
        this.controlsReadAt = System.nanoTime() - CONTROLS_TTL_NANOS - 1;
        this.currency = currency;
        this.deadline = deadline;
        this.clock = clock;
    }

    /**
     * Builds the inventory from its config node: {@code markup-percent}, {@code minimum-margin},
     * {@code markups} (rules {@code {service?, country?, provider?, percent}}, most specific wins),
     * {@code routing-deadline-millis}, {@code quotes-ttl-seconds}, {@code simulator.*} (a provider
     * only when {@code sandbox} is true) and {@code providers}, a list of upstreams:
     * {@code {name, protocol: sms-activate | 5sim | agent, url, api-key-env, timeout-millis}} (an
     * agent also takes {@code price}, what Numpool offers per number, and {@code currency-code},
     * ISO 4217 numeric; an sms-activate upstream also takes {@code list-page-size}, activations per
     * {@code getActiveActivations} page (default 100), and {@code webhook-secret-env} with an
     * optional {@code webhook-allowed-sources}, which let it push SMS, see
     * {@link #receiveSmsActivatePush}), and {@code pool.*} (see {@link PoolProvider.Settings}). API keys and
     * webhook secrets are read from the environment variables the config names, never from files.
     */
    public static Inventory create(Database db, Redis redis, Config config, boolean sandbox, Clock clock, Map<String, String> environment) {
        InventoryStore store = new InventoryStore(db);
        List<Service> services = store.services();
        List<Country> countries = store.countries();
        List<Provider> providers = new ArrayList<>();
        if (sandbox && config.get("simulator.enabled").asBoolean().orElse(true)) {
            Map<String, String> names = services.stream().collect(Collectors.toMap(Service::code, Service::name));
            providers.add(new Simulator(Simulator.Settings.from(config.get("simulator")), SmsTemplates.load(names), clock));
        }
        if (config.get("pool.enabled").asBoolean().orElse(true)) {
            providers.add(new PoolProvider(store, PoolProvider.Settings.from(config.get("pool"), environment),
                    services.stream().map(Service::code).toList(), clock));
        }
        Map<String, Double> pollRates = new java.util.HashMap<>();
        for (Config p : config.get("providers").asNodeList().orElse(List.of())) {
            Provider provider = upstream(p, store, services, countries, clock, environment);
            if (providers.stream().anyMatch(known -> known.name().equals(provider.name()))) {
                throw new IllegalArgumentException("two providers are called '" + provider.name() + "'");
            }
            providers.add(provider);
            p.get("polls-per-second").asDouble().ifPresent(rate -> pollRates.put(provider.name(), rate));
        }
        Pricing pricing = Pricing.from(config);
        return new Inventory(providers, pollRates, services, countries,
                new QuoteBook(redis, Duration.ofSeconds(config.get("quotes-ttl-seconds").asLong().orElse(300L)),
                        Duration.ofMillis(config.get("quote-cache-millis").asLong().orElse(1000L))), store,
                new DeliveryStats(redis, clock), pricing, "USD",
                Duration.ofMillis(config.get("routing-deadline-millis").asLong().orElse(10_000L)), clock);
    }

    private static Provider upstream(Config p, InventoryStore store, List<Service> services, List<Country> countries, Clock clock,
                                     Map<String, String> environment) {
        String name = p.get("name").asString().orElseThrow(() -> new IllegalArgumentException("every provider needs a name"));
        if (!name.matches("[a-z0-9-]{1,32}") || name.equals(Simulator.NAME)) {
            throw new IllegalArgumentException("provider name '" + name + "' must be 1-32 of [a-z0-9-] and not 'simulator'");
        }
        String protocol = p.get("protocol").asString().orElse("sms-activate");
        String key = p.get("api-key-env").asString().asOptional().map(environment::get)
                .orElseThrow(() -> new IllegalArgumentException("provider " + name + " has no API key: set the variable its api-key-env names"));
        Duration timeout = Duration.ofMillis(p.get("timeout-millis").asLong().orElse(5_000L));
        URI url = URI.create(p.get("url").asString().orElseThrow(() -> new IllegalArgumentException("provider " + name + " needs a url")));
        return switch (protocol) {
            case "sms-activate" -> new SmsActivateProvider(name, url, key, timeout, clock,
                    p.get("list-page-size").asInt().orElse(SmsActivateProvider.DEFAULT_PAGE_SIZE), push(p, name, environment));
            case "5sim" -> new FiveSimProvider(name, url, key, timeout, clock, services, countries);
            case "agent" -> {
                String price = p.get("price").asString().orElse("0.10");
                yield new AgentProvider(name, url, key, timeout,
                        Money.parseMicros(price).orElseThrow(() -> new IllegalArgumentException("provider " + name + ": price is not a price: " + price)),
                        p.get("currency-code").asInt().orElse(840), store, clock, services, countries);
            }
            default -> throw new IllegalArgumentException("provider " + name + ": unknown protocol '" + protocol + "'");
        };
    }

    /** An sms-activate upstream's webhook: the secret from the variable its config names, and allowed sources. */
    private static SmsActivateProvider.Push push(Config p, String name, Map<String, String> environment) {
        Optional<String> variable = p.get("webhook-secret-env").asString().asOptional();
        if (variable.isEmpty()) {
            return SmsActivateProvider.Push.OFF;
        }
        String secret = Optional.ofNullable(environment.get(variable.get())).filter(v -> !v.isBlank())
                .orElseThrow(() -> new IllegalArgumentException("provider " + name + ": set the variable its webhook-secret-env names"));
        List<String> sources = p.get("webhook-allowed-sources").asList(String.class).orElse(List.of());
        if (sources.size() > 100) {
            throw new IllegalArgumentException("provider " + name + ": at most 100 webhook-allowed-sources");
        }
        return new SmsActivateProvider.Push(Optional.of(secret), java.util.Set.copyOf(sources.stream().map(String::strip).toList()));
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

    /** The currency all prices are in. */
    public String currency() {
        return currency;
    }

    /**
     * Offers with live price and stock, optionally for one service and/or one country; offers no
     * provider has stock for are left out. Ordered by service, then country. Network providers'
     * stock comes from the quote book, never from a call to the provider.
     */
    public List<Offer> offers(Optional<Service> service, Optional<Country> country) {
        record Best(long priceMicros, int stock) {
        }
        Map<String, Best> best = new LinkedHashMap<>();
        freshControls();
        Map<String, String> paused = this.paused;
        Pricing pricing = this.pricing;
        for (Service s : service.map(List::of).orElseGet(this::services)) {
            for (Country c : country.map(List::of).orElseGet(this::countries)) {
                for (Provider p : providers) {
                    if (p.inProcess() && !paused.containsKey(p.name())) {
                        p.quote(s.code(), c, "any").filter(q -> q.stock() > 0).ifPresent(q -> best.merge(s.code() + ":" + c.id(),
                                new Best(pricing.sellPriceMicros(q.costMicros(), p.name(), s.code(), c.id()), q.stock()),
                                (a, b) -> new Best(Math.min(a.priceMicros(), b.priceMicros()), a.stock() + b.stock())));
                    }
                }
            }
        }
        for (Provider p : providers) {
            if (p.inProcess() || paused.containsKey(p.name())) {
                continue;
            }
            // One offer (the order path's price check) is one HGET; a listing reads the whole book.
            List<Provider.OfferQuote> book = service.isPresent() && country.isPresent()
                    ? quotes.quote(p.name(), service.get().code(), country.get().id(), "any")
                            .map(q -> List.of(new Provider.OfferQuote(service.get().code(), country.get().id(), "any", q.costMicros(), q.stock())))
                            .orElse(List.of())
                    : quotes.all(p.name());
            for (Provider.OfferQuote q : book) {
                boolean wanted = q.operator().equals("any") && q.stock() > 0 && countries.containsKey(q.country()) && services.containsKey(q.service())
                        && service.map(s -> s.code().equals(q.service())).orElse(true)
                        && country.map(c -> c.id() == q.country()).orElse(true);
                if (wanted) {
                    best.merge(q.service() + ":" + q.country(),
                            new Best(pricing.sellPriceMicros(q.costMicros(), p.name(), q.service(), q.country()), q.stock()),
                            (a, b) -> new Best(Math.min(a.priceMicros(), b.priceMicros()), a.stock() + b.stock()));
                }
            }
        }
        List<Offer> offers = new ArrayList<>(best.size());
        best.forEach((key, b) -> {
            int colon = key.indexOf(':');
            offers.add(new Offer(services.get(key.substring(0, colon)), countries.get(Integer.parseInt(key.substring(colon + 1))),
                    b.priceMicros(), currency, b.stock()));
        });
        offers.sort(Comparator.comparing((Offer o) -> o.service().code()).thenComparingInt(o -> o.country().id()));
        return offers;
    }

    /**
     * Buys a number: providers with stock whose circuit is closed, best expected cost per
     * delivered code first, failing over until one sells or the attempts or the deadline run out.
     */
    public BuyResult buy(BuyRequest request) {
        record Ranked(Provider provider, long priceMicros, long costMicros, int stock, double deliveryRate) {
            double expectedCostPerCode() {
                return priceMicros / deliveryRate;
            }
        }
        List<Ranked> ranked = new ArrayList<>();
        freshControls();
        Map<String, String> paused = this.paused;
        Pricing pricing = this.pricing;
        for (Provider p : providers) {
            if (paused.containsKey(p.name())) {
                continue; // an operator took it out of service
            }
            quote(p, request.service().code(), request.country(), request.operator())
                    .filter(q -> q.stock() > 0)
                    .ifPresent(q -> ranked.add(new Ranked(p, pricing.sellPriceMicros(q.costMicros(), p.name(), request.service().code(),
                            request.country().id()), q.costMicros(), q.stock(),
                            deliveries.rate(p.name(), request.service().code(), request.country().id()))));
        }
        ranked.sort(Comparator.comparingDouble(Ranked::expectedCostPerCode)
                .thenComparingLong(r -> latencyMillis.getOrDefault(r.provider().name(), 0L)));
        List<RoutingTrace.Candidate> considered = ranked.stream()
                .map(r -> new RoutingTrace.Candidate(r.provider().name(), r.priceMicros(), r.stock(),
                        Math.round(r.deliveryRate() * 100), circuits.get(r.provider().name()).state().name().toLowerCase()))
                .toList();
        if (ranked.isEmpty()) {
            return new BuyResult.NoNumbers(new RoutingTrace(considered, List.of(), "no provider reports stock"));
        }
        long max = request.maxPriceMicros().orElse(Long.MAX_VALUE);
        long cheapest = ranked.stream().mapToLong(Ranked::priceMicros).min().orElseThrow();
        if (cheapest > max) {
            return new BuyResult.PriceAboveMax(cheapest);
        }
        List<RoutingTrace.Attempt> attempts = new ArrayList<>();
        long deadlineAt = clock.millis() + deadline.toMillis();
        for (Ranked r : ranked) {
            String name = r.provider().name();
            if (r.priceMicros() > max) {
                continue;
            }
            if (attempts.size() >= MAX_ATTEMPTS || clock.millis() >= deadlineAt) {
                break;
            }
            CircuitBreaker circuit = circuits.get(name);
            if (!circuit.allow()) {
                attempts.add(new RoutingTrace.Attempt(name, "skipped: circuit open", 0));
                continue;
            }
            long started = System.nanoTime();
            Provider.Purchase purchase;
            try {
                purchase = r.provider().buy(new Provider.Order(request.service().code(), request.country(),
                        request.operator(), r.costMicros(), request.excludedPrefixes()));
            } catch (RuntimeException e) {
                // An adapter must not throw, but if one does, the circuit still hears about it.
                LOG.log(Level.WARNING, name + " threw on buy", e);
                purchase = new Provider.Purchase.Failed("provider error");
            }
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            latencyMillis.merge(name, tookMillis, (old, now) -> (old * 7 + now) / 8);
            switch (purchase) {
                case Provider.Purchase.Got got -> {
                    circuit.success();
                    attempts.add(new RoutingTrace.Attempt(name, "bought", tookMillis));
                    String why = attempts.size() == 1
                            ? "lowest expected cost per delivered code (price / delivery rate) among providers with stock"
                            : "first provider to sell after failing over";
                    return new BuyResult.Bought(new Lease(name, got.providerRef(), got.phone(), got.costMicros(), r.priceMicros()),
                            new RoutingTrace(considered, attempts, why));
                }
                case Provider.Purchase.Empty empty -> {
                    circuit.success(); // it answered; being sold out is not a fault
                    attempts.add(new RoutingTrace.Attempt(name, "no_numbers", tookMillis));
                }
                case Provider.Purchase.Failed failed -> {
                    circuit.failure();
                    attempts.add(new RoutingTrace.Attempt(name, "failed: " + failed.reason(), tookMillis));
                }
                case Provider.Purchase.Unknown unknown -> {
                    circuit.failure();
                    uncertain.compute(name, (k, list) -> {
                        List<UncertainBuy> next = new ArrayList<>(list == null ? List.of() : list);
                        next.add(new UncertainBuy(request.service().code(), clock.instant()));
                        return next.size() > 100 ? List.copyOf(next.subList(next.size() - 100, next.size())) : List.copyOf(next);
                    });
                    attempts.add(new RoutingTrace.Attempt(name, "failed: " + unknown.reason(), tookMillis));
                }
            }
        }
        return new BuyResult.NoNumbers(new RoutingTrace(considered, attempts, "every provider tried failed or was empty"));
    }

    /**
     * Gives a number back to its provider and says whether the provider confirmed it; the caller
     * retries {@code UNAVAILABLE} later. An unknown provider (removed from config) refuses.
     */
    public Upstream release(String provider, String providerRef, Release how) {
        Provider p = providersByName.get(provider);
        return p == null ? Upstream.REFUSED : Upstream.of(p.release(providerRef, how));
    }

    /** Asks the provider for one more SMS on the number. */
    public Upstream requestAnotherCode(String provider, String providerRef) {
        Provider p = providersByName.get(provider);
        return p == null ? Upstream.REFUSED : Upstream.of(p.requestAnotherCode(providerRef));
    }

    /** What a provider said to a status report, as the caller needs it: done, never, or later. */
    public enum Upstream {
        CONFIRMED, REFUSED, UNAVAILABLE;

        static Upstream of(Provider.Confirmation c) {
            return switch (c) {
                case Provider.Confirmation.Confirmed ok -> CONFIRMED;
                case Provider.Confirmation.Refused no -> REFUSED;
                case Provider.Confirmation.Unavailable later -> UNAVAILABLE;
            };
        }
    }

    /**
     * Providers a buy left uncertain within {@code window} and that can list their live
     * activations: the ones whose sales should be reconciled now.
     */
    public List<String> providersToReconcile(Duration window) {
        java.time.Instant since = clock.instant().minus(window);
        uncertain.replaceAll((k, list) -> list.stream().filter(u -> u.at().isAfter(since)).toList());
        uncertain.values().removeIf(List::isEmpty);
        return uncertain.keySet().stream().sorted().toList();
    }

    /** A buy at {@code provider} for {@code service} whose answer was lost. */
    public record UncertainBuy(String service, java.time.Instant at) {
    }

    /** The provider's buys whose outcome is still unknown, oldest first. */
    public List<UncertainBuy> uncertainBuys(String provider) {
        return uncertain.getOrDefault(provider, List.of());
    }

    /** One uncertain buy for {@code service} is settled: a number sold for it was found and given back. */
    public void settleUncertainBuy(String provider, String service) {
        uncertain.computeIfPresent(provider, (k, list) -> {
            List<UncertainBuy> next = new ArrayList<>(list);
            next.stream().filter(u -> u.service().equals(service)).findFirst().ifPresent(next::remove);
            return next.isEmpty() ? null : List.copyOf(next);
        });
    }

    /** A live activation as the provider lists it. */
    public record LiveSale(String providerRef, String service) {
    }

    /** What the provider counts as its live activations with us; empty when it cannot tell. */
    public Optional<List<LiveSale>> liveAtProvider(String provider) {
        Provider p = providersByName.get(provider);
        if (p == null || !circuits.get(provider).notOpen()) {
            return Optional.empty();
        }
        try {
            return p.liveAtProvider().map(list -> list.stream().map(l -> new LiveSale(l.providerRef(), l.service())).toList());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, provider + " threw listing its live activations", e);
            return Optional.empty();
        }
    }

    /** Names of the providers whose SMS must be polled (they do not push). */
    public List<String> polledProviders() {
        return providers.stream().filter(p -> !p.inProcess() && !p.pushes()).map(Provider::name).toList();
    }

    /**
     * How many activations of {@code provider} may be polled now (one request each, at least),
     * taken from its request budget: ask before picking which, so the page fits the budget.
     */
    public int pollBudget(String provider, int wanted) {
        RequestBudget budget = pollBudgets.get(provider);
        return budget == null ? 0 : budget.take(Math.min(wanted, Provider.MAX_REFS_PER_POLL));
    }

    /** Returns budget taken by {@link #pollBudget} that was not spent, because fewer activations were due. */
    public void unusedPollBudget(String provider, int unused) {
        RequestBudget budget = pollBudgets.get(provider);
        if (budget != null) {
            budget.giveBack(unused);
        }
    }

    /**
     * One step of the sweep of a provider that lists its live activations in pages (one request
     * a page answers for a page of activations, see {@link Provider#sweep}): as many pages as its
     * request budget allows now, each one unit of it, the same budget {@link #pollBudget} takes
     * from. Returns the SMS found; empty (not an empty list) when the provider is polled per
     * activation instead: its protocol cannot list, or its upstream refused the list. An open
     * circuit or an exhausted budget is an empty list: nothing this tick, and no per-activation
     * poll either.
     */
    public Optional<List<InboundSms>> sweep(String provider) {
        Provider p = providersByName.get(provider);
        RequestBudget budget = pollBudgets.get(provider);
        if (p == null || budget == null) {
            return Optional.empty();
        }
        if (!circuits.get(provider).notOpen()) {
            return Optional.of(List.of());
        }
        Long idleUntil = idleUntilNanos.get(provider);
        if (idleUntil != null && System.nanoTime() - idleUntil < 0) {
            return Optional.of(List.of());
        }
        int granted = budget.take(MAX_LIST_REQUESTS_PER_STEP);
        if (granted == 0) {
            return Optional.of(List.of());
        }
        Provider.Sweep step;
        try {
            step = p.sweep(granted);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, provider + " threw on sweep", e);
            step = new Provider.Sweep.Listed(List.of(), granted, false, 0);
        }
        budget.giveBack(granted - Math.min(granted, step.requests()));
        return switch (step) {
            case Provider.Sweep.Unsupported unsupported -> Optional.empty();
            case Provider.Sweep.Listed listed -> {
                if (listed.passEnded() && listed.listed() == 0) {
                    idleUntilNanos.put(provider, System.nanoTime() + IDLE_SWEEP_NANOS);
                } else {
                    idleUntilNanos.remove(provider);
                }
                yield Optional.of(listed.received());
            }
        };
    }

    /** Asks a polled provider for the SMS of these leases; empty when it is unknown or its circuit is open. */
    public List<InboundSms> poll(String provider, List<String> providerRefs) {
        Provider p = providersByName.get(provider);
        if (p == null || providerRefs.isEmpty() || !circuits.get(provider).notOpen()) {
            return List.of();
        }
        List<InboundSms> received = new ArrayList<>();
        for (int from = 0; from < providerRefs.size(); from += Provider.MAX_REFS_PER_POLL) {
            received.addAll(p.poll(providerRefs.subList(from, Math.min(providerRefs.size(), from + Provider.MAX_REFS_PER_POLL))));
        }
        return received;
    }

    /**
     * Refreshes every network provider's quotes into the shared quote book, unless another node
     * did within {@code interval}. Returns how many providers answered; a provider that failed
     * keeps its last snapshot until it expires.
     */
    public int refreshQuotes(Duration interval) {
        int refreshed = 0;
        for (Provider p : providers) {
            if (p.inProcess() || !quotes.leadRefresh(p.name(), interval) || !circuits.get(p.name()).allow()) {
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
                    circuits.get(p.name()).success();
                    List<Provider.OfferQuote> before = quotes.all(p.name());
                    quotes.replace(p.name(), q.quotes());
                    store.recordRefresh(p.name(), clock.instant(), q.quotes());
                    store.recordOfferChanges(p.name(), clock.instant(), before, q.quotes());
                    refreshed++;
                }
                case Provider.Fetched.Failed f -> {
                    circuits.get(p.name()).failure();
                    store.recordFailedRefresh(p.name(), clock.instant(), f.reason());
                    LOG.log(Level.WARNING, "quotes of " + p.name() + " not refreshed: " + f.reason());
                }
            }
        }
        return refreshed;
    }

    /** How a provider is doing, for operators. */
    public record ProviderHealth(String name, String kind, String circuit, long latencyMillis, int offers, long stock,
                                 long deliveredToday, long endedToday, Optional<Duration> medianTimeToCode, Optional<String> pausedReason) {
    }

    /** Every provider's health: circuit, recent buy latency, cached offers and stock, today's deliveries, median time to code. */
    public List<ProviderHealth> health() {
        freshControls();
        List<ProviderHealth> health = new ArrayList<>();
        for (Provider p : providers) {
            int offers = 0;
            long stock = 0;
            if (!p.inProcess()) {
                for (Provider.OfferQuote q : quotes.all(p.name())) {
                    offers++;
                    stock += q.stock();
                }
            }
            long[] today = deliveries.today(p.name());
            health.add(new ProviderHealth(p.name(), p.kind(), circuits.get(p.name()).state().name().toLowerCase(),
                    latencyMillis.getOrDefault(p.name(), 0L), offers, stock, today[0], today[1], deliveries.medianTimeToCode(p.name()),
                    Optional.ofNullable(paused.get(p.name()))));
        }
        return health;
    }

    /** One refresh of a provider's quotes, as kept in the history. */
    public record Refresh(java.time.Instant takenAt, boolean ok, int offers, long totalStock, Optional<Long> minCostMicros,
                          Optional<String> error) {
    }

    /** A provider's latest quote refreshes, newest first (at most {@code limit}, capped at 500). */
    public List<Refresh> refreshHistory(String provider, int limit) {
        return store.refreshes(provider, Math.max(1, Math.min(500, limit)));
    }

    /** One offer's cost and stock at a refresh that changed it. */
    public record OfferPoint(java.time.Instant takenAt, long costMicros, int stock) {
    }

    /** The changes of one offer of a provider, newest first (at most {@code limit}, capped at 500). */
    public List<OfferPoint> offerHistory(String provider, String service, int country, String operator, int limit) {
        return store.offerHistory(provider, service, country, operator, Math.max(1, Math.min(500, limit)));
    }

    /** Deletes refresh and offer history older than {@code age}, at most {@code limit} rows each; returns how many. */
    public int pruneRefreshHistory(Duration age, int limit) {
        java.time.Instant cutoff = clock.instant().minus(age);
        return store.deleteRefreshesBefore(cutoff, limit) + store.deleteOfferHistoryBefore(cutoff, limit);
    }

    /**
     * The delivery rate, in percent, of the best provider that has stock for the offer (Numpool's
     * own outcomes over the last days, with a prior); the 5sim API shows it as {@code rate}.
     */
    public double deliveryPercent(String service, int country) {
        double best = 0;
        for (Provider p : providers) {
            if (countries.containsKey(country) && quote(p, service, countries.get(country), "any").filter(q -> q.stock() > 0).isPresent()) {
                best = Math.max(best, deliveries.rate(p.name(), service, country));
            }
        }
        return Math.round(best * 1000) / 10.0;
    }

    /** Records that an activation from {@code provider} ended without a code, for the delivery rate. */
    public void recordNoCode(String provider, String service, int country) {
        deliveries.record(provider, service, country, false);
    }

    /** Records that an activation got its first code {@code took} after the sale: delivery rate and time to code. */
    public void recordCode(String provider, String service, int country, Duration took) {
        deliveries.record(provider, service, country, true);
        deliveries.recordTimeToCode(provider, took);
    }

    // Operator controls -------------------------------------------------------------------------

    /** A markup rule as operators see it; an empty field matches anything. */
    public record MarkupRule(Optional<String> service, Optional<Integer> country, Optional<String> provider, long percent) {
    }

    /** The markups in force, and whether an operator set them (otherwise they are the configuration's). */
    public record Markups(long defaultPercent, long minimumMarginMicros, List<MarkupRule> rules, boolean setByOperator) {
    }

    public Markups markups() {
        freshControls();
        Pricing p = pricing;
        return new Markups(p.defaultPercent(), p.minimumMarginMicros(), p.rules().stream()
                .map(r -> new MarkupRule(r.service(), r.country(), r.provider(), r.percent())).toList(), p != configuredPricing);
    }

    /**
     * Replaces the markups on every node (this one at once, the others within seconds); returns
     * what is wrong with them instead when they name an unknown service, country or provider, or
     * a markup outside 0 to 1000 %.
     */
    public Optional<String> setMarkups(long defaultPercent, long minimumMarginMicros, List<MarkupRule> rules) {
        if (defaultPercent < 0 || defaultPercent > 1_000 || minimumMarginMicros < 0 || minimumMarginMicros > Money.MAX_MICROS) {
            return Optional.of("markupPercent is 0 to 1000 and minimumMargin 0 to " + Money.format(Money.MAX_MICROS));
        }
        if (rules.size() > 200) {
            return Optional.of("at most 200 rules");
        }
        List<Pricing.Rule> checked = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            MarkupRule r = rules.get(i);
            String at = "rule " + (i + 1) + ": ";
            if (r.service().isPresent() && !services.containsKey(r.service().get())) {
                return Optional.of(at + "no service '" + UpstreamHttp.clip(r.service().get()) + "'");
            }
            if (r.country().isPresent() && !countries.containsKey(r.country().get())) {
                return Optional.of(at + "no country " + r.country().get());
            }
            if (r.provider().isPresent() && !providersByName.containsKey(r.provider().get())) {
                return Optional.of(at + "no provider '" + UpstreamHttp.clip(r.provider().get()) + "'");
            }
            if (r.percent() < 0 || r.percent() > 1_000) {
                return Optional.of(at + "percent is 0 to 1000");
            }
            checked.add(new Pricing.Rule(r.service(), r.country(), r.provider(), r.percent()));
        }
        Pricing next = new Pricing(defaultPercent, minimumMarginMicros, checked);
        store.setMarkupSetting((int) defaultPercent, minimumMarginMicros, rulesJson(checked), clock.instant());
        pricing = next;
        return Optional.empty();
    }

    /** Pauses or resumes a provider on every node; false when there is no such provider. */
    public boolean pause(String provider, boolean pause, String reason) {
        if (!providersByName.containsKey(provider)) {
            return false;
        }
        store.setPaused(provider, pause, reason, clock.instant());
        controlsReadAt = System.nanoTime() - CONTROLS_TTL_NANOS - 1;
        freshControls();
        return true;
    }

    /**
     * Re-reads the operator's pauses and markups when they are older than a few seconds. One
     * caller reads while the others go on with what they have; if the database does not answer,
     * the last known controls stay.
     */
    private void freshControls() {
        if (System.nanoTime() - controlsReadAt < CONTROLS_TTL_NANOS || !readingControls.compareAndSet(false, true)) {
            return;
        }
        try {
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
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("markup rules in the database are not JSON", e);
        }
        return rules;
    }

    // Inbound SMS: the pool's webhooks and agents' pushes ----------------------------------------

    /** A Twilio-style inbound SMS to a pool number; {@code url} is the full URL Twilio posted to. */
    public InboundResult receiveTwilio(String url, Map<String, String> params, Optional<String> signature) {
        return pool.map(p -> p.receiveTwilio(url, params, signature)).orElseGet(() -> new InboundResult.NotConfigured("the pool"));
    }

    /** An SMS Gate-style inbound SMS to a pool number, with its raw body for the signature. */
    public InboundResult receiveSmsGate(byte[] body, Optional<String> signature, Optional<String> timestamp) {
        return pool.map(p -> p.receiveSmsGate(body, signature, timestamp)).orElseGet(() -> new InboundResult.NotConfigured("the pool"));
    }

    /**
     * An SMS an sms-activate-family upstream pushed to its customer webhook, already read as JSON,
     * with the secret of the URL it posted to and the address it came from; not configured when
     * no such upstream has that name or it has no webhook secret.
     */
    public InboundResult receiveSmsActivatePush(String provider, String secret, String source, com.fasterxml.jackson.databind.JsonNode push) {
        return providersByName.get(provider) instanceof SmsActivateProvider upstream && upstream.acceptsPush()
                ? upstream.receivePush(secret, source, push) : new InboundResult.NotConfigured("no sms-activate webhook named " + provider);
    }

    /** An agent's {@code PUSH_SMS}, already read as JSON; unknown when no agent has that name. */
    public InboundResult receiveAgentPush(String provider, com.fasterxml.jackson.databind.JsonNode push) {
        return providersByName.get(provider) instanceof AgentProvider agent
                ? agent.receivePush(push) : new InboundResult.NotConfigured("no agent named " + provider);
    }

    // The pool ---------------------------------------------------------------------------------

    /** A number to add to the pool, as an operator gives it. */
    public record PoolImport(String phone, String rentedFrom, String leaseEndsAt, Optional<String> gatewayDevice,
                             Optional<Integer> gatewaySim) {
    }

    /** What an import did: every entry written, or nothing and the reason for each bad entry. */
    public sealed interface PoolImportResult {
        record Imported(int numbers) implements PoolImportResult {
        }

        record Refused(List<String> problems) implements PoolImportResult {
        }
    }

    /**
     * Adds numbers to the pool (or renews the lease of numbers already in it), all or none: an
     * entry with an invalid number, a country the catalogue does not sell, a lease end that is
     * not an ISO-8601 instant, or a bad gateway refuses the whole import.
     */
    public PoolImportResult importPool(List<PoolImport> entries) {
        if (pool.isEmpty()) {
            return new PoolImportResult.Refused(List.of("the pool is disabled (inventory.pool.enabled)"));
        }
        if (entries.isEmpty() || entries.size() > 10_000) {
            return new PoolImportResult.Refused(List.of("an import has 1 to 10000 numbers"));
        }
        List<String> problems = new ArrayList<>();
        List<InventoryStore.PoolEntry> valid = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            PoolImport e = entries.get(i);
            String at = "entry " + (i + 1) + ": ";
            Optional<PhoneNumber> phone = Optional.ofNullable(e.phone()).map(String::strip).flatMap(PhoneNumber::of);
            if (phone.isEmpty()) {
                problems.add(at + "'" + UpstreamHttp.clip(String.valueOf(e.phone())) + "' is not a valid phone number");
                continue;
            }
            Optional<Country> country = countries.values().stream().filter(c -> c.region().equals(phone.get().region())).findFirst();
            if (country.isEmpty()) {
                problems.add(at + phone.get() + " is from a country the catalogue does not sell");
                continue;
            }
            if (!seen.add(phone.get().e164())) {
                problems.add(at + phone.get() + " appears twice");
                continue;
            }
            String from = e.rentedFrom() == null ? "" : e.rentedFrom().strip();
            if (from.isEmpty() || from.length() > 64) {
                problems.add(at + "rentedFrom must be 1 to 64 characters");
                continue;
            }
            java.time.Instant ends;
            try {
                ends = java.time.Instant.parse(String.valueOf(e.leaseEndsAt()).strip());
            } catch (java.time.format.DateTimeParseException ex) {
                problems.add(at + "leaseEndsAt must be an ISO-8601 instant such as 2027-01-31T00:00:00Z");
                continue;
            }
            if (e.gatewayDevice().isPresent() != e.gatewaySim().isPresent()
                    || e.gatewayDevice().filter(d -> d.isBlank() || d.length() > 64).isPresent()
                    || e.gatewaySim().filter(s -> s < 1 || s > 8).isPresent()) {
                problems.add(at + "gatewayDevice (1-64 characters) and gatewaySim (1-8) come together or not at all");
                continue;
            }
            valid.add(new InventoryStore.PoolEntry(phone.get(), country.get().id(), from, ends, e.gatewayDevice().map(String::strip),
                    e.gatewaySim()));
        }
        if (!problems.isEmpty()) {
            return new PoolImportResult.Refused(problems.size() > 100 ? problems.subList(0, 100) : problems);
        }
        try {
            return new PoolImportResult.Imported(store.upsertPoolNumbers(valid, clock.instant()));
        } catch (dev.numpool.db.ConstraintViolation ex) {
            if (ex.unique()) {
                return new PoolImportResult.Refused(List.of("a gateway device and SIM slot already belong to another pool number"));
            }
            throw ex;
        }
    }

    /** A pool number as the operator sees it. */
    public record PoolNumberView(String phone, int country, String rentedFrom, java.time.Instant leaseEndsAt, Optional<String> gatewayDevice,
                                 Optional<Integer> gatewaySim, boolean inUse, Optional<java.time.Instant> releasedAt) {
    }

    /** The pool, ordered by phone (at most {@code limit}, capped at 10,000). */
    public List<PoolNumberView> poolNumbers(int limit) {
        return store.poolNumbers(Math.max(1, Math.min(10_000, limit)));
    }

    /** A pool number the lease-end worker released. */
    public record ReleasedNumber(String phone, String rentedFrom) {
    }

    /**
     * Releases pool numbers whose lease has ended (at most {@code limit}): no new activation was
     * sold on them since the lease end, and a number still in a live activation is released when
     * that activation ends. Returns them, for the log: giving the number back to whoever it is
     * rented from is the operator's, since no protocol for it is configured.
     */
    public List<ReleasedNumber> releaseEndedPoolLeases(int limit) {
        if (pool.isEmpty()) {
            return List.of();
        }
        List<ReleasedNumber> released = store.releaseEndedLeases(clock.instant(), limit);
        released.forEach(r -> LOG.info(() -> "pool number " + r.phone() + " released: its lease from " + r.rentedFrom() + " ended"));
        return released;
    }

    /** Routes every SMS any provider pushes to {@code listener} (the orders module's intake). */
    public void listen(SmsListener listener) {
        providers.forEach(p -> p.listen(listener));
    }

    private Optional<Provider.Quote> quote(Provider p, String service, Country country, String operator) {
        return p.inProcess() ? p.quote(service, country, operator) : quotes.quote(p.name(), service, country.id(), operator);
    }

    @Override
    public void close() {
        providers.forEach(Provider::close);
    }
}
