package dev.numpool.orders;

import com.sun.net.httpserver.HttpServer;
import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook dispatcher against a real receiver on 127.0.0.1: woken by the commit rather than
 * its poll, sending concurrently, and never letting an activation's later event overtake an
 * earlier one that is still on its way.
 */
class WebhookDispatchTest {
    private Database db;
    private TestClock clock;
    private Marketplace market;
    private Webhooks webhooks;
    private HttpServer receiver;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** While set, the receiver holds every answer until it is counted down. */
    private volatile CountDownLatch hold = new CountDownLatch(0);

    @BeforeEach
    void open() throws IOException {
        db = TestServers.freshDatabase();
        clock = new TestClock(Instant.now());
        market = Marketplace.open(db, clock);
        webhooks = Webhooks.create(db, TestServers.redis(), new Webhooks.Settings(true, Set.of("127.0.0.1")), clock);
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            inFlight.incrementAndGet();
            received.add(body);
            try {
                hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void close() {
        hold.countDown();
        receiver.stop(0);
        market.close();
        db.close();
    }

    @Test
    void aCommittedCodeWakesTheDispatcherLongBeforeItsPoll() throws Exception {
        AccountId owner = customerWithEndpoint();
        try (AutoCloseable dispatcher = webhooks.startDispatching(Duration.ofHours(1))) {
            Activation a = buy(owner);
            market.orders().injectSandboxSms(owner, a.id(), "Telegram", "Telegram code: 40001");

            // The poll is an hour away: only the commit's wake-up can bring it here in time.
            await("the code at the receiver", () -> received.size() == 1);
            assertTrue(received.getFirst().contains("40001"), received.getFirst());
            await("the attempt written down", () -> deliveryStates(owner).equals(List.of("delivered")));
        }
    }

    @Test
    void deliveriesToOneEndpointGoOutConcurrently() throws Exception {
        AccountId owner = customerWithEndpoint();
        int activations = 20;
        hold = new CountDownLatch(1);
        try (AutoCloseable dispatcher = webhooks.startDispatching(Duration.ofHours(1))) {
            for (int i = 0; i < activations; i++) {
                Activation a = buy(owner);
                market.orders().injectSandboxSms(owner, a.id(), "Telegram", "Telegram code: " + (50000 + i));
            }
            // A sender that waited for each answer before the next would never have two at once.
            await("all 20 at the receiver at the same time", () -> inFlight.get() == activations);
            hold.countDown();
            await("every attempt written down", () -> deliveryStates(owner).stream().filter("delivered"::equals).count() == activations);
        }
    }

    @Test
    void anActivationsNextEventWaitsUntilTheOneBeforeItIsWrittenDown() throws Exception {
        AccountId owner = customerWithEndpoint();
        Activation a = buy(owner);
        market.orders().injectSandboxSms(owner, a.id(), "Telegram", "Telegram code: 60001");
        market.orders().injectSandboxSms(owner, a.id(), "Telegram", "Telegram code: 60002");
        hold = new CountDownLatch(1);

        Thread first = Thread.ofVirtual().start(() -> webhooks.dispatchDue(100));
        await("the first code at the receiver", () -> received.size() == 1);
        // Another node looking now finds nothing it may send: the first is on its way, and the
        // second may not overtake it.
        assertEquals(0, webhooks.dispatchDue(100));
        hold.countDown();
        first.join(Duration.ofSeconds(30));

        assertEquals(1, webhooks.dispatchDue(100), "the second, once the first is written down");
        assertEquals(2, received.size());
        assertTrue(received.get(0).contains("60001") && received.get(1).contains("60002"), received.toString());
    }

    @Test
    void aDeliveryThatWaitedLongForItsClaimMarksTheNodeBehindAndAPromptOneDoesNot() throws Exception {
        AccountId owner = customerWithEndpoint();
        List<Boolean> behindWhenSent = new CopyOnWriteArrayList<>();
        receiver.removeContext("/");
        receiver.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            behindWhenSent.add(webhooks.behind()); // moments after the claim that sent it
            received.add("sent");
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        Activation late = buy(owner);
        market.orders().injectSandboxSms(owner, late.id(), "Telegram", "Telegram code: 70001");
        // As if the dispatcher had been busy for two seconds since this delivery's commit.
        db.dsl().execute("update webhook_delivery set queued_at = clock_timestamp() - interval '2 seconds'");
        assertTrue(!webhooks.behind(), "no dispatcher, nothing measured yet");

        try (AutoCloseable dispatcher = webhooks.startDispatching(Duration.ofHours(1))) {
            await("the late delivery sent", () -> received.size() == 1);
            Activation prompt = buy(owner);
            market.orders().injectSandboxSms(owner, prompt.id(), "Telegram", "Telegram code: 70002");
            await("the prompt delivery sent", () -> received.size() == 2);
        }
        assertEquals(List.of(true, false), behindWhenSent);
    }

    // ----------------------------------------------------------------------------------------------

    private AccountId customerWithEndpoint() {
        AccountId owner = market.accounts().createSandboxAccount("hooks").owner();
        assertInstanceOf(Webhooks.Created.Endpoint.class, webhooks.create(owner,
                "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks", List.of("activation.code_received")));
        return owner;
    }

    private Activation buy(AccountId owner) {
        return assertInstanceOf(PlaceResult.Placed.class, market.buyTelegram(owner)).activation();
    }

    private List<String> deliveryStates(AccountId owner) {
        List<String> states = new ArrayList<>();
        for (Webhooks.Endpoint e : webhooks.endpoints(owner)) {
            webhooks.deliveries(owner, e.id(), 100).forEach(d -> states.add(d.state()));
        }
        return states;
    }

    private static void await(String what, BooleanSupplier done) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!done.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("never happened within 30 s: " + what);
            }
            Thread.onSpinWait();
        }
    }
}
