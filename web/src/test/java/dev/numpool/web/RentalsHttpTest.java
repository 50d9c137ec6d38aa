package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rentals over real HTTP on a node whose numbers are its own pool's, whose SMS come by Twilio's
 * signed webhook as they would in production; the workers run (every 50 ms) on a clock the test
 * moves. Rent, SMS over two periods, extend, return early, cancel with and without a refund,
 * expiry releasing the number for sale again, webhooks, and bad input that changes nothing.
 */
class RentalsHttpTest {
    private static final String OPERATOR = "operator-token-0123456789abcdef";
    private static final String TWILIO_TOKEN = "twilio-auth-token-rentals";
    private static final TestClock CLOCK = new TestClock();
    private static Numpool node;
    private static Http http;
    private static HttpServer receiver;
    private static final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private static final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            // Delivery is at least once (a claim outlived by this test's jumps of the clock is sent
            // again, under the same webhook-id): receivers dedupe by webhook-id, as this one does.
            JsonNode event = Http.JSON.readTree(exchange.getRequestBody().readAllBytes());
            if (seen.add(exchange.getRequestHeaders().getFirst("webhook-id"))) {
                received.add(event);
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("inventory.simulator.enabled", "false");
        config.put("inventory.pool.name", "pool-" + System.nanoTime());
        config.put("inventory.pool.twilio-auth-token-env", "TWILIO_TOKEN");
        config.put("numpool.operator-token", OPERATOR);
        config.put("webhooks.allow-http", "true");
        config.put("webhooks.allowed-hosts.0", "127.0.0.1");
        config.put("workers.enabled", "true");
        config.put("workers.expiry-interval-millis", "50");
        config.put("workers.upstream-interval-millis", "50");
        config.put("workers.poll-interval-millis", "50");
        config.put("workers.quotes-refresh-seconds", "1");
        node = TestNodes.start(config, CLOCK, Map.of("TWILIO_TOKEN", TWILIO_TOKEN));
        http = new Http(node.url());
        StringBuilder csv = new StringBuilder("phone,rented_from,lease_ends_at,gateway_device,gateway_sim\n");
        for (int i = 0; i < 8; i++) {
            csv.append("+4474001234").append(50 + i).append(",twilio,2030-01-01T00:00:00Z,,\n");
        }
        csv.append("+4915123456789,twilio,2030-01-01T00:00:00Z,,\n"); // the only German one
        Http.Response imported = http.send(http.request("/v1/operator/pool", OPERATOR).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(csv.toString())));
        assertEquals(200, imported.status(), imported.text());
    }

    @AfterAll
    static void stop() {
        node.close();
        receiver.stop(0);
    }

    private static JsonNode rent(String key, String body) {
        Http.Response r = http.postIdempotent("/v1/rentals", key, null, body);
        assertEquals(201, r.status(), r.text());
        return r.json();
    }

    private static JsonNode rental(String key, JsonNode r) {
        Http.Response got = http.get("/v1/rentals/" + r.get("id").asInt(), key);
        assertEquals(200, got.status(), got.text());
        return got.json();
    }

    private static long available(String key) {
        return http.get("/v1/balance", key).json().get("availableMicros").asLong();
    }

    /** An SMS to the number as Twilio posts it, signed. */
    private static void twilio(String to, String body) throws Exception {
        String url = node.url() + "/inbound/twilio";
        Map<String, String> form = new HashMap<>(Map.of("MessageSid", "SM" + UUID.randomUUID().toString().replace("-", ""), "From", "+4470000000",
                "To", to, "Body", body));
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(form).forEach((k, v) -> data.append(k).append(v));
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(TWILIO_TOKEN.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        String signature = Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        String encoded = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        Http.Response r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", signature).POST(HttpRequest.BodyPublishers.ofString(encoded)));
        assertEquals(200, r.status(), r.text());
    }

    @Test
    void aRentedNumberReceivesEverySmsOverTwoPeriodsIsExtendedAndReturnedEarly() throws Exception {
        String key = http.newSandboxAccount();
        Http.Response endpoint = http.post("/v1/webhook-endpoints", key, "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort()
                + "/rentals\",\"eventTypes\":[\"rental.sms_received\",\"rental.finished\"]}");
        assertEquals(201, endpoint.status(), endpoint.text());
        long before = available(key);

        JsonNode offers = http.get("/v1/rental-offers?service=any&country=16", key).json();
        assertEquals(3600, offers.get("periodSeconds").asInt());
        long price = offers.at("/offers/0/pricePerPeriodMicros").asLong();
        assertTrue(offers.at("/offers/0/stock").asInt() >= 1);

        String idempotencyKey = "rent-" + UUID.randomUUID();
        Http.Response first = http.postIdempotent("/v1/rentals", key, idempotencyKey, "{\"service\":\"any\",\"country\":16,\"periods\":2}");
        assertEquals(201, first.status(), first.text());
        Http.Response again = http.postIdempotent("/v1/rentals", key, idempotencyKey, "{\"service\":\"any\",\"country\":16,\"periods\":2}");
        assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(""));
        assertEquals(first.text(), again.text(), "a retried rent replays its first answer and rents once");
        JsonNode r = first.json();
        String phone = r.get("phone").asText();
        assertEquals("active", r.get("status").asText());
        assertEquals(price, r.get("pricePerPeriodMicros").asLong());
        assertEquals(before - 2 * price, available(key));

        CLOCK.advance(Duration.ofMinutes(5));
        twilio(phone, "Your Bank code is 771234");
        CLOCK.advance(Duration.ofMinutes(60)); // into the second period
        Await.until("the second period charged", () -> rental(key, r).get("chargedPeriods").asInt() == 2 ? true : null);
        twilio(phone, "Second message of the rental");
        twilio(phone, "G-551299 is your Google verification code");
        JsonNode now = rental(key, r);
        assertEquals(3, now.get("messages").size());
        assertEquals("771234", now.at("/messages/0/code").asText());
        assertEquals("Second message of the rental", now.at("/messages/1/text").asText());
        assertEquals("551299", now.at("/messages/2/code").asText());
        assertEquals(409, http.post("/v1/rentals/" + r.get("id").asInt() + "/cancel", key, null).status());

        Http.Response extended = http.postIdempotent("/v1/rentals/" + r.get("id").asInt() + "/extend", key, null, "{\"periods\":2}");
        assertEquals(200, extended.status(), extended.text());
        assertEquals(4, extended.json().get("periods").asInt());
        assertEquals(before - 4 * price, available(key));

        Http.Response returned = http.post("/v1/rentals/" + r.get("id").asInt() + "/finish", key, null);
        assertEquals(200, returned.status(), returned.text());
        assertEquals("finished", returned.json().get("status").asText());
        assertEquals(2, returned.json().get("chargedPeriods").asInt());
        assertEquals(2, returned.json().get("refundedPeriods").asInt());
        assertEquals(before - 2 * price, available(key), "the periods not begun are refunded");
        assertEquals(0, http.get("/v1/balance", key).json().get("heldMicros").asLong());

        twilio(phone, "An SMS after the end");
        assertEquals(3, rental(key, r).get("messages").size(), "an SMS after the rental is not shown");
        List<JsonNode> events = Await.until("3 SMS and the return by webhook", () -> received.stream()
                .filter(e -> e.at("/data/rentalId").asInt() == r.get("id").asInt()).count() >= 4
                ? received.stream().filter(e -> e.at("/data/rentalId").asInt() == r.get("id").asInt()).toList() : null);
        assertEquals(List.of("rental.sms_received", "rental.sms_received", "rental.sms_received", "rental.finished"),
                events.stream().map(e -> e.get("type").asText()).toList(), "in order per rental");
        assertEquals("G-551299 is your Google verification code", events.get(2).at("/data/sms/text").asText());
        assertEquals("551299", events.get(2).at("/data/sms/code").asText());
        assertEquals(phone, events.get(0).at("/data/phone").asText());
    }

    @Test
    void aCancelWithinTheWindowRefundsEverythingAndIsRefusedAfterItOrAfterAnSms() throws Exception {
        String key = http.newSandboxAccount();
        long before = available(key);
        JsonNode refunded = rent(key, "{\"country\":16,\"periods\":3}");
        CLOCK.advance(Duration.ofMinutes(5));
        Http.Response cancelled = http.post("/v1/rentals/" + refunded.get("id").asInt() + "/cancel", key, null);
        assertEquals(200, cancelled.status(), cancelled.text());
        assertEquals("cancelled", cancelled.json().get("status").asText());
        assertEquals(before, available(key), "a full refund");
        Http.Response twice = http.post("/v1/rentals/" + refunded.get("id").asInt() + "/cancel", key, null);
        assertEquals(409, twice.status());
        assertEquals("/problems/rental-ended", twice.json().get("type").asText());
        assertTrue(twice.json().get("status").isInt(), "RFC 9457's status is the number, not the rental's status: " + twice.text());
        assertEquals(409, twice.json().get("status").asInt());
        assertEquals("cancelled", twice.json().get("rentalStatus").asText());

        JsonNode late = rent(key, "{\"country\":16,\"periods\":1}");
        CLOCK.advance(Duration.ofMinutes(21));
        Http.Response tooLate = http.post("/v1/rentals/" + late.get("id").asInt() + "/cancel", key, null);
        assertEquals(409, tooLate.status());
        assertEquals("/problems/refund-window-closed", tooLate.json().get("type").asText());
        assertEquals(late.get("refundableUntil").asText(), tooLate.json().get("refundableUntil").asText());

        JsonNode used = rent(key, "{\"country\":16,\"periods\":1}");
        twilio(used.get("phone").asText(), "Welcome! Your code: 123987");
        Http.Response afterSms = http.post("/v1/rentals/" + used.get("id").asInt() + "/cancel", key, null);
        assertEquals(409, afterSms.status());
        assertEquals("/problems/sms-already-received", afterSms.json().get("type").asText());
        assertEquals("active", rental(key, used).get("status").asText(), "a refused cancel changes nothing");
        Http.Response injected = http.post("/v1/sandbox/rentals/" + used.get("id").asInt() + "/sms", key, "{\"text\":\"hi\"}");
        assertEquals(409, injected.status(), "a pool number is real: nothing may be injected into it");
    }

    @Test
    void anExpiredRentalReleasesItsNumberWhichIsSoldAgain() {
        String key = http.newSandboxAccount();
        JsonNode r = rent(key, "{\"service\":\"tg\",\"country\":43,\"periods\":1}");
        assertEquals("+4915123456789", r.get("phone").asText());
        Http.Response none = http.order(key, UUID.randomUUID().toString(), "{\"service\":\"wa\",\"country\":43}");
        assertEquals(409, none.status(), "a rented number is not sold meanwhile: " + none.text());

        CLOCK.advance(Duration.ofMinutes(61));
        Await.until("the rental expired", () -> rental(key, r).get("status").asText().equals("expired") ? true : null);
        assertEquals(1, rental(key, r).get("chargedPeriods").asInt());
        Await.until("its number released", () -> {
            for (JsonNode n : http.get("/v1/operator/pool", OPERATOR).json().get("data")) {
                if (n.get("phone").asText().equals("+4915123456789") && !n.get("inUse").asBoolean()) {
                    return true;
                }
            }
            return null;
        });
        CLOCK.advance(Duration.ofMinutes(16)); // the rest between two sales
        JsonNode sold = Await.until("the number sold again", () -> {
            Http.Response bought = http.order(key, UUID.randomUUID().toString(), "{\"service\":\"wa\",\"country\":43}");
            return bought.status() == 201 ? bought.json() : null;
        });
        assertEquals("+4915123456789", sold.get("phone").asText());
    }

    @Test
    void aRentalsLiveStreamShowsItThenEachSmsAndItsEnd() throws Exception {
        String key = http.newSandboxAccount();
        JsonNode r = rent(key, "{\"country\":16,\"periods\":1}");
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        var stream = client.sendAsync(http.request("/v1/rentals/" + r.get("id").asInt() + "/events", key).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofLines()).get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, stream.statusCode());
        Thread reader = Thread.ofVirtual().start(() -> stream.body().forEach(lines::add));
        try {
            assertEquals("event:rental", nextEvent(lines), "first the rental as it is");
            twilio(r.get("phone").asText(), "Your login code is 864209");
            assertEquals("event:sms", nextEvent(lines));
            String data = lines.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(data != null && data.contains("\"code\":\"864209\"") && data.contains("\"rentalId\":" + r.get("id").asInt()), data);
            assertEquals(200, http.post("/v1/rentals/" + r.get("id").asInt() + "/finish", key, null).status());
            assertEquals("event:status", nextEvent(lines));
            String ended = lines.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(ended != null && ended.contains("\"status\":\"finished\""), ended);
        } finally {
            reader.interrupt();
            client.close();
        }
    }

    /** The next {@code event:} line of a server-sent event stream, waiting at most 10 s for each line. */
    private static String nextEvent(java.util.concurrent.BlockingQueue<String> lines) throws InterruptedException {
        while (true) {
            String line = lines.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(line != null, "no event within 10 s");
            if (line.startsWith("event:")) {
                return line.replace(" ", "");
            }
        }
    }

    @Test
    void badInputAndAnotherAccountsRentalChangeNothing() {
        String key = http.newSandboxAccount();
        String stranger = http.newSandboxAccount();
        JsonNode r = rent(key, "{\"country\":16,\"periods\":1}");
        long mine = available(key);
        long theirs = available(stranger);
        int id = r.get("id").asInt();
        for (String path : List.of("/v1/rentals/" + id + "/cancel", "/v1/rentals/" + id + "/finish", "/v1/rentals/999999999/finish",
                "/v1/rentals/abc/cancel", "/v1/rentals/99999999999999/cancel")) {
            assertEquals(404, http.post(path, stranger, null).status(), path);
        }
        assertEquals(404, http.get("/v1/rentals/" + id, stranger).status());
        assertEquals(404, http.postIdempotent("/v1/rentals/" + id + "/extend", stranger, null, "{\"periods\":1}").status());
        assertEquals(404, http.post("/v1/sandbox/rentals/" + id + "/sms", stranger, "{\"text\":\"x\"}").status());
        Map<String, Integer> bodies = Map.of(
                "{\"country\":16,\"periods\":-1}", 400,
                "{\"country\":16,\"periods\":0}", 400,
                "{\"country\":16,\"periods\":1.5}", 400,
                "{\"country\":16,\"periods\":99999999999999}", 422,
                "{\"country\":16,\"periods\":721}", 422,
                "{\"country\":16}", 400,
                "{\"service\":\"zz\",\"country\":16,\"periods\":1}", 400,
                "{\"country\":99999,\"periods\":1}", 400,
                "{\"country\":16,\"periods\":1,\"extra\":true}", 400,
                "{\"country\":16,\"periods\":1,\"maxPrice\":\"-1\"}", 400);
        bodies.forEach((body, status) -> {
            Http.Response refused = http.postIdempotent("/v1/rentals", key, null, body);
            assertEquals(status, refused.status(), body + " " + refused.text());
            assertTrue(refused.contentType().startsWith("application/problem+json"), body);
        });
        assertEquals(400, http.post("/v1/rentals", key, "{\"country\":16,\"periods\":1}").status(), "no Idempotency-Key");
        assertEquals(413, http.postIdempotent("/v1/rentals", key, null, "{\"country\":16,\"periods\":1,\"service\":\"" + "x".repeat(20_000) + "\"}")
                .status());
        assertEquals(400, http.postIdempotent("/v1/rentals/" + id + "/extend", key, null, "{\"periods\":-5}").status());
        assertEquals(422, http.postIdempotent("/v1/rentals/" + id + "/extend", key, null, "{\"periods\":2147483647}").status());
        assertEquals(400, http.get("/v1/rentals?status=maybe", key).status());
        assertEquals(mine, available(key));
        assertEquals(theirs, available(stranger));
        assertEquals(1, http.get("/v1/rentals", key).json().get("data").size());
        assertEquals(0, http.get("/v1/rentals", stranger).json().get("data").size());
        assertFalse(http.get("/v1/rentals?status=active", key).json().get("data").isEmpty());
    }
}
