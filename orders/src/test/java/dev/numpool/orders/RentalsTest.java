package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.InboundSms;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rentals through the orders door on a real PostgreSQL: the money of each period held at the rent
 * and charged as its period begins, the refund window, early return, extension, expiry, the SMS
 * a rented number receives, and pool numbers rented and released. The clock is moved by hand.
 */
class RentalsTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-05-04T09:00:00Z"));
    private Database db;
    private Marketplace market;
    private Rentals rentals;
    private AccountId owner;

    @BeforeEach
    void open() {
        db = TestServers.freshDatabase();
        market = Marketplace.open(db, clock);
        rentals = market.orders().rentals();
        owner = market.accounts().createSandboxAccount("renter").owner();
    }

    @AfterEach
    void close() {
        try {
            assertEquals(List.of(), market.ledger().audit());
        } finally {
            market.close();
            db.close();
        }
    }

    private RentalRequest anyNumber(int periods) {
        return new RentalRequest(Optional.empty(), market.inventory().country(0).orElseThrow(), periods, OptionalLong.empty());
    }

    private Rental rent(int periods) {
        return assertInstanceOf(RentOutcome.Rented.class, rentals.rent(owner, anyNumber(periods), key(), new byte[32], Rentals_::stored)).rental();
    }

    /** The fingerprint of another request than the {@code new byte[32]} the tests use. */
    private static byte[] otherRequest() {
        byte[] f = new byte[32];
        f[0] = 1;
        return f;
    }

    private static IdempotencyKey key() {
        return new IdempotencyKey("k-" + UUID.randomUUID());
    }

    /** Stands in for an API's rendering of the answer stored with the key. */
    private static final class Rentals_ {
        static StoredResponse stored(Rental r) {
            return new StoredResponse(201, ("{\"id\":" + r.id() + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private void sms(Rental r, String text) {
        assertInstanceOf(Rentals.SandboxSms.Delivered.class, rentals.injectSandboxSms(owner, r.id(), "Bank", text));
    }

    private Balance balance() {
        return market.ledger().balance(owner);
    }

    @Test
    void everyPeriodIsHeldAtTheRentAndChargedAsItBegins() {
        Balance before = balance();
        Rental r = rent(3);
        long price = r.periodPriceMicros();
        assertEquals(Duration.ofHours(1), r.period());
        assertEquals(r.createdAt().plus(Duration.ofHours(3)), r.endsAt());
        assertEquals(r.createdAt().plus(Duration.ofMinutes(20)), r.refundableUntil());
        assertEquals(new Balance("USD", before.availableMicros() - 3 * price, 3 * price, 0), balance());

        clock.advance(Duration.ofMinutes(19));
        assertEquals(0, rentals.settleDue(100), "nothing is due within the refund window");
        clock.advance(Duration.ofMinutes(1));
        assertEquals(1, rentals.settleDue(100));
        assertEquals(2 * price, balance().heldMicros(), "the first period is charged when the refund window closes");
        assertEquals(0, rentals.settleDue(100), "charged once");

        clock.advance(Duration.ofMinutes(40));
        assertEquals(1, rentals.settleDue(100));
        assertEquals(price, balance().heldMicros(), "the second period is charged as it begins");
        assertEquals(2, rentals.rental(owner, r.id()).orElseThrow().chargedPeriods());

        clock.advance(Duration.ofHours(2));
        assertEquals(1, rentals.settleDue(100));
        Rental ended = rentals.rental(owner, r.id()).orElseThrow();
        assertEquals(RentalStatus.EXPIRED, ended.status());
        assertEquals(3, ended.chargedPeriods());
        assertEquals(new Balance("USD", before.availableMicros() - 3 * price, 0, 0), balance());
        assertEquals(0, rentals.settleDue(100), "an expired rental is ended once");
    }

    @Test
    void everySmsIsKeptAndTheFirstEndsTheRefundWindow() {
        Rental r = rent(2);
        long price = r.periodPriceMicros();
        clock.advance(Duration.ofMinutes(5));
        sms(r, "Your Bank code is 551234");
        assertEquals(price, balance().heldMicros(), "the first SMS charges the period begun");
        assertInstanceOf(RentalChange.SmsAlreadyReceived.class, rentals.cancel(owner, r.id()));
        clock.advance(Duration.ofMinutes(70));
        rentals.settleDue(100);
        sms(r, "Second message, no code here");
        sms(r, "G-778812 is your Google verification code");
        Rental now = rentals.rental(owner, r.id()).orElseThrow();
        assertEquals(3, now.messages().size());
        assertEquals(Optional.of("551234"), now.messages().getFirst().code());
        assertEquals("Second message, no code here", now.messages().get(1).text());
        assertEquals(2, now.chargedPeriods());

        // A provider pushing the same message twice is acknowledged, not kept twice.
        var row = db.dsl().fetchOne("select provider, provider_ref from rental where id = " + r.id());
        InboundSms push = new InboundSms(row.get(0, String.class), row.get(1, String.class), "Bank", "Pushed twice", "msg-1", clock.instant());
        assertInstanceOf(SmsIntake.Accepted.class, market.orders().receiveSms(push));
        assertInstanceOf(SmsIntake.Duplicate.class, market.orders().receiveSms(push));
        assertEquals(4, rentals.rental(owner, r.id()).orElseThrow().messages().size());

        clock.advance(Duration.ofHours(1));
        rentals.settleDue(100);
        assertInstanceOf(SmsIntake.Late.class, market.orders().receiveSms(new InboundSms(push.provider(), push.providerRef(), "Bank",
                "After the end", "msg-2", clock.instant())));
        assertEquals(4, rentals.rental(owner, r.id()).orElseThrow().messages().size(), "an SMS after the rental ended is kept, never shown");
    }

    @Test
    void aRentalIsRefundedInFullWithinTheWindowAndNotAfter() {
        Balance before = balance();
        Rental r = rent(4);
        clock.advance(Duration.ofMinutes(19));
        Rental cancelled = assertInstanceOf(RentalChange.Changed.class, rentals.cancel(owner, r.id())).rental();
        assertEquals(RentalStatus.CANCELLED, cancelled.status());
        assertEquals(4, cancelled.refundedPeriods());
        assertEquals(before, balance());
        assertEquals(new RentalChange.AlreadyEnded(RentalStatus.CANCELLED), rentals.cancel(owner, r.id()));

        Rental late = rent(1);
        clock.advance(Duration.ofMinutes(20));
        assertEquals(new RentalChange.RefundWindowClosed(late.refundableUntil()), rentals.cancel(owner, late.id()));
    }

    @Test
    void anEarlyReturnPaysTheCurrentPeriodAndRefundsThoseNotBegun() {
        Balance before = balance();
        Rental r = rent(5);
        long price = r.periodPriceMicros();
        clock.advance(Duration.ofMinutes(90));
        rentals.settleDue(100);
        Rental returned = assertInstanceOf(RentalChange.Changed.class, rentals.finish(owner, r.id())).rental();
        assertEquals(RentalStatus.FINISHED, returned.status());
        assertEquals(2, returned.chargedPeriods());
        assertEquals(3, returned.refundedPeriods());
        assertEquals(new Balance("USD", before.availableMicros() - 2 * price, 0, 0), balance());
        assertEquals(new RentalChange.AlreadyEnded(RentalStatus.FINISHED), rentals.finish(owner, r.id()));
    }

    @Test
    void anExtensionHoldsTheNextPeriodsOnceUnderItsKey() {
        Rental r = rent(1);
        long price = r.periodPriceMicros();
        IdempotencyKey key = key();
        ExtendOutcome first = rentals.extend(owner, r.id(), 2, key, new byte[32], Rentals_::stored);
        Rental extended = assertInstanceOf(ExtendOutcome.Extended.class, first).rental();
        assertEquals(3, extended.periods());
        assertEquals(r.endsAt().plus(Duration.ofHours(2)), extended.endsAt());
        assertInstanceOf(ExtendOutcome.Replayed.class, rentals.extend(owner, r.id(), 2, key, new byte[32], Rentals_::stored));
        assertInstanceOf(ExtendOutcome.KeyReused.class, rentals.extend(owner, r.id(), 2, key, otherRequest(), Rentals_::stored));
        assertEquals(3 * price, balance().heldMicros(), "the replay held nothing more");
        assertEquals(new ExtendOutcome.TooManyPeriods(720), rentals.extend(owner, r.id(), 719, key(), new byte[32], Rentals_::stored));
        assertEquals(new ExtendOutcome.TooManyPeriods(720), rentals.extend(owner, r.id(), Integer.MAX_VALUE, key(), new byte[32], Rentals_::stored));

        clock.advance(Duration.ofHours(3));
        assertInstanceOf(ExtendOutcome.AlreadyEnded.class, rentals.extend(owner, r.id(), 1, key(), new byte[32], Rentals_::stored));
        assertEquals(new RentalChange.AlreadyEnded(RentalStatus.EXPIRED), rentals.finish(owner, r.id()), "ended as the worker would");
        assertEquals(0, balance().heldMicros());
        assertEquals(3, rentals.rental(owner, r.id()).orElseThrow().chargedPeriods());
    }

    @Test
    void anotherAccountsRentalAndBadRequestsChangeNothing() {
        Rental r = rent(2);
        AccountId stranger = market.accounts().createSandboxAccount("stranger").owner();
        Balance mine = balance();
        Balance theirs = market.ledger().balance(stranger);
        assertEquals(Optional.empty(), rentals.rental(stranger, r.id()));
        assertInstanceOf(RentalChange.NotFound.class, rentals.cancel(stranger, r.id()));
        assertInstanceOf(RentalChange.NotFound.class, rentals.finish(stranger, r.id()));
        assertInstanceOf(ExtendOutcome.NotFound.class, rentals.extend(stranger, r.id(), 1, key(), new byte[32], Rentals_::stored));
        assertInstanceOf(Rentals.SandboxSms.NotFound.class, rentals.injectSandboxSms(stranger, r.id(), "x", "y"));
        assertEquals(new RentOutcome.TooManyPeriods(720), rentals.rent(owner, anyNumber(721), key(), new byte[32], Rentals_::stored));
        assertInstanceOf(RentOutcome.InsufficientBalance.class, rentals.rent(owner, anyNumber(720), key(), new byte[32], Rentals_::stored),
                "720 periods cost more than the sandbox's 100.00");
        assertEquals(mine, balance());
        assertEquals(theirs, market.ledger().balance(stranger));
        assertEquals(1, rentals.rentals(owner, Optional.empty(), 10, Optional.empty()).items().size());
    }

    @Test
    void twoWorkersSettlingAtOnceChargeEachPeriodOnce() throws Exception {
        List<Rental> rented = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rented.add(rent(3));
        }
        long price = rented.getFirst().periodPriceMicros();
        Balance before = balance();
        clock.advance(Duration.ofMinutes(110));
        List<Callable<Integer>> workers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            workers.add(() -> {
                int n = 0;
                for (int round = 0; round < 20; round++) {
                    n += rentals.settleDue(2);
                }
                return n;
            });
        }
        try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
            for (Future<Integer> f : threads.invokeAll(workers)) {
                f.get();
            }
        }
        long sum = 0;
        for (Rental r : rented) {
            sum += price * rentals.rental(owner, r.id()).orElseThrow().chargedPeriods();
        }
        assertEquals(10 * 2 * price, sum, "two periods of each begun, each charged once");
        assertEquals(before.availableMicros(), balance().availableMicros());
        assertEquals(10 * price, balance().heldMicros(), "the third periods have not begun");
    }

    @Test
    void aRentedPoolNumberIsNotSoldMeanwhileAndIsSellableAgainAfterItsRental() {
        try (Marketplace pool = Marketplace.open(db, clock, Map.of("simulator.enabled", "false", "pool.name", "pool-r"))) {
            assertEquals(new Inventory.PoolImportResult.Imported(1), pool.inventory().importPool(List.of(new Inventory.PoolImport("+447400123456",
                    "vendor", clock.instant().plus(Duration.ofDays(20)).toString(), Optional.empty(), Optional.empty()))));
            RentalRequest uk = new RentalRequest(Optional.empty(), pool.inventory().country(16).orElseThrow(), 2, OptionalLong.empty());
            Rental r = assertInstanceOf(RentOutcome.Rented.class, pool.orders().rentals().rent(owner, uk, key(), new byte[32], Rentals_::stored)).rental();
            assertEquals("+447400123456", r.phone().e164());
            assertTrue(pool.inventory().poolNumbers(10).getFirst().inUse());
            assertEquals(1, pool.inventory().refreshQuotes(Duration.ofMillis(1)));
            assertEquals(List.of(), pool.inventory().offers(pool.inventory().service("tg"), pool.inventory().country(16)), "not for sale meanwhile");
            assertInstanceOf(RentOutcome.NoNumbers.class, pool.orders().rentals().rent(owner, uk, key(), new byte[32], Rentals_::stored));
            assertEquals(new ExtendOutcome.NotExtendable("the provider cannot keep this number until " + r.endsAt().plus(Duration.ofHours(600))),
                    pool.orders().rentals().extend(owner, r.id(), 600, key(), new byte[32], Rentals_::stored), "its own lease ends in 20 days");

            // Its SMS come by the pool's webhooks, addressed to the number, and reach the rental.
            assertInstanceOf(SmsIntake.Accepted.class, pool.orders().receiveSms(new InboundSms("pool-r",
                    db.dsl().fetchOne("select provider_ref from rental where id = " + r.id()).get(0, String.class), "+4470", "Code 424242", "sid-1",
                    clock.instant())));

            clock.advance(Duration.ofHours(2));
            assertEquals(1, pool.orders().rentals().settleDue(100));
            // The release goes to the pool through the status-report outbox, at once and off-thread.
            Instant deadline = Instant.now().plusSeconds(20);
            while (pool.inventory().poolNumbers(10).stream().anyMatch(Inventory.PoolNumberView::inUse)) {
                assertTrue(Instant.now().isBefore(deadline), "released at the end");
                pool.orders().deliverDueUpstreamOps(100);
                Thread.onSpinWait();
            }
            clock.advance(Duration.ofMinutes(15)); // the quarantine between two sales
            assertEquals(1, pool.inventory().refreshQuotes(Duration.ofMillis(1)));
            assertEquals(List.of(), pool.inventory().offers(pool.inventory().service("tg"), pool.inventory().country(16)),
                    "rented for every service, it cools down for every service");
            clock.advance(Duration.ofDays(31));
            pool.inventory().importPool(List.of(new Inventory.PoolImport("+447400123456", "vendor", clock.instant().plus(Duration.ofDays(60)).toString(),
                    Optional.empty(), Optional.empty()))); // its vendor's lease renewed
            assertEquals(1, pool.inventory().refreshQuotes(Duration.ofMillis(1)));
            assertEquals(1, pool.inventory().offers(pool.inventory().service("tg"), pool.inventory().country(16)).getFirst().stock(),
                    "sellable again after its cooldown");
        }
    }
}
