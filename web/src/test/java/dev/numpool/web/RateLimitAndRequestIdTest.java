package dev.numpool.web;

import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import io.helidon.logging.common.HelidonMdc;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request budgets per API key, shared by two nodes through Redis, answered in each API's own
 * terms; and the request id that every response carries and every log line of the request shows.
 */
class RateLimitAndRequestIdTest {

    private static Map<String, String> limited(String databaseUrl) {
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        config.put("api.rate-limits.enabled", "true");
        // One request a minute, bursts of 4, per key; the IP budget is out of the way.
        config.put("api.rate-limits.per-key-per-second", "1");
        config.put("api.rate-limits.per-key-burst", "4");
        config.put("api.rate-limits.per-ip-per-second", "100000");
        config.put("api.rate-limits.per-ip-burst", "100000");
        return config;
    }

    @Test
    void aKeysBudgetHoldsAcrossTwoNodesAndEachApiSaysSoInItsOwnWay() {
        String databaseUrl = TestServers.freshDatabaseUrl();
        TestClock clock = new TestClock();
        try (Numpool a = TestNodes.start(limited(databaseUrl), clock); Numpool b = TestNodes.start(limited(databaseUrl), clock)) {
            Http atA = new Http(a.url());
            Http atB = new Http(b.url());
            String key = atA.newSandboxAccount();
            assertEquals(200, atA.get("/v1/balance", key).status());
            assertEquals(200, atB.get("/v1/balance", key).status());
            assertEquals(200, atA.get("/v1/balance", key).status());
            assertEquals(200, atB.get("/v1/balance", key).status());
            Http.Response limited = atA.get("/v1/balance", key);
            assertEquals(429, limited.status(), "4 requests over two nodes spent the burst: " + limited.text());
            assertTrue(limited.contentType().startsWith("application/problem+json"));
            assertEquals("rate-limited", limited.json().get("type").asText().replaceAll(".*/", ""));
            assertTrue(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()) >= 1);
            assertEquals(429, atB.get("/v1/balance", key).status(), "the other node sees the same bucket");

            // The same key through the compatible APIs: its own budget is spent too.
            Http.Response smsActivate = atB.get("/stubs/handler_api.php?api_key=" + key + "&action=getBalance", null);
            assertEquals(200, smsActivate.status(), "the sms-activate SDK breaks on any non-2xx");
            assertEquals("TOO_MANY_REQUESTS", smsActivate.text());
            assertTrue(smsActivate.headers().firstValue("Retry-After").isPresent());
            Http.Response fiveSim = atA.get("/v1/user/profile", key);
            assertEquals(429, fiveSim.status());
            assertEquals("too many requests", fiveSim.text());

            String other = atA.newSandboxAccount();
            assertEquals(200, atA.get("/v1/balance", other).status(), "another key has its own budget");
            assertEquals(200, atA.get("/observe/health", null).status(), "health is never limited");
        }
    }

    @Test
    void anIpsBudgetCoversRequestsWithoutAKey() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("api.rate-limits.enabled", "true");
        config.put("api.rate-limits.per-ip-per-second", "1");
        config.put("api.rate-limits.per-ip-burst", "3");
        try (Numpool node = TestNodes.start(config, new TestClock())) {
            Http http = new Http(node.url());
            for (int i = 0; i < 3; i++) {
                assertEquals(200, http.get("/v1/services", null).status());
            }
            assertEquals(429, http.get("/v1/services", null).status());
            assertEquals(429, http.get("/v1/guest/prices", null).status());
        }
    }

    @Test
    void pagesDocumentsAndMetricsHaveTheAddressBudgetTooButHealthAndProviderPushesDoNot() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("api.rate-limits.enabled", "true");
        config.put("api.rate-limits.per-ip-per-second", "1");
        config.put("api.rate-limits.per-ip-burst", "5"); // buckets of their own: the limits are part of their names
        config.put("numpool.operator-token", "rate-limit-operator-token-0123456789");
        try (Numpool node = TestNodes.start(config, new TestClock())) {
            Http http = new Http(node.url());
            assertEquals(401, http.get("/observe/metrics", null).status(), "metrics are the operators'");
            assertEquals(200, http.get("/observe/metrics", "rate-limit-operator-token-0123456789").status());
            // A burst of 5, then 1 a second (refilled as time passes, however slow the machine is):
            // 20 quick requests of each kind outrun it, unless the kind is not limited.
            for (String path : List.of("/", "/developers/docs", "/openapi.yaml", "/assets/site.css")) {
                Http.Response refused = firstRefusal(() -> http.get(path, null)).orElseThrow(() -> new AssertionError(path + " has the address's budget"));
                assertTrue(refused.headers().firstValue("Retry-After").isPresent());
            }
            assertTrue(firstRefusal(() -> http.get("/observe/metrics", "rate-limit-operator-token-0123456789")).isPresent(), "metrics too");
            assertTrue(firstRefusal(() -> http.get("/observe/health", null)).isEmpty(), "health is never limited");
            assertTrue(http.post("/inbound/twilio", null, "").status() != 429, "a provider's push is bounded by the intake, not the address");
        }
    }

    /** The first {@code 429} of up to 20 calls in a row, if any. */
    private static java.util.Optional<Http.Response> firstRefusal(java.util.function.Supplier<Http.Response> call) {
        for (int i = 0; i < 20; i++) {
            Http.Response r = call.get();
            if (r.status() == 429) {
                return java.util.Optional.of(r);
            }
        }
        return java.util.Optional.empty();
    }

    @Test
    void oneClientCannotHoldMoreThanItsShareOfRequestsAtOnce() throws Exception {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("api.rate-limits.enabled", "true");
        config.put("api.rate-limits.in-flight-per-client", "2");
        config.put("api.rate-limits.trusted-proxies.0", "127.0.0.1"); // so that this test can be two clients
        try (Numpool node = TestNodes.start(config, new TestClock())) {
            Http http = new Http(node.url());
            String key = http.newSandboxAccount();
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            java.util.function.BiFunction<String, String, HttpRequest> as = (address, path) -> HttpRequest.newBuilder(URI.create(node.url() + path))
                    .header("Authorization", "Bearer " + key).header("X-Forwarded-For", address).GET().build();
            // Two live streams of one client: requests that stay running.
            java.net.http.HttpResponse<java.io.InputStream> first = client.send(as.apply("198.51.100.20", "/v1/events"),
                    java.net.http.HttpResponse.BodyHandlers.ofInputStream());
            java.net.http.HttpResponse<java.io.InputStream> second = client.send(as.apply("198.51.100.20", "/v1/events"),
                    java.net.http.HttpResponse.BodyHandlers.ofInputStream());
            try {
                assertEquals(200, first.statusCode());
                assertEquals(200, second.statusCode());
                java.net.http.HttpResponse<String> third = client.send(as.apply("198.51.100.20", "/v1/balance"),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(429, third.statusCode(), third.body());
                assertEquals(200, client.send(as.apply("203.0.113.20", "/v1/balance"), java.net.http.HttpResponse.BodyHandlers.ofString())
                        .statusCode(), "another client is served");
                assertEquals(200, http.get("/observe/health", null).status(), "health is exempt");
            } finally {
                first.body().close();
                second.body().close();
            }
        }
    }

    @Test
    void aWebsiteSessionHasABudgetOfItsOwn() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("api.rate-limits.enabled", "true");
        config.put("api.rate-limits.per-key-per-second", "1");
        config.put("api.rate-limits.per-key-burst", "6");
        config.put("api.rate-limits.per-ip-per-second", "100000");
        config.put("api.rate-limits.per-ip-burst", "100000");
        config.put("api.rate-limits.sign-ins-per-ip", "1000");
        try (Numpool node = TestNodes.start(config, new TestClock())) {
            Browserless flooding = new Browserless(node.url());
            flooding.signUp("flood-" + System.nanoTime() + "@example.com", "a long enough password");
            int served = 0;
            Browserless.Page last = null;
            for (int i = 0; i < 20 && (last == null || last.status() != 429); i++) {
                last = flooding.get("/activations");
                served += last.status() == 200 ? 1 : 0;
            }
            assertEquals(429, last.status(), "the session's burst is spent");
            assertTrue(served <= 6, served + " pages served");
            assertTrue(last.body().contains("Slow down a little"), last.body());

            Browserless other = new Browserless(node.url());
            other.signUp("calm-" + System.nanoTime() + "@example.com", "a long enough password");
            assertEquals(200, other.get("/activations").status(), "another session, same address, is served");
        }
    }

    @Test
    void behindATrustedProxyEachClientHasItsOwnBudgetAndAnIpv6SubscriberOneForItsBlock() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("api.rate-limits.enabled", "true");
        config.put("api.rate-limits.per-ip-per-second", "1");
        config.put("api.rate-limits.per-ip-burst", "2");
        config.put("api.rate-limits.trusted-proxies.0", "127.0.0.1");
        int n = java.util.concurrent.ThreadLocalRandom.current().nextInt(1, 250);
        try (Numpool node = TestNodes.start(config, new TestClock())) {
            Http http = new Http(node.url());
            java.util.function.Function<String, Integer> from = forwarded -> http.send(http.request("/v1/services", null)
                    .header("X-Forwarded-For", forwarded).GET()).status();
            assertEquals(200, from.apply("198.51.100." + n));
            assertEquals(200, from.apply("198.51.100." + n));
            assertEquals(429, from.apply("198.51.100." + n), "the client's own budget is spent");
            assertEquals(200, from.apply("203.0.113." + n), "another client behind the same proxy is not");
            assertEquals(429, from.apply("203.0.113." + n + ", 198.51.100." + n),
                    "the nearest untrusted hop counts: a client cannot pick its own name by writing the header first");
            assertEquals(200, from.apply("2001:db8:" + Integer.toHexString(n) + ":1::1"));
            assertEquals(200, from.apply("2001:db8:" + Integer.toHexString(n) + ":1::2"));
            assertEquals(429, from.apply("2001:db8:" + Integer.toHexString(n) + ":1:ffff::3"), "one /64, one budget");
        }
    }

    @Test
    void everyResponseCarriesARequestIdThatTheLogLinesOfTheRequestShow() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                HelidonMdc.get("request-id").ifPresent(id -> logged.add(id + " " + record.getMessage()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("inventory.pool.twilio-auth-token-env", "TWILIO_TOKEN");
        try (Numpool node = TestNodes.start(config, new TestClock(), Map.of("TWILIO_TOKEN", "tw-token"))) {
            Http http = new Http(node.url());
            Http.Response generated = http.get("/v1/services", null);
            assertTrue(generated.headers().firstValue("X-Request-Id").orElseThrow().matches("[0-9a-f-]{36}"));
            Http.Response echoed = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/v1/nothing")).header("X-Request-Id", "bot-42.7").GET());
            assertEquals("bot-42.7", echoed.headers().firstValue("X-Request-Id").orElseThrow(), "a caller's id is kept");
            assertTrue(http.get("/stubs/handler_api.php?action=getBalance", null).headers().firstValue("X-Request-Id").isPresent());
            String refused = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/v1/services")).header("X-Request-Id", "bad id!").GET())
                    .headers().firstValue("X-Request-Id").orElseThrow();
            assertTrue(refused.matches("[0-9a-f-]{36}"), "an id that could forge log lines is replaced: " + refused);

            // A request that logs while it is served: a signed SMS to a number Numpool never sold.
            String url = node.url() + "/inbound/twilio";
            String body = "Body=hello&From=%2B15550001111&MessageSid=SM1&To=%2B447400123499";
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
            mac.init(new javax.crypto.spec.SecretKeySpec("tw-token".getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA1"));
            String signature = java.util.Base64.getEncoder().encodeToString(mac.doFinal(
                    (url + "Bodyhello" + "From+15550001111" + "MessageSidSM1" + "To+447400123499").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            Http.Response pushed = http.send(HttpRequest.newBuilder(URI.create(url)).header("X-Request-Id", "push-7")
                    .header("Content-Type", "application/x-www-form-urlencoded").header("X-Twilio-Signature", signature)
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            assertEquals(200, pushed.status(), pushed.text());
            assertTrue(logged.stream().anyMatch(l -> l.startsWith("push-7 ") && l.contains("+447400123499")), logged.toString());
            Logger.getLogger("dev.numpool.test").info("marker");
            assertTrue(logged.stream().noneMatch(l -> l.endsWith("marker")), "outside a request, no id");
        } finally {
            root.removeHandler(capture);
        }
    }
}
