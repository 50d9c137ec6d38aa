package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sandbox node as {@code ./numpool run} starts one, with no providers configured: besides the
 * simulator it starts the simulated sms-activate, 5sim and agent upstreams of application.yaml on
 * 127.0.0.1 and reaches them through its real provider clients. Orders route between all of
 * them, a code comes through each protocol's own path, and an upstream switched to fail, stall
 * or answer garbage is failed over with no error a customer sees. A production node starts none.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxUpstreamsTest {
    private static final String OPERATOR = "operator-token-0123456789abcdef";
    private static final List<String> UPSTREAMS = SandboxOperator.UPSTREAMS;
    private static Numpool node;
    private static Http http;
    private static SandboxOperator operator;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("sandbox.upstreams-enabled", "true"); // the default of ./numpool run
        config.put("numpool.operator-token", OPERATOR);
        config.put("workers.enabled", "true");
        config.put("workers.quotes-refresh-seconds", "1");
        config.put("workers.poll-interval-millis", "100");
        config.put("workers.upstream-interval-millis", "100");
        config.put("orders.early-cancel-seconds", "0"); // the failover test cancels what it bought, giving the stock back
        for (int i = 0; i < UPSTREAMS.size(); i++) {
            // The upstreams of application.yaml as they are, but every number gets its code within a
            // second and no purchase fails by chance: a test waits for codes and counts failures.
            config.put("sandbox.upstreams." + i + ".delivery-rate", "1");
            config.put("sandbox.upstreams." + i + ".failure-rate", "0");
            config.put("sandbox.upstreams." + i + ".code-delay-min-seconds", "0");
            config.put("sandbox.upstreams." + i + ".code-delay-max-seconds", "1");
        }
        node = TestNodes.start(config, Clock.systemUTC(), Map.of());
        http = new Http(node.url());
        operator = new SandboxOperator(http, OPERATOR);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    @Order(1)
    void anOrderConsidersTheSimulatorAndThreeUpstreamsOverRealProtocols() {
        JsonNode listed = http.get("/v1/operator/sandbox/upstreams", OPERATOR).json().get("upstreams");
        List<String> names = new ArrayList<>();
        listed.forEach(u -> names.add(u.get("name").asText()));
        assertEquals(UPSTREAMS, names);
        assertEquals(Set.of("sms-activate", "5sim", "agent"), Set.of(listed.at("/0/protocol").asText(), listed.at("/1/protocol").asText(),
                listed.at("/2/protocol").asText()));
        listed.forEach(u -> {
            assertTrue(u.get("url").asText().startsWith("http://127.0.0.1:"), u.toString());
            assertEquals("normal", u.get("chaos").asText());
            assertFalse(u.has("apiKey"), "an upstream's key stays in the node");
        });
        operator.allQuoted();

        String key = http.newSandboxAccount();
        Http.Response bought = order(key, "{\"service\":\"tg\",\"country\":0}");
        assertEquals(201, bought.status(), bought.text());
        JsonNode activation = http.get("/v1/activations/" + bought.json().get("id").asInt(), key).json();
        TreeSet<String> considered = new TreeSet<>();
        activation.at("/routing/considered").forEach(c -> considered.add(c.get("provider").asText()));
        assertTrue(considered.size() >= 3, activation.get("routing").toString());
        assertTrue(considered.containsAll(UPSTREAMS), considered.toString());
        assertTrue(considered.contains("simulator"), considered.toString());

        // README's first steps inject an SMS: that works whichever provider the order went to.
        Http.Response injected = http.post("/v1/sandbox/sms", key,
                "{\"activationId\":" + activation.get("id").asInt() + ",\"text\":\"Telegram code: 48213\"}");
        assertEquals(200, injected.status(), injected.text());
        List<String> codes = new ArrayList<>();
        injected.json().get("codes").forEach(c -> codes.add(c.get("code").asText()));
        assertTrue(codes.contains("48213"), injected.text()); // beside the upstream's own code, if it came first
    }

    @Test
    @Order(2)
    void aCodeArrivesThroughEachProtocolsOwnPath() {
        operator.allQuoted();
        String key = http.newSandboxAccount();
        for (String upstream : UPSTREAMS) {
            Http.Response bought = operator.buyFrom(key, upstream);
            int id = bought.json().get("id").asInt();
            // sms-activate and 5sim are polled (their live lists); the agent pushes PUSH_SMS to /agent/<name>.
            JsonNode withCode = Await.until("a code from " + upstream, () -> {
                JsonNode now = http.get("/v1/activations/" + id, key).json();
                return now.get("status").asText().equals("code_received") ? now : null;
            });
            assertTrue(withCode.at("/codes/0/code").asText().matches("[0-9]{6}"), withCode.toString());
            assertTrue(withCode.at("/codes/0/text").asText().contains(withCode.at("/codes/0/code").asText()));
            assertEquals(200, http.post("/v1/activations/" + id + "/finish", key, null).status());
            operator.assertSoldAgain(key, upstream, bought);
        }
    }

    @Test
    @Order(3)
    void ordersFailOverWhenAnUpstreamFailsStallsOrAnswersGarbage() {
        operator.allQuoted();
        String key = http.newSandboxAccount();
        operator.setPaused("simulator", true); // the three upstreams are the field
        List<String> broken = new ArrayList<>();
        List<String> modes = List.of("fail", "stall", "garbage");
        try {
            for (int m = 0; m < modes.size(); m++) {
                String mode = modes.get(m);
                String target = UPSTREAMS.get(m);
                if (broken.size() == 2) {
                    // A router tries at most 3 providers and an open circuit counts as one: with two
                    // upstreams' circuits open and the third broken, nothing would be left to sell.
                    awaitCircuitClosed(broken.removeFirst());
                }
                // The target ranks first: the other two cost five times their price (a markup per provider).
                setMarkups(UPSTREAMS.stream().filter(u -> !u.equals(target)).map(u -> "{\"provider\":\"" + u + "\",\"percent\":400}").toList());
                Http.Response switched = http.post("/v1/operator/sandbox/upstreams/" + target + "/chaos", OPERATOR, "{\"mode\":\"" + mode + "\"}");
                assertEquals(200, switched.status(), switched.text());
                assertEquals(mode, switched.json().get("chaos").asText());
                boolean triedIt = false;
                boolean failedThere = false;
                for (int i = 0; i < 4; i++) {
                    Http.Response bought = order(key, "{\"service\":\"go\",\"country\":187}");
                    assertEquals(201, bought.status(), mode + ": " + bought.text()); // no customer sees the broken upstream
                    JsonNode attempts = bought.json().at("/routing/attempts");
                    JsonNode last = attempts.get(attempts.size() - 1);
                    assertEquals("bought", last.get("outcome").asText());
                    assertFalse(last.get("provider").asText().equals(target), mode + ": " + attempts);
                    for (JsonNode a : attempts) {
                        if (a.get("provider").asText().equals(target)) {
                            triedIt = true;
                            String outcome = a.get("outcome").asText();
                            assertTrue(outcome.startsWith("failed: ") || outcome.equals("skipped: circuit open"), mode + ": " + attempts);
                            if (outcome.startsWith("failed: ")) {
                                failedThere = true;
                                if (mode.equals("stall")) {
                                    assertEquals("failed: timeout", outcome, "no answer until the client's timeout");
                                }
                            }
                        }
                    }
                    http.post("/v1/activations/" + bought.json().get("id").asInt() + "/cancel", key, null);
                }
                assertTrue(triedIt && failedThere, mode + ": the broken upstream ranked first, so an order tried it and failed over");
                assertEquals(200, http.post("/v1/operator/sandbox/upstreams/" + target + "/chaos", OPERATOR, "{\"mode\":\"normal\"}").status());
                broken.add(target);
            }
        } finally {
            setMarkups(List.of());
            operator.setPaused("simulator", false);
            UPSTREAMS.forEach(u -> http.post("/v1/operator/sandbox/upstreams/" + u + "/chaos", OPERATOR, "{\"mode\":\"normal\"}"));
        }
        assertEquals(404, http.post("/v1/operator/sandbox/upstreams/nobody/chaos", OPERATOR, "{\"mode\":\"fail\"}").status());
        assertEquals(400, http.post("/v1/operator/sandbox/upstreams/sandbox-5sim/chaos", OPERATOR, "{\"mode\":\"explode\"}").status());
        assertEquals(401, http.post("/v1/operator/sandbox/upstreams/sandbox-5sim/chaos", key, "{\"mode\":\"fail\"}").status());
    }

    @Test
    @Order(4)
    void aProductionNodeStartsNoSimulatedUpstreamAndHasNoChaosRoute() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("numpool.sandbox", "false");
        config.put("sandbox.upstreams-enabled", "true");
        config.put("numpool.operator-token", OPERATOR);
        try (Numpool production = TestNodes.start(config, Clock.systemUTC(), Map.of())) {
            Http prod = new Http(production.url());
            assertEquals(404, prod.post("/v1/operator/sandbox/upstreams/sandbox-5sim/chaos", OPERATOR, "{\"mode\":\"fail\"}").status());
            assertEquals(404, prod.get("/v1/operator/sandbox/upstreams", OPERATOR).status());
            JsonNode providers = prod.get("/v1/operator/providers", OPERATOR).json().get("providers");
            // The simulator is there, for test keys alone (TestKeysTest); no simulated upstream is.
            providers.forEach(p -> assertFalse(p.get("name").asText().startsWith("sandbox-"), p.toString()));
        }
    }

    @Test
    void aTestsOverridesOfOneUpstreamKeepTheRestOfItsDefaults() {
        var config = NumpoolConfig.of(Map.of("sandbox.upstreams.1.delivery-rate", "1"));
        assertEquals(1.0, config.get("sandbox.upstreams.1.delivery-rate").asDouble().get());
        assertEquals("sandbox-5sim", config.get("sandbox.upstreams.1.name").asString().get());
        assertEquals("0.10", config.get("sandbox.upstreams.1.cost").asString().get());
        assertEquals(3, config.get("sandbox.upstreams").asNodeList().get().size());
    }

    @Test
    void configuredUpstreamsOrTheSwitchKeepTheSimulatedOnesOff() {
        assertTrue(SandboxProviders.wanted(NumpoolConfig.of(Map.of()), true), "the default");
        assertFalse(SandboxProviders.wanted(NumpoolConfig.of(Map.of()), false), "production");
        assertFalse(SandboxProviders.wanted(NumpoolConfig.of(Map.of("sandbox.upstreams-enabled", "false")), true));
        assertFalse(SandboxProviders.wanted(NumpoolConfig.of(Map.of("inventory.providers.0.name", "real", "inventory.providers.0.protocol", "5sim")), true),
                "a sandbox with real upstreams configured");
    }

    private static void setMarkups(List<String> rules) {
        Http.Response r = http.send(http.request("/v1/operator/markups", OPERATOR).header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"markupPercent\":25,\"minimumMargin\":\"0.01\",\"rules\":["
                        + String.join(",", rules) + "]}")));
        assertEquals(200, r.status(), r.text());
    }

    /** Waits (up to a minute: a circuit cools down for 30 s, then a trial closes it) until the provider's circuit is closed. */
    private static void awaitCircuitClosed(String provider) {
        java.time.Instant deadline = java.time.Instant.now().plusSeconds(60);
        while (java.time.Instant.now().isBefore(deadline)) {
            for (JsonNode p : http.get("/v1/operator/providers", OPERATOR).json().get("providers")) {
                if (p.get("name").asText().equals(provider) && p.get("circuit").asText().equals("closed")) {
                    return;
                }
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError(provider + "'s circuit did not close within a minute");
    }

    private static Http.Response order(String key, String body) {
        return http.order(key, java.util.UUID.randomUUID().toString(), body);
    }

}
