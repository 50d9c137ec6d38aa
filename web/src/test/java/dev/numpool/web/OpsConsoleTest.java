package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's doors over plain HTTP: every {@code /ops} route sends a stranger to sign in and
 * answers a customer as if it did not exist; every form needs its CSRF token; an admin passes a
 * TOTP code once per session before any page; a support operator reads but cannot change markups
 * (403, and the attempt is in the audit log); roles are given with the shared token only.
 */
class OpsConsoleTest {
    private static final String PASSWORD = "correct horse battery";
    private static final String OPERATOR = "operator-token-0123456789abcdef";
    private static final Pattern SECRET = Pattern.compile("id=\"totp-secret\">([A-Z2-7]{32})<");
    private static final List<String> PAGES = List.of("/ops", "/ops/markups", "/ops/accounts?q=a", "/ops/accounts/1", "/ops/activations?phone=%2B79001234567",
            "/ops/activations/1", "/ops/audit", "/ops/money", "/ops/delivery", "/ops/pool", "/ops/providers/simulator", "/ops/catalogue", "/ops/templates", "/ops/enrol", "/ops/verify");
    private static final List<String> FORMS = List.of("/ops/providers/simulator/pause", "/ops/markups", "/ops/accounts/1/adjustments", "/ops/enrol",
            "/ops/verify", "/ops/delivery/sms/1/code", "/ops/delivery/sms/1/dismiss", "/ops/accounts/1/block", "/ops/pool", "/ops/catalogue/services/tg", "/ops/catalogue/countries/0", "/ops/templates", "/ops/templates/1/remove");
    private static final TestClock CLOCK = new TestClock();
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("numpool.operator-token", OPERATOR);
        config.put("webhooks.allow-http", "true");
        config.put("webhooks.allowed-hosts.0", "127.0.0.1");
        node = TestNodes.start(config, CLOCK);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String newEmail(String who) {
        return who + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    private static Browserless person(String email) {
        Browserless b = new Browserless(node.url());
        assertEquals(303, b.signUp(email, PASSWORD).status());
        return b;
    }

    private static Http.Response grant(String email, String body) {
        return http.send(http.request("/v1/operator/operators/" + email, OPERATOR).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A customer given the support role, signed in. */
    private static Browserless support() {
        String email = newEmail("support");
        Browserless support = person(email);
        assertEquals(200, grant(email, "{\"role\":\"support\"}").status());
        return support;
    }

    /** An admin past enrolment, in a session that passed the factor. */
    private static Browserless admin() {
        String email = newEmail("admin");
        Browserless b = person(email);
        assertEquals(200, grant(email, "{\"role\":\"admin\"}").status());
        Browserless.Page first = b.get("/ops/markups");
        assertEquals(303, first.status());
        assertEquals("/ops/enrol?next=%2Fops%2Fmarkups", first.location().orElseThrow(), "an admin enrols before any page");
        Browserless.Page enrol = b.get("/ops/enrol?next=%2Fops%2Fmarkups");
        Matcher secret = SECRET.matcher(enrol.body());
        assertTrue(secret.find(), enrol.body());
        assertTrue(enrol.body().contains("<svg") && enrol.body().contains("QR code"), "a QR code to scan");
        Browserless.Page confirmed = b.post("/ops/enrol", Map.of("code", AuthenticatorApp.code(secret.group(1), CLOCK.instant()), "next", "/ops/markups"));
        assertEquals(303, confirmed.status(), confirmed.body());
        assertEquals("/ops/markups", confirmed.location().orElseThrow());
        assertEquals(200, b.get("/ops/markups").status());
        return b;
    }

    @Test
    void strangersAreSentToSignInAndCustomersFindNothing() {
        Browserless stranger = new Browserless(node.url());
        for (String page : PAGES) {
            Browserless.Page p = stranger.get(page);
            assertEquals(303, p.status(), page);
            assertTrue(p.location().orElse("").startsWith("/sign-in?next=%2Fops"), page + " → " + p.location());
        }
        stranger.get("/sign-in");
        for (String form : FORMS) {
            Browserless.Page p = stranger.post(form, Map.of("paused", "true", "reason", "x"));
            assertEquals(303, p.status(), form);
            assertEquals("/sign-in", p.location().orElse(""), form);
        }
        Browserless customer = person(newEmail("customer"));
        for (String page : PAGES) {
            Browserless.Page p = customer.get(page);
            assertEquals(404, p.status(), page);
            assertTrue(p.body().contains("There is no page at this address."), page);
            assertFalse(p.body().toLowerCase().contains("console"), "a customer is not told the console exists: " + page);
        }
        customer.get("/balance");
        for (String form : FORMS) {
            Browserless.Page p = customer.post(form, Map.of("paused", "true", "reason", "x", "percent", "0", "margin", "0", "code", "123456"));
            assertEquals(404, p.status(), form);
        }
        assertFalse(http.get("/v1/operator/providers", OPERATOR).text().contains("\"reason\":\"x\""), "nothing was paused");
    }

    @Test
    void everyFormNeedsItsCsrfToken() {
        Browserless admin = admin();
        String markups = http.get("/v1/operator/markups", OPERATOR).text();
        for (String form : FORMS) {
            Browserless.Page none = admin.post(form, Map.of("paused", "true", "reason", "csrf", "percent", "55", "margin", "0.01",
                    "direction", "credit", "amount", "5", "key", "k1"), false);
            assertEquals(403, none.status(), form);
            Browserless.Page wrong = admin.post(form, Map.of("csrf", "forged", "paused", "true", "reason", "csrf", "percent", "55", "margin", "0.01"));
            assertEquals(403, wrong.status(), form);
        }
        assertEquals(markups, http.get("/v1/operator/markups", OPERATOR).text(), "nothing changed");
        assertFalse(http.get("/v1/operator/providers", OPERATOR).text().contains("\"reason\":\"csrf\""));
        assertFalse(http.get("/v1/operator/audit", OPERATOR).text().contains("csrf"), "a forged form is refused before it is an action");
    }

    @Test
    void anAdminPassesTheSecondFactorOncePerSessionAndACodeWorksOnce() {
        String email = newEmail("admin");
        Browserless first = person(email);
        assertEquals(200, grant(email, "{\"role\":\"admin\"}").status());
        Browserless.Page enrol = first.get("/ops/enrol");
        Matcher m = SECRET.matcher(enrol.body());
        assertTrue(m.find());
        String secret = m.group(1);
        assertEquals(secret, secretOn(first.get("/ops/enrol")), "a reload shows the same key");
        String wrong = AuthenticatorApp.code(secret, CLOCK.instant()).equals("000000") ? "111111" : "000000";
        assertEquals(400, first.post("/ops/enrol", Map.of("code", wrong, "next", "/ops")).status());
        assertEquals(303, first.get("/ops").status(), "still not in");
        String code = AuthenticatorApp.code(secret, CLOCK.instant());
        assertEquals("/ops", first.post("/ops/enrol", Map.of("code", code, "next", "https://evil.example/")).location().orElseThrow(),
                "never sent to another site after the code");
        assertEquals(200, first.get("/ops").status());

        Browserless second = new Browserless(node.url());
        assertEquals(303, second.signIn(email, PASSWORD).status());
        Browserless.Page asked = second.get("/ops/audit");
        assertEquals("/ops/verify?next=%2Fops%2Faudit", asked.location().orElseThrow(), "a new session asks for a code");
        second.get("/ops/verify");
        assertEquals(401, second.post("/ops/verify", Map.of("code", code, "next", "/ops/audit")).status(), "the code used to enrol is spent");
        CLOCK.advance(Duration.ofSeconds(30));
        Browserless.Page passed = second.post("/ops/verify", Map.of("code", AuthenticatorApp.code(secret, CLOCK.instant()), "next", "/ops/audit"));
        assertEquals("/ops/audit", passed.location().orElseThrow());
        assertEquals(200, second.get("/ops/audit").status());
        assertEquals(303, second.get("/ops/enrol").status(), "an enrolled admin is not offered a new key");
        assertEquals(200, first.get("/ops").status(), "the first session stays in");
    }

    @Test
    void supportReadsButCannotChangeMarkupsAndTheRefusalIsAudited() {
        String email = newEmail("support");
        Browserless support = person(email);
        Http.Response granted = grant(email, "{\"role\":\"support\"}");
        assertEquals(200, granted.status(), granted.text());
        assertEquals("support", granted.json().get("role").asText());
        Browserless.Page page = support.get("/ops/markups");
        assertEquals(200, page.status(), "support needs no second factor");
        assertFalse(page.body().contains("Save markups"), "no form a role may not send");
        assertFalse(support.get("/ops").body().contains(">Pause "), "nor pause buttons");
        String before = http.get("/v1/operator/markups", OPERATOR).text();
        Browserless.Page refused = support.post("/ops/markups", Map.of("percent", "90", "margin", "0.01", "rules", ""));
        assertEquals(403, refused.status());
        assertTrue(refused.body().contains("Your role (support) cannot do this"), refused.body());
        assertEquals(before, http.get("/v1/operator/markups", OPERATOR).text(), "nothing changed");
        JsonNode entry = http.auditEntry(OPERATOR, "POST /ops/markups", 403);
        assertEquals("operator:" + email, entry.get("actor").asText(), entry.toString());
        assertTrue(entry.get("request").asText().contains("\"percent\":\"90\""), entry.toString());
        assertFalse(entry.get("request").asText().contains("csrf"), "the token is not kept");
        assertEquals(403, support.post("/ops/accounts/1/adjustments", Map.of("direction", "credit", "amount", "5", "reason", "r", "key", "k")).status());
    }

    @Test
    void rolesAreGivenOnlyWithTheTokenAndOnlyToAccounts() {
        String email = newEmail("someone");
        person(email);
        assertEquals(404, grant(newEmail("nobody"), "{\"role\":\"admin\"}").status());
        assertEquals(400, grant(email, "{\"role\":\"root\"}").status());
        assertEquals(400, grant(email, "{\"role\":1}").status());
        assertEquals(400, grant(email, "{\"role\":\"admin\",\"extra\":true}").status());
        assertEquals(400, grant(email, "not json").status());
        String customerKey = http.newSandboxAccount();
        assertEquals(401, http.send(http.request("/v1/operator/operators/" + email, customerKey).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"role\":\"admin\"}"))).status());
        assertFalse(http.get("/v1/operator/operators", OPERATOR).text().contains(email), "no refusal made an operator");
        assertEquals(200, grant(email, "{\"role\":\"support\"}").status());
        assertTrue(http.get("/v1/operator/operators", OPERATOR).text().contains(email));
        assertEquals(204, http.send(http.request("/v1/operator/operators/" + email, OPERATOR).DELETE()).status());
        assertEquals(404, http.send(http.request("/v1/operator/operators/" + email, OPERATOR).DELETE()).status());
    }

    @Test
    void badInputToAnyFormIsRefusedInWordsAndChangesNothing() {
        Browserless admin = admin();
        String markups = http.get("/v1/operator/markups", OPERATOR).text();
        admin.get("/ops/markups");
        for (Map<String, String> bad : List.of(Map.of("percent", "-5", "margin", "0.01", "rules", ""),
                Map.of("percent", "1001", "margin", "0.01", "rules", ""),
                Map.of("percent", "abc", "margin", "0.01", "rules", ""),
                Map.of("percent", "20", "margin", "lots", "rules", ""),
                Map.of("percent", "20", "margin", "0.01", "rules", "service=tg percent=ten"),
                Map.of("percent", "20", "margin", "0.01", "rules", "service=zz percent=10"),
                Map.of("percent", "20", "margin", "0.01", "rules", "colour=red percent=10"),
                Map.of("percent", "20", "margin", "0.01", "rules", "percent=10 percent=20"))) {
            Browserless.Page refused = admin.post("/ops/markups", bad);
            assertEquals(400, refused.status(), bad.toString());
            assertTrue(refused.body().contains("Markups not saved"), refused.body());
        }
        assertEquals(markups, http.get("/v1/operator/markups", OPERATOR).text());
        Browserless.Page preview = admin.get("/ops/markups?percent=5000&margin=0.01&rules=");
        assertEquals(400, preview.status(), "a preview of refused markups says so");
        assertEquals(400, admin.get("/ops/markups?percent=10&margin=0.01&rules=&service=zz").status(), "a preview of no service says so");
        assertEquals(200, admin.get("/ops/markups?percent=10&margin=0.01&rules=&service=tg").status());

        String key = http.newSandboxAccount();
        long account = http.accountId(key);
        String balance = http.get("/v1/balance", key).text();
        admin.get("/ops/accounts/" + account);
        for (Map<String, String> bad : List.of(Map.of("direction", "credit", "amount", "-5", "reason", "r", "key", "a"),
                Map.of("direction", "credit", "amount", "0", "reason", "r", "key", "b"),
                Map.of("direction", "credit", "amount", "99999999999999", "reason", "r", "key", "c"),
                Map.of("direction", "credit", "amount", "5", "reason", " ", "key", "d"),
                Map.of("direction", "sideways", "amount", "5", "reason", "r", "key", "e"),
                Map.of("direction", "credit", "amount", "5", "reason", "r"))) {
            assertEquals(400, admin.post("/ops/accounts/" + account + "/adjustments", bad).status(), bad.toString());
        }
        assertEquals(409, admin.post("/ops/accounts/" + account + "/adjustments",
                Map.of("direction", "debit", "amount", "1000", "reason", "too much", "key", "f")).status(), "more than the balance");
        assertEquals(balance, http.get("/v1/balance", key).text(), "nothing moved");
        assertEquals(303, admin.post("/ops/accounts/" + account + "/adjustments",
                Map.of("direction", "credit", "amount", "1", "reason", "once", "key", "g")).status(), "a credit is made (303 to the account)");
        admin.get("/ops/accounts/" + account);
        admin.post("/ops/accounts/" + account + "/adjustments", Map.of("direction", "credit", "amount", "1", "reason", "once", "key", "g"));
        assertEquals("101.00", http.get("/v1/balance", key).json().get("available").asText(), "a form sent twice credits once");

        assertEquals(404, admin.post("/ops/accounts/999999999/adjustments", Map.of("direction", "credit", "amount", "5", "reason", "r", "key", "h")).status());
        assertEquals(404, admin.post("/ops/accounts/x/adjustments", Map.of("direction", "credit", "amount", "5", "reason", "r", "key", "i")).status());
        assertEquals(404, admin.post("/ops/providers/nobody/pause", Map.of("paused", "true", "reason", "r")).status());
        assertEquals(400, admin.post("/ops/providers/simulator/pause", Map.of("paused", "true", "reason", " ")).status(), "a pause needs a reason");
        assertEquals(404, admin.get("/ops/accounts/999999999").status());
        assertEquals(404, admin.get("/ops/activations/abc").status());
        assertEquals(404, admin.get("/ops/activations/99999999").status());
        assertTrue(admin.get("/ops/activations?phone=not-a-number").body().contains("No activation on that number."));
        assertTrue(admin.get("/ops/accounts?q=%3Cscript%3E").body().contains("&lt;script&gt;"), "what was typed comes back escaped");
    }

    @Test
    void supportAddsACodeTemplateThatReadsTheNextSmsAndRemovesIt() {
        Browserless support = support();
        Browserless.Page list = support.get("/ops/templates?service=tg");
        assertEquals(200, list.status());
        assertTrue(list.body().contains("<td>shipped</td>"), "the shipped templates of the service are listed");
        support.get("/ops/templates");
        assertEquals(422, support.post("/ops/templates", Map.of("service", "zz", "sender", "", "template", "Code {code}")).status(), "an unknown service");
        support.get("/ops/templates");
        assertEquals(422, support.post("/ops/templates", Map.of("service", "tg", "sender", "", "template", "no code in it")).status(), "no {code}");
        String template = "Ihr Zugangsschluessel lautet {code} und gilt {n} Minuten{*}";
        support.get("/ops/templates");
        Browserless.Page added = support.post("/ops/templates", Map.of("service", "tg", "sender", "", "template", template));
        assertEquals("/ops/templates?service=tg&done=template-added", added.location().orElseThrow(), added.body());
        support.get("/ops/templates");
        assertEquals(409, support.post("/ops/templates", Map.of("service", "tg", "sender", "", "template", template)).status(), "once per service and sender");
        http.auditEntry(OPERATOR, "POST /ops/templates", 303);

        // The general rules know no such wording (no keyword, too long a text for a bare code); the template reads it.
        String key = http.newSandboxAccount();
        Http.Response bought = http.order(key, UUID.randomUUID().toString(), "{\"service\":\"tg\",\"country\":0}");
        int id = bought.json().get("id").asInt();
        String sms = "Ihr Zugangsschluessel lautet 730412 und gilt 5 Minuten";
        assertEquals(200, http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"" + sms + ", bitte geben Sie ihn nicht weiter\"}").status());
        assertEquals("730412", http.get("/v1/activations/" + id, key).json().at("/codes/0/code").asText());
        String shown = support.get("/ops/templates?service=tg").body();
        Matcher row = Pattern.compile("<tr id=\"template-([0-9]+)\"><td>tg</td><td>any</td><td class=\"sms\">" + Pattern.quote(template)
                + "</td><td>operator</td>").matcher(shown);
        assertTrue(row.find(), "the operator's template: " + shown);

        assertTrue(shown.contains("action=\"/ops/templates/" + row.group(1) + "/remove\"") && Pattern.compile("/remove\" class=\"inline\">[^<]*<input[^>]*>"
                + "<input type=\"hidden\" name=\"service\" value=\"tg\">").matcher(shown).find(), "a removal keeps the list's service: " + shown);
        assertEquals("/ops/templates?service=tg&done=template-removed",
                support.post("/ops/templates/" + row.group(1) + "/remove", Map.of("service", "tg")).location().orElseThrow(), "back to the same list");
        assertFalse(support.get("/ops/templates?service=tg").body().contains(template), "gone");
        support.get("/ops/templates");
        assertEquals(404, support.post("/ops/templates/" + row.group(1) + "/remove", Map.of()).status(), "removed once");
    }

    @Test
    void supportDeliversACodeFromTheReviewQueueAndTheMoneyPageCountsIt() {
        String key = http.newSandboxAccount();
        Http.Response bought = http.order(key, UUID.randomUUID().toString(), "{\"service\":\"tg\",\"country\":0}");
        assertEquals(201, bought.status(), bought.text());
        int id = bought.json().get("id").asInt();
        String odd = "Your sign-in word is k7xq9p, enjoy the sunshine today in our lovely app";
        Http.Response injected = http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"" + odd + "\"}");
        assertEquals(200, injected.status(), injected.text());
        long sms = http.get("/v1/operator/sms-reviews", OPERATOR).json().at("/reviews/0/smsId").asLong();

        Browserless support = support();
        Http.Response endpoint = http.post("/v1/webhook-endpoints", key, "{\"url\":\"http://127.0.0.1:9/hooks\",\"eventTypes\":[\"activation.code_received\"]}");
        assertEquals(201, endpoint.status(), endpoint.text());
        Browserless.Page delivery = support.get("/ops/delivery");
        assertTrue(delivery.body().contains(odd), "the text waits for a person");
        assertEquals(422, support.post("/ops/delivery/sms/" + sms + "/code", Map.of("code", "123456")).status(), "a code that is not in the text");
        assertEquals("waiting_code", http.get("/v1/activations/" + id, key).json().get("status").asText());
        Browserless.Page marked = support.post("/ops/delivery/sms/" + sms + "/code", Map.of("code", "k7xq9p"));
        assertEquals("/ops/delivery?done=marked", marked.location().orElseThrow(), marked.body());
        JsonNode activation = http.get("/v1/activations/" + id, key).json();
        assertEquals("code_received", activation.get("status").asText());
        assertEquals("k7xq9p", activation.at("/codes/0/code").asText());
        assertEquals(409, support.post("/ops/delivery/sms/" + sms + "/dismiss", Map.of()).status(), "reviewed once");
        Matcher backlog = Pattern.compile("id=\"webhook-backlog\">([0-9]+) deliveries waiting").matcher(support.get("/ops/delivery").body());
        assertTrue(backlog.find() && Integer.parseInt(backlog.group(1)) >= 1, "the code's webhook waits (no worker runs here)");
        JsonNode entry = http.auditEntry(OPERATOR, "POST /ops/delivery/sms/{id}/code", 303);
        assertEquals(String.valueOf(sms), entry.at("/target/id").asText());
        http.auditEntry(OPERATOR, "POST /ops/delivery/sms/{id}/dismiss", 409);

        Browserless.Page money = support.get("/ops/money");
        assertEquals(200, money.status());
        assertTrue(money.body().contains("<svg") && money.body().contains("Revenue, provider cost and margin per day"), "a chart");
        assertTrue(money.body().contains(">simulator</th>"), "the provider's row");
        // Other tests' codes on this node count too: the revenue is at least this code's price.
        java.math.BigDecimal price = new java.math.BigDecimal(bought.json().get("price").asText());
        assertTrue(Pattern.compile("([0-9]+\\.[0-9]{2}) USD").matcher(money.body()).results()
                .anyMatch(m -> new java.math.BigDecimal(m.group(1)).compareTo(price) >= 0), "the code's price is revenue: " + price);
        assertTrue(support.get("/ops").body().contains("Orders and codes per minute"), "the live chart on the providers page");
        String provider = support.get("/ops/providers/simulator").body().replaceAll("\\s+", " ");
        assertTrue(provider.matches(".*<td>tg</td><td>Russia</td><td class=\"num\">[0-9]+</td><td class=\"num\">[0-9]+ %</td>.*"), provider);
        assertEquals(404, support.get("/ops/providers/nobody").status());
    }

    @Test
    void supportBlocksAnAbusiveAccountAndItsKeysSessionsAndSignInsStop() {
        String customerEmail = newEmail("abuser");
        Browserless customer = person(customerEmail);
        customer.get("/developers/keys");
        Browserless.Page created = customer.post("/developers/keys", Map.of("label", "bot"));
        Matcher secret = Pattern.compile("(np_[A-Za-z0-9_-]{20,})").matcher(created.body() + customer.get("/developers/keys").body());
        assertTrue(secret.find(), "the new key is shown once");
        String key = secret.group(1);
        assertEquals(200, http.get("/v1/balance", key).status());
        long account = http.accountId(key);
        Http.Response testKey = http.post("/v1/api-keys", key, "{\"label\":\"tests\",\"mode\":\"test\"}");
        assertEquals(201, testKey.status(), testKey.text());
        String test = testKey.json().get("key").asText();
        assertEquals(200, http.get("/v1/balance", test).status());

        String email = newEmail("support");
        Browserless support = person(email);
        assertEquals(200, grant(email, "{\"role\":\"support\"}").status());
        support.get("/ops/accounts/" + account);
        assertEquals(400, support.post("/ops/accounts/" + account + "/block", Map.of("blocked", "true", "reason", " ")).status(), "a block needs a reason");
        assertEquals(200, http.get("/v1/balance", key).status(), "not blocked by a refused form");
        Browserless.Page blocked = support.post("/ops/accounts/" + account + "/block", Map.of("blocked", "true", "reason", "card testing"));
        assertEquals("/ops/accounts/" + account + "?done=blocked", blocked.location().orElseThrow());
        assertTrue(support.get("/ops/accounts/" + account).body().contains("Blocked: card testing"));

        assertEquals(303, customer.get("/balance").status(), "the session ended at once");
        CLOCK.advance(Duration.ofSeconds(6)); // past the 5 s a node remembers a key
        assertEquals(401, http.get("/v1/balance", key).status(), "the key is refused");
        assertEquals(401, http.get("/v1/balance", test).status(), "and its test keys");
        Browserless again = new Browserless(node.url());
        Browserless.Page signIn = again.signIn(customerEmail, PASSWORD);
        assertEquals(403, signIn.status());
        assertTrue(signIn.body().contains("This account is blocked."), "said to whoever knows the password");
        assertEquals(401, new Browserless(node.url()).signIn(customerEmail, "a wrong password!").status(), "and to nobody else");
        JsonNode entry = http.auditEntry(OPERATOR, "POST /ops/accounts/{id}/block", 303);
        assertEquals("operator:" + email, entry.get("actor").asText());
        assertEquals(false, entry.at("/before/blocked").asBoolean());
        assertEquals("card testing", entry.at("/after/reason").asText());

        support.get("/ops/accounts/" + account);
        assertEquals(303, support.post("/ops/accounts/" + account + "/block", Map.of("blocked", "false")).status());
        CLOCK.advance(Duration.ofSeconds(6));
        assertEquals(200, http.get("/v1/balance", test).status(), "unblocked: its test keys too");

        // An operator's account is not blocked from the console (no one could undo it there).
        String adminEmail = newEmail("admin");
        person(adminEmail);
        assertEquals(200, grant(adminEmail, "{\"role\":\"admin\"}").status());
        Matcher found = Pattern.compile("href=\"/ops/accounts/([0-9]+)\">[0-9]+</a></td><td>" + Pattern.quote(adminEmail))
                .matcher(support.get("/ops/accounts?q=" + adminEmail).body());
        assertTrue(found.find(), "found by email");
        long adminAccount = Long.parseLong(found.group(1));
        support.get("/ops/accounts/" + adminAccount);
        assertEquals(409, support.post("/ops/accounts/" + adminAccount + "/block", Map.of("blocked", "true", "reason", "hostile takeover")).status());
        assertEquals(200, http.get("/v1/balance", key).status(), "unblocked: the key works again");
        assertEquals(303, new Browserless(node.url()).signIn(customerEmail, PASSWORD).status());
    }

    @Test
    void anAdminImportsPoolNumbersAndSeesTheLeasesThatEndSoon() {
        Browserless admin = admin();
        String soon = CLOCK.instant().plus(Duration.ofDays(3)).toString();
        String later = CLOCK.instant().plus(Duration.ofDays(90)).toString();
        String before = http.get("/v1/operator/pool", OPERATOR).text();
        admin.get("/ops/pool");
        Browserless.Page malformed = admin.post("/ops/pool", Map.of("csv", "phone,rented_from\n+447400123001,twilio\n"));
        assertEquals(400, malformed.status());
        assertTrue(malformed.body().contains("The CSV header must be"), malformed.body());
        Browserless.Page refused = admin.post("/ops/pool", Map.of("csv", "phone,rented_from,lease_ends_at\n+447400123001,twilio," + soon
                + "\nnot-a-phone,twilio," + later + "\n"));
        assertEquals(400, refused.status());
        assertTrue(refused.body().contains("Nothing was imported"), refused.body());
        assertEquals(before, http.get("/v1/operator/pool", OPERATOR).text(), "all or nothing");
        Browserless.Page imported = admin.post("/ops/pool", Map.of("csv", "phone,rented_from,lease_ends_at\n+447400123001,twilio," + soon
                + "\n+447400123002,twilio," + later + "\n"));
        assertEquals(303, imported.status(), imported.body());
        String page = admin.get("/ops/pool").body();
        assertTrue(page.contains("+447400123001") && page.contains("+447400123002"), page);
        assertTrue(page.replaceAll("\\s+", " ").contains("1 with a lease ending within 7 days"), "the lease ending in 3 days is marked");
        assertTrue(page.contains(" (soon)</strong>"));
        JsonNode entry = http.auditEntry(OPERATOR, "POST /ops/pool", 303);
        assertTrue(entry.get("request").asText().contains("+447400123002"), "what was imported is in the log");

        Browserless support = support();
        assertFalse(support.get("/ops/pool").body().contains("Import numbers"), "support sees the pool, not the form");
        assertEquals(403, support.post("/ops/pool", Map.of("csv", "phone,rented_from,lease_ends_at\n+447400123003,twilio," + later)).status());
    }

    @Test
    void codesAreFewPerOperatorWrongOnesAreAuditedAndARoleGivenAgainAsksAgain() {
        String email = newEmail("admin");
        Browserless first = person(email);
        assertEquals(200, grant(email, "{\"role\":\"admin\"}").status());
        String secret = secretOn(first.get("/ops/enrol"));
        Browserless.Page restarted = first.post("/ops/enrol/new", Map.of());
        assertEquals("/ops/enrol", restarted.location().orElseThrow());
        String fresh = secretOn(first.get("/ops/enrol"));
        assertFalse(fresh.equals(secret), "a new key, by a form (a GET never replaces it)");
        assertEquals(303, first.post("/ops/enrol", Map.of("code", AuthenticatorApp.code(fresh, CLOCK.instant()), "next", "/ops")).status());
        http.auditEntry(OPERATOR, "POST /ops/enrol", 303);

        Browserless second = new Browserless(node.url());
        assertEquals(303, second.signIn(email, PASSWORD).status());
        second.get("/ops/verify");
        String right = AuthenticatorApp.code(fresh, CLOCK.instant().plusSeconds(30));
        String wrong = right.equals("000000") ? "111111" : "000000";
        for (int i = 0; i < 3; i++) { // the enrolment's code was the first of the five
            assertEquals(401, second.post("/ops/verify", Map.of("code", wrong, "next", "/ops")).status());
        }
        http.auditEntry(OPERATOR, "POST /ops/verify", 401);
        CLOCK.advance(Duration.ofSeconds(30));
        assertEquals(303, second.post("/ops/verify", Map.of("code", right, "next", "/ops")).status(), "the fifth code of the window is heard");
        Browserless third = new Browserless(node.url());
        assertEquals(303, third.signIn(email, PASSWORD).status());
        third.get("/ops/verify");
        CLOCK.advance(Duration.ofSeconds(30));
        Browserless.Page limited = third.post("/ops/verify", Map.of("code", AuthenticatorApp.code(fresh, CLOCK.instant()), "next", "/ops"));
        assertEquals(429, limited.status(), "past five codes in the window, even a right one waits");

        assertEquals(204, http.send(http.request("/v1/operator/operators/" + email, OPERATOR).DELETE()).status());
        assertEquals(404, second.get("/ops").status(), "no role, no console");
        assertEquals(200, grant(email, "{\"role\":\"admin\"}").status());
        assertEquals("/ops/enrol?next=%2Fops", second.get("/ops").location().orElseThrow(),
                "a role given again starts from nothing: a new factor, even in a session that had passed the old one");
    }

    @Test
    void anAdminRenamesAServiceAndTakesACountryOffSaleEverywhere() {
        Browserless admin = admin();
        String key = http.newSandboxAccount();
        assertEquals(1, http.get("/v1/catalog?service=wa&country=16", null).json().get("offers").size());
        admin.get("/ops/catalogue");
        assertEquals(400, admin.post("/ops/catalogue/services/wa", Map.of("name", " ", "enabled", "on")).status(), "a name is needed");
        assertEquals(404, admin.post("/ops/catalogue/services/zz", Map.of("name", "Nothing", "enabled", "on")).status());
        assertEquals(404, admin.post("/ops/catalogue/countries/x", Map.of("name", "Nowhere", "enabled", "on")).status());
        assertEquals(303, admin.post("/ops/catalogue/services/wa", Map.of("name", "WhatsApp Messenger", "enabled", "on")).status());
        assertTrue(http.get("/v1/services", null).text().contains("\"name\":\"WhatsApp Messenger\""), "renamed on the API");
        try {
            assertEquals(303, admin.post("/ops/catalogue/countries/16", Map.of("name", "United Kingdom")).status(), "unchecked: off sale");
            assertEquals(400, http.get("/v1/catalog?service=wa&country=16", null).status(), "not listed: an unknown country");
            assertFalse(http.get("/v1/countries", null).text().contains("\"id\":16,"), "nor in the country list");
            Http.Response refused = http.order(key, UUID.randomUUID().toString(), "{\"service\":\"wa\",\"country\":16}");
            assertEquals(400, refused.status(), refused.text());
            assertTrue(admin.get("/ops/catalogue").body().contains("United Kingdom"), "the console still lists it, to put it back");
            JsonNode entry = http.auditEntry(OPERATOR, "POST /ops/catalogue/countries/{id}", 303);
            assertTrue(entry.at("/before/enabled").asBoolean() && !entry.at("/after/enabled").asBoolean(), entry.toString());
        } finally {
            admin.get("/ops/catalogue");
            assertEquals(303, admin.post("/ops/catalogue/countries/16", Map.of("name", "United Kingdom", "enabled", "on")).status());
            admin.post("/ops/catalogue/services/wa", Map.of("name", "WhatsApp", "enabled", "on"));
        }
        assertEquals(201, http.order(key, UUID.randomUUID().toString(), "{\"service\":\"wa\",\"country\":16}").status(), "back on sale");

        Browserless support = support();
        assertFalse(support.get("/ops/catalogue").body().contains(">Save</button>"), "support reads the catalogue");
        assertEquals(403, support.post("/ops/catalogue/services/wa", Map.of("name", "Hacked", "enabled", "on")).status());
    }

    private static String secretOn(Browserless.Page page) {
        Matcher m = SECRET.matcher(page.body());
        assertTrue(m.find(), page.body());
        return m.group(1);
    }
}
