package dev.numpool.workers;

import dev.numpool.db.TestClock;
import dev.numpool.db.Database;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.Inventory;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Activation;
import dev.numpool.orders.ActivationStatus;
import dev.numpool.orders.Balance;
import dev.numpool.orders.IdempotencyKey;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.OrderRequest;
import dev.numpool.orders.Orders;
import dev.numpool.orders.PlaceResult;
import dev.numpool.orders.SandboxSms;
import dev.numpool.orders.StoredResponse;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Metrics;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static dev.numpool.db.jooq.Tables.IDEMPOTENCY_KEY;
import static dev.numpool.db.jooq.Tables.TRANSFER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The background jobs on two nodes at once, each with its own inventory and orders over one real
 * PostgreSQL, as two app instances would run them. The clock is moved by hand; the jobs are
 * called directly instead of scheduled.
 */
class ExpiryWorkersTest {
    private static final long CREDIT_MICROS = Accounts.SANDBOX_CREDIT_MICROS;
    private static final byte[] ORDER_BODY = "{\"service\":\"tg\",\"country\":0}".getBytes(StandardCharsets.UTF_8);
    /** Small batches, so two nodes sweeping 20 activations really take turns and skip each other's rows. */
    private static final Map<String, String> CONFIG = Map.of(
            "simulator.code-probability", "0",
            "simulator.latency-millis", "0",
            "simulator.stock", "100",
            "workers.batch-size", "3");

    private Database db;
    private TestClock clock;
    private Node nodeA;
    private Node nodeB;

    @BeforeEach
    void twoNodes() {
        db = TestServers.freshDatabase();
        clock = new TestClock(Instant.parse("2026-03-02T09:00:00Z"));
        nodeA = Node.start(db, clock);
        nodeB = Node.start(db, clock);
    }

    @AfterEach
    void stopNodes() {
        assertEquals(List.of(), nodeA.ledger().audit());
        nodeA.close();
        nodeB.close();
        db.close();
    }

    @Test
    void activationsWithoutACodeExpireAndAreRefundedExactlyOnceWhileTwoNodesSweep() throws Exception {
        AccountId owner = nodeA.accounts().createSandboxAccount("test").owner();
        List<Activation> bought = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            bought.add((i % 2 == 0 ? nodeA : nodeB).buy(owner, "order-" + i));
        }
        long heldMicros = bought.stream().mapToLong(Activation::priceMicros).sum();
        assertEquals(new Balance("USD", CREDIT_MICROS - heldMicros, heldMicros), nodeA.ledger().balance(owner));
        clock.advance(Duration.ofMinutes(21));

        int ended = sweepConcurrently(nodeA.workers(), nodeB.workers());

        assertEquals(20, ended, "each activation was ended by exactly one node");
        assertEquals(Map.of("expired", 20), db.dsl().select(ACTIVATION.STATUS, DSL.count()).from(ACTIVATION)
                .groupBy(ACTIVATION.STATUS).fetchMap(ACTIVATION.STATUS, DSL.count()));
        Set<Long> holds = Set.copyOf(db.dsl().select(ACTIVATION.HOLD_ID).from(ACTIVATION).fetch(ACTIVATION.HOLD_ID));
        List<Long> voided = db.dsl().select(TRANSFER.HOLD_ID).from(TRANSFER).where(TRANSFER.KIND.eq("void")).fetch(TRANSFER.HOLD_ID);
        assertEquals(20, voided.size(), "one void per hold, no more");
        assertEquals(holds, Set.copyOf(voided), "every hold was voided");
        assertEquals(0, db.dsl().fetchCount(TRANSFER, TRANSFER.KIND.eq("post")));
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), nodeB.ledger().balance(owner));
    }

    @Test
    void anActivationWithACodeFinishesAtTheEndOfItsWindowAndStaysCharged() {
        AccountId owner = nodeA.accounts().createSandboxAccount("test").owner();
        Activation coded = nodeA.buy(owner, "order-coded");
        Activation unanswered = nodeA.buy(owner, "order-unanswered");
        assertInstanceOf(SandboxSms.Delivered.class,
                nodeA.orders().injectSandboxSms(owner, coded.id(), "Telegram", "Telegram code: 12345"));
        clock.advance(Duration.ofMinutes(19));
        assertEquals(0, nodeB.workers().runExpiryOnce(), "nothing is due inside the window");

        clock.advance(Duration.ofMinutes(2));
        assertEquals(2, nodeB.workers().runExpiryOnce());

        Activation finished = nodeA.orders().activation(owner, coded.id()).orElseThrow();
        assertEquals(ActivationStatus.FINISHED, finished.status());
        assertEquals(ActivationStatus.EXPIRED, nodeA.orders().activation(owner, unanswered.id()).orElseThrow().status());
        assertEquals(clock.instant(), finished.endedAt().orElseThrow());
        assertEquals(0, db.dsl().fetchCount(TRANSFER, TRANSFER.KIND.eq("void").and(TRANSFER.REFERENCE.eq("activation:" + coded.id()))),
                "a delivered code is not refunded");
        assertEquals(new Balance("USD", CREDIT_MICROS - coded.priceMicros(), 0), nodeA.ledger().balance(owner));
        assertEquals(0, nodeA.workers().runExpiryOnce(), "ended activations are not swept again");
    }

    @Test
    void idempotencyKeysOlderThanTheirTimeToLiveAreReapedInBoundedBatches() {
        AccountId owner = nodeA.accounts().createSandboxAccount("test").owner();
        for (int i = 0; i < 5; i++) {
            nodeA.buy(owner, "old-" + i);
        }
        clock.advance(Duration.ofHours(23));
        nodeA.buy(owner, "recent");
        clock.advance(Duration.ofHours(2)); // the old keys are 25 hours old, the recent one 2 hours

        assertEquals(3, nodeA.workers().runReaperOnce(), "one batch at most");
        assertEquals(2, nodeB.workers().runReaperOnce());
        assertEquals(0, nodeA.workers().runReaperOnce());

        assertEquals(List.of("recent"), db.dsl().select(IDEMPOTENCY_KEY.KEY).from(IDEMPOTENCY_KEY).fetch(IDEMPOTENCY_KEY.KEY));
        assertInstanceOf(PlaceResult.Replayed.class, nodeA.place(owner, "recent"), "a kept key still replays");
        assertInstanceOf(PlaceResult.Placed.class, nodeA.place(owner, "old-0"), "a reaped key is new again");
    }

    /**
     * Runs both nodes' expiry job at the same instant, round after round, until a round in which
     * neither ended anything. Returns how many activations they ended in all.
     */
    private static int sweepConcurrently(Workers a, Workers b) throws Exception {
        int total = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 50; round++) {
                CountDownLatch start = new CountDownLatch(1);
                Future<Integer> fromA = pool.submit(() -> {
                    start.await();
                    return a.runExpiryOnce();
                });
                Future<Integer> fromB = pool.submit(() -> {
                    start.await();
                    return b.runExpiryOnce();
                });
                start.countDown();
                int endedA = fromA.get(30, TimeUnit.SECONDS);
                int endedB = fromB.get(30, TimeUnit.SECONDS);
                total += endedA + endedB;
                if (endedA == 0 && endedB == 0) {
                    return total;
                }
            }
        }
        throw new AssertionError("the sweep did not finish in 50 rounds; " + total + " ended so far");
    }

    /** One app node: its own simulator, orders door and workers, over the shared database. */
    private record Node(Inventory inventory, Orders orders, Accounts accounts, Ledger ledger, Workers workers)
            implements AutoCloseable {
        static Node start(Database db, TestClock clock) {
            Config config = Config.just(ConfigSources.create(CONFIG));
            Inventory inventory = Inventory.create(db, TestServers.redis(), config, true, clock, Map.of());
            Orders orders = Orders.create(db, TestServers.redis(), inventory, Orders.Settings.from(config.get("orders")), clock, Metrics.globalRegistry());
            return new Node(inventory, orders, Accounts.create(db, clock), Ledger.create(db, clock),
                    new Workers(orders, inventory, Workers.Settings.from(config.get("workers"))));
        }

        PlaceResult place(AccountId owner, String key) {
            OrderRequest request = new OrderRequest(inventory.service("tg").orElseThrow(), inventory.country(0).orElseThrow(),
                    "any", OptionalLong.empty(), List.of());
            return orders.place(owner, request, new IdempotencyKey(key), Orders.fingerprint("POST", "/v1/activations", ORDER_BODY),
                    a -> new StoredResponse(201, ("{\"id\":" + a.id() + "}").getBytes(StandardCharsets.UTF_8)));
        }

        Activation buy(AccountId owner, String key) {
            return assertInstanceOf(PlaceResult.Placed.class, place(owner, key)).activation();
        }

        @Override
        public void close() {
            workers.close();
            orders.close();
            inventory.close();
        }
    }
}
