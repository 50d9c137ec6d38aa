package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 5sim compatible API: its paths, JSON shapes, statuses and plain-text errors, beside the
 * native API under the same {@code /v1}.
 */
class FiveSimContractTest {
    private static final TestClock CLOCK = new TestClock();
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("inventory.simulator.offers.0.service", "ds");
        config.put("inventory.simulator.offers.0.country", "0");
        config.put("inventory.simulator.offers.0.stock", "0");
        config.put("inventory.simulator.offers.0.cost", "0.10");
        config.put("inventory.simulator.offers.1.service", "vi");
        config.put("inventory.simulator.offers.1.country", "0");
        config.put("inventory.simulator.offers.1.stock", "7");
        config.put("inventory.simulator.offers.1.cost", "0.40");
        config.put("inventory.simulator.offers.2.service", "go");
        config.put("inventory.simulator.offers.2.country", "187");
        config.put("inventory.simulator.offers.2.stock", "3");
        config.put("inventory.simulator.offers.2.cost", "500");
        node = TestNodes.start(config, CLOCK);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static JsonNode bought(String key, String path) {
        Http.Response r = http.get("/v1/user/buy/activation/" + path, key);
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    @Test
    void guestRoutesNameCountriesAndProductsAs5simDoes() {
        JsonNode products = http.get("/v1/guest/products/russia/any", null).json();
        assertEquals("activation", products.at("/viber/Category").asText());
        assertEquals(7, products.at("/viber/Qty").asInt());
        assertEquals("0.5", products.at("/viber/Price").decimalValue().stripTrailingZeros().toPlainString());
        assertTrue(products.at("/discord").isMissingNode(), "sold out is left out");
        assertEquals(400, http.get("/v1/guest/products/atlantis/any", null).status());
        assertEquals("bad country", http.get("/v1/guest/products/atlantis/any", null).text());
        assertEquals("bad operator", http.get("/v1/guest/products/russia/beeline", null).text());

        JsonNode prices = http.get("/v1/guest/prices?country=russia&product=viber", null).json();
        assertEquals(7, prices.at("/russia/viber/any/count").asInt());
        assertTrue(prices.at("/russia/viber/any/rate").asDouble() > 0, "the delivery percent: " + prices);
        assertEquals("no product", http.get("/v1/guest/prices?product=nothing", null).text());
        assertEquals("bad country", http.get("/v1/guest/prices?country=mars", null).text());
        assertTrue(http.get("/v1/guest/prices", null).json().at("/usa/google/any/count").asInt() > 0);
    }

    @Test
    void userRoutesWithoutAGoodKeyAre401WithAnEmptyBody() {
        for (String path : new String[] {"/v1/user/profile", "/v1/user/buy/activation/russia/any/viber", "/v1/user/check/1",
                "/v1/user/finish/1", "/v1/user/cancel/1", "/v1/user/ban/1"}) {
            Http.Response none = http.get(path, null);
            assertEquals(401, none.status(), path);
            assertEquals(0, none.body().length, path);
            assertEquals(401, http.get(path, "wrong-key").status(), path);
        }
        assertEquals(404, http.get("/v1/nothing", null).status(), "the native API's own 404 still answers the rest of /v1");
    }

    @Test
    void anOrderIsBoughtCheckedAndFinishedInTheProtocolsShapes() {
        String key = http.newSandboxAccount();
        JsonNode profile = http.get("/v1/user/profile", key).json();
        assertEquals("100.0", profile.get("balance").decimalValue().toPlainString().replace("100.00", "100.0"));

        JsonNode order = bought(key, "russia/any/telegram");
        int id = order.get("id").asInt();
        assertTrue(order.get("phone").asText().matches("\\+79[0-9]{9}"), order.toString());
        assertEquals("RECEIVED", order.get("status").asText());
        assertEquals("telegram", order.get("product").asText());
        assertEquals("russia", order.get("country").asText());
        assertEquals("any", order.get("operator").asText());
        assertEquals(0, order.get("sms").size());
        assertTrue(order.has("expires") && order.has("created_at") && order.has("price"));

        assertEquals("order no sms", http.get("/v1/user/finish/" + id, key).text());
        assertEquals("order not cancelable yet", http.get("/v1/user/cancel/" + id, key).text());
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"sender\":\"Telegram\",\"text\":\"Telegram code: 40404\"}");
        JsonNode checked = http.get("/v1/user/check/" + id, key).json();
        assertEquals("RECEIVED", checked.get("status").asText());
        assertEquals("40404", checked.at("/sms/0/code").asText());
        assertEquals("Telegram code: 40404", checked.at("/sms/0/text").asText());
        assertEquals("Telegram", checked.at("/sms/0/sender").asText());
        Http.Response hasSms = http.get("/v1/user/cancel/" + id, key);
        assertEquals(400, hasSms.status());
        assertEquals("order has sms", hasSms.text());

        assertEquals("FINISHED", http.get("/v1/user/finish/" + id, key).json().get("status").asText());
        assertEquals("FINISHED", http.get("/v1/user/finish/" + id, key).json().get("status").asText(), "a retried finish");
        assertEquals("finished", http.get("/v1/activations/" + id, key).json().get("status").asText(), "one activation, every API");
    }

    @Test
    void cancelAndBanRefundAndErrorsArePlainText() {
        String key = http.newSandboxAccount();
        int first = bought(key, "russia/any/viber").get("id").asInt();
        int second = bought(key, "russia/any/viber").get("id").asInt();
        CLOCK.advance(Duration.ofMinutes(3));
        assertEquals("CANCELED", http.get("/v1/user/cancel/" + first, key).json().get("status").asText());
        assertEquals("BANNED", http.get("/v1/user/ban/" + second, key).json().get("status").asText());
        assertEquals("CANCELED", http.get("/v1/user/check/" + second, key).json().get("status").asText());
        assertEquals("order expired", http.get("/v1/user/finish/" + first, key).text());
        assertEquals(0, http.get("/v1/user/profile", key).json().get("frozen_balance").decimalValue().signum(), "both refunded");

        Http.Response none = http.get("/v1/user/buy/activation/russia/any/discord", key);
        assertEquals(200, none.status(), "5sim answers no free phones with 200");
        assertEquals("no free phones", none.text());
        Http.Response poor = http.get("/v1/user/buy/activation/usa/any/google", key);
        assertEquals(400, poor.status());
        assertEquals("not enough user balance", poor.text());
        assertEquals("bad country", http.get("/v1/user/buy/activation/mars/any/viber", key).text());
        assertEquals("bad operator", http.get("/v1/user/buy/activation/russia/MTS!/viber", key).text());
        assertEquals("no product", http.get("/v1/user/buy/activation/russia/any/nothing", key).text());
        assertEquals("bad maxPrice", http.get("/v1/user/buy/activation/russia/any/viber?maxPrice=-1", key).text());
        assertEquals("no free phones", http.get("/v1/user/buy/activation/russia/any/viber?maxPrice=0.01", key).text());

        String other = http.newSandboxAccount();
        assertEquals(404, http.get("/v1/user/check/" + first, other).status(), "another account's order is not found");
        assertEquals("order not found", http.get("/v1/user/check/" + first, other).text());
        assertEquals("order not found", http.get("/v1/user/finish/abc", key).text());
        assertEquals(404, http.get("/v1/user/check/99999999999", key).status());
    }

    @Test
    void anOrderBoughtNativelyIsPolledWithSmsActivateAndFinishedWith5sim() {
        String key = http.newSandboxAccount();
        Http.Response bought = http.order(key, "mixed-" + System.nanoTime(), "{\"service\":\"tg\",\"country\":0}");
        int id = bought.json().get("id").asInt();
        String status = http.get("/stubs/handler_api.php?api_key=" + key + "&action=getStatus&id=" + id, null).text();
        assertEquals("STATUS_WAIT_CODE", status);
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: 12121\"}");
        assertEquals("STATUS_OK:12121", http.get("/stubs/handler_api.php?api_key=" + key + "&action=getStatus&id=" + id, null).text());
        assertEquals("FINISHED", http.get("/v1/user/finish/" + id, key).json().get("status").asText());
        assertEquals("finished", http.get("/v1/activations/" + id, key).json().get("status").asText());
    }
}
