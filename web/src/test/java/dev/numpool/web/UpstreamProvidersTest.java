package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.Database;
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
 * Three upstream marketplaces speaking the sms-activate protocol over real HTTP on 127.0.0.1:
 * A is sold out, B hangs, C sells. Numpool fails over to C, polls C for the code, and reports
 * finish and cancel back to C.
 */
class UpstreamProvidersTest {
    private static final TestClock CLOCK = new TestClock();
    private static final String OPERATOR_TOKEN = "operator-token-0123456789abcdef";
    private static FakeSmsActivateUpstream a;
    private static FakeSmsActivateUpstream b;
    private static FakeSmsActivateUpstream c;
    private static String databaseUrl;
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        a = FakeSmsActivateUpstream.start("key-a");
        b = FakeSmsActivateUpstream.start("key-b");
        c = FakeSmsActivateUpstream.start("key-c");
        a.answer("getPrices", Answer.json("{\"0\":{\"tg\":{\"cost\":0.10,\"count\":7}}}"));
        a.answer("getNumberV2", Answer.text("NO_NUMBERS"));
        b.answer("getPrices", Answer.json("{\"0\":{\"tg\":{\"cost\":0.20,\"count\":11}}}"));
        b.answer("getNumberV2", Answer.text("NO_NUMBERS").after(Duration.ofSeconds(5)));
        c.answer("getPrices", Answer.json("{\"0\":{\"tg\":{\"cost\":\"0.45\",\"count\":\"13\"}}}")); // the fake sells at 0.45

        databaseUrl = TestServers.freshDatabaseUrl();
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        Map<String, String> environment = new java.util.HashMap<>();
        config.put("inventory.simulator.enabled", "false");
        config.put("inventory.pool.enabled", "false");
        config.put("inventory.markup-percent", "25");
        String[][] upstreams = {{"upstream-a", a.url().toString(), "key-a"}, {"upstream-b", b.url().toString(), "key-b"},
                {"upstream-c", c.url().toString(), "key-c"}};
        for (int i = 0; i < upstreams.length; i++) {
            config.put("inventory.providers." + i + ".name", upstreams[i][0] + "-" + System.nanoTime());
            config.put("inventory.providers." + i + ".protocol", "sms-activate");
            config.put("inventory.providers." + i + ".url", upstreams[i][1]);
            config.put("inventory.providers." + i + ".api-key-env", "UPSTREAM_KEY_" + i);
            environment.put("UPSTREAM_KEY_" + i, upstreams[i][2]);
            config.put("inventory.providers." + i + ".timeout-millis", "400");
        }
        config.put("numpool.operator-token", OPERATOR_TOKEN);
        config.put("workers.enabled", "true");
        config.put("workers.expiry-interval-millis", "50");
        config.put("workers.upstream-interval-millis", "50");
        config.put("workers.poll-interval-millis", "50");
        config.put("workers.quotes-refresh-seconds", "1");
        node = TestNodes.start(config, CLOCK, environment);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
        a.close();
        b.close();
        c.close();
    }

    @Test
    void anOrderFailsOverFromSoldOutAndHangingProvidersToOneThatSells() {
        JsonNode offer = allThreeQuoted();
        assertEquals("0.13", offer.get("price").asText(), "the lowest sell price: A's 0.10 + 25 %, rounded up to a cent");

        String key = http.newSandboxAccount();
        Http.Response bought = http.order(key, "failover", "{\"service\":\"tg\",\"country\":0}");
        assertEquals(201, bought.status(), bought.text());
        JsonNode activation = bought.json();
        JsonNode attempts = activation.at("/routing/attempts");
        assertEquals(3, activation.at("/routing/considered").size());
        assertEquals(3, attempts.size(), attempts.toString());
        assertEquals("no_numbers", attempts.at("/0/outcome").asText());
        assertEquals("failed: timeout", attempts.at("/1/outcome").asText());
        assertEquals("bought", attempts.at("/2/outcome").asText());
        assertTrue(attempts.at("/2/provider").asText().startsWith("upstream-c"));
        assertEquals("0.57", activation.get("price").asText(), "C's 0.45 + 25 %, rounded up to a cent");
        assertEquals(1, http.get("/v1/activations", key).json().get("data").size(), "one activation");
        assertEquals(570_000, http.get("/v1/balance", key).json().get("heldMicros").asLong(), "one hold");

        // C receives the SMS; Numpool learns it by polling.
        int id = activation.get("id").asInt();
        String ref;
        try (Database db = Database.connect(databaseUrl, null, null, 2)) {
            ref = db.dsl().fetchSingle("select provider_ref from activation where id = " + id).get(0, String.class);
        }
        c.status(ref, "STATUS_OK:48213");
        c.fullSms(ref, "Telegram code: 48213. Do not give it to anyone.");
        CLOCK.advance(Duration.ofSeconds(3)); // a new activation is polled every 3 s
        JsonNode withCode = Await.until("the polled code", () -> {
            JsonNode now = http.get("/v1/activations/" + id, key).json();
            return now.get("status").asText().equals("code_received") ? now : null;
        });
        assertEquals("48213", withCode.at("/codes/0/code").asText());
        assertEquals("Telegram code: 48213. Do not give it to anyone.", withCode.at("/codes/0/text").asText());

        http.post("/v1/activations/" + id + "/finish", key, null);
        Await.until("setStatus 6 at C", () -> c.requests("setStatus").stream()
                .filter(r -> ref.equals(r.param("id")) && "6".equals(r.param("status"))).findAny().orElse(null));
        assertEquals(100_000_000L - 570_000, http.get("/v1/balance", key).json().get("availableMicros").asLong());
    }

    @Test
    void aCancelIsRefundedAtOnceAndReportedToTheProvider() {
        String key = http.newSandboxAccount();
        allThreeQuoted();
        JsonNode activation = http.order(key, "to-cancel", "{\"service\":\"tg\",\"country\":0}").json();
        CLOCK.advance(Duration.ofMinutes(2));
        c.answer("setStatus", Answer.text("EARLY_CANCEL_DENIED")); // C is slow to agree; the customer does not wait
        JsonNode cancelled = http.post("/v1/activations/" + activation.get("id").asInt() + "/cancel", key, null).json();
        assertEquals("cancelled", cancelled.get("status").asText());
        assertEquals(100_000_000L, http.get("/v1/balance", key).json().get("availableMicros").asLong(), "refunded at once");

        long refused = Await.until("the first report, tried straight after the cancel", () -> {
            long n = c.requests("setStatus").stream().filter(r -> "8".equals(r.param("status"))).count();
            return n >= 1 ? n : null;
        });
        c.answer("setStatus", Answer.text("ACCESS_CANCEL"));
        Await.until("a retried setStatus 8", () -> {
            CLOCK.advance(Duration.ofSeconds(30)); // time passes until the backoff is over and the worker retries
            return c.requests("setStatus").stream().filter(r -> "8".equals(r.param("status"))).count() > refused ? true : null;
        });
    }

    @Test
    void theOperatorSeesEachProvidersHealthAndWhatProvidersRefused() {
        allThreeQuoted();
        String key = http.newSandboxAccount();
        int id = http.order(key, "operator-view", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
        CLOCK.advance(Duration.ofMinutes(3));
        c.answer("setStatus", Answer.text("BAD_STATUS")); // C refuses this report for good
        http.post("/v1/activations/" + id + "/cancel", key, null);

        JsonNode providers = Await.until("C's refusal recorded", () -> {
            JsonNode list = http.get("/v1/operator/providers", OPERATOR_TOKEN).json().get("providers");
            for (JsonNode p : list) {
                if (p.get("name").asText().startsWith("upstream-c") && p.at("/statusReports/refused").asInt() >= 1) {
                    return list;
                }
            }
            return null;
        });
        assertEquals(3, providers.size());
        for (JsonNode p : providers) {
            assertEquals("sms-activate", p.get("kind").asText());
            assertTrue(p.get("cachedStock").asLong() > 0, p.toString());
        }
        JsonNode refused = http.get("/v1/operator/upstream-reports?state=refused", OPERATOR_TOKEN).json().get("data");
        JsonNode mine = null;
        for (JsonNode r : refused) {
            if (r.get("activationId").asInt() == id) {
                mine = r;
            }
        }
        assertTrue(mine != null, refused.toString());
        assertEquals("release_unused", mine.get("kind").asText());

        JsonNode history = http.get("/v1/operator/providers/" + providers.get(2).get("name").asText() + "/refreshes?limit=5", OPERATOR_TOKEN)
                .json().get("data");
        assertTrue(history.size() >= 1, "every refresh is kept");
        assertTrue(history.get(0).get("ok").asBoolean());
        assertEquals(1, history.get(0).get("offers").asInt());
        assertTrue(history.get(0).get("totalStock").asLong() > 0);
        assertEquals(404, http.get("/v1/operator/providers/nobody/refreshes", OPERATOR_TOKEN).status());

        // Per offer, a row only when a refresh found it changed: C's tg offer once, whatever the refreshes since.
        String cName = null;
        for (JsonNode p : providers) {
            if (p.get("name").asText().startsWith("upstream-c")) {
                cName = p.get("name").asText();
            }
        }
        JsonNode offer = http.get("/v1/operator/providers/" + cName + "/offer-history?service=tg&country=0", OPERATOR_TOKEN).json().get("data");
        assertEquals(1, offer.size(), offer.toString());
        assertEquals("0.45", offer.at("/0/cost").asText());
        assertEquals(13, offer.at("/0/stock").asInt());
        assertEquals(0, http.get("/v1/operator/providers/" + cName + "/offer-history?service=wa&country=0", OPERATOR_TOKEN).json()
                .get("data").size());
        assertEquals(400, http.get("/v1/operator/providers/" + cName + "/offer-history?service=zz&country=0", OPERATOR_TOKEN).status());
        assertEquals(400, http.get("/v1/operator/providers/" + cName + "/offer-history?service=tg", OPERATOR_TOKEN).status());

        assertEquals(401, http.get("/v1/operator/providers", key).status(), "a customer's key is not an operator token");
        assertEquals(401, http.get("/v1/operator/providers", null).status());
        assertEquals(400, http.get("/v1/operator/upstream-reports?state=lost", OPERATOR_TOKEN).status());
        c.answer("setStatus", request -> Answer.text("ACCESS_CANCEL"));
    }

    @Test
    void aFinishedNumberIsBoughtAgainFromTheProviderThatSoldItAtItsReusePrice() {
        allThreeQuoted();
        String key = http.newSandboxAccount();
        JsonNode activation = http.order(key, "to-reuse", "{\"service\":\"tg\",\"country\":0}").json();
        int id = activation.get("id").asInt();
        String digits = activation.get("phone").asText().substring(1);
        String ref;
        try (Database db = Database.connect(databaseUrl, null, null, 2)) {
            ref = db.dsl().fetchSingle("select provider_ref from activation where id = " + id).get(0, String.class);
        }
        c.status(ref, "STATUS_OK:31337");
        c.fullSms(ref, "Telegram code: 31337");
        CLOCK.advance(Duration.ofSeconds(3));
        Await.until("the polled code", () -> http.get("/v1/activations/" + id, key).json().get("status").asText().equals("code_received") ? true : null);
        assertEquals(200, http.post("/v1/activations/" + id + "/finish", key, null).status());

        c.answer("checkExtraActivation", Answer.text("RENEW_ACTIVATION_NOT_AVAILABLE"));
        JsonNode refused = http.get("/v1/activations/" + id + "/reuse", key).json();
        assertEquals(false, refused.get("available").asBoolean());
        assertEquals("RENEW_ACTIVATION_NOT_AVAILABLE", refused.get("reason").asText(), "the upstream's own word");

        c.answer("checkExtraActivation", Answer.json("{\"status\":\"success\",\"cost\":0.60,\"service\":\"tg\",\"phone\":" + digits + ",\"country\":0}"));
        c.answer("getExtraActivation", Answer.text("ACCESS_NUMBER:777001:" + digits));
        assertEquals("0.75", http.get("/v1/activations/" + id + "/reuse", key).json().get("price").asText(), "C's reuse cost 0.60 + 25 %");
        Http.Response again = http.postIdempotent("/v1/activations/" + id + "/reuse", key, "reused", "{}");
        assertEquals(201, again.status(), again.text());
        assertEquals(activation.get("phone").asText(), again.json().get("phone").asText());
        assertEquals("0.75", again.json().get("price").asText());
        assertTrue(c.requests("getExtraActivation").stream().anyMatch(r -> ref.equals(r.param("activationId"))), "asked of C for C's activation");
        try (Database db = Database.connect(databaseUrl, null, null, 2)) {
            assertEquals("777001", db.dsl().fetchSingle("select provider_ref from activation where id = " + again.json().get("id").asInt())
                    .get(0, String.class), "the new activation is C's new one, polled and reported like any other");
        }
    }

    /** The catalogue's offer once the quotes of all three upstreams were refreshed into it. */
    private static JsonNode allThreeQuoted() {
        return Await.until("the refreshed quotes of all three", () -> {
            JsonNode offers = http.get("/v1/catalog?service=tg&country=0", null).json().get("offers");
            return offers.size() == 1 && offers.at("/0/stock").asInt() == 7 + 11 + 13 ? offers.get(0) : null;
        });
    }

}
