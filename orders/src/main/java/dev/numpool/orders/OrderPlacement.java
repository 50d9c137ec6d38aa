package dev.numpool.orders;

import dev.numpool.inventory.BuyRequest;
import dev.numpool.inventory.BuyResult;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Mode;
import dev.numpool.inventory.Offer;
import dev.numpool.inventory.Release;
import io.helidon.metrics.api.Counter;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Placing an order, in five round trips, three of them short statements that wait on nothing: the
 * idempotency key is claimed, the account checked, the provider's sale recorded the moment it
 * answers, then the hold, the activation and the stored response are written together
 * ({@code place_order}, V21). A number bought for an order that then fails goes back to its
 * provider; one a dead node left behind is given back by {@link #recoverPurchases}.
 */
final class OrderPlacement {
    private static final Logger LOG = Logger.getLogger(OrderPlacement.class.getName());

    private final Stores stores;
    private final LiveEvents events;
    private final Inventory inventory;
    private final Orders.Settings settings;
    private final Clock clock;
    private final Ledger.Transfers transfers;
    private final UpstreamReports upstream;
    private final Counter ordersPlaced;
    private final ActivationIds activationIds = new ActivationIds();
    private final RetrySafe<PlaceResult> retrySafe;

    OrderPlacement(Stores stores, LiveEvents events, Inventory inventory, Orders.Settings settings, Clock clock, Ledger.Transfers transfers,
                   UpstreamReports upstream, Counter ordersPlaced) {
        this.stores = stores;
        this.events = events;
        this.inventory = inventory;
        this.settings = settings;
        this.clock = clock;
        this.transfers = transfers;
        this.upstream = upstream;
        this.ordersPlaced = ordersPlaced;
        this.retrySafe = new RetrySafe<>(stores, clock, settings.idempotencyLock());
    }


    /**
     * Places an order under an idempotency key. {@code render} turns the new activation into the
     * response stored with the key, in the same transaction as the hold. Outcomes that change
     * nothing (no numbers, price, balance) free the key again so the client may retry with it.
     */
    PlaceResult place(AccountId owner, OrderRequest request, IdempotencyKey key, byte[] fingerprint,
                             Function<Activation, StoredResponse> render) {
        return place(owner, request, key, fingerprint, render, routed(request));
    }

    /**
     * Where an order's number comes from: {@code buy} asks inventory for it in the order's mode, and
     * {@code expectedPrice} says beforehand what it will cost, if anything is known (so a number is not
     * bought for a customer who cannot pay); {@code reuse} when it is the number of an earlier
     * activation again, from the provider that sold it ({@link #reused}), rather than the router's
     * choice ({@link #routed}).
     */
    record Supply(Function<Mode, OptionalLong> expectedPrice, Function<Mode, BuyResult> buy, boolean reuse) {
    }

    /** The router's choice: the best provider with stock for the offer, at the offer's price. */
    private Supply routed(OrderRequest request) {
        return new Supply(mode -> inventory.offers(Optional.of(request.service()), Optional.of(request.country()), mode).stream()
                .mapToLong(Offer::priceMicros).findFirst(),
                mode -> inventory.buy(new BuyRequest(request.service(), request.country(), request.operator(),
                        request.maxPriceMicros(), request.excludedPrefixes(), mode)), false);
    }

    /**
     * The number of an ended activation again, from the provider that sold it (see
     * {@link Inventory#reuse}), at the price it quotes. Asked only once the order's key is claimed,
     * so that a bot's retry is answered the first order rather than "the number is live".
     */
    Supply reused(Inventory.ReuseRequest reuse) {
        Function<Mode, Inventory.ReuseRequest> in = mode -> new Inventory.ReuseRequest(reuse.provider(), reuse.providerRef(), reuse.phone(),
                reuse.service(), reuse.country(), reuse.maxPriceMicros(), mode);
        return new Supply(mode -> inventory.reuseQuote(in.apply(mode)) instanceof Inventory.ReuseQuote.Available a
                ? OptionalLong.of(a.priceMicros()) : OptionalLong.empty(),
                mode -> inventory.reuse(in.apply(mode)), true);
    }

    private PlaceResult place(AccountId owner, OrderRequest request, IdempotencyKey key, byte[] fingerprint,
                              Function<Activation, StoredResponse> render, Supply supply) {
        Instant now = clock.instant();
        // The end of the key's lock also tells this request's claim from a later takeover's, so it
        // is kept at the database's microsecond precision to compare equal when read back.
        Instant lockedUntil = now.plus(settings.idempotencyLock()).truncatedTo(ChronoUnit.MICROS);
        IdempotencyStore.Claim claim = stores.idempotencyKeys().claim(owner, key, fingerprint, now, lockedUntil);
        switch (claim) {
            case IdempotencyStore.Claim.Replay replay -> {
                return new PlaceResult.Replayed(replay.response());
            }
            case IdempotencyStore.Claim.Mismatch mismatch -> {
                return new PlaceResult.KeyReused();
            }
            case IdempotencyStore.Claim.Busy busy -> {
                return new PlaceResult.InProgress();
            }
            case IdempotencyStore.Claim.Owned owned -> {
                return placeOwned(owner, request, key, lockedUntil, render, supply);
            }
        }
    }

    /** An order whose key this request owns: placed, or the key freed again when nothing changed. */
    private PlaceResult placeOwned(AccountId owner, OrderRequest request, IdempotencyKey key, Instant lockedUntil,
                                   Function<Activation, StoredResponse> render, Supply supply) {
        PlaceResult result;
        try {
            result = placeClaimed(owner, request, key, lockedUntil, render, supply);
        } catch (RuntimeException e) {
            releaseKeyQuietly(owner, key, lockedUntil);
            throw e;
        }
        if (!(result instanceof PlaceResult.Placed)) {
            releaseKeyQuietly(owner, key, lockedUntil);
        }
        return result;
    }

    // Retries of the compatible APIs ------------------------------------------------------------------

    /** See {@link Orders#placeRetrySafe}. */
    PlaceResult placeRetrySafe(AccountId owner, OrderRequest request, RetryGuard guard, Function<Activation, StoredResponse> render) {
        return placeRetrySafe(owner, request, guard, render, routed(request), List.of());
    }

    /**
     * As above, for a number from {@code supply}; {@code what} (lines added to the window's key)
     * tells this order from other orders of the same offer: a reuse names the activation whose
     * number it buys again.
     */
    PlaceResult placeRetrySafe(AccountId owner, OrderRequest request, RetryGuard guard, Function<Activation, StoredResponse> render,
                               Supply supply, List<String> what) {
        // An order's offer has four lines (a reuse's six), a rental's five starting with "rent": they never share a window's key.
        List<String> offer = new java.util.ArrayList<>(List.of(request.service().code(), Integer.toString(request.country().id()), request.operator(),
                request.maxPriceMicros().isPresent() ? Long.toString(request.maxPriceMicros().getAsLong()) : "-"));
        offer.addAll(what);
        return retrySafe.buy(owner, guard, offer, new RetrySafe.Purchase<>() {
            @Override
            public PlaceResult withKey(IdempotencyKey key, byte[] fingerprint) {
                return place(owner, request, key, fingerprint, render, supply);
            }

            @Override
            public PlaceResult owned(IdempotencyKey key, Instant lockedUntil) {
                return placeOwned(owner, request, key, lockedUntil, a -> RetrySafe.idOnly(a.id()), supply);
            }

            @Override
            public Optional<PlaceResult> duplicateOf(int id) {
                // A duplicate while the first activation still waits for its code; once a code came
                // or it ended, the bot is buying again.
                return stores.activations().activation(owner, id).filter(a -> a.status() == ActivationStatus.WAITING_CODE)
                        .map(PlaceResult.Duplicate::new);
            }

            @Override
            public boolean inProgress(PlaceResult outcome) {
                return outcome instanceof PlaceResult.InProgress;
            }

            @Override
            public PlaceResult inProgress() {
                return new PlaceResult.InProgress();
            }

            @Override
            public PlaceResult keyReused() {
                return new PlaceResult.KeyReused();
            }
        });
    }

    private PlaceResult placeClaimed(AccountId owner, OrderRequest request, IdempotencyKey key, Instant lockedUntil,
                                     Function<Activation, StoredResponse> render, Supply supply) {
        // Counted before the purchase, not locked: concurrent orders may pass it together and end a
        // few over. It is a brake for runaway bots, not an accounting rule.
        ActivationStore.OrderCheck check = stores.activations().orderCheck(owner, settings.maxLiveActivations());
        if (check.live() >= settings.maxLiveActivations()) {
            return new PlaceResult.TooManyLive(settings.maxLiveActivations());
        }
        // A play-money account's order is a test order: inventory sells it simulated numbers only.
        Mode mode = Mode.of(check.test());
        // Cheap check first, so a number is not bought from a provider for a customer who cannot pay.
        OptionalLong expected = supply.expectedPrice().apply(mode);
        if (expected.isPresent() && check.availableMicros() < expected.getAsLong()
                && request.maxPriceMicros().orElse(Long.MAX_VALUE) >= expected.getAsLong()) {
            return new PlaceResult.InsufficientBalance(check.availableMicros(), expected.getAsLong(), check.debtMicros());
        }
        // Two nodes' providers may hand out the same number; the database refuses the second live
        // sale of it for a service, and the order simply buys again once.
        for (int round = 0; ; round++) {
            BuyResult bought = supply.buy().apply(mode);
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
                        purchase = stores.upstream().insertPurchase(owner, b.lease().provider(), b.lease().providerRef(),
                                clock.instant(), clock.instant().plus(settings.idempotencyLock()));
                    } catch (RuntimeException e) {
                        // Nothing can be recorded (database trouble): give the number back directly.
                        releaseQuietly(b.lease().provider(), b.lease().providerRef());
                        throw e;
                    }
                    Recorded recorded;
                    try {
                        recorded = record(owner, request, b, purchase, key, lockedUntil, render, mode);
                    } catch (RuntimeException e) {
                        giveBack(b, purchase);
                        throw e;
                    }
                    if (recorded.placing() != ActivationStore.Placing.PLACED) {
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
                            Balance now = stores.ledger().balance(owner);
                            return new PlaceResult.InsufficientBalance(now.availableMicros(), b.lease().priceMicros(), now.debtMicros());
                        }
                        case NUMBER_LIVE -> {
                            if (supply.reuse()) {
                                // The number is live here for the service again (another reuse won): nothing to buy.
                                return new PlaceResult.NoNumbers(b.trace());
                            }
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
            boolean owed = stores.transaction(s -> {
                if (!s.upstream().settlePurchase(purchase, UpstreamKinds.Purchase.RELEASED)) {
                    return false;
                }
                s.upstream().insertUpstreamOp(null, b.lease().provider(), b.lease().providerRef(), UpstreamKinds.Report.RELEASE_UNUSED, clock.instant());
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
    int recoverPurchases(int limit) {
        Instant now = clock.instant();
        int recovered = stores.transaction(s -> {
            List<UpstreamStore.ParkedPurchase> abandoned = s.upstream().abandonedPurchasesForUpdate(now, limit);
            for (UpstreamStore.ParkedPurchase p : abandoned) {
                if (s.upstream().settlePurchase(p.id(), UpstreamKinds.Purchase.RELEASED)) {
                    s.upstream().insertUpstreamOp(null, p.provider(), p.providerRef(), UpstreamKinds.Report.RELEASE_UNUSED, now);
                }
            }
            return abandoned.size();
        });
        if (recovered > 0) {
            LOG.warning(recovered + " numbers bought for orders that never committed are being given back");
            upstream.deliverDue(recovered);
        }
        return recovered;
    }

    /**
     * Writes the order in one statement ({@link ActivationStore#placeOrder}): the hold (on the ledger
     * accounts {@link Ledger.Transfers#holdAccounts} names), the activation, the sale recorded and
     * the idempotency key completed with the response, which is rendered first, so the activation's
     * id comes from this node's block of ids rather than from the statement.
     */
    private Recorded record(AccountId owner, OrderRequest request, BuyResult.Bought bought, long purchase,
                               IdempotencyKey key, Instant lockedUntil, Function<Activation, StoredResponse> render, Mode mode) {
        Instant now = clock.instant();
        int id = activationIds.next();
        long price = bought.lease().priceMicros();
        Instant expiresAt = now.plus(settings.window());
        Instant cancellableAt = min(now.plus(settings.earlyCancel()), expiresAt);
        // The new activation is exactly what is written: no need to read it back. (An SMS that
        // beats this statement to the database is parked and applied by applyParkedSms.)
        Activation activation = new Activation(id, owner, request.service().code(), request.country().id(), request.operator(),
                bought.lease().phone(), ActivationStatus.WAITING_CODE, price, inventory.currency(), now, cancellableAt, expiresAt,
                Optional.empty(), false, List.of(), bought.trace(), mode == Mode.TEST);
        StoredResponse response = render.apply(activation);
        LedgerStore.CustomerLedgers ledgers = transfers.holdAccounts(stores, owner);
        ActivationStore.Placing placing = stores.activations().placeOrder(new ActivationStore.NewOrder(id, owner, request, bought.lease().provider(),
                bought.lease().providerRef(), bought.lease().phone(), price, bought.lease().costMicros(), inventory.currency(),
                ledgers.wallet(), ledgers.held(), now, cancellableAt, expiresAt, bought.trace(), purchase, key, lockedUntil, response));
        return new Recorded(placing, activation, response);
    }

    /** What {@link #record} wrote (all of it, or nothing: see {@link ActivationStore.Placing}), and the activation and answer it rendered. */
    private record Recorded(ActivationStore.Placing placing, Activation activation, StoredResponse response) {
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
                ready.addAll(stores.activations().nextActivationIds(block));
                drawnAt = now;
            }
            return ready.removeFirst();
        }
    }

    private void releaseKeyQuietly(AccountId owner, IdempotencyKey key, Instant lockedUntil) {
        try {
            stores.idempotencyKeys().releaseKey(owner, key, lockedUntil);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not free idempotency key; it frees itself when its lock runs out", e);
        }
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
