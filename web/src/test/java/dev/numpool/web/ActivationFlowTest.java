package dev.numpool.web;

import dev.numpool.db.TestClock;
import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.Database;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The first real activation, end to end over HTTP. */
class ActivationFlowTest {
    private static final TestClock CLOCK = new TestClock();
    private static final String OPERATOR = "activation-flow-operator-token";
    private static String databaseUrl;
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        databaseUrl = TestServers.freshDatabaseUrl();
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        config.put("numpool.operator-token", OPERATOR);
        node = TestNodes.start(config, CLOCK);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void codeArrivesAndTheBuyerIsChargedExactlyOnce() {
        String key = http.newSandboxAccount();
        Http.Response bought = http.order(key, "buy-1", "{\"service\":\"tg\",\"country\":0}");
        assertEquals(201, bought.status(), bought.text());
        JsonNode activation = bought.json();
        int id = activation.get("id").asInt();
        long price = activation.get("priceMicros").asLong();
        assertEquals("waiting_code", activation.get("status").asText());
        assertTrue(activation.get("phone").asText().startsWith("+7"), "a Russian number for country 0");
        assertEquals("bought", activation.at("/routing/attempts/0/outcome").asText());
        assertEquals(100_000_000L - price, http.get("/v1/balance", key).json().get("availableMicros").asLong());
        assertEquals(price, http.get("/v1/balance", key).json().get("heldMicros").asLong());

        Http.Response sms = http.post("/v1/sandbox/sms", key,
                "{\"activationId\":" + id + ",\"sender\":\"Telegram\",\"text\":\"Telegram code: 48213\\n\\nDo not give this code to anyone\"}");
        assertEquals(200, sms.status(), sms.text());

        JsonNode withCode = http.get("/v1/activations/" + id, key).json();
        assertEquals("code_received", withCode.get("status").asText());
        assertEquals("48213", withCode.at("/codes/0/code").asText());
        assertTrue(withCode.at("/codes/0/text").asText().contains("Do not give this code"), "the full text is kept");

        assertEquals("finished", http.post("/v1/activations/" + id + "/finish", key, null).json().get("status").asText());
        Http.Response again = http.post("/v1/activations/" + id + "/finish", key, null);
        assertEquals(409, again.status());
        assertEquals("/problems/activation-ended", again.json().get("type").asText());
        assertTrue(again.json().get("status").isInt(), "RFC 9457's status is the number, not the activation's status: " + again.text());
        assertEquals(409, again.json().get("status").asInt());
        assertEquals("finished", again.json().get("activationStatus").asText());

        JsonNode balance = http.get("/v1/balance", key).json();
        assertEquals(100_000_000L - price, balance.get("availableMicros").asLong(), "charged once");
        assertEquals(0, balance.get("heldMicros").asLong());
    }

    @Test
    void anotherCodeCanBeRequestedAndArrivesFree() {
        String key = http.newSandboxAccount();
        JsonNode a = http.order(key, "k", "{\"service\":\"wa\",\"country\":73}").json();
        int id = a.get("id").asInt();
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Your WhatsApp code: 123-456\"}");
        JsonNode retry = http.post("/v1/activations/" + id + "/retry", key, null).json();
        assertTrue(retry.get("awaitingAnotherCode").asBoolean());
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Your WhatsApp code: 654-321\"}");
        JsonNode after = http.get("/v1/activations/" + id, key).json();
        assertEquals("123456", after.at("/codes/0/code").asText());
        assertEquals("654321", after.at("/codes/1/code").asText());
        assertFalse(after.get("awaitingAnotherCode").asBoolean());
        assertEquals(100_000_000L - a.get("priceMicros").asLong(), http.get("/v1/balance", key).json().get("availableMicros").asLong());
    }

    @Test
    void cancelIsRefusedInTheEarlyWindowThenRefundsExactly() {
        String key = http.newSandboxAccount();
        JsonNode a = http.order(key, "c", "{\"service\":\"go\",\"country\":187}").json();
        int id = a.get("id").asInt();
        Http.Response early = http.post("/v1/activations/" + id + "/cancel", key, null);
        assertEquals(409, early.status());
        assertEquals("/problems/early-cancel-denied", early.json().get("type").asText());
        assertEquals(a.get("cancellableAt").asText(), early.json().get("cancellableAt").asText());

        CLOCK.advance(Duration.ofMinutes(2));
        assertEquals("cancelled", http.post("/v1/activations/" + id + "/cancel", key, null).json().get("status").asText());
        JsonNode balance = http.get("/v1/balance", key).json();
        assertEquals(100_000_000L, balance.get("availableMicros").asLong());
        assertEquals(0, balance.get("heldMicros").asLong());

        // A code arriving after the cancel is kept, never charged, and not shown.
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"G-555777 is your Google verification code.\"}");
        JsonNode late = http.get("/v1/activations/" + id, key).json();
        assertEquals(0, late.get("codes").size());
        assertTrue(late.at("/messages/0/late").asBoolean());
        assertEquals(100_000_000L, http.get("/v1/balance", key).json().get("availableMicros").asLong());
    }

    @Test
    void aCodeAfterTheRefundIsShownByNoApiUntilPaidForOnce() {
        String key = http.newSandboxAccount();
        JsonNode a = http.order(key, "late-1", "{\"service\":\"go\",\"country\":187}").json();
        int id = a.get("id").asInt();
        long price = a.get("priceMicros").asLong();
        CLOCK.advance(Duration.ofMinutes(2));
        assertEquals("cancelled", http.post("/v1/activations/" + id + "/cancel", key, null).json().get("status").asText());
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"G-555888 is your Google verification code.\"}");

        String everything = http.get("/v1/activations/" + id, key).text() + http.get("/v1/activations", key).text()
                + http.get("/stubs/handler_api.php?api_key=" + key + "&action=getStatus&id=" + id, null).text()
                + http.get("/stubs/handler_api.php?api_key=" + key + "&action=getStatusV2&id=" + id, null).text()
                + http.get("/stubs/handler_api.php?api_key=" + key + "&action=getFullSms&id=" + id, null).text()
                + http.get("/v1/user/check/" + id, key).text();
        assertFalse(everything.contains("555888"), everything);
        JsonNode withheld = http.get("/v1/activations/" + id, key).json().at("/messages/0");
        assertTrue(withheld.get("withheld").asBoolean());
        assertTrue(withheld.get("text").isNull() && withheld.get("code").isNull());
        String buy = withheld.get("buy").asText();
        assertEquals("/v1/activations/" + id + "/messages/" + withheld.get("id").asLong() + "/buy", buy);

        String stranger = http.newSandboxAccount();
        assertEquals(404, http.post(buy, stranger, null).status(), "another account's message is not found");
        assertEquals(404, http.post("/v1/activations/" + id + "/messages/99999999999/buy", key, null).status());
        assertEquals(404, http.post("/v1/activations/" + id + "/messages/x1/buy", key, null).status());
        assertEquals(100_000_000L, http.get("/v1/balance", key).json().get("availableMicros").asLong());

        Http.Response paid = http.post(buy, key, null);
        Http.Response again = http.post(buy, key, null);

        assertEquals(200, paid.status(), paid.text());
        assertEquals("555888", paid.json().at("/messages/0/code").asText());
        assertFalse(paid.json().at("/messages/0/withheld").asBoolean());
        assertEquals(200, again.status());
        assertEquals(100_000_000L - price, http.get("/v1/balance", key).json().get("availableMicros").asLong(), "charged once");
        assertEquals("cancelled", http.get("/v1/activations/" + id, key).json().get("status").asText());
    }

    @Test
    void aLateCodeCannotBeBoughtWithoutTheMoney() {
        JsonNode account = http.post("/v1/sandbox/accounts", null, null).json();
        String key = account.get("key").asText();
        int id = http.order(key, "late-2", "{\"service\":\"go\",\"country\":187}").json().get("id").asInt();
        CLOCK.advance(Duration.ofMinutes(2));
        http.post("/v1/activations/" + id + "/cancel", key, null);
        Http.Response emptied = http.postIdempotent("/v1/operator/accounts/" + account.get("accountId").asLong() + "/adjustments", OPERATOR, null,
                "{\"direction\":\"debit\",\"amount\":\"100\",\"reason\":\"test: an empty wallet\"}");
        assertEquals(201, emptied.status(), emptied.text());
        long available = http.get("/v1/balance", key).json().get("availableMicros").asLong();
        assertEquals(0, available);
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"G-555999 is your Google verification code.\"}");
        String buy = http.get("/v1/activations/" + id, key).json().at("/messages/0/buy").asText();

        Http.Response refused = http.post(buy, key, null);

        assertEquals(402, refused.status(), refused.text());
        assertEquals("/problems/insufficient-balance", refused.json().get("type").asText());
        assertEquals(available, http.get("/v1/balance", key).json().get("availableMicros").asLong());
        assertTrue(http.get("/v1/activations/" + id, key).json().at("/messages/0/withheld").asBoolean());
    }

    @Test
    void aCodeMakesCancelImpossible() {
        String key = http.newSandboxAccount();
        int id = http.order(key, "x", "{\"service\":\"tg\",\"country\":16}").json().get("id").asInt();
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Your code is 9911\"}");
        CLOCK.advance(Duration.ofMinutes(3));
        Http.Response cancel = http.post("/v1/activations/" + id + "/cancel", key, null);
        assertEquals(409, cancel.status());
        assertEquals("/problems/code-already-received", cancel.json().get("type").asText());
    }

    @Test
    void listingPagesThroughTheOwnersActivationsNewestFirst() {
        String key = http.newSandboxAccount();
        for (int i = 0; i < 5; i++) {
            assertEquals(201, http.order(key, "list-" + i, "{\"service\":\"ig\",\"country\":6}").status());
        }
        JsonNode first = http.get("/v1/activations?limit=2", key).json();
        assertEquals(2, first.get("data").size());
        JsonNode second = http.get("/v1/activations?limit=2&cursor=" + first.get("nextCursor").asText(), key).json();
        JsonNode third = http.get("/v1/activations?limit=2&cursor=" + second.get("nextCursor").asText(), key).json();
        assertEquals(1, third.get("data").size());
        assertTrue(third.get("nextCursor").isNull());
        assertTrue(first.at("/data/0/id").asInt() > second.at("/data/0/id").asInt());
        assertEquals(5, http.get("/v1/activations?status=waiting_code", key).json().get("data").size());
        assertEquals(0, http.get("/v1/activations?status=finished", key).json().get("data").size());
    }

    @Test
    void catalogueShowsLivePriceAndStockForAnonymousCallers() {
        JsonNode offers = http.get("/v1/catalog?service=tg&country=0", null).json().get("offers");
        assertEquals(1, offers.size());
        assertEquals("tg", offers.at("/0/service").asText());
        assertTrue(offers.at("/0/stock").asInt() > 0);
        assertTrue(offers.at("/0/priceMicros").asLong() > 0);
        assertTrue(http.get("/v1/services", null).json().get("services").size() >= 30);
        assertTrue(http.get("/v1/countries", null).json().get("countries").size() >= 40);
        assertTrue(http.get("/v1/catalog", null).json().get("offers").size() > 1000);
    }

    @Test
    void ledgerStaysBalancedThroughTheFlows() {
        try (Database db = Database.connect(databaseUrl, null, null, 2)) {
            // What came in, less what an operator took back out (one test empties a wallet so).
            long sum = db.dsl().fetchSingle("select coalesce(sum(case kind when 'operator_debit' then -amount_micros else amount_micros end), 0) "
                    + "from transfer where kind in ('sandbox_credit', 'operator_debit')").get(0, Long.class);
            long cached = db.dsl().fetchSingle("select coalesce(sum(balance_micros), 0) from ledger_account where cached").get(0, Long.class)
                    // held money is the open holds (V16), not a cached balance
                    + db.dsl().fetchSingle("select coalesce(sum(amount_micros), 0) from transfer h where kind = 'hold' "
                    + "and not exists (select 1 from transfer r where r.hold_id = h.id)").get(0, Long.class);
            long revenue = db.dsl().fetchSingle("select coalesce(sum(amount_micros), 0) from transfer where kind = 'post'").get(0, Long.class);
            // Money neither created nor destroyed: what came in is in wallets, held, or revenue.
            assertEquals(sum, cached + revenue, Map.of("credits", sum, "customers", cached, "revenue", revenue).toString());
        }
    }
}
