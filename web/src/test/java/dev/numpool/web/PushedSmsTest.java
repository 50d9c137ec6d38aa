package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.FakeAgent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SMS that are pushed to Numpool, over real HTTP: a SIM-bank agent's {@code PUSH_SMS}, and the
 * rented-number pool's Twilio and SMS Gate webhooks, each signed as its sender signs it. The
 * agent sells Russian numbers; the pool holds three British ones, so routing is not in the way.
 */
class PushedSmsTest {
    private static final TestClock CLOCK = new TestClock();
    private static final String OPERATOR = "operator-token-0123456789abcdef";
    private static final String TWILIO_TOKEN = "twilio-auth-token-1";
    private static final String GATE_KEY = "sms-gate-key-1";
    private static FakeAgent agent;
    private static String agentName;
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        agent = FakeAgent.start("agent-key");
        agentName = "simbank-" + System.nanoTime();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("inventory.simulator.enabled", "false");
        config.put("inventory.pool.name", "pool-" + System.nanoTime());
        config.put("inventory.pool.twilio-auth-token-env", "TWILIO_TOKEN");
        config.put("inventory.pool.sms-gate-key-env", "GATE_KEY");
        config.put("inventory.providers.0.name", agentName);
        config.put("inventory.providers.0.protocol", "agent");
        config.put("inventory.providers.0.url", agent.url().toString());
        config.put("inventory.providers.0.api-key-env", "AGENT_KEY");
        config.put("inventory.providers.0.price", "0.10");
        config.put("numpool.operator-token", OPERATOR);
        config.put("workers.enabled", "true");
        config.put("workers.upstream-interval-millis", "50");
        config.put("workers.quotes-refresh-seconds", "1");
        node = TestNodes.start(config, CLOCK, Map.of("TWILIO_TOKEN", TWILIO_TOKEN, "GATE_KEY", GATE_KEY, "AGENT_KEY", "agent-key"));
        http = new Http(node.url());

        Http.Response imported = http.send(http.request("/v1/operator/pool", OPERATOR).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        phone,rented_from,lease_ends_at,gateway_device,gateway_sim
                        +447400123456,twilio,2030-01-01T00:00:00Z,,
                        +447400123457,sms-gate,2030-01-01T00:00:00Z,pixel-7,2
                        +447400123458,twilio,2030-01-01T00:00:00Z,,
                        """)));
        assertEquals(200, imported.status(), imported.text());
        assertEquals(3, imported.json().get("imported").asInt());
    }

    @AfterAll
    static void stop() {
        node.close();
        agent.close();
    }

    private static JsonNode offer(String service, int country) {
        return Await.until(service + " in country " + country + " on sale", () -> {
            JsonNode offers = http.get("/v1/catalog?service=" + service + "&country=" + country, null).json().get("offers");
            return offers.isEmpty() ? null : offers.get(0);
        });
    }

    private static JsonNode buy(String key, String service, int country) {
        offer(service, country);
        Http.Response bought = http.order(key, service + "-" + System.nanoTime(), "{\"service\":\"" + service + "\",\"country\":" + country + "}");
        assertEquals(201, bought.status(), bought.text());
        return bought.json();
    }

    private static JsonNode activation(String key, JsonNode a) {
        return http.get("/v1/activations/" + a.get("id").asInt(), key).json();
    }

    @Test
    void anAgentsPushedCodeReachesItsActivationOnceAndFinishAndCancelAreReported() {
        assertEquals("0.13", offer("wa", 0).get("price").asText(), "the agent's price 0.10 + 25 %, rounded up to a cent");
        String key = http.newSandboxAccount();
        JsonNode a = buy(key, "wa", 0);
        String phone = a.get("phone").asText().replace("+", "");
        JsonNode asked = agent.requests("GET_NUMBER").getLast();
        assertEquals("russia", asked.get("country").asText());
        assertEquals("wa", asked.get("service").asText());

        URI hub = URI.create(node.url() + "/agent/" + agentName);
        HttpResponse<String> pushed = agent.push(hub, "agent-key", 9001, phone, "WhatsApp", "Your WhatsApp code 123-456");
        assertEquals(200, pushed.statusCode());
        assertEquals("{\"status\":\"SUCCESS\"}", pushed.body());
        JsonNode withCode = activation(key, a);
        assertEquals("code_received", withCode.get("status").asText());
        assertEquals("123456", withCode.at("/codes/0/code").asText());

        HttpResponse<String> again = agent.push(hub, "agent-key", 9001, phone, "WhatsApp", "Your WhatsApp code 123-456");
        assertEquals("{\"status\":\"SUCCESS\"}", again.body(), "a repeated push is acknowledged, or the agent pushes it forever");
        assertEquals(1, activation(key, a).get("codes").size(), "and not delivered twice");

        HttpResponse<String> badKey = agent.push(hub, "agent-kez", 9002, phone, "WhatsApp", "Your WhatsApp code 654-321");
        assertEquals(401, badKey.statusCode());
        assertEquals("{\"status\":\"ERROR\",\"error\":\"BAD_KEY\"}", badKey.body());
        assertEquals(404, agent.push(URI.create(node.url() + "/agent/nobody"), "agent-key", 9003, phone, "x", "y").statusCode());
        Http.Response garbage = http.post("/agent/" + agentName, null, "{\"action\":");
        assertEquals(400, garbage.status());
        assertEquals("BAD_JSON", garbage.json().get("error").asText());
        assertEquals(1, activation(key, a).get("codes").size(), "nothing changed");

        http.post("/v1/activations/" + a.get("id").asInt() + "/finish", key, null);
        JsonNode finished = Await.until("FINISH_ACTIVATION 3", () -> agent.requests("FINISH_ACTIVATION").stream()
                .filter(r -> r.get("status").asInt() == 3).findAny().orElse(null));
        assertEquals(asked.path("key").asText(), finished.path("key").asText());

        JsonNode health = http.get("/v1/operator/providers", OPERATOR).json().get("providers");
        JsonNode mine = null;
        for (JsonNode p : health) {
            if (p.get("name").asText().equals(agentName)) {
                mine = p;
            }
        }
        assertEquals("agent", mine.get("kind").asText());
        assertFalse(mine.get("medianSecondsToCode").isNull(), "time to code is measured: " + mine);
    }

    @Test
    void aTwilioInboundSmsToAPoolNumberIsVerifiedDeliveredOnceAndAForgedOneChangesNothing() throws Exception {
        String key = http.newSandboxAccount();
        JsonNode a = buy(key, "tg", 16);
        String to = a.get("phone").asText();
        assertTrue(to.startsWith("+44740012345"), to);
        String url = node.url() + "/inbound/twilio";
        Map<String, String> form = new HashMap<>(Map.of("MessageSid", "SM0123456789abcdef0123456789abcdef", "From", "Telegram",
                "To", to, "Body", "Telegram code: 55821. Do not give it to anyone.", "NumSegments", "1"));

        Http.Response forged = twilio(url, form, twilioSignature("another-token", url, form));
        assertEquals(403, forged.status());
        assertEquals("waiting_code", activation(key, a).get("status").asText(), "a forged SMS changes nothing");

        Http.Response ok = twilio(url, form, twilioSignature(TWILIO_TOKEN, url, form));
        assertEquals(200, ok.status(), ok.text());
        assertTrue(ok.contentType().startsWith("text/xml"));
        assertTrue(ok.text().contains("<Response>"), "TwiML, so Twilio sends no reply SMS");
        assertEquals("55821", activation(key, a).at("/codes/0/code").asText());
        assertEquals("Telegram code: 55821. Do not give it to anyone.", activation(key, a).at("/codes/0/text").asText());

        assertEquals(200, twilio(url, form, twilioSignature(TWILIO_TOKEN, url, form)).status(), "Twilio retrying is fine");
        assertEquals(1, activation(key, a).get("codes").size(), "and delivers once");

        Map<String, String> changed = new HashMap<>(form);
        changed.put("Body", "Telegram code: 99999");
        assertEquals(403, twilio(url, changed, twilioSignature(TWILIO_TOKEN, url, form)).status(), "one changed field breaks the signature");
        Map<String, String> noTo = new HashMap<>(form);
        noTo.remove("To");
        assertEquals(400, twilio(url, noTo, twilioSignature(TWILIO_TOKEN, url, noTo)).status());
        assertEquals(1, activation(key, a).get("codes").size());
    }

    @Test
    void anSmsGateWebhookFindsThePoolNumberByDeviceAndSimAndIsDedupedByContent() throws Exception {
        String key = http.newSandboxAccount();
        JsonNode a = buy(key, "wa", 16);
        JsonNode b = a.get("phone").asText().equals("+447400123457") ? a : buy(key, "wa", 16);
        assertEquals("+447400123457", b.get("phone").asText());
        long now = CLOCK.instant().getEpochSecond();
        String body = gateBody("ev-1", "msg-1", "WhatsApp code 731-904");

        Http.Response stale = smsGate(body, now - 301, gateSignature(body, now - 301));
        assertEquals(401, stale.status(), "a signature older than 5 minutes is a replay");
        assertEquals(401, smsGate(body, now, gateSignature(body + " ", now)).status(), "signature of another body");
        assertEquals("waiting_code", activation(key, b).get("status").asText());

        Http.Response ok = smsGate(body, now, gateSignature(body, now));
        assertEquals(200, ok.status(), ok.text());
        assertEquals("731904", activation(key, b).at("/codes/0/code").asText());
        // SMS Gate's message ids are not unique, and it may send one SMS again under another id.
        String again = gateBody("ev-2", "msg-2", "WhatsApp code 731-904");
        assertEquals(200, smsGate(again, now, gateSignature(again, now)).status());
        assertEquals(1, activation(key, b).get("codes").size(), "the same number, sender, text and minute are one SMS");

        String elsewhere = gateBody("ev-3", "msg-3", "hello").replace("pixel-7", "pixel-8");
        Http.Response ignored = smsGate(elsewhere, now, gateSignature(elsewhere, now));
        assertEquals(200, ignored.status());
        assertTrue(ignored.json().has("ignored"), ignored.text());
        String notJson = "{\"deviceId\":";
        assertEquals(400, smsGate(notJson, now, gateSignature(notJson, now)).status());
        String huge = "x".repeat(70_000);
        assertEquals(413, smsGate(huge, now, gateSignature(huge, now)).status());
    }

    private static String gateBody(String id, String messageId, String text) {
        return """
                {"deviceId":"pixel-7","event":"sms:received","id":"%s","webhookId":"wh-1",\
                "payload":{"messageId":"%s","message":"%s","phoneNumber":"WhatsApp","simNumber":2,\
                "receivedAt":"2026-01-01T10:00:00.000+00:00"}}""".formatted(id, messageId, text);
    }

    private static Http.Response smsGate(String body, long timestamp, String signature) {
        return http.send(http.request("/inbound/sms-gate", null).header("Content-Type", "application/json")
                .header("X-Timestamp", Long.toString(timestamp)).header("X-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static String gateSignature(String body, long timestamp) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(GATE_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal((body + timestamp).getBytes(StandardCharsets.UTF_8)));
    }

    private static Http.Response twilio(String url, Map<String, String> form, String signature) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", signature).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Twilio's algorithm, written here from its documentation, apart from the code under test. */
    private static String twilioSignature(String token, String url, Map<String, String> form) throws Exception {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(form).forEach((k, v) -> data.append(k).append(v));
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
