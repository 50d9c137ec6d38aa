package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An operator changes providers and markups at runtime through the operator API: the node that
 * took the change applies it at once, another node sharing the database within seconds, and bad
 * input changes nothing.
 */
class OperatorControlsTest {
    private static final String OPERATOR = "operator-token-0123456789abcdef";

    private static Http.Response put(Http http, String path, String token, String body) {
        return http.send(http.request(path, token).header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void aPausedProviderIsOutOfTheCatalogueAndRoutingOnEveryNodeAndMarkupsChangeEverywhere() {
        String databaseUrl = TestServers.freshDatabaseUrl();
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        config.put("numpool.operator-token", OPERATOR);
        config.put("inventory.simulator.offers.0.service", "tg");
        config.put("inventory.simulator.offers.0.country", "0");
        config.put("inventory.simulator.offers.0.stock", "50");
        config.put("inventory.simulator.offers.0.cost", "0.40");
        TestClock clock = new TestClock();
        try (Numpool a = TestNodes.start(config, clock); Numpool b = TestNodes.start(config, clock)) {
            Http atA = new Http(a.url());
            Http atB = new Http(b.url());
            String key = atA.newSandboxAccount();
            assertEquals(1, atB.get("/v1/catalog?service=tg&country=0", null).json().get("offers").size());

            Http.Response paused = put(atA, "/v1/operator/providers/simulator/pause", OPERATOR, "{\"paused\":true,\"reason\":\"maintenance\"}");
            assertEquals(200, paused.status(), paused.text());
            assertTrue(paused.text().contains("\"pausedReason\":\"maintenance\""), paused.text());
            assertEquals(0, atA.get("/v1/catalog?service=tg&country=0", null).json().get("offers").size(), "at once on the node that took it");
            Await.until("the pause on the other node", () ->
                    atB.get("/v1/catalog?service=tg&country=0", null).json().get("offers").isEmpty() ? true : null);
            Http.Response refused = atB.order(key, "paused-1", "{\"service\":\"tg\",\"country\":0}");
            assertEquals(409, refused.status(), "nothing routes to a paused provider");
            assertEquals("/problems/no-numbers", refused.json().get("type").asText());

            assertEquals(200, put(atB, "/v1/operator/providers/simulator/pause", OPERATOR, "{\"paused\":false}").status());
            Await.until("the resume on the first node", () ->
                    atA.get("/v1/catalog?service=tg&country=0", null).json().get("offers").size() == 1 ? true : null);

            assertEquals("0.50", atA.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0/price").asText(), "0.40 + 25 %");
            assertEquals("configuration", atA.get("/v1/operator/markups", OPERATOR).json().get("source").asText());
            Http.Response set = put(atA, "/v1/operator/markups", OPERATOR,
                    "{\"markupPercent\":25,\"minimumMargin\":\"0.01\",\"rules\":[{\"service\":\"tg\",\"country\":0,\"percent\":50}]}");
            assertEquals(200, set.status(), set.text());
            assertEquals("operator", set.json().get("source").asText());
            assertEquals("0.60", atA.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0/price").asText(), "0.40 + 50 %");
            Await.until("the new markup on the other node", () ->
                    "0.60".equals(atB.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0/price").asText()) ? true : null);
            JsonNode bought = atB.order(key, "marked-up", "{\"service\":\"tg\",\"country\":0}").json();
            assertEquals("0.60", bought.get("price").asText());

            // Bad input: a clear error, and the markups stay as they are.
            String[] bad = {
                    "{\"markupPercent\":2000,\"minimumMargin\":\"0.01\",\"rules\":[]}",
                    "{\"markupPercent\":25,\"minimumMargin\":\"-1\",\"rules\":[]}",
                    "{\"markupPercent\":25,\"minimumMargin\":\"0.01\",\"rules\":[{\"service\":\"zz\",\"percent\":10}]}",
                    "{\"markupPercent\":25,\"minimumMargin\":\"0.01\",\"rules\":[{\"provider\":\"nobody\",\"percent\":10}]}",
                    "{\"markupPercent\":25,\"minimumMargin\":\"0.01\",\"rules\":[{\"country\":\"x\",\"percent\":10}]}",
                    "{\"markupPercent\":\"25\",\"minimumMargin\":\"0.01\",\"rules\":[]}",
                    "{\"markupPercent\":25,\"minimumMargin\":\"0.01\"}",
                    "{\"markupPercent\":25,\"minimumMargin\":\"0.01\",\"rules\":[],\"extra\":1}",
                    "not json"};
            for (String body : bad) {
                assertEquals(400, put(atA, "/v1/operator/markups", OPERATOR, body).status(), body);
            }
            assertEquals("0.60", atA.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0/price").asText(), "unchanged");
            assertEquals(404, put(atA, "/v1/operator/providers/nobody/pause", OPERATOR, "{\"paused\":true}").status());
            assertEquals(400, put(atA, "/v1/operator/providers/simulator/pause", OPERATOR, "{\"paused\":\"yes\"}").status());
            assertEquals(400, put(atA, "/v1/operator/providers/simulator/pause", OPERATOR, "{\"paused\":true,\"reason\":\"" + "x".repeat(201) + "\"}").status());
            assertEquals(401, put(atA, "/v1/operator/providers/simulator/pause", key, "{\"paused\":true}").status(), "a customer's key");
            assertEquals(1, atA.get("/v1/catalog?service=tg&country=0", null).json().get("offers").size(), "still not paused");
        }
    }
}
