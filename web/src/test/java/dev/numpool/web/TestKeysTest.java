package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.FakeSmsActivateUpstream;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.AdjustResult;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.Users;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test keys on a production node ({@code numpool.sandbox=false}) with a real-protocol upstream
 * on 127.0.0.1: a test key's whole flow (buy, code, finish, webhook) runs against the simulator
 * with play money, while the live account's ledger rows, the real revenue and the upstream's
 * request log stay as they were; a live key never gets a simulated number; the magic services
 * give their outcomes on all three APIs; and what a test key may not do is refused clearly.
 */
class TestKeysTest {
    private static final TestClock CLOCK = new TestClock();
    private static final String UPSTREAM_KEY = "upstream-key-test-keys";
    private static FakeSmsActivateUpstream upstream;
    private static HttpServer receiver;
    private static final List<String> webhooks = new CopyOnWriteArrayList<>();
    private static String databaseUrl;
    private static Database db;
    private static Numpool node;
    private static Http http;
    private static AccountId live;
    private static String liveKey;

    @BeforeAll
    static void start() throws IOException {
        upstream = FakeSmsActivateUpstream.start(UPSTREAM_KEY); // sells tg in country 0 at 0.45, 2369 in stock
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            webhooks.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();

        databaseUrl = TestServers.freshDatabaseUrl();
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        config.put("numpool.sandbox", "false");
        config.put("inventory.pool.enabled", "false");
        config.put("inventory.simulator.offers.0.service", "tg");
        config.put("inventory.simulator.offers.0.country", "0");
        config.put("inventory.simulator.offers.0.stock", "5");
        config.put("inventory.simulator.offers.0.cost", "0.10");
        config.put("inventory.providers.0.name", "upstream");
        config.put("inventory.providers.0.protocol", "sms-activate");
        config.put("inventory.providers.0.url", upstream.url().toString());
        config.put("inventory.providers.0.api-key-env", "UPSTREAM_KEY");
        config.put("webhooks.allow-http", "true");
        config.put("webhooks.allowed-hosts.0", "127.0.0.1");
        config.put("workers.enabled", "true");
        config.put("workers.quotes-refresh-seconds", "1");
        config.put("workers.poll-interval-millis", "50");
        config.put("workers.upstream-interval-millis", "50");
        node = TestNodes.start(config, CLOCK, Map.of("UPSTREAM_KEY", UPSTREAM_KEY));
        http = new Http(node.url());

        // A live customer as the website makes one, with real money from an operator's credit.
        db = Database.connect(databaseUrl, null, null, 2);
        Users.SignIn signUp = Users.create(db, CLOCK, false).signUp("bot-owner@example.com", "a long enough password");
        live = assertInstanceOf(Users.SignIn.Started.class, signUp).session().account();
        liveKey = Accounts.create(db, CLOCK).createKey(live, "production bot").secret();
        assertInstanceOf(AdjustResult.Adjusted.class, Ledger.create(db, CLOCK).adjust(live, true, 10_000_000, "funds", "test", "funds-1"));
        Await.until("the upstream's quotes", () -> http.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0/stock").asInt() == 2369
                ? true : null);
    }

    @AfterAll
    static void stop() {
        node.close();
        db.close();
        upstream.close();
        receiver.stop(0);
    }

    @Test
    void aTestKeyBuysGetsACodeFinishesAndIsToldByWebhookWhileRealMoneyAndTheUpstreamStayUntouched() {
        String testKey = newTestKey("ci");
        http.post("/v1/webhook-endpoints", testKey, "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\","
                + "\"eventTypes\":[\"activation.code_received\",\"activation.finished\"]}");
        String liveLedgerBefore = liveLedger();
        long revenueBefore = houseBalance("revenue");
        int upstreamBuysBefore = upstream.requests("getNumberV2").size();

        JsonNode testOffers = http.get("/v1/catalog?service=tg&country=0", testKey).json().get("offers");
        assertEquals(5, testOffers.at("/0/stock").asInt(), "a test key sees the simulator's offer only: " + testOffers);
        String prices = "/stubs/handler_api.php?action=getPrices&service=tg&country=0&api_key=";
        assertEquals(5, http.get(prices + testKey, null).json().at("/0/tg/count").asInt(), "on every API");
        assertEquals(2369, http.get(prices + liveKey, null).json().at("/0/tg/count").asInt());
        Http.Response bought = http.order(testKey, "test-order-1", "{\"service\":\"tg\",\"country\":0}");
        assertEquals(201, bought.status(), bought.text());
        JsonNode activation = bought.json();
        assertFalse(activation.get("livemode").asBoolean(), "a test activation says so");
        assertEquals("simulator", activation.at("/routing/attempts/0/provider").asText());
        int id = activation.get("id").asInt();

        JsonNode withCode = http.post("/v1/sandbox/sms", testKey, "{\"activationId\":" + id + ",\"text\":\"Telegram code: 48213\"}").json();
        assertEquals("48213", withCode.at("/codes/0/code").asText(), withCode.toString());
        assertEquals(200, http.post("/v1/activations/" + id + "/finish", testKey, null).status());
        assertEquals("finished", http.get("/v1/activations/" + id, testKey).json().get("status").asText());
        JsonNode hook = Await.until("the test activation's webhook", () -> webhooks.stream().map(TestKeysTest::json)
                .filter(w -> w.at("/data/activationId").asInt() == id && w.get("type").asText().equals("activation.code_received"))
                .findFirst().orElse(null));
        assertFalse(hook.get("livemode").asBoolean(), hook.toString());
        assertEquals("48213", hook.at("/data/code").asText());
        long price = activation.get("priceMicros").asLong();
        assertEquals(100_000_000L - price, http.get("/v1/balance", testKey).json().get("availableMicros").asLong(), "play money paid");

        assertEquals(liveLedgerBefore, liveLedger(), "not one transfer or balance of the live account moved");
        assertEquals(10_000_000L, http.get("/v1/balance", liveKey).json().get("availableMicros").asLong());
        assertEquals(revenueBefore, houseBalance("revenue"), "the real revenue did not move");
        assertTrue(houseBalance("test_revenue") >= price, "the code paid test revenue");
        assertEquals(upstreamBuysBefore, upstream.requests("getNumberV2").size(), "no buy reached the upstream");
        assertEquals("simulator true", db.dsl().fetchSingle("select provider || ' ' || test from activation where id = " + id).get(0, String.class));
    }

    @Test
    void aLiveKeyInProductionBuysFromTheUpstreamAndNeverGetsASimulatedNumber() {
        JsonNode liveOffers = http.get("/v1/catalog?service=tg&country=0", liveKey).json().get("offers");
        assertEquals(2369, liveOffers.at("/0/stock").asInt(), "the upstream's offer, not the simulator's");
        assertEquals(0, http.get("/v1/catalog?service=tg&country=16", null).json().get("offers").size(),
                "only the simulator sells there, and live customers do not see it");
        int buys = upstream.requests("getNumberV2").size();
        Http.Response bought = http.order(liveKey, "live-order-1", "{\"service\":\"tg\",\"country\":0}");
        assertEquals(201, bought.status(), bought.text());
        assertTrue(bought.json().get("livemode").asBoolean());
        assertEquals("upstream", bought.json().at("/routing/attempts/0/provider").asText());
        assertEquals(buys + 1, upstream.requests("getNumberV2").size());
        for (JsonNode c : bought.json().at("/routing/considered")) {
            assertEquals("upstream", c.get("provider").asText(), "the simulator is not even considered");
        }

        assertEquals(409, http.order(liveKey, "live-order-2", "{\"service\":\"tg\",\"country\":16}").status(), "no numbers, not a simulated one");
        assertEquals(409, http.order(liveKey, "live-order-3", "{\"service\":\"x5\",\"country\":0}").status(), "magic services are for test keys");
        int liveId = bought.json().get("id").asInt();
        Http.Response injected = http.post("/v1/sandbox/sms", liveKey, "{\"activationId\":" + liveId + ",\"text\":\"code 12345\"}");
        assertEquals(403, injected.status(), injected.text());
        assertTrue(injected.json().get("type").asText().endsWith("/problems/test-mode-mismatch"), injected.text());
    }

    @Test
    void theMagicServicesGiveTheirOutcomesOnAllThreeApis() {
        String testKey = newTestKey("magic");
        assertEquals("NO_NUMBERS", http.get("/stubs/handler_api.php?api_key=" + testKey + "&action=getNumber&service=x0&country=0", null).text());
        Http.Response noNumbers = http.order(testKey, "magic-x0", "{\"service\":\"x0\",\"country\":0}");
        assertEquals(409, noNumbers.status());
        assertTrue(noNumbers.json().get("type").asText().endsWith("/problems/no-numbers"));

        Http.Response fiveSim = http.get("/v1/user/buy/activation/russia/any/test_nocode", testKey);
        assertEquals(200, fiveSim.status(), fiveSim.text());
        int neverACode = fiveSim.json().get("id").asInt();
        String access = http.get("/stubs/handler_api.php?api_key=" + testKey + "&action=getNumber&service=x5&country=0", null).text();
        assertTrue(access.startsWith("ACCESS_NUMBER:"), access);
        String fiveSeconds = access.split(":")[1];

        String status = Await.until("the code 5 s after the sale", () -> {
            String s = http.get("/stubs/handler_api.php?api_key=" + testKey + "&action=getStatus&id=" + fiveSeconds, null).text();
            return s.startsWith("STATUS_OK") ? s : null;
        });
        assertEquals("STATUS_OK:246810", status);
        assertEquals("waiting_code", http.get("/v1/activations/" + neverACode, testKey).json().get("status").asText(),
                "bought together with the other, still without a code after its came");
    }

    @Test
    void whatATestKeyMayNotDoIsRefusedClearly() {
        String testKey = newTestKey("refusals");
        Http.Response topup = http.postIdempotent("/v1/topups", testKey, null, "{\"amount\":\"20.00\"}");
        assertEquals(403, topup.status(), topup.text());
        assertTrue(topup.json().get("detail").asText().contains("play money"), topup.text());
        assertEquals(0, db.dsl().fetchCount(db.dsl().selectFrom("topup")), "Stripe was never asked");

        Http.Response liveFromTest = http.post("/v1/api-keys", testKey, "{\"mode\":\"live\"}");
        assertEquals(403, liveFromTest.status(), liveFromTest.text());
        assertEquals(400, http.post("/v1/api-keys", liveKey, "{\"mode\":\"sandbox\"}").status());

        Http.Response another = http.post("/v1/api-keys", testKey, "{}");
        assertEquals(201, another.status());
        assertTrue(another.json().get("key").asText().startsWith("np_test_"), "a test key's keys are test keys");

        JsonNode keys = http.get("/v1/api-keys", liveKey).json().get("data");
        JsonNode listed = null;
        for (JsonNode k : keys) {
            if (k.get("id").asLong() == another.json().get("id").asLong()) {
                listed = k;
            }
        }
        assertEquals("test", listed.get("mode").asText(), "the live account sees and manages its test keys: " + keys);
        assertEquals(204, http.send(http.request("/v1/api-keys/" + listed.get("id").asLong(), liveKey).DELETE()).status());
        assertEquals(401, http.get("/v1/balance", another.json().get("key").asText()).status(), "revoked by the live account");
    }

    @Test
    void anAccountHasOneTestAccountHoweverManyTestKeysItMakes() {
        JsonNode first = http.post("/v1/api-keys", liveKey, "{\"mode\":\"test\"}").json();
        JsonNode second = http.post("/v1/api-keys", liveKey, "{\"mode\":\"test\"}").json();
        assertEquals(first.get("accountId").asLong(), second.get("accountId").asLong());
        assertTrue(first.get("accountId").asLong() != live.value());
        assertEquals(1, db.dsl().fetchCount(db.dsl().selectFrom("account").where("test_of = " + live.value())));
        assertInstanceOf(AdjustResult.TestAccount.class, Ledger.create(db, CLOCK).adjust(new AccountId(first.get("accountId").asLong()), true,
                1_000_000, "more play money", "test", "test-adjust-1"), "an operator's real-money adjustment never reaches a test account");
    }

    @Test
    void theWebsitesTestModeBuysWithPlayMoneyFromTheSimulatorAndLeavesTheRealBalanceAlone() {
        Browserless b = new Browserless(node.url());
        assertEquals(303, b.signUp("web-tester@example.com", "a long enough password").status());
        String realBalance = b.get("/balance").body();
        assertFalse(realBalance.contains("Test mode:"), "signed in live");
        assertTrue(b.get("/services/tg").body().contains(">2,369<"), "the live catalogue: the upstream's offer");
        String liveHome = b.get("/").body();
        assertTrue(liveHome.contains("href=\"/services/tg\"") && !liveHome.contains("href=\"/services/x5\""),
                "live buyers see the upstream's service and none of the magic test services: " + liveHome);

        assertEquals(303, b.post("/test-mode", Map.of("on", "1")).status());
        String catalogue = b.get("/services/tg").body();
        assertTrue(catalogue.contains("Test mode:"), "the banner says so");
        assertFalse(catalogue.contains("2,369"), "test mode shows the simulator's offers, not the upstream's");
        assertTrue(b.get("/").body().contains("href=\"/services/x5\""), "and its magic test services");
        String balance = b.get("/balance").body();
        assertTrue(balance.contains("100.00"), "the test account's play money");
        assertFalse(balance.contains("Pay by card"), "no card in test mode");

        b.get("/buy?service=tg&country=0");
        // The form's price is the most the buyer will pay: any cap at or above the offer's buys.
        Browserless.Page bought = b.post("/buy", Map.of("service", "tg", "country", "0", "price", "100000000",
                "key", java.util.UUID.randomUUID().toString()));
        assertEquals(303, bought.status(), bought.body());
        String page = b.get(bought.location().orElseThrow()).body();
        assertTrue(page.contains("simulate an SMS"), "a test activation can be sent an SMS from its page");
        int id = Integer.parseInt(bought.location().orElseThrow().replaceAll("\\D", ""));
        assertEquals("simulator true", db.dsl().fetchSingle("select provider || ' ' || test from activation where id = " + id).get(0, String.class));

        assertEquals(303, b.post("/test-mode", Map.of("on", "0")).status());
        assertFalse(b.get("/balance").body().contains("Test mode:"), "back to live");
        assertEquals(404, b.get("/activations/" + id).status(), "the test activation is the test account's, not the live one's");
    }

    @Test
    void requestsRacingToMakeTheFirstTestKeyMakeOneTestAccount() throws Exception {
        Users.SignIn signUp = Users.create(db, CLOCK, false).signUp("racer@example.com", "a long enough password");
        AccountId racer = assertInstanceOf(Users.SignIn.Started.class, signUp).session().account();
        String key = Accounts.create(db, CLOCK).createKey(racer, "racer").secret();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Callable<Http.Response>> requests = java.util.Collections.nCopies(8,
                    () -> http.post("/v1/api-keys", key, "{\"mode\":\"test\"}"));
            var created = pool.invokeAll(requests);
            java.util.Set<Long> accounts = new java.util.HashSet<>();
            for (var f : created) {
                assertEquals(201, f.get().status(), f.get().text());
                accounts.add(f.get().json().get("accountId").asLong());
            }
            assertEquals(1, accounts.size(), "every key opens the same test account");
        }
        assertEquals(1, db.dsl().fetchCount(db.dsl().selectFrom("account").where("test_of = " + racer.value())));
        assertEquals(1, db.dsl().fetchCount(db.dsl().selectFrom("transfer").where("kind = 'sandbox_credit' and credit_account_id in"
                + " (select l.id from ledger_account l join account a on a.id = l.account_id where a.test_of = " + racer.value() + ")")),
                "its play money was given once");
    }

    private static String newTestKey(String label) {
        Http.Response created = http.post("/v1/api-keys", liveKey, "{\"label\":\"" + label + "\",\"mode\":\"test\"}");
        assertEquals(201, created.status(), created.text());
        assertEquals("test", created.json().get("mode").asText());
        String key = created.json().get("key").asText();
        assertTrue(key.startsWith("np_test_"), key);
        return key;
    }

    /** Every transfer touching the live account's ledger accounts, and their balances, as one string. */
    private static String liveLedger() {
        String mine = "(select id from ledger_account where account_id = " + live.value() + ")";
        return db.dsl().fetchSingle("select coalesce((select string_agg(id || ':' || kind || ':' || amount_micros, ',' order by id) from transfer"
                + " where debit_account_id in " + mine + " or credit_account_id in " + mine + "), '') || ' | '"
                + " || (select string_agg(kind || '=' || balance_micros, ',' order by kind) from ledger_account where account_id = " + live.value() + ")")
                .get(0, String.class);
    }

    /** What a house account has received: house accounts keep no cached balance. */
    private static long houseBalance(String kind) {
        return db.dsl().fetchSingle("select coalesce(sum(amount_micros), 0) from transfer where credit_account_id ="
                + " (select id from ledger_account where account_id is null and kind = '" + kind + "')").get(0, Long.class);
    }

    private static JsonNode json(String body) {
        try {
            return Http.JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
