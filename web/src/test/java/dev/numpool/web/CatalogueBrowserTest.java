package dev.numpool.web;

import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The catalogue in a real headless Chromium, as a buyer shops: typing filters the services as
 * they type (the site's script, no request), a service's page lists its countries, and the Buy
 * button leads to the activation page, where the code the simulator sends appears without a
 * reload. The simulator sends every number its code a second or two after the sale. A renter sees
 * the total follow the length they choose, and an SMS to the rented number appear without a reload.
 */
class CatalogueBrowserTest {
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static Numpool node;
    private static Chromium chromium;
    private static ChromeDriver driver;

    @BeforeAll
    static void start() {
        Chromium.assumeInstalled();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("api.rate-limits.sign-ins-per-ip", "1000");
        config.put("inventory.simulator.code-probability", "1");
        config.put("inventory.simulator.code-delay-min-seconds", "1");
        config.put("inventory.simulator.code-delay-max-seconds", "2");
        config.put("workers.enabled", "true");
        config.put("workers.poll-interval-millis", "200");
        node = TestNodes.start(config, Clock.systemUTC());
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

    private static void open(String path) {
        driver.get(node.url() + path);
    }

    /** The names of the services the page shows now (one script call, not one request per item). */
    @SuppressWarnings("unchecked")
    private static List<String> visibleServices() {
        return (List<String>) driver.executeScript(
                "return [...document.querySelectorAll('#services li')].filter(li => li.offsetParent !== null).map(li => li.querySelector('.name').textContent)");
    }

    /** The countries a service's page shows now. */
    @SuppressWarnings("unchecked")
    private static List<String> visibleCountries() {
        return (List<String>) driver.executeScript(
                "return [...document.querySelectorAll('#countries tbody tr')].filter(tr => tr.offsetParent !== null).map(tr => tr.cells[0].textContent.trim())");
    }

    private static void signUp() {
        open("/sign-up");
        driver.findElement(By.id("email")).sendKeys("shopper-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com");
        driver.findElement(By.id("password")).sendKeys("correct horse battery");
        driver.findElement(By.cssSelector("main form button[type=submit]")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("/balance"));
    }

    @Test
    void aBuyerTypesWhatsPicksWhatsAppAndACountryBuysAndSeesTheCodeArriveLive() {
        signUp();
        open("/");
        assertTrue(visibleServices().size() >= 30, "every service at first");
        driver.executeScript("window.numpoolTestMarker = 'no reload'");
        driver.findElement(By.id("q")).sendKeys("whats");
        waitUpTo(5).until(d -> visibleServices().equals(List.of("WhatsApp")));
        assertEquals("no reload", driver.executeScript("return window.numpoolTestMarker"), "filtered as typed, in the page");
        assertEquals("Services shown: 1", driver.findElement(By.id("filter-status")).getText(), "said to screen readers too");
        driver.findElement(By.id("q")).sendKeys(" nothing like it");
        waitUpTo(5).until(ExpectedConditions.visibilityOfElementLocated(By.id("services-none")));
        assertEquals(List.of(), visibleServices());
        driver.findElement(By.id("q")).clear();
        driver.findElement(By.id("q")).sendKeys("whats");
        waitUpTo(5).until(d -> visibleServices().equals(List.of("WhatsApp")));

        driver.findElement(By.cssSelector("#services a[href='/services/wa']")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("/services/wa"));
        assertEquals("WhatsApp", driver.findElement(By.cssSelector("h1")).getText().replaceAll("^WA\\s*", ""));
        driver.findElement(By.id("q")).sendKeys("russ");
        waitUpTo(5).until(d -> visibleCountries().size() == 1);
        assertTrue(visibleCountries().get(0).endsWith("Russia"), visibleCountries().toString());
        WebElement russia = driver.findElement(By.xpath("//table[@id='countries']//tr[not(@hidden)][td[contains(., 'Russia')]]"));

        russia.findElement(By.cssSelector("a.button")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("/buy?service=wa&country=0"));
        driver.findElement(By.cssSelector("main form[action='/buy'] button[type=submit]")).click();
        waitUpTo(10).until(ExpectedConditions.urlMatches("/activations/[0-9]+$"));
        assertEquals("Waiting for the SMS", driver.findElement(By.id("status")).getText());
        driver.executeScript("window.numpoolTestMarker = 'still no reload'");

        WebElement code = waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#codes .code")));
        assertTrue(code.getText().matches("[0-9]{4,8}"), "the simulator's code: " + code.getText());
        assertEquals("still no reload", driver.executeScript("return window.numpoolTestMarker"), "the code came without a reload");
        waitUpTo(5).until(ExpectedConditions.textToBe(By.id("status"), "Code received"));
    }

    @Test
    void aStarredOfferIsListedAtTheTopAndTheCataloguePagesFitAPhone() {
        signUp();
        open("/services/tg?q=brazil");
        driver.findElement(By.cssSelector("button.star[value^='tg:']")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("done=starred"));
        assertEquals("Added to your favourites.", driver.findElement(By.cssSelector(".notice.ok")).getText());
        assertTrue(driver.findElement(By.cssSelector("button.star.on")).getAttribute("aria-label").startsWith("Remove Telegram in Brazil"));
        open("/");
        WebElement favourite = driver.findElement(By.cssSelector(".favourites .picks li"));
        assertTrue(favourite.getText().contains("Telegram") && favourite.getText().contains("Brazil"), favourite.getText());
        assertTrue(favourite.findElement(By.cssSelector("form[action='/buy'] button")).getText().startsWith("Buy for USD"));

        List<String> overflowing = new ArrayList<>();
        for (int[] size : new int[][] {{1280, 900}, {390, 844}}) {
            chromium.viewport(size[0], size[1], size[0] < 500);
            for (String path : List.of("/", "/services/tg", "/offers")) {
                open(path);
                Number scrollWidth = (Number) driver.executeScript("return document.documentElement.scrollWidth");
                if (scrollWidth.intValue() > size[0]) {
                    overflowing.add(path + " at " + size[0] + ": " + scrollWidth);
                }
                String name = path.equals("/") ? "home" : path.substring(1).replace('/', '-');
                chromium.screenshot(SCREENSHOTS.resolve("catalogue-" + name + "-" + size[0] + ".png"));
                if (size[0] < 500) {
                    chromium.screenshotViewport(SCREENSHOTS.resolve("catalogue-" + name + "-phone-first-screen.png"));
                }
            }
        }
        assertEquals(List.of(), overflowing, "pages wider than the screen");
        assertFalse(driver.getPageSource().contains("https://"), "nothing from elsewhere");
    }

    @Test
    void aRenterSeesTheTotalFollowTheLengthAndAnSmsArriveWithoutAReload() {
        signUp();
        open("/rent/new?service=tg&country=0");
        long price = Long.parseLong(driver.findElement(By.id("rent-form")).getAttribute("data-price"));
        WebElement count = driver.findElement(By.id("rent-count"));
        count.clear();
        count.sendKeys("2");
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("rent-unit"))).selectByValue("days");
        // As the server writes it (WebDriver reads its no-break space as a space).
        waitUpTo(5).until(ExpectedConditions.textToBe(By.id("rent-total"), Texts.of(Texts.Language.EN).money(48 * price, "USD").replace('\u00a0', ' ')));
        count.clear();
        count.sendKeys("3");
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("rent-unit"))).selectByValue("hours");
        waitUpTo(5).until(ExpectedConditions.textToBe(By.id("rent-total"), Texts.of(Texts.Language.EN).money(3 * price, "USD").replace('\u00a0', ' ')));
        driver.findElement(By.id("rent-submit")).click();
        waitUpTo(10).until(ExpectedConditions.urlMatches("/rentals/[0-9]+\\?done=rented$"));
        String rental = driver.getCurrentUrl().replaceAll("^.*(/rentals/[0-9]+).*$", "$1");
        assertTrue(driver.findElement(By.cssSelector("dl.facts")).getText().contains("for 3 hours"), "paid for the length chosen");
        driver.executeScript("window.numpoolTestMarker = 'no reload'");

        // The SMS comes from elsewhere (another tab's sandbox form, as the same session).
        Browserless other = new Browserless(node.url());
        driver.manage().getCookies().forEach(c -> other.cookies.put(c.getName(), c.getValue()));
        other.get(rental);
        assertEquals(rental + "?done=sms", other.post(rental + "/sandbox-sms", Map.of("text", "Your Telegram code is 73519")).location().orElseThrow());
        WebElement code = waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#messages .code")));
        assertEquals("73519", code.getText());
        assertEquals("no reload", driver.executeScript("return window.numpoolTestMarker"), "the SMS came without a reload");
        String left = driver.findElement(By.id("time-left")).getText();
        assertTrue(left.matches("[23]:[0-5][0-9]:[0-5][0-9]"), "time left counts down: " + left);
    }
}
