package dev.numpool.web;

import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retries that never buy twice on the two compatible APIs (issue 18): an {@code Idempotency-Key}
 * replays the first answer; without one, the same offer from the same key within the duplicate
 * window (10 s here, as by default) is the first order, however many arrive at once, and the
 * ledger shows one hold. A key created with its window off buys every time.
 */
class CompatRetriesTest {
    private static final TestClock CLOCK = new TestClock();
    private static String databaseUrl;
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        databaseUrl = TestServers.freshDatabaseUrl();
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        config.put("compat.duplicate-window-seconds", "10");
        config.put("inventory.simulator.offers.0.service", "tg");
        config.put("inventory.simulator.offers.0.country", "0");
        config.put("inventory.simulator.offers.0.stock", "500");
        config.put("inventory.simulator.offers.0.cost", "0.40");
        config.put("inventory.simulator.offers.1.service", "ds"); // sold out
        config.put("inventory.simulator.offers.1.country", "0");
        config.put("inventory.simulator.offers.1.stock", "0");
        config.put("inventory.simulator.offers.1.cost", "0.10");
        // Whole numbers to rent in Russia: 0.38 a period (an hour), sold from the simulator's rent stock.
        config.put("inventory.simulator.offers.2.service", "any");
        config.put("inventory.simulator.offers.2.country", "0");
        config.put("inventory.simulator.offers.2.cost", "0.50");
        config.put("inventory.simulator.rent-stock", "60");
        node = TestNodes.start(config, CLOCK);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static Http.Response sa(String key, String query) {
        Http.Response r = http.get("/stubs/handler_api.php?api_key=" + key + "&" + query, null);
        assertEquals(200, r.status(), r.text());
        return r;
    }

    private static Http.Response saWithKey(String key, String idempotencyKey, String query) {
        return http.send(http.request("/stubs/handler_api.php?api_key=" + key + "&" + query, null).header("Idempotency-Key", idempotencyKey).GET());
    }

    /** A count straight from the database, as the ledger and the activations table hold them. */
    private static long count(String sql, long account) throws SQLException {
        try (Connection c = DriverManager.getConnection(databaseUrl); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, account);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long activations(long account) throws SQLException {
        return count("select count(*) from activation where account_id = ?", account);
    }

    private static long holds(long account) throws SQLException {
        return count("select count(*) from transfer t join ledger_account l on l.id = t.debit_account_id"
                + " where l.account_id = ? and l.kind = 'wallet' and t.kind = 'hold'", account);
    }

    private static long rentals(long account) throws SQLException {
        return count("select count(*) from rental where account_id = ?", account);
    }

    private static long rentalPeriods(long account) throws SQLException {
        return count("select count(*) from rental_period p join rental r on r.id = p.rental_id where r.account_id = ?", account);
    }

    private static String keyWithoutWindow(String key) {
        Http.Response created = http.post("/v1/api-keys", key, "{\"label\":\"bulk\",\"duplicateWindow\":false}");
        assertEquals(201, created.status(), created.text());
        assertEquals(false, created.json().get("duplicateWindow").asBoolean());
        return created.json().get("key").asText();
    }

    @Test
    void twentyConcurrentGetNumberRetriesWithoutAKeyBuyOneActivationAndHoldItOnce() throws Exception {
        String key = http.newSandboxAccount();
        long account = http.accountId(key);
        List<String> answers = AtOnce.run(20, () -> sa(key, "action=getNumber&service=tg&country=0").text());
        assertEquals(1, new HashSet<>(answers).size(), "every retry answers the first activation: " + answers);
        assertTrue(answers.getFirst().matches("ACCESS_NUMBER:[0-9]+:79[0-9]{9}"), answers.getFirst());
        assertEquals(1, activations(account), "one activation");
        assertEquals(1, holds(account), "one hold in the ledger");
        assertEquals("ACCESS_BALANCE:99.50", sa(key, "action=getBalance").text());
    }

    @Test
    void withTheWindowTurnedOffForTheKeyTwentyConcurrentGetNumbersBuyTwenty() throws Exception {
        String bulk = keyWithoutWindow(http.newSandboxAccount());
        long account = http.accountId(bulk);
        List<String> answers = AtOnce.run(20, () -> sa(bulk, "action=getNumber&service=tg&country=0").text());
        assertEquals(20, new HashSet<>(answers).size(), "twenty different activations: " + answers);
        assertEquals(20, activations(account));
        assertEquals(20, holds(account));
        assertEquals("ACCESS_BALANCE:90.00", sa(bulk, "action=getBalance").text());
        boolean listed = false;
        for (var k : http.get("/v1/api-keys", bulk).json().get("data")) {
            listed |= !k.get("duplicateWindow").asBoolean();
        }
        assertTrue(listed, "the key list says which key has its window off");
    }

    @Test
    void aRepeatIsANewOrderOnceTheWindowPassedOrTheFirstGotItsCodeOrForAnotherOffer() throws Exception {
        String key = http.newSandboxAccount();
        long account = http.accountId(key);
        String first = sa(key, "action=getNumber&service=tg&country=0").text();
        int firstId = Integer.parseInt(first.split(":")[1]);
        String v2 = sa(key, "action=getNumberV2&service=tg&country=0").text();
        assertEquals(firstId, Http.JSON.readTree(v2).get("activationId").asInt(), "getNumberV2 in the window answers the same activation");
        assertNotEquals(first, sa(key, "action=getNumber&service=tg&country=0&maxPrice=0.60").text(), "another price cap is another offer");
        assertEquals(2, activations(account));

        CLOCK.advance(Duration.ofSeconds(11));
        String afterWindow = sa(key, "action=getNumber&service=tg&country=0").text();
        assertNotEquals(first, afterWindow, "past the window a repeat is a new order");
        int thirdId = Integer.parseInt(afterWindow.split(":")[1]);
        assertEquals(afterWindow, sa(key, "action=getNumber&service=tg&country=0").text(), "within the new window it is that order");

        assertEquals(200, http.post("/v1/sandbox/sms", key, "{\"activationId\":" + thirdId + ",\"text\":\"Telegram code: 12345\"}").status());
        assertNotEquals(afterWindow, sa(key, "action=getNumber&service=tg&country=0").text(), "a code arrived: the bot is buying again");
        assertEquals(4, activations(account));
        assertEquals(4, holds(account));
    }

    @Test
    void twoKeysOfOneAccountAreTwoBuyers() throws Exception {
        String key = http.newSandboxAccount();
        Http.Response second = http.post("/v1/api-keys", key, "{\"label\":\"second bot\"}");
        assertEquals(true, second.json().get("duplicateWindow").asBoolean(), "on unless turned off");
        String other = second.json().get("key").asText();
        assertNotEquals(sa(key, "action=getNumber&service=tg&country=0").text(), sa(other, "action=getNumber&service=tg&country=0").text());
        assertEquals(2, activations(http.accountId(key)));
    }

    @Test
    void anOrderThatBoughtNothingIsNotRemembered() throws Exception {
        String key = http.newSandboxAccount();
        assertEquals("NO_NUMBERS", sa(key, "action=getNumber&service=ds&country=0").text());
        assertEquals("NO_NUMBERS", sa(key, "action=getNumber&service=ds&country=0").text());
        assertEquals(0, activations(http.accountId(key)));
    }

    @Test
    void anIdempotencyKeyReplaysTheFirstAnswerByteForByteOnSmsActivate() throws Exception {
        String key = http.newSandboxAccount();
        long account = http.accountId(key);
        Http.Response first = saWithKey(key, "bot-order-1", "action=getNumberV2&service=tg&country=0");
        Http.Response again = saWithKey(key, "bot-order-1", "action=getNumberV2&service=tg&country=0");
        assertArrayEquals(first.body(), again.body());
        assertEquals("application/json", again.contentType());
        assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(""));
        assertTrue(first.headers().firstValue("Idempotent-Replayed").isEmpty());
        CLOCK.advance(Duration.ofSeconds(30));
        assertArrayEquals(first.body(), saWithKey(key, "bot-order-1", "action=getNumberV2&service=tg&country=0").body(),
                "a key outlives the duplicate window");

        Http.Response reused = saWithKey(key, "bot-order-1", "action=getNumber&service=tg&country=0");
        assertEquals(200, reused.status());
        assertEquals("IDEMPOTENCY_KEY_REUSED", reused.text());
        assertEquals("BAD_IDEMPOTENCY_KEY", saWithKey(key, "k".repeat(256), "action=getNumber&service=tg&country=0").text());
        assertEquals("BAD_IDEMPOTENCY_KEY", saWithKey(key, "", "action=getNumber&service=tg&country=0").text());
        assertEquals(1, activations(account), "only the first bought");

        List<String> concurrent = AtOnce.run(10, () -> saWithKey(key, "bot-order-2", "action=getNumber&service=tg&country=0").text());
        assertEquals(1, new HashSet<>(concurrent).size(), "ten at once with one key: " + concurrent);
        assertEquals(2, activations(account));
        assertEquals(2, holds(account));
    }

    @Test
    void fiveSimBuysAreRetrySafeToo() throws Exception {
        String key = http.newSandboxAccount();
        long account = http.accountId(key);
        String path = "/v1/user/buy/activation/russia/any/telegram";
        List<String> orders = AtOnce.run(20, () -> http.get(path, key).text());
        assertEquals(1, new HashSet<>(orders).size(), "one order for twenty retries: " + orders);
        assertEquals(1, activations(account));
        assertEquals(1, holds(account));

        Http.Response first = http.send(http.request(path + "?maxPrice=1", key).header("Idempotency-Key", "five-1").GET());
        Http.Response again = http.send(http.request(path + "?maxPrice=1", key).header("Idempotency-Key", "five-1").GET());
        assertEquals(200, again.status());
        assertArrayEquals(first.body(), again.body());
        assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(""));
        Http.Response reused = http.send(http.request(path, key).header("Idempotency-Key", "five-1").GET());
        assertEquals(422, reused.status());
        assertEquals("idempotency key reused", reused.text());
        Http.Response bad = http.send(http.request(path, key).header("Idempotency-Key", "two words").GET());
        assertEquals(400, bad.status());
        assertEquals("bad idempotency key", bad.text());
        assertEquals(2, activations(account));

        String bulk = keyWithoutWindow(key);
        Set<String> many = new HashSet<>(AtOnce.run(5, () -> http.get(path, bulk).json().get("id").asText()));
        assertEquals(5, many.size(), "a key without the window buys every time");
        assertEquals(7, holds(account));
    }

    @Test
    void theWindowIsPerKeyAndAKeysSettingIsChosenWhenItIsCreated() {
        String key = http.newSandboxAccount();
        Http.Response wrong = http.post("/v1/api-keys", key, "{\"duplicateWindow\":\"no\"}");
        assertEquals(400, wrong.status());
        Http.Response test = http.post("/v1/api-keys", key, "{\"mode\":\"test\",\"duplicateWindow\":false}");
        assertEquals(201, test.status(), test.text());
        assertEquals("test", test.json().get("mode").asText());
        assertEquals(false, test.json().get("duplicateWindow").asBoolean());
        String testKey = test.json().get("key").asText();
        String a = sa(testKey, "action=getNumber&service=tg&country=0").text();
        String b = sa(testKey, "action=getNumber&service=tg&country=0").text();
        assertNotEquals(a, b);
        // Sent in a form body, the getNumber is the same order as in the query.
        Http.Response form = http.send(http.request("/stubs/handler_api.php", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("api_key=" + key + "&action=getNumber&service=tg&country=0")));
        assertEquals(form.text(), sa(key, "action=getNumber&service=tg&country=0").text());
    }

    // Rentals ------------------------------------------------------------------------------------------

    @Test
    void twentyConcurrentGetRentNumberRetriesWithoutAKeyRentOneNumberAndHoldItsPeriodsOnce() throws Exception {
        String key = http.newSandboxAccount();
        long account = http.accountId(key);
        List<String> answers = AtOnce.run(20, () -> sa(key, "action=getRentNumber&service=full&country=0&rent_time=4").text());
        assertEquals(1, new HashSet<>(answers).size(), "every retry answers the first rental: " + answers);
        assertTrue(answers.getFirst().matches("\\{\"status\":\"success\",\"phone\":\\{\"id\":[0-9]+,\"endDate\":\"[0-9T:-]{19}\",\"number\":\"79[0-9]{9}\"}}"),
                answers.getFirst());
        assertEquals(1, rentals(account), "one rental");
        assertEquals(4, rentalPeriods(account), "its four periods");
        assertEquals(4, holds(account), "one hold per period, once");
        assertEquals("ACCESS_BALANCE:98.48", sa(key, "action=getBalance").text(), "four periods of 0.38 held once");

        String longer = sa(key, "action=getRentNumber&service=full&country=0&rent_time=8").text();
        assertNotEquals(answers.getFirst(), longer, "another rent time is another rental");
        String id = Http.JSON.readTree(answers.getFirst()).at("/phone/id").asText();
        assertEquals("{\"status\":\"success\"}", sa(key, "action=setRentStatus&id=" + id + "&status=2").text());
        assertNotEquals(answers.getFirst(), sa(key, "action=getRentNumber&service=full&country=0&rent_time=4").text(),
                "the first rental ended: the bot is renting again");
        assertEquals(3, rentals(account));
    }

    @Test
    void withTheWindowTurnedOffForTheKeyTwentyConcurrentGetRentNumbersRentTwenty() throws Exception {
        String bulk = keyWithoutWindow(http.newSandboxAccount());
        long account = http.accountId(bulk);
        List<String> answers = AtOnce.run(20, () -> sa(bulk, "action=getRentNumber&service=full&country=0&rent_time=1").text());
        assertEquals(20, new HashSet<>(answers).size(), "twenty different rentals: " + answers);
        assertEquals(20, rentals(account));
        assertEquals(20, holds(account));
        assertEquals("ACCESS_BALANCE:92.40", sa(bulk, "action=getBalance").text());
    }

    @Test
    void anIdempotencyKeyReplaysTheFirstRentAnswerByteForByte() throws Exception {
        String key = http.newSandboxAccount();
        long account = http.accountId(key);
        String query = "action=getRentNumber&service=full&country=0&rent_time=2";
        Http.Response first = saWithKey(key, "bot-rent-1", query);
        assertTrue(first.text().startsWith("{\"status\":\"success\",\"phone\":"), first.text());
        assertTrue(first.headers().firstValue("Idempotent-Replayed").isEmpty());
        CLOCK.advance(Duration.ofSeconds(30));
        Http.Response again = saWithKey(key, "bot-rent-1", query);
        assertArrayEquals(first.body(), again.body(), "the same bytes, past the duplicate window too");
        assertEquals("application/json", again.contentType());
        assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(""));

        assertEquals("{\"status\":\"error\",\"message\":\"IDEMPOTENCY_KEY_REUSED\"}",
                saWithKey(key, "bot-rent-1", "action=getRentNumber&service=full&country=0&rent_time=3").text());
        assertEquals("{\"status\":\"error\",\"message\":\"BAD_IDEMPOTENCY_KEY\"}", saWithKey(key, "k".repeat(256), query).text());
        assertEquals(1, rentals(account), "only the first rented");
        assertEquals(2, holds(account));

        List<String> concurrent = AtOnce.run(10, () -> saWithKey(key, "bot-rent-2", query).text());
        assertEquals(1, new HashSet<>(concurrent).size(), "ten at once with one key: " + concurrent);
        assertEquals(2, rentals(account));
        assertEquals(4, holds(account));
    }

    @Test
    void fiveSimHostingBuysAreRetrySafeToo() throws Exception {
        String key = http.newSandboxAccount();
        long account = http.accountId(key);
        String path = "/v1/user/buy/hosting/russia/any/3hours";
        List<String> orders = AtOnce.run(20, () -> http.get(path, key).text());
        assertEquals(1, new HashSet<>(orders).size(), "one hosting order for twenty retries: " + orders);
        assertEquals("RECEIVED", Http.JSON.readTree(orders.getFirst()).get("status").asText(), orders.getFirst());
        assertEquals(1, rentals(account));
        assertEquals(3, holds(account));

        Http.Response first = http.send(http.request(path, key).header("Idempotency-Key", "host-1").GET());
        Http.Response again = http.send(http.request(path, key).header("Idempotency-Key", "host-1").GET());
        assertEquals(200, again.status(), again.text());
        assertArrayEquals(first.body(), again.body());
        assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(""));
        Http.Response reused = http.send(http.request("/v1/user/buy/hosting/russia/any/1day", key).header("Idempotency-Key", "host-1").GET());
        assertEquals(422, reused.status());
        assertEquals("idempotency key reused", reused.text());
        Http.Response bad = http.send(http.request(path, key).header("Idempotency-Key", "two words").GET());
        assertEquals(400, bad.status());
        assertEquals("bad idempotency key", bad.text());
        assertEquals(2, rentals(account));
        assertEquals(6, holds(account));
    }
}
