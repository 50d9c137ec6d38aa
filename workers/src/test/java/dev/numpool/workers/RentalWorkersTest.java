package dev.numpool.workers;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.Inventory;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Balance;
import dev.numpool.orders.IdempotencyKey;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.Orders;
import dev.numpool.orders.RentOutcome;
import dev.numpool.orders.Rental;
import dev.numpool.orders.RentalRequest;
import dev.numpool.orders.RentalStatus;
import dev.numpool.orders.StoredResponse;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Metrics;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The rental worker on two nodes over one real PostgreSQL: each period charged once and each
 * ended rental released once, however the nodes' sweeps interleave, and a node that dies in the
 * middle of a sweep (its transaction cut off, as by {@code kill -9}) leaves nothing half done.
 */
class RentalWorkersTest {
    private static final Map<String, String> CONFIG = Map.of(
            "simulator.code-probability", "0",
            "simulator.latency-millis", "0",
            "simulator.rent-stock", "100",
            "workers.batch-size", "3");

    private Database db;
    private final TestClock clock = new TestClock(Instant.parse("2026-03-02T09:00:00Z"));
    private Node nodeA;
    private Node nodeB;

    @BeforeEach
    void twoNodes() {
        db = TestServers.freshDatabase();
        nodeA = Node.start(db, clock);
        nodeB = Node.start(db, clock);
    }

    @AfterEach
    void stop() {
        try {
            assertEquals(List.of(), nodeA.ledger().audit());
        } finally {
            nodeA.close();
            nodeB.close();
            db.close();
        }
    }

    @Test
    void rentalsAreChargedPerPeriodAndEndedOnceWhileTwoNodesSweep() throws Exception {
        AccountId owner = nodeA.accounts().createSandboxAccount("renter").owner();
        List<Rental> rented = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rented.add((i % 2 == 0 ? nodeA : nodeB).rent(owner, 2));
        }
        long total = rented.stream().mapToLong(r -> r.periodPriceMicros() * 2).sum();
        Balance before = nodeA.ledger().balance(owner);

        clock.advance(Duration.ofMinutes(30));
        assertEquals(10, sweepConcurrently(nodeA.workers(), nodeB.workers()), "each due rental charged by exactly one node");
        clock.advance(Duration.ofMinutes(31));
        assertEquals(10, sweepConcurrently(nodeA.workers(), nodeB.workers()));
        clock.advance(Duration.ofHours(1));
        assertEquals(10, sweepConcurrently(nodeA.workers(), nodeB.workers()), "each rental ended by exactly one node");

        assertEquals(Map.of("expired", 10), db.dsl().resultQuery("select status, count(*) from rental group by status")
                .fetchMap(r -> r.get(0, String.class), r -> r.get(1, Integer.class)));
        assertEquals(20, count("select count(*) from transfer where kind = 'post' and reference like 'rental:%'"),
                "one post per period, no more");
        assertEquals(0, count("select count(*) from transfer where kind = 'void'"));
        assertEquals(10, count("select count(*) from upstream_op where kind = 'release_used'"),
                "one release per rental");
        assertEquals(new Balance("USD", before.availableMicros(), 0, 0), nodeB.ledger().balance(owner));
        assertEquals(before.availableMicros() + before.heldMicros() - total, nodeB.ledger().balance(owner).availableMicros());
    }

    @Test
    void aNodeDyingInTheMiddleOfASweepLeavesNothingHalfDoneAndTheNextSweepFinishesOnce() {
        AccountId owner = nodeA.accounts().createSandboxAccount("renter").owner();
        Rental first = nodeA.rent(owner, 1);
        Rental second = nodeA.rent(owner, 1);
        Balance before = nodeA.ledger().balance(owner);
        clock.advance(Duration.ofHours(1));
        // The database cuts the sweep off after the first rental's holds were posted and its
        // status written, while ending the second: as a node killed mid-transaction would.
        db.dsl().execute("""
                create function die_mid_sweep() returns trigger language plpgsql as $$
                begin
                    if new.id = %d and new.status = 'expired' then
                        raise exception 'the node died';
                    end if;
                    return new;
                end $$""".formatted(second.id()));
        db.dsl().execute("create trigger die_mid_sweep before update on rental for each row execute function die_mid_sweep()");
        assertThrows(RuntimeException.class, () -> nodeA.workers().runRentalsOnce());
        assertEquals(0, count("select count(*) from transfer where kind = 'post'"), "nothing charged");
        assertEquals(0, count("select count(*) from upstream_op"), "nothing released");
        assertEquals(before, nodeA.ledger().balance(owner));

        db.dsl().execute("drop trigger die_mid_sweep on rental");
        assertEquals(2, nodeB.workers().runRentalsOnce());
        assertEquals(0, nodeA.workers().runRentalsOnce(), "ended once");
        assertEquals(RentalStatus.EXPIRED, nodeA.orders().rentals().rental(owner, first.id()).orElseThrow().status());
        assertEquals(RentalStatus.EXPIRED, nodeA.orders().rentals().rental(owner, second.id()).orElseThrow().status());
        assertEquals(2, count("select count(*) from transfer where kind = 'post'"));
        assertEquals(2, count("select count(*) from upstream_op where kind = 'release_used'"));
        assertEquals(new Balance("USD", before.availableMicros(), 0, 0), nodeA.ledger().balance(owner));
    }

    private int count(String sql) {
        return ((Number) db.dsl().fetchValue(sql)).intValue();
    }

    private static int sweepConcurrently(Workers a, Workers b) throws Exception {
        int total = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 50; round++) {
                CountDownLatch start = new CountDownLatch(1);
                Future<Integer> fromA = pool.submit(() -> {
                    start.await();
                    return a.runRentalsOnce();
                });
                Future<Integer> fromB = pool.submit(() -> {
                    start.await();
                    return b.runRentalsOnce();
                });
                start.countDown();
                int settledA = fromA.get(30, TimeUnit.SECONDS);
                int settledB = fromB.get(30, TimeUnit.SECONDS);
                total += settledA + settledB;
                if (settledA == 0 && settledB == 0) {
                    return total;
                }
            }
        }
        throw new AssertionError("the sweep did not finish in 50 rounds");
    }

    private record Node(Inventory inventory, Orders orders, Accounts accounts, Ledger ledger, Workers workers) implements AutoCloseable {
        static Node start(Database db, TestClock clock) {
            Config config = Config.just(ConfigSources.create(CONFIG));
            Inventory inventory = Inventory.create(db, TestServers.redis(), config, true, clock, Map.of());
            Orders orders = Orders.create(db, TestServers.redis(), inventory, Orders.Settings.from(config.get("orders")), clock, Metrics.globalRegistry());
            return new Node(inventory, orders, Accounts.create(db, clock), Ledger.create(db, clock),
                    new Workers(orders, inventory, Workers.Settings.from(config.get("workers"))));
        }

        Rental rent(AccountId owner, int periods) {
            RentalRequest request = new RentalRequest(Optional.empty(), inventory.country(0).orElseThrow(), periods, OptionalLong.empty());
            return assertInstanceOf(RentOutcome.Rented.class, orders.rentals().rent(owner, request,
                    new IdempotencyKey("rent-" + java.util.UUID.randomUUID()), new byte[32], r -> new StoredResponse(201, new byte[0]))).rental();
        }

        @Override
        public void close() {
            workers.close();
            orders.close();
            inventory.close();
        }
    }
}
