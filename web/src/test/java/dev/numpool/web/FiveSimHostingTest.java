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

/**
 * 5sim's rentals ("hosting" numbers) over HTTP: bought by duration, read, every SMS listed, returned
 * and cancelled through the same order routes as activations, with 5sim's plain-text errors.
 */
class FiveSimHostingTest {
    private static final TestClock CLOCK = new TestClock();
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("inventory.simulator.offers.0.service", "any");
        config.put("inventory.simulator.offers.0.country", "0");
        config.put("inventory.simulator.offers.0.cost", "0.50");
        node = TestNodes.start(config, CLOCK);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aHostingNumberIsBoughtByDurationReadWithItsSmsAndReturned() {
        String key = http.newSandboxAccount();
        Http.Response bought = http.get("/v1/user/buy/hosting/russia/any/3hours", key);
        assertEquals(200, bought.status(), bought.text());
        JsonNode order = bought.json();
        int id = order.get("id").asInt();
        assertEquals("RECEIVED", order.get("status").asText());
        assertEquals("3hours", order.get("product").asText());
        assertEquals("1.14", order.get("price").decimalValue().toPlainString(), "three hours at 0.38");
        assertEquals(CLOCK.instant().plus(Duration.ofHours(3)).toString(), order.get("expires").asText());
        assertEquals("ACCESS_BALANCE:98.86", http.get("/stubs/handler_api.php?api_key=" + key + "&action=getBalance", null).text());

        assertEquals(200, http.post("/v1/sandbox/rentals/" + id + "/sms", key, "{\"text\":\"Code 4455\",\"sender\":\"Shop\"}").status());
        JsonNode checked = http.get("/v1/user/check/" + id, key).json();
        assertEquals("Code 4455", checked.at("/sms/0/text").asText());
        assertEquals("4455", checked.at("/sms/0/code").asText());
        assertEquals("Shop", checked.at("/sms/0/sender").asText());

        Http.Response cancel = http.get("/v1/user/cancel/" + id, key);
        assertEquals(400, cancel.status());
        assertEquals("order has sms", cancel.text());
        JsonNode finished = http.get("/v1/user/finish/" + id, key).json();
        assertEquals("FINISHED", finished.get("status").asText());
        assertEquals("FINISHED", http.get("/v1/user/finish/" + id, key).json().get("status").asText(), "a retried finish reads the same");
        assertEquals("ACCESS_BALANCE:99.62", http.get("/stubs/handler_api.php?api_key=" + key + "&action=getBalance", null).text(),
                "the hour begun is paid, the two not begun refunded");
    }

    @Test
    void aHostingNumberCancelledInItsWindowIsRefundedAndBadOrdersAnswer5simsWords() {
        String key = http.newSandboxAccount();
        int id = http.get("/v1/user/buy/hosting/russia/any/1day", key).json().get("id").asInt();
        JsonNode cancelled = http.get("/v1/user/cancel/" + id, key).json();
        assertEquals("CANCELED", cancelled.get("status").asText());
        assertEquals("ACCESS_BALANCE:100.00", http.get("/stubs/handler_api.php?api_key=" + key + "&action=getBalance", null).text());
        assertEquals("no product", http.get("/v1/user/buy/hosting/russia/any/2hours", key).text());
        assertEquals("bad country", http.get("/v1/user/buy/hosting/atlantis/any/1day", key).text());
        assertEquals("bad operator", http.get("/v1/user/buy/hosting/russia/mts/1day", key).text());
        assertEquals("not enough user balance", http.get("/v1/user/buy/hosting/russia/any/1month", key).text());
        assertEquals(401, http.get("/v1/user/buy/hosting/russia/any/1day", "np_nope").status());
        String stranger = http.newSandboxAccount();
        assertEquals(404, http.get("/v1/user/check/" + id, stranger).status(), "another account's rental is not found");
        assertEquals("ACCESS_BALANCE:100.00", http.get("/stubs/handler_api.php?api_key=" + key + "&action=getBalance", null).text());
    }
}
