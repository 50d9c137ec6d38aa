package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console in a real headless Chromium, against a sandbox node with the simulator and the
 * three simulated upstreams: an admin enrols a TOTP factor and signs in with it, pauses the
 * provider that won an order and finds the next order's trace passing it by (looked up by its
 * phone number), previews and saves a markup and sees the catalogue's price change, credits a
 * customer (in the audit log); a support operator finds no markups form and is refused (403,
 * audited) when posting one anyway.
 */
class OpsConsoleBrowserTest {
    private static final String PASSWORD = "correct horse battery";
    private static final String OPERATOR = "operator-token-0123456789abcdef";
    private static final List<String> UPSTREAMS = List.of("sandbox-sms-activate", "sandbox-5sim", "sandbox-agent");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static Numpool node;
    private static Http http;
    private static Chromium chromium;
    private static ChromeDriver driver;

    @BeforeAll
    static void start() {
        Chromium.assumeInstalled();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("sandbox.upstreams-enabled", "true");
        config.put("numpool.operator-token", OPERATOR);
        config.put("workers.enabled", "true");
        config.put("workers.quotes-refresh-seconds", "1");
        for (int i = 0; i < UPSTREAMS.size(); i++) {
            config.put("sandbox.upstreams." + i + ".failure-rate", "0"); // no purchase fails by chance: the trace is the test's
        }
        config.put("sandbox.upstreams.1.balance", "3.00"); // sandbox-5sim's account has nearly run dry (warning below 10.00)
        node = TestNodes.start(config, Clock.systemUTC(), Map.of());
        http = new Http(node.url());
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

    @Test
    void anAdminRunsTheMarketplaceAndSupportCannotChangeMarkups() {
        allQuoted();
        String customerKey = http.newSandboxAccount();
        long customer = http.accountId(customerKey);
        Http.Response first = http.order(customerKey, UUID.randomUUID().toString(), "{\"service\":\"tg\",\"country\":0}");
        assertEquals(201, first.status(), first.text());
        String winner = lastAttempt(first.json()).get("provider").asText();

        // An admin signs up, is given the role with the shared token, and enrols TOTP.
        driver.manage().deleteAllCookies();
        String admin = signUp("admin");
        grant(admin, "admin");
        open("/ops");
        waitUpTo(10).until(ExpectedConditions.urlContains("/ops/enrol"));
        String secret = driver.findElement(By.id("totp-secret")).getText();
        assertTrue(driver.findElement(By.cssSelector("figure.qr svg")).isDisplayed(), "a QR code to scan");
        driver.findElement(By.id("code")).sendKeys(AuthenticatorApp.code(secret, java.time.Instant.now()));
        submit("main form[action='/ops/enrol']");
        waitUpTo(10).until(ExpectedConditions.urlMatches("/ops$"));
        chromium.screenshot(SCREENSHOTS.resolve("ops-providers.png"));
        assertTrue(text(".notice.error").startsWith("Low balance at sandbox-5sim: "), text(".notice.error"));
        assertTrue(java.util.regex.Pattern.compile("sandbox-5sim .* [23]\\.[0-9]{2} \\(low\\)").matcher(text("#providers")).find(), text("#providers"));
        assertTrue(java.util.regex.Pattern.compile("sandbox-sms-activate .* (1000|99[0-9])\\.[0-9]{2} In service").matcher(text("#providers")).find(),
                "the other upstreams' balances, near their 1000.00: " + text("#providers"));
        assertTrue(driver.findElement(By.cssSelector("figure.chart svg polyline")).isDisplayed(), "orders and codes per minute");

        // Pause the provider that won; the next order's trace passes it by.
        WebElement pause = driver.findElement(By.cssSelector("form[action='/ops/providers/" + winner + "/pause']"));
        pause.findElement(By.name("reason")).sendKeys("maintenance window");
        pause.findElement(By.cssSelector("button[type=submit]")).click();
        waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice.ok"), "Provider paused"));
        assertTrue(text("#providers").contains("Paused: maintenance window"));
        Http.Response second = http.order(customerKey, UUID.randomUUID().toString(), "{\"service\":\"tg\",\"country\":0}");
        assertEquals(201, second.status(), second.text());
        assertNotEquals(winner, lastAttempt(second.json()).get("provider").asText(), "routing went elsewhere");
        assertEquals("skipped: paused by an operator", second.json().at("/routing/attempts/0/outcome").asText(), second.text());

        // Find that activation by its phone number, with its trace.
        open("/ops/activations");
        driver.findElement(By.id("phone")).sendKeys(second.json().get("phone").asText());
        submit("main form.search");
        waitUpTo(10).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("a[href='/ops/activations/" + second.json().get("id").asInt() + "']")))
                .click();
        waitUpTo(10).until(ExpectedConditions.urlMatches("/ops/activations/[0-9]+$"));
        String trace = text("main");
        assertTrue(trace.contains(winner + " skipped: paused by an operator") || trace.contains(winner + "\tskipped: paused by an operator"), trace);
        chromium.screenshot(SCREENSHOTS.resolve("ops-activation.png"));

        // Preview a markup, save it, see the catalogue's price change.
        BigDecimal before = price();
        open("/ops/markups");
        WebElement percent = driver.findElement(By.id("percent"));
        percent.clear();
        percent.sendKeys("300");
        driver.findElement(By.cssSelector("button[formmethod=get]")).click();
        waitUpTo(10).until(ExpectedConditions.presenceOfElementLocated(By.id("preview")));
        assertFalse(driver.findElements(By.cssSelector("td.preview-price")).isEmpty(), "the preview prices offers");
        assertEquals(before, price(), "a preview changes nothing");
        chromium.screenshot(SCREENSHOTS.resolve("ops-markups.png"));
        driver.findElement(By.cssSelector("main form[action='/ops/markups'] button.primary")).click();
        waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice.ok"), "Markups saved"));
        assertTrue(price().compareTo(before) > 0, "the catalogue price rose: " + before + " → " + price());

        // Credit the customer, found by account id.
        open("/ops/accounts");
        driver.findElement(By.id("q")).sendKeys(String.valueOf(customer));
        submit("main form.search");
        waitUpTo(10).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("a[href='/ops/accounts/" + customer + "']"))).click();
        waitUpTo(10).until(ExpectedConditions.urlMatches("/ops/accounts/[0-9]+$"));
        BigDecimal available = new BigDecimal(text("#available").split(" ")[0]);
        driver.findElement(By.id("amount")).sendKeys("5.00");
        driver.findElement(By.id("reason")).sendKeys("goodwill after the outage");
        submit("main form[action='/ops/accounts/" + customer + "/adjustments']");
        waitUpTo(10).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice.ok"), "Balance adjusted"));
        assertEquals(0, available.add(new BigDecimal("5")).compareTo(new BigDecimal(text("#available").split(" ")[0])), text("#available"));
        open("/ops/audit");
        String log = text("main table");
        assertTrue(log.contains("operator:" + admin) && log.contains("POST /ops/accounts/{id}/adjustments"), log);
        assertTrue(log.contains("POST /ops/markups") && log.contains("POST /ops/providers/{name}/pause"), log);

        // Support: no markups form, and a forged post is refused and written down.
        driver.manage().deleteAllCookies();
        String support = signUp("support");
        grant(support, "support");
        open("/ops/markups");
        assertTrue(driver.findElements(By.xpath("//button[contains(., 'Save markups')]")).isEmpty(), "support sees no save button");
        Object status = driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const csrf = document.querySelector('input[name=csrf]').value;
                fetch('/ops/markups', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                    body: 'csrf=' + encodeURIComponent(csrf) + '&percent=0&margin=0&rules='}).then(r => done(r.status));""");
        assertEquals(403L, ((Number) status).longValue());
        JsonNode entry = http.auditEntry(OPERATOR, "POST /ops/markups", 403);
        assertEquals("operator:" + support, entry.get("actor").asText(), entry.toString());
        assertTrue(price().compareTo(before) > 0, "the markup stands");
    }

    private static BigDecimal price() {
        return new BigDecimal(http.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0/price").asText());
    }

    private static JsonNode lastAttempt(JsonNode activation) {
        JsonNode attempts = activation.at("/routing/attempts");
        return attempts.get(attempts.size() - 1);
    }

    private static String signUp(String who) {
        String email = who + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        open("/sign-up");
        driver.findElement(By.id("email")).sendKeys(email);
        driver.findElement(By.id("password")).sendKeys(PASSWORD);
        submit("main form");
        waitUpTo(10).until(ExpectedConditions.urlContains("/balance"));
        return email;
    }

    private static void grant(String email, String role) {
        Http.Response r = http.send(http.request("/v1/operator/operators/" + email, OPERATOR).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"role\":\"" + role + "\"}")));
        assertEquals(200, r.status(), r.text());
    }

    private static void allQuoted() {
        Await.until("quotes of the three upstreams", () -> {
            int quoted = 0;
            for (JsonNode p : http.get("/v1/operator/providers", OPERATOR).json().get("providers")) {
                if (UPSTREAMS.contains(p.get("name").asText()) && p.get("cachedStock").asLong() > 0) {
                    quoted++;
                }
            }
            return quoted == UPSTREAMS.size() ? true : null;
        });
    }

    private static WebDriverWait waitUpTo(long seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100));
    }

    private static String text(String css) {
        return driver.findElement(By.cssSelector(css)).getText();
    }

    private static void open(String path) {
        driver.get(node.url() + path);
    }

    private static void submit(String formCss) {
        driver.findElement(By.cssSelector(formCss + " button[type=submit]")).click();
    }
}
