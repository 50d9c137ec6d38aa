package dev.numpool.web;

import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public status page counts what happened: per service, the share of finished orders that
 * got their code and the median time to it, leaving out orders still waiting, and saying "too
 * few to say" below five.
 */
class StatusPageTest {
    @Test
    void eachServiceShowsItsShareOfCodesAndMedianTimeToCode() {
        TestClock clock = new TestClock();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("orders.early-cancel-seconds", "0");
        try (Numpool node = TestNodes.start(config, clock)) {
            Http http = new Http(node.url());
            String key = http.newSandboxAccount();
            for (int i = 0; i < 6; i++) {
                int id = buy(http, key, "tg");
                clock.advance(Duration.ofSeconds(10 * (i + 1))); // codes after 10, 20, ... 60 s: the median is 35 s
                assertEquals(200, http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: 4821" + i + "\"}").status());
                clock.advance(Duration.ofSeconds(-10 * (i + 1)));
            }
            for (int i = 0; i < 2; i++) {
                int cancelled = buy(http, key, "tg");
                assertEquals(200, http.post("/v1/activations/" + cancelled + "/cancel", key, null).status());
            }
            buy(http, key, "tg"); // still waiting: not counted yet
            int wa = buy(http, key, "wa");
            assertEquals(200, http.post("/v1/activations/" + wa + "/cancel", key, null).status());

            String page = new Browserless(node.url()).get("/status").body().replaceAll("\\s+", " ");
            assertTrue(page.contains("<th scope=\"row\">Telegram</th><td class=\"num\">8</td><td class=\"num\">75%</td><td class=\"num\">35 seconds</td>"),
                    page);
            assertTrue(page.contains("<th scope=\"row\">WhatsApp</th><td class=\"num\">1</td><td class=\"num\">too few to say</td>"), page);
            assertFalse(page.contains(">Google<"), "a service nobody bought is not listed");
            assertTrue(new Browserless(node.url()).get("/").body().contains("<a href=\"/status\">Status</a>"), "linked from every page");

            // The catalogue publishes the same outcomes per offer, where there are enough of them.
            String telegram = new Browserless(node.url()).get("/services/tg?q=russia").body().replaceAll("\\s+", " ");
            assertTrue(telegram.contains("<td data-label=\"Got their code\" class=\"num\">75%</td><td data-label=\"Time to code\" class=\"num\">35 seconds</td>"),
                    telegram);
            String whatsapp = new Browserless(node.url()).get("/services/wa?q=russia").body().replaceAll("\\s+", " ");
            assertTrue(whatsapp.contains("<td data-label=\"Got their code\" class=\"num\">–</td>"), "one order is too few to publish: " + whatsapp);
        }
    }

    private static int buy(Http http, String key, String service) {
        Http.Response bought = http.order(key, UUID.randomUUID().toString(), "{\"service\":\"" + service + "\",\"country\":0}");
        assertEquals(201, bought.status(), bought.text());
        return bought.json().get("id").asInt();
    }
}
