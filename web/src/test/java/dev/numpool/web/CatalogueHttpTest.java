package dev.numpool.web;

import dev.numpool.db.TestServers;
import dev.numpool.orders.Favourites;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The catalogue as buyers shop, over plain HTTP (no script): the service list and its search, a
 * service's countries with flag, price and stock, and favourites, whose every refused change
 * (an unknown offer, a missing CSRF token, one past the limit, another buyer's) changes nothing.
 */
class CatalogueHttpTest {
    private static final String PASSWORD = "correct horse battery";
    /** A price as English writes it: the ISO code, a no-break space, the currency's two decimals. */
    private static final Pattern PRICE = Pattern.compile("USD\u00a0([0-9]+\\.[0-9]{2})<");
    private static final Pattern COUNTRY_ROW = Pattern.compile("<tr data-search=\"[^\"]*\"><td data-label=\"Country\">(<span class=\"flag\" "
            + "aria-hidden=\"true\">[^<]+</span>) ([^<]+)</td><td data-label=\"Price\" class=\"num\">USD\u00a0([0-9.]+)</td>"
            + "<td data-label=\"In stock\" class=\"num\">([0-9,]+)</td>");
    private static String databaseUrl;
    private static Numpool node;

    @BeforeAll
    static void start() {
        databaseUrl = TestServers.freshDatabaseUrl();
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        config.put("api.rate-limits.sign-ins-per-ip", "1000");
        node = TestNodes.start(config, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String newEmail() {
        return "shopper-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    private static Browserless signedIn(String email) {
        Browserless b = new Browserless(node.url());
        assertEquals(303, b.signUp(email, PASSWORD).status());
        return b;
    }

    private static List<String> serviceLinks(String page) {
        List<String> codes = new ArrayList<>();
        Matcher m = Pattern.compile("<a href=\"/services/([a-z0-9]{2})\">").matcher(page);
        while (m.find()) {
            codes.add(m.group(1));
        }
        return codes;
    }

    /** The account's favourites as stored, whatever any page shows. */
    private static List<String> storedFavourites(String email) throws SQLException {
        try (Connection c = DriverManager.getConnection(databaseUrl); PreparedStatement ps = c.prepareStatement(
                "select f.service || ':' || f.country from favourite f join account a on a.id = f.account_id where a.email = ? order by 1")) {
            ps.setString(1, email);
            List<String> rows = new ArrayList<>();
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) {
                    rows.add(r.getString(1));
                }
            }
            return rows;
        }
    }

    @Test
    void theHomePageListsServicesPopularFirstEachWithItsMarkPriceAndStock() {
        String home = new Browserless(node.url()).get("/").body();
        List<String> services = serviceLinks(home);
        assertTrue(services.size() >= 30, "every service on sale: " + services);
        assertEquals(List.of("wa", "tg", "go"), services.subList(0, 3), "before any sale, the best-known services first");
        assertFalse(services.contains("x0"), "a service without numbers is not listed");
        String whatsapp = home.substring(home.indexOf("<a href=\"/services/wa\">"));
        whatsapp = whatsapp.substring(0, whatsapp.indexOf("</li>"));
        assertTrue(whatsapp.matches("<a href=\"/services/wa\"><span class=\"mark c[0-9]{1,2}\" aria-hidden=\"true\">WA</span><span class=\"what\">"
                + "<span class=\"name\">WhatsApp</span><span class=\"facts\">from USD\u00a0[0-9]+\\.[0-9]{2} · [0-9,]+ numbers · [0-9]+ countries</span></span></a>"),
                whatsapp);
        assertEquals(CataloguePages.mark(new dev.numpool.inventory.Service("wa", "WhatsApp", "whatsapp")),
                whatsapp.substring(whatsapp.indexOf("<span class=\"mark"), whatsapp.indexOf("</span>") + 7), "the same colour on every page and node");
        assertFalse(home.contains("http://") || home.contains("https://"), "no logo or anything else from elsewhere");
        assertFalse(Pattern.compile("USD\u00a0[0-9]+\\.[0-9]{3,}").matcher(home).find(), "USD is written with two decimals");
        assertTrue(home.contains("<a href=\"/offers\">Every offer in one table</a>"));
    }

    @Test
    void searchingWithoutAScriptListsTheMatchingServicesOnly() {
        Browserless b = new Browserless(node.url());
        String whats = b.get("/?q=whats").body();
        assertEquals(List.of("wa"), serviceLinks(whats), "WhatsApp, and not Telegram");
        assertTrue(whats.contains("value=\"whats\""), "the search is kept in its field");
        assertEquals(List.of("tg"), serviceLinks(b.get("/?q=TELEGRAM").body()), "any case");
        assertEquals(List.of("tg"), serviceLinks(b.get("/?q=tg").body()), "by code too");
        String nothing = b.get("/?q=no+such+service").body();
        assertEquals(List.of(), serviceLinks(nothing));
        assertTrue(nothing.contains("No service matches “no such service”.")
                && nothing.contains("<a href=\"/offers?q=no+such+service\">Search every offer by service and country</a>"), nothing);
    }

    @Test
    void aServicesPageListsItsCountriesWithFlagPriceStockAndBuy() {
        Browserless b = new Browserless(node.url());
        Browserless.Page page = b.get("/services/tg");
        assertEquals(200, page.status());
        String body = page.body();
        assertTrue(body.contains("<title>Telegram: numbers by country · Numpool</title>"), body);
        Matcher rows = COUNTRY_ROW.matcher(body);
        int count = 0;
        boolean russia = false;
        while (rows.find()) {
            count++;
            if (rows.group(2).equals("Russia")) {
                russia = true;
                assertEquals("<span class=\"flag\" aria-hidden=\"true\">\uD83C\uDDF7\uD83C\uDDFA</span>", rows.group(1), "RU's regional indicators");
                assertTrue(Integer.parseInt(rows.group(4).replace(",", "")) > 0, "in stock");
            }
        }
        assertTrue(count > 30 && russia, "every country with Telegram numbers: " + count);
        assertTrue(body.contains("<a class=\"button\" href=\"/buy?service=tg&amp;country=0\" aria-label=\"Buy Telegram in Russia\">Buy</a>"));
        assertFalse(body.contains("name=\"star\""), "no stars for a visitor who is not signed in");

        Matcher brazil = COUNTRY_ROW.matcher(b.get("/services/tg?q=brazil").body());
        assertTrue(brazil.find());
        assertEquals("Brazil", brazil.group(2));
        assertFalse(brazil.find(), "one country matches");
        assertTrue(COUNTRY_ROW.matcher(b.get("/services/tg?q=br").body()).find(), "by ISO code too");
        assertTrue(b.get("/services/tg?q=atlantis").body().contains("No country matches “atlantis”."));

        Matcher cheapest = COUNTRY_ROW.matcher(b.get("/services/tg?sort=price").body());
        BigDecimal previous = BigDecimal.ZERO;
        while (cheapest.find()) {
            BigDecimal price = new BigDecimal(cheapest.group(3));
            assertTrue(price.compareTo(previous) >= 0, "cheapest first");
            previous = price;
        }
        Matcher most = COUNTRY_ROW.matcher(b.get("/services/tg?sort=stock").body());
        int last = Integer.MAX_VALUE;
        while (most.find()) {
            int stock = Integer.parseInt(most.group(4).replace(",", ""));
            assertTrue(stock <= last, "most in stock first");
            last = stock;
        }
    }

    @Test
    void anUnknownServiceIsNotFoundInWords() {
        Browserless b = new Browserless(node.url());
        Browserless.Page zz = b.get("/services/zz");
        assertEquals(404, zz.status());
        assertTrue(zz.body().contains("We have no service with the code “zz”. Pick one from the catalogue."), zz.body());
        Browserless.Page markup = b.get("/services/%3Cb%3Ex");
        assertEquals(404, markup.status());
        assertFalse(markup.body().contains("<b>x"), "what was typed is shown escaped");
    }

    @Test
    void aBuyerStarsAnOfferSeesItAtTheTopOfTheCatalogueBuysItInOneClickAndUnstarsIt() throws SQLException {
        String email = newEmail();
        Browserless b = signedIn(email);
        assertTrue(b.get("/").body().contains("Star an offer (☆) on a service’s page to keep it here"), "the empty list says how to fill it");

        String service = b.get("/services/tg?q=russia").body();
        assertTrue(service.contains("<button type=\"submit\" name=\"star\" value=\"tg:0\" class=\"star\" aria-label=\"Add Telegram in Russia to your favourites\""),
                service);
        Browserless.Page starred = b.post("/favourites", Map.of("star", "tg:0", "next", "/services/tg?q=russia&sort=popular"));
        assertEquals(303, starred.status(), starred.body());
        assertEquals("/services/tg?q=russia&sort=popular&done=starred", starred.location().orElseThrow());
        String back = b.get(starred.location().orElseThrow()).body();
        assertTrue(back.contains("Added to your favourites.") && back.contains("name=\"unstar\" value=\"tg:0\" class=\"star on\""), back);
        assertEquals(303, b.post("/favourites", Map.of("star", "tg:0")).status(), "starring it again changes nothing");
        assertEquals(List.of("tg:0"), storedFavourites(email));

        String home = b.get("/").body();
        int favourites = home.indexOf("<h2 id=\"favourites-title\">Your favourites</h2>");
        assertTrue(favourites > 0 && favourites < home.indexOf("id=\"services\""), "at the top of the catalogue");
        Matcher buy = Pattern.compile("<form method=\"post\" action=\"/buy\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"([^\"]+)\">"
                + "<input type=\"hidden\" name=\"service\" value=\"tg\"><input type=\"hidden\" name=\"country\" value=\"0\">"
                + "<input type=\"hidden\" name=\"price\" value=\"([0-9]+)\"><input type=\"hidden\" name=\"key\" value=\"([0-9a-f-]{36})\">"
                + "<button type=\"submit\" class=\"primary\" aria-label=\"Buy for (USD\u00a0[0-9.]+): Telegram in Russia\">Buy for \\4</button></form>").matcher(home);
        assertTrue(buy.find(), "one click buys at the price shown: " + home);
        Browserless.Page bought = b.post("/buy", Map.of("service", "tg", "country", "0", "price", buy.group(2), "key", buy.group(3)));
        assertEquals(303, bought.status(), bought.body());
        assertTrue(bought.location().orElseThrow().matches("/activations/[0-9]+"), "bought: " + bought.location());
        assertTrue(b.get("/").body().contains("<h2 id=\"recent-title\">Buy again</h2><ul><li><a href=\"/buy?service=tg&amp;country=0\">Telegram in Russia</a></li></ul>"),
                "and beside the favourites, the recent choice");

        Browserless.Page unstarred = b.post("/favourites", Map.of("unstar", "tg:0", "next", "/"));
        assertEquals("/?done=unstarred", unstarred.location().orElseThrow());
        String after = b.get("/?done=unstarred").body();
        assertTrue(after.contains("Removed from your favourites.") && !after.contains("name=\"unstar\""), after);
        assertEquals(List.of(), storedFavourites(email));
        assertEquals(303, b.post("/favourites", Map.of("unstar", "tg:0")).status(), "unstarring what is not starred is no error");
    }

    @Test
    void starringRefusedForAnUnknownOfferAMissingTokenOrAnotherBuyersFavouriteChangesNothing() throws SQLException {
        String email = newEmail();
        Browserless b = signedIn(email);
        b.get("/services/tg");
        assertEquals(303, b.post("/favourites", Map.of("star", "wa:0")).status());
        for (String offer : List.of("zz:0", "tg:999999", "tg", "tg:0:1", "TG:0", "<b>:0", "")) {
            Browserless.Page refused = b.post("/favourites", Map.of("star", offer));
            assertEquals(404, refused.status(), offer);
            assertTrue(refused.body().contains("We have no such offer to keep among your favourites. Nothing was changed."), refused.body());
        }
        assertEquals(404, b.post("/favourites", Map.of("unstar", "zz:0")).status());
        Browserless.Page noToken = b.post("/favourites", Map.of("star", "tg:0"), false);
        assertEquals(403, noToken.status());
        Browserless.Page otherSite = b.post("/favourites", Map.of("star", "go:0", "next", "https://evil.example/"));
        assertEquals("/?done=starred", otherSite.location().orElseThrow(), "back to a page of this site only");
        assertEquals(List.of("go:0", "wa:0"), storedFavourites(email), "only the two good stars");

        String strangerEmail = newEmail();
        Browserless stranger = signedIn(strangerEmail);
        stranger.get("/");
        assertEquals(303, stranger.post("/favourites", Map.of("unstar", "wa:0")).status(), "the stranger has no such favourite of their own");
        assertFalse(stranger.get("/").body().contains("name=\"unstar\""), "and sees none of the first buyer's");
        assertEquals(List.of("go:0", "wa:0"), storedFavourites(email), "the first buyer's favourites are untouched");
        assertEquals(List.of(), storedFavourites(strangerEmail));

        Browserless anonymous = new Browserless(node.url());
        anonymous.get("/sign-in"); // a form, for the token a visitor has before signing in
        Browserless.Page signedOut = anonymous.post("/favourites", Map.of("star", "tg:0"));
        assertEquals(303, signedOut.status());
        assertEquals("/sign-in", signedOut.location().orElseThrow());
    }

    @Test
    void fiftyFavouritesAreTheMostEvenWhenStarsRace() throws Exception {
        String email = newEmail();
        Browserless b = signedIn(email);
        List<String> offers = new ArrayList<>();
        for (String service : List.of("tg", "wa")) {
            Matcher m = Pattern.compile("name=\"star\" value=\"(" + service + ":[0-9]+)\"").matcher(b.get("/services/" + service).body());
            while (m.find()) {
                offers.add(m.group(1));
            }
        }
        assertTrue(offers.size() > Favourites.LIMIT + 5, "enough offers to pass the limit: " + offers.size());
        String csrf = b.csrf();
        for (String offer : offers.subList(0, Favourites.LIMIT - 3)) {
            assertEquals(303, b.post("/favourites", Map.of("star", offer, "csrf", csrf)).status(), offer);
        }
        // Eight stars at once for the last three places: the database lets exactly three through.
        List<String> racing = offers.subList(Favourites.LIMIT - 3, Favourites.LIMIT + 5);
        int added = 0;
        int full = 0;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Browserless.Page>> stars = new ArrayList<>();
            for (String offer : racing) {
                stars.add(pool.submit(() -> b.post("/favourites", Map.of("star", offer, "csrf", csrf))));
            }
            for (Future<Browserless.Page> star : stars) {
                Browserless.Page page = star.get();
                if (page.status() == 303) {
                    added++;
                } else {
                    assertEquals(409, page.status(), page.body());
                    assertTrue(page.body().contains("You already have 50 favourites, the most we keep. Remove one to add another. Nothing was changed."),
                            page.body());
                    full++;
                }
            }
        }
        assertEquals(3, added);
        assertEquals(5, full);
        assertEquals(Favourites.LIMIT, storedFavourites(email).size());
        String first = offers.get(0);
        assertEquals(303, b.post("/favourites", Map.of("star", first, "csrf", csrf)).status(), "one already starred may be starred again at the limit");
        assertEquals(303, b.post("/favourites", Map.of("unstar", first, "csrf", csrf)).status());
        String last = offers.get(offers.size() - 1);
        assertEquals(303, b.post("/favourites", Map.of("star", last, "csrf", csrf)).status(), "one removed, one may be added");
        assertEquals(Favourites.LIMIT, storedFavourites(email).size());
        assertEquals(Favourites.LIMIT, b.get("/").body().split("name=\"unstar\"", -1).length - 1, "all fifty listed");
    }

    @Test
    void theCataloguePagesAreWrittenInTheVisitorsLanguage() {
        Browserless b = signedIn(newEmail());
        b.get("/services/tg");
        assertEquals(303, b.post("/favourites", Map.of("star", "tg:0")).status());
        b.get("/language?to=ru");
        String home = b.get("/").body();
        assertTrue(home.contains("<h1>Купите номер — получите код</h1>") && home.contains("Найти сервис") && home.contains("Избранное"), home);
        assertTrue(Pattern.compile("от [0-9]+,[0-9]{2}\u00a0USD · [0-9\u00a0]+ номер").matcher(home).find(), "prices and plurals as Russian writes them");
        String service = b.get("/services/tg?q=" + java.net.URLEncoder.encode("бразилия", java.nio.charset.StandardCharsets.UTF_8)).body();
        assertTrue(service.contains("> Бразилия</td>"), "a country found and named in Russian: " + service);
        b.get("/language?to=zh");
        assertTrue(b.get("/services/tg?q=russia").body().contains("> 俄罗斯</td>"), "found by its English name, named in Chinese");
        b.get("/language?to=es");
        assertTrue(b.get("/offers?q=telegram").body().contains("<h1>Todas las ofertas</h1>"));
        for (String language : List.of("ru", "zh", "es")) {
            b.get("/language?to=" + language);
            for (String path : List.of("/", "/services/tg", "/offers", "/services/tg?done=starred")) {
                assertNoEnglishLeft(language + " " + path, b.get(path).body());
            }
        }
    }

    /** No sentence or label of the catalogue's English texts (those without arguments, longer than a word) is in the page. */
    private static void assertNoEnglishLeft(String name, String page) {
        List<String> left = new ArrayList<>();
        Texts.patterns(Texts.Language.EN).forEach((key, text) -> {
            if (Texts.area(key).equals("catalogue") && !text.contains("{") && text.length() >= 8 && page.contains(Html.escape(text))) {
                left.add(key + " = " + text);
            }
        });
        for (String phrase : List.of("Buy for", "in stock", " numbers ·", " countries<", "Your favourites", "Got their code")) {
            if (page.contains(phrase)) {
                left.add(phrase);
            }
        }
        assertTrue(left.isEmpty(), name + ": English left in the page:\n" + String.join("\n", left));
    }
}
