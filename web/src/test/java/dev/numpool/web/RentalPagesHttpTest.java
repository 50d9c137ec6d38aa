package dev.numpool.web;

import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The website's rent pages over plain HTTP (no script), on a sandbox node whose simulator rents
 * numbers: where to rent, the length and its total, renting (once per form), the customer's
 * rentals, a rental's page with an SMS that arrives live on its event stream, extending,
 * returning early; and every refusal (a bad length, too little money, another customer's
 * rental) says why and charges nothing.
 */
class RentalPagesHttpTest {
    private static final String PASSWORD = "correct horse battery";
    private static final Pattern AVAILABLE = Pattern.compile("id=\"available\" class=\"price\">USD\u00a0([0-9,]+\\.[0-9]{2,6})<");
    private static Numpool node;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("api.rate-limits.sign-ins-per-ip", "1000");
        // Long enough a rental (a year of hours) that one costs more than the sandbox's 100.00 USD.
        config.put("rentals.max-periods", "10000");
        node = TestNodes.start(config, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static Browserless signedIn() {
        Browserless b = new Browserless(node.url());
        assertEquals(303, b.signUp("renter-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com", PASSWORD).status());
        return b;
    }

    /** What the balance page shows as available, in micros. */
    private static long available(Browserless b) {
        Matcher m = AVAILABLE.matcher(b.get("/balance").body());
        assertTrue(m.find(), "the balance page shows what is available");
        return new java.math.BigDecimal(m.group(1).replace(",", "")).movePointRight(6).longValueExact();
    }

    /** The rent form's hidden fields for an offer (the page is opened first, as a person would). */
    private static Map<String, String> rentForm(Browserless b, String service, int country) {
        Browserless.Page form = b.get("/rent/new?service=" + service + "&country=" + country);
        assertEquals(200, form.status(), form.body());
        return form.fields("service", "country", "price", "key");
    }

    private static Map<String, String> with(Map<String, String> form, String... more) {
        Map<String, String> all = new HashMap<>(form);
        for (int i = 0; i < more.length; i += 2) {
            all.put(more[i], more[i + 1]);
        }
        return all;
    }

    private static String rent(Browserless b, Map<String, String> form, String count, String unit) {
        Browserless.Page rented = b.post("/rent", with(form, "count", count, "unit", unit));
        assertEquals(303, rented.status(), rented.body());
        String location = rented.location().orElseThrow();
        assertTrue(location.matches("/rentals/[0-9]+\\?done=rented"), location);
        return location.replace("?done=rented", "");
    }

    @Test
    void whereToRentIsInTheNavigationAndOnARentableServicesPage() {
        Browserless anonymous = new Browserless(node.url());
        assertTrue(anonymous.get("/").body().contains("<a href=\"/rent\">Rent a number</a>"), "in the navigation");
        assertTrue(anonymous.get("/services/tg").body().contains("<a href=\"/rent?service=tg\">Need the number longer? Rent a number for Telegram"),
                "the service's page leads to its rentals");
        String rent = anonymous.get("/rent?service=tg").body();
        assertTrue(rent.contains("<caption>Numbers to rent for Telegram</caption>"), rent);
        assertTrue(rent.contains("href=\"/rent/new?service=tg&amp;country=0\" aria-label=\"Rent a number for Telegram in Russia\">Rent</a>"), rent);
        assertTrue(Pattern.compile("<td data-label=\"Price per period\" class=\"num\">USD\u00a0[0-9]+\\.[0-9]{2}</td><td data-label=\"Rent for\">1 hour to "
                + "416 days, 16 hours</td><td data-label=\"In stock\" class=\"num\">[0-9]+</td>").matcher(rent).find(), "price per period, lengths and stock");
        assertTrue(anonymous.get("/rent").body().contains("<caption>Numbers to rent for Any service</caption>"), "any service by default");
        assertEquals(404, anonymous.get("/rent?service=zz").status());
        assertEquals("/sign-in?next=%2Frent%2Fnew%3Fservice%3Dtg%26country%3D0", anonymous.get("/rent/new?service=tg&country=0").location().orElseThrow(),
                "renting needs an account");
        Browserless customer = signedIn();
        assertTrue(customer.get("/").body().contains("<a href=\"/rentals\">Rentals</a>"), "a customer's rentals are in the navigation");
        assertFalse(customer.get("/").body().contains("rent.js"), "only the rent pages carry their script");
        Matcher script = Pattern.compile("src=\"(/assets/rent\\.js\\?v=[0-9a-f]{12})\" defer").matcher(customer.get("/rent/new?service=tg&country=0").body());
        assertTrue(script.find(), "the rent form loads its script");
        Browserless.Page js = customer.get(script.group(1));
        assertEquals(200, js.status());
        assertTrue(js.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript") && js.body().contains("rent-total"));
        assertEquals("public, max-age=31536000, immutable", js.headers().firstValue("Cache-Control").orElse(""));
    }

    @Test
    void aCustomerRentsSeesAnSmsArriveLiveExtendsAndReturnsTheNumber() throws Exception {
        Browserless b = signedIn();
        long before = available(b);
        Map<String, String> form = rentForm(b, "tg", 0);
        long price = Long.parseLong(form.get("price"));
        String page = b.post("/rent", with(form, "count", "2", "unit", "days", "preview", "1")).body();
        assertTrue(page.contains("<strong id=\"rent-total\" class=\"price\" aria-live=\"polite\">" + Texts.of(Texts.Language.EN).money(48 * price, "USD") + "</strong>"), "the total of 48 hours before renting");
        assertEquals(before, available(b), "a preview holds nothing");

        String rental = rent(b, form, "3", "hours");
        assertEquals(rental, b.post("/rent", with(form, "count", "3", "unit", "hours")).location().orElseThrow(),
                "the same form twice rents once");
        assertEquals(before - 3 * price, available(b), "three periods held");
        String list = b.get("/rentals").body();
        assertTrue(list.contains("<table class=\"offers\" id=\"rentals-active\">") && list.contains("<a href=\"" + rental + "\">#"), list);

        String shown = b.get(rental).body();
        assertTrue(shown.contains("<button type=\"button\" id=\"copy\" data-copy=\"+7"), "the number with a copy button");
        assertTrue(shown.contains("<dd id=\"status\">Active</dd>"), shown);
        assertTrue(shown.contains("No SMS yet. They appear here by themselves as they arrive."));
        assertTrue(shown.contains("<form method=\"post\" action=\"" + rental + "/cancel\">"), "refundable in its first minutes");

        // The page's live stream, as its script opens it: the state now, then the SMS as it arrives.
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<Stream<String>> stream = client.send(HttpRequest.newBuilder(URI.create(node.url() + rental + "/events"))
                .header("Cookie", b.cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; ")))
                .GET().build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, stream.statusCode());
        Iterator<String> lines = stream.body().iterator();
        assertTrue(nextState(lines).contains("\"messages\":[]"), "no SMS yet");
        b.get(rental);
        assertEquals(rental + "?done=sms", b.post(rental + "/sandbox-sms", Map.of("text", "Your Telegram code is 48213")).location().orElseThrow());
        String live = nextState(lines);
        assertTrue(live.contains("\"code\":\"48213\"") && live.contains("\"text\":\"Your Telegram code is 48213\"") && live.contains("From Sandbox at"), live);
        stream.body().close();
        shown = b.get(rental).body();
        assertTrue(shown.contains("<li><p class=\"code\">48213</p><p class=\"sms\">Your Telegram code is 48213</p><p class=\"hint\">From Sandbox at"), shown);
        assertFalse(shown.contains(rental + "/cancel"), "an SMS came: no refund");
        assertEquals(rental + "?error=sms-received", b.post(rental + "/cancel", Map.of()).location().orElseThrow());

        b.get(rental);
        assertEquals(rental + "?done=extended", b.post(rental + "/extend", Map.of("count", "1", "unit", "days", "key", UUID.randomUUID().toString()))
                .location().orElseThrow());
        assertEquals(before - 27 * price, available(b), "a day more held");
        assertTrue(b.get(rental).body().contains(" for 1 day, 3 hours ("), "paid for 27 hours");

        b.get(rental);
        assertEquals(rental + "?done=finished", b.post(rental + "/finish", Map.of()).location().orElseThrow());
        assertEquals(before - price, available(b), "the current hour paid, the 26 not begun given back");
        String ended = b.get(rental).body();
        assertTrue(ended.contains("<dd id=\"status\">Returned early</dd>") && ended.contains("data-live=\"false\""), ended);
        assertFalse(ended.contains("<form method=\"post\" action=\"" + rental), "read-only once it ended");
        assertTrue(ended.contains("<p class=\"code\">48213</p>"), "its SMS are still there");
        String after = b.get("/rentals").body();
        assertTrue(after.contains("No active rentals.") && after.contains("<table class=\"offers\" id=\"rentals-ended\">"), after);
    }

    /** The data of the next {@code state} event, waited for at most ten seconds. */
    private static String nextState(Iterator<String> lines) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            boolean state = false;
            while (lines.hasNext()) {
                String line = lines.next();
                if (line.equals("event:state") || line.equals("event: state")) {
                    state = true;
                } else if (state && line.startsWith("data:")) {
                    return line.substring(5).strip();
                }
            }
            throw new AssertionError("the stream ended");
        }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void badLengthsAndTooLittleMoneySayWhyAndChargeNothing() {
        Browserless b = signedIn();
        long before = available(b);
        Map<String, String> form = rentForm(b, "any", 0);
        for (String[] bad : new String[][] {{"0", "hours"}, {"-1", "hours"}, {"two", "days"}, {"1", "months"}, {"", "hours"}, {"999999", "hours"}}) {
            Browserless.Page refused = b.post("/rent", with(form, "count", bad[0], "unit", bad[1]));
            assertEquals(400, refused.status(), String.join(" ", bad));
            assertTrue(refused.body().contains("Choose a length from 1 hour to ") && refused.body().contains("Nothing was charged."), refused.body());
        }
        Browserless.Page poor = b.post("/rent", with(form, "count", "52", "unit", "weeks"));
        assertEquals(402, poor.status());
        assertTrue(poor.body().matches("(?s).*This rental costs USD\u00a0[0-9,.]+ and your balance is USD\u00a0100\\.00\\. Nothing was charged.*"), poor.body());
        assertTrue(poor.body().contains("<a href=\"/balance\">Top up your balance</a>"));
        assertEquals(before, available(b), "nothing held");
        assertTrue(b.get("/rentals").body().contains("No active rentals."), "nothing rented");

        String rental = rent(b, form, "1", "hours");
        long rented = available(b);
        for (String[] bad : new String[][] {{"0", "days"}, {"x", "hours"}, {"999999", "weeks"}}) {
            b.get(rental);
            Browserless.Page refused = b.post(rental + "/extend", Map.of("count", bad[0], "unit", bad[1], "key", UUID.randomUUID().toString()));
            assertEquals(400, refused.status(), String.join(" ", bad));
            assertTrue(refused.body().contains("Nothing was charged."));
        }
        b.get(rental);
        Browserless.Page tooPoor = b.post(rental + "/extend", Map.of("count", "52", "unit", "weeks", "key", UUID.randomUUID().toString()));
        assertEquals(402, tooPoor.status());
        assertTrue(tooPoor.body().contains("Extending costs ") && tooPoor.body().contains("<a href=\"/balance\">Top up your balance</a>"));
        assertEquals(rented, available(b), "no extension held");
    }

    @Test
    void anotherCustomersRentalOrAnUnknownOneIsNotFoundAndCannotBeChanged() {
        Browserless owner = signedIn();
        String rental = rent(owner, rentForm(owner, "wa", 0), "1", "hours");
        long held = available(owner);

        Browserless stranger = signedIn();
        for (String path : new String[] {rental, rental + "/events", "/rentals/999999999", "/rentals/abc", "/rentals/99999999999"}) {
            Browserless.Page page = stranger.get(path);
            assertEquals(404, page.status(), path);
        }
        assertTrue(stranger.get(rental).body().contains("We found no rental"), "in words");
        stranger.get("/rentals");
        for (String action : new String[] {"/finish", "/cancel", "/extend"}) {
            assertEquals(404, stranger.post(rental + action, Map.of("count", "1", "unit", "hours", "key", UUID.randomUUID().toString())).status(), action);
        }
        assertEquals(held, available(owner), "the owner's rental is untouched");
        assertTrue(owner.get(rental).body().contains("<dd id=\"status\">Active</dd>"));
        assertFalse(stranger.get("/rentals").body().contains(rental), "not in the stranger's list");
        owner.get(rental);
        assertEquals(403, owner.post(rental + "/finish", Map.of("csrf", "forged")).status(), "a forged form is refused");
        assertTrue(owner.get(rental).body().contains("<dd id=\"status\">Active</dd>"));
    }
}
