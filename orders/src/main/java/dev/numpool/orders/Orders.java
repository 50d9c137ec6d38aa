package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.Redis;
import dev.numpool.inventory.InboundSms;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Mode;
import io.helidon.config.Config;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * The orders module's main door: placing idempotent orders, the activation state machine, and
 * the intake of every SMS providers deliver. Each is its own package-private class, wired here:
 * {@link OrderPlacement} (an order in five round trips, numbers given back when one fails),
 * {@link ActivationLifecycle} (cancel, finish, another code, expiry), {@link Intake} (SMS in,
 * codes read, the first one charged), {@link CodeReviews} (the review queue and the templates)
 * and {@link UpstreamReports} (status reports owed to providers, reconciliation). They share
 * one {@link Stores} handle and one {@link Ledger.Transfers}.
 */
public final class Orders implements AutoCloseable {
    private final Stores stores;
    private final LiveEvents events;
    private final Clock clock;
    private final UpstreamReports upstream;
    private final OrderPlacement placement;
    private final Intake intake;
    private final CodeReviews reviews;
    private final ActivationLifecycle lifecycle;
    private final Rentals rentals;
    private final Settings settings;
    private final Inventory inventory;

    /**
     * Timings of the state machine: {@code activation-window-seconds} (default 20 min),
     * {@code early-cancel-seconds} (default 2 min), {@code idempotency-lock-seconds} (how long a
     * running request holds its key before another node may take over, default 60 s),
     * {@code reuse-window-hours} (how long after it finished an activation's number may be bought
     * again for its service, default 24 h, when its provider still has it).
     */
    public record Settings(Duration window, Duration earlyCancel, Duration idempotencyLock, int maxLiveActivations,
                           int intakeConcurrency, Duration intakeWait, Duration reuseWindow) {
        public Settings {
            if (window.isNegative() || window.isZero() || earlyCancel.isNegative() || idempotencyLock.isNegative() || maxLiveActivations < 1
                    || intakeConcurrency < 1 || intakeWait.isNegative() || reuseWindow.isNegative()) {
                throw new OrdersException(OrdersException.Reason.BAD_CONFIGURATION, "orders timings and limits must be positive");
            }
        }

        public Settings(Duration window, Duration earlyCancel, Duration idempotencyLock, int maxLiveActivations) {
            this(window, earlyCancel, idempotencyLock, maxLiveActivations, DEFAULT_INTAKE_CONCURRENCY, DEFAULT_INTAKE_WAIT, DEFAULT_REUSE_WINDOW);
        }

        /**
         * SMS taken in at once per node: half the default connection pool, so a flood of SMS
         * leaves connections for orders and reads.
         */
        static final int DEFAULT_INTAKE_CONCURRENCY = 10;
        static final Duration DEFAULT_INTAKE_WAIT = Duration.ofMillis(50);
        static final Duration DEFAULT_REUSE_WINDOW = Duration.ofHours(24);

        /** Also {@code intake-concurrency} and {@code intake-wait-millis} (see {@link IntakeGate}). */
        public static Settings from(Config config) {
            return new Settings(
                    Duration.ofSeconds(config.get("activation-window-seconds").asLong().orElse(1200L)),
                    Duration.ofSeconds(config.get("early-cancel-seconds").asLong().orElse(120L)),
                    Duration.ofSeconds(config.get("idempotency-lock-seconds").asLong().orElse(60L)),
                    config.get("max-live-activations").asInt().orElse(100),
                    config.get("intake-concurrency").asInt().orElse(DEFAULT_INTAKE_CONCURRENCY),
                    Duration.ofMillis(config.get("intake-wait-millis").asLong().orElse(DEFAULT_INTAKE_WAIT.toMillis())),
                    Duration.ofHours(config.get("reuse-window-hours").asLong().orElse(DEFAULT_REUSE_WINDOW.toHours())));
        }
    }

    private Orders(Stores stores, LiveEvents events, Inventory inventory, Settings settings, Rentals.Settings rentalSettings, Clock clock,
                   MeterRegistry meters) {
        this.stores = stores;
        this.events = events;
        this.clock = clock;
        // Writes the transfers; remembers ledger account ids, which never change once created.
        Ledger.Transfers transfers = new Ledger.Transfers();
        // This node's copy of the code templates; refreshCodeTemplates keeps it current.
        CodeTemplates templates = new CodeTemplates();
        this.upstream = new UpstreamReports(stores, inventory, clock);
        this.settings = settings;
        this.inventory = inventory;
        this.placement = new OrderPlacement(stores, events, inventory, settings, clock, transfers, upstream,
                meters.getOrCreate(Counter.builder("numpool_orders_placed").description("Activations bought")));
        CodeReader reader = new CodeReader(templates);
        this.rentals = new Rentals(stores, inventory, clock, transfers, upstream, events, reader, rentalSettings, settings.idempotencyLock());
        this.intake = new Intake(stores, events, inventory, clock, transfers, reader,
                new IntakeGate(settings.intakeConcurrency(), settings.intakeWait()),
                meters.getOrCreate(Counter.builder("numpool_codes_received").description("Codes received for live activations")), rentals);
        rentals.intake(intake);
        this.reviews = new CodeReviews(stores, inventory, clock, templates, intake);
        this.lifecycle = new ActivationLifecycle(stores, events, inventory, clock, transfers, upstream, reviews,
                meters.getOrCreate(Counter.builder("numpool_refunds").description("Holds voided on cancel or expiry")));
    }

    /**
     * Builds the orders door and installs it as the listener for every provider's SMS; live
     * events travel between nodes through {@code redis}.
     */
    public static Orders create(Database db, Redis redis, Inventory inventory, Settings settings, Clock clock, MeterRegistry meters) {
        return create(db, redis, inventory, settings, Rentals.Settings.DEFAULTS, clock, meters);
    }

    /** As above, with the rules of rentals ({@code rentals.*}, see {@link Rentals.Settings}). */
    public static Orders create(Database db, Redis redis, Inventory inventory, Settings settings, Rentals.Settings rentals, Clock clock,
                                MeterRegistry meters) {
        Orders orders = new Orders(new Stores(db.dsl(), new WebhookSignal(redis)), new LiveEvents(redis), inventory, settings, rentals, clock, meters);
        orders.reviews.installShippedTemplates();
        inventory.listen(orders::receiveSms);
        return orders;
    }

    /** Ends this node's live streams' subscription. */
    @Override
    public void close() {
        events.close();
    }

    /** SHA-256 of what makes two requests "the same" for an idempotency key. */
    public static byte[] fingerprint(String method, String path, byte[] body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
            sha.update(body);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * Numbers rented for hours to weeks: the rentals' door, sharing this one's stores, ledger
     * transfers, SMS intake and live events (see {@link Rentals}).
     */
    public Rentals rentals() {
        return rentals;
    }

    // Orders ----------------------------------------------------------------------------------------

    /**
     * Places an order under an idempotency key. {@code render} turns the new activation into the
     * response stored with the key, in the same transaction as the hold. Outcomes that change
     * nothing (no numbers, price, balance) free the key again so the client may retry with it.
     */
    public PlaceResult place(AccountId owner, OrderRequest request, IdempotencyKey key, byte[] fingerprint,
                             Function<Activation, StoredResponse> render) {
        return placement.place(owner, request, key, fingerprint, render);
    }

    /**
     * Places an order of a compatible API (sms-activate, 5sim), whose bots retry a buy that timed
     * out: {@code guard} says how a retry is told from a new order (see {@link RetryGuard}). A
     * retry that finds the first request still running waits for its answer (at most 15 s) instead
     * of being refused; a duplicate in the window gets {@link PlaceResult.Duplicate}. {@code render}
     * is the response stored for an {@code Idempotency-Key} (the window stores the activation id).
     */
    public PlaceResult placeRetrySafe(AccountId owner, OrderRequest request, RetryGuard guard, Function<Activation, StoredResponse> render) {
        return placement.placeRetrySafe(owner, request, guard, render);
    }

    // Reuse ------------------------------------------------------------------------------------------

    /** Whether the number of one of the owner's activations can be bought again for its service. */
    public sealed interface ReuseOffer {
        /** It can, for {@code priceMicros} (the provider's reuse cost with our markup), as a new activation. */
        record Available(Activation parent, long priceMicros, String currency) implements ReuseOffer {
        }

        /** It cannot: the activation did not finish with a code, too long ago, or its provider cannot sell it again. */
        record NotReusable(Activation parent, String reason) implements ReuseOffer {
        }

        /** No activation of the owner's has that id. */
        record NotFound() implements ReuseOffer {
        }
    }

    /**
     * Asks whether the number of the owner's activation {@code id} can be bought again for its
     * service (sms-activate's {@code checkExtraActivation}, 5sim's reuse, the native API's reuse
     * quote): it finished with a code within {@link Settings#reuseWindow}, and the provider that
     * sold it can sell it again, at its price (a network call for upstream providers).
     */
    public ReuseOffer reuseOffer(AccountId owner, int id) {
        return switch (reuseCandidate(owner, id, OptionalLong.empty())) {
            case ReuseCandidate.Refused refused -> refused.offer();
            case ReuseCandidate.Ready ready -> switch (inventory.reuseQuote(ready.request())) {
                case Inventory.ReuseQuote.Available a -> new ReuseOffer.Available(ready.parent(), a.priceMicros(), inventory.currency());
                case Inventory.ReuseQuote.Unavailable u -> new ReuseOffer.NotReusable(ready.parent(), u.reason());
            };
        };
    }

    /** How buying a number again ended: not found or not reusable (nothing changed), or an order's result. */
    public sealed interface ReuseResult {
        record Ordered(PlaceResult result) implements ReuseResult {
        }

        record NotReusable(String reason) implements ReuseResult {
        }

        record NotFound() implements ReuseResult {
        }
    }

    /**
     * Buys the number of the owner's activation {@code id} again for its service (see
     * {@link #reuseOffer}): a new activation like any other, held, charged on its code, cancelled
     * and refunded like any other, guarded against a bot's retries by {@code guard} as
     * {@link #placeRetrySafe} is. {@code maxPriceMicros} caps the price.
     */
    public ReuseResult reuse(AccountId owner, int id, OptionalLong maxPriceMicros, RetryGuard guard, Function<Activation, StoredResponse> render) {
        return switch (reuseCandidate(owner, id, maxPriceMicros)) {
            case ReuseCandidate.Refused(ReuseOffer.NotReusable no) -> new ReuseResult.NotReusable(no.reason());
            case ReuseCandidate.Refused refused -> new ReuseResult.NotFound();
            case ReuseCandidate.Ready ready -> {
                // The provider is asked only once the order's key is claimed (OrderPlacement#reused):
                // a retry of a reuse that bought must find its first order, not "the number is live".
                OrderRequest request = new OrderRequest(ready.request().service(), ready.request().country(), ready.parent().operator(),
                        maxPriceMicros, List.of());
                yield new ReuseResult.Ordered(placement.placeRetrySafe(owner, request, guard, render, placement.reused(ready.request()),
                        List.of("reuse", Integer.toString(ready.parent().id()))));
            }
        };
    }

    /** A reuse after the checks of our own (whose activation, how it ended, when): refused, or what to ask inventory for. */
    private sealed interface ReuseCandidate {
        record Refused(ReuseOffer offer) implements ReuseCandidate {
        }

        record Ready(Activation parent, Inventory.ReuseRequest request) implements ReuseCandidate {
        }
    }

    /**
     * Whether our own rules let the number of {@code activation} be bought again: it finished with
     * a code within {@link Settings#reuseWindow}. Whether its provider can sell it again only
     * {@link #reuseOffer} knows (a network call for upstream providers).
     */
    public boolean mayBuyAgain(Activation activation) {
        return ownRefusal(activation).isEmpty();
    }

    private Optional<String> ownRefusal(Activation parent) {
        if (parent.status() != ActivationStatus.FINISHED || parent.codes().isEmpty()) {
            return Optional.of("only a number whose activation finished with a code is sold again");
        }
        if (parent.endedAt().isEmpty() || parent.endedAt().get().plus(settings.reuseWindow()).isBefore(clock.instant())) {
            return Optional.of("the activation ended more than " + settings.reuseWindow().toHours() + " hours ago");
        }
        return Optional.empty();
    }

    /** The longest a reuse waits for the ended activation's report to reach its provider. */
    private static final Duration REPORT_WAIT = Duration.ofSeconds(2);

    private ReuseCandidate reuseCandidate(AccountId owner, int id, OptionalLong maxPriceMicros) {
        Optional<Activation> found = stores.activations().activation(owner, id);
        if (found.isEmpty()) {
            return new ReuseCandidate.Refused(new ReuseOffer.NotFound());
        }
        Activation parent = found.get();
        Optional<String> refusal = ownRefusal(parent);
        if (refusal.isPresent()) {
            return new ReuseCandidate.Refused(new ReuseOffer.NotReusable(parent, refusal.get()));
        }
        Optional<ActivationStore.NumberSource> source = stores.activations().numberSource(owner, id);
        Optional<dev.numpool.inventory.Service> service = inventory.service(parent.service());
        Optional<dev.numpool.inventory.Country> country = inventory.country(parent.country());
        if (source.isEmpty() || service.isEmpty() || country.isEmpty()) {
            return new ReuseCandidate.Refused(new ReuseOffer.NotReusable(parent, "the service or country is no longer sold"));
        }
        // The provider hears the activation ended (its report may be on its way) before it is asked to sell the number again.
        upstream.deliverBefore(parent.id(), REPORT_WAIT);
        return new ReuseCandidate.Ready(parent, new Inventory.ReuseRequest(source.get().provider(), source.get().providerRef(), parent.phone(),
                service.get(), country.get(), maxPriceMicros, Mode.of(parent.test())));
    }

    /**
     * The owner's most recent activation on {@code phone} for {@code service}, if any (5sim's reuse
     * names the number, not the order).
     */
    public Optional<Activation> latestOnNumber(AccountId owner, String service, dev.numpool.inventory.PhoneNumber phone) {
        return stores.activations().latestOnNumber(owner, service, phone.e164());
    }

    /**
     * Gives back to their providers the numbers bought for orders that never committed because
     * their node died in between (at most {@code limit}); returns how many. Any node may run it.
     */
    public int recoverPurchases(int limit) {
        return placement.recoverPurchases(limit);
    }

    // Reading -------------------------------------------------------------------------------------

    /** The owner's activation; empty for unknown ids and for other accounts' ids alike. */
    public Optional<Activation> activation(AccountId owner, int id) {
        return stores.activations().activation(owner, id);
    }

    /** The owner's activations, newest first; {@code cursor} is the {@code nextCursor} of the previous page. */
    public Page<Activation> activations(AccountId owner, Optional<ActivationStatus> status, int limit, Optional<String> cursor) {
        int boundedLimit = Math.max(1, Math.min(100, limit));
        Optional<Integer> before = cursor.flatMap(Orders::parseCursor);
        List<Activation> items = stores.activations().activations(owner, status, before, boundedLimit + 1);
        Optional<String> next = items.size() > boundedLimit ? Optional.of(String.valueOf(items.get(boundedLimit - 1).id())) : Optional.empty();
        return new Page<>(items.subList(0, Math.min(items.size(), boundedLimit)), next);
    }

    /**
     * A page of the owner's activations by position, as the compatible protocols page them
     * (sms-activate's {@code getHistory}, 5sim's order history): those in {@code statuses} (all
     * when empty) created in {@code [from, to)}, by id, {@code offset} in.
     */
    public record HistoryQuery(Set<ActivationStatus> statuses, Optional<Instant> from, Optional<Instant> to, int offset, int limit,
                               boolean newestFirst) {
        /** Deeper than this no bot pages; the query refuses it rather than scan without end. */
        public static final int MAX_OFFSET = 100_000;
        public static final int MAX_LIMIT = 100;

        public HistoryQuery {
            statuses = Set.copyOf(statuses);
            if (offset < 0 || offset > MAX_OFFSET || limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("offset 0 to " + MAX_OFFSET + ", limit 1 to " + MAX_LIMIT);
            }
        }
    }

    /** One page of {@link #history}, and how many activations the query matches in all. */
    public record HistoryPage(List<Activation> items, int total) {
        public HistoryPage {
            items = List.copyOf(items);
        }
    }

    /** The owner's activations the query selects, a page at a time by position. */
    public HistoryPage history(AccountId owner, HistoryQuery query) {
        return new HistoryPage(stores.activations().page(owner, query), stores.activations().count(owner, query));
    }

    /** How many activations of one offer were sold in a period (every account's together). */
    public record OfferSales(String service, int country, int sold) {
    }

    /**
     * The offers sold most since {@code since}, most first, at most {@code limit}: what "popular"
     * means in the catalogue. Counts only, never whose.
     */
    public List<OfferSales> bestSellers(Instant since, int limit) {
        return stores.activations().salesByOffer(since, Math.max(1, Math.min(1000, limit)));
    }

    /** True when {@code cursor} is one this API could have handed out. */
    public static boolean validCursor(String cursor) {
        return parseCursor(cursor).isPresent();
    }

    /**
     * A live stream of the owner's events, of one activation or of all; open it before reading
     * the current state, so nothing falls between the two. Close it when the client goes. Empty
     * when the owner already holds {@value LiveEvents#MAX_STREAMS_PER_ACCOUNT} streams on this node.
     */
    public Optional<Follow> follow(AccountId owner, Optional<Integer> activationId) {
        return events.open(owner.value()).map(stream -> new Follow(stream, activationId));
    }

    /** One client's live stream. */
    public static final class Follow implements AutoCloseable {
        private final LiveEvents.Stream stream;
        private final Optional<Integer> activationId;

        private Follow(LiveEvents.Stream stream, Optional<Integer> activationId) {
            this.stream = stream;
            this.activationId = activationId;
        }

        /**
         * The next event, waiting at most {@code wait}; empty on timeout. Throws
         * {@link IllegalStateException} when the client fell too far behind to be kept.
         */
        public Optional<LiveEvent> next(Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                Optional<LiveEvent> e = stream.next(Duration.ofNanos(left));
                if (e.isEmpty() || activationId.map(id -> id == e.get().activationId()).orElse(true)) {
                    return e;
                }
            }
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    // The state machine (see ActivationLifecycle) ---------------------------------------------------

    /** Cancels a waiting activation after the early window; the hold is voided (refunded). */
    public ActivationChange cancel(AccountId owner, int id) {
        return lifecycle.cancel(owner, id);
    }

    /** Finishes an activation that received its code; the hold was posted when the code came. */
    public ActivationChange finish(AccountId owner, int id) {
        return lifecycle.finish(owner, id);
    }

    /** Asks for another code (free) on an activation whose code already arrived. */
    public ActivationChange requestAnotherCode(AccountId owner, int id) {
        return lifecycle.requestAnotherCode(owner, id);
    }

    /**
     * Pays for an SMS that arrived after the activation ended with a refund, so that the owner
     * may read it: the activation's price is held and posted at once (charged exactly once).
     */
    public LateSmsPurchase buyLateSms(AccountId owner, int activationId, long smsId) {
        return lifecycle.buyLateSms(owner, activationId, smsId);
    }

    /**
     * Ends every live activation whose window has passed, at most {@code limit} per call (without
     * a code it expires and its hold is voided; with one it finishes); any number of nodes may run
     * it. Returns how many this call ended.
     */
    public int expireDue(int limit) {
        return lifecycle.expireDue(limit);
    }

    /**
     * Deletes parked SMS older than {@code age} (their number was never sold, or was released
     * when its order failed), at most {@code limit}; returns how many.
     */
    public int reapParkedSms(Duration age, int limit) {
        return stores.intake().deleteParkedSmsBefore(clock.instant().minus(age), limit);
    }

    /** Deletes idempotency keys older than {@code age}, at most {@code limit}; returns how many. */
    public int reapIdempotencyKeys(Duration age, int limit) {
        return stores.idempotencyKeys().deleteKeysCreatedBefore(clock.instant().minus(age), limit);
    }

    // Reading codes: the review queue and templates (see CodeReviews) -------------------------------

    /**
     * SMS waiting for an operator, oldest first: they reached a live activation and no code was
     * read in them. At most {@code limit} (1 to 500), with ids above {@code afterId}.
     */
    public List<SmsReview> reviewQueue(long afterId, int limit) {
        return reviews.reviewQueue(afterId, limit);
    }

    /**
     * An operator marks the code of an SMS under review. It is delivered exactly as a code read
     * from the text would be, once; the SMS's shape is learned as a template.
     */
    public CodeReviewResult markCode(long smsId, String code) {
        return reviews.markCode(smsId, code);
    }

    /** An operator says an SMS under review holds no code: it leaves the queue, nothing is delivered. */
    public CodeReviewResult dismissSms(long smsId) {
        return reviews.dismissSms(smsId);
    }

    /** Every template, or one service's, with its hits (as last written down; nodes write theirs every few seconds). */
    public List<CodeTemplate> codeTemplates(Optional<String> service) {
        return reviews.codeTemplates(service);
    }

    /** What adding a template came to. */
    public sealed interface TemplateResult {
        record Added(CodeTemplate template) implements TemplateResult {
        }

        /** Not a template (see {@link CodeTemplate}), or for a service not in the catalogue; nothing stored. */
        record Invalid(String why) implements TemplateResult {
        }

        /** The same template (service, sender, text) is there already. */
        record Exists() implements TemplateResult {
        }
    }

    /** An operator's template for {@code service} ({@code sender} empty for any sender); every node uses it within seconds. */
    public TemplateResult addCodeTemplate(String service, String sender, String template) {
        return reviews.addCodeTemplate(service, sender, template);
    }

    /** Removes a template (any origin; a shipped one comes back at the next start). False when there is none. */
    public boolean removeCodeTemplate(long id) {
        return reviews.removeCodeTemplate(id);
    }

    /** Writes down this node's template hits and reloads every template (the workers run it every few seconds). */
    public void refreshCodeTemplates() {
        reviews.refreshCodeTemplates();
    }

    // SMS intake (see Intake) -----------------------------------------------------------------------

    /**
     * Wiring: while {@code overloaded} says so, pushed SMS are turned away as when every intake
     * slot is taken (503, try again); {@code Numpool} passes {@link Webhooks#behind}.
     */
    public void shedIntakeWhen(java.util.function.BooleanSupplier overloaded) {
        intake.shedIntakeWhen(overloaded);
    }

    /** Wiring: the sandbox's simulated upstreams, which SMS injected for their numbers go through. */
    public void relaySandboxSms(SandboxRelay relay) {
        intake.relaySandboxSms(relay);
    }

    /**
     * Takes in an SMS a provider pushed (its listener), failing fast when the node is saturated:
     * an {@link OrdersException} with reason {@code SATURATED}, thrown before anything was written,
     * which the HTTP intakes answer with 503 and Retry-After.
     */
    public SmsIntake receiveSms(InboundSms sms) {
        return intake.receiveSms(sms);
    }

    /**
     * Delivers parked SMS (those that arrived before their order committed) whose activation
     * exists now, at most {@code limit}; any number of nodes may run it. Returns how many.
     */
    public int applyParkedSms(int limit) {
        return intake.applyParkedSms(limit);
    }

    /**
     * Injects an SMS into one of the owner's simulated activations, as a provider would deliver
     * it (the sandbox's test helper for bot authors).
     */
    public SandboxSms injectSandboxSms(AccountId owner, int activationId, String sender, String text) {
        return intake.injectSandboxSms(owner, activationId, sender, text);
    }

    /**
     * Polls each polling provider for the SMS of its live activations that are due, or sweeps a
     * provider that can list them, and takes every SMS in. Returns how many codes were accepted.
     */
    public int pollProviders(int limitPerProvider) {
        return intake.pollProviders(limitPerProvider);
    }

    // Status reports to providers (see UpstreamReports) ---------------------------------------------

    /** Delivers due status reports to providers, at most {@code limit}; see {@link UpstreamReports#deliverDue}. */
    public int deliverDueUpstreamOps(int limit) {
        return upstream.deliverDue(limit);
    }

    /** Gives back numbers a provider sold that were never recorded; see {@link UpstreamReports#reconcile}. */
    public int reconcileUpstream(Duration grace) {
        return upstream.reconcile(grace);
    }

    /** Status reports owed to providers, counted by provider and state (pending, confirmed, refused, abandoned). */
    public Map<String, Map<String, Integer>> upstreamBacklog() {
        return upstream.backlog();
    }

    /** The latest status reports in {@code state} (refused and abandoned ones need an operator). */
    public List<UpstreamReport> upstreamReports(String state, int limit) {
        return upstream.reports(state, limit);
    }

    private static Optional<Integer> parseCursor(String cursor) {
        if (cursor == null || !cursor.matches("[0-9]{1,10}")) {
            return Optional.empty();
        }
        long value = Long.parseLong(cursor);
        return value > 0 && value <= Integer.MAX_VALUE ? Optional.of((int) value) : Optional.empty();
    }
}
