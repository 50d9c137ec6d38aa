package dev.numpool.web;

import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A Russian-speaking visitor's browser, in real headless Chromium: the site answers in Russian
 * without being asked, switches to another language from any page, and keeps the choice after
 * the visitor signs out.
 */
class LanguagesBrowserTest {
    private static Numpool node;
    private static Chromium chromium;
    private static ChromeDriver driver;

    @BeforeAll
    static void start() {
        Chromium.assumeInstalled();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        node = TestNodes.start(config, Clock.systemUTC());
        chromium = Chromium.start("ru-RU,ru");
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
    void aRussianBrowserGetsRussianPagesAndAChosenLanguageOutlivesSigningOut() {
        driver.get(node.url() + "/");
        assertEquals("ru", lang());
        assertEquals("Каталог", driver.findElement(By.cssSelector("header nav a[href='/']")).getText());

        driver.get(node.url() + "/faq");
        driver.findElement(By.cssSelector("footer a[hreflang='es']")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("/faq"));
        assertEquals("es", lang(), "the switch goes back to the page it was made on, in the new language");

        driver.get(node.url() + "/sign-up");
        driver.findElement(By.id("email")).sendKeys("lector-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com");
        driver.findElement(By.id("password")).sendKeys("correct horse battery");
        driver.findElement(By.cssSelector("main form button[type=submit]")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("/balance"));
        assertEquals("es", lang());

        WebDriverWait signedOut = waitUpTo(10);
        driver.findElement(By.cssSelector("header form[action='/sign-out'] button")).click();
        signedOut.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("header nav a[href='/sign-in']")));
        assertEquals("es", lang(), "signing out keeps the language the visitor chose, not the browser's Russian");
        assertEquals("Iniciar sesión", driver.findElement(By.cssSelector("header nav a[href='/sign-in']")).getText());
    }

    private static Object lang() {
        return driver.executeScript("return document.documentElement.lang");
    }

    private static WebDriverWait waitUpTo(long seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100));
    }
}
