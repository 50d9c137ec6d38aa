package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.FakeSmsActivateUpstream;
import dev.numpool.inventory.FakeSmsActivateUpstream.Answer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PollingAndConcurrencyTest {

    @Test
    void pollingStaysWithinTheProvidersBudgetReachesEveryLiveActivationAndSurvivesAPoisonedSms() {
        TestClock clock = new TestClock();
        String provider = "poll-" + System.nanoTime();
        try (Database db = TestServers.freshDatabase(); FakeSmsActivateUpstream upstream = FakeSmsActivateUpstream.start("key");
             Marketplace market = Marketplace.open(db, clock, Map.of("simulator.enabled", "false", "pool.enabled", "false",
                     "providers.0.name", provider, "providers.0.url", upstream.url().toString(),
                     "providers.0.api-key-env", "POLL_KEY", "providers.0.polls-per-second", "2"), Map.of("POLL_KEY", "key"))) {
            upstream.answer("getPrices", Answer.json("{\"0\":{\"tg\":{\"cost\":0.45,\"count\":100}}}"));
            // An upstream without the list of live activations: polled per activation.
            upstream.answer("getActiveActivations", Answer.text("BAD_ACTION"));
            assertEquals(1, market.inventory().refreshQuotes(Duration.ofMillis(1)));
            AccountId owner = market.accounts().createSandboxAccount("poll").owner();
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                PlaceResult r = market.orders().place(owner, new OrderRequest(market.inventory().service("tg").orElseThrow(),
                                market.inventory().country(0).orElseThrow(), "any", OptionalLong.empty(), List.of()),
                        new IdempotencyKey("poll-" + i), new byte[32], a -> new StoredResponse(201, new byte[0]));
                ids.add(assertInstanceOf(PlaceResult.Placed.class, r).activation().id());
            }
            for (int id : ids) {
                String ref = db.dsl().select(ACTIVATION.PROVIDER_REF).from(ACTIVATION).where(ACTIVATION.ID.eq(id)).fetchSingle().value1();
                upstream.status(ref, "STATUS_OK:" + (10000 + id));
                // One provider sends a NUL byte PostgreSQL cannot store; it must not stop the rest.
                upstream.fullSms(ref, id == ids.get(2) ? "code \u0000" + (10000 + id) : "Your code: " + (10000 + id));
            }

            market.orders().pollProviders(100);
            assertEquals(2, upstream.requests("getStatus").size() + upstream.requests("getActiveActivations").size(),
                    "at most the provider's budget (2 a second) per tick, the refused list included");
            // The budget refills in real time: keep ticking (bounded) until every activation was reached.
            java.time.Instant deadline = java.time.Instant.now().plusSeconds(15);
            while (java.time.Instant.now().isBefore(deadline) && ids.stream().anyMatch(id ->
                    market.orders().activation(owner, id).orElseThrow().status() != ActivationStatus.CODE_RECEIVED)) {
                market.orders().pollProviders(100);
                Thread.onSpinWait();
            }

            for (int id : ids) {
                Activation a = market.orders().activation(owner, id).orElseThrow();
                assertEquals(ActivationStatus.CODE_RECEIVED, a.status(), "activation " + id);
                assertEquals(String.valueOf(10000 + id), a.lastCode().orElseThrow().code().orElseThrow());
            }
            assertTrue(market.ledger().audit().isEmpty());
        }
    }

    @Test
    void anUpstreamThatListsItsLiveActivationsIsSweptAPageARequestWithinTheBudgetAndItsCodesReachIntake() throws Exception {
        TestClock clock = new TestClock();
        String provider = "sweep-" + System.nanoTime();
        try (Database db = TestServers.freshDatabase(); FakeSmsActivateUpstream upstream = FakeSmsActivateUpstream.start("key");
             Marketplace market = Marketplace.open(db, clock, Map.of("simulator.enabled", "false", "pool.enabled", "false",
                     "providers.0.name", provider, "providers.0.url", upstream.url().toString(),
                     "providers.0.api-key-env", "SWEEP_KEY", "providers.0.polls-per-second", "2"), Map.of("SWEEP_KEY", "key"))) {
            upstream.answer("getPrices", Answer.json("{\"0\":{\"tg\":{\"cost\":0.45,\"count\":100}}}"));
            assertEquals(1, market.inventory().refreshQuotes(Duration.ofMillis(1)));
            upstream.sellWaiting(450, "tg"); // sold elsewhere on the same key: the list is five pages long
            AccountId owner = market.accounts().createSandboxAccount("sweep").owner();
            int id = assertInstanceOf(PlaceResult.Placed.class, market.orders().place(owner, new OrderRequest(
                    market.inventory().service("tg").orElseThrow(), market.inventory().country(0).orElseThrow(), "any",
                    OptionalLong.empty(), List.of()), new IdempotencyKey("sweep"), new byte[32],
                    a -> new StoredResponse(201, new byte[0]))).activation().id();
            String ref = db.dsl().select(ACTIVATION.PROVIDER_REF).from(ACTIVATION).where(ACTIVATION.ID.eq(id)).fetchSingle().value1();
            upstream.status(ref, "STATUS_OK:86420");
            upstream.fullSms(ref, "Telegram code 86420");

            market.orders().pollProviders(100);
            assertEquals(2, upstream.requests("getActiveActivations").size(), "the budget (2 a second) is two pages a tick");
            java.time.Instant deadline = java.time.Instant.now().plusSeconds(10);
            while (java.time.Instant.now().isBefore(deadline)
                    && market.orders().activation(owner, id).orElseThrow().status() != ActivationStatus.CODE_RECEIVED) {
                Thread.sleep(100);
                market.orders().pollProviders(100);
            }

            Activation a = market.orders().activation(owner, id).orElseThrow();
            assertEquals(ActivationStatus.CODE_RECEIVED, a.status());
            assertEquals("86420", a.lastCode().orElseThrow().code().orElseThrow());
            assertTrue(upstream.requests("getStatus").isEmpty(), "never a request per activation");
            assertTrue(upstream.requests("getActiveActivations").size() <= 2 + 2 * 11, "within the budget");
            assertTrue(market.ledger().audit().isEmpty());
        }
    }

    @Test
    void ordersAndCancelsOfOneCustomerRacingNeverDeadlockTheLedger() throws Exception {
        TestClock clock = new TestClock();
        try (Database db = TestServers.freshDatabase(); Marketplace market = Marketplace.open(db, clock,
                Map.of("simulator.stock", "100000"))) {
            AccountId owner = market.accounts().createSandboxAccount("race").owner();
            OrderRequest tg = new OrderRequest(market.inventory().service("tg").orElseThrow(), market.inventory().country(0).orElseThrow(),
                    "any", OptionalLong.empty(), List.of());
            List<Integer> toCancel = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                toCancel.add(((PlaceResult.Placed) market.orders().place(owner, tg, new IdempotencyKey("pre-" + i), new byte[32],
                        a -> new StoredResponse(201, new byte[0]))).activation().id());
            }
            clock.advance(Duration.ofMinutes(3)); // past the early-cancel window
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger keys = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    pool.submit(() -> {
                        try {
                            go.await();
                            for (int i = thread; i < 40; i += 8) {
                                // holds (wallet → held) and voids (held → wallet) of one customer, interleaved
                                market.orders().place(owner, tg, new IdempotencyKey("race-" + keys.incrementAndGet()), new byte[32],
                                        a -> new StoredResponse(201, new byte[0]));
                                assertInstanceOf(ActivationChange.Changed.class, market.orders().cancel(owner, toCancel.get(i)));
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                        return null;
                    });
                }
                go.countDown();
            }
            assertTrue(failures.isEmpty(), () -> "no deadlock, no failure: " + failures);
            assertTrue(market.ledger().audit().isEmpty());
        }
    }
}
