package dev.numpool.orders;

import dev.numpool.db.ConstraintViolation;
import dev.numpool.db.Database;
import dev.numpool.db.Redis;
import dev.numpool.inventory.BuyRequest;
import dev.numpool.inventory.BuyResult;
import dev.numpool.inventory.InboundSms;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Offer;
import dev.numpool.inventory.Release;
import io.helidon.config.Config;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The orders module's main door: placing idempotent orders, the activation state machine, and
 * the intake of every SMS providers deliver.
 *
 * <p>An order runs in short transactions around the provider call, so no database transaction
 * waits on the network: the first claims the idempotency key, the second records the provider's
 * sale the moment it answers, the third records the hold, the activation and the response
 * together. A provider number bought for an order that
 * then fails is released at once. No shared row is written per service or country, so orders for
 * the same popular offer do not queue behind one another.
 */
public final class Orders implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Orders.class.getName());
    private static final int MAX_TEXT_LENGTH = 4096;
    private static final java.util.regex.Pattern CONTROL = java.util.regex.Pattern.compile("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]");
    /** Parts of one long SMS arrive within seconds of each other; a minute is generous. */
    private static final Duration PART_WINDOW = Duration.ofSeconds(60);

    private final OrdersStore store;
    private final LiveEvents events;
    private final Inventory inventory;
    private final Settings settings;
    private final Clock clock;
    /** Writes the transfers; remembers ledger account ids, which never change once created. */
    private final Ledger.Transfers transfers = new Ledger.Transfers();
    private final ActivationIds activationIds = new ActivationIds();
    private final UpstreamReports upstream;
    private final Counter ordersPlaced;
    private final Counter codesReceived;
    private final Counter refunds;
    private final IntakeGate intake;
    /** This node's copy of the code templates; {@link #refreshCodeTemplates} keeps it current. */
    private final CodeTemplates templates = new CodeTemplates();
    private final CodeReader reader = new CodeReader(templates);
    private volatile java.util.function.BooleanSupplier overloaded = () -> false;

    /**
     * Timings of the state machine: {@code activation-window-seconds} (default 20 min),
     * {@code early-cancel-seconds} (default 2 min), {@code idempotency-lock-seconds} (how long a
     * running request holds its key before another node may take over, default 60 s).
     */
    public record Settings(Duration window, Duration earlyCancel, Duration idempotencyLock, int maxLiveActivations,
                           int intakeConcurrency, Duration intakeWait) {
        public Settings {
            if (window.isNegative() || window.isZero() || earlyCancel.isNegative() || idempotencyLock.isNegative() || maxLiveActivations < 1
                    || intakeConcurrency < 1 || intakeWait.isNegative()) {
                throw new OrdersException(OrdersException.Reason.BAD_CONFIGURATION, "orders timings and limits must be positive");
            }
        }

        public Settings(Duration window, Duration earlyCancel, Duration idempotencyLock, int maxLiveActivations) {
            this(window, earlyCancel, idempotencyLock, maxLiveActivations, DEFAULT_INTAKE_CONCURRENCY, DEFAULT_INTAKE_WAIT);
        }

        /**
         * SMS taken in at once per node: half the default connection pool, so a flood of SMS
         * leaves connections for orders and reads.
         */
        static final int DEFAULT_INTAKE_CONCURRENCY = 10;
        static final Duration DEFAULT_INTAKE_WAIT = Duration.ofMillis(50);

        /** Also {@code intake-concurrency} and {@code intake-wait-millis} (see {@link IntakeGate}). */
        public static Settings from(Config config) {
            return new Settings(
                    Duration.ofSeconds(config.get("activation-window-seconds").asLong().orElse(1200L)),
                    Duration.ofSeconds(config.get("early-cancel-seconds").asLong().orElse(120L)),
                    Duration.ofSeconds(config.get("idempotency-lock-seconds").asLong().orElse(60L)),
                    config.get("max-live-activations").asInt().orElse(100),
                    config.get("intake-concurrency").asInt().orElse(DEFAULT_INTAKE_CONCURRENCY),
                    Duration.ofMillis(config.get("intake-wait-millis").asLong().orElse(DEFAULT_INTAKE_WAIT.toMillis())));
        }
    }

    private Orders(OrdersStore store, LiveEvents events, Inventory inventory, Settings settings, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.events = events;
        this.inventory = inventory;
        this.settings = settings;
        this.clock = clock;
        this.ordersPlaced = meters.getOrCreate(Counter.builder("numpool_orders_placed").description("Activations bought"));
        this.codesReceived = meters.getOrCreate(Counter.builder("numpool_codes_received").description("Codes received for live activations"));
        this.refunds = meters.getOrCreate(Counter.builder("numpool_refunds").description("Holds voided on cancel or expiry"));
        this.intake = new IntakeGate(settings.intakeConcurrency(), settings.intakeWait());
        this.upstream = new UpstreamReports(store, inventory, clock);
    }

    /**
     * Builds the orders door and installs it as the listener for every provider's SMS; live
     * events travel between nodes through {@code redis}.
     */
    public static Orders create(Database db, Redis redis, Inventory inventory, Settings settings, Clock clock, MeterRegistry meters) {
        Orders orders = new Orders(new OrdersStore(db.dsl(), new WebhookSignal(redis)), new LiveEvents(redis), inventory, settings, clock, meters);
        orders.installShippedTemplates();
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

    // Placing orders ----------------------------------------------------------------------------

    /**
     * Places an order under an idempotency key. {@code render} turns the new activation into the
     * response stored with the key, in the same transaction as the hold. Outcomes that change
     * nothing (no numbers, price, balance) free the key again so the client may retry with it.
     */
    public PlaceResult place(AccountId owner, OrderRequest request, IdempotencyKey key, byte[] fingerprint,
                             Function<Activation, StoredResponse> render) {
        Instant now = clock.instant();
        // The end of the key's lock also tells this request's claim from a later takeover's, so it
        // is kept at the database's microsecond precision to compare equal when read back.
        Instant lockedUntil = now.plus(settings.idempotencyLock()).truncatedTo(ChronoUnit.MICROS);
        OrdersStore.Claim claim = store.claim(owner, key, fingerprint, now, lockedUntil);
        switch (claim) {
            case OrdersStore.Claim.Replay replay -> {
                return new PlaceResult.Replayed(replay.response());
            }
            case OrdersStore.Claim.Mismatch mismatch -> {
                return new PlaceResult.KeyReused();
            }
            case OrdersStore.Claim.Busy busy -> {
                return new PlaceResult.InProgress();
            }
            case OrdersStore.Claim.Owned owned -> {
                // go on below
            }
        }
        PlaceResult result;
        try {
            result = placeClaimed(owner, request, key, lockedUntil, render);
        } catch (RuntimeException e) {
            releaseKeyQuietly(owner, key, lockedUntil);
            throw e;
        }
        if (!(result instanceof PlaceResult.Placed)) {
            releaseKeyQuietly(owner, key, lockedUntil);
        }
        return result;
    }

    private PlaceResult placeClaimed(AccountId owner, OrderRequest request, IdempotencyKey key, Instant lockedUntil,
                                     Function<Activation, StoredResponse> render) {
        // Counted before the purchase, not locked: concurrent orders may pass it together and end a
        // few over. It is a brake for runaway bots, not an accounting rule.
        OrdersStore.OrderCheck check = store.orderCheck(owner, settings.maxLiveActivations());
        if (check.live() >= settings.maxLiveActivations()) {
            return new PlaceResult.TooManyLive(settings.maxLiveActivations());
        }
        // Cheap check first, so a number is not bought from a provider for a customer who cannot pay.
        Optional<Offer> offer = inventory.offers(Optional.of(request.service()), Optional.of(request.country())).stream().findFirst();
        if (offer.isPresent() && check.availableMicros() < offer.get().priceMicros()
                && request.maxPriceMicros().orElse(Long.MAX_VALUE) >= offer.get().priceMicros()) {
            return new PlaceResult.InsufficientBalance(check.availableMicros(), offer.get().priceMicros(), check.debtMicros());
        }
        BuyRequest buy = new BuyRequest(request.service(), request.country(), request.operator(), request.maxPriceMicros(),
                request.excludedPrefixes());
        // Two nodes' providers may hand out the same number; the database refuses the second live
        // sale of it for a service, and the order simply buys again once.
        for (int round = 0; ; round++) {
            BuyResult bought = inventory.buy(buy);
            switch (bought) {
                case BuyResult.NoNumbers none -> {
                    return new PlaceResult.NoNumbers(none.trace());
                }
                case BuyResult.PriceAboveMax above -> {
                    return new PlaceResult.PriceAboveMax(above.minimumPriceMicros());
                }
                case BuyResult.Bought b -> {
                    // Recorded at once, on its own: if this node dies before the order commits,
                    // recoverPurchases gives the number back (see the V5 migration).
                    long purchase;
                    try {
                        purchase = store.insertPurchase(owner, b.lease().provider(), b.lease().providerRef(),
                                clock.instant(), clock.instant().plus(settings.idempotencyLock()));
                    } catch (RuntimeException e) {
                        // Nothing can be recorded (database trouble): give the number back directly.
                        releaseQuietly(b.lease().provider(), b.lease().providerRef());
                        throw e;
                    }
                    Recorded recorded;
                    try {
                        recorded = record(owner, request, b, purchase, key, lockedUntil, render);
                    } catch (RuntimeException e) {
                        giveBack(b, purchase);
                        throw e;
                    }
                    if (recorded.placing() != OrdersStore.Placing.PLACED) {
                        giveBack(b, purchase); // nothing was written: the number goes back
                    }
                    switch (recorded.placing()) {
                        case PLACED -> {
                            ordersPlaced.increment();
                            events.publish(owner.value(), new LiveEvent("created", recorded.activation().id(), ActivationStatus.WAITING_CODE,
                                    Optional.empty(), Optional.empty(), clock.instant()));
                            return new PlaceResult.Placed(recorded.activation(), recorded.response());
                        }
                        case KEY_TAKEN_OVER, NUMBER_LOST -> {
                            // This request stalled past its lock: a retry owns the key now (its order
                            // is the one that counts), or recovery gave the number back.
                            return new PlaceResult.InProgress();
                        }
                        case NO_MONEY -> {
                            Balance now = store.balance(owner);
                            return new PlaceResult.InsufficientBalance(now.availableMicros(), b.lease().priceMicros(), now.debtMicros());
                        }
                        case NUMBER_LIVE -> {
                            if (round >= 1) {
                                throw new OrdersException(OrdersException.Reason.INCONSISTENT_STATE,
                                        "providers sold a number already live here for " + request.service().code() + " twice in a row");
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * A number bought for an order that did not commit goes back to its provider, through the
     * outbox and off the customer's request thread. If the sale is no longer 'sold' (recovery
     * already released it), nothing more is owed.
     */
    private void giveBack(BuyResult.Bought b, long purchase) {
        try {
            boolean owed = store.transaction(s -> {
                if (!s.settlePurchase(purchase, UpstreamKinds.Purchase.RELEASED)) {
                    return false;
                }
                s.insertUpstreamOp(null, b.lease().provider(), b.lease().providerRef(), UpstreamKinds.Report.RELEASE_UNUSED, clock.instant());
                return true;
            });
            if (owed) {
                upstream.deliverSoon(null);
            }
        } catch (RuntimeException e) {
            // The sale stays 'sold', so recoverPurchases gives the number back after its lease.
            LOG.log(Level.WARNING, "number " + b.lease().providerRef() + " left for recovery", e);
        }
    }

    private void releaseQuietly(String provider, String providerRef) {
        try {
            inventory.release(provider, providerRef, Release.NOT_USED);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not give back " + provider + " number " + providerRef, e);
        }
    }

    /**
     * Gives back to their providers the numbers bought for orders that never committed because
     * their node died in between (at most {@code limit}); returns how many. Any node may run it.
     */
    public int recoverPurchases(int limit) {
        Instant now = clock.instant();
        int recovered = store.transaction(s -> {
            List<OrdersStore.ParkedPurchase> abandoned = s.abandonedPurchasesForUpdate(now, limit);
            for (OrdersStore.ParkedPurchase p : abandoned) {
                if (s.settlePurchase(p.id(), UpstreamKinds.Purchase.RELEASED)) {
                    s.insertUpstreamOp(null, p.provider(), p.providerRef(), UpstreamKinds.Report.RELEASE_UNUSED, now);
                }
            }
            return abandoned.size();
        });
        if (recovered > 0) {
            LOG.warning(recovered + " numbers bought for orders that never committed are being given back");
            deliverDueUpstreamOps(recovered);
        }
        return recovered;
    }

    /**
     * Writes the order in one statement ({@link OrdersStore#placeOrder}): the hold (on the ledger
     * accounts {@link Ledger.Transfers#holdAccounts} names), the activation, the sale recorded and
     * the idempotency key completed with the response, which is rendered first, so the activation's
     * id comes from this node's block of ids rather than from the statement.
     */
    private Recorded record(AccountId owner, OrderRequest request, BuyResult.Bought bought, long purchase,
                               IdempotencyKey key, Instant lockedUntil, Function<Activation, StoredResponse> render) {
        Instant now = clock.instant();
        int id = activationIds.next();
        long price = bought.lease().priceMicros();
        Instant expiresAt = now.plus(settings.window());
        Instant cancellableAt = min(now.plus(settings.earlyCancel()), expiresAt);
        // The new activation is exactly what is written: no need to read it back. (An SMS that
        // beats this statement to the database is parked and applied by applyParkedSms.)
        Activation activation = new Activation(id, owner, request.service().code(), request.country().id(), request.operator(),
                bought.lease().phone(), ActivationStatus.WAITING_CODE, price, inventory.currency(), now, cancellableAt, expiresAt,
                Optional.empty(), false, List.of(), bought.trace());
        StoredResponse response = render.apply(activation);
        OrdersStore.CustomerLedgers ledgers = transfers.holdAccounts(store, owner);
        OrdersStore.Placing placing = store.placeOrder(new OrdersStore.NewOrder(id, owner, request, bought.lease().provider(),
                bought.lease().providerRef(), bought.lease().phone(), price, bought.lease().costMicros(), inventory.currency(),
                ledgers.wallet(), ledgers.held(), now, cancellableAt, expiresAt, bought.trace(), purchase, key, lockedUntil, response));
        return new Recorded(placing, activation, response);
    }

    /** What {@link #record} wrote (all of it, or nothing: see {@link OrdersStore.Placing}), and the activation and answer it rendered. */
    private record Recorded(OrdersStore.Placing placing, Activation activation, StoredResponse response) {
    }

    /**
     * Activation ids drawn from the database's sequence a block at a time and handed out one per
     * order: one round trip per block instead of one per order under load. A block is used for at
     * most {@link #FRESH} and then dropped, so ids follow the order of creation across nodes (lists
     * are newest first by id) except among orders placed within that second; its size follows the
     * node's pace (doubling when a block runs out in time, halving when one is dropped, 1 to
     * {@link #MAX_BLOCK}), so a quiet node leaves no long gaps in the ids.
     */
    private final class ActivationIds {
        private static final int MAX_BLOCK = 64;
        private static final long FRESH = Duration.ofSeconds(1).toNanos();
        private final ArrayDeque<Integer> ready = new ArrayDeque<>();
        private long drawnAt;
        private int block = 1;

        synchronized int next() {
            long now = System.nanoTime();
            boolean stale = now - drawnAt > FRESH;
            if (ready.isEmpty() || stale) {
                block = stale ? Math.max(1, block / 2) : Math.min(MAX_BLOCK, block * 2);
                ready.clear();
                ready.addAll(store.nextActivationIds(block));
                drawnAt = now;
            }
            return ready.removeFirst();
        }
    }

    // Reading -------------------------------------------------------------------------------------

    /** The owner's activation; empty for unknown ids and for other accounts' ids alike. */
    public Optional<Activation> activation(AccountId owner, int id) {
        return store.activation(owner, id);
    }

    /** The owner's activations, newest first; {@code cursor} is the {@code nextCursor} of the previous page. */
    public Page<Activation> activations(AccountId owner, Optional<ActivationStatus> status, int limit, Optional<String> cursor) {
        int boundedLimit = Math.max(1, Math.min(100, limit));
        Optional<Integer> before = cursor.flatMap(Orders::parseCursor);
        List<Activation> items = store.activations(owner, status, before, boundedLimit + 1);
        Optional<String> next = items.size() > boundedLimit ? Optional.of(String.valueOf(items.get(boundedLimit - 1).id())) : Optional.empty();
        return new Page<>(items.subList(0, Math.min(items.size(), boundedLimit)), next);
    }

    /** How many activations of one offer were sold in a period (every account's together). */
    public record OfferSales(String service, int country, int sold) {
    }

    /**
     * The offers sold most since {@code since}, most first, at most {@code limit}: what "popular"
     * means in the catalogue. Counts only, never whose.
     */
    public List<OfferSales> bestSellers(Instant since, int limit) {
        return store.salesByOffer(since, Math.max(1, Math.min(1000, limit)));
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

    // The state machine ---------------------------------------------------------------------------

    /** Cancels a waiting activation after the early window; the hold is voided (refunded). */
    public ActivationChange cancel(AccountId owner, int id) {
        return changeLive(owner, id, (s, a, status, now) -> {
            if (status == ActivationStatus.CODE_RECEIVED) {
                return Optional.of(new ActivationChange.CodeAlreadyReceived());
            }
            if (now.isBefore(a.cancellableAt())) {
                return Optional.of(new ActivationChange.EarlyCancelDenied(a.cancellableAt()));
            }
            end(s, a, ActivationStatus.CANCELLED, now);
            return Optional.empty();
        }, a -> afterEnd(a, false));
    }

    /** Finishes an activation that received its code; the hold was posted when the code came. */
    public ActivationChange finish(AccountId owner, int id) {
        boolean[] learned = {false};
        ActivationChange change = changeLive(owner, id, (s, a, status, now) -> {
            if (status == ActivationStatus.WAITING_CODE) {
                return Optional.of(new ActivationChange.NoCodeYet());
            }
            // Finishing confirms the codes: those only the provider could read teach us their SMS's shape.
            for (CodeStore.ConfirmedCode c : s.codes().providerCodes(a.id())) {
                learned[0] |= learn(s, a.service(), c.sender(), CodeReader.normalize(c.text()), c.code(), now);
            }
            end(s, a, ActivationStatus.FINISHED, now);
            return Optional.empty();
        }, a -> afterEnd(a, true));
        if (learned[0]) {
            reloadTemplatesQuietly();
        }
        return change;
    }

    /** Asks for another code (free) on an activation whose code already arrived. */
    public ActivationChange requestAnotherCode(AccountId owner, int id) {
        return changeLive(owner, id, (s, a, status, now) -> {
            if (status == ActivationStatus.WAITING_CODE) {
                return Optional.of(new ActivationChange.NoCodeYet());
            }
            s.setRetryRequested(a.id(), now);
            if (!s.upstreamOpPending(a.id(), UpstreamKinds.Report.ANOTHER_CODE)) {
                s.insertUpstreamOp(a, UpstreamKinds.Report.ANOTHER_CODE, now); // asking twice before it is delivered asks once
            }
            return Optional.empty();
        }, a -> upstream.deliverSoon(a.id()));
    }

    /**
     * Pays for an SMS that arrived after the activation ended with a refund, so that the owner
     * may read it: the activation's price is held and posted at once (charged exactly once, see
     * V20), and the activation is answered with the SMS shown. Without this, cancelling after the
     * early window and reading the late code would be a code for free.
     */
    public LateSmsPurchase buyLateSms(AccountId owner, int activationId, long smsId) {
        try {
            return store.transaction(s -> {
                Optional<OrdersStore.ActivationRow> a = s.activationForUpdate(owner, activationId);
                Optional<OrdersStore.SmsRow> sms = a.flatMap(row -> s.smsForUpdate(row.id(), smsId));
                if (sms.isEmpty()) {
                    return new LateSmsPurchase.NotFound();
                }
                if (!Activation.Message.withheld(a.get().status(), sms.get().late(), sms.get().bought())) {
                    return new LateSmsPurchase.AlreadyShown(s.activation(owner, activationId).orElseThrow());
                }
                Instant now = clock.instant();
                long price = a.get().priceMicros();
                long hold = transfers.hold(s, owner, price, "late-sms:" + smsId, now);
                transfers.post(s, owner, hold, price, a.get().currency(), "late-sms:" + smsId, now);
                s.markSmsBought(smsId, hold);
                return new LateSmsPurchase.Bought(s.activation(owner, activationId).orElseThrow(), price);
            });
        } catch (ConstraintViolation e) {
            if (!OrdersStore.noMoney(e)) {
                throw e;
            }
            Balance balance = store.balance(owner);
            long price = store.activation(owner, activationId).map(Activation::priceMicros).orElse(0L);
            return new LateSmsPurchase.InsufficientBalance(balance.availableMicros(), price, balance.debtMicros());
        }
    }

    /** One step of the state machine on a live activation, inside its transaction. */
    @FunctionalInterface
    private interface LiveChange {
        /** Either refuses (the refusal is returned and nothing is written) or writes the change and returns empty. */
        Optional<ActivationChange> apply(OrdersStore s, OrdersStore.ActivationRow a, ActivationStatus status, Instant now);
    }

    /**
     * Locks the owner's activation, answers for unknown and ended ones, lets {@code change} refuse
     * or write, and runs {@code afterCommit} (provider calls) only once the change is committed.
     */
    private ActivationChange changeLive(AccountId owner, int id, LiveChange change, Consumer<OrdersStore.ActivationRow> afterCommit) {
        Instant now = clock.instant();
        record Outcome(ActivationChange change, OrdersStore.ActivationRow changed) {
        }
        Outcome outcome = store.transaction(s -> {
            Optional<OrdersStore.ActivationRow> row = s.activationForUpdate(owner, id);
            if (row.isEmpty()) {
                return new Outcome(new ActivationChange.NotFound(), null);
            }
            ActivationStatus status = row.get().status();
            if (!status.live()) {
                return new Outcome(new ActivationChange.AlreadyEnded(status), null);
            }
            Optional<ActivationChange> refused = change.apply(s, row.get(), status, now);
            return refused.map(r -> new Outcome(r, null))
                    .orElseGet(() -> new Outcome(new ActivationChange.Changed(s.activation(owner, id).orElseThrow()), row.get()));
        });
        if (outcome.changed() != null) {
            if (outcome.change() instanceof ActivationChange.Changed c) {
                events.publish(owner.value(), new LiveEvent("status", id, c.activation().status(), Optional.empty(), Optional.empty(), now));
            }
            afterCommit.accept(outcome.changed());
        }
        return outcome.change();
    }

    /**
     * Ends every live activation whose window has passed, at most {@code limit} per call: without
     * a code it expires and its hold is voided; with a code it finishes. Rows another node is
     * working on are skipped, so any number of nodes may run this at once. Returns how many
     * activations this call ended.
     */
    public int expireDue(int limit) {
        Instant now = clock.instant();
        List<OrdersStore.ActivationRow> ended = store.transaction(s -> {
            List<OrdersStore.ActivationRow> due = s.dueForUpdate(now, limit);
            for (OrdersStore.ActivationRow a : due) {
                end(s, a, a.status() == ActivationStatus.WAITING_CODE ? ActivationStatus.EXPIRED : ActivationStatus.FINISHED, now);
            }
            return due;
        });
        for (OrdersStore.ActivationRow a : ended) {
            boolean hadCode = a.status() == ActivationStatus.CODE_RECEIVED;
            events.publish(a.accountId(), new LiveEvent("status", a.id(), hadCode ? ActivationStatus.FINISHED : ActivationStatus.EXPIRED,
                    Optional.empty(), Optional.empty(), now));
            afterEnd(a, hadCode);
        }
        return ended.size();
    }

    /**
     * Deletes parked SMS older than {@code age} (their number was never sold, or was released
     * when its order failed), at most {@code limit}; returns how many.
     */
    public int reapParkedSms(Duration age, int limit) {
        return store.deleteParkedSmsBefore(clock.instant().minus(age), limit);
    }

    /** Deletes idempotency keys older than {@code age}, at most {@code limit}; returns how many. */
    public int reapIdempotencyKeys(Duration age, int limit) {
        return store.deleteKeysCreatedBefore(clock.instant().minus(age), limit);
    }

    // Reading codes: templates and the review queue ----------------------------------------------

    /** Learned templates a service keeps at most; the least used go first. */
    static final int MAX_LEARNED_PER_SERVICE = 200;

    /**
     * SMS waiting for an operator, oldest first: they reached a live activation and no code was
     * read in them. At most {@code limit} (1 to 500), with ids above {@code afterId}.
     */
    public List<SmsReview> reviewQueue(long afterId, int limit) {
        return store.codes().openReviews(afterId, Math.max(1, Math.min(500, limit)));
    }

    /**
     * An operator marks the code of an SMS under review. It is delivered exactly as a code read
     * from the text would be (status, charge, webhook, live events, compatible APIs), once: the
     * review closes in the same transaction. The SMS's shape is learned as a template of the
     * activation's service and sender.
     */
    public CodeReviewResult markCode(long smsId, String code) {
        String wanted = CodeReader.normalize(code == null ? "" : code).strip().replaceAll("[- ]", "");
        if (!wanted.matches("[0-9A-Za-z]{3,12}")) {
            return new CodeReviewResult.NotInText();
        }
        return review(smsId, Optional.of(wanted));
    }

    /** An operator says an SMS under review holds no code: it leaves the queue, nothing is delivered. */
    public CodeReviewResult dismissSms(long smsId) {
        return review(smsId, Optional.empty());
    }

    private CodeReviewResult review(long smsId, Optional<String> wanted) {
        Instant now = clock.instant();
        record Done(CodeReviewResult refused, Applied applied, AccountId owner, int activationId, boolean learned) {
        }
        Done done = store.transaction(s -> {
            Optional<Integer> activationId = s.codes().activationOfSms(smsId);
            if (activationId.isEmpty()) {
                return new Done(new CodeReviewResult.NotFound(), null, null, 0, false);
            }
            // The activation first, as the intake locks it: a review and an SMS never wait on each other in turn.
            OrdersStore.ActivationRow a = s.activationByIdForUpdate(activationId.get()).orElseThrow();
            CodeStore.ReviewRow row = s.codes().reviewForUpdate(smsId).orElseThrow();
            AccountId owner = new AccountId(a.accountId());
            if (!row.review().equals(Optional.of("open"))) {
                return new Done(new CodeReviewResult.NotOpen(row.review().orElse("none")), null, owner, a.id(), false);
            }
            ActivationStatus status = a.status();
            if (!status.live() || !now.isBefore(a.expiresAt())) {
                return new Done(new CodeReviewResult.ActivationEnded(status.live() ? ActivationStatus.EXPIRED : status), null, owner, a.id(), false);
            }
            if (wanted.isEmpty()) {
                s.codes().closeReview(smsId, Optional.empty(), now);
                return new Done(null, null, owner, a.id(), false);
            }
            String normalized = CodeReader.normalize(row.text());
            Optional<String> code = CodeTemplates.locate(normalized, wanted.get());
            if (code.isEmpty()) {
                return new Done(new CodeReviewResult.NotInText(), null, owner, a.id(), false);
            }
            s.codes().closeReview(smsId, code, now);
            OrdersStore.ActivationRow first = deliverCode(s, a, status, code.get(), row.text());
            boolean learned = learn(s, a.service(), row.sender(), normalized, code.get(), now);
            return new Done(null, new Applied(new SmsIntake.Accepted(a.id(), code), first, a.accountId(), Optional.of(row.text())),
                    owner, a.id(), learned);
        });
        if (done.refused() != null) {
            return done.refused();
        }
        if (done.applied() != null) {
            afterApplied(done.applied());
        }
        if (done.learned()) {
            reloadTemplatesQuietly();
        }
        return new CodeReviewResult.Reviewed(store.activation(done.owner(), done.activationId()).orElseThrow());
    }

    /** Stores the template a confirmed code makes of its SMS, keeping the service's learned ones bounded; true when one was added. */
    private boolean learn(OrdersStore s, String service, String sender, String normalized, String code, Instant now) {
        Optional<String> template = CodeTemplates.learn(normalized, code);
        if (template.isEmpty() || s.codes().insertTemplate(service, sender, template.get(), "learned", now).isEmpty()) {
            return false;
        }
        s.codes().evictLearned(service, MAX_LEARNED_PER_SERVICE);
        return true;
    }

    /** Every template, or one service's, with its hits (as last written down; nodes write theirs every few seconds). */
    public List<CodeTemplate> codeTemplates(Optional<String> service) {
        return store.codes().templates(service);
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
        if (service == null || inventory.service(service).isEmpty()) {
            return new TemplateResult.Invalid("unknown service: " + service);
        }
        String cleanSender = sender == null ? "" : sender.strip();
        if (cleanSender.length() > 64) {
            return new TemplateResult.Invalid("a sender has at most 64 characters");
        }
        String text = template == null ? "" : CodeReader.normalize(template).strip();
        if (CodeTemplates.compile(text).isEmpty()) {
            return new TemplateResult.Invalid("a template is up to " + CodeTemplates.MAX_TEMPLATE_LENGTH
                    + " characters with exactly one {code} or {code:alnum}, and no braces but {code}, {code:alnum}, {n} and {*}");
        }
        Optional<Long> id = store.transaction(s -> s.codes().insertTemplate(service, cleanSender, text, "operator", clock.instant()));
        if (id.isEmpty()) {
            return new TemplateResult.Exists();
        }
        reloadTemplatesQuietly();
        return new TemplateResult.Added(codeTemplates(Optional.of(service)).stream().filter(t -> t.id() == id.get()).findFirst().orElseThrow());
    }

    /** Removes a template (any origin; a shipped one comes back at the next start). False when there is none. */
    public boolean removeCodeTemplate(long id) {
        boolean removed = store.transaction(s -> s.codes().deleteTemplate(id));
        if (removed) {
            reloadTemplatesQuietly();
        }
        return removed;
    }

    /**
     * Writes down this node's template hits and reloads every template: run by the workers every
     * few seconds, so a template added or learned on any node serves all of them.
     */
    public void refreshCodeTemplates() {
        Map<Long, Long> hits = templates.drainHits();
        store.transaction(s -> {
            s.codes().addHits(hits, clock.instant());
            return null;
        });
        templates.load(store.codes().templates(Optional.empty()));
    }

    private void reloadTemplatesQuietly() {
        try {
            templates.load(store.codes().templates(Optional.empty()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "code templates not reloaded; the workers' next refresh will", e);
        }
    }

    /**
     * Loads the templates shipped in {@value CodeTemplates#SHIPPED} (service, sender, template,
     * tab-separated) into the database, where operators see them; rows already there are kept as
     * they are, with their hits. Services not in this catalogue are skipped.
     */
    private void installShippedTemplates() {
        List<CodeTemplate> rows = CodeTemplates.shipped();
        Instant now = clock.instant();
        store.transaction(s -> {
            for (CodeTemplate t : rows) {
                if (inventory.service(t.service()).isPresent() && CodeTemplates.compile(t.template()).isPresent()) {
                    s.codes().insertTemplate(t.service(), t.sender(), t.template(), "shipped", now);
                } else {
                    LOG.warning("shipped code template skipped (unknown service or not a template): "
                            + t.service() + " | " + t.sender() + " | " + t.template());
                }
            }
            return null;
        });
        templates.load(store.codes().templates(Optional.empty()));
    }

    // SMS intake ----------------------------------------------------------------------------------

    /**
     * Wiring: while {@code overloaded} says so, pushed SMS are turned away as when every intake
     * slot is taken (503, try again). {@code Numpool} passes {@link Webhooks#behind}, so a node
     * whose webhooks fall behind stops accepting codes it could not deliver in time, instead of
     * building a backlog that grows for as long as the flood lasts. Polling is never turned away.
     */
    public void shedIntakeWhen(java.util.function.BooleanSupplier overloaded) {
        this.overloaded = overloaded;
    }

    /**
     * Takes in an SMS a provider pushed (its listener), failing fast when the node is saturated:
     * an {@link OrdersException} with reason {@code SATURATED}, thrown before anything was written,
     * which the HTTP intakes answer with 503 and Retry-After.
     */
    public SmsIntake receiveSms(InboundSms sms) {
        if (overloaded.getAsBoolean() || !intake.tryEnter()) {
            throw new OrdersException(OrdersException.Reason.SATURATED, "taking in as many SMS as this node can; try again");
        }
        try {
            return receive(sms);
        } finally {
            intake.exit();
        }
    }

    /**
     * The one intake path for SMS, whether a provider pushed it, a poll found it or the sandbox
     * injected it. The first code of a live activation moves it to code received and posts its
     * hold, in one short transaction that locks only the activation's own row (held money is the
     * sum of open holds, so the post touches no account-wide row); a message seen before is
     * acknowledged and ignored. Nothing after the commit can turn it into a failure.
     */
    private SmsIntake receive(InboundSms sms) {
        Received received = Received.of(sms);
        Applied applied = store.transaction(s -> {
            Optional<OrdersStore.ActivationRow> row = s.activationByProviderRefForUpdate(sms.provider(), sms.providerRef());
            if (row.isEmpty()) {
                // The order that bought this number may not have committed yet: park the SMS for
                // it rather than drop a code; applyParkedSms delivers it once the order committed.
                s.parkSms(sms.provider(), sms.providerRef(), received.dedupeKey(), received.sender(), received.text(), sms.receivedAt());
                return new Applied(new SmsIntake.Parked(), null);
            }
            return apply(s, row.get(), received);
        });
        afterApplied(applied);
        return applied.intake();
    }

    /** An SMS as stored: bounded text and sender, a bounded dedupe key, the code found in it. */
    private record Received(String text, String sender, String dedupeKey, Optional<String> providerCode, Instant receivedAt) {
        static Received of(InboundSms sms) {
            // PostgreSQL text cannot hold NUL, and no control character but line breaks and tabs
            // belongs in an SMS: one provider's odd byte must not make a message unstorable.
            String clean = CONTROL.matcher(sms.text()).replaceAll("");
            String text = clean.length() > MAX_TEXT_LENGTH ? clean.substring(0, MAX_TEXT_LENGTH) : clean;
            String dedupeKey = sms.messageId().length() <= 128 && !CONTROL.matcher(sms.messageId()).find()
                    ? sms.messageId() : sha256Hex(sms.messageId());
            String sender = sms.sender() == null ? "" : CONTROL.matcher(sms.sender()).replaceAll("");
            sender = sender.substring(0, Math.min(64, sender.length()));
            Optional<String> providerCode = sms.providerCode()
                    .map(c -> CodeReader.normalize(c).strip().replaceAll("[- ]", "").toUpperCase(java.util.Locale.ROOT))
                    .filter(c -> c.matches("[0-9A-Z]{4,10}"));
            return new Received(text, sender, dedupeKey, providerCode, sms.receivedAt());
        }
    }

    /** A code as stored with its SMS: the code and how it was read ({@code rules}, {@code template}, {@code provider}). */
    private record Found(String code, String source) {
    }

    /**
     * The code of an SMS on activation {@code a}: read from the text with what the activation
     * tells (its service, the sender); the provider's own reading counts when the text shows no
     * code (an upstream that gives the code but not the text), if it looks like one.
     */
    private Optional<Found> codeOf(OrdersStore.ActivationRow a, String text, String sender, Optional<String> providerCode) {
        return reader.read(text, CodeReader.Context.of(a.service(), sender)).map(r -> new Found(r.code(), r.source()))
                .or(() -> providerCode.map(c -> new Found(c, "provider")));
    }

    /**
     * Delivers parked SMS (those that arrived before their order committed) whose activation
     * exists now, at most {@code limit}; any number of nodes may run it. Returns how many.
     */
    public int applyParkedSms(int limit) {
        List<Applied> applied = store.transaction(s -> {
            List<Applied> done = new ArrayList<>();
            for (OrdersStore.ParkedSms p : s.matchedParkedSmsForUpdate(limit)) {
                OrdersStore.ActivationRow row = s.activationByProviderRefForUpdate(p.provider(), p.providerRef()).orElseThrow();
                done.add(apply(s, row, new Received(p.text(), p.sender(), p.dedupeKey(), Optional.empty(), p.receivedAt())));
                s.deleteParkedSms(p.id());
            }
            return done;
        });
        applied.forEach(this::afterApplied);
        return applied.size();
    }

    /**
     * Applies one SMS to its (locked) activation. It is late, stored but never charged, when the
     * activation ended or its window passed by our clock, even if the expiry worker has not run
     * yet: whether a customer pays must not depend on how far behind a worker is.
     */
    private Applied apply(OrdersStore s, OrdersStore.ActivationRow a, Received sms) {
        ActivationStatus status = a.status();
        boolean live = status.live() && clock.instant().isBefore(a.expiresAt());
        Optional<OrdersStore.OpenPart> head = s.openPart(a.id(), sms.sender(), sms.receivedAt(), PART_WINDOW);
        String text = sms.text();
        Optional<Found> found;
        if (head.isPresent()) {
            // A long SMS arrives in parts (split mid-word, so joined without a separator); the code
            // is looked for in the whole text, which the first part's row shows from now on.
            if (!s.insertSmsPart(a.id(), sms.dedupeKey(), sms.sender(), sms.text(), !live, sms.receivedAt(), head.get().id())) {
                return new Applied(new SmsIntake.Duplicate(a.id()), null);
            }
            String whole = head.get().text() + sms.text();
            text = whole.length() > MAX_TEXT_LENGTH ? whole.substring(0, MAX_TEXT_LENGTH) : whole;
            found = codeOf(a, text, sms.sender(), sms.providerCode());
            s.joinSms(head.get().id(), text, found.map(Found::code), found.map(Found::source), live && found.isEmpty());
        } else {
            found = codeOf(a, text, sms.sender(), sms.providerCode());
            // An SMS on a live activation with no code goes to the operators' review queue.
            if (!s.insertSms(a.id(), sms.dedupeKey(), sms.sender(), text, found.map(Found::code), found.map(Found::source),
                    live && found.isEmpty(), !live, sms.receivedAt())) {
                return new Applied(new SmsIntake.Duplicate(a.id()), null);
            }
        }
        if (!live) {
            return new Applied(new SmsIntake.Late(a.id()), null);
        }
        Optional<String> code = found.map(Found::code);
        OrdersStore.ActivationRow firstCode = code.isPresent() ? deliverCode(s, a, status, code.get(), text) : null;
        return new Applied(new SmsIntake.Accepted(a.id(), code), firstCode, a.accountId(), Optional.of(text));
    }

    /**
     * A code reached a live activation: the first one moves it to code received and posts its
     * hold; any clears a request for another code; each goes out by webhook. Returns the
     * activation when this was its first code (for the provider's delivery rate), else null.
     */
    private OrdersStore.ActivationRow deliverCode(OrdersStore s, OrdersStore.ActivationRow a, ActivationStatus status, String code, String text) {
        OrdersStore.ActivationRow firstCode = null;
        if (status == ActivationStatus.WAITING_CODE) {
            s.setStatus(a.id(), ActivationStatus.CODE_RECEIVED, clock.instant());
            transfers.post(s, new AccountId(a.accountId()), a.holdId(), a.priceMicros(), a.currency(),
                    "activation:" + a.id(), clock.instant());
            firstCode = a;
        }
        if (a.retryRequested()) {
            s.setRetryRequested(a.id(), null); // the other code asked for has come
        }
        webhook(s, a, "activation.code_received", ActivationStatus.CODE_RECEIVED, Optional.of(code), Optional.of(text));
        return firstCode;
    }

    /**
     * An intake's outcome; when it brought an activation its first code, that activation; and
     * the owner and code of an accepted SMS with a code, for live streams.
     */
    private record Applied(SmsIntake intake, OrdersStore.ActivationRow firstCode, long accountId, Optional<String> text) {
        Applied(SmsIntake intake, OrdersStore.ActivationRow firstCode) {
            this(intake, firstCode, 0, Optional.empty());
        }
    }

    /**
     * After commit: count the code, tell live streams, and credit the provider's delivery rate on
     * a first code. Best effort: the SMS is committed, so nothing here may fail the intake.
     */
    private void afterApplied(Applied applied) {
        try {
            announce(applied);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "after-commit work of an SMS failed; the SMS itself is stored", e);
        }
    }

    private void announce(Applied applied) {
        if (applied.intake() instanceof SmsIntake.Accepted accepted && accepted.code().isPresent()) {
            codesReceived.increment();
            events.publish(applied.accountId(), new LiveEvent("code", accepted.activationId(), ActivationStatus.CODE_RECEIVED,
                    accepted.code(), applied.text(), clock.instant()));
        }
        if (applied.firstCode() != null) {
            OrdersStore.ActivationRow a = applied.firstCode();
            try {
                inventory.recordCode(a.provider(), a.service(), a.country(),
                        Duration.between(a.createdAt(), clock.instant()));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "delivery statistics not updated", e);
            }
        }
    }

    /**
     * Injects an SMS into one of the owner's simulated activations, through {@link #receiveSms},
     * as a provider would deliver it (the sandbox's test helper for bot authors).
     */
    public SandboxSms injectSandboxSms(AccountId owner, int activationId, String sender, String text) {
        if (overloaded.getAsBoolean() || !intake.tryEnter()) {
            return new SandboxSms.Busy();
        }
        try {
            Optional<OrdersStore.NumberSource> number = store.numberSource(owner, activationId);
            if (number.isEmpty()) {
                return new SandboxSms.NotFound();
            }
            if (!inventory.isSimulated(number.get().provider())) {
                return new SandboxSms.NotSimulated();
            }
            SmsIntake taken = receive(new InboundSms(number.get().provider(), number.get().providerRef(), sender, text,
                    "sandbox-" + UUID.randomUUID(), clock.instant()));
            return new SandboxSms.Delivered(readBack(owner, activationId), taken);
        } finally {
            intake.exit();
        }
    }

    /** The activation after a committed SMS; empty if it cannot be read now (the SMS stands). */
    private Optional<Activation> readBack(AccountId owner, int activationId) {
        try {
            return store.activation(owner, activationId);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "activation " + activationId + " not read back after its SMS was stored", e);
            return Optional.empty();
        }
    }

    // ----------------------------------------------------------------------------------------------

    private static final com.fasterxml.jackson.databind.ObjectMapper WEBHOOK_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * Writes the webhook deliveries of one event for the activation's owner, in the transaction
     * of the change (see {@link Webhooks}); nothing when the owner has no endpoint.
     */
    private void webhook(OrdersStore s, OrdersStore.ActivationRow a, String type, ActivationStatus status, Optional<String> code, Optional<String> text) {
        Instant now = clock.instant();
        var payload = WEBHOOK_JSON.createObjectNode().put("type", type).put("timestamp", now.toString());
        var data = payload.putObject("data").put("activationId", a.id()).put("service", a.service()).put("country", a.country())
                .put("phone", a.phone()).put("status", status.wire());
        code.ifPresent(c -> data.put("code", c));
        text.ifPresent(t -> data.put("text", t));
        s.enqueueWebhooks(a.accountId(), type, a.id(), payload.toString(),
                "msg_" + UUID.randomUUID().toString().replace("-", "") + "_", now);
    }

    /** Ends a live activation; a waiting one gets its hold voided (the code-received one was posted). */
    private void end(OrdersStore s, OrdersStore.ActivationRow a, ActivationStatus to, Instant now) {
        if (a.status() == ActivationStatus.WAITING_CODE) {
            transfers.release(s, new AccountId(a.accountId()), a.holdId(), a.priceMicros(), "activation:" + a.id(), now);
            refunds.increment();
        }
        s.setStatus(a.id(), to, now);
        s.codes().dropReviews(a.id(), now); // nothing to deliver a code to any more
        webhook(s, a, "activation." + to.wire(), to, Optional.empty(), Optional.empty());
        s.insertUpstreamOp(a, a.status() == ActivationStatus.CODE_RECEIVED
                ? UpstreamKinds.Report.RELEASE_USED : UpstreamKinds.Report.RELEASE_UNUSED, now);
    }

    /**
     * After an activation ended: its status report goes to the provider at once (and, if that
     * fails, from the worker later), and an activation that ended without a code counts against
     * the provider's delivery rate (the code, when it came, counted for it already).
     */
    private void afterEnd(OrdersStore.ActivationRow a, boolean hadCode) {
        if (!hadCode) {
            try {
                inventory.recordNoCode(a.provider(), a.service(), a.country());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "delivery statistics not updated", e);
            }
        }
        upstream.deliverSoon(a.id());
    }

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

    /**
     * Polls each polling provider for the SMS of its live activations that are due (at most
     * {@code limitPerProvider} each, and no more than its request budget), or sweeps the list of
     * live activations of a provider that can list them (see {@link Inventory#sweep}), and takes
     * every SMS through {@link #receiveSms}. Returns how many codes were accepted.
     */
    public int pollProviders(int limitPerProvider) {
        int codes = 0;
        for (String provider : inventory.polledProviders()) {
            try {
                // A provider that lists all its live activations, a page per request, is swept
                // instead (a step a tick, within its request budget): one request answers for a
                // page of activations, so nothing needs claiming. Empty when it cannot list.
                Optional<List<InboundSms>> swept = inventory.sweep(provider);
                if (swept.isPresent()) {
                    codes += takeIn(provider, swept.get());
                    continue;
                }
                // Each activation is due on its own schedule (fast at first, slower later; see
                // claimDuePolls), and a tick claims as many due ones as the provider's request
                // budget allows right now, most overdue first; nodes claim disjoint sets.
                int budget = inventory.pollBudget(provider, limitPerProvider);
                if (budget == 0) {
                    continue;
                }
                List<OrdersStore.LiveRef> page = store.transaction(s -> s.claimDuePolls(provider, clock.instant(), budget));
                inventory.unusedPollBudget(provider, budget - page.size());
                codes += takeIn(provider, inventory.poll(provider, page.stream().map(OrdersStore.LiveRef::providerRef).toList()));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "polling " + provider + " failed; the next tick goes on", e);
            }
        }
        return codes;
    }

    /** Takes polled SMS through {@link #receiveSms}, each on its own; returns how many brought a code. */
    private int takeIn(String provider, List<InboundSms> polled) {
        int codes = 0;
        for (InboundSms sms : polled) {
            intake.enter(); // a poll waits its turn rather than be refused
            try {
                if (receive(sms) instanceof SmsIntake.Accepted a && a.code().isPresent()) {
                    codes++;
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "SMS from " + provider + " for " + sms.providerRef() + " not taken in", e);
            } finally {
                intake.exit();
            }
        }
        return codes;
    }

    private void releaseKeyQuietly(AccountId owner, IdempotencyKey key, Instant lockedUntil) {
        try {
            store.releaseKey(owner, key, lockedUntil);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not free idempotency key; it frees itself when its lock runs out", e);
        }
    }

    private static Optional<Integer> parseCursor(String cursor) {
        if (cursor == null || !cursor.matches("[0-9]{1,10}")) {
            return Optional.empty();
        }
        long value = Long.parseLong(cursor);
        return value > 0 && value <= Integer.MAX_VALUE ? Optional.of((int) value) : Optional.empty();
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
