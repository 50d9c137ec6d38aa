package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same number again (issue 18's reuse): an activation that finished with a code has its number
 * bought again for its service, through the native API, sms-activate's checkExtraActivation and
 * getExtraActivation, and 5sim's reuse; the new activation runs and is charged like any other, and
 * whatever cannot be reused (cancelled, live, too old, another account's, unknown) changes nothing.
 */
class ReuseTest {
    private static final TestClock CLOCK = new TestClock();
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("compat.duplicate-window-seconds", "10");
        config.put("inventory.simulator.offers.0.service", "tg");
        config.put("inventory.simulator.offers.0.country", "0");
        config.put("inventory.simulator.offers.0.stock", "500");
        config.put("inventory.simulator.offers.0.cost", "0.40");
        node = TestNodes.start(config, CLOCK);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static Http.Response sa(String key, String query) {
        Http.Response r = http.get("/stubs/handler_api.php?api_key=" + key + "&" + query, null);
        assertEquals(200, r.status(), r.text());
        return r;
    }

    private static Http.Response post(String path, String key, String idempotencyKey, String body) {
        return http.postIdempotent(path, key, idempotencyKey, body);
    }

    private static void code(String key, int id, String code) {
        Http.Response r = http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: " + code + "\"}");
        assertEquals(200, r.status(), r.text());
    }

    /** An activation bought, its code received and the activation finished: a number that may be bought again. */
    private static JsonNode finished(String key) {
        Http.Response bought = post("/v1/activations", key, "buy-" + System.nanoTime(), "{\"service\":\"tg\",\"country\":0}");
        assertEquals(201, bought.status(), bought.text());
        int id = bought.json().get("id").asInt();
        code(key, id, "11111");
        assertEquals(200, http.post("/v1/activations/" + id + "/finish", key, "").status());
        return http.get("/v1/activations/" + id, key).json();
    }

    private static String balance(String key) {
        return http.get("/v1/balance", key).json().get("available").asText();
    }

    @Test
    void theNativeApiQuotesAndBuysTheSameNumberAgainWhichRunsAndIsChargedLikeAnyOther() {
        String key = http.newSandboxAccount();
        JsonNode parent = finished(key);
        int parentId = parent.get("id").asInt();
        assertEquals("99.50", balance(key));

        JsonNode quote = http.get("/v1/activations/" + parentId + "/reuse", key).json();
        assertTrue(quote.get("available").asBoolean(), quote.toString());
        assertEquals("0.50", quote.get("price").asText(), "the provider's cost with the markup, as a new order");
        assertEquals(parent.get("phone").asText(), quote.get("phone").asText());

        Http.Response again = post("/v1/activations/" + parentId + "/reuse", key, "reuse-1", "");
        assertEquals(201, again.status(), again.text());
        JsonNode reused = again.json();
        assertNotEquals(parentId, reused.get("id").asInt());
        assertEquals(parent.get("phone").asText(), reused.get("phone").asText(), "the same number");
        assertEquals("tg", reused.get("service").asText());
        assertEquals("waiting_code", reused.get("status").asText());
        assertEquals("99.00", balance(key), "held like any order");

        Http.Response replay = post("/v1/activations/" + parentId + "/reuse", key, "reuse-1", "");
        assertArrayEquals(again.body(), replay.body(), "the same key answers the first response again");
        assertEquals("true", replay.headers().firstValue("Idempotent-Replayed").orElse(""));

        JsonNode whileLive = http.get("/v1/activations/" + parentId + "/reuse", key).json();
        assertEquals(false, whileLive.get("available").asBoolean(), "the number is live again for the service: " + whileLive);

        int reusedId = reused.get("id").asInt();
        code(key, reusedId, "22222");
        JsonNode done = http.get("/v1/activations/" + reusedId, key).json();
        assertEquals("code_received", done.get("status").asText());
        assertEquals("22222", done.get("codes").get(0).get("code").asText(), done.toString());
        assertEquals(200, http.post("/v1/activations/" + reusedId + "/finish", key, "").status());
        assertEquals("99.00", balance(key), "charged once, for its code");
        assertTrue(http.get("/v1/activations/" + reusedId + "/reuse", key).json().get("available").asBoolean(),
                "the reuse's own number can be bought again in its turn");
    }

    @Test
    void whatCannotBeReusedIsRefusedAndChangesNothing() {
        String key = http.newSandboxAccount();
        Http.Response bought = post("/v1/activations", key, "buy-c", "{\"service\":\"tg\",\"country\":0}");
        int cancelledId = bought.json().get("id").asInt();
        CLOCK.advance(Duration.ofMinutes(3));
        assertEquals(200, http.post("/v1/activations/" + cancelledId + "/cancel", key, "").status());
        String before = balance(key);

        JsonNode quote = http.get("/v1/activations/" + cancelledId + "/reuse", key).json();
        assertEquals(false, quote.get("available").asBoolean());
        Http.Response refused = post("/v1/activations/" + cancelledId + "/reuse", key, "r-c", "");
        assertEquals(409, refused.status(), refused.text());
        assertEquals("/problems/not-reusable", refused.json().get("type").asText());
        assertEquals("RENEW_ACTIVATION_NOT_AVAILABLE", sa(key, "action=getExtraActivation&activationId=" + cancelledId).text());
        assertEquals("RENEW_ACTIVATION_NOT_AVAILABLE", sa(key, "action=checkExtraActivation&activationId=" + cancelledId).text());

        int othersId = finished(http.newSandboxAccount()).get("id").asInt();
        assertEquals(404, http.get("/v1/activations/" + othersId + "/reuse", key).status(), "another account's activation is unknown here");
        assertEquals(404, post("/v1/activations/" + othersId + "/reuse", key, "r-o", "").status());
        assertEquals("WRONG_ACTIVATION_ID", sa(key, "action=getExtraActivation&activationId=" + othersId).text());
        assertEquals("WRONG_ACTIVATION_ID", sa(key, "action=getExtraActivation&activationId=x1").text());
        assertEquals("WRONG_ACTIVATION_ID", sa(key, "action=checkExtraActivation").text());
        assertEquals(400, post("/v1/activations/" + othersId + "/reuse", key, "r-b", "{\"maxPrice\":-1}").status());
        assertEquals(400, http.send(http.request("/v1/activations/" + cancelledId + "/reuse", key)
                .POST(HttpRequest.BodyPublishers.noBody())).status(), "an Idempotency-Key is required");

        JsonNode old = finished(key);
        CLOCK.advance(Duration.ofHours(25));
        JsonNode tooOld = http.get("/v1/activations/" + old.get("id").asInt() + "/reuse", key).json();
        assertEquals(false, tooOld.get("available").asBoolean());
        assertTrue(tooOld.get("reason").asText().contains("24 hours"), tooOld.toString());
        Http.Response expired = http.get("/v1/user/reuse/telegram/" + old.get("phone").asText().substring(1), key);
        assertEquals(400, expired.status());
        assertEquals("reuse expired", expired.text(), "5sim's word for it");
        assertEquals("99.50", balance(key), "only the finished order was charged: " + before);
        assertEquals(2, http.get("/v1/activations", key).json().get("data").size(), "nothing new was bought");
    }

    @Test
    void smsActivatesExtraActivationQuotesAndBuysTheNumberAgain() {
        String key = http.newSandboxAccount();
        String bought = sa(key, "action=getNumber&service=tg&country=0").text();
        int id = Integer.parseInt(bought.split(":")[1]);
        String phone = bought.split(":")[2];
        code(key, id, "33333");
        assertEquals("ACCESS_ACTIVATION", sa(key, "action=setStatus&status=6&id=" + id).text());

        Http.Response check = sa(key, "action=checkExtraActivation&activationId=" + id);
        assertEquals("application/json", check.contentType());
        assertEquals("{\"status\":\"success\",\"cost\":0.50,\"service\":\"tg\",\"phone\":" + phone + ",\"country\":0}", check.text());

        String again = sa(key, "action=getExtraActivation&activationId=" + id).text();
        assertTrue(again.matches("ACCESS_NUMBER:[0-9]+:" + phone), again);
        int newId = Integer.parseInt(again.split(":")[1]);
        assertNotEquals(id, newId);
        assertEquals(again, sa(key, "action=getExtraActivation&activationId=" + id).text(), "a retry within the window is the same order");
        assertEquals("STATUS_WAIT_CODE", sa(key, "action=getStatus&id=" + newId).text());
        code(key, newId, "44444");
        assertEquals("STATUS_OK:44444", sa(key, "action=getStatus&id=" + newId).text());
        assertEquals("ACCESS_BALANCE:99.00", sa(key, "action=getBalance").text());
    }

    @Test
    void twentyConcurrentGetExtraActivationRetriesBuyTheNumberOnce() throws Exception {
        String key = http.newSandboxAccount();
        String bought = sa(key, "action=getNumber&service=tg&country=0").text();
        int id = Integer.parseInt(bought.split(":")[1]);
        code(key, id, "55555");
        sa(key, "action=setStatus&status=6&id=" + id);
        List<String> answers = AtOnce.run(20, () -> sa(key, "action=getExtraActivation&activationId=" + id).text());
        assertEquals(1, new HashSet<>(answers).size(), "every retry answers the first reuse: " + answers);
        assertTrue(answers.getFirst().startsWith("ACCESS_NUMBER:"), answers.getFirst());
        assertEquals(2, http.get("/v1/activations", key).json().get("data").size());
        assertEquals("ACCESS_BALANCE:99.00", sa(key, "action=getBalance").text());
    }

    @Test
    void fiveSimsReuseBuysTheNumberOfTheLatestOrderAgain() {
        String key = http.newSandboxAccount();
        JsonNode order = http.get("/v1/user/buy/activation/russia/any/telegram", key).json();
        String phone = order.get("phone").asText();
        code(key, order.get("id").asInt(), "66666");
        assertEquals("FINISHED", http.get("/v1/user/finish/" + order.get("id").asInt(), key).json().get("status").asText());

        Http.Response reused = http.get("/v1/user/reuse/telegram/" + phone.substring(1), key);
        assertEquals(200, reused.status(), reused.text());
        assertEquals(phone, reused.json().get("phone").asText());
        assertEquals("RECEIVED", reused.json().get("status").asText());
        assertEquals("telegram", reused.json().get("product").asText());
        assertNotEquals(order.get("id").asInt(), reused.json().get("id").asInt());

        Http.Response noProduct = http.get("/v1/user/reuse/nosuchproduct/" + phone.substring(1), key);
        assertEquals(400, noProduct.status());
        assertEquals("no product", noProduct.text());
        Http.Response unknown = http.get("/v1/user/reuse/telegram/79990000000", key);
        assertEquals(400, unknown.status());
        assertEquals("reuse not possible", unknown.text());
        assertEquals(401, http.get("/v1/user/reuse/telegram/" + phone.substring(1), null).status());
    }
}
