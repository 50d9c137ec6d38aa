package dev.numpool.inventory;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import io.helidon.config.Config;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;

/**
 * The built-in provider behind the sandbox, the demo and the tests. It behaves like a real one:
 * per-offer stock and cost, a buy latency, occasional upstream failures, numbers valid for the
 * country, and verification SMS that arrive after a delay, or sometimes never.
 *
 * <p>Three magic services (V24) behave the same way every time, so that a bot with a test key can
 * test its error paths: {@value #MAGIC_NO_NUMBERS} never has numbers, {@value #MAGIC_NO_CODE}
 * sells a number that never gets an SMS, and {@value #MAGIC_CODE_AFTER_5S} sells one that gets
 * the SMS "Your Numpool test code is {@value #MAGIC_CODE}" 5 seconds after the sale (and after each
 * request for another code). They never fail or wait, whatever the settings say.
 *
 * <p>Its state lives in this process: two app nodes run two simulators. Their references are
 * random so they never collide, and the database's unique index on live numbers keeps them from
 * selling one number twice for a service (an order that meets it buys again).
 */
final class Simulator implements Provider {
    static final String NAME = "simulator";
    private static final Logger LOG = Logger.getLogger(Simulator.class.getName());
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final int MAX_NUMBER_TRIES = 64;
    static final String MAGIC_NO_NUMBERS = "x0";
    static final String MAGIC_NO_CODE = "xn";
    static final String MAGIC_CODE_AFTER_5S = "x5";
    static final String MAGIC_CODE = "246810";
    private static final Duration MAGIC_CODE_DELAY = Duration.ofSeconds(5);

    private final Settings settings;
    private final SmsTemplates templates;
    private final Clock clock;
    private final RandomGenerator random;
    private final ScheduledExecutorService deliveries;
    /** How many times a simulated SMS is pushed before it is given up. */
    private static final int PUSH_TRIES = 10;
    private final Map<String, AtomicInteger> stock = new ConcurrentHashMap<>();
    private final Map<String, SimLease> leases = new ConcurrentHashMap<>();
    private final Set<String> liveNumbers = ConcurrentHashMap.newKeySet();
    /** Leases given back early because their number was sold again (see {@link #reuse}); their own release is then a repeat. */
    private final Set<String> superseded = ConcurrentHashMap.newKeySet();
    /** Numbers left to rent, per service (or {@value Inventory#ANY_SERVICE}) and country. */
    private final Map<String, AtomicInteger> rentStock = new ConcurrentHashMap<>();
    static final int DEFAULT_RENT_STOCK = 20;
    private volatile SmsListener listener = sms -> { };

    Simulator(Settings settings, SmsTemplates templates, Clock clock) {
        this.settings = settings;
        this.templates = templates;
        this.clock = clock;
        // java.util.Random is thread-safe and seedable, which is all a simulator needs.
        this.random = settings.seed().map(Random::new).orElseGet(Random::new);
        this.deliveries = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("simulator-sms").factory());
    }

    /**
     * The simulator's settings, from its config node. {@code offers} overrides stock and cost of
     * single offers: {@code [{service: tg, country: 0, stock: 0, cost: "0.10"}]}.
     */
    record Settings(double codeProbability, Duration codeDelayMin, Duration codeDelayMax, Duration latency,
                    double failureRate, Optional<Integer> stock, Map<String, Quote> offers, Optional<Long> seed, int rentStock) {
        Settings(double codeProbability, Duration codeDelayMin, Duration codeDelayMax, Duration latency,
                 double failureRate, Optional<Integer> stock, Map<String, Quote> offers, Optional<Long> seed) {
            this(codeProbability, codeDelayMin, codeDelayMax, latency, failureRate, stock, offers, seed, DEFAULT_RENT_STOCK);
        }


        static Settings from(Config config) {
            Map<String, Quote> offers = new ConcurrentHashMap<>();
            for (Config offer : config.get("offers").asNodeList().orElse(List.of())) {
                long cost = Money.parseMicros(offer.get("cost").asString().orElse("0.10"))
                        .orElseThrow(() -> new IllegalArgumentException("simulator offer cost must be a decimal"));
                offers.put(key(offer.get("service").asString().get(), offer.get("country").asInt().get()),
                        new Quote(cost, offer.get("stock").asInt().orElse(100)));
            }
            return new Settings(
                    config.get("code-probability").asDouble().orElse(0.9),
                    Duration.ofSeconds(config.get("code-delay-min-seconds").asLong().orElse(5L)),
                    Duration.ofSeconds(config.get("code-delay-max-seconds").asLong().orElse(20L)),
                    Duration.ofMillis(config.get("latency-millis").asLong().orElse(30L)),
                    config.get("failure-rate").asDouble().orElse(0.0),
                    config.get("stock").asInt().asOptional(),
                    Map.copyOf(offers),
                    config.get("seed").asLong().asOptional(),
                    config.get("rent-stock").asInt().orElse(DEFAULT_RENT_STOCK));
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String kind() {
        return "simulator";
    }

    @Override
    public boolean inProcess() {
        return true;
    }

    @Override
    public Fetched fetchQuotes() {
        return new Fetched.Quotes(stock.entrySet().stream()
                .map(e -> {
                    String[] k = e.getKey().split(":");
                    return new OfferQuote(k[0], Integer.parseInt(k[1]), "any", cost(e.getKey()), e.getValue().get());
                })
                .toList());
    }

    @Override
    public List<InboundSms> poll(List<String> providerRefs) {
        return List.of(); // the simulator pushes its SMS
    }

    @Override
    public Optional<Quote> quote(String service, Country country, String operator) {
        if (!operator.equals("any")) {
            return Optional.empty(); // the simulator sells by no operator: an order naming one goes to those that do
        }
        String key = key(service, country.id());
        return Optional.of(new Quote(cost(key), service.equals(MAGIC_NO_NUMBERS) ? 0 : stockOf(key).get()));
    }

    /** True for the magic test services, whose outcomes are fixed (see the class comment). */
    static boolean isMagic(String service) {
        return service.equals(MAGIC_NO_NUMBERS) || service.equals(MAGIC_NO_CODE) || service.equals(MAGIC_CODE_AFTER_5S);
    }

    @Override
    public Purchase buy(Order order) {
        if (order.service().equals(MAGIC_NO_NUMBERS)) {
            return new Purchase.Empty();
        }
        if (!isMagic(order.service())) {
            pause(settings.latency());
            if (settings.failureRate() > 0 && random.nextDouble() < settings.failureRate()) {
                return new Purchase.Failed("simulated upstream error");
            }
        }
        String key = key(order.service(), order.country().id());
        long cost = cost(key);
        if (cost > order.maxCostMicros()) {
            return new Purchase.Empty();
        }
        AtomicInteger left = stockOf(key);
        if (left.getAndUpdate(n -> n > 0 ? n - 1 : 0) <= 0) {
            return new Purchase.Empty();
        }
        Optional<PhoneNumber> phone = freshNumber(order);
        if (phone.isEmpty()) {
            left.incrementAndGet();
            return new Purchase.Empty();
        }
        // Random, not a counter: two nodes' simulators must never hand out the same reference.
        String ref = "sim-" + UUID.randomUUID();
        SimLease lease = new SimLease(ref, order.service(), order.country(), phone.get(), key, false);
        leases.put(ref, lease);
        scheduleCode(lease);
        return new Purchase.Got(ref, phone.get(), cost);
    }

    @Override
    public Confirmation release(String providerRef, Release how) {
        if (superseded.remove(providerRef)) {
            return new Confirmation.Confirmed(); // given back already, when its number was sold again
        }
        SimLease lease = leases.remove(providerRef);
        if (lease == null) {
            return new Confirmation.Refused("unknown activation " + providerRef);
        }
        lease.cancelPending();
        liveNumbers.remove(lease.service + lease.phone.e164());
        (lease.rental ? rentStockOf(lease.offerKey) : stockOf(lease.offerKey)).incrementAndGet();
        return new Confirmation.Confirmed();
    }

    // Reuse: a simulated number may be sold again for its service whenever it is not live for it.

    @Override
    public ReuseCost reuseCost(ReuseOrder order) {
        if (isMagic(order.service())) {
            return new ReuseCost.Unavailable("the magic test services are never sold again");
        }
        // Live under the ended activation's own lease only means its release is still on its way.
        if (liveNumbers.contains(order.service() + order.phone().e164()) && !leases.containsKey(order.providerRef())) {
            return new ReuseCost.Unavailable("the number is live for this service");
        }
        return new ReuseCost.Known(cost(key(order.service(), order.country().id())));
    }

    @Override
    public synchronized Purchase reuse(ReuseOrder order) {
        if (!(reuseCost(order) instanceof ReuseCost.Known known) || known.costMicros() > order.maxCostMicros()) {
            return new Purchase.Empty();
        }
        String key = key(order.service(), order.country().id());
        SimLease parent = leases.get(order.providerRef());
        if (parent != null) {
            // The ended activation's release has not come yet: it is given back now, and its release, when it comes, is a repeat.
            release(parent.ref, Release.CODE_USED);
            superseded.add(parent.ref);
        }
        if (!liveNumbers.add(order.service() + order.phone().e164())) {
            return new Purchase.Empty(); // another reuse of it won
        }
        // Counted against the offer's stock as a sale is, since its release gives one back.
        stockOf(key).decrementAndGet();
        String ref = "sim-" + UUID.randomUUID();
        SimLease lease = new SimLease(ref, order.service(), order.country(), order.phone(), key, false);
        leases.put(ref, lease);
        scheduleCode(lease);
        return new Purchase.Got(ref, order.phone(), known.costMicros());
    }

    // Rentals: numbers rented for hours to weeks. A rented simulated number gets no SMS by itself;
    // the sandbox injects them (POST /v1/sandbox/rentals/{id}/sms), as a bot author's test wants.

    @Override
    public List<OfferQuote> rentQuotes(List<String> services, List<Country> countries) {
        List<OfferQuote> quotes = new java.util.ArrayList<>();
        for (String service : services) {
            if (service.equals(MAGIC_NO_NUMBERS)) {
                continue;
            }
            for (Country country : countries) {
                String key = key(service, country.id());
                quotes.add(new OfferQuote(service, country.id(), "any", rentCost(key), rentStockOf(key).get()));
            }
        }
        return quotes;
    }

    @Override
    public Purchase rent(RentOrder order) {
        if (order.service().equals(MAGIC_NO_NUMBERS)) {
            return new Purchase.Empty();
        }
        String key = key(order.service(), order.country().id());
        long cost = rentCost(key);
        if (cost > order.maxCostMicros()) {
            return new Purchase.Empty();
        }
        AtomicInteger left = rentStockOf(key);
        if (left.getAndUpdate(n -> n > 0 ? n - 1 : 0) <= 0) {
            return new Purchase.Empty();
        }
        // Rented for every service at once: no other sale of the number may share it.
        Optional<PhoneNumber> phone = freshNumber(new Order(Inventory.ANY_SERVICE, order.country(), "any", Long.MAX_VALUE, List.of()));
        if (phone.isEmpty()) {
            left.incrementAndGet();
            return new Purchase.Empty();
        }
        String ref = "sim-rent-" + UUID.randomUUID();
        leases.put(ref, new SimLease(ref, Inventory.ANY_SERVICE, order.country(), phone.get(), key, true));
        return new Purchase.Got(ref, phone.get(), cost);
    }

    /**
     * A simulated rental may go on as long as it is wanted, also one rented before this process
     * restarted (its lease, kept in memory, is gone, but nothing else holds the number).
     */
    @Override
    public Confirmation extendRental(String providerRef, java.time.Instant until) {
        return leases.containsKey(providerRef) || providerRef.startsWith("sim-rent-") ? new Confirmation.Confirmed()
                : new Confirmation.Refused("unknown rental " + providerRef);
    }

    private AtomicInteger rentStockOf(String key) {
        return rentStock.computeIfAbsent(key, k -> new AtomicInteger(settings.rentStock()));
    }

    /** A period's rent: a fifth of the offer's activation cost, at least 0.01 (three times that for every service), whole cents. */
    private long rentCost(String key) {
        long base = Math.max(10_000L, cost(key) / 5 / 10_000L * 10_000L);
        return key.startsWith(Inventory.ANY_SERVICE + ":") ? base * 3 : base;
    }

    @Override
    public Confirmation requestAnotherCode(String providerRef) {
        SimLease lease = leases.get(providerRef);
        if (lease == null) {
            return new Confirmation.Refused("unknown activation " + providerRef);
        }
        scheduleCode(lease);
        return new Confirmation.Confirmed();
    }

    @Override
    public void listen(SmsListener listener) {
        this.listener = listener;
    }

    @Override
    public void close() {
        deliveries.shutdownNow();
    }

    private void scheduleCode(SimLease lease) {
        if (lease.service.equals(MAGIC_NO_CODE)) {
            return;
        }
        if (lease.service.equals(MAGIC_CODE_AFTER_5S)) {
            SmsTemplates.Sms sms = new SmsTemplates.Sms("Numpool", "Your Numpool test code is " + MAGIC_CODE + ".", MAGIC_CODE);
            String messageId = lease.ref + "-" + UUID.randomUUID();
            lease.pending = deliveries.schedule(() -> Thread.ofVirtual().start(() -> deliver(lease, sms, messageId, 1)),
                    MAGIC_CODE_DELAY.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        if (settings.codeProbability() <= 0 || random.nextDouble() >= settings.codeProbability()) {
            return; // like a real number, sometimes no SMS ever comes
        }
        long minMillis = settings.codeDelayMin().toMillis();
        long delayMillis = minMillis + (long) (random.nextDouble() * Math.max(0, settings.codeDelayMax().toMillis() - minMillis));
        SmsTemplates.Sms sms = templates.generate(lease.service, lease.country, random);
        String messageId = lease.ref + "-" + UUID.randomUUID();
        lease.pending = deliveries.schedule(() -> Thread.ofVirtual().start(() -> deliver(lease, sms, messageId, 1)), delayMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Pushes the SMS as a provider would: a refusal (a node saturated and answering "try again")
     * is retried a second later with the same message id, as real providers retry their pushes,
     * so that the intake's dedupe keeps one copy; after {@link #PUSH_TRIES} the SMS is given up.
     */
    private void deliver(SimLease lease, SmsTemplates.Sms sms, String messageId, int attempt) {
        if (!leases.containsKey(lease.ref)) {
            return;
        }
        try {
            listener.onSms(new InboundSms(NAME, lease.ref, sms.sender(), sms.text(), messageId, clock.instant()));
        } catch (RuntimeException e) {
            if (attempt >= PUSH_TRIES) {
                LOG.log(Level.WARNING, "simulated SMS for " + lease.ref + " was not accepted after " + attempt + " tries", e);
                return;
            }
            LOG.log(Level.FINE, "simulated SMS for " + lease.ref + " was not accepted; trying again", e);
            try {
                lease.pending = deliveries.schedule(() -> Thread.ofVirtual().start(() -> deliver(lease, sms, messageId, attempt + 1)),
                        1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the simulator is shutting down
            }
        }
    }

    /** A valid mobile number of the country, never live for this service already. */
    private Optional<PhoneNumber> freshNumber(Order order) {
        Phonenumber.PhoneNumber example = PHONES.getExampleNumberForType(order.country().region(), PhoneNumberUtil.PhoneNumberType.MOBILE);
        if (example == null) {
            return Optional.empty();
        }
        String national = PHONES.getNationalSignificantNumber(example);
        int vary = Math.min(6, national.length() - 2);
        for (int i = 0; i < MAX_NUMBER_TRIES; i++) {
            StringBuilder digits = new StringBuilder(national.substring(0, national.length() - vary));
            for (int d = 0; d < vary; d++) {
                digits.append((char) ('0' + random.nextInt(10)));
            }
            Optional<PhoneNumber> phone = PhoneNumber.of("+" + example.getCountryCode() + digits);
            if (phone.isPresent()
                    && order.excludedPrefixes().stream().noneMatch(p -> phone.get().digits().startsWith(p))
                    && liveNumbers.add(order.service() + phone.get().e164())) {
                return phone;
            }
        }
        return Optional.empty();
    }

    private AtomicInteger stockOf(String key) {
        return stock.computeIfAbsent(key, k -> new AtomicInteger(
                settings.offers().containsKey(k) ? settings.offers().get(k).stock()
                        : settings.stock().orElse(20 + Math.floorMod(k.hashCode() * 31, 2000))));
    }

    /** Cost is stable per offer: $0.05 to $1.54 in whole cents, unless configured. */
    private long cost(String key) {
        Quote configured = settings.offers().get(key);
        return configured != null ? configured.costMicros() : 50_000L + Math.floorMod(key.hashCode(), 150) * 10_000L;
    }

    private static String key(String service, int country) {
        return service + ":" + country;
    }

    private static void pause(Duration latency) {
        if (!latency.isZero()) {
            try {
                Thread.sleep(latency);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final class SimLease {
        final String ref;
        final String service;
        final Country country;
        final PhoneNumber phone;
        final String offerKey;
        final boolean rental;
        volatile ScheduledFuture<?> pending;

        SimLease(String ref, String service, Country country, PhoneNumber phone, String offerKey, boolean rental) {
            this.ref = ref;
            this.service = service;
            this.country = country;
            this.phone = phone;
            this.offerKey = offerKey;
            this.rental = rental;
        }

        void cancelPending() {
            ScheduledFuture<?> p = pending;
            if (p != null) {
                p.cancel(false);
            }
        }
    }
}
