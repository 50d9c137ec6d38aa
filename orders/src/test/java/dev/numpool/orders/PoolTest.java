package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.Inventory;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Numpool's own rented numbers sold through the ordinary order path: reused across services,
 * never twice for one service within the cooldown, also under 32 concurrent orders; and not sold
 * past the end of their lease.
 */
class PoolTest {
    private final TestClock clock = new TestClock();

    private Marketplace market(Database db, String pool) {
        return Marketplace.open(db, clock, Map.of("simulator.enabled", "false", "pool.name", pool, "pool.cooldown-days", "30"));
    }

    private static List<Inventory.PoolImport> numbers(int count, Instant leaseEnd) {
        List<Inventory.PoolImport> numbers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            numbers.add(new Inventory.PoolImport("+7912100%04d".formatted(i), "sim-vendor", leaseEnd.toString(), Optional.empty(), Optional.empty()));
        }
        return numbers;
    }

    private static OrderRequest order(Marketplace m, String service) {
        return new OrderRequest(m.inventory().service(service).orElseThrow(), m.inventory().country(0).orElseThrow(), "any",
                OptionalLong.empty(), List.of());
    }

    /** Places {@code count} orders at once, each on its own thread; returns the phones sold. */
    private static List<String> concurrently(Marketplace m, AccountId owner, String service, int count) throws Exception {
        List<Callable<PlaceResult>> orders = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = service + "-" + i + "-" + System.nanoTime();
            orders.add(() -> m.orders().place(owner, order(m, service), new IdempotencyKey(key), new byte[32],
                    a -> new StoredResponse(201, new byte[0])));
        }
        List<String> phones = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(count)) {
            for (Future<PlaceResult> f : threads.invokeAll(orders)) {
                PlaceResult r = f.get();
                if (r instanceof PlaceResult.Placed placed) {
                    phones.add(placed.activation().phone().e164());
                } else {
                    assertInstanceOf(PlaceResult.NoNumbers.class, r);
                }
            }
        }
        return phones;
    }

    private static void cancelAll(Marketplace m, AccountId owner) {
        for (Activation a : m.orders().activations(owner, Optional.of(ActivationStatus.WAITING_CODE), 100, Optional.empty()).items()) {
            assertInstanceOf(ActivationChange.Changed.class, m.orders().cancel(owner, a.id()));
        }
        // Each cancel gives its number back through the status-report outbox, at once and off-thread.
        waitFor("every pool number free", () -> {
            m.orders().deliverDueUpstreamOps(100);
            return m.inventory().poolNumbers(100).stream().noneMatch(Inventory.PoolNumberView::inUse);
        });
    }

    private static void waitFor(String what, BooleanSupplier done) {
        Instant deadline = Instant.now().plusSeconds(20);
        while (!done.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(deadline), "timed out waiting for " + what);
            Thread.onSpinWait();
        }
    }

    @Test
    void aPoolNumberIsNeverSoldTwiceForOneServiceWithinTheCooldownEvenUnder32ConcurrentOrders() throws Exception {
        String pool = "pool-" + System.nanoTime();
        try (Database db = TestServers.freshDatabase(); Marketplace m = market(db, pool)) {
            assertEquals(new Inventory.PoolImportResult.Imported(10), m.inventory().importPool(numbers(10, clock.instant().plus(Duration.ofDays(90)))));
            assertEquals(1, m.inventory().refreshQuotes(Duration.ofMillis(1)));
            assertEquals(10, m.inventory().offers(m.inventory().service("tg"), m.inventory().country(0)).getFirst().stock());
            AccountId owner = m.accounts().createSandboxAccount("pool").owner();

            List<String> tg = concurrently(m, owner, "tg", 32);
            assertEquals(10, tg.size(), "ten numbers, ten sales: " + tg);
            assertEquals(10, new HashSet<>(tg).size(), "no number sold twice at once");

            clock.advance(Duration.ofMinutes(3)); // past the early-cancel window
            cancelAll(m, owner);
            // The quote book still says 10 for tg (no refresh since): the database's cooldown decides.
            assertEquals(List.of(), concurrently(m, owner, "tg", 32), "every number cools down for tg after its sale");
            assertEquals(List.of(), concurrently(m, owner, "wa", 2), "a number rests 15 minutes between two sales");
            clock.advance(Duration.ofMinutes(15));

            List<String> wa = concurrently(m, owner, "wa", 32);
            assertEquals(Set.copyOf(tg), Set.copyOf(wa), "the same numbers are sold for another service");
            clock.advance(Duration.ofMinutes(3));
            cancelAll(m, owner);

            clock.advance(Duration.ofDays(29));
            assertEquals(List.of(), concurrently(m, owner, "tg", 32), "29 days later tg still cools down");
            clock.advance(Duration.ofDays(1));
            m.inventory().refreshQuotes(Duration.ofMillis(1));
            assertEquals(10, new HashSet<>(concurrently(m, owner, "tg", 32)).size(), "after 30 days tg may have them again");
            assertTrue(m.ledger().audit().isEmpty());
        }
    }

    @Test
    void theBuyerOfAPoolNumberMayBuyItAgainForTheServiceWhileItCoolsDownForEveryoneElse() throws Exception {
        String pool = "pool-" + System.nanoTime();
        try (Database db = TestServers.freshDatabase(); Marketplace m = market(db, pool)) {
            m.inventory().importPool(numbers(1, clock.instant().plus(Duration.ofDays(90))));
            m.inventory().refreshQuotes(Duration.ofMillis(1));
            AccountId owner = m.accounts().createSandboxAccount("pool").owner();
            Activation first = assertInstanceOf(PlaceResult.Placed.class, m.orders().place(owner, order(m, "tg"), new IdempotencyKey("first"),
                    new byte[32], a -> new StoredResponse(201, new byte[0]))).activation();
            String ref = db.dsl().fetchSingle("select provider_ref from activation where id = " + first.id()).get(0, String.class);
            m.orders().receiveSms(new dev.numpool.inventory.InboundSms(pool, ref, "Telegram", "Telegram code: 12345", "m1", clock.instant()));
            assertInstanceOf(ActivationChange.Changed.class, m.orders().finish(owner, first.id()));
            waitFor("the number free again", () -> {
                m.orders().deliverDueUpstreamOps(100);
                return m.inventory().poolNumbers(100).stream().noneMatch(Inventory.PoolNumberView::inUse);
            });

            AccountId other = m.accounts().createSandboxAccount("other").owner();
            assertEquals(List.of(), concurrently(m, other, "tg", 1), "the number cools down for tg: nobody else gets it");
            Orders.ReuseOffer.Available offer = assertInstanceOf(Orders.ReuseOffer.Available.class, m.orders().reuseOffer(owner, first.id()));
            assertEquals(first.priceMicros(), offer.priceMicros(), "the pool's cost, priced as an order");
            assertInstanceOf(Orders.ReuseOffer.NotFound.class, m.orders().reuseOffer(other, first.id()), "another buyer's activation is unknown");

            Orders.ReuseResult.Ordered again = assertInstanceOf(Orders.ReuseResult.Ordered.class,
                    m.orders().reuse(owner, first.id(), OptionalLong.empty(), new RetryGuard.None(), a -> new StoredResponse(201, new byte[0])));
            Activation reused = assertInstanceOf(PlaceResult.Placed.class, again.result()).activation();
            assertEquals(first.phone(), reused.phone(), "the same pool number");
            assertInstanceOf(Orders.ReuseOffer.NotReusable.class, m.orders().reuseOffer(owner, first.id()), "it is live again");
        }
    }

    @Test
    void aNumberPastItsLeaseEndIsNotSoldAndIsReleasedWhenItsLastActivationEnds() {
        String pool = "pool-" + System.nanoTime();
        try (Database db = TestServers.freshDatabase(); Marketplace m = market(db, pool)) {
            Instant now = clock.instant();
            m.inventory().importPool(List.of(
                    new Inventory.PoolImport("+79121000001", "sim-vendor", now.plus(Duration.ofMinutes(10)).toString(), Optional.empty(), Optional.empty()),
                    new Inventory.PoolImport("+79121000002", "sim-vendor", now.plus(Duration.ofDays(30)).toString(), Optional.empty(), Optional.empty())));
            m.inventory().refreshQuotes(Duration.ofMillis(1));
            AccountId owner = m.accounts().createSandboxAccount("lease").owner();
            Activation first = assertInstanceOf(PlaceResult.Placed.class, m.orders().place(owner, order(m, "tg"), new IdempotencyKey("a"),
                    new byte[32], a -> new StoredResponse(201, new byte[0]))).activation();
            assertEquals("+79121000001", first.phone().e164(), "least recently sold first, then in import order");

            clock.advance(Duration.ofMinutes(11)); // the first number's lease has ended; its activation is still live
            assertEquals(List.of(), m.inventory().releaseEndedPoolLeases(100), "not released while an activation is live on it");
            Activation second = assertInstanceOf(PlaceResult.Placed.class, m.orders().place(owner, order(m, "wa"), new IdempotencyKey("b"),
                    new byte[32], a -> new StoredResponse(201, new byte[0]))).activation();
            assertEquals("+79121000002", second.phone().e164(), "no new activation on a number past its lease end");

            m.orders().cancel(owner, first.id());
            waitFor("the first number's sale ended", () -> {
                m.orders().deliverDueUpstreamOps(100);
                return m.inventory().poolNumbers(10).stream().filter(n -> n.phone().equals("+79121000001")).noneMatch(Inventory.PoolNumberView::inUse);
            });
            assertEquals(List.of(new Inventory.ReleasedNumber("+79121000001", "sim-vendor")), m.inventory().releaseEndedPoolLeases(100));
            assertEquals(List.of(), m.inventory().releaseEndedPoolLeases(100), "released once");
            assertInstanceOf(PlaceResult.NoNumbers.class, m.orders().place(owner, order(m, "ig"), new IdempotencyKey("c"),
                    new byte[32], a -> new StoredResponse(201, new byte[0])), "the second number is live, the first released");
        }
    }

    @Test
    void anImportIsAllOrNothingAndSaysWhatIsWrongWithEachEntry() {
        try (Database db = TestServers.freshDatabase(); Marketplace m = market(db, "pool-" + System.nanoTime())) {
            String later = clock.instant().plus(Duration.ofDays(30)).toString();
            Inventory.PoolImportResult result = m.inventory().importPool(List.of(
                    new Inventory.PoolImport("+79121000001", "vendor", later, Optional.empty(), Optional.empty()),
                    new Inventory.PoolImport("+7912", "vendor", later, Optional.empty(), Optional.empty()),
                    new Inventory.PoolImport("+79121000001", "vendor", later, Optional.empty(), Optional.empty()),
                    new Inventory.PoolImport("+79121000003", "", later, Optional.empty(), Optional.empty()),
                    new Inventory.PoolImport("+79121000004", "vendor", "tomorrow", Optional.empty(), Optional.empty()),
                    new Inventory.PoolImport("+79121000005", "vendor", later, Optional.of("phone-1"), Optional.empty()),
                    new Inventory.PoolImport("+79121000006", "vendor", later, Optional.of("phone-1"), Optional.of(9))));
            List<String> problems = assertInstanceOf(Inventory.PoolImportResult.Refused.class, result).problems();
            assertEquals(6, problems.size(), problems.toString());
            assertTrue(problems.getFirst().startsWith("entry 2: "), problems.toString());
            assertEquals(List.of(), m.inventory().poolNumbers(10), "nothing imported");
            assertInstanceOf(Inventory.PoolImportResult.Refused.class, m.inventory().importPool(List.of()));
        }
    }
}
