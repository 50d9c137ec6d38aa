package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.FakeSmsActivateUpstream;
import dev.numpool.inventory.FakeSmsActivateUpstream.Answer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A number rented from an upstream of the sms-activate protocol, over its rent API on 127.0.0.1
 * (issue 18): priced from getRentServicesAndCountries per period, rented with getRentNumber, its SMS
 * polled with getRentStatus into the rental, extended with continueRentNumber and given back with
 * setRentStatus. The simulator and pool are off, so nothing else could have rented it.
 */
class UpstreamRentalTest {
    private static final TestClock CLOCK = new TestClock();
    private static FakeSmsActivateUpstream upstream;
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        upstream = FakeSmsActivateUpstream.start("rent-key");
        upstream.answer("getPrices", Answer.json("{}"));
        upstream.answer("getRentServicesAndCountries", Answer.json("{\"countries\":{\"0\":0},\"operators\":{\"0\":\"any\"},"
                + "\"services\":{\"full\":{\"cost\":2.40,\"quant\":5},\"tg\":{\"cost\":0.80,\"quant\":9}},\"currency\":840}"));
        upstream.answer("getRentNumber", Answer.json("{\"status\":\"success\",\"phone\":{\"id\":5501,\"endDate\":\"2026-01-01T14:00:00\","
                + "\"number\":\"79161234567\"}}"));
        upstream.answer("getRentStatus", Answer.json("{\"status\":\"error\",\"message\":\"STATUS_WAIT_CODE\"}"));
        upstream.answer("continueRentNumber", Answer.json("{\"status\":\"success\",\"phone\":{\"id\":5501,\"endDate\":\"2026-01-02T14:00:00\","
                + "\"number\":\"79161234567\"}}"));
        upstream.answer("setRentStatus", Answer.json("{\"status\":\"success\"}"));
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("inventory.simulator.enabled", "false");
        config.put("inventory.pool.enabled", "false");
        config.put("inventory.markup-percent", "25");
        config.put("inventory.providers.0.name", "renter-" + System.nanoTime());
        config.put("inventory.providers.0.protocol", "sms-activate");
        config.put("inventory.providers.0.url", upstream.url().toString());
        config.put("inventory.providers.0.api-key-env", "RENT_KEY");
        config.put("workers.enabled", "true");
        config.put("workers.poll-interval-millis", "50");
        config.put("workers.upstream-interval-millis", "50");
        node = TestNodes.start(config, CLOCK, Map.of("RENT_KEY", "rent-key"));
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
        upstream.close();
    }

    @Test
    void aNumberRentedUpstreamGetsItsPolledSmsIsExtendedThereAndGivenBack() {
        String key = http.newSandboxAccount();
        String rentPage = new Browserless(node.url()).get("/rent").body();
        assertTrue(rentPage.contains("<option value=\"tg\">") && !rentPage.contains("<option value=\"wa\">"),
                "the service filter offers what can be rented now (Telegram here), not the whole catalogue: " + rentPage);
        JsonNode offers = http.get("/v1/rental-offers?service=tg&country=0", key).json();
        assertEquals("0.25", offers.at("/offers/0/pricePerPeriod").asText(), "4 hours at 0.80 is 0.20 an hour, + 25 %: " + offers);
        Http.Response rented = http.postIdempotent("/v1/rentals", key, null, "{\"service\":\"tg\",\"country\":0,\"periods\":2}");
        assertEquals(201, rented.status(), rented.text());
        int id = rented.json().get("id").asInt();
        assertEquals("+79161234567", rented.json().get("phone").asText());
        assertTrue(upstream.requests("getRentNumber").stream().anyMatch(r -> "tg".equals(r.param("service")) && "4".equals(r.param("rent_time"))
                && "0".equals(r.param("country"))), "two hours rented upstream as its minimum of four");

        upstream.answer("getRentStatus", Answer.json("{\"status\":\"success\",\"quantity\":\"1\",\"values\":{\"0\":{\"phoneFrom\":\"Telegram\","
                + "\"text\":\"Telegram code: 48213\",\"service\":\"tg\",\"date\":\"2026-01-01 10:05:00\"}}}"));
        CLOCK.advance(Duration.ofSeconds(11)); // a rented number is asked for its SMS every 10 s
        JsonNode withSms = Await.until("the polled SMS", () -> {
            JsonNode r = http.get("/v1/rentals/" + id, key).json();
            return r.get("messages").size() == 1 ? r : null;
        });
        assertEquals("48213", withSms.at("/messages/0/code").asText());
        assertEquals("Telegram", withSms.at("/messages/0/sender").asText());
        assertTrue(upstream.requests("getRentStatus").stream().allMatch(r -> "5501".equals(r.param("id"))));
        CLOCK.advance(Duration.ofSeconds(11));
        Await.until("polled again", () -> upstream.requests("getRentStatus").size() >= 2 ? true : null);
        assertEquals(1, http.get("/v1/rentals/" + id, key).json().get("messages").size(), "the same SMS polled twice is one SMS");

        Http.Response extended = http.postIdempotent("/v1/rentals/" + id + "/extend", key, null, "{\"periods\":30}");
        assertEquals(200, extended.status(), extended.text());
        assertTrue(upstream.requests("continueRentNumber").stream().anyMatch(r -> "5501".equals(r.param("id"))), "extended there too");

        assertEquals(200, http.post("/v1/rentals/" + id + "/finish", key, null).status());
        Await.until("setRentStatus 1 upstream", () -> upstream.requests("setRentStatus").stream()
                .filter(r -> "5501".equals(r.param("id")) && "1".equals(r.param("status"))).findAny().orElse(null));
    }
}
