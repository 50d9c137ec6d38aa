package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.orders.FakeStripe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Top-ups, Stripe's webhook, the transaction list and CSV, and operator adjustments over HTTP, on
 * a node whose Stripe is a fake on 127.0.0.1. Every refused request is shown to change nothing.
 */
class MoneyApiTest {
    private static final String OPERATOR = "operator-token-for-money-0123456789";
    private static final TestClock CLOCK = new TestClock(Instant.parse("2026-06-01T12:00:00Z"));
    private static FakeStripe stripe;
    private static Numpool node;
    private static Http http;
    private String key;

    @BeforeAll
    static void start() {
        stripe = new FakeStripe();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("numpool.operator-token", OPERATOR);
        config.put("topups.stripe-api-base", stripe.apiBase());
        config.put("topups.min", "5.00");
        config.put("topups.max", "500.00");
        node = TestNodes.start(config, CLOCK, Map.of("STRIPE_SECRET_KEY", FakeStripe.SECRET_KEY, "STRIPE_WEBHOOK_SECRET", FakeStripe.WEBHOOK_SECRET));
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
        stripe.close();
    }

    @BeforeEach
    void account() {
        key = http.newSandboxAccount();
    }

    @Test
    void aTopUpIsPaidThroughTheWebhookOnce() {
        Http.Response created = http.post("/v1/topups", key, "{\"amount\":\"25.00\"}");
        assertEquals(201, created.status(), created.text());
        assertEquals("open", created.json().get("status").asText());
        assertTrue(created.json().get("checkoutUrl").asText().startsWith("https://checkout.stripe.com/"));
        long id = created.json().get("id").asLong();

        String event = stripe.checkoutCompleted(FakeStripe.newEventId(), id, "pi_http_" + id, 2500, CLOCK.instant());
        Http.Response first = stripeEvent(event, FakeStripe.sign(event, CLOCK.instant()));
        assertEquals(200, first.status(), first.text());
        assertEquals("credited 25.00", first.json().get("outcome").asText());
        Http.Response replay = stripeEvent(event, FakeStripe.sign(event, CLOCK.instant()));
        assertEquals(200, replay.status(), "a replayed event is acknowledged");
        assertTrue(replay.json().get("outcome").asText().startsWith("duplicate"));

        assertEquals("125.00", balance().get("available").asText());
        assertEquals("paid", http.get("/v1/topups/" + id, key).json().get("status").asText());
        JsonNode entries = http.get("/v1/balance/transactions?type=topup", key).json().get("data");
        assertEquals(1, entries.size());
        assertEquals("topup:" + id, entries.get(0).get("reference").asText());
        assertEquals("25.00", entries.get(0).get("availableChange").asText());
    }

    @Test
    void forgedStaleAndMalformedEventsAreRefusedAndChangeNothing() {
        long id = http.post("/v1/topups", key, "{\"amount\":\"10.00\"}").json().get("id").asLong();
        String event = stripe.checkoutCompleted(FakeStripe.newEventId(), id, "pi_forged_" + id, 1000, CLOCK.instant());

        assertEquals(400, stripeEvent(event, FakeStripe.sign(event, CLOCK.instant(), "whsec_not_ours")).status(), "bad signature");
        assertEquals(400, stripeEvent(event, FakeStripe.sign(event, CLOCK.instant().minusSeconds(400))).status(), "stale timestamp");
        assertEquals(400, stripeEvent(event.replace("\"paid\"", "\"paid\" "), FakeStripe.sign(event, CLOCK.instant())).status(), "body changed");
        assertEquals(400, stripeEvent(event, null).status(), "no signature");
        Http.Response refused = stripeEvent(event, "t=x,v1=00");
        assertEquals(400, refused.status());
        assertEquals("application/problem+json", refused.contentType());
        Http.Response unreadable = stripeEvent("[1,2", FakeStripe.sign("[1,2", CLOCK.instant()));
        assertEquals(200, unreadable.status(), "signed by Stripe but unreadable: acknowledged so it is not retried for days");
        assertTrue(unreadable.json().get("outcome").asText().startsWith("ignored"));
        assertEquals(413, stripeEvent("x".repeat(300_000), FakeStripe.sign("x".repeat(300_000), CLOCK.instant())).status());

        assertEquals("100.00", balance().get("available").asText());
        assertEquals("open", http.get("/v1/topups/" + id, key).json().get("status").asText());
    }

    @Test
    void topUpAmountsAreValidated() {
        int sessions = stripe.sessions().size();
        for (String body : List.of("{}", "{\"amount\":null}", "{\"amount\":\"ten\"}", "{\"amount\":true}", "{\"amount\":[10]}",
                "{\"amount\":\"-10.00\"}", "{\"amount\":\"1e3\"}", "{\"amount\":1e999999999}", "{\"amount\":\"10.001\"}",
                "{\"amount\":\"99999999999999999999\"}", "{\"amount\":\"10.00\",\"currency\":\"EUR\"}", "not json", "[]")) {
            Http.Response r = http.post("/v1/topups", key, body);
            assertTrue(r.status() == 400 || r.status() == 422, body + " → " + r.status() + " " + r.text());
            assertEquals("application/problem+json", r.contentType(), body);
        }
        Http.Response tooSmall = http.post("/v1/topups", key, "{\"amount\":\"4.99\"}");
        assertEquals(422, tooSmall.status());
        assertEquals("5.00", tooSmall.json().get("minimum").asText());
        assertEquals(422, http.post("/v1/topups", key, "{\"amount\":\"500.01\"}").status());
        assertEquals(422, http.post("/v1/topups", key, "{\"amount\":\"10.005\"}").status(), "fractions of a cent");
        assertEquals(401, http.post("/v1/topups", "np_not_a_key", "{\"amount\":\"10.00\"}").status());

        assertEquals(sessions, stripe.sessions().size(), "Stripe was never asked");
        assertEquals(0, http.get("/v1/topups", key).json().get("data").size());
        assertEquals(201, http.post("/v1/topups", key, "{\"amount\":10}").status(), "a JSON number works too");
    }

    @Test
    void aRetriedTopUpIsTheSameTopUp() {
        int sessions = stripe.sessions().size();
        Http.Response first = http.postIdempotent("/v1/topups", key, "topup-retry-1", "{\"amount\":\"15.00\"}");
        assertEquals(201, first.status(), first.text());
        Http.Response again = http.postIdempotent("/v1/topups", key, "topup-retry-1", "{\"amount\":\"15.00\"}");
        assertEquals(200, again.status());
        assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(""));
        assertEquals(first.json().get("id"), again.json().get("id"));
        assertEquals(first.json().get("checkoutUrl"), again.json().get("checkoutUrl"));
        assertEquals(422, http.postIdempotent("/v1/topups", key, "topup-retry-1", "{\"amount\":\"16.00\"}").status());
        assertEquals(sessions + 1, stripe.sessions().size(), "one Checkout session");
        assertEquals(1, http.get("/v1/topups", key).json().get("data").size());
    }

    @Test
    void anotherAccountsTopUpIsNotFound() {
        long id = http.post("/v1/topups", key, "{\"amount\":\"10.00\"}").json().get("id").asLong();
        String other = http.newSandboxAccount();
        assertEquals(404, http.get("/v1/topups/" + id, other).status());
        assertEquals(404, http.get("/v1/topups/abc", key).status());
        assertEquals(404, http.get("/v1/topups/99999999999999999999999", key).status());
    }

    @Test
    void refundBeyondTheBalanceShowsDebtAndBlocksPurchasesUntilPaid() {
        long id = http.post("/v1/topups", key, "{\"amount\":\"10.00\"}").json().get("id").asLong();
        String pi = "pi_debt_http_" + id;
        signed(stripe.checkoutCompleted(FakeStripe.newEventId(), id, pi, 1000, CLOCK.instant()));
        long account = http.accountId(key);
        Http.Response spent = http.postIdempotent("/v1/operator/accounts/" + account + "/adjustments", OPERATOR, null,
                "{\"direction\":\"debit\",\"amount\":\"108.00\",\"reason\":\"test: spend it\"}");
        assertEquals(201, spent.status(), spent.text());

        signed(FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi, 1000, 1000, CLOCK.instant()));

        JsonNode owed = balance();
        assertEquals("0.00", owed.get("available").asText());
        assertEquals("8.00", owed.get("debt").asText());
        Http.Response refused = http.order(key, "debt-1", "{\"service\":\"tg\",\"country\":0}");
        assertEquals(402, refused.status(), refused.text());
        assertEquals("8.00", refused.json().get("debt").asText());
        assertTrue(refused.json().get("detail").asText().contains("owes 8.00"), refused.text());

        // The console's money page lists who owes, and open disputes (a support operator reads it).
        String other = http.newSandboxAccount();
        long disputed = http.post("/v1/topups", other, "{\"amount\":\"10.00\"}").json().get("id").asLong();
        signed(stripe.checkoutCompleted(FakeStripe.newEventId(), disputed, "pi_disputed_" + disputed, 1000, CLOCK.instant()));
        signed(FakeStripe.dispute(FakeStripe.newEventId(), "charge.dispute.created", "dp_console_" + disputed, "pi_disputed_" + disputed, 1000,
                "needs_response", CLOCK.instant()));
        String support = "support-" + id + "@example.com";
        Browserless console = new Browserless(node.url());
        assertEquals(303, console.signUp(support, "correct horse battery").status());
        assertEquals(200, http.send(http.request("/v1/operator/operators/" + support, OPERATOR).header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"role\":\"support\"}"))).status());
        String money = console.get("/ops/money").body();
        assertTrue(money.contains("<a href=\"/ops/accounts/" + account + "\">" + account + "</a></td><td class=\"num\">8.00 USD"), money);
        assertTrue(money.contains("dp_console_" + disputed), "the open dispute");

        long next = http.post("/v1/topups", key, "{\"amount\":\"20.00\"}").json().get("id").asLong();
        signed(stripe.checkoutCompleted(FakeStripe.newEventId(), next, "pi_next_" + next, 2000, CLOCK.instant()));
        assertEquals("12.00", balance().get("available").asText());
        assertEquals("0.00", balance().get("debt").asText());
        assertEquals(201, http.order(key, "debt-2", "{\"service\":\"tg\",\"country\":0}").status());
    }

    @Test
    void transactionsPageFilterAndExportAsCsv() {
        long account = http.accountId(key);
        for (int i = 1; i <= 3; i++) {
            http.postIdempotent("/v1/operator/accounts/" + account + "/adjustments", OPERATOR, null,
                    "{\"direction\":\"credit\",\"amount\":\"" + i + ".00\",\"reason\":\"credit, \\\"quoted\\\" " + i + "\"}");
        }
        JsonNode first = http.get("/v1/balance/transactions?limit=2", key).json();
        assertEquals(2, first.get("data").size());
        assertEquals("operator_credit", first.get("data").get(0).get("type").asText());
        assertEquals("3.00", first.get("data").get(0).get("amount").asText());
        JsonNode second = http.get("/v1/balance/transactions?limit=2&cursor=" + first.get("nextCursor").asText(), key).json();
        assertEquals(List.of("operator_credit", "sandbox_credit"), List.of(second.get("data").get(0).get("type").asText(),
                second.get("data").get(1).get("type").asText()));
        assertTrue(second.get("nextCursor").isNull());

        Http.Response csv = http.get("/v1/balance/transactions.csv", key);
        assertEquals(200, csv.status());
        assertTrue(csv.headers().firstValue("Content-Disposition").orElse("").contains("numpool-transactions.csv"));
        String[] lines = csv.text().split("\r\n");
        assertEquals("id,created_at,type,amount,currency,available_change,held_change,debt_change,reference", lines[0]);
        assertEquals(5, lines.length, csv.text());
        assertTrue(lines[1].contains(",operator_credit,3.00,USD,3.00,0.00,0.00,adjustment:"), lines[1]);
        assertTrue(lines[4].contains(",sandbox_credit,100.00,USD,100.00,0.00,0.00,sandbox:"), lines[4]);

        for (String bad : List.of("type=gift", "type=hold,,void", "limit=0", "limit=501", "limit=x", "cursor=abc", "cursor=0",
                "from=yesterday", "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")) {
            Http.Response r = http.get("/v1/balance/transactions?" + bad, key);
            assertEquals(400, r.status(), bad + " → " + r.text());
        }
        assertEquals(400, http.get("/v1/balance/transactions.csv?type=gift", key).status());
        assertEquals(401, http.get("/v1/balance/transactions", null).status());
        String other = http.newSandboxAccount();
        assertEquals(1, http.get("/v1/balance/transactions", other).json().get("data").size(), "only its own");
    }

    @Test
    void operatorAdjustmentsValidateAndNeverEditTheLedger() {
        long account = http.accountId(key);
        String path = "/v1/operator/accounts/" + account + "/adjustments";
        assertEquals(401, http.postIdempotent(path, key, null, "{\"direction\":\"credit\",\"amount\":\"1.00\",\"reason\":\"x\"}").status(), "a customer key is not the operator");
        for (String body : List.of("{\"direction\":\"credit\",\"amount\":\"1.00\"}", "{\"direction\":\"credit\",\"amount\":\"0\",\"reason\":\"x\"}",
                "{\"direction\":\"credit\",\"amount\":\"-1.00\",\"reason\":\"x\"}", "{\"direction\":\"credit\",\"amount\":\"1.00\",\"reason\":\"  \"}",
                "{\"direction\":\"credit\",\"amount\":\"1.00\",\"reason\":\"" + "r".repeat(501) + "\"}",
                "{\"direction\":\"credit\",\"amount\":\"1000000.000001\",\"reason\":\"x\"}", "{\"direction\":\"up\",\"amount\":\"1.00\",\"reason\":\"x\"}",
                "{\"direction\":\"credit\",\"amount\":\"1.00\",\"reason\":\"x\",\"extra\":1}")) {
            assertEquals(400, http.postIdempotent(path, OPERATOR, null, body).status(), body);
        }
        assertEquals(404, http.postIdempotent("/v1/operator/accounts/0/adjustments", OPERATOR, null, "{\"direction\":\"credit\",\"amount\":\"1.00\",\"reason\":\"x\"}").status());
        Http.Response overdraw = http.postIdempotent(path, OPERATOR, null, "{\"direction\":\"debit\",\"amount\":\"100.01\",\"reason\":\"too much\"}");
        assertEquals(409, overdraw.status());
        assertEquals("100.00", balance().get("available").asText(), "nothing changed");

        assertEquals(400, http.post(path, OPERATOR, "{\"direction\":\"credit\",\"amount\":\"1.00\",\"reason\":\"no key\"}").status(),
                "an adjustment needs an Idempotency-Key");
        Http.Response done = http.postIdempotent(path, OPERATOR, "fee-9", "{\"direction\":\"debit\",\"amount\":\"0.50\",\"reason\":\"chargeback fee, ticket 9\"}");
        assertEquals(201, done.status());
        Http.Response retried = http.postIdempotent(path, OPERATOR, "fee-9", "{\"direction\":\"debit\",\"amount\":\"0.50\",\"reason\":\"chargeback fee, ticket 9\"}");
        assertEquals(200, retried.status());
        assertEquals("true", retried.headers().firstValue("Idempotent-Replayed").orElse(""));
        assertEquals(done.json().get("adjustmentId"), retried.json().get("adjustmentId"));
        assertEquals(422, http.postIdempotent(path, OPERATOR, "fee-9", "{\"direction\":\"debit\",\"amount\":\"0.75\",\"reason\":\"x\"}").status());
        assertEquals("-0.50", done.json().get("transaction").get("availableChange").asText());
        assertEquals("99.50", http.get("/v1/operator/accounts/" + account + "/balance", OPERATOR).json().get("available").asText());
    }

    @Test
    void withoutStripeKeysTopUpsSayTheyAreOff() {
        try (Numpool plain = TestNodes.start(TestNodes.baseConfig(TestServers.freshDatabaseUrl()), CLOCK)) {
            Http other = new Http(plain.url());
            String k = other.newSandboxAccount();
            Http.Response off = other.post("/v1/topups", k, "{\"amount\":\"10.00\"}");
            assertEquals(503, off.status());
            assertTrue(off.json().get("detail").asText().contains("not configured"));
            assertEquals(503, other.send(other.request("/webhooks/stripe", null).POST(HttpRequest.BodyPublishers.ofString("{}"))).status());
            assertEquals("100.00", other.get("/v1/balance", k).json().get("available").asText(), "the sandbox credit stays");
        }
    }

    private void signed(String event) {
        Http.Response r = stripeEvent(event, FakeStripe.sign(event, CLOCK.instant()));
        assertEquals(200, r.status(), r.text());
        assertNotEquals(null, r.json().get("outcome"));
    }

    private Http.Response stripeEvent(String payload, String signature) {
        HttpRequest.Builder request = http.request("/webhooks/stripe", null).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload));
        if (signature != null) {
            request.header("Stripe-Signature", signature);
        }
        return http.send(request);
    }

    private JsonNode balance() {
        return http.get("/v1/balance", key).json();
    }
}
