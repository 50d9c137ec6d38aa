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
import java.util.Optional;
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
        List<Boolean> behindWhenSent = answerWhileNotingBehind(204);
        try (AutoCloseable dispatcher = webhooks.startDispatching(Duration.ofHours(1))) {
            sendCode(owner, "70001", Optional.empty()); // the receiver is seen to answer quickly
            await("the first delivery sent", () -> received.size() == 1);
            // As if the dispatcher had been busy for two seconds since this delivery's commit.
            sendCode(owner, "70002", Optional.of("new.queued_at := clock_timestamp() - interval '2 seconds'"));
            await("the late delivery sent", () -> received.size() == 2);
            sendCode(owner, "70003", Optional.empty());
            await("the prompt delivery sent", () -> received.size() == 3);
        }
        assertEquals(List.of(false, true, false), behindWhenSent);
    }

    @Test
    void waitsTheNodeCannotHelpDoNotMarkItBehind() throws Exception {
        AccountId owner = customerWithEndpoint();
        List<Boolean> behindWhenSent = answerWhileNotingBehind(204);
        try (AutoCloseable dispatcher = webhooks.startDispatching(Duration.ofHours(1))) {
            sendCode(owner, "71001", Optional.empty());
            await("the first delivery sent", () -> received.size() == 1);
            // Claimed by a node that stopped: it waited for that claim to run out, not for this node.
            sendCode(owner, "71002", Optional.of("new.queued_at := clock_timestamp() - interval '3 minutes'; new.locked_until := now() - interval '1 hour'"));
            await("the reclaimed delivery sent", () -> received.size() == 2);
        }
        assertEquals(List.of(false, false), behindWhenSent);

        AccountId failing = customerWithEndpoint();
        List<Boolean> behindForFailing = answerWhileNotingBehind(503);
        try (AutoCloseable dispatcher = webhooks.startDispatching(Duration.ofHours(1))) {
            sendCode(failing, "71003", Optional.empty());
            await("the first attempt to the failing receiver", () -> received.size() == 3);
            // A backlog at a receiver that answers 503 is the receiver's own.
            sendCode(failing, "71004", Optional.of("new.queued_at := clock_timestamp() - interval '2 seconds'"));
            await("the late attempt to the failing receiver", () -> received.size() == 4);
        }
        assertEquals(List.of(false, false), behindForFailing);
    }

    @Test
    void anAttemptWhoseClaimRanOutIsNotWrittenOverTheNextClaim() {
        AccountId owner = customerWithEndpoint();
        Activation a = buy(owner);
        market.orders().injectSandboxSms(owner, a.id(), "Telegram", "Telegram code: 72001");
        WebhookStore.DueDelivery claimed = webhooks.claim(10, Set.of()).getFirst();
        Optional<Webhooks.Outcome> stale = webhooks.send(claimed);
        // Meanwhile the claim ran out and another node claimed the delivery again.
        db.dsl().execute("update webhook_delivery set locked_until = now() + interval '1 minute'");

        webhooks.record(List.of(stale.orElseThrow()));

        assertEquals(List.of("pending"), deliveryStates(owner), "the other claim settles it, not this late write");
        assertEquals(1L, db.dsl().fetchValue("select count(*) from webhook_attempt"), "the attempt itself is history all the same");
    }

    /** The receiver answers {@code status} and notes, as it takes each webhook, whether the node counted as behind. */
    private List<Boolean> answerWhileNotingBehind(int status) {
        List<Boolean> behindWhenSent = new CopyOnWriteArrayList<>();
        receiver.removeContext("/");
        receiver.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            behindWhenSent.add(webhooks.behind()); // moments after the claim that sent it
            received.add("sent");
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        return behindWhenSent;
    }

    /**
     * Buys a number and injects a code for it; {@code backdate} (PL/pgSQL assignments to
     * {@code new}) is applied to its delivery as it is inserted, before any claim can see it.
     */
    private void sendCode(AccountId owner, String code, Optional<String> backdate) {
        Activation a = buy(owner);
        backdate.ifPresent(assignments -> db.dsl().execute("create function backdate() returns trigger language plpgsql as $$ begin "
                + assignments + "; return new; end $$; "
                + "create trigger backdate before insert on webhook_delivery for each row execute function backdate()"));
        market.orders().injectSandboxSms(owner, a.id(), "Telegram", "Telegram code: " + code);
        backdate.ifPresent(x -> db.dsl().execute("drop trigger backdate on webhook_delivery; drop function backdate()"));
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
