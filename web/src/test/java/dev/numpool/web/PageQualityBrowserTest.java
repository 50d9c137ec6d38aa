package dev.numpool.web;

import dev.numpool.db.TestServers;
import dev.numpool.inventory.FakeFiveSimUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quality bars every page of the website must meet, in each of its four languages, checked
 * in a real headless Chromium: axe-core finds no serious or critical accessibility violation
 * (in English and in one other language per page, in turn: the markup and styles are one
 * template for all four, so a page's other languages change only its texts, which its width,
 * weight and prices show; axe-core took a third of this test's time); the page, its styles and scripts weigh under 100 KB transferred (images apart); it is as wide
 * as the screen and no wider at 1280 px and at 390 px (a phone); no price shows more decimals
 * than the currency writes. With {@code NUMPOOL_SCREENSHOTS} set, screenshots of every page at
 * both widths in every language are left in {@code target/screenshots/<language>/} for a person to
 * look at (they took a third of this test's three minutes, so the suite does not take them).
 *
 * <p>axe-core is the npm package that {@code ./numpool test} fetches (pinned, into
 * {@code .cache/}) and names in {@code NUMPOOL_AXE_JS}.
 */
class PageQualityBrowserTest {
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final boolean TAKE_SCREENSHOTS = System.getenv("NUMPOOL_SCREENSHOTS") != null;
    private static final long MAX_PAGE_BYTES = 100 * 1024;
    private static final String PASSWORD = "correct horse battery";
    /** A price in USD with a third decimal, in any of the four languages' ways of writing money. */
    private static final Pattern THREE_DECIMALS = Pattern.compile("USD\\s?[\\d,]*\\.\\d{3,}|\\d,\\d{3,}\\s?USD");
    private static Numpool node;
    private static FakeFiveSimUpstream upstream;
    private static Chromium chromium;
    private static ChromeDriver driver;

    @BeforeAll
    static void start() throws IOException {
        Chromium.assumeInstalled();
        Path axeFile = Path.of(System.getenv().getOrDefault("NUMPOOL_AXE_JS", "../.cache/axe-core-4.11.4/package/axe.min.js"));
        if (System.getenv("CI") != null) {
            org.junit.jupiter.api.Assertions.assertTrue(Files.isReadable(axeFile), "CI must have axe-core: ./numpool test fetches it with npm");
        }
        Assumptions.assumeTrue(Files.isReadable(axeFile), "skipped: axe-core is absent (./numpool test fetches it with npm into .cache/)");
        // A 5sim upstream that quotes WhatsApp in Russia through two operators, so its confirmation
        // page has the operators' table; Telegram stays the simulator's (the finished activation below
        // needs the sandbox's SMS form, which reaches only numbers Numpool simulates).
        upstream = FakeFiveSimUpstream.start("fivesim-key");
        upstream.answer(FakeFiveSimUpstream.PRICES, FakeFiveSimUpstream.Answer.json("""
                {"russia":{"whatsapp":{"mts":{"cost":0.21,"count":900},"virtual21":{"cost":0.09,"count":35}}}}"""));
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("api.rate-limits.sign-ins-per-ip", "1000");
        config.put("inventory.providers.0.name", "fivesim-quality");
        config.put("inventory.providers.0.protocol", "5sim");
        config.put("inventory.providers.0.url", upstream.url().toString());
        config.put("inventory.providers.0.api-key-env", "FIVESIM_KEY");
        config.put("workers.enabled", "true");
        config.put("workers.quotes-refresh-seconds", "1");
        node = TestNodes.start(config, Clock.systemUTC(), Map.of("FIVESIM_KEY", "fivesim-key"));
        Http http = new Http(node.url());
        Await.until("5sim's operators quoted", () -> http.get("/v1/catalog?service=wa&country=0", null).json().at("/offers/0/operators/0")
                .isMissingNode() ? null : true);
        chromium = Chromium.start();
        driver = chromium.driver;
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
        // Every page the browser opens has axe-core already, without sending its 550 KB over WebDriver each time.
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", Files.readString(axeFile)));
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
        if (node != null) {
            node.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void everyPageInEveryLanguageIsAccessibleLightAndFitsTheScreen() {
        List<String> problems = new ArrayList<>();
        List<String> publicPages = List.of("/", "/services/tg", "/offers", "/sign-in", "/sign-up", "/forgot-password", "/reset-password?token=unknown", "/how-it-works", "/faq",
                "/terms", "/privacy", "/refunds", "/contact", "/status", "/developers/docs", "/developers/docs/schemas", "/no-such-page");
        for (Texts.Language language : Texts.Language.values()) {
            switchTo(language);
            for (String path : publicPages) {
                check(language, path, axeChecks(language, publicPages.indexOf(path)), problems);
            }
        }

        signUp();
        open("/buy?service=tg&country=0");
        driver.findElement(By.cssSelector("main form[action='/buy'] button[type=submit]")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.urlMatches("/activations/[0-9]+$"));
        String activation = driver.getCurrentUrl().replaceAll("^.*(/activations/[0-9]+)$", "$1");
        open("/rent/new?service=any&country=0");
        driver.findElement(By.id("rent-submit")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.urlMatches("/rentals/[0-9]+\\?done=rented$"));
        String rental = driver.getCurrentUrl().replaceAll("^.*(/rentals/[0-9]+).*$", "$1");
        // A second activation, finished with a code, to offer its number again (as the same session, without a browser).
        Browserless session = new Browserless(node.url());
        driver.manage().getCookies().forEach(c -> session.cookies.put(c.getName(), c.getValue()));
        assertTrue(session.get("/buy?service=wa&country=0").body().contains("<table class=\"offers\">"), "the operators' table is among the pages checked");
        Browserless.Page second = session.post("/buy", session.get("/buy?service=tg&country=0").fields("service", "country", "price", "key"));
        String finished = second.location().orElseThrow();
        session.get(finished);
        session.post(finished + "/sandbox-sms", Map.of("text", "Your Telegram code is 48213"));
        assertEquals(finished + "?done=finished", session.post(finished + "/finish", Map.of()).location().orElseThrow());
        // The rent pages: where to rent (the widest table of the two) and a rental's own page.
        List<String> signedInPages = List.of("/", "/services/tg", "/buy?service=tg&country=0", "/buy?service=wa&country=0", activation, "/activations", "/balance", "/account", "/account/two-step",
                "/developers/keys", "/developers/webhooks", "/status", "/rent", rental, finished + "/again");
        for (Texts.Language language : Texts.Language.values()) {
            switchTo(language);
            for (String path : signedInPages) {
                check(language, path, axeChecks(language, signedInPages.indexOf(path)), problems);
            }
        }
        assertEquals(List.of(), problems);
    }

    /** Whether axe-core checks the page at this index in this language: English always, and one other in turn. */
    private static boolean axeChecks(Texts.Language language, int page) {
        Texts.Language[] all = Texts.Language.values();
        return language == Texts.Language.EN || language == all[1 + page % (all.length - 1)];
    }

    /** Switches language with the footer's link, as a visitor would. */
    private static void switchTo(Texts.Language language) {
        open("/");
        driver.findElement(By.cssSelector("footer a[hreflang='" + language.code + "']")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> language.code.equals(
                ((ChromeDriver) d).executeScript("return document.documentElement.lang")));
    }

    private static void check(Texts.Language language, String path, boolean axe, List<String> problems) {
        String name = language.code + " " + path;
        String file = path.equals("/") ? "home" : path.substring(1).replaceAll("[^A-Za-z0-9-]+", "_");
        chromium.viewport(1280, 900, false);
        open(path);
        // One load per page: the phone's width is the same page laid out again, as a turned or narrowed window does.
        for (int width : new int[] {1280, 390}) {
            chromium.viewport(width, width == 390 ? 844 : 900, width == 390);
            Object lang = driver.executeScript("return document.documentElement.lang");
            if (!language.code.equals(lang)) {
                problems.add(name + ": written in " + lang);
            }
            Number scrollWidth = (Number) driver.executeScript("return document.documentElement.scrollWidth");
            if (scrollWidth.intValue() > width) {
                Object widest = driver.executeScript("""
                        const w = arguments[0];
                        return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1 || e.scrollWidth > w + 1)
                          .slice(-3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')
                            + ' ' + Math.round(e.getBoundingClientRect().right) + '/' + e.scrollWidth + 'px').join(', ');""", width);
                problems.add(name + " at " + width + " px: " + scrollWidth + " px wide (" + widest + ")");
            }
            if (TAKE_SCREENSHOTS) {
                chromium.screenshot(SCREENSHOTS.resolve(language.code).resolve(file + "-" + width + ".png"));
            }
        }
        Number bytes = (Number) driver.executeScript("""
                const images = /\\.(png|jpe?g|gif|webp|avif|svg|ico)(\\?|$)/;
                const size = e => e.transferSize || e.encodedBodySize || 0;
                let total = size(performance.getEntriesByType('navigation')[0]);
                for (const r of performance.getEntriesByType('resource')) {
                  if (r.initiatorType !== 'img' && !images.test(r.name)) total += size(r);
                }
                return total;""");
        if (bytes.longValue() > MAX_PAGE_BYTES) {
            problems.add(name + ": " + bytes + " bytes before images");
        }
        String text = driver.findElement(By.tagName("body")).getText();
        var decimals = THREE_DECIMALS.matcher(text);
        if (decimals.find()) {
            problems.add(name + ": a price with three decimals: " + decimals.group());
        }
        if (!axe) {
            return;
        }
        @SuppressWarnings("unchecked")
        List<String> violations = (List<String>) driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                axe.run(document, {resultTypes: ['violations']})
                  .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => v.impact + ' ' + v.id + ' (' + v.help + ') at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
                  .catch(e => done(['axe-core failed: ' + e]));""");
        violations.forEach(v -> problems.add(name + ": " + v));
    }


    private static void signUp() {
        open("/sign-up");
        driver.findElement(By.id("email")).sendKeys("quality-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com");
        driver.findElement(By.id("password")).sendKeys(PASSWORD);
        driver.findElement(By.cssSelector("main form button[type=submit]")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("/balance"));
    }

    private static void open(String path) {
        driver.get(node.url() + path);
    }
}
