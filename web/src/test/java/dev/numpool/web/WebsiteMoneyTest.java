package dev.numpool.web;

import dev.numpool.db.TestServers;
import dev.numpool.orders.FakeStripe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The balance page's money: a card top-up through (a fake) Stripe Checkout, the way back, the
 * credit once Stripe's signed event comes, the movements table and its CSV, and what is owed after
 * a refund, all through the website's session and forms.
 */
class WebsiteMoneyTest {
    private static final String PASSWORD = "correct horse battery";
    private static final String OPERATOR = "operator-token-for-website-money-0123";
    private static FakeStripe stripe;
    private static Numpool node;
    private static Http api;

    @BeforeAll
    static void start() {
        stripe = new FakeStripe();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("topups.stripe-api-base", stripe.apiBase());
        config.put("numpool.operator-token", OPERATOR);
        node = TestNodes.start(config, Clock.systemUTC(), Map.of("STRIPE_SECRET_KEY", FakeStripe.SECRET_KEY, "STRIPE_WEBHOOK_SECRET", FakeStripe.WEBHOOK_SECRET));
        api = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
        stripe.close();
    }

    private static Browserless signedIn() {
        Browserless b = new Browserless(node.url());
        assertEquals(303, b.signUp("payer-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com", PASSWORD).status());
        return b;
    }

    private static String available(Browserless b) {
        Matcher m = Pattern.compile("id=\"available\" class=\"price\">([^<]+)<").matcher(b.get("/balance").body());
        assertTrue(m.find());
        return m.group(1);
    }

    @Test
    void aCardTopUpGoesToStripeAndIsCreditedWhenStripeSaysSo() {
        Browserless b = signedIn();
        String page = b.get("/balance").body();
        assertTrue(page.contains("Add money by card") && page.contains("action=\"/balance/topup\""), page);

        int sessions = stripe.sessions().size();
        assertEquals(403, b.post("/balance/topup", Map.of("amount", "20.00"), false).status(), "no CSRF token");
        b.get("/balance");
        assertEquals(400, b.post("/balance/topup", Map.of("amount", "twenty")).status());
        b.get("/balance");
        Browserless.Page small = b.post("/balance/topup", Map.of("amount", "1.00"));
        assertEquals(422, small.status());
        assertTrue(small.body().contains("from USD\u00a05.00 to USD\u00a01,000.00"), small.body());
        assertEquals(sessions, stripe.sessions().size(), "Stripe was not asked");

        b.get("/balance");
        Browserless.Page off = b.post("/balance/topup", Map.of("amount", "20.00"));
        assertEquals(303, off.status());
        String checkout = off.location().orElseThrow();
        assertTrue(checkout.startsWith("https://checkout.stripe.com/c/pay/cs_test_"), checkout);
        long topup = stripe.sessions().values().stream().filter(s -> checkout.equals(s.get("url").asText()))
                .mapToLong(s -> s.get("client_reference_id").asLong()).findFirst().orElseThrow();

        String back = b.get("/balance?topup=" + topup + "&result=paid").body();
        assertTrue(back.contains("appears here as soon as the card payment is confirmed"), back);
        assertEquals("USD\u00a0100.00", available(b), "nothing credited before Stripe's event");

        String event = stripe.checkoutCompleted(FakeStripe.newEventId(), topup, "pi_web_" + topup, 2000, Instant.now());
        assertEquals(200, api.send(api.request("/webhooks/stripe", null).header("Stripe-Signature", FakeStripe.sign(event, Instant.now()))
                .POST(HttpRequest.BodyPublishers.ofString(event))).status());

        String paid = b.get("/balance?topup=" + topup + "&result=paid").body();
        assertTrue(paid.contains("Your top-up of USD\u00a020.00 is in your balance."), paid);
        assertEquals("USD\u00a0120.00", available(b));
        assertTrue(paid.contains("Card top-up") && paid.contains("+20.00") && paid.contains("topup:" + topup), "the movement is listed");

        Browserless other = signedIn();
        String foreign = other.get("/balance?topup=" + topup + "&result=paid").body();
        assertFalse(foreign.contains("USD\u00a020.00 is in your balance"), "another account's top-up says nothing");
        assertFalse(foreign.contains("topup:" + topup));
    }

    @Test
    void aDoubleClickedPayButtonOpensOneCheckoutSession() {
        Browserless b = signedIn();
        String page = b.get("/balance").body();
        Matcher key = Pattern.compile("name=\"key\" value=\"([0-9a-f-]{36})\"").matcher(page);
        assertTrue(key.find(), "the top-up form carries its own key");
        int sessions = stripe.sessions().size();
        Map<String, String> form = Map.of("amount", "30.00", "key", key.group(1), "csrf", b.csrf());
        String first = b.post("/balance/topup", form).location().orElseThrow();
        String second = b.post("/balance/topup", form).location().orElseThrow();
        assertEquals(first, second);
        assertEquals(sessions + 1, stripe.sessions().size());
    }

    @Test
    void movementsPageFilterAndDownloadAsCsv() {
        Browserless b = signedIn();
        for (int i = 0; i < 3; i++) {
            b.get("/balance");
            assertEquals(303, b.post("/balance/sandbox-credit", Map.of("amount", "10")).status());
        }
        String page = b.get("/balance").body();
        assertTrue(page.contains("id=\"transactions\""));
        assertEquals(4, count(page, "Sandbox credit</td>"), "the sign-up credit and three more");

        String filtered = b.get("/balance?kind=hold").body();
        assertTrue(filtered.contains("No movements of this kind."), filtered);

        Browserless.Page csv = b.get("/balance/transactions.csv");
        assertEquals(200, csv.status());
        assertTrue(csv.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
        String[] lines = csv.body().split("\r\n");
        assertEquals("id,created_at,type,amount,currency,available_change,held_change,debt_change,reference", lines[0]);
        assertEquals(5, lines.length);
        assertTrue(lines[1].contains(",sandbox_credit,10.00,USD,10.00,"), lines[1]);

        assertEquals(303, new Browserless(node.url()).get("/balance/transactions.csv").status(), "signed-out visitors are sent to sign in");
    }

    @Test
    void whatIsOwedIsShownInWords() {
        Browserless b = signedIn();
        b.get("/balance");
        String checkout = b.post("/balance/topup", Map.of("amount", "10.00")).location().orElseThrow();
        long topup = stripe.sessions().values().stream().filter(s -> checkout.equals(s.get("url").asText()))
                .mapToLong(s -> s.get("client_reference_id").asLong()).findFirst().orElseThrow();
        String pi = "pi_owed_" + topup;
        deliver(stripe.checkoutCompleted(FakeStripe.newEventId(), topup, pi, 1000, Instant.now()));
        String key = apiKeyOf(b);
        assertEquals(201, api.postIdempotent("/v1/operator/accounts/" + api.accountId(key) + "/adjustments", OPERATOR, null,
                "{\"direction\":\"debit\",\"amount\":\"107.00\",\"reason\":\"test: spend\"}").status());
        deliver(FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi, 1000, 1000, Instant.now()));

        String page = b.get("/balance").body();
        assertTrue(page.contains("id=\"debt\">USD\u00a07.00"), page);
        assertTrue(page.contains("USD\u00a07.00 is owed. New purchases wait until it is paid"), page);
        assertTrue(page.contains("Owed (refund beyond the balance)"));
    }

    private static void deliver(String event) {
        assertEquals(200, api.send(api.request("/webhooks/stripe", null).header("Stripe-Signature", FakeStripe.sign(event, Instant.now()))
                .POST(HttpRequest.BodyPublishers.ofString(event))).status());
    }

    /** An API key of the signed-in account, made on the developer page. */
    private static String apiKeyOf(Browserless b) {
        b.get("/developers/keys");
        String shown = b.post("/developers/keys", Map.of("label", "test")).body();
        Matcher m = Pattern.compile("(np_[A-Za-z0-9_-]{43})").matcher(shown);
        assertTrue(m.find(), "the new key is shown once");
        return m.group(1);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
