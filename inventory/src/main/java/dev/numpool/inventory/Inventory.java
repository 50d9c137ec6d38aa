package dev.numpool.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.Database;
import dev.numpool.db.Redis;
import io.helidon.config.Config;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 *
 * <p>The work is done behind this door, each part in a package-private class of its own:
 * {@link Catalogue} and {@link Offers} (what is sold, at which price), {@link Controls}
 * (operators' pauses and markups), {@link Router} (buying, delivery rates, uncertain buys),
 * {@link ProviderReports} (what providers are told after a sale), {@link Inbound} (SMS pushed or
 * polled), {@link ProviderWatch} (quote refreshes, their history, health) and {@link Pool} (the
 * pool of own numbers), all over the {@link Providers} with their circuits.
 */
public final class Inventory implements AutoCloseable {
    private final Catalogue catalogue;
    private final Providers providers;
    private final Controls controls;
    private final Offers offers;
    private final Router router;
    private final ProviderReports reports;
    private final Inbound inbound;
    private final ProviderWatch watch;
    private final Pool pool;
    private final AccountBalances balances;
    private final RentDesk rentals;
    private final ReuseDesk reuses;
    /** How customers see a provider named, where the operator configured it ({@code display-name}). */
    private final Map<String, String> displayNames;
    /** Providers whose numbers are simulated: the simulator, and upstreams configured {@code simulated: true}. */
    private final Set<String> simulated;
    /** Each country's Russian and Chinese names (the catalogue's, V32), which operators do not change. */
    private final Map<Integer, CountryNames> countryNames;

    private Inventory(List<Provider> providers, Map<String, Double> pollRequestsPerSecond, List<Service> services, List<Country> countries,
                      QuoteBook quotes, InventoryStore store, DeliveryStats deliveries, Pricing pricing, String currency, Duration deadline,
                      Clock clock, Set<String> simulated, boolean sandbox, Map<String, Long> lowBalances, Map<String, String> displayNames,
                      Map<Integer, CountryNames> countryNames, Duration rentalPeriod) {
        this.displayNames = Map.copyOf(displayNames);
        this.countryNames = Map.copyOf(countryNames);
        this.simulated = Set.copyOf(simulated);
        TestSeparation separation = new TestSeparation(sandbox, simulated);
        this.catalogue = new Catalogue(services, countries, currency);
        this.providers = new Providers(providers, quotes, clock);
        this.controls = new Controls(store, catalogue, this.providers, pricing, clock);
        this.offers = new Offers(catalogue, this.providers, separation, controls, deliveries);
        this.router = new Router(this.providers, separation, controls, deliveries, deadline, clock);
        this.reports = new ProviderReports(this.providers);
        this.inbound = new Inbound(this.providers, pollRequestsPerSecond);
        this.watch = new ProviderWatch(this.providers, controls, deliveries, store, clock);
        this.pool = new Pool(this.providers.pool(), catalogue, store, clock);
        this.balances = new AccountBalances(this.providers, lowBalances, clock);
        this.rentals = new RentDesk(catalogue, this.providers, separation, controls, rentalPeriod);
        this.reuses = new ReuseDesk(this.providers, separation, controls);
    }

    /**
     * Builds the inventory from its config node: {@code markup-percent}, {@code minimum-margin},
     * {@code markups} (rules {@code {service?, country?, provider?, percent}}, most specific wins),
     * {@code routing-deadline-millis}, {@code quotes-ttl-seconds}, {@code simulator.*} (on a
     * production node, {@code sandbox} false, it is there for test orders alone, see {@link Mode})
     * and {@code providers}, a list of upstreams:
     * {@code {name, protocol: sms-activate | 5sim | agent, url, api-key-env, timeout-millis, low-balance, display-name}} (an
     * agent also takes {@code price}, what Numpool offers per number, and {@code currency-code},
     * ISO 4217 numeric; an sms-activate upstream also takes {@code list-page-size}, activations per
     * {@code getActiveActivations} page (default 100), and {@code webhook-secret-env} with an
     * optional {@code webhook-allowed-sources}, which let it push SMS, see
     * {@link #receiveSmsActivatePush}); any of them may say {@code simulated: true}, which only lets
     * sandbox SMS be injected for its numbers, see {@link #isSimulated}; and {@code pool.*} (see
     * {@link PoolProvider.Settings}). API keys and
     * webhook secrets are read from the environment variables the config names, never from files.
     */
    public static Inventory create(Database db, Redis redis, Config config, boolean sandbox, Clock clock, Map<String, String> environment) {
        InventoryStore store = new InventoryStore(db);
        List<Service> services = store.services();
        List<Country> countries = store.countries();
        List<Provider> providers = new ArrayList<>();
        // Production nodes have the simulator too: test keys buy from it, and only they can.
        if (config.get("simulator.enabled").asBoolean().orElse(true)) {
            Map<String, String> names = services.stream().collect(Collectors.toMap(Service::code, Service::name));
            providers.add(new Simulator(Simulator.Settings.from(config.get("simulator")), SmsTemplates.load(names), clock));
        }
        if (config.get("pool.enabled").asBoolean().orElse(true)) {
            providers.add(new PoolProvider(store, PoolProvider.Settings.from(config.get("pool"), environment),
                    services.stream().map(Service::code).toList(), clock));
        }
        Map<String, Double> pollRates = new HashMap<>();
        Map<String, Long> lowBalances = new HashMap<>();
        Map<String, String> displayNames = new HashMap<>();
        Set<String> simulated = new HashSet<>(Set.of(Simulator.NAME));
        Duration rentalPeriod = Duration.ofMinutes(config.get("rental-period-minutes").asLong().orElse(60L));
        for (Config p : config.get("providers").asNodeList().orElse(List.of())) {
            Provider provider = Providers.upstream(p, store, services, countries, clock, environment, rentalPeriod);
            if (providers.stream().anyMatch(known -> known.name().equals(provider.name()))) {
                throw new IllegalArgumentException("two providers are called '" + provider.name() + "'");
            }
            providers.add(provider);
            if (p.get("simulated").asBoolean().orElse(false)) {
                simulated.add(provider.name()); // a sandbox's simulated upstream: its client is the real one all the same
            }
            p.get("polls-per-second").asDouble().ifPresent(rate -> pollRates.put(provider.name(), rate));
            p.get("display-name").asString().ifPresent(shown -> displayNames.put(provider.name(), shown));
            lowBalances.put(provider.name(), Money.parseMicros(p.get("low-balance").asString().orElse("10.00"))
                    .orElseThrow(() -> new IllegalArgumentException(provider.name() + ": low-balance is an amount such as \"10.00\"")));
        }
        Pricing pricing = Pricing.from(config);
        return new Inventory(providers, pollRates, services, countries,
                new QuoteBook(redis, Duration.ofSeconds(config.get("quotes-ttl-seconds").asLong().orElse(300L)),
                        Duration.ofMillis(config.get("quote-cache-millis").asLong().orElse(1000L))), store,
                new DeliveryStats(redis, clock), pricing, "USD",
                Duration.ofMillis(config.get("routing-deadline-millis").asLong().orElse(10_000L)), clock, simulated, sandbox, lowBalances,
                displayNames, store.countryNames(), rentalPeriod);
    }

    /** The name customers are shown for a provider, when the operator configured one ({@code display-name}). */
    public Optional<String> displayName(String provider) {
        return Optional.ofNullable(displayNames.get(provider));
    }

    public Optional<Service> service(String code) {
        return catalogue.service(code);
    }

    public Optional<Country> country(int id) {
        return catalogue.country(id);
    }

    public List<Service> services() {
        return catalogue.services();
    }

    public List<Country> countries() {
        return catalogue.countries();
    }

    /** A country's names in Russian and Chinese (CLDR's), as the compatible protocols list them. */
    public Optional<CountryNames> countryNames(int countryId) {
        return Optional.ofNullable(countryNames.get(countryId));
    }

    /**
     * True for providers whose numbers are simulated, so sandbox SMS may be injected for them: the
     * simulator, and upstreams configured {@code simulated: true} (the sandbox's simulated
     * marketplaces, which Numpool otherwise treats as any upstream).
     */
    public boolean isSimulated(String provider) {
        return simulated.contains(provider);
    }

    /** The currency all prices are in. */
    public String currency() {
        return catalogue.currency();
    }

    /**
     * Offers with live price and stock, optionally for one service and/or one country; offers no
     * provider has stock for are left out. Ordered by service, then country. Network providers'
     * stock comes from the quote book, never from a call to the provider. These are the offers
     * of live orders, which everyone sees.
     */
    public List<Offer> offers(Optional<Service> service, Optional<Country> country) {
        return offers.offers(service, country, Mode.LIVE);
    }

    /** As {@link #offers(Optional, Optional)}, for orders of {@code mode}: a test key sees the simulator's offers. */
    public List<Offer> offers(Optional<Service> service, Optional<Country> country, Mode mode) {
        return offers.offers(service, country, mode);
    }

    /**
     * An offer through one named mobile operator ({@code mts}, {@code virtual21}): what an order
     * asking for that operator pays and how many numbers the upstreams that sell by operator have.
     */
    public record OperatorOffer(Service service, Country country, String operator, long priceMicros, String currency, int stock) {
        /** The same offer as an {@link Offer}, for listings that show one operator's offers. */
        public Offer offer() {
            return new Offer(service, country, priceMicros, currency, stock);
        }
    }

    /**
     * The offers through named operators, optionally for one service and/or country, in {@code
     * mode}: only where upstreams quote per operator (5sim, agents), never from a call to a
     * provider. An order naming one of these operators is routed to the providers that quoted it;
     * {@code any} (every other offer) lets the router choose.
     */
    public List<OperatorOffer> operatorOffers(Optional<Service> service, Optional<Country> country, Mode mode) {
        return offers.operatorOffers(service, country, mode);
    }

    /**
     * Buys a number: providers with stock whose circuit is closed, best expected cost per
     * delivered code first, failing over until one sells or the attempts or the deadline run out.
     * A test order reaches only simulated providers and a live one never does, except on a
     * sandbox node, where all money is play money (see {@link Mode}).
     */
    public BuyResult buy(BuyRequest request) {
        return router.buy(request);
    }

    /**
     * Gives a number back to its provider and says whether the provider confirmed it; the caller
     * retries {@code UNAVAILABLE} later. An unknown provider (removed from config) refuses.
     */
    public Upstream release(String provider, String providerRef, Release how) {
        return reports.release(provider, providerRef, how);
    }

    /** Asks the provider for one more SMS on the number. */
    public Upstream requestAnotherCode(String provider, String providerRef) {
        return reports.requestAnotherCode(provider, providerRef);
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
        return router.providersToReconcile(window);
    }

    /** A buy at {@code provider} for {@code service} whose answer was lost. */
    public record UncertainBuy(String service, Instant at) {
    }

    /** The provider's buys whose outcome is still unknown, oldest first. */
    public List<UncertainBuy> uncertainBuys(String provider) {
        return router.uncertainBuys(provider);
    }

    /** One uncertain buy for {@code service} is settled: a number sold for it was found and given back. */
    public void settleUncertainBuy(String provider, String service) {
        router.settleUncertainBuy(provider, service);
    }

    /** A live activation as the provider lists it. */
    public record LiveSale(String providerRef, String service) {
    }

    /** What the provider counts as its live activations with us; empty when it cannot tell. */
    public Optional<List<LiveSale>> liveAtProvider(String provider) {
        return reports.liveAtProvider(provider);
    }

    /** Names of the providers whose SMS must be polled (they do not push). */
    public List<String> polledProviders() {
        return inbound.polledProviders();
    }

    /**
     * How many activations of {@code provider} may be polled now (one request each, at least),
     * taken from its request budget: ask before picking which, so the page fits the budget.
     */
    public int pollBudget(String provider, int wanted) {
        return inbound.pollBudget(provider, wanted);
    }

    /** Returns budget taken by {@link #pollBudget} that was not spent, because fewer activations were due. */
    public void unusedPollBudget(String provider, int unused) {
        inbound.unusedPollBudget(provider, unused);
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
        return inbound.sweep(provider);
    }

    /** Asks a polled provider for the SMS of these leases; empty when it is unknown or its circuit is open. */
    public List<InboundSms> poll(String provider, List<String> providerRefs) {
        return inbound.poll(provider, providerRefs);
    }

    /**
     * Refreshes every network provider's quotes into the shared quote book, unless another node
     * did within {@code interval}. Returns how many providers answered; a provider that failed
     * keeps its last snapshot until it expires.
     */
    public int refreshQuotes(Duration interval) {
        return watch.refreshQuotes(interval);
    }

    /** How a provider is doing, for operators. */
    public record ProviderHealth(String name, String kind, String circuit, long latencyMillis, int offers, long stock,
                                 long deliveredToday, long endedToday, Optional<Duration> medianTimeToCode, Optional<String> pausedReason) {
    }

    /** Every provider's health: circuit, recent buy latency, cached offers and stock, today's deliveries, median time to code. */
    public List<ProviderHealth> health() {
        return watch.health();
    }

    /**
     * Our account's balance at one provider (in the provider's own currency), or why it could not
     * be read; {@code low} when it is under the provider's configured {@code low-balance}.
     */
    public record ProviderBalance(String provider, Optional<Long> micros, Optional<String> problem, long lowMicros, boolean low) {
    }

    /** The balance at every provider that keeps one (sms-activate, 5sim), read at most once a minute. */
    public List<ProviderBalance> providerBalances() {
        return balances.balances();
    }

    /** One refresh of a provider's quotes, as kept in the history. */
    public record Refresh(Instant takenAt, boolean ok, int offers, long totalStock, Optional<Long> minCostMicros,
                          Optional<String> error) {
    }

    /** A provider's latest quote refreshes, newest first (at most {@code limit}, capped at 500). */
    public List<Refresh> refreshHistory(String provider, int limit) {
        return watch.refreshHistory(provider, limit);
    }

    /** One offer's cost and stock at a refresh that changed it. */
    public record OfferPoint(Instant takenAt, long costMicros, int stock) {
    }

    /** The changes of one offer of a provider, newest first (at most {@code limit}, capped at 500). */
    public List<OfferPoint> offerHistory(String provider, String service, int country, String operator, int limit) {
        return watch.offerHistory(provider, service, country, operator, limit);
    }

    /** Deletes refresh and offer history older than {@code age}, at most {@code limit} rows each; returns how many. */
    public int pruneRefreshHistory(Duration age, int limit) {
        return watch.pruneRefreshHistory(age, limit);
    }

    /**
     * The delivery rate, in percent, of the best provider that has stock for the offer (Numpool's
     * own outcomes over the last days, with a prior); the 5sim API shows it as {@code rate}.
     */
    public double deliveryPercent(String service, int country) {
        return offers.deliveryPercent(service, country);
    }

    /** Records that an activation from {@code provider} ended without a code, for the delivery rate. */
    public void recordNoCode(String provider, String service, int country) {
        router.recordNoCode(provider, service, country);
    }

    /** Records that an activation got its first code {@code took} after the sale: delivery rate and time to code. */
    public void recordCode(String provider, String service, int country, Duration took) {
        router.recordCode(provider, service, country, took);
    }

    // Rentals (issue 18) -----------------------------------------------------------------------

    /** The service of a rental for every service: the whole number, every SMS it receives (sms-activate's "full"). */
    public static final String ANY_SERVICE = "any";

    /**
     * A service as the sms-activate protocol names it, where an SMS is reported (its rent API, the
     * webhooks in its shape): a service's own code, and {@code ot} ("any other") for a rental of the
     * whole number. Countries need no such word: a {@link Country}'s id is its sms-activate id.
     */
    public static String smsActivateService(String service) {
        return service.equals(ANY_SERVICE) ? "ot" : service;
    }

    /** How long one paid period of a rental lasts ({@code inventory.rental-period-minutes}, default 60); prices are per period. */
    public Duration rentalPeriod() {
        return rentals.period();
    }

    /**
     * A rental offer: for {@code service} (a code, or {@link #ANY_SERVICE}) in a country, the lowest
     * price per period among the providers that rent, and their stock together.
     */
    public record RentOffer(String service, Country country, long priceMicros, String currency, int stock) {
    }

    /**
     * Rental offers with stock, optionally for one service (or {@link #ANY_SERVICE}) and/or one
     * country, for renters of {@code mode} (a test key rents simulated numbers only); ordered by
     * service ({@code any} first), then country. Asked of the providers live.
     */
    public List<RentOffer> rentOffers(Optional<String> service, Optional<Country> country, Mode mode) {
        if (service.filter(s -> !s.equals(ANY_SERVICE) && catalogue.service(s).isEmpty()).isPresent()) {
            return List.of();
        }
        return rentals.offers(service, country, mode);
    }

    /**
     * What a rental asks for: a number for {@code service} (a code, or {@link #ANY_SERVICE}) in
     * {@code country} until {@code until}, at most {@code maxPricePerPeriodMicros} a period.
     */
    public record RentRequest(String service, Country country, Instant until, java.util.OptionalLong maxPricePerPeriodMicros, Mode mode) {
        public RentRequest {
            java.util.Objects.requireNonNull(mode, "a rental is live or test");
        }
    }

    /** Every way renting a number can end. */
    public sealed interface RentResult {
        /** A number was rented; its lease's cost and price are per period. The caller owns it and must release it. */
        record Rented(Lease lease) implements RentResult {
        }

        /** No provider had a number to rent (or every one that had failed). */
        record NoNumbers() implements RentResult {
        }

        /** Numbers exist, but none at or below the price asked per period. */
        record PriceAboveMax(long minimumPriceMicros) implements RentResult {
        }
    }

    /** Rents a number from the cheapest provider that rents one, failing over to the next (at most three). */
    public RentResult rent(RentRequest request) {
        if (!request.service().equals(ANY_SERVICE) && catalogue.service(request.service()).isEmpty()) {
            return new RentResult.NoNumbers();
        }
        return rentals.rent(request);
    }

    /**
     * Asks the provider of a rented number whether it may stay rented until {@code until}:
     * confirmed, refused for good (the pool number's own lease ends sooner), or unavailable now.
     * Giving the number back is {@link #release}.
     */
    public Upstream extendRental(String provider, String providerRef, Instant until) {
        return rentals.extend(provider, providerRef, until);
    }

    // Reuse ------------------------------------------------------------------------------------

    /**
     * The number of an ended activation ({@code provider}, {@code providerRef}, {@code phone}) asked
     * for again, for {@code service} in {@code country}, at most {@code maxPriceMicros}.
     */
    public record ReuseRequest(String provider, String providerRef, PhoneNumber phone, Service service, Country country,
                               java.util.OptionalLong maxPriceMicros, Mode mode) {
        public ReuseRequest {
            java.util.Objects.requireNonNull(mode, "a reuse is live or test");
        }
    }

    /** Whether a number can be sold again, and for how much. */
    public sealed interface ReuseQuote {
        /** The provider's cost and the customer's price. */
        record Available(long costMicros, long priceMicros) implements ReuseQuote {
        }

        record Unavailable(String reason) implements ReuseQuote {
        }
    }

    /** Asks the provider that sold the number whether it can sell it again, and for how much (a network call for upstreams). */
    public ReuseQuote reuseQuote(ReuseRequest request) {
        return reuses.quote(request);
    }

    /**
     * Buys the number again from the provider that sold it (never from another): {@link BuyResult.Bought}
     * with a new lease of the same number, {@link BuyResult.NoNumbers} when it cannot be sold again (the
     * trace says why), or {@link BuyResult.PriceAboveMax}.
     */
    public BuyResult reuse(ReuseRequest request) {
        return reuses.reuse(request);
    }

    // Operator controls -------------------------------------------------------------------------

    /** A markup rule as operators see it; an empty field matches anything. */
    public record MarkupRule(Optional<String> service, Optional<Integer> country, Optional<String> provider, long percent) {
    }

    /** The markups in force, and whether an operator set them (otherwise they are the configuration's). */
    public record Markups(long defaultPercent, long minimumMarginMicros, List<MarkupRule> rules, boolean setByOperator) {
    }

    public Markups markups() {
        return controls.markups();
    }

    /**
     * Replaces the markups on every node (this one at once, the others within seconds); returns
     * what is wrong with them instead when they name an unknown service, country or provider, or
     * a markup outside 0 to 1000 %.
     */
    public Optional<String> setMarkups(long defaultPercent, long minimumMarginMicros, List<MarkupRule> rules) {
        return controls.setMarkups(defaultPercent, minimumMarginMicros, rules);
    }

    /** One provider's offer priced by the markups in force and by proposed ones: what an operator checks before saving. */
    public record PricePreview(String service, int country, String provider, long costMicros, long priceNowMicros, long priceThenMicros) {
        public long marginThenMicros() {
            return priceThenMicros - costMicros;
        }
    }

    /** What proposed markups would do: the prices they make, or why they would be refused. */
    public sealed interface MarkupPreview {
        record Prices(List<PricePreview> rows) implements MarkupPreview {
        }

        record Refused(String reason) implements MarkupPreview {
        }
    }

    /**
     * Prices every provider's offers (of one service, or all, at most {@code limit} rows) under
     * proposed markups, changing nothing; refused as {@link #setMarkups} would refuse them.
     */
    public MarkupPreview previewMarkups(long defaultPercent, long minimumMarginMicros, List<MarkupRule> rules, Optional<String> service, int limit) {
        Controls.Checked checked = controls.check(defaultPercent, minimumMarginMicros, rules);
        if (checked.refusal().isPresent()) {
            return new MarkupPreview.Refused(checked.refusal().get());
        }
        if (service.isPresent() && catalogue.service(service.get()).isEmpty()) {
            return new MarkupPreview.Refused("no service '" + UpstreamHttp.clip(service.get()) + "' to preview");
        }
        return new MarkupPreview.Prices(offers.preview(checked.pricing().orElseThrow(), service.flatMap(catalogue::service), limit));
    }

    /** A service or country of the catalogue, and whether it is on sale. */
    public record CatalogueEntry<T>(T entry, boolean enabled) {
    }

    /** Every service, on sale or not (the console's list). */
    public List<CatalogueEntry<Service>> catalogueServices() {
        return catalogue.allServices();
    }

    public List<CatalogueEntry<Country>> catalogueCountries() {
        return catalogue.allCountries();
    }

    /**
     * Renames a service and puts it on or off sale, on every node (this one at once, the others
     * within seconds); false when there is no such service. Off sale, it is neither listed, priced
     * nor sold on any API; activations already sold run their course.
     */
    public boolean setService(String code, String name, boolean enabled) {
        return controls.setService(code, name, enabled);
    }

    /** As {@link #setService}, for a country. */
    public boolean setCountry(int id, String name, boolean enabled) {
        return controls.setCountry(id, name, enabled);
    }

    /** Pauses or resumes a provider on every node; false when there is no such provider. */
    public boolean pause(String provider, boolean pause, String reason) {
        return controls.pause(provider, pause, reason);
    }

    // Inbound SMS: the pool's webhooks and agents' pushes ----------------------------------------

    /** A Twilio-style inbound SMS to a pool number; {@code url} is the full URL Twilio posted to. */
    public InboundResult receiveTwilio(String url, Map<String, String> params, Optional<String> signature) {
        return inbound.receiveTwilio(url, params, signature);
    }

    /** An SMS Gate-style inbound SMS to a pool number, with its raw body for the signature. */
    public InboundResult receiveSmsGate(byte[] body, Optional<String> signature, Optional<String> timestamp) {
        return inbound.receiveSmsGate(body, signature, timestamp);
    }

    /**
     * An SMS an sms-activate-family upstream pushed to its customer webhook, already read as JSON,
     * with the secret of the URL it posted to and the address it came from; not configured when
     * no such upstream has that name or it has no webhook secret.
     */
    public InboundResult receiveSmsActivatePush(String provider, String secret, String source, JsonNode push) {
        return inbound.receiveSmsActivatePush(provider, secret, source, push);
    }

    /** An agent's {@code PUSH_SMS}, already read as JSON; unknown when no agent has that name. */
    public InboundResult receiveAgentPush(String provider, JsonNode push) {
        return inbound.receiveAgentPush(provider, push);
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
        return pool.importPool(entries);
    }

    /** A pool number as the operator sees it. */
    public record PoolNumberView(String phone, int country, String rentedFrom, Instant leaseEndsAt, Optional<String> gatewayDevice,
                                 Optional<Integer> gatewaySim, boolean inUse, Optional<Instant> releasedAt) {
    }

    /** The pool, ordered by phone (at most {@code limit}, capped at 10,000). */
    public List<PoolNumberView> poolNumbers(int limit) {
        return pool.poolNumbers(limit);
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
        return pool.releaseEndedPoolLeases(limit);
    }

    /** Routes every SMS any provider pushes to {@code listener} (the orders module's intake). */
    public void listen(SmsListener listener) {
        inbound.listen(listener);
    }

    @Override
    public void close() {
        providers.close();
    }
}
