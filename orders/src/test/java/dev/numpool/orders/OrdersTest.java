package dev.numpool.orders;

import dev.numpool.db.TestClock;
import dev.numpool.db.Database;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.InboundSms;
import dev.numpool.inventory.Offer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static dev.numpool.db.jooq.Tables.IDEMPOTENCY_KEY;
import static dev.numpool.db.jooq.Tables.SMS;
import static dev.numpool.db.jooq.Tables.TRANSFER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The orders door against a real PostgreSQL: buying, codes, the activation state machine,
 * idempotent orders and the money behind each of them. Every test uses its own sandbox account
 * (100.00 USD) and ends with an empty ledger audit.
 */
class OrdersTest {
    private static final long CREDIT_MICROS = Accounts.SANDBOX_CREDIT_MICROS;
    private static final byte[] ORDER_BODY = "{\"service\":\"tg\",\"country\":0}".getBytes(StandardCharsets.UTF_8);

    private static Database db;
    private static TestClock clock;
    private static Marketplace market;
    private static final List<Marketplace> extraMarkets = new ArrayList<>();

    private AccountId owner;

    @BeforeAll
    static void startMarketplace() {
        db = TestServers.freshDatabase();
        clock = new TestClock(Instant.parse("2026-03-02T09:00:00Z"));
        market = Marketplace.open(db, clock);
    }

    @AfterAll
    static void stopMarketplace() {
        extraMarkets.forEach(Marketplace::close);
        market.close();
        db.close();
    }

    @BeforeEach
    void newSandboxAccount() {
        owner = market.accounts().createSandboxAccount("test").owner();
    }

    @AfterEach
    void ledgerStillBalances() {
        assertEquals(List.of(), market.ledger().audit());
    }

    // Buying and codes ----------------------------------------------------------------------------

    @Test
    void aCodeForABoughtNumberChargesThePriceExactlyOnce() {
        Activation bought = buy(owner);
        long price = bought.priceMicros();
        assertEquals(ActivationStatus.WAITING_CODE, bought.status());
        assertEquals(new Balance("USD", CREDIT_MICROS - price, price), balance(), "the price is held while waiting");

        SandboxSms sms = market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 12345");

        Activation now = assertInstanceOf(SandboxSms.Delivered.class, sms).activation().orElseThrow();
        assertEquals(new SmsIntake.Accepted(bought.id(), Optional.of("12345")), ((SandboxSms.Delivered) sms).intake());
        assertEquals(ActivationStatus.CODE_RECEIVED, now.status());
        assertEquals(Optional.of("12345"), now.lastCode().flatMap(Activation.Message::code));
        assertEquals(new Balance("USD", CREDIT_MICROS - price, 0), balance(), "the hold was posted, nothing else moved");
        assertEquals(1, transfers("post", bought.id()));
    }

    @Test
    void theSameSmsDeliveredTwiceIsAcknowledgedAndChargesNothingMore() {
        Activation bought = buy(owner);
        InboundSms sms = new InboundSms("simulator", providerRef(bought.id()), "Telegram", "Telegram code: 12345",
                "provider-message-1", clock.instant());

        SmsIntake first = market.orders().receiveSms(sms);
        SmsIntake second = market.orders().receiveSms(sms);

        assertEquals(new SmsIntake.Accepted(bought.id(), Optional.of("12345")), first);
        assertEquals(new SmsIntake.Duplicate(bought.id()), second);
        assertEquals(1, activation(bought.id()).messages().size());
        assertEquals(1, transfers("post", bought.id()));
        assertEquals(new Balance("USD", CREDIT_MICROS - bought.priceMicros(), 0), balance());
    }

    @Test
    void anSmsForANumberNotSoldYetIsParkedNotDropped() {
        InboundSms early = new InboundSms("simulator", "sim-never-sold", "Telegram", "Telegram code: 12345", "provider-message-2", clock.instant());
        SmsIntake intake = market.orders().receiveSms(early);
        SmsIntake again = market.orders().receiveSms(early);

        assertEquals(new SmsIntake.Parked(), intake);
        assertEquals(new SmsIntake.Parked(), again);
        assertEquals(1, db.dsl().fetchCount(dev.numpool.db.jooq.Tables.UNMATCHED_SMS,
                dev.numpool.db.jooq.Tables.UNMATCHED_SMS.PROVIDER_REF.eq("sim-never-sold")), "parked once, however often pushed");
    }

    @Test
    void aCodeAfterTheWindowIsLateAndNeverChargedEvenBeforeTheWorkerRuns() {
        Activation bought = buy(owner);
        clock.advance(java.time.Duration.ofMinutes(20));

        SandboxSms late = market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 12345");

        assertEquals(new SmsIntake.Late(bought.id()), ((SandboxSms.Delivered) late).intake());
        assertEquals(0, transfers("post", bought.id()));
        market.orders().expireDue(100); // other tests of this class share the database: their due activations end too
        assertEquals(ActivationStatus.EXPIRED, activation(bought.id()).status());
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), balance());
    }

    @Test
    void aParkedSmsIsDeliveredAndChargedOnceItsActivationExists() {
        Activation bought = buy(owner);
        String ref = db.dsl().select(ACTIVATION.PROVIDER_REF).from(ACTIVATION).where(ACTIVATION.ID.eq(bought.id())).fetchSingle().value1();
        // As the intake leaves it when the SMS beat the order's commit:
        db.dsl().insertInto(dev.numpool.db.jooq.Tables.UNMATCHED_SMS)
                .set(dev.numpool.db.jooq.Tables.UNMATCHED_SMS.PROVIDER, "simulator")
                .set(dev.numpool.db.jooq.Tables.UNMATCHED_SMS.PROVIDER_REF, ref)
                .set(dev.numpool.db.jooq.Tables.UNMATCHED_SMS.DEDUPE_KEY, "early-1")
                .set(dev.numpool.db.jooq.Tables.UNMATCHED_SMS.TEXT, "Telegram code: 24680")
                .set(dev.numpool.db.jooq.Tables.UNMATCHED_SMS.RECEIVED_AT, clock.instant().atOffset(java.time.ZoneOffset.UTC))
                .execute();

        assertTrue(market.orders().applyParkedSms(100) >= 1);

        assertEquals(ActivationStatus.CODE_RECEIVED, activation(bought.id()).status());
        assertEquals(Optional.of("24680"), activation(bought.id()).lastCode().flatMap(Activation.Message::code));
        assertEquals(1, transfers("post", bought.id()));
        assertEquals(0, market.orders().applyParkedSms(100), "delivered once");
    }

    @Test
    void finishingAfterTheCodeEndsTheActivationAndKeepsTheCharge() {
        Activation bought = buy(owner);
        market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 12345");

        ActivationChange finished = market.orders().finish(owner, bought.id());

        Activation now = assertInstanceOf(ActivationChange.Changed.class, finished).activation();
        assertEquals(ActivationStatus.FINISHED, now.status());
        assertEquals(Optional.of(clock.instant()), now.endedAt());
        assertEquals(new ActivationChange.AlreadyEnded(ActivationStatus.FINISHED), market.orders().finish(owner, bought.id()));
        assertEquals(new Balance("USD", CREDIT_MICROS - bought.priceMicros(), 0), balance());
    }

    @Test
    void askingForAnotherCodeWaitsUntilTheNextCodeArrivesAndIsFree() {
        Activation bought = buy(owner);
        market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 12345");

        ActivationChange asked = market.orders().requestAnotherCode(owner, bought.id());
        assertTrue(assertInstanceOf(ActivationChange.Changed.class, asked).activation().awaitingAnotherCode());
        assertTrue(activation(bought.id()).awaitingAnotherCode(), "the request is stored, not only returned");

        market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 67890");

        Activation now = activation(bought.id());
        assertFalse(now.awaitingAnotherCode());
        assertEquals(List.of(Optional.of("12345"), Optional.of("67890")),
                now.codes().stream().map(Activation.Message::code).toList());
        assertEquals(ActivationStatus.CODE_RECEIVED, now.status());
        assertEquals(new Balance("USD", CREDIT_MICROS - bought.priceMicros(), 0), balance(), "the second code costs nothing");
    }

    @Test
    void askingForAnotherCodeBeforeTheFirstIsRefused() {
        Activation bought = buy(owner);

        assertEquals(new ActivationChange.NoCodeYet(), market.orders().requestAnotherCode(owner, bought.id()));
        assertFalse(activation(bought.id()).awaitingAnotherCode());
    }

    // Cancelling and finishing --------------------------------------------------------------------

    @Test
    void cancellingInsideTheEarlyWindowIsDeniedUntilCancellableAt() {
        Activation bought = buy(owner);
        clock.advance(Duration.ofMinutes(1));

        ActivationChange cancel = market.orders().cancel(owner, bought.id());

        assertEquals(new ActivationChange.EarlyCancelDenied(bought.createdAt().plus(Duration.ofMinutes(2))), cancel);
        assertEquals(ActivationStatus.WAITING_CODE, activation(bought.id()).status());
        assertEquals(new Balance("USD", CREDIT_MICROS - bought.priceMicros(), bought.priceMicros()), balance());
    }

    @Test
    void cancellingFromTheEndOfTheEarlyWindowRefundsThePriceExactly() {
        Activation bought = buy(owner);
        clock.advance(Duration.ofMinutes(2)); // exactly cancellableAt: allowed from then on

        ActivationChange cancel = market.orders().cancel(owner, bought.id());

        assertEquals(ActivationStatus.CANCELLED, assertInstanceOf(ActivationChange.Changed.class, cancel).activation().status());
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), balance());
        assertEquals(1, transfers("void", bought.id()));
        assertEquals(new ActivationChange.AlreadyEnded(ActivationStatus.CANCELLED), market.orders().cancel(owner, bought.id()));
        assertEquals(1, transfers("void", bought.id()), "a second cancel refunds nothing");
    }

    @Test
    void cancellingAfterACodeIsRefusedBecauseTheCodeIsPaidFor() {
        Activation bought = buy(owner);
        market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 12345");
        clock.advance(Duration.ofMinutes(3));

        assertEquals(new ActivationChange.CodeAlreadyReceived(), market.orders().cancel(owner, bought.id()));
        assertEquals(ActivationStatus.CODE_RECEIVED, activation(bought.id()).status());
        assertEquals(new Balance("USD", CREDIT_MICROS - bought.priceMicros(), 0), balance());
    }

    @Test
    void finishingBeforeAnyCodeIsRefused() {
        Activation bought = buy(owner);

        assertEquals(new ActivationChange.NoCodeYet(), market.orders().finish(owner, bought.id()));
        assertEquals(ActivationStatus.WAITING_CODE, activation(bought.id()).status());
    }

    @Test
    void anSmsAfterCancelIsStoredAsLateAndNeverCharged() {
        Activation bought = buy(owner);
        clock.advance(Duration.ofMinutes(3));
        market.orders().cancel(owner, bought.id());

        SandboxSms sms = market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 12345");

        SandboxSms.Delivered delivered = assertInstanceOf(SandboxSms.Delivered.class, sms);
        assertEquals(new SmsIntake.Late(bought.id()), delivered.intake());
        Activation now = delivered.activation().orElseThrow();
        assertEquals(ActivationStatus.CANCELLED, now.status());
        assertEquals(1, now.messages().size());
        assertTrue(now.messages().getFirst().late());
        assertEquals(List.of(), now.codes(), "a late SMS is not counted as a code");
        assertEquals(List.of(true), db.dsl().select(SMS.LATE).from(SMS).where(SMS.ACTIVATION_ID.eq(bought.id())).fetch(SMS.LATE));
        assertEquals(0, transfers("post", bought.id()));
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), balance());
    }

    @Test
    void aCodeAfterARefundIsWithheldUntilPaidForAndPaidForOnce() {
        Activation bought = buy(owner);
        clock.advance(Duration.ofMinutes(3));
        market.orders().cancel(owner, bought.id());
        market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 55123");

        Activation.Message withheld = activation(bought.id()).messages().getFirst();
        assertTrue(withheld.withheld());
        assertEquals(Optional.empty(), withheld.code());
        assertEquals("", withheld.text(), "neither the code nor the text reaches any view before it is paid for");
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), balance());

        LateSmsPurchase paid = market.orders().buyLateSms(owner, bought.id(), withheld.id());
        LateSmsPurchase again = market.orders().buyLateSms(owner, bought.id(), withheld.id());

        Activation.Message shown = assertInstanceOf(LateSmsPurchase.Bought.class, paid).activation().messages().getFirst();
        assertEquals(Optional.of("55123"), shown.code());
        assertEquals("Telegram code: 55123", shown.text());
        assertFalse(shown.withheld());
        assertInstanceOf(LateSmsPurchase.AlreadyShown.class, again);
        assertEquals(new Balance("USD", CREDIT_MICROS - bought.priceMicros(), 0), balance(), "charged once, the activation's price");
        assertEquals(1, db.dsl().fetchCount(TRANSFER, TRANSFER.KIND.eq("post").and(TRANSFER.REFERENCE.eq("late-sms:" + withheld.id()))));
        assertEquals(ActivationStatus.CANCELLED, activation(bought.id()).status(), "paying to read changes nothing else");
    }

    @Test
    void concurrentPaymentsForOneLateSmsChargeOnce() throws Exception {
        Activation bought = buy(owner);
        clock.advance(Duration.ofMinutes(3));
        market.orders().cancel(owner, bought.id());
        market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 55124");
        long smsId = activation(bought.id()).messages().getFirst().id();

        List<LateSmsPurchase> outcomes = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<LateSmsPurchase>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> market.orders().buyLateSms(owner, bought.id(), smsId)));
            }
            for (Future<LateSmsPurchase> f : futures) {
                outcomes.add(f.get(30, TimeUnit.SECONDS));
            }
        }

        assertEquals(1, outcomes.stream().filter(LateSmsPurchase.Bought.class::isInstance).count(), outcomes.toString());
        assertEquals(new Balance("USD", CREDIT_MICROS - bought.priceMicros(), 0), balance());
    }

    @Test
    void aLateSmsThatCannotBePaidForStaysWithheldAndChangesNothing() {
        Activation bought = buy(owner);
        clock.advance(Duration.ofMinutes(3));
        market.orders().cancel(owner, bought.id());
        market.ledger().adjust(owner, false, CREDIT_MICROS, "test: an empty wallet", "test", "empty-" + owner.value());
        market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 55125");
        long smsId = activation(bought.id()).messages().getFirst().id();

        LateSmsPurchase refused = market.orders().buyLateSms(owner, bought.id(), smsId);

        LateSmsPurchase.InsufficientBalance poor = assertInstanceOf(LateSmsPurchase.InsufficientBalance.class, refused);
        assertEquals(0, poor.availableMicros());
        assertEquals(bought.priceMicros(), poor.priceMicros());
        assertTrue(activation(bought.id()).messages().getFirst().withheld());
        assertEquals(new Balance("USD", 0, 0), balance());
    }

    @Test
    void aLateSmsAfterAPaidCodeIsShownAndNeverWithheld() {
        Activation bought = buy(owner);
        market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 11111");
        market.orders().finish(owner, bought.id());
        market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 22222");

        Activation.Message late = activation(bought.id()).messages().getLast();
        assertTrue(late.late());
        assertFalse(late.withheld(), "the customer paid for this activation already");
        assertEquals(Optional.of("22222"), late.code());
        assertInstanceOf(LateSmsPurchase.AlreadyShown.class, market.orders().buyLateSms(owner, bought.id(), late.id()));
        assertEquals(new Balance("USD", CREDIT_MICROS - bought.priceMicros(), 0), balance(), "nothing more charged");
    }

    @Test
    void anotherAccountsLateSmsIsNotFound() {
        Activation bought = buy(owner);
        clock.advance(Duration.ofMinutes(3));
        market.orders().cancel(owner, bought.id());
        market.orders().injectSandboxSms(owner, bought.id(), "Telegram", "Telegram code: 55126");
        long smsId = activation(bought.id()).messages().getFirst().id();
        AccountId stranger = market.accounts().createSandboxAccount("stranger").owner();

        assertEquals(new LateSmsPurchase.NotFound(), market.orders().buyLateSms(stranger, bought.id(), smsId));
        assertEquals(new LateSmsPurchase.NotFound(), market.orders().buyLateSms(owner, bought.id(), smsId + 1_000_000));
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), market.ledger().balance(stranger));
        assertTrue(activation(bought.id()).messages().getFirst().withheld());
    }

    @Test
    void anotherAccountsActivationIsNotFoundForEveryAction() {
        Activation mine = buy(owner);
        AccountId stranger = market.accounts().createSandboxAccount("stranger").owner();
        clock.advance(Duration.ofMinutes(3));

        assertEquals(Optional.empty(), market.orders().activation(stranger, mine.id()));
        assertEquals(new ActivationChange.NotFound(), market.orders().cancel(stranger, mine.id()));
        assertEquals(new ActivationChange.NotFound(), market.orders().finish(stranger, mine.id()));
        assertEquals(new ActivationChange.NotFound(), market.orders().requestAnotherCode(stranger, mine.id()));
        assertEquals(new SandboxSms.NotFound(), market.orders().injectSandboxSms(stranger, mine.id(), "Telegram", "Telegram code: 12345"));

        Activation untouched = activation(mine.id());
        assertEquals(ActivationStatus.WAITING_CODE, untouched.status());
        assertEquals(List.of(), untouched.messages());
        assertEquals(new Balance("USD", CREDIT_MICROS - mine.priceMicros(), mine.priceMicros()), balance());
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), market.ledger().balance(stranger));
    }

    // Idempotent orders ---------------------------------------------------------------------------

    @Test
    void theSameKeyForTheSameRequestReplaysTheFirstResponseByteForByte() {
        AtomicInteger rendered = new AtomicInteger();
        IdempotencyKey key = new IdempotencyKey("order-1");
        byte[] fingerprint = Orders.fingerprint("POST", "/v1/activations", ORDER_BODY);

        PlaceResult first = market.orders().place(owner, tgInRussia(OptionalLong.empty()), key, fingerprint, a -> {
            rendered.incrementAndGet();
            return render(a);
        });
        PlaceResult second = market.orders().place(owner, tgInRussia(OptionalLong.empty()), key, fingerprint, a -> {
            rendered.incrementAndGet();
            return render(a);
        });

        StoredResponse original = assertInstanceOf(PlaceResult.Placed.class, first).response();
        StoredResponse replayed = assertInstanceOf(PlaceResult.Replayed.class, second).response();
        assertEquals(original.status(), replayed.status());
        assertTrue(Arrays.equals(original.body(), replayed.body()), "replayed body differs from the first response");
        assertEquals(1, rendered.get(), "the replay did not run the order again");
        assertEquals(1, activationsOf(owner));
        assertEquals(1, db.dsl().fetchCount(TRANSFER, TRANSFER.KIND.eq("hold")
                .and(TRANSFER.REFERENCE.eq("activation:" + ((PlaceResult.Placed) first).activation().id()))));
        long price = ((PlaceResult.Placed) first).activation().priceMicros();
        assertEquals(new Balance("USD", CREDIT_MICROS - price, price), balance(), "held once, not twice");
    }

    @Test
    void theSameKeyForADifferentRequestIsRefused() {
        IdempotencyKey key = new IdempotencyKey("order-2");
        market.orders().place(owner, tgInRussia(OptionalLong.empty()), key,
                Orders.fingerprint("POST", "/v1/activations", ORDER_BODY), OrdersTest::render);

        PlaceResult reused = market.orders().place(owner, tgInRussia(OptionalLong.of(5_000_000)), key,
                Orders.fingerprint("POST", "/v1/activations", "{\"service\":\"tg\",\"country\":0,\"max_price\":\"5\"}"
                        .getBytes(StandardCharsets.UTF_8)), OrdersTest::render);

        assertEquals(new PlaceResult.KeyReused(), reused);
        assertEquals(1, activationsOf(owner));
    }

    @Test
    void aKeyWhoseFirstRequestIsStillRunningAnswersInProgressThenReplays() throws Exception {
        IdempotencyKey key = new IdempotencyKey("order-slow");
        byte[] fingerprint = Orders.fingerprint("POST", "/v1/activations", ORDER_BODY);
        CountDownLatch rendering = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            Future<PlaceResult> first = pool.submit(() -> market.orders().place(owner, tgInRussia(OptionalLong.empty()), key,
                    fingerprint, a -> {
                        rendering.countDown();
                        await(resume);
                        return render(a);
                    }));
            await(rendering);

            PlaceResult meanwhile = market.orders().place(owner, tgInRussia(OptionalLong.empty()), key, fingerprint, OrdersTest::render);
            resume.countDown();

            assertEquals(new PlaceResult.InProgress(), meanwhile);
            StoredResponse original = assertInstanceOf(PlaceResult.Placed.class, first.get(30, TimeUnit.SECONDS)).response();
            PlaceResult after = market.orders().place(owner, tgInRussia(OptionalLong.empty()), key, fingerprint, OrdersTest::render);
            assertTrue(Arrays.equals(original.body(), assertInstanceOf(PlaceResult.Replayed.class, after).response().body()));
        }
        assertEquals(1, activationsOf(owner));
    }

    @Test
    void aSlowFirstRequestWhoseKeyWasTakenOverDoesNotPlaceASecondOrder() throws Exception {
        // The first request stalls past its key's lock (as if its node had died), a retry takes the
        // key over and places the order; when the first request wakes up it must not place another.
        TestClock ownClock = new TestClock(clock.instant()); // moved by odd nanoseconds below
        Marketplace node = extraMarket(ownClock, Map.of());
        IdempotencyKey key = new IdempotencyKey("order-stalled");
        byte[] fingerprint = Orders.fingerprint("POST", "/v1/activations", ORDER_BODY);
        CountDownLatch rendering = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<PlaceResult> stalled = pool.submit(() -> node.orders().place(owner, tgInRussia(OptionalLong.empty()), key,
                    fingerprint, a -> {
                        rendering.countDown();
                        await(resume);
                        return render(a);
                    }));
            await(rendering);
            // Past the default 60 s lock; the odd nanoseconds are what a production clock has and
            // the database cannot store.
            ownClock.advance(Duration.ofSeconds(61).plusNanos(123_456_789));
            Instant takenOverUntil = ownClock.instant().plus(Duration.ofSeconds(60)).truncatedTo(ChronoUnit.MICROS);
            // The retry may block on the stalled request's row locks, so it runs on its own thread;
            // the stalled one resumes once the retry's takeover of the key is committed.
            Future<PlaceResult> retry = pool.submit(() -> node.orders().place(owner, tgInRussia(OptionalLong.empty()), key,
                    fingerprint, OrdersTest::render));
            awaitKeyLockedUntil(key, takenOverUntil);
            resume.countDown();

            assertEquals(new PlaceResult.InProgress(), stalled.get(30, TimeUnit.SECONDS), "the stalled request lost its key");
            assertInstanceOf(PlaceResult.Placed.class, retry.get(30, TimeUnit.SECONDS));
        }
        assertEquals(1, activationsOf(owner), "one key, one order");
        Activation bought = market.orders().activations(owner, Optional.empty(), 10, Optional.empty()).items().getFirst();
        assertEquals(new Balance("USD", CREDIT_MICROS - bought.priceMicros(), bought.priceMicros()), balance());
        PlaceResult later = node.orders().place(owner, tgInRussia(OptionalLong.empty()), key, fingerprint, OrdersTest::render);
        assertInstanceOf(PlaceResult.Replayed.class, later);
    }

    @Test
    void anOrderTheAccountCannotPayForChangesNothingAndFreesItsKey() {
        Marketplace pricey = extraMarket(Map.of(
                "simulator.offers.0.service", "tg", "simulator.offers.0.country", "0",
                "simulator.offers.0.cost", "150.00", "simulator.offers.0.stock", "5"));
        IdempotencyKey key = new IdempotencyKey("order-3");
        byte[] fingerprint = Orders.fingerprint("POST", "/v1/activations", ORDER_BODY);

        PlaceResult first = pricey.orders().place(owner, tgInRussia(OptionalLong.empty()), key, fingerprint, OrdersTest::render);

        PlaceResult.InsufficientBalance refused = assertInstanceOf(PlaceResult.InsufficientBalance.class, first);
        assertEquals(CREDIT_MICROS, refused.availableMicros());
        assertEquals(offer(pricey).priceMicros(), refused.priceMicros());
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), balance());
        assertEquals(0, activationsOf(owner));
        assertFalse(keyStored(owner, key), "a refused order leaves no idempotency record behind");
        assertEquals(5, offer(pricey).stock(), "no number was bought for an order that cannot be paid");

        PlaceResult retry = pricey.orders().place(owner, tgInRussia(OptionalLong.empty()), key, fingerprint, OrdersTest::render);
        assertInstanceOf(PlaceResult.InsufficientBalance.class, retry, "the retry is decided afresh, not replayed");

        pricey.ledger().creditSandbox(owner, 100_000_000L, "test-top-up:" + owner.value());
        PlaceResult afterTopUp = pricey.orders().place(owner, tgInRussia(OptionalLong.empty()), key, fingerprint, OrdersTest::render);
        Activation bought = assertInstanceOf(PlaceResult.Placed.class, afterTopUp).activation();
        assertEquals(new Balance("USD", 2 * CREDIT_MICROS - bought.priceMicros(), bought.priceMicros()), balance());
    }

    @Test
    void twoOrdersRacingForTheLastDollarsPlaceOneAndTheDatabaseRefusesTheOther() throws Exception {
        // A provider that takes a moment to sell lets both orders pass the cheap balance check before
        // either records its hold: only the ledger's "never below zero" constraint can stop the second.
        Marketplace slow = extraMarket(Map.of(
                "simulator.offers.0.service", "tg", "simulator.offers.0.country", "0",
                "simulator.offers.0.cost", "48.00", "simulator.offers.0.stock", "5",
                "simulator.latency-millis", "300"));
        long price = offer(slow).priceMicros();
        assertTrue(price > CREDIT_MICROS / 2 && price <= CREDIT_MICROS, "the offer must be affordable once, not twice");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<PlaceResult>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (String k : List.of("race-a", "race-b")) {
                results.add(pool.submit(() -> {
                    start.await();
                    return slow.orders().place(owner, tgInRussia(OptionalLong.empty()), new IdempotencyKey(k),
                            Orders.fingerprint("POST", "/v1/activations", ORDER_BODY), OrdersTest::render);
                }));
            }
            start.countDown();
        }

        List<Class<?>> outcomes = new ArrayList<>();
        for (Future<PlaceResult> f : results) {
            outcomes.add(f.get(30, TimeUnit.SECONDS).getClass());
        }
        assertEquals(1, outcomes.stream().filter(PlaceResult.Placed.class::equals).count(), outcomes.toString());
        assertEquals(1, outcomes.stream().filter(PlaceResult.InsufficientBalance.class::equals).count(), outcomes.toString());
        assertEquals(1, activationsOf(owner));
        assertEquals(new Balance("USD", CREDIT_MICROS - price, price), balance());
        // The number goes back through the status-report outbox, off the order's thread.
        java.time.Instant deadline = java.time.Instant.now().plusSeconds(10);
        while (offer(slow).stock() != 4 && java.time.Instant.now().isBefore(deadline)) {
            Thread.onSpinWait();
        }
        assertEquals(4, offer(slow).stock(), "the refused order's number went back to the provider");
    }

    @Test
    void anOfferWithoutStockAnswersNoNumbersAndFreesTheKey() {
        Marketplace empty = extraMarket(Map.of(
                "simulator.offers.0.service", "tg", "simulator.offers.0.country", "0", "simulator.offers.0.stock", "0"));
        IdempotencyKey key = new IdempotencyKey("order-4");
        byte[] fingerprint = Orders.fingerprint("POST", "/v1/activations", ORDER_BODY);

        PlaceResult first = empty.orders().place(owner, tgInRussia(OptionalLong.empty()), key, fingerprint, OrdersTest::render);
        PlaceResult retry = empty.orders().place(owner, tgInRussia(OptionalLong.empty()), key, fingerprint, OrdersTest::render);

        assertInstanceOf(PlaceResult.NoNumbers.class, first);
        assertInstanceOf(PlaceResult.NoNumbers.class, retry);
        assertEquals(0, activationsOf(owner));
        assertFalse(keyStored(owner, key));
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), balance());
    }

    @Test
    void aPriceCapBelowThePriceAnswersPriceAboveMaxWithTheMinimumPrice() {
        long price = offer(market).priceMicros();
        IdempotencyKey key = new IdempotencyKey("order-5");

        PlaceResult result = market.orders().place(owner, tgInRussia(OptionalLong.of(price - 1)), key,
                Orders.fingerprint("POST", "/v1/activations", ORDER_BODY), OrdersTest::render);

        assertEquals(new PlaceResult.PriceAboveMax(price), result);
        assertEquals(0, activationsOf(owner));
        assertFalse(keyStored(owner, key));
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), balance());
    }

    @Test
    void aPriceCapEqualToThePriceBuys() {
        long price = offer(market).priceMicros();

        PlaceResult result = market.orders().place(owner, tgInRussia(OptionalLong.of(price)), new IdempotencyKey("order-6"),
                Orders.fingerprint("POST", "/v1/activations", ORDER_BODY), OrdersTest::render);

        assertEquals(price, assertInstanceOf(PlaceResult.Placed.class, result).activation().priceMicros());
    }

    // ----------------------------------------------------------------------------------------------

    private Activation buy(AccountId account) {
        PlaceResult result = market.orders().place(account, tgInRussia(OptionalLong.empty()),
                new IdempotencyKey("buy-" + UUID.randomUUID()), Orders.fingerprint("POST", "/v1/activations", ORDER_BODY),
                OrdersTest::render);
        return assertInstanceOf(PlaceResult.Placed.class, result).activation();
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS), "timed out waiting for the other request");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits (bounded) until the key's lock was renewed to {@code until}, i.e. another request owns it. */
    private void awaitKeyLockedUntil(IdempotencyKey key, Instant until) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!db.dsl().fetchExists(IDEMPOTENCY_KEY, IDEMPOTENCY_KEY.ACCOUNT_ID.eq(owner.value())
                .and(IDEMPOTENCY_KEY.KEY.eq(key.value()))
                .and(IDEMPOTENCY_KEY.LOCKED_UNTIL.eq(until.atOffset(ZoneOffset.UTC))))) {
            assertTrue(System.nanoTime() < deadline, "the retry never took the key over");
            Thread.onSpinWait();
        }
    }

    private static OrderRequest tgInRussia(OptionalLong maxPriceMicros) {
        return new OrderRequest(market.inventory().service("tg").orElseThrow(), market.inventory().country(0).orElseThrow(),
                "any", maxPriceMicros, List.of());
    }

    private static StoredResponse render(Activation a) {
        return new StoredResponse(201, ("{\"id\":" + a.id() + ",\"phone\":\"" + a.phone().e164() + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static Offer offer(Marketplace m) {
        return m.inventory().offers(m.inventory().service("tg"), m.inventory().country(0)).getFirst();
    }

    private static Marketplace extraMarket(Map<String, String> config) {
        return extraMarket(clock, config);
    }

    private static Marketplace extraMarket(TestClock nodeClock, Map<String, String> config) {
        Marketplace m = Marketplace.open(db, nodeClock, config);
        extraMarkets.add(m);
        return m;
    }

    private Balance balance() {
        return market.ledger().balance(owner);
    }

    private Activation activation(int id) {
        return market.orders().activation(owner, id).orElseThrow();
    }

    private static String providerRef(int activationId) {
        return db.dsl().select(ACTIVATION.PROVIDER_REF).from(ACTIVATION).where(ACTIVATION.ID.eq(activationId))
                .fetchSingle(ACTIVATION.PROVIDER_REF);
    }

    private static int activationsOf(AccountId account) {
        return db.dsl().fetchCount(ACTIVATION, ACTIVATION.ACCOUNT_ID.eq(account.value()));
    }

    private static int transfers(String kind, int activationId) {
        return db.dsl().fetchCount(TRANSFER, TRANSFER.KIND.eq(kind).and(TRANSFER.REFERENCE.eq("activation:" + activationId)));
    }

    private static boolean keyStored(AccountId account, IdempotencyKey key) {
        return db.dsl().fetchExists(IDEMPOTENCY_KEY, IDEMPOTENCY_KEY.ACCOUNT_ID.eq(account.value()).and(IDEMPOTENCY_KEY.KEY.eq(key.value())));
    }

    @Test
    void anAccountHoldsAtMostFiftyLiveStreamsOnANode() {
        List<Orders.Follow> open = new ArrayList<>();
        try {
            for (int i = 0; i < LiveEvents.MAX_STREAMS_PER_ACCOUNT; i++) {
                open.add(market.orders().follow(owner, Optional.empty()).orElseThrow());
            }
            assertTrue(market.orders().follow(owner, Optional.empty()).isEmpty(), "the 51st is refused");
            AccountId other = market.accounts().createSandboxAccount("streams").owner();
            market.orders().follow(other, Optional.empty()).orElseThrow().close(); // another account is not affected
            open.removeFirst().close();
            market.orders().follow(owner, Optional.of(1)).orElseThrow().close(); // a closed stream frees its place
        } finally {
            open.forEach(Orders.Follow::close);
        }
    }
}
