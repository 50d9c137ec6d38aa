package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpServer;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signed webhooks from the outbox: verified by an independent Standard Webhooks implementation,
 * in order per activation, retried on Svix's schedule (simulated clock), disabled by 410, and
 * endpoint URLs held to public https addresses (this test's receiver on 127.0.0.1 is allowed by
 * name in the configuration).
 */
class WebhooksTest {
    private static final TestClock CLOCK = new TestClock();
    private static Numpool node;
    private static Http http;
    private static HttpServer receiver;
    private static final List<Received> received = new CopyOnWriteArrayList<>();
    /** Statuses to answer, in order; 200 once they run out. */
    private static final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();

    record Received(String path, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst().map(e -> e.getValue().getFirst()).orElse(null);
        }

        JsonNode json() {
            try {
                return Http.JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @BeforeAll
    static void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), body));
            Integer status = exchange.getRequestURI().getPath().equals("/down") ? Integer.valueOf(500) : answers.poll();
            byte[] reply = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status == null ? 200 : status, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        receiver.start();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("webhooks.allow-http", "true");
        config.put("webhooks.allowed-hosts.0", "127.0.0.1");
        config.put("workers.enabled", "true");
        config.put("numpool.operator-token", OPERATOR);
        config.put("workers.poll-interval-millis", "50");
        config.put("workers.expiry-interval-millis", "50");
        config.put("workers.upstream-interval-millis", "50");
        node = TestNodes.start(config, CLOCK);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
        receiver.stop(0);
    }

    private static String receiverUrl(String path) {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
    }

    private static JsonNode endpoint(String key, String path, String... types) {
        String list = String.join(",", java.util.Arrays.stream(types).map(t -> "\"" + t + "\"").toList());
        Http.Response r = http.post("/v1/webhook-endpoints", key, "{\"url\":\"" + receiverUrl(path) + "\",\"eventTypes\":[" + list + "]}");
        assertEquals(201, r.status(), r.text());
        return r.json();
    }

    private static List<Received> at(String path, int atLeast) {
        return Await.until(atLeast + " deliveries at " + path, () -> {
            List<Received> at = received.stream().filter(r -> r.path().equals(path)).toList();
            return at.size() >= atLeast ? at : null;
        });
    }

    private static final String OPERATOR = "operator-token-for-webhooks-0123456789";

    @Test
    void aCreditToTheBalanceIsAnnouncedAsBalanceCredited() throws Exception {
        String key = http.newSandboxAccount();
        JsonNode endpoint = endpoint(key, "/credited", "balance.credited");
        Http.Response credit = http.postIdempotent("/v1/operator/accounts/" + http.accountId(key) + "/adjustments", OPERATOR, null,
                "{\"direction\":\"credit\",\"amount\":\"2.50\",\"reason\":\"goodwill\"}");
        assertEquals(201, credit.status(), credit.text());
        http.postIdempotent("/v1/operator/accounts/" + http.accountId(key) + "/adjustments", OPERATOR, null,
                "{\"direction\":\"debit\",\"amount\":\"1.00\",\"reason\":\"a debit is not announced\"}");
        http.postIdempotent("/v1/operator/accounts/" + http.accountId(key) + "/adjustments", OPERATOR, null,
                "{\"direction\":\"credit\",\"amount\":\"0.25\",\"reason\":\"second\"}");

        // Balance events carry no activation, so nothing orders the two: sort them by amount.
        List<Received> got = at("/credited", 2).stream()
                .sorted(java.util.Comparator.comparing((Received r) -> r.json().at("/data/amount").asText()).reversed()).toList();
        new Webhook(endpoint.get("secret").asText()).verify(got.get(0).body(), got.get(0).headers());
        assertEquals("balance.credited", got.get(0).json().get("type").asText());
        assertEquals("2.50", got.get(0).json().at("/data/amount").asText());
        assertEquals("operator_credit", got.get(0).json().at("/data/reason").asText());
        assertEquals("102.50", got.get(0).json().at("/data/available").asText());
        assertEquals("0.25", got.get(1).json().at("/data/amount").asText());
        assertEquals("101.75", got.get(1).json().at("/data/available").asText());
    }

    @Test
    void aCodeAndTheFinishArriveSignedInOrderAndAChangedByteFailsVerification() throws Exception {
        String key = http.newSandboxAccount();
        JsonNode endpoint = endpoint(key, "/signed", "activation.code_received", "activation.finished");
        String secret = endpoint.get("secret").asText();
        assertTrue(secret.startsWith("whsec_"));
        int id = http.order(key, "wh-1", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: 31415\"}");
        http.post("/v1/activations/" + id + "/finish", key, null);

        List<Received> got = at("/signed", 2);
        Received code = got.get(0);
        new Webhook(secret).verify(code.body(), code.headers());
        assertEquals("activation.code_received", code.json().get("type").asText());
        assertEquals("31415", code.json().at("/data/code").asText());
        assertEquals(id, code.json().at("/data/activationId").asInt());
        assertEquals("activation.finished", got.get(1).json().get("type").asText(), "in order per activation");
        new Webhook(secret).verify(got.get(1).body(), got.get(1).headers());
        assertThrows(WebhookVerificationException.class, () -> new Webhook(secret).verify(code.body().replace("31415", "31416"), code.headers()));
        assertThrows(WebhookVerificationException.class,
                () -> new Webhook("whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32])).verify(code.body(), code.headers()));

        // The receiver has both; the node records an attempt once the answer is back.
        JsonNode log = Await.until("both deliveries recorded", () -> {
            JsonNode data = http.get("/v1/webhook-endpoints/" + endpoint.get("id").asLong() + "/deliveries", key).json().get("data");
            return data.size() == 2 && data.get(0).get("state").asText().equals("delivered")
                    && data.get(1).get("state").asText().equals("delivered") ? data : null;
        });
        assertEquals(200, log.get(0).get("lastStatus").asInt());
    }

    // The sms-activate / HeroSMS body -----------------------------------------------------------------

    private static final java.time.format.DateTimeFormatter SMS_ACTIVATE_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd HH:mm:ss").withZone(java.time.ZoneOffset.UTC);

    private static Http.Response patch(String key, long endpoint, String body) {
        return http.send(http.request("/v1/webhook-endpoints/" + endpoint, key)
                .header("Content-Type", "application/json").method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(body)));
    }

    private static String smsActivate(String key, String query) {
        Http.Response r = http.get("/stubs/handler_api.php?api_key=" + key + "&" + query, null);
        assertEquals(200, r.status(), r.text());
        return r.text();
    }

    @Test
    void anSmsActivateEndpointGetsACodeAsTheFlatBodyBotsParseSignedAsStandardWebhooks() throws Exception {
        String key = http.newSandboxAccount();
        Http.Response created = http.post("/v1/webhook-endpoints", key, "{\"url\":\"" + receiverUrl("/hero") + "\",\"format\":\"sms-activate\"}");
        assertEquals(201, created.status(), created.text());
        assertEquals("sms-activate", created.json().get("format").asText());
        assertEquals("[\"activation.code_received\",\"rental.sms_received\"]", created.json().get("eventTypes").toString(),
                "without eventTypes, every event the format carries");
        String secret = created.json().get("secret").asText();
        JsonNode standard = endpoint(key, "/hero-standard", "activation.code_received", "activation.finished");
        assertEquals("standard", standard.get("format").asText());

        // A bot's own flow: getNumber, the SMS, then the bot finishes.
        String number = smsActivate(key, "action=getNumber&service=tg&country=0");
        assertTrue(number.startsWith("ACCESS_NUMBER:"), number);
        int id = Integer.parseInt(number.split(":")[1]);
        String receivedAt = SMS_ACTIVATE_TIME.format(CLOCK.instant());
        assertEquals(200, http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: 27182\"}").status());
        assertEquals("ACCESS_ACTIVATION", smsActivate(key, "action=setStatus&id=" + id + "&status=6"));

        Received flat = at("/hero", 1).getFirst();
        new Webhook(secret).verify(flat.body(), flat.headers());
        assertTrue(flat.header("webhook-id").startsWith("msg_"), flat.header("webhook-id"));
        assertEquals("{\"activationId\":" + id + ",\"service\":\"tg\",\"text\":\"Telegram code: 27182\",\"code\":\"27182\",\"country\":0,"
                + "\"receivedAt\":\"" + receivedAt + "\"}", flat.body(), "PROTOCOLS.md section 1's fields, in its order, with the compat id");
        assertThrows(WebhookVerificationException.class, () -> new Webhook(secret).verify(flat.body().replace("27182", "27183"), flat.headers()));

        List<Received> usual = at("/hero-standard", 2);
        assertEquals("activation.code_received", usual.get(0).json().get("type").asText(), "a standard endpoint of the same account is unchanged");
        assertEquals("27182", usual.get(0).json().at("/data/code").asText());
        assertEquals("activation.finished", usual.get(1).json().get("type").asText());
        Await.until("the flat delivery recorded", () -> http.get("/v1/webhook-endpoints/" + created.json().get("id").asLong() + "/deliveries", key)
                .json().at("/data/0/state").asText().equals("delivered") ? true : null);
        assertEquals(1, received.stream().filter(r -> r.path().equals("/hero")).count(), "the finish is not sent in the flat shape");
    }

    @Test
    void aRentedNumbersSmsGoesToAnSmsActivateEndpointWithTheRentalsId() throws Exception {
        String key = http.newSandboxAccount();
        Http.Response created = http.post("/v1/webhook-endpoints", key,
                "{\"url\":\"" + receiverUrl("/hero-rent") + "\",\"format\":\"sms-activate\",\"eventTypes\":[\"rental.sms_received\"]}");
        assertEquals(201, created.status(), created.text());
        JsonNode rented = Http.JSON.readTree(smsActivate(key, "action=getRentNumber&service=full&country=0&rent_time=1"));
        int rentalId = rented.at("/phone/id").asInt();
        assertTrue(rentalId > 0, rented.toString());
        String receivedAt = SMS_ACTIVATE_TIME.format(CLOCK.instant());
        Http.Response sms = http.post("/v1/sandbox/rentals/" + rentalId + "/sms", key, "{\"text\":\"Your Telegram code: 16180\",\"sender\":\"Telegram\"}");
        assertEquals(200, sms.status(), sms.text());

        Received flat = at("/hero-rent", 1).getFirst();
        new Webhook(created.json().get("secret").asText()).verify(flat.body(), flat.headers());
        JsonNode body = flat.json();
        List<String> fields = new java.util.ArrayList<>();
        body.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("activationId", "service", "text", "code", "country", "receivedAt"), fields, "the flat shape, in its order");
        assertEquals(rentalId, body.get("activationId").asInt(), "the id getRentNumber answered");
        assertEquals("ot", body.get("service").asText(), "a whole number, as the rent API names its SMS' service");
        assertEquals("Your Telegram code: 16180", body.get("text").asText());
        assertEquals("16180", body.get("code").asText());
        assertEquals(0, body.get("country").asInt());
        assertEquals(receivedAt, body.get("receivedAt").asText());
    }

    @Test
    void aFormatThatIsNoneOrCannotCarryTheEventsIsRefusedAndChangesNothing() {
        String key = http.newSandboxAccount();
        for (String format : new String[] {"\"herosms\"", "\"SMS-ACTIVATE\"", "\"\"", "1", "null", "[\"sms-activate\"]"}) {
            Http.Response r = http.post("/v1/webhook-endpoints", key,
                    "{\"url\":\"" + receiverUrl("/x") + "\",\"eventTypes\":[\"activation.code_received\"],\"format\":" + format + "}");
            assertEquals(400, r.status(), format + ": " + r.text());
            assertEquals("/problems/invalid-request", r.json().get("type").asText());
            assertEquals("'format' is one of standard, sms-activate.", r.json().get("detail").asText());
        }
        Http.Response cannot = http.post("/v1/webhook-endpoints", key,
                "{\"url\":\"" + receiverUrl("/x") + "\",\"format\":\"sms-activate\",\"eventTypes\":[\"activation.code_received\",\"activation.finished\"]}");
        assertEquals(400, cannot.status(), cannot.text());
        assertEquals("/problems/webhook-endpoint-refused", cannot.json().get("type").asText());
        assertEquals("the sms-activate format carries only activation.code_received, rental.sms_received.", cannot.json().get("detail").asText());
        assertEquals(0, http.get("/v1/webhook-endpoints", key).json().get("data").size(), "nothing was created");

        JsonNode mine = endpoint(key, "/formats", "activation.code_received", "activation.finished");
        long id = mine.get("id").asLong();
        assertEquals(400, patch(key, id, "{\"format\":\"hero\"}").status());
        Http.Response narrower = patch(key, id, "{\"format\":\"sms-activate\"}");
        assertEquals(400, narrower.status(), "its activation.finished cannot go in the flat shape: " + narrower.text());
        assertEquals("/problems/webhook-endpoint-refused", narrower.json().get("type").asText());
        JsonNode unchanged = http.get("/v1/webhook-endpoints", key).json().at("/data/0");
        assertEquals("standard", unchanged.get("format").asText());
        assertEquals(2, unchanged.get("eventTypes").size());

        Http.Response switched = patch(key, id, "{\"format\":\"sms-activate\",\"eventTypes\":[\"activation.code_received\"]}");
        assertEquals(200, switched.status(), switched.text());
        assertEquals("sms-activate", switched.json().get("format").asText());
        assertEquals(200, patch(key, id, "{\"format\":\"standard\"}").status(), "back to standard keeps its events");
    }

    @Test
    void aReceiverDownForThreeAttemptsGetsTheEventOnTheFourthAtTheScheduledTimesOnce() {
        String key = http.newSandboxAccount();
        JsonNode endpoint = endpoint(key, "/flaky", "activation.code_received");
        answers.addAll(List.of(500, 503, 502));
        int id = http.order(key, "wh-2", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: 27182\"}");
        at("/flaky", 1);
        // Each failure is written down before the clock jumps: a jump past the claim's lease
        // while the answer is still being recorded lets another claim take the delivery over (as
        // after a stalled node), and the stalled claim's outcome then rightly no longer counts.
        recorded(key, endpoint, 1);
        CLOCK.advance(Duration.ofSeconds(4));
        sleepless(() -> received.stream().filter(r -> r.path().equals("/flaky")).count() == 1, "no retry before 5 s");
        CLOCK.advance(Duration.ofSeconds(1));
        at("/flaky", 2);
        recorded(key, endpoint, 2);
        CLOCK.advance(Duration.ofMinutes(5));
        at("/flaky", 3);
        recorded(key, endpoint, 3);
        CLOCK.advance(Duration.ofMinutes(30));
        List<Received> all = at("/flaky", 4);
        assertEquals(1, all.stream().map(r -> r.header("webhook-id")).distinct().count(), "one webhook-id across the retries");
        JsonNode log = Await.until("the delivery recorded", () -> {
            JsonNode d = http.get("/v1/webhook-endpoints/" + endpoint.get("id").asLong() + "/deliveries", key).json().at("/data/0");
            return "delivered".equals(d.path("state").asText()) ? d : null;
        });
        assertEquals(4, log.get("attempts").asInt());
        JsonNode attempts = log.get("attemptLog");
        assertEquals(List.of(500, 503, 502, 200), java.util.stream.IntStream.range(0, attempts.size())
                .mapToObj(i -> attempts.get(i).get("status").asInt()).toList(), "every attempt is in the log: " + attempts);
        assertEquals("ok", attempts.get(3).get("response").asText());
        CLOCK.advance(Duration.ofHours(3));
        sleepless(() -> received.stream().filter(r -> r.path().equals("/flaky")).count() == 4, "delivered once, never again");
    }

    /** Waits until the endpoint's delivery shows {@code attempts} attempts recorded. */
    private void recorded(String key, JsonNode endpoint, int attempts) {
        Await.until(attempts + " attempts recorded", () -> http.get("/v1/webhook-endpoints/" + endpoint.get("id").asLong() + "/deliveries", key)
                .json().at("/data/0/attempts").asInt() >= attempts ? true : null);
    }

    @Test
    void a410DisablesTheEndpoint() {
        String key = http.newSandboxAccount();
        JsonNode endpoint = endpoint(key, "/gone", "activation.code_received");
        answers.add(410);
        int id = http.order(key, "wh-3", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: 16180\"}");
        at("/gone", 1);
        JsonNode listed = Await.until("the endpoint disabled", () -> {
            JsonNode e = http.get("/v1/webhook-endpoints", key).json().at("/data/0");
            return e.get("enabled").asBoolean() ? null : e;
        });
        assertTrue(listed.get("disabledReason").asText().contains("410"));
        assertEquals(endpoint.get("id").asLong(), listed.get("id").asLong());
    }

    @Test
    void endpointsMustBePublicHttpsAndOnlyTheirOwnerSeesThem() {
        String key = http.newSandboxAccount();
        for (String url : new String[] {"http://10.0.0.1/hook", "http://192.168.1.5/hook", "http://169.254.169.254/latest/meta-data",
                "http://2130706433/hook", "http://0177.0.0.1/hook", "http://0x7f.0.0.1/hook", "http://[::ffff:127.0.0.1]/hook",
                "http://[::1]/hook", "http://localhost/hook", "http://[64:ff9b::a00:1]/hook", "http://[2002:a00:1::]/hook",
                "http://[::10.0.0.1]/hook", "http://[fd00::1]/hook", "ftp://example.com/hook", "not a url", "http://user:pw@127.0.0.1/hook"}) {
            Http.Response r = http.post("/v1/webhook-endpoints", key, "{\"url\":\"" + url + "\",\"eventTypes\":[\"activation.finished\"]}");
            assertEquals(400, r.status(), url + ": " + r.text());
        }
        assertEquals(400, http.post("/v1/webhook-endpoints", key, "{\"url\":\"" + receiverUrl("/x") + "\",\"eventTypes\":[\"balance.stolen\"]}").status());
        assertEquals(400, http.post("/v1/webhook-endpoints", key, "{\"url\":\"" + receiverUrl("/x") + "\",\"eventTypes\":[]}").status());
        assertEquals(0, http.get("/v1/webhook-endpoints", key).json().get("data").size(), "nothing was created");

        JsonNode mine = endpoint(key, "/mine", "activation.finished");
        Http.Response patched = http.send(http.request("/v1/webhook-endpoints/" + mine.get("id").asLong(), key)
                .header("Content-Type", "application/json").method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"eventTypes\":[\"activation.finished\",\"activation.cancelled\"]}")));
        assertEquals(200, patched.status(), patched.text());
        assertEquals(2, patched.json().get("eventTypes").size());
        Http.Response toPrivate = http.send(http.request("/v1/webhook-endpoints/" + mine.get("id").asLong(), key)
                .header("Content-Type", "application/json").method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"url\":\"http://10.1.2.3/hook\"}")));
        assertEquals(400, toPrivate.status(), "an update is held to the same rules");
        assertEquals(receiverUrl("/mine"), http.get("/v1/webhook-endpoints", key).json().at("/data/0/url").asText(), "unchanged");
        String other = http.newSandboxAccount();
        assertEquals(404, http.send(http.request("/v1/webhook-endpoints/" + mine.get("id").asLong(), other)
                .header("Content-Type", "application/json").method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"eventTypes\":[\"activation.finished\"]}"))).status());
        assertEquals(404, http.get("/v1/webhook-endpoints/" + mine.get("id").asLong() + "/deliveries", other).status());
        assertEquals(404, http.send(http.request("/v1/webhook-endpoints/" + mine.get("id").asLong(), other).DELETE()).status());
        assertEquals(204, http.send(http.request("/v1/webhook-endpoints/" + mine.get("id").asLong(), key).DELETE()).status());
        assertTrue(!http.get("/v1/webhook-endpoints", key).json().at("/data/0/enabled").asBoolean());
    }

    @Test
    void rotationSignsWithBothSecretsTestEventsAndReplaysArriveWithTheirIds() throws Exception {
        String key = http.newSandboxAccount();
        JsonNode endpoint = endpoint(key, "/rotate", "activation.code_received");
        long id = endpoint.get("id").asLong();
        String old = endpoint.get("secret").asText();
        Http.Response rotated = http.post("/v1/webhook-endpoints/" + id + "/rotate-secret", key, null);
        assertEquals(200, rotated.status(), rotated.text());
        String fresh = rotated.json().get("secret").asText();
        assertTrue(!fresh.equals(old));
        assertEquals(409, http.post("/v1/webhook-endpoints/" + id + "/rotate-secret", key, null).status(),
                "a second rotation inside the overlap would drop the first secret at once");

        assertEquals(202, http.post("/v1/webhook-endpoints/" + id + "/test", key, null).status());
        Received test = at("/rotate", 1).getFirst();
        assertEquals("webhook.test", test.json().get("type").asText());
        new Webhook(fresh).verify(test.body(), test.headers());
        new Webhook(old).verify(test.body(), test.headers()); // the old secret still signs during the overlap
        assertEquals(2, test.header("webhook-signature").split(" ").length);

        Http.Response replayed = http.post("/v1/webhook-endpoints/" + id + "/deliveries/" + test.header("webhook-id") + "/replay", key, null);
        assertEquals(202, replayed.status(), replayed.text());
        Received again = at("/rotate", 2).get(1);
        assertEquals(test.header("webhook-id"), again.header("webhook-id"), "a replay keeps the event's id, so receivers dedupe it");
        assertEquals(test.body(), again.body());
        new Webhook(fresh).verify(again.body(), again.headers());

        String other = http.newSandboxAccount();
        assertEquals(404, http.post("/v1/webhook-endpoints/" + id + "/rotate-secret", other, null).status());
        assertEquals(404, http.post("/v1/webhook-endpoints/" + id + "/test", other, null).status());
        assertEquals(404, http.post("/v1/webhook-endpoints/" + id + "/deliveries/" + test.header("webhook-id") + "/replay", other, null).status());
        assertEquals(404, http.post("/v1/webhook-endpoints/" + id + "/deliveries/nope/replay", key, null).status());
    }

    @Test
    void anEndpointFailingForFiveDaysIsDisabledWithTheReason() {
        String key = http.newSandboxAccount();
        endpoint(key, "/down", "activation.code_received");
        int first = http.order(key, "wh-down-1", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + first + ",\"text\":\"Telegram code: 11235\"}");
        at("/down", 1);
        CLOCK.advance(Duration.ofDays(5).plusMinutes(1));
        int second = http.order(key, "wh-down-2", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + second + ",\"text\":\"Telegram code: 81321\"}");
        JsonNode disabled = Await.until("the endpoint disabled after 5 days of failures", () -> {
            JsonNode e = http.get("/v1/webhook-endpoints", key).json().at("/data/0");
            return e.get("enabled").asBoolean() ? null : e;
        });
        assertTrue(disabled.get("disabledReason").asText().contains("5 days"), disabled.toString());
    }

    /** Checks that something stays true while the workers tick a few more times (50 ms each). */
    private static void sleepless(java.util.function.BooleanSupplier stillTrue, String what) {
        long until = System.nanoTime() + Duration.ofMillis(400).toNanos();
        while (System.nanoTime() < until) {
            assertTrue(stillTrue.getAsBoolean(), what);
            Thread.onSpinWait();
        }
    }
}
