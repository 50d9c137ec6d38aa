package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real npm clients of the two compatible protocols, unchanged, run against a test node in one
 * Node.js process each: {@code sms-activate} 1.0.1 (every method it has) and {@code fivesim-api}
 * 1.0.0 (every method whose route Numpool serves). Each prints what every call returned or threw
 * as one JSON object (the scripts are in {@code src/test/resources/npm-clients/}), which this
 * test holds against what Numpool should have answered.
 *
 * <p>Neither package has a base-URL option, so each script points the package's own HTTP client
 * at the node (sms-activate's axios instance, fivesim-api's static URL fields); nothing else of
 * them is touched. {@code ./numpool test} installs them pinned, with {@code npm ci} from the
 * lock file beside the scripts (npm checks each package's integrity hash), into
 * {@code .cache/npm-clients-<lock hash>/} and names that folder's {@code node_modules} in
 * {@code NUMPOOL_NPM_CLIENTS}. Without them, or without {@code node}, the test says so and is
 * skipped; on CI it fails.
 */
class NpmClientsTest {
    private static final TestClock CLOCK = new TestClock();
    /** How long a client's script may run (a few seconds in practice). */
    private static final long SCRIPT_TIMEOUT_SECONDS = 60;
    private static Numpool node;
    private static Http http;
    private static Path modules;
    /** Why the clients cannot run here, when they cannot: each test reports itself skipped with it. */
    private static Optional<String> unavailable = Optional.empty();

    @BeforeAll
    static void start() throws Exception {
        Optional<Path> installed = installedClients();
        boolean nodeRuns = nodeRuns();
        if (System.getenv("CI") != null) {
            assertTrue(nodeRuns, "CI must have node (Node.js 20+)");
            assertTrue(installed.isPresent(), "CI must have the npm clients: ./numpool test installs them with npm ci into .cache/");
        }
        if (!nodeRuns || installed.isEmpty()) {
            unavailable = Optional.of(!nodeRuns ? "skipped: node (Node.js) is not on the PATH"
                    : "skipped: the npm clients are absent (./numpool test installs them with npm ci into .cache/)");
            return;
        }
        modules = installed.get();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        // The clients cancel at once: the early-cancel window's own tests are elsewhere.
        config.put("orders.early-cancel-seconds", "0");
        config.put("inventory.simulator.offers.0.service", "tg"); // sold at 0.50 (0.40 + 25 %)
        config.put("inventory.simulator.offers.0.country", "0");
        config.put("inventory.simulator.offers.0.stock", "50");
        config.put("inventory.simulator.offers.0.cost", "0.40");
        config.put("inventory.simulator.offers.1.service", "wa");
        config.put("inventory.simulator.offers.1.country", "0");
        config.put("inventory.simulator.offers.1.stock", "50");
        config.put("inventory.simulator.offers.1.cost", "0.40");
        config.put("inventory.simulator.offers.2.service", "ds"); // sold out
        config.put("inventory.simulator.offers.2.country", "0");
        config.put("inventory.simulator.offers.2.stock", "0");
        config.put("inventory.simulator.offers.2.cost", "0.40");
        node = TestNodes.start(config, CLOCK);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void theSmsActivateNpmClientBuysReadsCodesFinishesAndCancels() throws Exception {
        Assumptions.assumeTrue(unavailable.isEmpty(), unavailable.orElse(""));
        String key = http.newSandboxAccount();
        JsonNode out = run("sms-activate-client.js", key);
        assertEquals(100, out.at("/balance/ok").asInt(), "the package reads the balance with parseInt: " + out.get("balance"));
        assertEquals(100, out.at("/balanceWithCashBack/ok").asInt());
        assertTrue(out.at("/getNumber/ok/id").asInt() > 0, out.get("getNumber").toString());
        assertTrue(out.at("/getNumber/ok/number").asText().matches("79[0-9]{9}"), out.get("getNumber").toString());
        assertEquals("STATUS_WAIT_CODE", out.at("/statusBeforeSms/ok").asText());
        assertTrue(out.at("/codeBeforeSms/ok").isNull());
        assertEquals("ACCESS_READY", out.at("/ready/ok").asText());
        assertEquals("STATUS_OK", out.at("/statusAfterSms/ok").asText());
        assertEquals("48213", out.at("/code/ok").asText());
        assertEquals("ACCESS_RETRY_GET", out.at("/retry/ok").asText());
        assertEquals("STATUS_WAIT_RETRY", out.at("/statusWaitingRetry/ok").asText());
        assertEquals("77190", out.at("/secondCode/ok").asText());
        assertEquals("ACCESS_ACTIVATION", out.at("/finish/ok").asText());
        assertEquals("BadStatus", out.at("/cancelFinished/error").asText(), "no cancelling once a code arrived");
        assertEquals("ACCESS_CANCEL", out.at("/cancel/ok").asText());
        assertEquals("STATUS_CANCEL", out.at("/statusCancelled/ok").asText());
        assertEquals("BadService", out.at("/badService/error").asText());
        assertEquals("NoFreeNumbers", out.at("/soldOut/error").asText());
        assertEquals("InvalidActivation", out.at("/unknownActivation/error").asText());
        assertEquals("InvalidAPIKey", out.at("/badKey/error").asText());
        assertEquals(99, out.at("/balanceAtTheEnd/ok").asInt());
        assertEquals(0, new BigDecimal("99.50").compareTo(balance(key)), "the finished one charged, the cancelled one refunded");
    }

    @Test
    void theFivesimNpmClientRunsEveryRouteNumpoolServes() throws Exception {
        Assumptions.assumeTrue(unavailable.isEmpty(), unavailable.orElse(""));
        String key = http.newSandboxAccount();
        JsonNode out = run("fivesim-client.js", key);
        assertEquals("activation", out.at("/products/ok/telegram/Category").asText(), out.get("products").toString());
        assertEquals("0.5", out.at("/products/ok/telegram/Price").asText());
        assertEquals(50, out.at("/products/ok/telegram/Qty").asInt());
        assertEquals("0.5", out.at("/prices/ok/russia/telegram/any/cost").asText());
        assertEquals(List.of("russia"), names(out.at("/pricesByCountry/ok")));
        assertTrue(out.at("/pricesByProduct/ok").size() > 1);
        out.at("/pricesByProduct/ok").forEach(country -> assertEquals(List.of("telegram"), names(country)));
        JsonNode one = out.at("/pricesByCountryAndProduct/ok/russia/telegram/any");
        assertEquals(List.of("russia"), names(out.at("/pricesByCountryAndProduct/ok")));
        assertEquals("0.5", one.get("cost").asText());
        assertEquals(50, one.get("count").asInt());
        assertEquals("Russia", out.at("/countries/ok/russia/text_en").asText());
        assertEquals(1, out.at("/countries/ok/russia/prefix/+7").asInt());
        assertEquals("100", out.at("/profile/ok/balance").asText());
        assertEquals("0", out.at("/profile/ok/frozen_balance").asText());

        assertFalse(out.get("setPriceLimit").has("error"), out.get("setPriceLimit").toString());
        assertEquals("whatsapp", out.at("/priceLimits/ok/0/product").asText());
        assertEquals("0.45", out.at("/priceLimits/ok/0/price").asText());
        assertEquals("no free phones", out.at("/aboveTheLimit/ok").asText(), "0.50 is above the limit; 5sim says so with HTTP 200");
        assertFalse(out.get("deletePriceLimit").has("error"), out.get("deletePriceLimit").toString());
        assertEquals(0, out.at("/priceLimitsAfterDelete/ok").size());

        JsonNode bought = out.at("/buy/ok");
        assertEquals("RECEIVED", bought.get("status").asText());
        assertEquals("telegram", bought.get("product").asText());
        assertEquals("russia", bought.get("country").asText());
        assertEquals("0.5", bought.get("price").asText());
        assertTrue(bought.get("phone").asText().matches("\\+79[0-9]{9}"), bought.toString());
        assertEquals(0, out.at("/checkBeforeSms/ok/sms").size());
        assertEquals("48213", out.at("/checkAfterSms/ok/sms/0/code").asText());
        assertEquals("Telegram code: 48213", out.at("/checkAfterSms/ok/sms/0/text").asText());
        assertEquals(1, out.at("/inbox/ok/Total").asInt());
        assertEquals("48213", out.at("/inbox/ok/Data/0/code").asText());
        assertEquals("OrderHasSMSError", out.at("/cancelWithSms/error").asText());
        assertEquals("FINISHED", out.at("/finish/ok/status").asText());
        assertEquals(bought.get("phone").asText(), out.at("/reuse/ok/phone").asText(), "the same number again");
        assertEquals("RECEIVED", out.at("/reuse/ok/status").asText());
        assertTrue(out.at("/reuse/ok/id").asInt() > bought.get("id").asInt(), "a new order");
        assertEquals("whatsapp", out.at("/buyBestAndWait/ok/product").asText(), "the best operator, from the guest prices");
        assertEquals("RECEIVED", out.at("/buyBestAndWait/ok/status").asText());
        assertEquals("CANCELED", out.at("/cancel/ok/status").asText());
        assertEquals("BANNED", out.at("/ban/ok/status").asText());
        assertEquals("CANCELED", out.at("/checkBanned/ok/status").asText(), "Numpool keeps no ban: a banned order is a cancelled one after");

        JsonNode hosting = out.at("/buyHosting/ok");
        assertEquals("1day", hosting.get("product").asText());
        assertEquals("RECEIVED", hosting.get("status").asText());
        assertEquals(java.time.Instant.parse(hosting.get("created_at").asText()).plus(java.time.Duration.ofDays(1)),
                java.time.Instant.parse(hosting.get("expires").asText()));
        assertEquals("Your code is 6614", out.at("/checkHosting/ok/sms/0/text").asText());
        assertEquals("OrderHasSMSError", out.at("/cancelHostingWithSms/error").asText());
        assertEquals("FINISHED", out.at("/finishHosting/ok/status").asText());

        List<Integer> ids = new ArrayList<>();
        out.at("/orders/ok/Data").forEach(o -> ids.add(o.get("id").asInt()));
        assertEquals(List.of(out.at("/ban/ok/id").asInt(), out.at("/cancel/ok/id").asInt(), out.at("/reuse/ok/id").asInt(), bought.get("id").asInt()),
                ids, "the activations, newest first");
        assertEquals(4, out.at("/orders/ok/Total").asInt());
        assertTrue(out.at("/payments/ok/Total").asInt() > 0);
        assertEquals(out.at("/profileAtTheEnd/ok/balance").decimalValue().stripTrailingZeros(),
                out.at("/payments/ok/Data/0/Balance").decimalValue().stripTrailingZeros(), "the newest payment leaves the balance");

        assertEquals("no free phones", out.at("/soldOut/ok").asText());
        assertEquals("ValidationError", out.at("/noProduct/error").asText());
        assertTrue(out.at("/noProduct/message").asText().contains("no product"));
        assertTrue(out.at("/badCountry/message").asText().contains("bad country"));
        assertEquals("NotFoundError", out.at("/unknownOrder/error").asText());
        assertEquals("AuthenticationError", out.at("/badKey/error").asText());
        // 0.50 charged for the code, the hosting's first hour (0.57) once its SMS came; the reused
        // number's 0.50 is held.
        assertEquals(0, new BigDecimal("98.43").compareTo(balance(key)));
        assertEquals(0, new BigDecimal("98.43").compareTo(out.at("/profileAtTheEnd/ok/balance").decimalValue()));
        assertEquals(0, new BigDecimal("0.50").compareTo(out.at("/profileAtTheEnd/ok/frozen_balance").decimalValue()));
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The JSON a client's script printed; fails with its stderr when it did not finish well. */
    private static JsonNode run(String script, String key) throws IOException, InterruptedException, URISyntaxException {
        Path file = Path.of(NpmClientsTest.class.getResource("/npm-clients/" + script).toURI());
        ProcessBuilder pb = new ProcessBuilder("node", file.toString(), modules.toString(), node.url(), key);
        // A proxy in the environment would take the clients' requests away from 127.0.0.1.
        for (String proxy : List.of("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")) {
            pb.environment().remove(proxy);
        }
        pb.environment().put("NO_PROXY", "*");
        Path stderr = Files.createTempFile("npm-client", ".err");
        pb.redirectError(stderr.toFile());
        Process p = pb.start();
        byte[] stdout = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS), script + " did not finish");
        String errors = Files.readString(stderr);
        Files.delete(stderr);
        assertEquals(0, p.exitValue(), script + " failed: " + errors);
        return Http.JSON.readTree(new String(stdout, StandardCharsets.UTF_8));
    }

    private static BigDecimal balance(String key) {
        return new BigDecimal(http.get("/v1/balance", key).json().get("available").asText());
    }

    /**
     * The installed clients' {@code node_modules}: {@code NUMPOOL_NPM_CLIENTS}, else where
     * {@code ./numpool test} puts them for this lock file ({@code .cache/npm-clients-<the first 12
     * hex digits of its SHA-256>}), if both packages are there.
     */
    private static Optional<Path> installedClients() throws IOException, NoSuchAlgorithmException {
        String named = System.getenv("NUMPOOL_NPM_CLIENTS");
        Path dir;
        if (named != null && !named.isBlank()) {
            dir = Path.of(named);
        } else {
            try (InputStream lock = NpmClientsTest.class.getResourceAsStream("/npm-clients/package-lock.json")) {
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(lock.readAllBytes());
                dir = Path.of("..", ".cache", "npm-clients-" + HexFormat.of().formatHex(hash).substring(0, 12), "node_modules");
            }
        }
        boolean both = Files.isRegularFile(dir.resolve("sms-activate/package.json")) && Files.isRegularFile(dir.resolve("fivesim-api/package.json"));
        return both ? Optional.of(dir.toAbsolutePath()) : Optional.empty();
    }

    private static boolean nodeRuns() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && version.startsWith("v");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
