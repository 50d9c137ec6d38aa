package dev.numpool.web;

import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The website's security and access rules, over plain HTTP (no browser needed to check them). */
class WebsiteHttpTest {
    private static final String PASSWORD = "correct horse battery";
    private static String databaseUrl;
    private static Numpool node;

    @BeforeAll
    static void start() {
        databaseUrl = TestServers.freshDatabaseUrl();
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        // Sign-up counts as an attempt too: sign up, sign in, two wrong passwords, then the limit.
        config.put("api.rate-limits.sign-ins-per-email", "4");
        config.put("api.rate-limits.sign-ins-per-ip", "1000");
        config.put("website.contact-email", "help@shop.example");
        node = TestNodes.start(config, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String newEmail() {
        return "person-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    private static Browserless signedIn() {
        Browserless b = new Browserless(node.url());
        assertEquals(303, b.signUp(newEmail(), PASSWORD).status());
        return b;
    }

    private static String available(Browserless b) {
        Matcher m = Pattern.compile("id=\"available\" class=\"price\">([^<]+)<").matcher(b.get("/balance").body());
        assertTrue(m.find(), "the balance page shows what is available");
        return m.group(1);
    }

    @Test
    void anonymousVisitorsSeeTheCatalogueAndAreSentToSignInForTheirOwnPages() {
        Browserless b = new Browserless(node.url());
        Browserless.Page catalogue = b.get("/services/tg?q=russia");
        assertEquals(200, catalogue.status());
        assertTrue(catalogue.body().contains("Telegram") && catalogue.body().contains("Russia"), "the offer is listed");
        assertTrue(catalogue.body().contains("href=\"/buy?service=tg&amp;country=0\""));
        String all = b.get("/offers?page=1").body() + b.get("/offers?page=2").body() + b.get("/offers?page=3").body() + b.get("/").body();
        assertTrue(all.matches("(?s).*USD\u00a0[0-9]+\\.[0-9]{2}<.*"), "prices are shown");
        assertFalse(Pattern.compile("USD\u00a0[0-9]+\\.[0-9]{3,}").matcher(all).find(), "no price with a third decimal: USD is written with two");
        assertEquals("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
                + "object-src 'none'; base-uri 'none'; form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'", catalogue.headers().firstValue("Content-Security-Policy").orElse(""));
        assertEquals("nosniff", catalogue.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertEquals("DENY", catalogue.headers().firstValue("X-Frame-Options").orElse(""));
        assertEquals("same-origin", catalogue.headers().firstValue("Referrer-Policy").orElse(""));
        for (String page : List.of("/balance", "/activations", "/activations/1", "/developers/keys", "/developers/webhooks", "/buy?service=tg&country=0")) {
            Browserless.Page p = b.get(page);
            assertEquals(303, p.status(), page);
            assertTrue(p.location().orElse("").startsWith("/sign-in?next=%2F"), page + " → " + p.location());
        }
        assertEquals(401, b.get("/activations/1/events").status());
        assertEquals(200, b.get("/developers/docs").status(), "the API docs are public");
        Browserless.Page missing = b.get("/no/such/page");
        assertEquals(404, missing.status());
        assertTrue(missing.body().contains("There is no page at this address."));
        assertTrue(new Browserless(node.url()).get("/favicon.ico").headers().allValues("Set-Cookie").isEmpty(),
                "a missing page sets no cookie (a favicon fetched while a form loads must not outdate the form's token)");
        assertEquals(200, b.get("/observe/health").status(), "other routes are untouched");
        assertEquals(200, b.get("/openapi.yaml").status());
        assertEquals("application/problem+json", b.get("/v1/nothing-here").headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void theShopsOwnPagesAreLinkedFromEveryPageAndSayWhatThisNodeDoes() {
        Browserless b = new Browserless(node.url());
        String home = b.get("/").body();
        Map<String, String> pages = Map.of("/how-it-works", "How it works", "/faq", "Questions and answers", "/terms", "Terms of use",
                "/privacy", "Privacy", "/refunds", "Refund policy", "/contact", "Contact");
        pages.forEach((path, title) -> {
            assertTrue(home.contains("<a href=\"" + path + "\">"), "the footer links " + path);
            Browserless.Page page = b.get(path);
            assertEquals(200, page.status(), path);
            assertTrue(page.body().contains("<h1>" + title + "</h1>"), path);
            assertTrue(page.body().length() < 100_000, path);
        });
        assertTrue(b.get("/how-it-works").body().contains("within 20 minutes"), "the window of this node's orders");
        assertTrue(b.get("/contact").body().contains("mailto:help@shop.example"), "the configured address");
    }

    @Test
    void signUpGivesAHostOnlySecureSessionCookieAndTheSandboxCredit() throws SQLException {
        Browserless b = new Browserless(node.url());
        String email = newEmail();
        Browserless.Page signedUp = b.signUp("  " + email.toUpperCase() + " ", PASSWORD);
        assertEquals(303, signedUp.status());
        String cookie = signedUp.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("__Host-numpool_session=")).findFirst().orElseThrow();
        assertTrue(cookie.matches("__Host-numpool_session=[A-Za-z0-9_-]{43}; Path=/; Max-Age=1209600; Secure; HttpOnly; SameSite=Lax"), cookie);
        assertEquals("USD\u00a0100.00", available(b));
        assertTrue(b.get("/balance").body().contains("Signed in as " + email), "the email is stored trimmed and lower-cased");
        try (Connection c = DriverManager.getConnection(databaseUrl); ResultSet r = c.createStatement().executeQuery(
                "select p.password_hash from account_password p join account a on a.id = p.account_id where a.email = '" + email + "'")) {
            assertTrue(r.next());
            assertTrue(r.getString(1).matches("\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}"), r.getString(1));
            assertFalse(r.getString(1).contains(PASSWORD));
        }
        Browserless again = new Browserless(node.url());
        Browserless.Page taken = again.signUp(email, PASSWORD);
        assertEquals(400, taken.status());
        assertTrue(taken.body().contains("This email already has an account. Sign in instead."));
        Browserless.Page shortPassword = again.signUp(newEmail(), "short");
        assertTrue(shortPassword.body().contains("Choose a password of at least 10 characters."));
    }

    @Test
    void aControlCharacterInAnyFieldIsRefusedInWordsAndChangesNothing() {
        Browserless b = new Browserless(node.url());
        String email = newEmail();
        Browserless.Page nul = b.signUp(email + "\u0000", PASSWORD);
        assertEquals(400, nul.status());
        assertTrue(nul.body().contains("invisible control character"), nul.body());
        assertEquals(400, b.signIn(email, PASSWORD + "\u0001").status());
        assertEquals(401, b.signIn(email, PASSWORD).status(), "no account was made");

        b.signUp(email, PASSWORD);
        b.get("/developers/keys"); // the form, with the signed-in session's token
        Browserless.Page label = b.post("/developers/keys", Map.of("label", "zqbot\u0000one"));
        assertEquals(400, label.status());
        assertFalse(b.get("/developers/keys").body().contains("zqbot"), "no key was made");
    }

    @Test
    void aFailedSignInSaysSoInPlainWordsWithoutTellingWhetherTheEmailExistsAndStartsNoSession() {
        Browserless owner = new Browserless(node.url());
        String email = newEmail();
        owner.signUp(email, PASSWORD);

        Browserless b = new Browserless(node.url());
        Browserless.Page wrongPassword = b.signIn(email, "not the password");
        Browserless.Page unknownEmail = b.signIn(newEmail(), "not the password");
        for (Browserless.Page p : List.of(wrongPassword, unknownEmail)) {
            assertEquals(401, p.status());
            assertTrue(p.body().contains("That email and password do not match an account. Check them and try again."));
            assertTrue(p.headers().allValues("Set-Cookie").stream().noneMatch(c -> c.startsWith("__Host-numpool_session=")), "no session");
        }
        assertFalse(b.cookies.containsKey("__Host-numpool_session"));
        assertEquals(303, b.get("/balance").status(), "still signed out");
    }

    @Test
    void signInIsLimitedPerEmailEvenWithTheRightPasswordAfterTooManyAttempts() {
        Browserless owner = new Browserless(node.url());
        String email = newEmail();
        owner.signUp(email, PASSWORD);
        assertEquals(303, new Browserless(node.url()).signIn(email, PASSWORD).status(), "1st attempt signs in");
        assertEquals(401, new Browserless(node.url()).signIn(email, "wrong password 1").status());
        assertEquals(401, new Browserless(node.url()).signIn(email, "wrong password 2").status());
        Browserless.Page limited = new Browserless(node.url()).signIn(email, PASSWORD);
        assertEquals(429, limited.status());
        assertTrue(limited.body().contains("Too many sign-in attempts. For your safety, wait"), limited.body());
        assertTrue(limited.headers().firstValue("Retry-After").isPresent());
        assertFalse(limited.headers().allValues("Set-Cookie").stream().anyMatch(c -> c.startsWith("__Host-numpool_session=")));
        assertEquals(303, new Browserless(node.url()).signIn(newEmailSignedUp(), PASSWORD).status(),
                "another email is not limited");
    }

    @Test
    void signInIsLimitedPerAddressAcrossEmails() {
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        config.put("api.rate-limits.sign-ins-per-ip", "3"); // a bucket of its own: the limits are part of its name
        try (Numpool strict = TestNodes.start(config, Clock.systemUTC())) {
            for (int i = 0; i < 3; i++) {
                assertEquals(401, new Browserless(strict.url()).signIn(newEmail(), "guessing " + i).status());
            }
            Browserless.Page limited = new Browserless(strict.url()).signIn(newEmail(), "guessing again");
            assertEquals(429, limited.status());
            assertTrue(limited.body().contains("Too many sign-in attempts."));
            assertEquals(429, new Browserless(strict.url()).signUp(newEmail(), PASSWORD).status(), "sign-ups from that address wait too");
        }
    }

    private static String newEmailSignedUp() {
        String email = newEmail();
        new Browserless(node.url()).signUp(email, PASSWORD);
        return email;
    }

    @Test
    void aFormPostedWithoutOrWithAWrongCsrfTokenIsRefusedAndChangesNothing() {
        Browserless b = signedIn();
        b.get("/balance");
        Browserless.Page without = b.post("/balance/sandbox-credit", Map.of("amount", "100"), false);
        assertEquals(403, without.status());
        assertTrue(without.body().contains("For your safety we could not accept this form"));
        // One character changed (a token may itself start with "x": 1 in 64 runs once accepted "x" + the rest).
        String token = b.csrf();
        Browserless.Page wrong = b.post("/balance/sandbox-credit", Map.of("amount", "100", "csrf", (token.startsWith("x") ? "y" : "x") + token.substring(1)));
        assertEquals(403, wrong.status());
        Browserless other = signedIn();
        other.get("/balance");
        assertEquals(403, b.post("/balance/sandbox-credit", Map.of("amount", "100", "csrf", other.csrf())).status(),
                "another session's token is refused");
        assertEquals(403, b.post("/developers/keys", Map.of("label", "sneaky"), false).status());
        assertEquals("USD\u00a0100.00", available(b), "nothing was credited");
        assertFalse(b.get("/developers/keys").body().contains("sneaky"), "no key was made");

        b.get("/balance");
        assertEquals(303, b.post("/balance/sandbox-credit", Map.of("amount", "50")).status());
        assertEquals("USD\u00a0150.00", available(b), "with its token the same form works");

        Browserless anonymous = new Browserless(node.url());
        assertEquals(403, anonymous.post("/sign-in", Map.of("email", "a@example.com", "password", PASSWORD), false).status(),
                "signing in needs the token too");
    }

    @Test
    void anotherAccountsActivationIsNotFoundInPlainWords() {
        Browserless owner = signedIn();
        String confirm = owner.get("/buy?service=tg&country=0").body();
        Matcher price = Pattern.compile("name=\"price\" value=\"([0-9]+)\"").matcher(confirm);
        Matcher key = Pattern.compile("name=\"key\" value=\"([0-9a-f-]{36})\"").matcher(confirm);
        assertTrue(price.find() && key.find(), "the confirm page carries the price and an order key");
        Map<String, String> order = Map.of("service", "tg", "country", "0", "price", price.group(1), "key", key.group(1));
        Browserless.Page bought = owner.post("/buy", order);
        assertEquals(303, bought.status(), bought.body());
        String activation = bought.location().orElseThrow();
        assertTrue(activation.matches("/activations/[0-9]+"), activation);
        owner.get("/buy?service=tg&country=0");
        assertEquals(activation, owner.post("/buy", order).location().orElseThrow(), "the same form twice buys once");
        Browserless.Page page = owner.get(activation);
        assertEquals(200, page.status());
        assertTrue(page.body().contains("We bought your number from Provider A, the one with the best price per delivered code."), page.body());
        String home = owner.get("/").body();
        assertTrue(home.contains("<h2 id=\"recent-title\">Buy again</h2><ul><li><a href=\"/buy?service=tg&amp;country=0\">Telegram in Russia</a></li></ul>"),
                "the buyer's recent choice, once: " + home);
        assertFalse(new Browserless(node.url()).get("/").body().contains("Buy again"), "not for a visitor who bought nothing");
        assertFalse(page.body().contains("simulator"), "the provider's real name is the operator's business");

        Browserless stranger = signedIn();
        Browserless.Page foreign = stranger.get(activation);
        assertEquals(404, foreign.status());
        assertTrue(foreign.body().contains("We found no activation"), foreign.body());
        assertFalse(foreign.body().contains("+7"), "nothing of the activation is shown");
        assertEquals(404, stranger.get(activation + "/events").status());
        stranger.get("/balance");
        assertEquals(404, stranger.post(activation + "/cancel", Map.of()).status());
        assertEquals(404, stranger.get("/activations/999999999").status());
        assertEquals(404, stranger.get("/activations/not-a-number").status());
        assertEquals(200, owner.get(activation).status(), "still the owner's, untouched");
        assertTrue(owner.get(activation).body().contains("Waiting for the SMS"));
    }


    @Test
    void theNumberOfAFinishedActivationIsBoughtAgainFromItsPageOnceAtTheShownPrice() {
        Browserless owner = signedIn();
        Browserless.Page bought = owner.post("/buy", owner.get("/buy?service=tg&country=0").fields("service", "country", "price", "key"));
        String parent = bought.location().orElseThrow();
        String phone = Pattern.compile("data-e164=\"(\\+[0-9]+)\"").matcher(owner.get(parent).body()).results().findFirst().orElseThrow().group(1);
        assertFalse(owner.get(parent).body().contains(parent + "/again"), "no offer while it waits for its code");
        assertEquals(parent + "?done=sms", owner.post(parent + "/sandbox-sms", Map.of("text", "Your Telegram code is 48213")).location().orElseThrow());
        assertEquals(parent + "?done=finished", owner.post(parent + "/finish", Map.of()).location().orElseThrow());
        assertTrue(owner.get(parent).body().contains("<a href=\"" + parent + "/again\" id=\"again\">Buy this number again</a>"));

        Browserless.Page offer = owner.get(parent + "/again");
        assertEquals(200, offer.status(), offer.body());
        assertTrue(offer.body().contains("<h1>The same number again</h1>") && offer.body().contains("Buy again for USD"), offer.body());
        Map<String, String> form = offer.fields("price", "key");
        String before = available(owner);
        // Bad input changes nothing: a price that is no number, a cap under the price.
        assertEquals(404, owner.post(parent + "/again", Map.of("price", "-1", "key", form.get("key"))).status());
        owner.get(parent + "/again");
        Browserless.Page tooLow = owner.post(parent + "/again", Map.of("price", "1", "key", UUID.randomUUID().toString()));
        assertEquals(409, tooLow.status());
        assertTrue(tooLow.body().contains("The price has just changed to USD"), tooLow.body());
        assertEquals(before, available(owner), "nothing held for a refused purchase");

        owner.get(parent + "/again");
        Browserless.Page again = owner.post(parent + "/again", form);
        assertEquals(303, again.status(), again.body());
        String child = again.location().orElseThrow();
        assertTrue(child.matches("/activations/[0-9]+") && !child.equals(parent), child);
        owner.get(parent + "/again");
        assertEquals(child, owner.post(parent + "/again", form).location().orElseThrow(), "the same form twice buys once");
        String childPage = owner.get(child).body();
        assertTrue(childPage.contains("data-e164=\"" + phone + "\"") && childPage.contains("Waiting for the SMS"), "the same number, waiting for a new code");
        assertFalse(before.equals(available(owner)), "its price is held");
        assertTrue(owner.get("/activations").body().contains("href=\"" + child + "\""), "among the customer's activations");

        Browserless stranger = signedIn();
        String strangers = available(stranger);
        assertEquals(404, stranger.get(parent + "/again").status());
        assertEquals(404, stranger.post(parent + "/again", Map.of("price", form.get("price"), "key", UUID.randomUUID().toString())).status());
        assertEquals(strangers, available(stranger), "another customer's activation is not found, and buys nothing");
        assertFalse(stranger.get("/activations").body().contains("/activations/"), "the stranger has no activation");
    }

    @Test
    void signOutEndsTheSessionOnTheServerAndSignInIssuesANewSession() {
        Browserless b = new Browserless(node.url());
        String email = newEmail();
        b.signUp(email, PASSWORD);
        String first = b.cookies.get("__Host-numpool_session");
        b.get("/balance");
        assertEquals(303, b.post("/sign-out", Map.of()).status());
        assertFalse(b.cookies.containsKey("__Host-numpool_session"));

        Browserless replay = new Browserless(node.url());
        replay.cookies.put("__Host-numpool_session", first);
        assertEquals(303, replay.get("/balance").status(), "the old token no longer signs anyone in");

        b.cookies.put("__Host-numpool_session", first); // a planted (fixated) token
        b.signIn(email, PASSWORD);
        assertNotEquals(first, b.cookies.get("__Host-numpool_session"), "signing in issues a new session");
        assertEquals(200, b.get("/balance").status());
    }

    @Test
    void assetsAreServedByNumpoolWithTheirTypesAndLongCaching() {
        Browserless b = new Browserless(node.url());
        String page = b.get("/sign-in").body();
        Matcher css = Pattern.compile("href=\"(/assets/site\\.css\\?v=[0-9a-f]{12})\"").matcher(page);
        Matcher js = Pattern.compile("src=\"(/assets/site\\.js\\?v=[0-9a-f]{12})\"").matcher(page);
        assertTrue(css.find() && js.find());
        Browserless.Page style = b.get(css.group(1));
        assertEquals("text/css; charset=utf-8", style.headers().firstValue("Content-Type").orElse(""));
        assertEquals("public, max-age=31536000, immutable", style.headers().firstValue("Cache-Control").orElse(""));
        assertEquals("text/javascript; charset=utf-8", b.get(js.group(1)).headers().firstValue("Content-Type").orElse(""));
        assertEquals("no-cache", b.get("/assets/site.css?v=old").headers().firstValue("Cache-Control").orElse(""));
        assertFalse(page.contains("http://") || page.contains("https://"), "no external resource on the page");
    }

    @Test
    void whatPeopleTypeIsShownEscaped() {
        Browserless b = signedIn();
        b.get("/developers/keys");
        Browserless.Page created = b.post("/developers/keys", Map.of("label", "<script>alert(1)</script>\"'&"));
        assertEquals(201, created.status());
        assertFalse(created.body().contains("<script>alert(1)"), "no markup from a label");
        assertTrue(created.body().contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
        String search = b.get("/?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E").body();
        assertFalse(search.contains("<img src=x"));
        assertTrue(search.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }

    @Test
    void signInOnlyEverReturnsToAPageOfThisSite() {
        for (String next : List.of("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)")) {
            Browserless b = new Browserless(node.url());
            String email = newEmail();
            b.signUp(email, PASSWORD);
            b.get("/balance");
            b.post("/sign-out", Map.of());
            b.get("/sign-in");
            Browserless.Page p = b.post("/sign-in", Map.of("email", email, "password", PASSWORD, "next", next));
            assertEquals("/", p.location().orElseThrow(), next);
        }
        Browserless b = new Browserless(node.url());
        String email = newEmail();
        b.signUp(email, PASSWORD);
        b.get("/balance");
        b.post("/sign-out", Map.of());
        assertEquals("/sign-in?next=%2Fbuy%3Fservice%3Dtg%26country%3D0", b.get("/buy?service=tg&country=0").location().orElseThrow());
        b.get("/sign-in?next=%2Fbuy%3Fservice%3Dtg%26country%3D0");
        assertEquals("/buy?service=tg&country=0", b.post("/sign-in", Map.of("email", email, "password", PASSWORD, "next",
                "/buy?service=tg&country=0")).location().orElseThrow(), "back where the visitor was going");
    }

    @Test
    void everyOfferInOneTableSearchesByServiceOrCountryAndSortsByPriceOrStock() {
        Browserless b = new Browserless(node.url());
        Pattern row = Pattern.compile("<tr><td data-label=\"Service\">([^<]+)</td><td data-label=\"Country\">([^<]+)</td>"
                + "<td data-label=\"Price\" class=\"num\">USD\u00a0([0-9.]+)</td><td data-label=\"In stock\" class=\"num\">([0-9,]+)</td>");
        Matcher brazil = row.matcher(b.get("/offers?q=brazil&sort=price").body());
        java.math.BigDecimal previous = java.math.BigDecimal.ZERO;
        int rows = 0;
        while (brazil.find()) {
            assertEquals("Brazil", brazil.group(2));
            java.math.BigDecimal price = new java.math.BigDecimal(brazil.group(3));
            assertTrue(price.compareTo(previous) >= 0, "cheapest first");
            previous = price;
            rows++;
        }
        assertTrue(rows > 5, "every service in Brazil");
        Matcher stock = row.matcher(b.get("/offers?q=telegram&sort=stock").body());
        int last = Integer.MAX_VALUE;
        while (stock.find()) {
            assertEquals("Telegram", stock.group(1));
            int inStock = Integer.parseInt(stock.group(4).replace(",", ""));
            assertTrue(inStock <= last, "most in stock first");
            last = inStock;
        }
        assertTrue(b.get("/offers?q=telegram+russia").body().contains("href=\"/buy?service=tg&amp;country=0\""), "service and country together");
        assertTrue(b.get("/offers?q=nothing+sells+this").body().contains("No offer matches"));
    }

    @Test
    void everyOfferInOneTablePagesForwardAndBackKeepingTheSearchAndSort() {
        Browserless b = new Browserless(node.url());
        String first = b.get("/offers?sort=price").body();
        Matcher next = Pattern.compile("<a href=\"([^\"]+)\">Next →</a>").matcher(first);
        assertTrue(next.find(), "the whole catalogue takes more than one page");
        String href = next.group(1).replace("&amp;", "&");
        assertEquals("/offers?q=&sort=price&page=2", href);
        String second = b.get(href).body();
        assertTrue(second.contains("<span>Page 2 of"), "the link opens page 2");
        assertTrue(second.contains("← Previous"));
    }

    @Test
    void aDoubleClickedBuyShowsTheOneActivationItBought() throws Exception {
        Browserless owner = signedIn();
        String confirm = owner.get("/buy?service=wa&country=0").body();
        Matcher price = Pattern.compile("name=\"price\" value=\"([0-9]+)\"").matcher(confirm);
        Matcher key = Pattern.compile("name=\"key\" value=\"([0-9a-f-]{36})\"").matcher(confirm);
        assertTrue(price.find() && key.find());
        Map<String, String> order = Map.of("service", "wa", "country", "0", "price", price.group(1), "key", key.group(1), "csrf", owner.csrf());
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var clicks = java.util.List.of(pool.submit(() -> owner.post("/buy", order)), pool.submit(() -> owner.post("/buy", order)));
            java.util.Set<String> shown = new java.util.HashSet<>();
            for (var click : clicks) {
                Browserless.Page page = click.get();
                assertEquals(303, page.status(), page.body());
                shown.add(page.location().orElseThrow());
            }
            assertEquals(1, shown.size(), "both clicks lead to the same activation: " + shown);
        }
        String history = owner.get("/activations").body();
        assertEquals(1, history.split("data-label=\"Activation\"", -1).length - 1, "one activation bought");
    }

    @Test
    void aFormPostedAfterTheSessionEndedSendsToSignInNotAnError() {
        Browserless b = signedIn();
        String page = b.get("/balance").body();
        String token = b.cookies.get("__Host-numpool_session");
        assertTrue(page.contains("Sign out") && token != null);
        Browserless elsewhere = new Browserless(node.url());
        elsewhere.cookies.putAll(b.cookies);
        elsewhere.get("/balance");
        assertEquals(303, elsewhere.post("/sign-out", Map.of()).status());

        Browserless.Page late = b.post("/balance/sandbox-credit", Map.of("amount", "10"));
        assertEquals(303, late.status());
        assertEquals("/sign-in", late.location().orElseThrow());
        Browserless.Page signOut = b.post("/sign-out", Map.of());
        assertEquals(303, signOut.status());
        assertEquals("/", signOut.location().orElseThrow());
    }
}
