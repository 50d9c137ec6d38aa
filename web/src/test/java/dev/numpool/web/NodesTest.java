package dev.numpool.web;

import dev.numpool.db.TestClock;
import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.Database;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behaviour that needs whole nodes: several at once, restarts, modes, observability. */
class NodesTest {

    @Test
    void expiredActivationsAreRefundedExactlyOnceWhileTwoNodesRaceToExpireThem() {
        String databaseUrl = TestServers.freshDatabaseUrl();
        TestClock clock = new TestClock();
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        config.put("workers.enabled", "true");
        config.put("workers.expiry-interval-millis", "20");
        config.put("workers.batch-size", "3"); // small batches, so both nodes get a share
        try (Numpool a = TestNodes.start(config, clock); Numpool b = TestNodes.start(config, clock)) {
            Http http = new Http(a.url());
            String key = http.newSandboxAccount();
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ids.add(http.order(key, "expire-" + i, "{\"service\":\"tg\",\"country\":" + (i % 2 == 0 ? 0 : 187) + "}").json().get("id").asInt());
            }
            int withCode = ids.getFirst();
            http.post("/v1/sandbox/sms", key, "{\"activationId\":" + withCode + ",\"text\":\"Telegram code: 77123\"}");
            long codePrice = http.get("/v1/activations/" + withCode, key).json().get("priceMicros").asLong();

            clock.advance(Duration.ofMinutes(21));
            awaitNoLiveActivations(new Http(b.url()), key);

            for (int id : ids) {
                String status = http.get("/v1/activations/" + id, key).json().get("status").asText();
                assertEquals(id == withCode ? "finished" : "expired", status, "activation " + id);
            }
            JsonNode balance = http.get("/v1/balance", key).json();
            assertEquals(100_000_000L - codePrice, balance.get("availableMicros").asLong(), "refunded all but the one with a code");
            assertEquals(0, balance.get("heldMicros").asLong());
            try (Database db = Database.connect(databaseUrl, null, null, 2)) {
                assertEquals(19, db.dsl().fetchCount(db.dsl().selectFrom("transfer").where("kind = 'void'")), "one void per expired hold");
                assertEquals(1, db.dsl().fetchCount(db.dsl().selectFrom("transfer").where("kind = 'post'")));
            }
        }
    }

    @Test
    void dataSurvivesARestartOfTheApp(@TempDir Path dataDir) {
        Map<String, String> config = TestNodes.baseConfig("unused");
        config.remove("database.url"); // embedded PostgreSQL in the data directory, as `./numpool run` does
        config.put("numpool.data-dir", dataDir.toString());
        config.put("numpool.demo-api-key", "demo-key-for-restart-test");
        String key = "demo-key-for-restart-test";
        int id;
        long available;
        try (Numpool first = TestNodes.start(config, new TestClock())) {
            Http http = new Http(first.url());
            id = http.order(key, "persist", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
            available = http.get("/v1/balance", key).json().get("availableMicros").asLong();
            assertTrue(available < 100_000_000L);
        }
        try (Numpool second = TestNodes.start(config, new TestClock())) {
            Http http = new Http(second.url());
            assertEquals("waiting_code", http.get("/v1/activations/" + id, key).json().get("status").asText());
            assertEquals(available, http.get("/v1/balance", key).json().get("availableMicros").asLong(),
                    "the demo account was not created (or credited) a second time");
        }
    }

    @Test
    void theDemoAccountIsCreatedOnceEvenWhenTwoNodesStartTogether() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("numpool.demo-api-key", "demo-key-0123456789");
        try (Numpool a = TestNodes.start(config, new TestClock()); Numpool b = TestNodes.start(config, new TestClock())) {
            JsonNode balance = new Http(b.url()).get("/v1/balance", "demo-key-0123456789").json();
            assertEquals("100.00", balance.get("available").asText());
        }
    }

    @Test
    void productionModeSellsNoSimulatedNumbersToLiveCustomersAndHasNoSandboxAccounts() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("numpool.sandbox", "false");
        config.put("numpool.demo-api-key", "ignored-in-production-mode");
        try (Numpool node = TestNodes.start(config, new TestClock())) {
            Http http = new Http(node.url());
            assertEquals(404, http.post("/v1/sandbox/accounts", null, null).status());
            // Test keys inject SMS on any node (TestKeysTest), so the route is there, behind a key.
            assertEquals(401, http.post("/v1/sandbox/sms", null, "{}").status());
            assertEquals(0, http.get("/v1/catalog", null).json().get("offers").size(), "the simulator is there for test keys alone");
            assertEquals(401, http.get("/v1/balance", "ignored-in-production-mode").status(), "no demo account in production");
            assertEquals(404, http.get("/v1/operator/providers", "any").status(), "no operator routes without an operator token");
        }
    }

    @Test
    void healthAndMetricsAreServed() {
        try (Numpool node = TestNodes.start(TestNodes.baseConfig(TestServers.freshDatabaseUrl()), new TestClock())) {
            Http http = new Http(node.url());
            String key = http.newSandboxAccount();
            int id = http.order(key, "m", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
            http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"code 4821\"}");
            // Any token is a method on the wire: made-up ones share one timer, or a client could grow the registry without end.
            for (int i = 0; i < 3; i++) {
                try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
                    client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.url() + "/v1/catalog"))
                            .method("BREW" + i, java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                            java.net.http.HttpResponse.BodyHandlers.discarding());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            JsonNode health = http.get("/observe/health", null).json();
            assertEquals("UP", health.get("status").asText());
            String metrics = http.get("/observe/metrics", null).text();
            assertTrue(metrics.contains("numpool_orders_placed_total"), metrics);
            assertTrue(metrics.contains("numpool_codes_received_total"));
            assertTrue(metrics.contains("numpool_refunds_total"));
            assertTrue(metrics.contains("numpool_http_requests_seconds_count{method=\"POST\",route=\"/v1/activations\""));
            assertFalse(metrics.contains("BREW"), "a made-up method has no timer of its own");
            assertTrue(metrics.contains("method=\"other\""), metrics);
            assertFalse(http.get("/", null).text().isBlank());
        }
    }

    @Test
    void databaseUrlsOfHostingPlatformsAreUnderstood() {
        Numpool.JdbcTarget t = Numpool.JdbcTarget.parse("postgres://app:s%40cret@db.internal:5433/numpool?sslmode=require");
        assertEquals("jdbc:postgresql://db.internal:5433/numpool?sslmode=require", t.url());
        assertEquals("app", t.user());
        assertEquals("s@cret", t.password());
        assertEquals("jdbc:postgresql://h/db", Numpool.JdbcTarget.parse("jdbc:postgresql://h/db").url());
    }

    @Test
    void wellKnownEnvironmentVariablesOverrideTheDefaults() {
        Map<String, String> env = new HashMap<>();
        env.put("PORT", "9999");
        env.put("NUMPOOL_SANDBOX", "false");
        env.put("DATABASE_URL", "jdbc:postgresql://example/db");
        var config = NumpoolConfig.load(env);
        assertEquals(9999, config.get("server.port").asInt().get());
        assertFalse(config.get("numpool.sandbox").asBoolean().get());
        assertEquals("jdbc:postgresql://example/db", config.get("database.url").asString().get());
        assertEquals(1200, NumpoolConfig.load(Map.of()).get("orders.activation-window-seconds").asInt().get());
    }

    /** Polls (bounded) until the workers of the nodes ended every live activation. */
    private static void awaitNoLiveActivations(Http http, String key) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            JsonNode waiting = http.get("/v1/activations?status=waiting_code&limit=100", key).json().get("data");
            JsonNode coded = http.get("/v1/activations?status=code_received&limit=100", key).json().get("data");
            if (waiting.isEmpty() && coded.isEmpty()) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("activations still live after 30 s");
    }

    @Test
    void codesTakenOnANodeThatSendsNoWebhooksAreDeliveredByAnotherAtOnceInOrderAndOnce() throws Exception {
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        String databaseUrl = TestServers.freshDatabaseUrl();
        Map<String, String> intake = TestNodes.baseConfig(databaseUrl); // node A: no workers, so no dispatcher
        intake.put("webhooks.allow-http", "true");
        intake.put("webhooks.allowed-hosts.0", "127.0.0.1");
        Map<String, String> sender = new HashMap<>(intake); // node B: a dispatcher whose poll is an hour away
        sender.put("workers.enabled", "true");
        sender.put("workers.poll-interval-millis", "3600000");
        try (Numpool a = TestNodes.start(intake, new TestClock()); Numpool b = TestNodes.start(sender, new TestClock())) {
            Http http = new Http(a.url());
            String key = http.newSandboxAccount();
            assertEquals(201, http.post("/v1/webhook-endpoints", key, "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort()
                    + "/hooks\",\"eventTypes\":[\"activation.code_received\"]}").status());
            int id = http.order(key, "two-nodes", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
            for (int code = 81001; code <= 81005; code++) {
                assertEquals(200, http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: " + code + "\"}").status());
            }

            // Only node B's wake-up, sent by node A's commits through Redis, can bring them in time.
            Await.until("five codes at the receiver", () -> received.size() >= 5 ? true : null);
            List<String> codes = received.stream().map(body -> body.replaceAll(".*\"code\":\"([0-9]+)\".*", "$1")).toList();
            assertEquals(List.of("81001", "81002", "81003", "81004", "81005"), codes, "in order per activation");
            try (Database db = Database.connect(databaseUrl, null, null, 2)) {
                Await.until("all written down", () -> db.dsl().fetchCount(db.dsl().selectFrom("webhook_delivery")
                        .where("state = 'delivered'")) == 5 ? true : null);
                assertEquals(5, db.dsl().fetchCount(db.dsl().selectFrom("webhook_attempt")), "each sent once");
            }
            assertEquals(5, received.size(), "each sent once");
        } finally {
            receiver.stop(0);
        }
    }
}
