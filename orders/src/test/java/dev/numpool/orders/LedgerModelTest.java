package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ledger against a model a person can check by hand: random chains of top-ups (paid, or told
 * about out of order), purchases, codes, cancellations, expiry, refunds, disputes, replayed
 * Stripe events and re-run workers, and rentals (rented for 1 to 4 periods, extended, sent SMS,
 * cancelled, returned, charged and ended by their worker), on three accounts per chain, through the real doors on a real
 * PostgreSQL and a fake Stripe. After every step each account's available, held and owed amounts
 * equal the model's and no owed account has money to spend; after every chain the whole ledger
 * sums to zero per currency, no customer account is below zero, no hold resolved twice, and every
 * cached balance equals its transfers.
 */
class LedgerModelTest {
    /** At least this many steps in all, across the tries (the issue asks for 10,000). */
    static final int STEPS = 10_000;
    static final int TRIES = 20;

    private static Database db;
    private static TestClock clock;
    private static Marketplace market;
    private static FakeStripe stripe;
    private static Topups topups;
    private static final AtomicLong steps = new AtomicLong();

    @BeforeContainer
    static void start() {
        db = TestServers.freshDatabase();
        clock = new TestClock(Instant.parse("2026-07-01T08:00:00Z"));
        // Every chain rents; enough simulated numbers to rent that stock never decides a step.
        market = Marketplace.open(db, clock, Map.of("simulator.rent-stock", "100000"));
        stripe = new FakeStripe();
        topups = Topups.create(db, new Topups.Settings(10_000, 1_000_000_000, "https://numpool.example/balance",
                java.util.Optional.of(stripe.apiBase()), Duration.ofSeconds(5)),
                Map.of("STRIPE_SECRET_KEY", FakeStripe.SECRET_KEY, "STRIPE_WEBHOOK_SECRET", FakeStripe.WEBHOOK_SECRET), clock);
    }

    @AfterContainer
    static void stop() {
        try {
            assertTrue(steps.get() >= STEPS, "only " + steps.get() + " steps ran");
        } finally {
            stripe.close();
            market.close();
            db.close();
        }
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF, afterFailure = net.jqwik.api.AfterFailureMode.RANDOM_SEED)
    void theLedgerAgreesWithTheModel(@ForAll("chains") ActionChain<World> chain) {
        chain.withInvariant("balances equal the model's", World::checkBalances).run();
        World.checkWholeLedger();
    }

    @Provide
    Arbitrary<ActionChain<World>> chains() {
        return ActionChain.startWith(World::new)
                .withAction(3, independent(Arbitraries.integers().between(0, 2), Arbitraries.longs().between(1, 300_00),
                        (w, a, cents) -> w.startTopUp(a, cents * 10_000), "start top-up"))
                .withAction(3, dependent(w -> Arbitraries.of(w.topupIds()), World::payTopUp, "pay top-up", w -> !w.topups.isEmpty()))
                .withAction(6, independent(Arbitraries.integers().between(0, 2), World::buy, "buy"))
                .withAction(4, dependent(w -> Arbitraries.of(w.liveIds()), World::code, "code", w -> !w.liveIds().isEmpty()))
                .withAction(3, dependent(w -> Arbitraries.of(w.liveIds()), World::cancel, "cancel", w -> !w.liveIds().isEmpty()))
                .withAction(1, dependent(w -> Arbitraries.of(w.liveIds()), World::finish, "finish", w -> !w.liveIds().isEmpty()))
                .withAction(2, independent(Arbitraries.integers().between(1, 25), (w, minutes) -> w.timePasses(minutes), "time passes, expiry runs"))
                .withAction(2, dependent(w -> Arbitraries.of(w.topupIds()).flatMap(t -> Arbitraries.integers().between(0, 100)
                        .map(percent -> new long[]{t, percent})), (w, p) -> w.refund(p[0], (int) p[1]), "refund", w -> !w.topups.isEmpty()))
                .withAction(1, dependent(w -> Arbitraries.of(w.topupIds()).flatMap(t -> Arbitraries.of("needs_response", "under_review", "warning_needs_response", "won", "lost", "warning_closed")
                        .map(status -> new Object[]{t, status})), (w, p) -> w.dispute((Long) p[0], (String) p[1]), "dispute", w -> !w.topups.isEmpty()))
                .withAction(2, dependent(w -> Arbitraries.of(List.copyOf(w.sent)), World::replay, "replay an event", w -> !w.sent.isEmpty()))
                .withAction(1, independent(Arbitraries.just(0), (w, ignored) -> w.workersAgain(), "workers run again"))
                .withAction(3, independent(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(1, 4), World::rent, "rent"))
                .withAction(3, dependent(w -> Arbitraries.of(w.rentalIds()), World::rentalSms, "rental SMS", w -> !w.rentals.isEmpty()))
                .withAction(2, dependent(w -> Arbitraries.of(w.rentalIds()).flatMap(id -> Arbitraries.integers().between(1, 3)
                        .map(n -> new int[]{id, n})), (w, p) -> w.extend(p[0], p[1]), "extend", w -> !w.rentals.isEmpty()))
                .withAction(2, dependent(w -> Arbitraries.of(w.rentalIds()), World::cancelRental, "cancel rental", w -> !w.rentals.isEmpty()))
                .withAction(1, dependent(w -> Arbitraries.of(w.rentalIds()), World::returnRental, "return rental", w -> !w.rentals.isEmpty()))
                .withMaxTransformations(STEPS / TRIES);
    }

    static final Set<String> CLOSED = Set.of("won", "lost", "warning_closed");

    /** The state of one chain: three new accounts, and what the model says they should have. */
    static final class World {
        final List<AccountId> accounts = new ArrayList<>();
        final List<long[]> model = new ArrayList<>(); // {available, held, debt} per account
        final Map<Integer, Live> live = new HashMap<>();
        final Map<Long, Topup> topups = new HashMap<>();
        final List<String> sent = new ArrayList<>();
        final Map<Integer, Rented> rentals = new HashMap<>();

        /** An active rental as the model tracks it: each paid period's start, and whether its hold is still held. */
        static final class Rented {
            final int account;
            final long price;
            final Instant refundableUntil;
            final List<Instant> starts = new ArrayList<>();
            final List<Boolean> held = new ArrayList<>();
            Instant endsAt;
            boolean sms;

            Rented(int account, long price, Instant refundableUntil) {
                this.account = account;
                this.price = price;
                this.refundableUntil = refundableUntil;
            }
        }

        List<Integer> rentalIds() {
            return List.copyOf(rentals.keySet());
        }

        void rent(int account, int periods) {
            AccountId owner = accounts.get(account);
            RentOutcome outcome = market.orders().rentals().rent(owner, new RentalRequest(java.util.Optional.empty(),
                            market.inventory().country(0).orElseThrow(), periods, java.util.OptionalLong.empty()),
                    new IdempotencyKey("rent-" + java.util.UUID.randomUUID()), new byte[32], r -> new StoredResponse(201, new byte[0]));
            long[] m = model.get(account);
            switch (outcome) {
                case RentOutcome.Rented rented -> {
                    Rental r = rented.rental();
                    long total = r.periodPriceMicros() * periods;
                    assertTrue(m[0] >= total, "rented with " + m[0] + " available for " + total);
                    m[0] -= total;
                    m[1] += total;
                    Rented model = new Rented(account, r.periodPriceMicros(), r.refundableUntil());
                    for (int i = 0; i < periods; i++) {
                        model.starts.add(r.createdAt().plus(r.period().multipliedBy(i)));
                        model.held.add(true);
                    }
                    model.endsAt = r.endsAt();
                    rentals.put(r.id(), model);
                }
                case RentOutcome.InsufficientBalance poor -> assertTrue(m[0] < poor.priceMicros(), "refused with " + m[0] + " for " + poor.priceMicros());
                default -> throw new AssertionError("unexpected " + outcome);
            }
        }

        void rentalSms(int id) {
            Rented r = rentals.get(id);
            var delivered = assertInstanceOf(Rentals.SandboxSms.Delivered.class,
                    market.orders().rentals().injectSandboxSms(accounts.get(r.account), id, "Bank", "Your code is " + (100000 + id)));
            assertInstanceOf(SmsIntake.Accepted.class, delivered.intake());
            if (!r.sms) {
                r.sms = true;
                chargeBegun(r); // the first SMS ends the refund window
            }
        }

        void extend(int id, int periods) {
            Rented r = rentals.get(id);
            long[] m = model.get(r.account);
            ExtendOutcome outcome = market.orders().rentals().extend(accounts.get(r.account), id, periods,
                    new IdempotencyKey("extend-" + java.util.UUID.randomUUID()), new byte[32], x -> new StoredResponse(200, new byte[0]));
            switch (outcome) {
                case ExtendOutcome.Extended extended -> {
                    assertTrue(m[0] >= r.price * periods);
                    m[0] -= r.price * periods;
                    m[1] += r.price * periods;
                    Duration length = extended.rental().period();
                    for (int i = 0; i < periods; i++) {
                        r.starts.add(r.endsAt.plus(length.multipliedBy(i)));
                        r.held.add(true);
                    }
                    r.endsAt = extended.rental().endsAt();
                }
                case ExtendOutcome.InsufficientBalance poor -> assertTrue(m[0] < poor.priceMicros());
                default -> throw new AssertionError("unexpected " + outcome);
            }
        }

        void cancelRental(int id) {
            Rented r = rentals.get(id);
            RentalChange change = market.orders().rentals().cancel(accounts.get(r.account), id);
            if (!clock.instant().isBefore(r.refundableUntil)) {
                assertInstanceOf(RentalChange.RefundWindowClosed.class, change);
            } else if (r.sms) {
                assertInstanceOf(RentalChange.SmsAlreadyReceived.class, change);
            } else {
                assertInstanceOf(RentalChange.Changed.class, change);
                for (int i = 0; i < r.held.size(); i++) {
                    if (r.held.get(i)) {
                        model.get(r.account)[1] -= r.price;
                        credit(r.account, r.price);
                    }
                }
                rentals.remove(id);
            }
        }

        void returnRental(int id) {
            Rented r = rentals.get(id);
            assertInstanceOf(RentalChange.Changed.class, market.orders().rentals().finish(accounts.get(r.account), id));
            for (int i = 0; i < r.held.size(); i++) {
                if (r.held.get(i)) {
                    model.get(r.account)[1] -= r.price;
                    if (r.starts.get(i).isAfter(clock.instant())) {
                        credit(r.account, r.price); // not begun: refunded
                    }
                }
            }
            rentals.remove(id);
        }

        /** Posts the held periods that began, once the rental can no longer be refunded. */
        private void chargeBegun(Rented r) {
            if (clock.instant().isBefore(r.refundableUntil) && !r.sms) {
                return;
            }
            for (int i = 0; i < r.held.size(); i++) {
                if (r.held.get(i) && !r.starts.get(i).isAfter(clock.instant())) {
                    r.held.set(i, false);
                    model.get(r.account)[1] -= r.price;
                }
            }
        }

        /** An activation the model tracks while it is live. */
        record Live(int account, long price, boolean coded, Instant expiresAt, Instant cancellableAt) {
        }

        /** A top-up: its amount, whether paid, the largest refund total and dispute state told so far. */
        static final class Topup {
            final int account;
            final long amount;
            boolean paid;
            long refunded;
            long pendingRefund;
            String disputeStatus;
            long disputeTaken;

            Topup(int account, long amount) {
                this.account = account;
                this.amount = amount;
            }
        }

        World() {
            for (int i = 0; i < 3; i++) {
                accounts.add(market.accounts().createSandboxAccount("model").owner());
                model.add(new long[]{Accounts.SANDBOX_CREDIT_MICROS, 0, 0});
            }
        }

        List<Long> topupIds() {
            return List.copyOf(topups.keySet());
        }

        List<Integer> liveIds() {
            return List.copyOf(live.keySet());
        }

        void startTopUp(int account, long micros) {
            var created = assertInstanceOf(Topups.StartResult.Created.class, LedgerModelTest.topups.start(accounts.get(account), micros));
            topups.put(created.topup().id(), new Topup(account, micros));
        }

        void payTopUp(long id) {
            Topup t = topups.get(id);
            deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi(id), t.amount / 10_000, clock.instant()));
            if (!t.paid) {
                t.paid = true;
                credit(t.account, t.amount);
                if (t.pendingRefund > t.refunded) {
                    takeBack(t.account, t.pendingRefund - t.refunded);
                    t.refunded = t.pendingRefund;
                }
                applyDispute(t);
            }
        }

        void refund(long id, int percent) {
            Topup t = topups.get(id);
            long totalCents = t.amount / 10_000 * percent / 100;
            deliver(FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi(id), t.amount / 10_000, totalCents, clock.instant()));
            long total = totalCents * 10_000;
            if (!t.paid) {
                t.pendingRefund = Math.max(t.pendingRefund, total);
            } else if (total > t.refunded) {
                takeBack(t.account, total - t.refunded);
                t.refunded = total;
            }
        }

        void dispute(long id, String status) {
            Topup t = topups.get(id);
            String type = CLOSED.contains(status) ? "charge.dispute.closed" : "charge.dispute.created";
            deliver(FakeStripe.dispute(FakeStripe.newEventId(), type, "dp_model_" + id, pi(id), t.amount / 10_000, status, clock.instant()));
            if (t.disputeStatus == null || !CLOSED.contains(t.disputeStatus)) {
                t.disputeStatus = status; // a closed dispute stays closed
            }
            if (t.paid) {
                applyDispute(t);
            }
        }

        /** A dispute ends up having taken its amount unless won; the model moves the difference. */
        private void applyDispute(Topup t) {
            if (t.disputeStatus == null) {
                return;
            }
            // Stripe holds the funds while a (non-inquiry) dispute is open and keeps them if it is lost.
            long shouldTake = Set.of("needs_response", "under_review", "lost").contains(t.disputeStatus) ? t.amount : 0;
            if (shouldTake > t.disputeTaken) {
                takeBack(t.account, shouldTake - t.disputeTaken);
            } else if (shouldTake < t.disputeTaken) {
                credit(t.account, t.disputeTaken - shouldTake);
            }
            t.disputeTaken = shouldTake;
        }

        void buy(int account) {
            PlaceResult result = market.buyTelegram(accounts.get(account));
            long[] m = model.get(account);
            switch (result) {
                case PlaceResult.Placed placed -> {
                    Activation a = placed.activation();
                    assertTrue(m[0] >= a.priceMicros(), "bought with " + m[0] + " available for " + a.priceMicros());
                    m[0] -= a.priceMicros();
                    m[1] += a.priceMicros();
                    live.put(a.id(), new Live(account, a.priceMicros(), false, a.expiresAt(), a.cancellableAt()));
                }
                case PlaceResult.InsufficientBalance poor ->
                        assertTrue(m[0] < poor.priceMicros(), "refused with " + m[0] + " available for " + poor.priceMicros());
                case PlaceResult.NoNumbers none -> {
                    // the simulator ran out of stock for a moment: nothing bought, nothing moved
                }
                case PlaceResult.TooManyLive tooMany -> assertTrue(live.values().stream().filter(l -> l.account == account).count() >= tooMany.limit());
                default -> throw new AssertionError("unexpected " + result);
            }
        }

        void code(int id) {
            Live l = live.get(id);
            var delivered = assertInstanceOf(SandboxSms.Delivered.class,
                    market.orders().injectSandboxSms(accounts.get(l.account), id, "Telegram", "Telegram code: " + (10000 + id % 89999)));
            if (!l.coded && clock.instant().isBefore(l.expiresAt)) {
                long[] m = model.get(l.account);
                m[1] -= l.price; // posted: the charge
                live.put(id, new Live(l.account, l.price, true, l.expiresAt, l.cancellableAt));
                assertEquals(ActivationStatus.CODE_RECEIVED, delivered.activation().orElseThrow().status());
            }
        }

        void cancel(int id) {
            Live l = live.get(id);
            ActivationChange change = market.orders().cancel(accounts.get(l.account), id);
            if (l.coded) {
                assertInstanceOf(ActivationChange.CodeAlreadyReceived.class, change);
            } else if (clock.instant().isBefore(l.cancellableAt)) {
                assertInstanceOf(ActivationChange.EarlyCancelDenied.class, change);
            } else {
                assertInstanceOf(ActivationChange.Changed.class, change);
                live.remove(id);
                model.get(l.account)[1] -= l.price;
                credit(l.account, l.price);
            }
        }

        void finish(int id) {
            Live l = live.get(id);
            ActivationChange change = market.orders().finish(accounts.get(l.account), id);
            if (l.coded) {
                assertInstanceOf(ActivationChange.Changed.class, change);
                live.remove(id);
            } else {
                assertInstanceOf(ActivationChange.NoCodeYet.class, change);
            }
        }

        void timePasses(int minutes) {
            clock.advance(Duration.ofMinutes(minutes));
            workersAgain();
        }

        /** The expiry worker and the waiting-events worker, as often as a node would run them. */
        void workersAgain() {
            while (market.orders().expireDue(100) > 0) {
                // every due activation, whichever chain it belongs to
            }
            LedgerModelTest.topups.applyWaiting(100);
            while (market.orders().rentals().settleDue(100) > 0) {
                // every due rental, whichever chain it belongs to
            }
            for (var e : List.copyOf(rentals.entrySet())) {
                Rented r = e.getValue();
                if (!clock.instant().isBefore(r.endsAt)) {
                    for (int i = 0; i < r.held.size(); i++) {
                        if (r.held.get(i)) {
                            model.get(r.account)[1] -= r.price; // expired: every period was given, every one is paid
                        }
                    }
                    rentals.remove(e.getKey());
                } else {
                    chargeBegun(r);
                }
            }
            for (var e : List.copyOf(live.entrySet())) {
                Live l = e.getValue();
                if (!clock.instant().isBefore(l.expiresAt)) {
                    live.remove(e.getKey());
                    if (!l.coded) {
                        model.get(l.account)[1] -= l.price;
                        credit(l.account, l.price);
                    }
                }
            }
        }

        void replay(String event) {
            var result = LedgerModelTest.topups.receive(event, FakeStripe.sign(event, clock.instant()));
            assertInstanceOf(Topups.EventResult.Duplicate.class, result);
        }

        private void deliver(String event) {
            var result = LedgerModelTest.topups.receive(event, FakeStripe.sign(event, clock.instant()));
            assertTrue(result instanceof Topups.EventResult.Applied || result instanceof Topups.EventResult.Waiting, result.toString());
            sent.add(event);
        }

        /** Money into the wallet, which pays what is owed first. */
        private void credit(int account, long amount) {
            long[] m = model.get(account);
            m[0] += amount;
            long pay = Math.min(m[0], m[2]);
            m[0] -= pay;
            m[2] -= pay;
        }

        /** Money back to Stripe: from the wallet as far as it goes, the rest owed. */
        private void takeBack(int account, long amount) {
            long[] m = model.get(account);
            long fromWallet = Math.min(amount, m[0]);
            m[0] -= fromWallet;
            m[2] += amount - fromWallet;
        }

        private static String pi(long topupId) {
            return "pi_model_" + topupId;
        }

        void checkBalances() {
            steps.incrementAndGet();
            for (int i = 0; i < accounts.size(); i++) {
                Balance b = market.ledger().balance(accounts.get(i));
                long[] m = model.get(i);
                assertEquals(new Balance("USD", m[0], m[1], m[2]), b, "account " + i);
                assertTrue(b.debtMicros() == 0 || b.availableMicros() == 0, "owes and has money to spend: " + b);
            }
        }

        static void checkWholeLedger() {
            assertEquals(List.of(), market.ledger().audit());
            for (var r : db.dsl().fetch("""
                    select la.currency, sum(case when t.credit_account_id = la.id then t.amount_micros else -t.amount_micros end) as total
                      from transfer t join ledger_account la on la.id in (t.debit_account_id, t.credit_account_id)
                     group by la.currency""")) {
                assertEquals(0, r.get("total", BigDecimal.class).signum(), "the " + r.get("currency") + " ledger does not sum to zero");
            }
            assertEquals(0, db.dsl().fetchCount(db.dsl().select().from("ledger_account")
                    .where("account_id is not null and ((kind = 'debt' and balance_micros > 0) or (kind <> 'debt' and balance_micros < 0))")));
            assertEquals(0L, db.dsl().fetchOne("select count(*) from (select hold_id from transfer where hold_id is not null "
                    + "group by hold_id having count(*) > 1) twice").get(0, Long.class), "a hold resolved twice");
        }
    }

    // Small adapters from lambdas to jqwik actions ---------------------------------------------

    interface Step2<A, B> {
        void run(World w, A a, B b);
    }

    interface Step1<A> {
        void run(World w, A a);
    }

    private static <A, B> Action.Independent<World> independent(Arbitrary<A> as, Arbitrary<B> bs, Step2<A, B> step, String name) {
        return () -> net.jqwik.api.Combinators.combine(as, bs).as((a, b) -> Transformer.mutate(name + " " + a + " " + b, w -> step.run(w, a, b)));
    }

    private static <A> Action.Independent<World> independent(Arbitrary<A> as, Step1<A> step, String name) {
        return () -> as.map(a -> Transformer.mutate(name + " " + a, w -> step.run(w, a)));
    }

    private static <A> Action.Dependent<World> dependent(java.util.function.Function<World, Arbitrary<A>> as, Step1<A> step, String name,
                                                        java.util.function.Predicate<World> when) {
        return new Action.Dependent<>() {
            @Override
            public boolean precondition(World w) {
                return when.test(w);
            }

            @Override
            public Arbitrary<Transformer<World>> transformer(World w) {
                return as.apply(w).map(a -> Transformer.mutate(name + " " + a, x -> step.run(x, a)));
            }
        };
    }
}
