package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.FakeSmsActivateUpstream;
import dev.numpool.inventory.FakeSmsActivateUpstream.Answer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A buy whose answer never came back may still have sold a number: the provider's own list of
 * live activations shows it, and Numpool gives it back, never touching the numbers it did record.
 */
class ReconcileTest {

    @Test
    void aNumberSoldWhileTheBuyTimedOutIsFoundInTheProvidersListAndGivenBack() {
        TestClock clock = new TestClock();
        String provider = "slow-" + System.nanoTime();
        try (Database db = TestServers.freshDatabase(); FakeSmsActivateUpstream upstream = FakeSmsActivateUpstream.start("key");
             Marketplace m = Marketplace.open(db, clock, Map.of("simulator.enabled", "false", "pool.enabled", "false",
                     "providers.0.name", provider, "providers.0.url", upstream.url().toString(),
                     "providers.0.api-key-env", "SLOW_KEY", "providers.0.timeout-millis", "1000"), Map.of("SLOW_KEY", "key"))) {
            upstream.answer("getPrices", Answer.json("{\"0\":{\"tg\":{\"cost\":0.45,\"count\":100}}}"));
            m.inventory().refreshQuotes(Duration.ofMillis(1));
            AccountId owner = m.accounts().createSandboxAccount("reconcile").owner();
            OrderRequest tg = new OrderRequest(m.inventory().service("tg").orElseThrow(), m.inventory().country(0).orElseThrow(), "any",
                    OptionalLong.empty(), List.of());
            Activation kept = assertInstanceOf(PlaceResult.Placed.class, m.orders().place(owner, tg, new IdempotencyKey("kept"), new byte[32],
                    a -> new StoredResponse(201, new byte[0]))).activation();
            assertEquals(0, m.orders().reconcileUpstream(Duration.ofMinutes(1)), "nothing uncertain yet: the provider is not even asked");
            // Someone else uses the same upstream account: a WhatsApp number bought outside Numpool.
            java.net.http.HttpResponse<String> theirs;
            try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
                theirs = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(upstream.url()
                        + "?api_key=key&action=getNumber&service=wa&country=0")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            String theirRef = theirs.body().split(":")[1];
            assertEquals(0, upstream.requests("getActiveActivations").size());

            // The provider sells, then answers too late: the order sees a timeout.
            upstream.answer("getNumberV2", request -> upstream.byDefaultFor(request).after(Duration.ofSeconds(2)));
            PlaceResult.NoNumbers none = assertInstanceOf(PlaceResult.NoNumbers.class, m.orders().place(owner, tg, new IdempotencyKey("lost"),
                    new byte[32], a -> new StoredResponse(201, new byte[0])));
            assertEquals("failed: timeout", none.trace().attempts().getFirst().outcome());

            assertEquals(0, m.orders().reconcileUpstream(Duration.ofMinutes(1)), "first seen: a suspect, not yet given back");
            assertEquals(1, upstream.requests("getActiveActivations").size());
            clock.advance(Duration.ofSeconds(20));
            assertEquals(0, m.orders().reconcileUpstream(Duration.ofMinutes(1)), "asked at most every 30 s");
            assertEquals(1, upstream.requests("getActiveActivations").size());
            clock.advance(Duration.ofSeconds(50));
            assertEquals(1, m.orders().reconcileUpstream(Duration.ofMinutes(1)));

            Instant deadline = Instant.now().plusSeconds(20);
            while (upstream.requests("setStatus").stream().noneMatch(r -> "8".equals(r.param("status")))) {
                assertTrue(Instant.now().isBefore(deadline), "the lost number was never cancelled upstream");
                m.orders().deliverDueUpstreamOps(10);
                Thread.onSpinWait();
            }
            Set<String> cancelled = upstream.requests("setStatus").stream().filter(r -> "8".equals(r.param("status")))
                    .map(r -> r.param("id")).collect(Collectors.toSet());
            String keptRef = db.dsl().fetchSingle("select provider_ref from activation where id = " + kept.id()).get(0, String.class);
            assertTrue(!cancelled.contains(keptRef), "the recorded activation is left alone: " + cancelled);
            assertEquals(Set.of(String.valueOf(Long.parseLong(keptRef) + 2)), cancelled, "only the number sold while the buy timed out");
            assertTrue(!cancelled.contains(theirRef), "another client's activation of another service is left alone");
            clock.advance(Duration.ofMinutes(2));
            assertEquals(0, m.orders().reconcileUpstream(Duration.ofMinutes(1)), "one lost buy, one number given back, no more");
            assertEquals(ActivationStatus.WAITING_CODE, m.orders().activation(owner, kept.id()).orElseThrow().status());
            assertEquals(kept.priceMicros(), m.ledger().balance(owner).heldMicros(), "one hold: the recorded order's, nothing for the lost one");
            assertTrue(m.ledger().audit().isEmpty());
        }
    }
}
