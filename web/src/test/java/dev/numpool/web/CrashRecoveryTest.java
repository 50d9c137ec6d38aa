package dev.numpool.web;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.FakeSmsActivateUpstream;
import dev.numpool.inventory.FakeSmsActivateUpstream.Answer;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.NewApiKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * kill -9 of a node between "the provider sold a number" and "the activation is committed":
 * after a restart the number is given back to the provider and the customer was never charged.
 */
class CrashRecoveryTest {

    @Test
    void aNumberSoldToANodeThatDiedBeforeCommittingIsGivenBackAndNothingIsCharged(@TempDir Path dir) throws Exception {
        String databaseUrl = TestServers.freshDatabaseUrl();
        String provider = "crash-c-" + System.nanoTime();
        try (FakeSmsActivateUpstream upstream = FakeSmsActivateUpstream.start("key-c");
             Database db = Database.connect(databaseUrl, null, null, 2)) {
            upstream.answer("getPrices", Answer.json("{\"0\":{\"tg\":{\"cost\":\"0.45\",\"count\":5}}}"));
            NewApiKey customer = Accounts.create(db, Clock.systemUTC()).createSandboxAccount("crash");
            Path config = dir.resolve("numpool.yaml");
            Files.writeString(config, """
                    inventory:
                      simulator:
                        enabled: false
                      providers:
                        - name: %s
                          protocol: sms-activate
                          url: %s
                          api-key-env: CRASH_TEST_PROVIDER_KEY
                          timeout-millis: 3000
                    workers:
                      quotes-refresh-seconds: 1
                    """.formatted(provider, upstream.url()));

            ProcessBuilder launch = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName())
                    .redirectError(dir.resolve("node.err").toFile());
            launch.environment().putAll(Map.of("DATABASE_URL", databaseUrl, "REDIS_URL", TestServers.redisUrl(), "PORT", "0",
                    "NUMPOOL_CONFIG", config.toString(), "CRASH_TEST_PROVIDER_KEY", "key-c"));
            launch.environment().remove("NUMPOOL_DEMO_API_KEY");
            Process node = launch.start();
            try {
                String url = ChildNode.readyUrl(node);
                Http http = new Http(url);
                Await.until("quotes", () -> http.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0/stock").asInt() == 5 ? true : null);

                try (Connection lock = DriverManager.getConnection(databaseUrl)) {
                    lock.setAutoCommit(false);
                    try (Statement st = lock.createStatement()) {
                        // Holds the order's transaction just before it can record the activation.
                        st.execute("lock table activation in exclusive mode");
                    }
                    CompletableFuture<HttpResponse<String>> order = HttpClient.newHttpClient().sendAsync(
                            HttpRequest.newBuilder(URI.create(url + "/v1/activations"))
                                    .header("Authorization", "Bearer " + customer.secret())
                                    .header("Idempotency-Key", "crash").header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"service\":\"tg\",\"country\":0}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    Await.until("the provider's sale recorded", () -> db.dsl().fetchCount(db.dsl().selectFrom("provider_purchase").where("state = 'sold'")) == 1 ? true : null);
                    node.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL, mid-order
                    order.handle((r, e) -> null).join();
                    lock.rollback();
                }
            } finally {
                node.destroyForcibly();
            }

            String ref = db.dsl().fetchSingle("select provider_ref from provider_purchase").get(0, String.class);
            assertEquals(0, db.dsl().fetchCount(db.dsl().selectFrom("activation")), "the order never committed");
            assertEquals(0, upstream.requests("setStatus").size(), "nothing given back yet: the node died");

            // A node starts later (its clock past the dead node's lease) and cleans up.
            TestClock later = new TestClock(Instant.now().plus(Duration.ofMinutes(2)));
            Map<String, String> restart = TestNodes.baseConfig(databaseUrl);
            restart.put("inventory.simulator.enabled", "false");
            restart.put("inventory.providers.0.name", provider);
            restart.put("inventory.providers.0.url", upstream.url().toString());
            restart.put("inventory.providers.0.api-key-env", "CRASH_TEST_PROVIDER_KEY");
            restart.put("workers.enabled", "true");
            restart.put("workers.upstream-interval-millis", "50");
            try (Numpool recovered = TestNodes.start(restart, later, Map.of("CRASH_TEST_PROVIDER_KEY", "key-c"))) {
                Await.until("setStatus 8 for the orphaned number", () -> upstream.requests("setStatus").stream()
                        .filter(r -> ref.equals(r.param("id")) && "8".equals(r.param("status"))).findAny().orElse(null));
                var balance = new Http(recovered.url()).get("/v1/balance", customer.secret()).json();
                assertEquals(100_000_000L, balance.get("availableMicros").asLong(), "never charged");
                assertEquals(0, balance.get("heldMicros").asLong());
            }
            assertEquals("released", db.dsl().fetchSingle("select state from provider_purchase").get(0, String.class));
        }
    }
}
