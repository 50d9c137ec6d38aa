package dev.numpool.web;

import dev.numpool.db.TestClock;
import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiKeysAndSimulatorTest {

    @Test
    void aKeyIsShownOnceListedByPrefixAndStopsWorkingWhenRevoked() {
        try (Numpool node = TestNodes.start(TestNodes.baseConfig(TestServers.freshDatabaseUrl()), new TestClock())) {
            Http http = new Http(node.url());
            String first = http.newSandboxAccount();
            Http.Response created = http.post("/v1/api-keys", first, "{\"label\":\"bot #2\"}");
            assertEquals(201, created.status(), created.text());
            String second = created.json().get("key").asText();
            long secondId = created.json().get("id").asLong();
            assertTrue(second.startsWith("np_") && second.length() >= 40, "a long random secret");
            assertEquals(200, http.get("/v1/balance", second).status());

            JsonNode listed = http.get("/v1/api-keys", first).json().get("data");
            assertEquals(2, listed.size());
            assertFalse(listed.toString().contains(second), "the secret is never shown again");
            assertEquals("bot #2", listed.get(1).get("label").asText());
            assertEquals(second.substring(0, 10), listed.get(1).get("prefix").asText());

            String stranger = http.newSandboxAccount();
            assertEquals(404, http.send(http.request("/v1/api-keys/" + secondId, stranger).DELETE()).status(),
                    "another account cannot revoke it");
            assertEquals(200, http.get("/v1/balance", second).status());

            assertEquals(204, http.send(http.request("/v1/api-keys/" + secondId, first).DELETE()).status());
            assertEquals(401, http.get("/v1/balance", second).status());
            assertEquals(200, http.get("/v1/balance", first).status(), "the other key still works");
            assertEquals(404, http.send(http.request("/v1/api-keys/" + secondId, first).DELETE()).status(), "revoked once");
            assertFalse(http.get("/v1/api-keys", first).json().at("/data/1/revokedAt").isNull());
            assertEquals(400, http.post("/v1/api-keys", first, "{\"label\":42}").status());
        }
    }

    @Test
    void theSimulatorsOwnSmsReachesTheBuyerThroughTheProviderPath() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("inventory.simulator.code-probability", "1");
        config.put("inventory.simulator.code-delay-min-seconds", "0");
        config.put("inventory.simulator.code-delay-max-seconds", "0");
        config.put("workers.enabled", "true"); // an SMS faster than the order's commit is parked, then delivered by a worker
        config.put("workers.poll-interval-millis", "50");
        try (Numpool node = TestNodes.start(config, new TestClock())) {
            Http http = new Http(node.url());
            String key = http.newSandboxAccount();
            JsonNode bought = http.order(key, "sim", "{\"service\":\"wa\",\"country\":0}").json();
            int id = bought.get("id").asInt();
            JsonNode activation = awaitStatus(http, key, id, "code_received");
            String code = activation.at("/codes/0/code").asText();
            assertTrue(code.matches("\\d{6}"), "a WhatsApp code, digits only: " + activation);
            assertTrue(activation.at("/codes/0/text").asText().contains(code.substring(0, 3) + "-" + code.substring(3)));
            assertEquals(100_000_000L - bought.get("priceMicros").asLong(), http.get("/v1/balance", key).json().get("availableMicros").asLong());
        }
    }

    /** Polls (bounded) until the activation reaches {@code status}. */
    private static JsonNode awaitStatus(Http http, String key, int id, String status) {
        Instant deadline = Instant.now().plusSeconds(15);
        JsonNode a = null;
        while (Instant.now().isBefore(deadline)) {
            a = http.get("/v1/activations/" + id, key).json();
            if (status.equals(a.get("status").asText())) {
                return a;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("activation never reached " + status + ": " + a);
    }
}
