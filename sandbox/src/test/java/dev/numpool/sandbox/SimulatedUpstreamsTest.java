package dev.numpool.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpServer;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulated upstreams on the wire, as any client of their protocols sees them. */
class SimulatedUpstreamsTest {
    private static final JsonMapper JSON = new JsonMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private SandboxUpstreams upstreams;

    @AfterEach
    void stop() {
        if (upstreams != null) {
            upstreams.close();
        }
        client.close();
    }

    private SandboxUpstreams start(String protocol, Map<String, String> more) {
        Map<String, String> config = new HashMap<>(Map.of(
                "upstreams.0.name", "up", "upstreams.0.protocol", protocol, "upstreams.0.latency-millis", "0",
                "upstreams.0.delivery-rate", "1", "upstreams.0.code-delay-min-seconds", "0", "upstreams.0.code-delay-max-seconds", "0",
                "upstreams.0.services.0", "tg", "upstreams.0.countries.0", "0", "upstreams.0.stock", "5", "upstreams.0.cost", "0.12"));
        config.putAll(more);
        upstreams = SandboxUpstreams.start(Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(config, "test")).build(), Clock.systemUTC());
        return upstreams;
    }

    private HttpResponse<String> get(URI uri, Duration timeout, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String smsActivate(SandboxUpstreams.Upstream u, String query) throws Exception {
        return get(URI.create(u.url() + "?api_key=" + u.apiKey() + "&" + query), Duration.ofSeconds(5)).body();
    }

    @Test
    void anSmsActivateUpstreamSellsANumberThatReceivesItsCode() throws Exception {
        SandboxUpstreams.Upstream u = start("sms-activate", Map.of()).upstreams().getFirst();
        assertEquals("{\"0\":{\"tg\":{\"cost\":0.12,\"count\":5}}}", smsActivate(u, "action=getPrices"));
        JsonNode sale = JSON.readTree(smsActivate(u, "action=getNumberV2&service=tg&country=0&maxPrice=0.12"));
        String id = sale.get("activationId").asText();
        assertTrue(sale.get("phoneNumber").asText().startsWith("7"), sale.toString());
        assertTrue(Long.parseLong(id) < Integer.MAX_VALUE, "ids fit the 32 bits sms-activate clients parse");
        String status = smsActivate(u, "action=getStatus&id=" + id);
        assertTrue(status.matches("STATUS_OK:[0-9]{6}"), status);
        assertTrue(smsActivate(u, "action=getFullSms&id=" + id).contains(status.substring("STATUS_OK:".length())));
        assertTrue(smsActivate(u, "action=getActiveActivations").contains("\"activationId\":\"" + id + "\""));
        assertEquals("BAD_STATUS", smsActivate(u, "action=setStatus&status=8&id=" + id), "no cancel once a code came");
        assertEquals("ACCESS_ACTIVATION", smsActivate(u, "action=setStatus&status=6&id=" + id));
        assertEquals("NO_ACTIVATIONS", smsActivate(u, "action=getActiveActivations"));
        assertEquals("WRONG_MAX_PRICE:0.12", smsActivate(u, "action=getNumber&service=tg&country=0&maxPrice=0.1"));
        assertEquals("BAD_KEY", get(URI.create(u.url() + "?api_key=wrong&action=getBalance"), Duration.ofSeconds(5)).body());
    }

    @Test
    void theChaosSwitchFailsStallsAndGarbles() throws Exception {
        SandboxUpstreams sandbox = start("5sim", Map.of("stall-max-seconds", "5"));
        SandboxUpstreams.Upstream u = sandbox.upstreams().getFirst();
        URI prices = URI.create(u.url() + "/v1/guest/prices");
        assertEquals(200, get(prices, Duration.ofSeconds(5)).statusCode());

        assertEquals(Chaos.FAIL, sandbox.chaos("up", Chaos.FAIL).orElseThrow().chaos());
        assertEquals(500, get(prices, Duration.ofSeconds(5)).statusCode());

        sandbox.chaos("up", Chaos.GARBAGE);
        HttpResponse<String> garbage = get(prices, Duration.ofSeconds(5));
        assertEquals(200, garbage.statusCode());
        assertThrows(IOException.class, () -> JSON.readTree(garbage.body()));

        sandbox.chaos("up", Chaos.STALL);
        assertThrows(HttpTimeoutException.class, () -> get(prices, Duration.ofMillis(300)));

        sandbox.chaos("up", Chaos.NORMAL);
        assertEquals(200, get(prices, Duration.ofSeconds(5)).statusCode());
        assertTrue(sandbox.chaos("nobody", Chaos.FAIL).isEmpty());
    }

    @Test
    void aFiveSimUpstreamWantsItsKeyAndKeepsABoundedHistory() throws Exception {
        SandboxUpstreams.Upstream u = start("5sim", Map.of("max-activations", "100", "upstreams.0.stock", "1000",
                "upstreams.0.delivery-rate", "0")).upstreams().getFirst();
        URI buy = URI.create(u.url() + "/v1/user/buy/activation/russia/any/telegram");
        assertEquals(401, get(buy, Duration.ofSeconds(5)).statusCode());
        for (int i = 0; i < 150; i++) {
            assertEquals(200, get(buy, Duration.ofSeconds(5), "Authorization", "Bearer " + u.apiKey()).statusCode());
        }
        JsonNode history = JSON.readTree(get(URI.create(u.url() + "/v1/user/orders?category=activation&limit=100&offset=0&order=id&reverse=true"),
                Duration.ofSeconds(5), "Authorization", "Bearer " + u.apiKey()).body());
        assertEquals(100, history.get("Total").asInt(), "the oldest sales are forgotten past max-activations");
        String newest = history.at("/Data/0/id").asText();
        assertEquals("order no sms", get(URI.create(u.url() + "/v1/user/finish/" + newest), Duration.ofSeconds(5),
                "Authorization", "Bearer " + u.apiKey()).body());
        assertEquals("CANCELED", JSON.readTree(get(URI.create(u.url() + "/v1/user/cancel/" + newest), Duration.ofSeconds(5),
                "Authorization", "Bearer " + u.apiKey()).body()).get("status").asText());
    }

    @Test
    void anAgentPushesEachSmsUntilTheHubTakesIt() throws Exception {
        List<JsonNode> pushes = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        HttpServer hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hub.createContext("/agent/up", exchange -> {
            pushes.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            boolean refuse = calls.getAndIncrement() == 0; // the first push finds the hub busy
            byte[] body = (refuse ? "{\"status\":\"ERROR\"}" : "{\"status\":\"SUCCESS\"}").getBytes(UTF_8);
            exchange.sendResponseHeaders(refuse ? 503 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        hub.start();
        try {
            SandboxUpstreams sandbox = start("agent", Map.of("push-retry-seconds", "1"));
            SandboxUpstreams.Upstream u = sandbox.upstreams().getFirst();
            sandbox.pushTo(URI.create("http://127.0.0.1:" + hub.getAddress().getPort()));
            String sale = client.send(HttpRequest.newBuilder(u.url()).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"action\":\"GET_NUMBER\",\"key\":\"" + u.apiKey() + "\",\"country\":\"russia\",\"operator\":\"any\",\"service\":\"tg\",\"sum\":0.12,\"currency\":840}"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            JsonNode sold = JSON.readTree(sale);
            assertEquals("SUCCESS", sold.get("status").asText(), sale);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (pushes.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(2, pushes.size(), "refused once, pushed again: " + pushes);
            JsonNode push = pushes.getLast();
            assertEquals("PUSH_SMS", push.get("action").asText());
            assertEquals(u.apiKey(), push.get("key").asText());
            assertEquals(sold.get("number").asLong(), push.get("phone").asLong());
            assertEquals(pushes.getFirst().get("smsId"), push.get("smsId"), "the same SMS, the same id");
            Thread.sleep(1_500);
            assertEquals(2, pushes.size(), "taken: not pushed again");
        } finally {
            hub.stop(0);
        }
    }
}
