package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.NewApiKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of a node while 500 codes are being delivered as webhooks to two accounts' receivers:
 * after a restart every code reaches its owner's receiver (at least once; by webhook-id, once),
 * and none reaches the other account's.
 */
class WebhookCrashTest {
    private static final int PER_ACCOUNT = 250;

    record Delivery(String path, String webhookId, String body, Map<String, List<String>> headers) {
    }

    @Test
    void everyCodeReachesItsOwnersReceiverAfterAKill9AndNoneAnotherAccounts(@TempDir Path dir) throws Exception {
        List<Delivery> received = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch killed = new java.util.concurrent.CountDownLatch(1);
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Delivery(exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("webhook-id"), body,
                    Map.copyOf(exchange.getRequestHeaders())));
            if (received.size() > 50) {
                // Past the first 50, the receiver answers nothing until the node is dead: the kill
                // lands with deliveries sent and not yet written down, and others not yet sent.
                try {
                    killed.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        String hooks = "http://127.0.0.1:" + receiver.getAddress().getPort();
        String databaseUrl = TestServers.freshDatabaseUrl();
        try (Database db = Database.connect(databaseUrl, null, null, 4)) {
            Accounts accounts = Accounts.create(db, Clock.systemUTC());
            NewApiKey a = accounts.createSandboxAccount("a");
            NewApiKey b = accounts.createSandboxAccount("b");
            Path config = dir.resolve("numpool.yaml");
            Files.writeString(config, """
                    inventory:
                      simulator:
                        code-probability: 0
                        latency-millis: 0
                        stock: 100000
                        offers:
                          - {service: tg, country: 0, stock: 100000, cost: "0.10"}
                    orders:
                      max-live-activations: 1000
                    sandbox:
                      upstreams-enabled: false   # the simulator alone: a simulated upstream would send codes of its own
                    webhooks:
                      allow-http: true
                      allowed-hosts: ["127.0.0.1"]
                    workers:
                      poll-interval-millis: 50
                    api:
                      rate-limits:
                        enabled: false
                    """);
            ProcessBuilder launch = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m", "-cp", System.getProperty("java.class.path"), Main.class.getName())
                    .redirectError(dir.resolve("node.err").toFile());
            launch.environment().putAll(Map.of("DATABASE_URL", databaseUrl, "REDIS_URL", TestServers.redisUrl(), "PORT", "0",
                    "NUMPOOL_CONFIG", config.toString()));
            launch.environment().remove("NUMPOOL_DEMO_API_KEY");
            Process node = launch.start();
            Map<String, String> secrets = new HashMap<>();
            try {
                Http http = new Http(ChildNode.readyUrl(node));
                for (var owner : List.of(Map.entry("a", a), Map.entry("b", b))) {
                    Http.Response e = http.post("/v1/webhook-endpoints", owner.getValue().secret(),
                            "{\"url\":\"" + hooks + "/" + owner.getKey() + "\",\"eventTypes\":[\"activation.code_received\"]}");
                    assertEquals(201, e.status(), e.text());
                    secrets.put("/" + owner.getKey(), e.json().get("secret").asText());
                }
                for (int i = 0; i < PER_ACCOUNT; i++) {
                    for (NewApiKey owner : List.of(a, b)) {
                        Http.Response order = http.order(owner.secret(), "crash-" + i, "{\"service\":\"tg\",\"country\":0}");
                        assertEquals(201, order.status(), order.text());
                        int id = order.json().get("id").asInt();
                        assertEquals(200, http.post("/v1/sandbox/sms", owner.secret(),
                                "{\"activationId\":" + id + ",\"text\":\"Telegram code: " + (10000 + id) + "\"}").status());
                    }
                }
                Await.until("deliveries under way", () -> received.size() >= 50 ? true : null);
                node.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL, mid-delivery
            } finally {
                node.destroyForcibly();
                killed.countDown();
            }
            int beforeRestart = received.size();
            assertTrue(beforeRestart < 2 * PER_ACCOUNT, "the kill came before everything was delivered: " + beforeRestart);

            // A node starts later, past the dead node's claims (2 minutes), and delivers the rest.
            Map<String, String> restart = TestNodes.baseConfig(databaseUrl);
            restart.put("webhooks.allow-http", "true");
            restart.put("webhooks.allowed-hosts.0", "127.0.0.1");
            restart.put("workers.enabled", "true");
            restart.put("workers.poll-interval-millis", "50");
            try (Numpool recovered = TestNodes.start(restart, new TestClock(Instant.now().plus(Duration.ofMinutes(10))))) {
                Await.until("every code delivered", () ->
                        received.stream().map(Delivery::webhookId).distinct().count() >= 2L * PER_ACCOUNT ? true : null);
            } finally {
                receiver.stop(0);
            }

            Map<Integer, Long> ownerOf = db.dsl().fetch("select id, account_id from activation").stream()
                    .collect(Collectors.toMap(r -> r.get(0, Integer.class), r -> r.get(1, Long.class)));
            Map<String, Long> accountOf = Map.of("/a", a.owner().value(), "/b", b.owner().value());
            Set<Integer> codes = new java.util.HashSet<>();
            for (Delivery d : received) {
                JsonNode body = Http.JSON.readTree(d.body());
                int activation = body.at("/data/activationId").asInt();
                assertEquals(accountOf.get(d.path()), ownerOf.get(activation), "a code at another account's receiver: " + d.body());
                assertEquals(String.valueOf(10000 + activation), body.at("/data/code").asText());
                new Webhook(secrets.get(d.path())).verify(d.body(), d.headers());
                codes.add(activation);
            }
            assertEquals(2 * PER_ACCOUNT, codes.size(), "every activation's code arrived");
            assertEquals(2L * PER_ACCOUNT, received.stream().map(Delivery::webhookId).distinct().count(), "one webhook-id per code");
        }
    }
}
