package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.FakeFiveSimUpstream;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A 5sim upstream configured like an operator would, end to end over HTTP. */
class FiveSimUpstreamTest {

    @Test
    void aNumberBoughtFromA5simUpstreamGetsItsPolledCodeAndIsFinishedThere() {
        String databaseUrl = TestServers.freshDatabaseUrl();
        try (FakeFiveSimUpstream upstream = FakeFiveSimUpstream.start("fivesim-key")) {
            upstream.price("0.09");
            Map<String, String> config = TestNodes.baseConfig(databaseUrl);
            config.put("inventory.simulator.enabled", "false");
            config.put("inventory.providers.0.name", "fivesim-" + System.nanoTime());
            config.put("inventory.providers.0.protocol", "5sim");
            config.put("inventory.providers.0.url", upstream.url().toString());
            config.put("inventory.providers.0.api-key-env", "FIVESIM_KEY");
            config.put("workers.enabled", "true");
            config.put("workers.poll-interval-millis", "50");
            config.put("workers.upstream-interval-millis", "50");
            config.put("workers.quotes-refresh-seconds", "1");
            TestClock clock = new TestClock();
            try (Numpool node = TestNodes.start(config, clock, Map.of("FIVESIM_KEY", "fivesim-key"))) {
                Http http = new Http(node.url());
                JsonNode offer = Await.until("5sim's quotes", () -> http.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0").isMissingNode()
                        ? null : http.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0"));
                assertEquals(35 + 900, offer.get("stock").asInt(), "operators with stock summed into 'any'");

                String key = http.newSandboxAccount();
                Http.Response bought = http.order(key, "5sim", "{\"service\":\"tg\",\"country\":0}");
                assertEquals(201, bought.status(), bought.text());
                int id = bought.json().get("id").asInt();
                String ref;
                try (Database db = Database.connect(databaseUrl, null, null, 2)) {
                    ref = db.dsl().fetchSingle("select provider_ref from activation where id = " + id).get(0, String.class);
                }

                upstream.receive(ref, new FakeFiveSimUpstream.Sms("2026-01-01T10:01:00.000000Z", "Telegram", "Telegram code: 55512", "55512"));
                clock.advance(java.time.Duration.ofSeconds(3)); // a new activation is polled every 3 s
                JsonNode withCode = Await.until("the polled code", () -> {
                    JsonNode a = http.get("/v1/activations/" + id, key).json();
                    return a.get("status").asText().equals("code_received") ? a : null;
                });
                assertEquals("55512", withCode.at("/codes/0/code").asText());

                http.post("/v1/activations/" + id + "/finish", key, null);
                Await.until("the order finished at 5sim", () -> upstream.status(ref).filter("FINISHED"::equals).orElse(null));
                assertTrue(upstream.requests(FakeFiveSimUpstream.FINISH).stream().anyMatch(r -> r.lastArgument().equals(ref)));
            }
        }
    }

}
