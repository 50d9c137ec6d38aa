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

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An sms-activate-family upstream (HeroSMS style) pushing SMS to its customer webhook, pointed at
 * {@code POST /inbound/sms-activate/{provider}/{secret}}, over real HTTP. The fake upstream never
 * shows the code to polling, so whatever arrives came by the push.
 */
class UpstreamPushTest {
    private static final TestClock CLOCK = new TestClock();
    private static final String SECRET = "hero-webhook-secret-0123456789";
    private static FakeSmsActivateUpstream upstream;
    private static String provider;
    private static String databaseUrl;
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        upstream = FakeSmsActivateUpstream.start("hero-key");
        upstream.answer("getPrices", Answer.json("{\"0\":{\"tg\":{\"cost\":\"0.45\",\"count\":\"13\"}}}"));
        upstream.listInHeroSmsShape();
        provider = "hero-" + System.nanoTime();
        databaseUrl = TestServers.freshDatabaseUrl();
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        config.put("inventory.simulator.enabled", "false");
        config.put("inventory.pool.enabled", "false");
        config.put("inventory.providers.0.name", provider);
        config.put("inventory.providers.0.protocol", "sms-activate");
        config.put("inventory.providers.0.url", upstream.url().toString());
        config.put("inventory.providers.0.api-key-env", "HERO_KEY");
        config.put("inventory.providers.0.webhook-secret-env", "HERO_WEBHOOK_SECRET");
        config.put("workers.enabled", "true");
        config.put("workers.poll-interval-millis", "50");
        config.put("workers.quotes-refresh-seconds", "1");
        node = TestNodes.start(config, CLOCK, Map.of("HERO_KEY", "hero-key", "HERO_WEBHOOK_SECRET", SECRET));
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
        upstream.close();
    }

    private static String push(String activationId, String code) {
        return """
                {"activationId":"%s","service":"tg","text":"Telegram code: %s","code":"%s","country":0,\
                "receivedAt":"2026-01-01T10:01:00.000000Z"}""".formatted(activationId, code, code);
    }

    @Test
    void aPushedCodeWithTheRightSecretReachesItsActivationOnceAndAWrongSecretChangesNothing() {
        Await.until("the upstream's offer", () -> http.get("/v1/catalog?service=tg&country=0", null).json().get("offers").isEmpty() ? null : true);
        String key = http.newSandboxAccount();
        Http.Response bought = http.order(key, "pushed", "{\"service\":\"tg\",\"country\":0}");
        assertEquals(201, bought.status(), bought.text());
        int id = bought.json().get("id").asInt();
        String ref;
        try (Database db = Database.connect(databaseUrl, null, null, 2)) {
            ref = db.dsl().fetchSingle("select provider_ref from activation where id = " + id).get(0, String.class);
        }
        String route = "/inbound/sms-activate/" + provider + "/";

        Http.Response wrong = http.post(route + SECRET.replace('0', '1'), null, push(ref, "31337"));
        assertEquals(403, wrong.status(), wrong.text());
        assertEquals(404, http.post("/inbound/sms-activate/nobody/" + SECRET, null, push(ref, "31337")).status());
        assertEquals("waiting_code", http.get("/v1/activations/" + id, key).json().get("status").asText(), "nothing changed");

        Http.Response right = http.post(route + SECRET, null, push(ref, "31337"));
        assertEquals(200, right.status(), right.text());
        JsonNode withCode = http.get("/v1/activations/" + id, key).json();
        assertEquals("code_received", withCode.get("status").asText());
        assertEquals("31337", withCode.at("/codes/0/code").asText());
        assertEquals("Telegram code: 31337", withCode.at("/codes/0/text").asText());

        assertEquals(200, http.post(route + SECRET, null, push(ref, "31337")).status(), "a repeat is acknowledged, or it is retried 7 times");
        assertEquals(1, http.get("/v1/activations/" + id, key).json().get("codes").size(), "and not delivered twice");

        assertEquals(200, http.post(route + SECRET, null, push("999999", "11111")).status(), "an activation we do not know is parked, and acknowledged");
        assertEquals(400, http.post(route + SECRET, null, "{\"service\":\"tg\"}").status());
        assertEquals(400, http.post(route + SECRET, null, "not json").status());
        assertEquals(403, http.post(route + "x", null, "not json").status(), "the secret is judged before the body");
    }
}
