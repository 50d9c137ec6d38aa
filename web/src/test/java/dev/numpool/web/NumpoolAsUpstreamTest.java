package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sandbox Numpool (its simulator behind its sms-activate and 5sim APIs) is the upstream of
 * another Numpool, once per protocol: Numpool's own client adapters against its own server
 * adapters, over real HTTP. A number is bought through B from A, its code travels A → B by
 * polling, and B's finish reaches A.
 */
class NumpoolAsUpstreamTest {

    @Test
    void anotherNumpoolIsAnUpstreamThroughEitherProtocol() {
        TestClock clock = new TestClock();
        Map<String, String> upstreamConfig = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        try (Numpool a = TestNodes.start(upstreamConfig, clock)) {
            Http atA = new Http(a.url());
            String keyAtA = atA.newSandboxAccount();
            for (String protocol : new String[] {"sms-activate", "5sim"}) {
                String databaseUrl = TestServers.freshDatabaseUrl();
                Map<String, String> config = TestNodes.baseConfig(databaseUrl);
                config.put("inventory.simulator.enabled", "false");
                config.put("inventory.pool.enabled", "false");
                config.put("inventory.providers.0.name", "numpool-a-" + System.nanoTime());
                config.put("inventory.providers.0.protocol", protocol);
                config.put("inventory.providers.0.url", protocol.equals("5sim") ? a.url() : a.url() + "/stubs/handler_api.php");
                config.put("inventory.providers.0.api-key-env", "A_KEY");
                config.put("workers.enabled", "true");
                config.put("workers.poll-interval-millis", "50");
                config.put("workers.upstream-interval-millis", "50");
                config.put("workers.quotes-refresh-seconds", "1");
                try (Numpool b = TestNodes.start(config, clock, Map.of("A_KEY", keyAtA))) {
                    Http atB = new Http(b.url());
                    JsonNode offer = Await.until(protocol + " quotes from A", () -> {
                        JsonNode offers = atB.get("/v1/catalog?service=tg&country=0", null).json().get("offers");
                        return offers.isEmpty() ? null : offers.get(0);
                    });
                    assertTrue(offer.get("stock").asInt() > 0);

                    String key = atB.newSandboxAccount();
                    Http.Response bought = atB.order(key, protocol, "{\"service\":\"tg\",\"country\":0}");
                    assertEquals(201, bought.status(), bought.text());
                    int id = bought.json().get("id").asInt();
                    int idAtA;
                    try (Database db = Database.connect(databaseUrl, null, null, 2)) {
                        idAtA = Integer.parseInt(db.dsl().fetchSingle("select provider_ref from activation where id = " + id).get(0, String.class));
                    }
                    assertEquals(bought.json().get("phone").asText(), atA.get("/v1/activations/" + idAtA, keyAtA).json().get("phone").asText());

                    atA.post("/v1/sandbox/sms", keyAtA, "{\"activationId\":" + idAtA + ",\"sender\":\"Telegram\",\"text\":\"Telegram code: 60606\"}");
                    clock.advance(Duration.ofSeconds(3)); // B polls a new activation every 3 s
                    JsonNode withCode = Await.until("the code polled from A over " + protocol, () -> {
                        JsonNode now = atB.get("/v1/activations/" + id, key).json();
                        return now.get("status").asText().equals("code_received") ? now : null;
                    });
                    assertEquals("60606", withCode.at("/codes/0/code").asText());

                    atB.post("/v1/activations/" + id + "/finish", key, null);
                    Await.until("B's finish reported to A over " + protocol, () ->
                            atA.get("/v1/activations/" + idAtA, keyAtA).json().get("status").asText().equals("finished") ? true : null);
                }
            }
        }
    }
}
