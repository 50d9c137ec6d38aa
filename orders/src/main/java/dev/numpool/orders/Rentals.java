package dev.numpool.orders;

import dev.numpool.db.ConstraintViolation;
import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Mode;
import dev.numpool.inventory.Service;
import io.helidon.config.Config;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Numbers rented for hours to weeks (issue 18), reached through {@link Orders#rentals()}: renting
 * (idempotent, as orders are), extending, cancelling for a refund, returning early, reading, the
 * SMS a rented number receives, and the worker's charging and ending of rentals.
 *
 * <p>Money moves as it does for activations, through {@link Ledger.Transfers}: each paid period is
 * one hold (wallet → held). A period's hold is posted (held → revenue) once the period has begun
 * and the rental can no longer be refunded: at the end of the refund window, or at the first SMS,
 * whichever comes first, for the first period, and at its start for each later one (the worker's
 * {@link #settleDue}). Cancelling in the refund window, with no SMS yet, voids every hold;
 * returning early posts the current period and voids the periods not begun; expiry posts what is
 * left. Every change locks the rental's row and commits its transfers, its webhooks and the
 * release of its number (through the providers' outbox) together, so a node dying mid-way leaves
 * either all of it or none, and a retried or concurrent change finds the rental already changed.
 */
public final class Rentals {
    private static final Logger LOG = Logger.getLogger(Rentals.class.getName());

    private final Stores stores;
    private final Inventory inventory;
    private final Clock clock;
    private final Ledger.Transfers transfers;
    private final UpstreamReports upstream;
    private final LiveEvents events;
    private final Settings settings;
    private final Duration idempotencyLock;
    private final CodeReader reader;
    private final RetrySafe<RentOutcome> retrySafe;
    private Intake intake;

    /**
     * {@code refund-minutes}: how long after renting a rental may be cancelled for a full refund,
     * as long as no SMS arrived (default 20); {@code max-periods}: the most periods one rental is
     * paid for, extensions included (default 720, a month of hours); {@code max-active}: active
     * rentals per account (default 20).
     */
    public record Settings(Duration refundWindow, int maxPeriods, int maxActive) {
        public static final Settings DEFAULTS = new Settings(Duration.ofMinutes(20), 720, 20);

        public Settings {
            if (refundWindow.isNegative() || maxPeriods < 1 || maxPeriods > 100_000 || maxActive < 1) {
                throw new OrdersException(OrdersException.Reason.BAD_CONFIGURATION,
                        "rentals: refund-minutes not negative, max-periods 1 to 100000, max-active positive");
            }
        }

        public static Settings from(Config config) {
            return new Settings(Duration.ofMinutes(config.get("refund-minutes").asLong().orElse(20L)),
                    config.get("max-periods").asInt().orElse(DEFAULTS.maxPeriods()), config.get("max-active").asInt().orElse(DEFAULTS.maxActive()));
        }
    }

    Rentals(Stores stores, Inventory inventory, Clock clock, Ledger.Transfers transfers, UpstreamReports upstream, LiveEvents events,
            CodeReader reader, Settings settings, Duration idempotencyLock) {
        this.stores = stores;
        this.inventory = inventory;
        this.clock = clock;
        this.transfers = transfers;
        this.upstream = upstream;
        this.events = events;
        this.reader = reader;
        this.settings = settings;
        this.idempotencyLock = idempotencyLock;
        this.retrySafe = new RetrySafe<>(stores, clock, idempotencyLock);
    }

    /** This node's rules for rentals. */
    public Settings settings() {
        return settings;
    }

    /** How long one paid period lasts (the inventory's, {@code inventory.rental-period-minutes}); prices are per period. */
    public Duration period() {
        return inventory.rentalPeriod();
    }

    /** Rental offers (price per period, stock) for a renter of this account's kind: a test account rents simulated numbers. */
    public List<Inventory.RentOffer> offers(AccountId owner, Optional<Service> service, boolean anyService, Optional<Country> country) {
        Optional<String> code = anyService ? Optional.of(Inventory.ANY_SERVICE) : service.map(Service::code);
        return inventory.rentOffers(code, country, Mode.of(stores.accounts().playMoney(owner)));
    }

    // Renting ---------------------------------------------------------------------------------------

    /**
     * Rents a number under an idempotency key, every period held up front. {@code render} turns the
     * new rental into the response stored with the key, in the same transaction as the holds.
     * Outcomes that change nothing free the key again, so the client may retry with it.
     */
    public RentOutcome rent(AccountId owner, RentalRequest request, IdempotencyKey key, byte[] fingerprint, Function<Rental, StoredResponse> render) {
        if (request.periods() > settings.maxPeriods()) {
            return new RentOutcome.TooManyPeriods(settings.maxPeriods());
        }
        Instant now = now();
        Instant lockedUntil = now.plus(idempotencyLock);
        switch (stores.idempotencyKeys().claim(owner, key, fingerprint, now, lockedUntil)) {
            case IdempotencyStore.Claim.Replay replay -> {
                return new RentOutcome.Replayed(replay.response());
            }
            case IdempotencyStore.Claim.Mismatch mismatch -> {
                return new RentOutcome.KeyReused();
            }
            case IdempotencyStore.Claim.Busy busy -> {
                return new RentOutcome.InProgress();
            }
            case IdempotencyStore.Claim.Owned owned -> {
                return rentOwned(owner, request, key, lockedUntil, render);
            }
        }
    }

    /**
     * Rents for a compatible API (sms-activate's {@code getRentNumber}, 5sim's {@code buy/hosting}),
     * whose bots retry a rent that timed out, guarded as their orders are ({@link RetryGuard}, see
     * {@link Orders#placeRetrySafe}): with a client's key the first response again; in the duplicate
     * window, while the first rental is active, {@link RentOutcome.Duplicate}; a retry finding the
     * first request still running waits for its answer. {@code render} is the response stored for
     * an {@code Idempotency-Key} (the window stores the rental's id).
     */
    public RentOutcome rentRetrySafe(AccountId owner, RentalRequest request, RetryGuard guard, Function<Rental, StoredResponse> render) {
        if (request.periods() > settings.maxPeriods()) {
            return new RentOutcome.TooManyPeriods(settings.maxPeriods());
        }
        List<String> offer = List.of("rent", request.serviceCode(), Integer.toString(request.country().id()), Integer.toString(request.periods()),
                request.maxPricePerPeriodMicros().isPresent() ? Long.toString(request.maxPricePerPeriodMicros().getAsLong()) : "-");
        return retrySafe.buy(owner, guard, offer, new RetrySafe.Purchase<>() {
            @Override
            public RentOutcome withKey(IdempotencyKey key, byte[] fingerprint) {
                return rent(owner, request, key, fingerprint, render);
            }

            @Override
            public RentOutcome owned(IdempotencyKey key, Instant lockedUntil) {
                return rentOwned(owner, request, key, lockedUntil, r -> RetrySafe.idOnly(r.id()));
            }

            @Override
            public Optional<RentOutcome> duplicateOf(int id) {
                // A retry while the first rental is active; once it ended, the bot is renting again.
                return stores.rentals().rental(owner, id).filter(r -> r.status() == RentalStatus.ACTIVE).map(RentOutcome.Duplicate::new);
            }

            @Override
            public boolean inProgress(RentOutcome outcome) {
                return outcome instanceof RentOutcome.InProgress;
            }

            @Override
            public RentOutcome inProgress() {
                return new RentOutcome.InProgress();
            }

            @Override
            public RentOutcome keyReused() {
                return new RentOutcome.KeyReused();
            }
        });
    }

    /** A rental whose key this request owns: rented, or the key freed again when nothing changed. */
    private RentOutcome rentOwned(AccountId owner, RentalRequest request, IdempotencyKey key, Instant lockedUntil,
                                  Function<Rental, StoredResponse> render) {
        RentOutcome outcome;
        try {
            outcome = rentClaimed(owner, request, key, lockedUntil, render);
        } catch (RuntimeException e) {
            releaseKeyQuietly(owner, key, lockedUntil);
            throw e;
        }
        if (!(outcome instanceof RentOutcome.Rented)) {
            releaseKeyQuietly(owner, key, lockedUntil);
        }
        return outcome;
    }

    private RentOutcome rentClaimed(AccountId owner, RentalRequest request, IdempotencyKey key, Instant lockedUntil,
                                    Function<Rental, StoredResponse> render) {
        if (stores.rentals().activeCount(owner, settings.maxActive()) >= settings.maxActive()) {
            return new RentOutcome.TooManyActive(settings.maxActive());
        }
        ActivationStore.OrderCheck check = stores.activations().orderCheck(owner, 1);
        Mode mode = Mode.of(check.test());
        Duration period = period();
        // Cheap check first, so that no number is rented for a customer who cannot pay for it.
        Optional<Inventory.RentOffer> offer = inventory.rentOffers(Optional.of(request.serviceCode()), Optional.of(request.country()), mode)
                .stream().findFirst();
        if (offer.isPresent() && request.maxPricePerPeriodMicros().orElse(Long.MAX_VALUE) >= offer.get().priceMicros()) {
            long total = total(offer.get().priceMicros(), request.periods());
            if (check.availableMicros() < total) {
                return new RentOutcome.InsufficientBalance(check.availableMicros(), total, check.debtMicros());
            }
        }
        Instant now = now();
        Instant endsAt = now.plus(period.multipliedBy(request.periods()));
        Inventory.RentResult rented = inventory.rent(new Inventory.RentRequest(request.serviceCode(), request.country(), endsAt,
                request.maxPricePerPeriodMicros(), mode));
        return switch (rented) {
            case Inventory.RentResult.NoNumbers none -> new RentOutcome.NoNumbers();
            case Inventory.RentResult.PriceAboveMax above -> new RentOutcome.PriceAboveMax(above.minimumPriceMicros());
            case Inventory.RentResult.Rented r -> record(owner, request, r.lease(), key, lockedUntil, render, check.test(), now, endsAt);
        };
    }

    /**
     * Writes the rental, a hold per period, the sale recorded and the key's response in one
     * transaction. The provider's sale is recorded first, on its own, so that if this node dies
     * before the commit, {@link Orders#recoverPurchases} gives the number back.
     */
    private RentOutcome record(AccountId owner, RentalRequest request, dev.numpool.inventory.Lease lease, IdempotencyKey key,
                               Instant lockedUntil, Function<Rental, StoredResponse> render, boolean test, Instant now, Instant endsAt) {
        long purchase;
        try {
            purchase = stores.upstream().insertPurchase(owner, lease.provider(), lease.providerRef(), now, now.plus(idempotencyLock));
        } catch (RuntimeException e) {
            releaseQuietly(lease.provider(), lease.providerRef());
            throw e;
        }
        Duration period = period();
        Instant refundableUntil = now.plus(settings.refundWindow());
        long total = total(lease.priceMicros(), request.periods());
        try {
            RentOutcome outcome = stores.transaction(s -> {
                if (!s.upstream().settlePurchase(purchase, UpstreamKinds.Purchase.RECORDED)) {
                    return new RentOutcome.InProgress(); // recovery gave the number back: this request stalled too long
                }
                int id = s.rentals().nextId();
                List<String> references = new ArrayList<>(request.periods());
                for (int seq = 1; seq <= request.periods(); seq++) {
                    references.add("rental:" + id + ":" + seq);
                }
                List<Long> holds = transfers.holds(s, owner, lease.priceMicros(), references, now);
                s.rentals().insertRental(new RentalStore.NewRental(id, owner, request.serviceCode(), request.country().id(), lease.provider(),
                        lease.providerRef(), lease.phone(), period, lease.priceMicros(), lease.costMicros(), inventory.currency(),
                        request.periods(), test, now, refundableUntil, endsAt, dueAt(now, refundableUntil, false)));
                s.rentals().insertPeriods(id, 1, now, period, holds);
                Rental rental = s.rentals().rental(owner, id).orElseThrow();
                StoredResponse response = render.apply(rental);
                if (!s.idempotencyKeys().complete(owner, key, lockedUntil, response)) {
                    throw new KeyTakenOver();
                }
                return new RentOutcome.Rented(rental, response);
            });
            if (!(outcome instanceof RentOutcome.Rented)) {
                giveBack(lease.provider(), lease.providerRef(), purchase);
            }
            return outcome;
        } catch (KeyTakenOver e) {
            giveBack(lease.provider(), lease.providerRef(), purchase);
            return new RentOutcome.InProgress();
        } catch (ConstraintViolation e) {
            giveBack(lease.provider(), lease.providerRef(), purchase);
            if (LedgerStore.noMoney(e)) {
                Balance balance = stores.ledger().balance(owner);
                return new RentOutcome.InsufficientBalance(balance.availableMicros(), total, balance.debtMicros());
            }
            if (e.by(RentalStore.LIVE_NUMBER)) {
                return new RentOutcome.NoNumbers(); // two nodes' simulators handed out one number: nothing was written
            }
            throw e;
        } catch (RuntimeException e) {
            giveBack(lease.provider(), lease.providerRef(), purchase);
            throw e;
        }
    }

    /** The transaction lost its idempotency key to a retry that took it over: roll back, let the retry win. */
    private static final class KeyTakenOver extends RuntimeException {
        KeyTakenOver() {
            super(null, null, false, false);
        }
    }

    /** A number rented for a rental that did not commit goes back to its provider through the outbox. */
    private void giveBack(String provider, String providerRef, long purchase) {
        try {
            boolean owed = stores.transaction(s -> {
                if (!s.upstream().settlePurchase(purchase, UpstreamKinds.Purchase.RELEASED)) {
                    return false;
                }
                s.upstream().insertUpstreamOp(null, provider, providerRef, UpstreamKinds.Report.RELEASE_UNUSED, clock.instant());
                return true;
            });
            if (owed) {
                upstream.deliverSoon(null);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "rented number " + providerRef + " left for recovery", e);
        }
    }

    private void releaseQuietly(String provider, String providerRef) {
        try {
            inventory.release(provider, providerRef, dev.numpool.inventory.Release.NOT_USED);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not give back " + provider + " number " + providerRef, e);
        }
    }

    private void releaseKeyQuietly(AccountId owner, IdempotencyKey key, Instant lockedUntil) {
        try {
            stores.idempotencyKeys().releaseKey(owner, key, lockedUntil);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not free idempotency key; it frees itself when its lock runs out", e);
        }
    }

    // Extending -------------------------------------------------------------------------------------

    /**
     * Pays for {@code periods} more periods (a hold each, each posted when its period begins) and
     * moves the rental's end, under an idempotency key. The provider is asked first whether the
     * number may stay that long (a pool number's own lease may end sooner).
     */
    public ExtendOutcome extend(AccountId owner, int id, int periods, IdempotencyKey key, byte[] fingerprint,
                                Function<Rental, StoredResponse> render) {
        if (periods < 1) {
            throw new IllegalArgumentException("an extension is at least one period");
        }
        if (periods > settings.maxPeriods()) {
            return new ExtendOutcome.TooManyPeriods(settings.maxPeriods());
        }
        Instant now = now();
        Instant lockedUntil = now.plus(idempotencyLock);
        switch (stores.idempotencyKeys().claim(owner, key, fingerprint, now, lockedUntil)) {
            case IdempotencyStore.Claim.Replay replay -> {
                return new ExtendOutcome.Replayed(replay.response());
            }
            case IdempotencyStore.Claim.Mismatch mismatch -> {
                return new ExtendOutcome.KeyReused();
            }
            case IdempotencyStore.Claim.Busy busy -> {
                return new ExtendOutcome.InProgress();
            }
            case IdempotencyStore.Claim.Owned owned -> {
                // go on below
            }
        }
        ExtendOutcome outcome;
        try {
            outcome = extendClaimed(owner, id, periods, key, lockedUntil, render);
        } catch (RuntimeException e) {
            releaseKeyQuietly(owner, key, lockedUntil);
            throw e;
        }
        if (!(outcome instanceof ExtendOutcome.Extended)) {
            releaseKeyQuietly(owner, key, lockedUntil);
        }
        return outcome;
    }

    /** Extends without an idempotency key (sms-activate's {@code continueRentNumber}: each call extends). */
    public ExtendOutcome extend(AccountId owner, int id, int periods) {
        if (periods < 1) {
            throw new IllegalArgumentException("an extension is at least one period");
        }
        if (periods > settings.maxPeriods()) {
            return new ExtendOutcome.TooManyPeriods(settings.maxPeriods());
        }
        return extendClaimed(owner, id, periods, null, null, r -> null);
    }

    private ExtendOutcome extendClaimed(AccountId owner, int id, int periods, IdempotencyKey key, Instant lockedUntil,
                                        Function<Rental, StoredResponse> render) {
        Optional<Rental> current = stores.rentals().rental(owner, id);
        if (current.isEmpty()) {
            return new ExtendOutcome.NotFound();
        }
        Rental r = current.get();
        if (r.status() != RentalStatus.ACTIVE || !now().isBefore(r.endsAt())) {
            return new ExtendOutcome.AlreadyEnded(endedStatus(owner, id));
        }
        if ((long) r.periods() + periods > settings.maxPeriods()) {
            return new ExtendOutcome.TooManyPeriods(settings.maxPeriods());
        }
        long total = total(r.periodPriceMicros(), periods);
        Balance before = stores.ledger().balance(owner);
        if (before.availableMicros() < total) {
            return new ExtendOutcome.InsufficientBalance(before.availableMicros(), total, before.debtMicros());
        }
        Instant newEnd = r.endsAt().plus(r.period().multipliedBy(periods));
        RentalStore.RentalRow row = stores.rentals().row(owner, id).orElseThrow();
        switch (inventory.extendRental(row.provider(), row.providerRef(), newEnd)) {
            case CONFIRMED -> {
                // go on below
            }
            case REFUSED -> {
                return new ExtendOutcome.NotExtendable("the provider cannot keep this number until " + newEnd);
            }
            case UNAVAILABLE -> {
                return new ExtendOutcome.TryAgain();
            }
        }
        try {
            return stores.transaction(s -> {
                RentalStore.RentalRow locked = s.rentals().rentalForUpdate(owner, id).orElseThrow();
                Instant now = now();
                if (locked.status() != RentalStatus.ACTIVE || !now.isBefore(locked.endsAt())) {
                    return new ExtendOutcome.AlreadyEnded(locked.status() == RentalStatus.ACTIVE ? RentalStatus.EXPIRED : locked.status());
                }
                if ((long) locked.periods() + periods > settings.maxPeriods()) {
                    return new ExtendOutcome.TooManyPeriods(settings.maxPeriods());
                }
                // Another extension may have committed meanwhile: the new periods follow whatever the end is now.
                Instant end = locked.endsAt().plus(locked.period().multipliedBy(periods));
                List<String> references = new ArrayList<>(periods);
                for (int seq = locked.periods() + 1; seq <= locked.periods() + periods; seq++) {
                    references.add("rental:" + id + ":" + seq);
                }
                List<Long> holds = transfers.holds(s, owner, locked.periodPriceMicros(), references, now);
                s.rentals().insertPeriods(id, locked.periods() + 1, locked.endsAt(), locked.period(), holds);
                s.rentals().extend(id, locked.periods() + periods, end);
                s.rentals().setNextChargeAt(id, nextCharge(s, locked, now));
                Rental rental = s.rentals().rental(owner, id).orElseThrow();
                StoredResponse response = render.apply(rental);
                if (key != null && !s.idempotencyKeys().complete(owner, key, lockedUntil, response)) {
                    throw new KeyTakenOver();
                }
                return new ExtendOutcome.Extended(rental, response);
            });
        } catch (KeyTakenOver e) {
            return new ExtendOutcome.InProgress();
        } catch (ConstraintViolation e) {
            if (!LedgerStore.noMoney(e)) {
                throw e;
            }
            Balance balance = stores.ledger().balance(owner);
            return new ExtendOutcome.InsufficientBalance(balance.availableMicros(), total, balance.debtMicros());
        }
    }

    /** The status a rental that is over shows: its own, or expired when its time ran out and the worker has not ended it yet. */
    private RentalStatus endedStatus(AccountId owner, int id) {
        return stores.rentals().rental(owner, id).map(r -> r.status() == RentalStatus.ACTIVE ? RentalStatus.EXPIRED : r.status())
                .orElse(RentalStatus.EXPIRED);
    }

    // Cancel and return -----------------------------------------------------------------------------

    /**
     * Cancels a rental for a full refund: only within the refund window ({@code refund-minutes}
     * after renting) and only if no SMS has arrived. Every hold is voided; the number goes back.
     */
    public RentalChange cancel(AccountId owner, int id) {
        return change(owner, id, (s, r, now) -> {
            if (!now.isBefore(r.refundableUntil())) {
                return Optional.of(new RentalChange.RefundWindowClosed(r.refundableUntil()));
            }
            if (s.rentals().hasSms(r.id())) {
                return Optional.of(new RentalChange.SmsAlreadyReceived());
            }
            for (RentalStore.OpenPeriod p : s.rentals().openPeriods(r.id())) {
                transfers.release(s, r.owner(), p.holdId(), r.periodPriceMicros(), reference(r, p), now);
            }
            end(s, r, RentalStatus.CANCELLED, now);
            return Optional.empty();
        });
    }

    /**
     * Returns a rental early: the current period is paid (posted) whatever time is left of it, the
     * periods not begun are refunded (voided), and the number is released.
     */
    public RentalChange finish(AccountId owner, int id) {
        return change(owner, id, (s, r, now) -> {
            for (RentalStore.OpenPeriod p : s.rentals().openPeriods(r.id())) {
                if (p.startsAt().isAfter(now)) {
                    transfers.release(s, r.owner(), p.holdId(), r.periodPriceMicros(), reference(r, p), now);
                } else {
                    transfers.post(s, r.owner(), p.holdId(), r.periodPriceMicros(), r.currency(), reference(r, p), now);
                }
            }
            end(s, r, RentalStatus.FINISHED, now);
            return Optional.empty();
        });
    }

    /** One change of an active rental, inside its transaction: a refusal, or the change written and empty. */
    @FunctionalInterface
    private interface Change {
        Optional<RentalChange> apply(Stores s, RentalStore.RentalRow r, Instant now);
    }

    private RentalChange change(AccountId owner, int id, Change change) {
        Instant now = now();
        record Outcome(RentalChange change, RentalStore.RentalRow ended) {
        }
        Outcome outcome = stores.transaction(s -> {
            Optional<RentalStore.RentalRow> row = s.rentals().rentalForUpdate(owner, id);
            if (row.isEmpty()) {
                return new Outcome(new RentalChange.NotFound(), null);
            }
            RentalStore.RentalRow r = row.get();
            if (r.status() != RentalStatus.ACTIVE) {
                return new Outcome(new RentalChange.AlreadyEnded(r.status()), null);
            }
            if (!now.isBefore(r.endsAt())) {
                // Its time ran out and the worker has not got to it: end it here, as the worker would.
                expire(s, r, now);
                return new Outcome(new RentalChange.AlreadyEnded(RentalStatus.EXPIRED), r);
            }
            Optional<RentalChange> refused = change.apply(s, r, now);
            return refused.map(x -> new Outcome(x, null))
                    .orElseGet(() -> new Outcome(new RentalChange.Changed(s.rentals().rental(owner, id).orElseThrow()), r));
        });
        if (outcome.ended() != null) {
            afterEnd(outcome.ended());
        }
        return outcome.change();
    }

    /**
     * Ends a rental in the caller's transaction: its number goes back through the providers'
     * outbox (paid, or not when cancelled), and its webhook is queued.
     */
    private void end(Stores s, RentalStore.RentalRow r, RentalStatus to, Instant now) {
        s.rentals().end(r.id(), to, now);
        s.upstream().insertUpstreamOp(null, r.provider(), r.providerRef(),
                to == RentalStatus.CANCELLED ? UpstreamKinds.Report.RELEASE_UNUSED : UpstreamKinds.Report.RELEASE_USED, now);
        Webhooks.queueRentalEvent(s, r, "rental." + to.wire(), to, Optional.empty(), clock.instant());
    }

    /** Ends a rental whose time ran out: every period has begun, so every open hold is posted. */
    private void expire(Stores s, RentalStore.RentalRow r, Instant now) {
        for (RentalStore.OpenPeriod p : s.rentals().openPeriods(r.id())) {
            transfers.post(s, r.owner(), p.holdId(), r.periodPriceMicros(), r.currency(), reference(r, p), now);
        }
        end(s, r, RentalStatus.EXPIRED, now);
    }

    private void afterEnd(RentalStore.RentalRow r) {
        upstream.deliverSoon(null);
        events.publishRental(r.accountId(), r.id(), "status", endedStatusOf(r), Optional.empty(), clock.instant());
    }

    private RentalStatus endedStatusOf(RentalStore.RentalRow r) {
        return stores.rentals().rental(r.owner(), r.id()).map(Rental::status).orElse(RentalStatus.EXPIRED);
    }

    // The worker ------------------------------------------------------------------------------------

    /**
     * Charges the held periods that fell due (their period began, past the refund window) and ends
     * the rentals whose time ran out, posting what is left and releasing their numbers; at most
     * {@code limit} rentals a call, claimed with {@code SKIP LOCKED}, so any number of nodes may run
     * it at once. Each rental's change commits with its transfers and its release, so a node
     * killed mid-way leaves a rental either charged and ended or untouched, never charged twice:
     * a hold resolves once, by the database's own rule. Returns how many rentals it changed.
     */
    public int settleDue(int limit) {
        Instant now = now();
        List<RentalStore.RentalRow> ended = new ArrayList<>();
        int changed = stores.transaction(s -> {
            List<RentalStore.RentalRow> due = s.rentals().dueForUpdate(now, Math.max(1, Math.min(1000, limit)));
            for (RentalStore.RentalRow r : due) {
                if (!now.isBefore(r.endsAt())) {
                    expire(s, r, now);
                    ended.add(r);
                } else {
                    chargeBegun(s, r, now, s.rentals().hasSms(r.id()));
                }
            }
            return due.size();
        });
        ended.forEach(this::afterEnd);
        return changed;
    }

    /**
     * Posts the holds of the periods that have begun, when the rental can no longer be refunded
     * (its window closed, or an SMS came), and sets when the next one falls due.
     */
    private void chargeBegun(Stores s, RentalStore.RentalRow r, Instant now, boolean smsArrived) {
        boolean refundable = now.isBefore(r.refundableUntil()) && !smsArrived;
        if (!refundable) {
            for (RentalStore.OpenPeriod p : s.rentals().openPeriods(r.id())) {
                if (!p.startsAt().isAfter(now)) {
                    transfers.post(s, r.owner(), p.holdId(), r.periodPriceMicros(), r.currency(), reference(r, p), now);
                }
            }
        }
        s.rentals().setNextChargeAt(r.id(), nextCharge(s, r, now, smsArrived));
    }

    private Optional<Instant> nextCharge(Stores s, RentalStore.RentalRow r, Instant now) {
        return nextCharge(s, r, now, s.rentals().hasSms(r.id()));
    }

    /** When the first still-open hold falls due: its period's start, but not before the refund window closes unless an SMS came. */
    private Optional<Instant> nextCharge(Stores s, RentalStore.RentalRow r, Instant now, boolean smsArrived) {
        return s.rentals().openPeriods(r.id()).stream().findFirst().map(p -> dueAt(p.startsAt(), r.refundableUntil(), smsArrived));
    }

    private static Instant dueAt(Instant startsAt, Instant refundableUntil, boolean smsArrived) {
        return smsArrived || startsAt.isAfter(refundableUntil) ? startsAt : refundableUntil;
    }

    private static String reference(RentalStore.RentalRow r, RentalStore.OpenPeriod p) {
        return "rental:" + r.id() + ":" + p.seq();
    }

    // SMS -------------------------------------------------------------------------------------------

    /**
     * An SMS for a rented number, inside intake's transaction with the rental locked: stored (once,
     * by its dedupe key) with the code read in it; while the rental is active it is delivered (a
     * {@code rental.sms_received} webhook, a live event after the commit) and, being the first,
     * ends the refund window: the periods begun are charged. After the rental ended it is kept as
     * late and shown nowhere.
     */
    Intake.Applied applySms(Stores s, RentalStore.RentalRow r, String dedupeKey, String sender, String text, Optional<String> providerCode,
                            Instant receivedAt) {
        Instant now = now();
        boolean live = r.status() == RentalStatus.ACTIVE && now.isBefore(r.endsAt());
        Optional<String> code = reader.read(text, (r.service().equals(Inventory.ANY_SERVICE) ? CodeReader.Context.NONE
                        : CodeReader.Context.of(r.service(), sender)).to(r.phone())).map(CodeReader.Reading::code).or(() -> providerCode);
        boolean first = live && !s.rentals().hasSms(r.id());
        Optional<Long> smsId = s.rentals().insertSms(r.id(), dedupeKey, sender, text, code, !live, receivedAt);
        if (smsId.isEmpty()) {
            return new Intake.Applied(new SmsIntake.Duplicate(r.id()), null);
        }
        if (!live) {
            return new Intake.Applied(new SmsIntake.Late(r.id()), null);
        }
        if (first) {
            chargeBegun(s, r, now, true);
        }
        Webhooks.queueRentalEvent(s, r, "rental.sms_received", RentalStatus.ACTIVE,
                Optional.of(new Rental.Message(smsId.get(), sender, text, code, receivedAt)), clock.instant());
        return Intake.Applied.rental(new SmsIntake.Accepted(r.id(), code), r.accountId(), text);
    }

    /** What happened to an SMS injected into a rental through the sandbox. */
    public sealed interface SandboxSms {
        /** Went through the provider intake path; the rental as it is now. */
        record Delivered(Rental rental, SmsIntake intake) implements SandboxSms {
        }

        /**
         * Handed to the simulated upstream that rented out the number (see {@link SandboxRelay}),
         * which delivers it as its protocol does; the rental as it is now, and whether it shows
         * the SMS yet (it will, at the upstream's next poll).
         */
        record Relayed(String upstream, Rental rental, boolean arrived) implements SandboxSms {
        }

        record NotFound() implements SandboxSms {
        }

        /** The node is taking in as many SMS as it can; nothing was written, try again in a moment. */
        record Busy() implements SandboxSms {
        }

        /** The rental's number is real, not simulated: nothing may be injected into it. */
        record NotSimulated() implements SandboxSms {
        }
    }

    /**
     * Injects an SMS into one of the owner's rentals of a simulated number (the sandbox's test
     * helper for bot authors): through the simulated upstream that rented it out, if one did, or
     * else through the same intake as a provider's push.
     */
    public SandboxSms injectSandboxSms(AccountId owner, int id, String sender, String text) {
        Optional<RentalStore.RentalRow> row = stores.rentals().row(owner, id);
        if (row.isEmpty()) {
            return new SandboxSms.NotFound();
        }
        if (!inventory.isSimulated(row.get().provider())) {
            return new SandboxSms.NotSimulated();
        }
        int shown = stores.rentals().rental(owner, id).map(r -> r.messages().size()).orElse(0);
        if (intake.relayToUpstream(row.get().provider(), row.get().providerRef(), sender, text,
                () -> stores.rentals().rental(owner, id).map(r -> r.messages().size() > shown).orElse(false))) {
            Rental now = stores.rentals().rental(owner, id).orElseThrow();
            return new SandboxSms.Relayed(row.get().provider(), now, now.messages().size() > shown);
        }
        Optional<SmsIntake> taken = intake.receiveIfFree(new dev.numpool.inventory.InboundSms(row.get().provider(), row.get().providerRef(),
                sender, text, "sandbox-" + java.util.UUID.randomUUID(), clock.instant()));
        if (taken.isEmpty()) {
            return new SandboxSms.Busy();
        }
        return new SandboxSms.Delivered(stores.rentals().rental(owner, id).orElseThrow(), taken.get());
    }

    /** Wiring: the intake every SMS goes through ({@link Orders} builds both). */
    void intake(Intake intake) {
        this.intake = intake;
    }

    // Live streams ----------------------------------------------------------------------------------

    /**
     * A live stream of the owner's rental events, of one rental or of all; open it before reading
     * the current state, so nothing falls between the two. Empty when the owner already holds as
     * many streams on this node as it may (activations' and rentals' together).
     */
    public Optional<Follow> follow(AccountId owner, Optional<Integer> rentalId) {
        return events.open(owner.value()).map(stream -> new Follow(stream, rentalId));
    }

    /** One client's live stream of rental events. */
    public static final class Follow implements AutoCloseable {
        private final LiveEvents.Stream stream;
        private final Optional<Integer> rentalId;

        private Follow(LiveEvents.Stream stream, Optional<Integer> rentalId) {
            this.stream = stream;
            this.rentalId = rentalId;
        }

        /** The next event, waiting at most {@code wait}; empty on timeout. Throws {@link IllegalStateException} when the client fell too far behind. */
        public Optional<RentalEvent> next(Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                Optional<RentalEvent> e = stream.nextRental(Duration.ofNanos(left));
                if (e.isPresent() && rentalId.map(id -> id == e.get().rentalId()).orElse(true)) {
                    return e;
                }
            }
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    // Reading ---------------------------------------------------------------------------------------

    /** The owner's rental with its SMS; empty for unknown ids and other accounts' ids alike. */
    public Optional<Rental> rental(AccountId owner, int id) {
        return stores.rentals().rental(owner, id);
    }

    /** The owner's rentals, newest first, a page at a time; {@code cursor} is the previous page's {@code nextCursor}. */
    public Page<Rental> rentals(AccountId owner, Optional<RentalStatus> status, int limit, Optional<String> cursor) {
        int bounded = Math.max(1, Math.min(100, limit));
        Optional<Integer> before = cursor.filter(Orders::validCursor).map(Integer::parseInt);
        List<Rental> items = stores.rentals().rentals(owner, status, before, bounded + 1);
        Optional<String> next = items.size() > bounded ? Optional.of(String.valueOf(items.get(bounded - 1).id())) : Optional.empty();
        return new Page<>(items.subList(0, Math.min(items.size(), bounded)), next);
    }

    /** Every period's price for {@code periods} periods; more than any wallet holds when it would overflow. */
    private static long total(long pricePerPeriodMicros, int periods) {
        try {
            return Math.multiplyExact(pricePerPeriodMicros, (long) periods);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Instants as the database keeps them (microseconds), so that what is written reads back equal. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
