package dev.numpool.web;

import com.sun.net.httpserver.HttpServer;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The website in a real headless Chromium against a running node: buying and watching the code
 * arrive live, cancelling after the early-cancel countdown, signing in, developer pages, and
 * screenshots of the main pages on a desktop and on a phone. One browser for the whole class.
 *
 * <p>The node runs on the real clock with a short early-cancel window (10 s), because the
 * countdown runs in the browser, whose time a test clock cannot move.
 */
class WebsiteBrowserTest {
    private static final String PASSWORD = "correct horse battery";
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final long EARLY_CANCEL_SECONDS = 10;
    private static Numpool node;
    private static Chromium chromium;
    private static ChromeDriver driver;
    private static Http api;
    private static HttpServer receiver;

    @BeforeAll
    static void start() throws IOException {
        // On CI (.ci/run sets CI and installs the browser) a missing browser is a failure, never a skip.
        if (System.getenv("CI") != null) {
            org.junit.jupiter.api.Assertions.assertTrue(Chromium.installed(), "CI must have /usr/bin/chromedriver: .ci/run installs chromium and chromium-driver");
        }
        Assumptions.assumeTrue(Chromium.installed(),
                "skipped: /usr/bin/chromedriver is absent (apt-get install chromium chromium-driver, as .ci/run does)");
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("orders.early-cancel-seconds", String.valueOf(EARLY_CANCEL_SECONDS));
        config.put("api.rate-limits.sign-ins-per-ip", "1000");
        config.put("webhooks.allow-http", "true");
        config.put("webhooks.allowed-hosts.0", "127.0.0.1");
        config.put("workers.enabled", "true");
        config.put("workers.poll-interval-millis", "200");
        node = TestNodes.start(config, Clock.systemUTC());
        api = new Http(node.url());
        chromium = Chromium.start();
        driver = chromium.driver;
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
        if (node != null) {
            node.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @BeforeEach
    void freshVisitor() {
        chromium.viewport(1280, 900, false);
        driver.get(node.url() + "/assets/site.css");
        driver.manage().deleteAllCookies();
    }

    private static WebDriverWait waitUpTo(long seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100));
    }

    private static String text(String css) {
        return driver.findElement(By.cssSelector(css)).getText().replace('\u00a0', ' '); // money is written with a no-break space
    }

    private static void open(String path) {
        driver.get(node.url() + path);
    }

    private static void submit(String formCss) {
        driver.findElement(By.cssSelector(formCss + " button[type=submit]")).click();
    }

    private static String signUp() {
        String email = "buyer-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        open("/sign-up");
        driver.findElement(By.id("email")).sendKeys(email);
        driver.findElement(By.id("password")).sendKeys(PASSWORD);
        submit("main form");
        waitUpTo(10).until(ExpectedConditions.urlContains("/balance"));
        return email;
    }

    /** From the catalogue to the activation page; returns the price in micros shown on the confirm page. */
    private static long buyTelegramInRussia() {
        open("/services/tg?q=russia");
        driver.findElement(By.cssSelector("a[href='/buy?service=tg&country=0']")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("/buy?"));
        long price = Long.parseLong(driver.findElement(By.cssSelector("input[name=price]")).getAttribute("value"));
        WebElement buy = driver.findElement(By.cssSelector("main form[action='/buy'] button[type=submit]"));
        assertTrue(buy.getText().startsWith("Buy for "), buy.getText());
        buy.click();
        waitUpTo(10).until(ExpectedConditions.urlMatches("/activations/[0-9]+$"));
        return price;
    }

    private static int activationId() {
        String url = driver.getCurrentUrl();
        return Integer.parseInt(url.substring(url.lastIndexOf('/') + 1).replaceAll("\\?.*", ""));
    }

    private static String newApiKey(String label) {
        open("/developers/keys");
        driver.findElement(By.id("label")).sendKeys(label);
        submit("main form[action='/developers/keys']");
        return waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("new-key"))).getText();
    }

    private static String money(long micros) {
        return "USD " + dev.numpool.inventory.Money.format(micros);
    }

    @Test
    void aBuyerSeesTheCodeArriveLiveAndIsChargedOnce() {
        signUp();
        Cookie session = driver.manage().getCookieNamed("__Host-numpool_session");
        assertNotNull(session, "Chromium keeps the __Host- session cookie on http://127.0.0.1 (a secure context)");
        assertTrue(session.isSecure() && session.isHttpOnly());
        assertEquals("Lax", session.getSameSite());
        assertEquals("USD 100.00", text("#available"), "the sandbox credit");

        String key = newApiKey("sms injector");
        long price = buyTelegramInRussia();
        int id = activationId();
        assertTrue(text("#phone").startsWith("+7 "), "formatted for its country: " + text("#phone"));
        assertEquals("Waiting for the SMS", text("#status"));
        assertFalse(driver.findElement(By.id("finish")).isEnabled());
        assertFalse(driver.findElement(By.id("retry")).isEnabled());
        driver.executeScript("window.numpoolTestMarker = 'no reload'");

        Http.Response sms = api.post("/v1/sandbox/sms", key,
                "{\"activationId\":" + id + ",\"sender\":\"Telegram\",\"text\":\"Telegram code: 48213\\nDo not give this code to anyone\"}");
        assertEquals(200, sms.status(), sms.text());

        waitUpTo(15).until(ExpectedConditions.textToBe(By.cssSelector("#codes .code"), "48213"));
        assertEquals("Telegram code: 48213\nDo not give this code to anyone", text("#codes .sms"), "the full SMS text");
        assertEquals("no reload", driver.executeScript("return window.numpoolTestMarker"), "the code came without a reload");
        assertEquals("Code received", text("#status"));
        waitUpTo(5).until(ExpectedConditions.elementToBeClickable(By.id("finish")));
        assertTrue(driver.findElement(By.id("retry")).isEnabled());
        assertFalse(driver.findElement(By.id("cancel")).isEnabled(), "no cancel once a code came");

        driver.findElement(By.id("retry")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("done=retry"));
        assertEquals("Code received; waiting for another", text("#status"));
        driver.executeScript("window.numpoolTestMarker = 'still no reload'");
        assertEquals(200, api.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: 77120\"}").status());
        waitUpTo(15).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#codes .code"), 2));
        assertEquals("77120", driver.findElements(By.cssSelector("#codes .code")).get(1).getText());
        assertEquals("still no reload", driver.executeScript("return window.numpoolTestMarker"));
        waitUpTo(5).until(ExpectedConditions.textToBe(By.id("status"), "Code received"));

        driver.findElement(By.id("finish")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("done=finished"));
        assertEquals("Finished", text("#status"));
        assertFalse(driver.findElement(By.id("finish")).isEnabled());

        open("/balance");
        assertEquals(money(100_000_000L - price), text("#available"), "charged the price, once");
        assertEquals("USD 0.00", text("#held"));
        open("/activations?status=finished");
        assertTrue(text("main table").contains("#" + id), "the history lists it under its filter");
        open("/activations?status=cancelled");
        assertTrue(text("main").contains("No activations with this status"));
    }

    @Test
    void cancelWaitsForTheEarlyCancelCountdownThenRefunds() {
        signUp();
        buyTelegramInRussia();
        WebElement cancel = driver.findElement(By.id("cancel"));
        assertFalse(cancel.isEnabled(), "disabled during the early-cancel window");
        waitUpTo(5).until(ExpectedConditions.textMatches(By.id("cancel-timer"), java.util.regex.Pattern.compile("Cancel possible in 0:(0[1-9]|10)\\.")));
        assertTrue(text("#expires").matches("Expires in (19|20):[0-5][0-9]\\."), text("#expires"));

        waitUpTo(EARLY_CANCEL_SECONDS + 10).until(ExpectedConditions.elementToBeClickable(By.id("cancel")));
        assertEquals("", text("#cancel-timer"), "the countdown is gone when cancelling is allowed");
        driver.findElement(By.id("cancel")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("done=cancelled"));
        assertTrue(text("main").contains("Cancelled. The price went back to your balance."));
        assertEquals("Cancelled and refunded", text("#status"));
        open("/balance");
        assertEquals("USD 100.00", text("#available"), "refunded in full");
        assertEquals("USD 0.00", text("#held"));
    }

    @Test
    void aCodeAfterTheRefundIsShownOnlyOncePaidFor() {
        signUp();
        long price = buyTelegramInRussia();
        int id = activationId();
        String key = newApiKey("late code");
        waitUpTo(EARLY_CANCEL_SECONDS + 10).until(d -> new Http(node.url()).post("/v1/activations/" + id + "/cancel", key, null).status() == 200);
        new Http(node.url()).post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: 60606\"}");

        open("/activations/" + id);
        assertTrue(text("#codes").contains("An SMS arrived after the refund"), text("#codes"));
        assertFalse(driver.getPageSource().contains("60606"), "the code is nowhere in the page before it is paid for");
        submit("#codes form");
        waitUpTo(10).until(ExpectedConditions.urlContains("done=late-sms"));

        assertEquals("60606", text("#codes .code"));
        assertEquals("Cancelled and refunded", text("#status"));
        open("/balance");
        assertEquals(money(100_000_000L - price), text("#available"), "charged once");
    }

    @Test
    void aWrongPasswordIsExplainedAndSignsNobodyIn() {
        String email = signUp();
        driver.manage().deleteAllCookies();
        open("/sign-in");
        driver.findElement(By.id("email")).sendKeys(email);
        driver.findElement(By.id("password")).sendKeys("not my password");
        submit("main form");
        assertEquals("That email and password do not match an account. Check them and try again.",
                waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".notice.error"))).getText());
        assertNull(driver.manage().getCookieNamed("__Host-numpool_session"));
        assertEquals(email, driver.findElement(By.id("email")).getAttribute("value"), "the email is kept for the next try");
    }

    @Test
    void everyPageStartsWithASkipLinkForKeyboards() {
        open("/");
        driver.findElement(By.tagName("body")).sendKeys(Keys.TAB);
        WebElement focused = driver.switchTo().activeElement();
        assertEquals("Skip to content", focused.getText());
        focused.sendKeys(Keys.ENTER);
        assertEquals("main", driver.switchTo().activeElement().getAttribute("id"));
    }

    @Test
    void apiKeysAreShownOnceAndCanBeRevoked() {
        signUp();
        String secret = newApiKey("my bot");
        assertTrue(secret.startsWith("np_"));
        assertEquals(200, api.get("/v1/balance", secret).status(), "the key works");
        open("/developers/keys");
        assertFalse(driver.getPageSource().contains(secret), "shown only once");
        assertTrue(text("main table").contains("my bot"));
        driver.findElement(By.cssSelector("button[aria-label='Revoke key my bot']")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("done=revoked"));
        assertTrue(text("main table").contains("Revoked"));
        assertEquals(401, api.get("/v1/balance", secret).status(), "a revoked key is refused (at once on this node)");
    }

    @Test
    void webhookEndpointsTakeTestEventsShowDeliveriesReplayAndRotate() {
        signUp();
        open("/developers/webhooks");
        driver.findElement(By.id("url")).sendKeys("https://10.0.0.1/hook");
        submit("main form[action='/developers/webhooks']");
        String refused = waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".notice.error"))).getText();
        assertTrue(refused.startsWith("We cannot send to this address:"), refused);

        open("/developers/webhooks");
        driver.findElement(By.id("url")).sendKeys("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        submit("main form[action='/developers/webhooks']");
        String secret = waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("new-secret"))).getText();
        assertTrue(secret.startsWith("whsec_"));

        driver.findElement(By.id("send-test")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("done=test"));
        waitUpTo(20).until(d -> {
            d.navigate().refresh();
            return d.findElement(By.id("deliveries")).getText().contains("delivered");
        });
        assertTrue(text("#deliveries").contains("webhook.test") && text("#deliveries").contains("204"), text("#deliveries"));
        driver.findElement(By.cssSelector("#deliveries details summary")).click();
        assertTrue(text("#deliveries .attempts").matches("(?s).*HTTP 204 in [0-9]+ ms.*"), "every attempt is in the log: " + text("#deliveries .attempts"));
        driver.findElement(By.cssSelector("#deliveries button[type=submit]")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("done=replay"));
        assertTrue(text("#deliveries").contains("webhook.test (replay)"), text("#deliveries"));

        driver.findElement(By.id("rotate")).click();
        waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice.ok"), "New secret made"));
        String rotated = text("#new-secret");
        assertTrue(rotated.startsWith("whsec_"));
        assertNotEquals(secret, rotated);
    }

    @Test
    void mainPagesLookRightOnADesktopAndOnAPhone() {
        record Size(String name, int width, int height, boolean mobile) {
        }
        List<Size> sizes = List.of(new Size("desktop", 1280, 900, false), new Size("phone", 390, 844, true));
        List<String> overflowing = new ArrayList<>();
        for (Size size : sizes) {
            chromium.viewport(size.width(), size.height(), size.mobile());
            shoot(size.name(), "catalogue", "/", overflowing);
            shoot(size.name(), "service", "/services/tg", overflowing);
            shoot(size.name(), "offers", "/offers", overflowing);
            shoot(size.name(), "sign-in", "/sign-in", overflowing);
        }
        chromium.viewport(1280, 900, false);
        signUp();
        String key = newApiKey("screenshot bot");
        open("/buy?service=tg&country=0");
        for (Size size : sizes) {
            chromium.viewport(size.width(), size.height(), size.mobile());
            shoot(size.name(), "buy-confirm", "/buy?service=tg&country=0", overflowing);
        }
        chromium.viewport(1280, 900, false);
        buyTelegramInRussia();
        int id = activationId();
        api.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"sender\":\"Telegram\",\"text\":\"Telegram code: 48213. Do not give this code to anyone, even if they say they are from Telegram!\"}");
        waitUpTo(15).until(ExpectedConditions.textToBe(By.cssSelector("#codes .code"), "48213"));
        open("/developers/webhooks");
        driver.findElement(By.id("url")).sendKeys("http://127.0.0.1:" + receiver.getAddress().getPort() + "/a-rather-long-path/for/the/receiver");
        submit("main form[action='/developers/webhooks']");
        waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("new-secret")));
        for (Size size : sizes) {
            chromium.viewport(size.width(), size.height(), size.mobile());
            shoot(size.name(), "activation", "/activations/" + id, overflowing);
            shoot(size.name(), "history", "/activations", overflowing);
            shoot(size.name(), "balance", "/balance", overflowing);
            shoot(size.name(), "api-keys", "/developers/keys", overflowing);
            shoot(size.name(), "webhooks", "/developers/webhooks", overflowing);
            shoot(size.name(), "api-docs", "/developers/docs", overflowing);
        }
        assertEquals(List.of(), overflowing, "pages wider than the screen");
    }

    private static void shoot(String size, String name, String path, List<String> overflowing) {
        open(path);
        Number scrollWidth = (Number) driver.executeScript("return document.documentElement.scrollWidth");
        Number innerWidth = (Number) driver.executeScript("return window.innerWidth");
        if (scrollWidth.intValue() > innerWidth.intValue()) {
            overflowing.add(name + " at " + size + ": " + scrollWidth + " > " + innerWidth);
        }
        chromium.screenshot(SCREENSHOTS.resolve(name + "-" + size + ".png"));
        if (size.equals("phone")) {
            chromium.screenshotViewport(SCREENSHOTS.resolve(name + "-phone-first-screen.png"));
        }
    }
}
