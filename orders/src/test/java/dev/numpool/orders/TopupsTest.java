package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.numpool.db.jooq.Tables.STRIPE_EVENT;
import static dev.numpool.db.jooq.Tables.TOPUP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Top-ups against a fake Stripe speaking Stripe's JSON on 127.0.0.1, driven by stripe-java itself,
 * and webhook events signed the way Stripe signs them. Each test has a fresh account with the
 * sandbox credit (100.00); the amounts below are measured from there.
 */
class TopupsTest {
    private static final long START = Accounts.SANDBOX_CREDIT_MICROS;
    private static final Map<String, String> KEYS = Map.of("STRIPE_SECRET_KEY", FakeStripe.SECRET_KEY,
            "STRIPE_WEBHOOK_SECRET", FakeStripe.WEBHOOK_SECRET);

    private static String dbUrl;
    private static Database db;
    private static TestClock clock;
    private static Marketplace market;
    private static FakeStripe stripe;
    private static Topups topups;
    private AccountId owner;

    @BeforeAll
    static void start() {
        dbUrl = TestServers.freshDatabaseUrl();
        db = Database.connect(dbUrl, null, null, 8);
        clock = new TestClock(Instant.parse("2026-05-04T10:00:00Z"));
        market = Marketplace.open(db, clock);
        stripe = new FakeStripe();
        topups = Topups.create(db, settings(), KEYS, clock);
    }

    @AfterAll
    static void stop() {
        stripe.close();
        market.close();
        db.close();
    }

    @BeforeEach
    void newAccount() {
        owner = market.accounts().createSandboxAccount("topups").owner();
    }

    private static Topups.Settings settings() {
        return new Topups.Settings(5_000_000, 1_000_000_000, "https://numpool.example/balance", Optional.of(stripe.apiBase()),
                Duration.ofSeconds(5));
    }

    @Test
    void retriedCreateReusesTheIdempotencyKeyAndMakesOneSession() {
        int before = stripe.sessions().size();
        stripe.failNext(500, 409);

        Topups.Topup topup = assertInstanceOf(Topups.StartResult.Created.class, topups.start(owner, 25_000_000)).topup();

        List<FakeStripe.Request> asked = stripe.requests.subList(stripe.requests.size() - 3, stripe.requests.size());
        assertEquals(List.of(500, 409, 200), asked.stream().map(FakeStripe.Request::status).toList());
        Set<String> keys = asked.stream().map(FakeStripe.Request::idempotencyKey).collect(java.util.stream.Collectors.toSet());
        assertEquals(1, keys.size(), "one key for every attempt: " + keys);
        assertTrue(keys.iterator().next().startsWith("numpool-topup-" + topup.id() + "-"));
        assertEquals(before + 1, stripe.sessions().size(), "one session for three attempts");
        assertEquals(TopupStatus.OPEN, topup.status());
        assertTrue(topup.checkoutUrl().orElseThrow().startsWith("https://checkout.stripe.com/"));
        FakeStripe.Request sent = asked.getLast();
        assertEquals("2500", sent.form().get("line_items[0][price_data][unit_amount]"), "cents");
        assertEquals("usd", sent.form().get("line_items[0][price_data][currency]"));
        assertEquals("payment", sent.form().get("mode"));
        assertEquals(String.valueOf(topup.id()), sent.form().get("client_reference_id"));
        assertEquals(START, balance().availableMicros(), "asking for a top-up credits nothing");
    }

    @Test
    void boundsAreEnforcedAndNothingIsAskedOfStripe() {
        int asked = stripe.requests.size();
        assertInstanceOf(Topups.StartResult.OutOfBounds.class, topups.start(owner, 4_990_000));
        assertInstanceOf(Topups.StartResult.OutOfBounds.class, topups.start(owner, 1_000_010_000));
        assertInstanceOf(Topups.StartResult.OutOfBounds.class, topups.start(owner, 10_005_000), "not whole cents");
        assertInstanceOf(Topups.StartResult.OutOfBounds.class, topups.start(owner, -10_000_000));
        assertEquals(asked, stripe.requests.size());
        assertEquals(List.of(), topups.topups(owner, 10));
    }

    @Test
    void withoutKeysTopUpsAreDisabled() {
        Topups off = Topups.create(db, settings(), Map.of(), clock);
        assertInstanceOf(Topups.StartResult.Disabled.class, off.start(owner, 10_000_000));
        assertInstanceOf(Topups.EventResult.Disabled.class, off.receive("{}", "t=1,v1=00"));
    }

    @Test
    void stripeDownMeansNothingChargedAndAClearAnswer() {
        stripe.failNext(500, 500, 500);
        var result = assertInstanceOf(Topups.StartResult.StripeUnavailable.class, topups.start(owner, 10_000_000));
        assertTrue(result.why().contains("nothing was charged"));
        assertEquals(TopupStatus.FAILED, topups.topups(owner, 1).getFirst().status());
    }

    @Test
    void aPaidSessionCreditsOnceHoweverOftenItIsTold() {
        long id = open(30_000_000);
        String pi = "pi_" + id + "_once";
        String event = stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 3000, clock.instant());

        assertEquals("credited 30.00", assertInstanceOf(Topups.EventResult.Applied.class, deliver(event)).outcome());
        assertInstanceOf(Topups.EventResult.Duplicate.class, deliver(event), "the same event again");
        // The same payment under another event id (Stripe's async success after completed), twice.
        deliver(stripe.checkoutEvent(FakeStripe.newEventId(), "checkout.session.async_payment_succeeded", id, pi, 3000, "paid", clock.instant()));
        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 3000, clock.instant()));

        assertEquals(START + 30_000_000, balance().availableMicros());
        assertEquals(TopupStatus.PAID, topups.topup(owner, id).orElseThrow().status());
        assertEquals(List.of(30_000_000L), entries("topup").stream().map(LedgerEntry::amountMicros).toList());
        assertEquals(List.of(), market.ledger().audit());
    }

    @Test
    void anUnpaidCompletionWaitsForTheAsynchronousPayment() {
        long id = open(10_000_000);
        deliver(stripe.checkoutEvent(FakeStripe.newEventId(), "checkout.session.completed", id, "pi_async_" + id, 1000, "unpaid", clock.instant()));
        assertEquals(START, balance().availableMicros());
        deliver(stripe.checkoutEvent(FakeStripe.newEventId(), "checkout.session.async_payment_succeeded", id, "pi_async_" + id, 1000, "paid", clock.instant()));
        assertEquals(START + 10_000_000, balance().availableMicros());
    }

    @Test
    void badSignaturesStaleTimestampsAndGarbageChangeNothing() {
        long id = open(10_000_000);
        String event = stripe.checkoutCompleted(FakeStripe.newEventId(), id, "pi_bad_" + id, 1000, clock.instant());
        int events = db.dsl().fetchCount(STRIPE_EVENT);

        assertInstanceOf(Topups.EventResult.Rejected.class, topups.receive(event, FakeStripe.sign(event, clock.instant(), "whsec_someone_else")));
        assertInstanceOf(Topups.EventResult.Rejected.class, topups.receive(event.replace("1000", "9000"), FakeStripe.sign(event, clock.instant())),
                "a changed byte");
        assertInstanceOf(Topups.EventResult.Rejected.class, topups.receive(event, FakeStripe.sign(event, clock.instant().minusSeconds(301))),
                "older than the tolerance");
        assertInstanceOf(Topups.EventResult.Rejected.class, topups.receive(event, FakeStripe.sign(event, clock.instant().plusSeconds(301))),
                "from too far in the future");
        assertInstanceOf(Topups.EventResult.Rejected.class, topups.receive(event, null));
        assertInstanceOf(Topups.EventResult.Rejected.class, topups.receive(event, "garbage"));
        String signature = FakeStripe.sign(event, clock.instant());
        for (String malformed : List.of("t=x," + signature.substring(signature.indexOf("v1=")), "t", "t=,v1=", "v1=00",
                signature.replace("t=", "t=+"), "t=99999999999999999999," + signature.substring(signature.indexOf("v1=")))) {
            assertInstanceOf(Topups.EventResult.Rejected.class, topups.receive(event, malformed), malformed);
        }
        // Signed by Stripe (only it has the secret) but not an event: acknowledged, so Stripe stops retrying.
        String notAnEvent = "{\"hello\":1}";
        assertInstanceOf(Topups.EventResult.Ignored.class, topups.receive(notAnEvent, FakeStripe.sign(notAnEvent, clock.instant())));
        String notJson = "not json at all";
        assertInstanceOf(Topups.EventResult.Ignored.class, topups.receive(notJson, FakeStripe.sign(notJson, clock.instant())));

        assertEquals(events, db.dsl().fetchCount(STRIPE_EVENT), "nothing stored");
        assertEquals(START, balance().availableMicros());
        assertInstanceOf(Topups.EventResult.Applied.class, deliver(event), "the genuine event still works");
    }

    @Test
    void refundsTakeBackOnlyWhatIsNewInAnyOrder() {
        long id = open(20_000_000);
        String pi = "pi_refund_" + id;
        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 2000, clock.instant()));

        deliver(FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi, 2000, 500, clock.instant()));
        assertEquals(START + 15_000_000, balance().availableMicros());
        deliver(FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi, 2000, 1200, clock.instant()));
        assertEquals(START + 8_000_000, balance().availableMicros(), "the delta of 7.00, not 12.00");
        deliver(FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi, 2000, 500, clock.instant()));
        assertEquals(START + 8_000_000, balance().availableMicros(), "an older total arriving late takes nothing");

        assertEquals(List.of(7_000_000L, 5_000_000L), entries("refund").stream().map(LedgerEntry::amountMicros).toList());
        assertEquals(List.of(), market.ledger().audit());
    }

    @Test
    void aRefundBeforeItsPaymentWaitsThenAppliesOnce() {
        long id = open(10_000_000);
        String pi = "pi_early_" + id;
        var waiting = assertInstanceOf(Topups.EventResult.Waiting.class, deliver(FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi, 1000, 1000, clock.instant())));
        assertTrue(waiting.why().contains(pi));
        assertEquals(START, balance().availableMicros());

        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 1000, clock.instant()));

        assertEquals(START, balance().availableMicros(), "credited 10.00 and refunded 10.00");
        assertEquals(1, entries("topup").size());
        assertEquals(1, entries("refund").size());
        assertTrue(topups.waiting(1000).stream().noneMatch(w -> w.paymentIntent().equals(Optional.of(pi))), "nothing left waiting");
    }

    @Test
    void anEventBeforeItsTopUpIsVisibleIsAppliedWhenItIs() throws Exception {
        long id;
        try (Connection c = DriverManager.getConnection(dbUrl)) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement(
                    "insert into topup (account_id, amount_micros, currency, token, status, created_at) "
                            + "values (?, 12000000, 'USD', 'invisible', 'open', now()) returning id")) {
                insert.setLong(1, owner.value());
                try (ResultSet r = insert.executeQuery()) {
                    r.next();
                    id = r.getLong(1);
                }
            }
            try (PreparedStatement open = c.prepareStatement("update topup set checkout_session_id = 'cs_invisible_' || id where id = ?")) {
                open.setLong(1, id);
                open.executeUpdate();
            }
            String event = FakeStripe.checkoutEvent(FakeStripe.newEventId(), "checkout.session.completed", id, "cs_invisible_" + id,
                    "pi_invisible_" + id, 1200, "paid", clock.instant());
            assertInstanceOf(Topups.EventResult.Waiting.class, deliver(event), "the row is not committed yet");
            assertInstanceOf(Topups.EventResult.Duplicate.class, deliver(event), "Stripe's retry is acknowledged");
            c.commit();
        }
        assertEquals(START, balance().availableMicros());

        topups.applyWaiting(100);
        assertEquals(START, balance().availableMicros(), "not due yet: waiting events are tried again after 15 s");
        clock.advance(Topups.FIRST_RETRY);
        topups.applyWaiting(100);
        assertEquals(START + 12_000_000, balance().availableMicros());
        clock.advance(Duration.ofHours(2));
        topups.applyWaiting(100);
        assertEquals(START + 12_000_000, balance().availableMicros(), "applied once");
    }

    @Test
    void aRefundBeyondTheBalanceBecomesDebtThatTheNextTopUpPaysFirst() {
        long id = open(10_000_000);
        String pi = "pi_debt_" + id;
        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 1000, clock.instant()));
        // Spend all but 4.00 of the 110.00.
        assertInstanceOf(AdjustResult.Adjusted.class, market.ledger().adjust(owner, false, START + 6_000_000, "test spend", "test", "key-" + java.util.UUID.randomUUID()));

        deliver(FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi, 1000, 1000, clock.instant()));

        assertEquals(new Balance("USD", 0, 0, 6_000_000), balance(), "4.00 taken from the wallet, 6.00 owed");
        assertInstanceOf(PlaceResult.InsufficientBalance.class, market.buyTelegram(owner), "no purchases while in debt");

        long next = open(10_000_000);
        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), next, "pi_pays_" + next, 1000, clock.instant()));

        assertEquals(new Balance("USD", 4_000_000, 0, 0), balance(), "the debt was paid first");
        LedgerEntry payment = entries("debt_payment").getFirst();
        assertEquals(6_000_000, payment.amountMicros());
        assertEquals(-6_000_000, payment.availableChangeMicros());
        assertEquals(-6_000_000, payment.debtChangeMicros());
        assertEquals(6_000_000, entries("debt").getFirst().debtChangeMicros());
        assertInstanceOf(PlaceResult.Placed.class, market.buyTelegram(owner));
        assertEquals(List.of(), market.ledger().audit());
    }

    @Test
    void aCancelledActivationsRefundPaysDebtBeforeItCanBeSpent() {
        long id = open(10_000_000);
        String pi = "pi_void_" + id;
        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 1000, clock.instant()));
        Activation live = assertInstanceOf(PlaceResult.Placed.class, market.buyTelegram(owner)).activation();
        long price = live.priceMicros();
        market.ledger().adjust(owner, false, balance().availableMicros(), "spend the rest", "test", "key-" + java.util.UUID.randomUUID());

        deliver(FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi, 1000, 1000, clock.instant()));
        assertEquals(new Balance("USD", 0, price, 10_000_000), balance(), "held money is left to its activation");

        clock.advance(Duration.ofMinutes(3));
        assertInstanceOf(ActivationChange.Changed.class, market.orders().cancel(owner, live.id()));

        assertEquals(new Balance("USD", 0, 0, 10_000_000 - price), balance(), "the refunded price paid the debt");
    }

    @Test
    void aDisputeTakesBackAndAWonDisputeGivesBackWhateverTheOrder() {
        long id = open(40_000_000);
        String pi = "pi_dispute_" + id;
        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 4000, clock.instant()));
        String created = FakeStripe.dispute(FakeStripe.newEventId(), "charge.dispute.created", "dp_" + id, pi, 4000, "needs_response", clock.instant());
        deliver(created);
        assertEquals(START, balance().availableMicros());
        deliver(FakeStripe.dispute(FakeStripe.newEventId(), "charge.dispute.created", "dp_" + id, pi, 4000, "needs_response", clock.instant()));
        assertEquals(START, balance().availableMicros(), "one dispute takes back once");

        deliver(FakeStripe.dispute(FakeStripe.newEventId(), "charge.dispute.closed", "dp_" + id, pi, 4000, "won", clock.instant()));
        assertEquals(START + 40_000_000, balance().availableMicros());
        deliver(created);
        assertEquals(START + 40_000_000, balance().availableMicros(), "a late created event does not reopen a won dispute");

        // The other order: closed (lost) arrives before created.
        long other = open(5_000_000);
        String pi2 = "pi_dispute2_" + other;
        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), other, pi2, 500, clock.instant()));
        deliver(FakeStripe.dispute(FakeStripe.newEventId(), "charge.dispute.closed", "dp2_" + other, pi2, 500, "lost", clock.instant()));
        deliver(FakeStripe.dispute(FakeStripe.newEventId(), "charge.dispute.created", "dp2_" + other, pi2, 500, "needs_response", clock.instant()));
        assertEquals(START + 40_000_000, balance().availableMicros(), "lost: taken back once");
        assertEquals(2, entries("dispute").size());
        assertEquals(1, entries("dispute_won").size());
        assertEquals(List.of(), market.ledger().audit());
    }

    @Test
    void operatorAdjustmentsAreAuditedAndNeverMakeDebt() {
        var credit = assertInstanceOf(AdjustResult.Adjusted.class, market.ledger().adjust(owner, true, 2_500_000, "goodwill for ticket 12", "operator", "key-" + java.util.UUID.randomUUID()));
        assertEquals("operator_credit", credit.entry().type());
        assertEquals("adjustment:" + credit.adjustmentId(), credit.entry().reference());
        assertEquals(START + 2_500_000, credit.balance().availableMicros());

        var refused = assertInstanceOf(AdjustResult.InsufficientBalance.class,
                market.ledger().adjust(owner, false, START + 2_500_001, "too much", "operator", "key-" + java.util.UUID.randomUUID()));
        assertEquals(START + 2_500_000, refused.availableMicros());
        assertInstanceOf(AdjustResult.UnknownAccount.class, market.ledger().adjust(new AccountId(999_999_999L), true, 1, "nobody", "operator", "key-" + java.util.UUID.randomUUID()));
        assertEquals(START + 2_500_000, balance().availableMicros());
        assertEquals("goodwill for ticket 12", db.dsl().fetchValue("select reason from ledger_adjustment where id = " + credit.adjustmentId()));
    }

    @Test
    void transactionsPageNewestFirstAndFilter() {
        Activation a = assertInstanceOf(PlaceResult.Placed.class, market.buyTelegram(owner)).activation();
        clock.advance(Duration.ofMinutes(3));
        market.orders().cancel(owner, a.id());
        market.ledger().adjust(owner, true, 1_000_000, "one", "operator", "key-" + java.util.UUID.randomUUID());

        Page<LedgerEntry> first = market.ledger().transactions(owner, new Ledger.TransactionQuery(Set.of(), Optional.empty(), Optional.empty(), Optional.empty(), 2));
        assertEquals(List.of("operator_credit", "void"), first.items().stream().map(LedgerEntry::type).toList());
        Page<LedgerEntry> second = market.ledger().transactions(owner, new Ledger.TransactionQuery(Set.of(), Optional.empty(), Optional.empty(), first.nextCursor(), 2));
        assertEquals(List.of("hold", "sandbox_credit"), second.items().stream().map(LedgerEntry::type).toList());
        assertEquals(Optional.empty(), second.nextCursor());

        LedgerEntry hold = second.items().getFirst();
        assertEquals(-a.priceMicros(), hold.availableChangeMicros());
        assertEquals(a.priceMicros(), hold.heldChangeMicros());
        assertEquals("activation:" + a.id(), hold.reference());

        assertEquals(List.of("void", "hold"), market.ledger().transactions(owner,
                new Ledger.TransactionQuery(Set.of("hold", "void"), Optional.empty(), Optional.empty(), Optional.empty(), 50))
                .items().stream().map(LedgerEntry::type).toList());
        Instant cancelTime = first.items().get(1).createdAt();
        assertEquals(List.of("operator_credit", "void"), market.ledger().transactions(owner,
                new Ledger.TransactionQuery(Set.of(), Optional.of(cancelTime), Optional.empty(), Optional.empty(), 50))
                .items().stream().map(LedgerEntry::type).toList());
        assertEquals(List.of("hold", "sandbox_credit"), market.ledger().transactions(owner,
                new Ledger.TransactionQuery(Set.of(), Optional.empty(), Optional.of(cancelTime), Optional.empty(), 50))
                .items().stream().map(LedgerEntry::type).toList());

        AccountId stranger = market.accounts().createSandboxAccount("stranger").owner();
        assertEquals(1, market.ledger().transactions(stranger,
                new Ledger.TransactionQuery(Set.of(), Optional.empty(), Optional.empty(), Optional.empty(), 50)).items().size(),
                "only its own sandbox credit");
    }

    @Test
    void anotherNumpoolsSessionWithTheSameTopUpIdCreditsNothing() {
        long id = open(15_000_000);
        // A second installation on the same Stripe account has its own top-up with this id.
        String foreign = FakeStripe.checkoutEvent(FakeStripe.newEventId(), "checkout.session.completed", id, "cs_test_elsewhere",
                "pi_elsewhere_" + id, 1500, "paid", clock.instant());
        var ignored = assertInstanceOf(Topups.EventResult.Applied.class, deliver(foreign));
        assertTrue(ignored.outcome().startsWith("ignored: session cs_test_elsewhere"), ignored.outcome());
        assertEquals(START, balance().availableMicros());

        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, "pi_ours_" + id, 1500, clock.instant()));
        assertEquals(START + 15_000_000, balance().availableMicros(), "our own payment still credits");
        assertTrue(stripe.requests.getLast().idempotencyKey().matches("numpool-topup-" + id + "-[0-9a-f]{32}"),
                "the Idempotency-Key carries a random token, not the id alone");
    }

    @Test
    void aPaymentOfAnotherAmountIsNotCreditedAndItsRefundTakesNothing() {
        long id = open(10_000_000);
        String pi = "pi_mismatch_" + id;
        var applied = assertInstanceOf(Topups.EventResult.Applied.class, deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 999, clock.instant())));
        assertTrue(applied.outcome().startsWith("not credited"), applied.outcome());
        assertEquals(TopupStatus.MISMATCH, topups.topup(owner, id).orElseThrow().status());
        deliver(FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi, 999, 999, clock.instant()));
        assertEquals(START, balance().availableMicros());
        assertEquals(new Balance("USD", START, 0, 0), balance());
    }

    @Test
    void onePaymentCreditsOneTopUp() {
        long first = open(10_000_000);
        long second = open(10_000_000);
        String pi = "pi_shared_" + first;
        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), first, pi, 1000, clock.instant()));
        var again = assertInstanceOf(Topups.EventResult.Applied.class,
                deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), second, pi, 1000, clock.instant())));
        assertEquals("payment already credited to top-up " + first, again.outcome());
        assertEquals(START + 10_000_000, balance().availableMicros());
        assertEquals(TopupStatus.OPEN, topups.topup(owner, second).orElseThrow().status());
    }

    @Test
    void failedAndExpiredSessionsEndTheirTopUpsWithoutMoney() {
        long failed = open(10_000_000);
        long expired = open(10_000_000);
        deliver(stripe.checkoutEvent(FakeStripe.newEventId(), "checkout.session.async_payment_failed", failed, "pi_f_" + failed, 1000, "unpaid", clock.instant()));
        deliver(stripe.checkoutEvent(FakeStripe.newEventId(), "checkout.session.expired", expired, null, 1000, "unpaid", clock.instant()));
        assertEquals(TopupStatus.FAILED, topups.topup(owner, failed).orElseThrow().status());
        assertEquals(TopupStatus.EXPIRED, topups.topup(owner, expired).orElseThrow().status());
        assertEquals(Optional.empty(), topups.topup(owner, expired).orElseThrow().checkoutUrl(), "no page to send anyone to");
        assertEquals(START, balance().availableMicros());
    }

    @Test
    void anInquiryTakesNothingAndAnUnknownStatusChangesNothing() {
        long id = open(20_000_000);
        String pi = "pi_inquiry_" + id;
        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 2000, clock.instant()));
        deliver(FakeStripe.dispute(FakeStripe.newEventId(), "charge.dispute.created", "dp_inq_" + id, pi, 2000, "warning_needs_response", clock.instant()));
        assertEquals(START + 20_000_000, balance().availableMicros(), "Stripe withdraws nothing for an inquiry");
        deliver(FakeStripe.dispute(FakeStripe.newEventId(), "charge.dispute.closed", "dp_inq_" + id, pi, 2000, "warning_closed", clock.instant()));
        assertEquals(START + 20_000_000, balance().availableMicros());

        var unknown = assertInstanceOf(Topups.EventResult.Applied.class,
                deliver(FakeStripe.dispute(FakeStripe.newEventId(), "charge.dispute.created", "dp_new_" + id, pi, 2000, "prevented", clock.instant())));
        assertTrue(unknown.outcome().contains("unknown dispute status prevented"), unknown.outcome());
        assertEquals(START + 20_000_000, balance().availableMicros());
    }

    @Test
    void aLostDisputeBeyondTheBalanceIsDebtAndAWonOnePaysItBack() {
        long id = open(50_000_000);
        String pi = "pi_dispute_debt_" + id;
        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 5000, clock.instant()));
        market.ledger().adjust(owner, false, START + 45_000_000, "spend", "test", "key-" + java.util.UUID.randomUUID());

        deliver(FakeStripe.dispute(FakeStripe.newEventId(), "charge.dispute.created", "dp_debt_" + id, pi, 5000, "needs_response", clock.instant()));
        assertEquals(new Balance("USD", 0, 0, 45_000_000), balance());
        deliver(FakeStripe.dispute(FakeStripe.newEventId(), "charge.dispute.closed", "dp_debt_" + id, pi, 5000, "won", clock.instant()));
        assertEquals(new Balance("USD", 5_000_000, 0, 0), balance(), "the 50.00 given back paid the 45.00 owed first");
        assertEquals(List.of(), market.ledger().audit());
    }

    @Test
    void aRefundWaitingPastThreeDaysIsParkedNotDroppedAndTakenWhenItsPaymentIsCredited() {
        long id = open(10_000_000);
        String pi = "pi_parked_" + id;
        deliver(FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi, 1000, 400, clock.instant()));
        for (int i = 0; i < 12; i++) {
            clock.advance(Duration.ofHours(8));
            topups.applyWaiting(1000);
        }
        Topups.WaitingEvent parked = topups.waiting(1000).stream().filter(w -> w.paymentIntent().equals(Optional.of(pi))).findFirst().orElseThrow();
        assertTrue(parked.why().orElseThrow().startsWith("parked"), parked.toString());

        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 1000, clock.instant()));

        assertEquals(START + 6_000_000, balance().availableMicros(), "credited 10.00, the parked refund took 4.00");
        assertTrue(topups.waiting(1000).stream().noneMatch(w -> w.paymentIntent().equals(Optional.of(pi))));
    }

    @Test
    void aRetriedAdjustmentIsMadeOnce() {
        var first = assertInstanceOf(AdjustResult.Adjusted.class, market.ledger().adjust(owner, true, 1_000_000, "goodwill", "operator", "adj-1"));
        var retried = assertInstanceOf(AdjustResult.Adjusted.class, market.ledger().adjust(owner, true, 1_000_000, "goodwill", "operator", "adj-1"));
        assertTrue(retried.replayed());
        assertEquals(first.adjustmentId(), retried.adjustmentId());
        assertInstanceOf(AdjustResult.KeyReused.class, market.ledger().adjust(owner, true, 2_000_000, "goodwill", "operator", "adj-1"));
        assertEquals(START + 1_000_000, balance().availableMicros());
    }

    private long open(long micros) {
        return assertInstanceOf(Topups.StartResult.Created.class, topups.start(owner, micros)).topup().id();
    }

    private Topups.EventResult deliver(String payload) {
        return topups.receive(payload, FakeStripe.sign(payload, clock.instant()));
    }

    private Balance balance() {
        return market.ledger().balance(owner);
    }

    private List<LedgerEntry> entries(String type) {
        return market.ledger().transactions(owner, new Ledger.TransactionQuery(Set.of(type), Optional.empty(), Optional.empty(), Optional.empty(), 100)).items();
    }
}
