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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A person who forgot their password, in a real headless Chromium: "Forgot your password?" on the
 * sign-in page, the link from the mail a real SMTP server on 127.0.0.1 received, a new password,
 * and signing in with it.
 */
class PasswordResetBrowserTest {
    private static final String PASSWORD = "correct horse battery";
    private static final String NEW_PASSWORD = "a brand new passphrase";
    private static Mailbox mailbox;
    private static Numpool node;
    private static Chromium chromium;
    private static ChromeDriver driver;

    @BeforeAll
    static void start() {
        Chromium.assumeInstalled();
        mailbox = new Mailbox();
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        mailbox.configure(config);
        node = TestNodes.start(config, Clock.systemUTC(), Mailbox.environment());
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
        if (mailbox != null) {
            mailbox.close();
        }
    }

    private static WebDriverWait waitUpTo(long seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100));
    }

    private static void type(String id, String text) {
        driver.findElement(By.id(id)).clear();
        driver.findElement(By.id(id)).sendKeys(text);
    }

    private static void submit() {
        driver.findElement(By.cssSelector("main form button[type=submit]")).click();
    }

    private static void signOut() {
        driver.findElement(By.cssSelector("header form[action='/sign-out'] button")).click();
        waitUpTo(10).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("header nav a[href='/sign-in']")));
    }

    @Test
    void aForgottenPasswordIsResetThroughTheMailedLinkAndTheNewOneSignsIn() {
        String email = "forgetful-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        driver.get(node.url() + "/sign-up");
        type("email", email);
        type("password", PASSWORD);
        submit();
        waitUpTo(10).until(ExpectedConditions.urlContains("/balance"));
        assertEquals("Confirm your email for Numpool", mailbox.next(email).subject());
        signOut();

        driver.get(node.url() + "/sign-in");
        driver.findElement(By.linkText("Forgot your password?")).click();
        waitUpTo(10).until(ExpectedConditions.urlContains("/forgot-password"));
        type("email", email);
        submit();
        assertEquals("Check your mail", waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.tagName("h1"))).getText());

        Mailbox.Mail mail = mailbox.next(email);
        assertEquals("Reset your Numpool password", mail.subject());
        driver.get(mail.link("/reset-password"));
        assertEquals("Choose a new password", driver.findElement(By.tagName("h1")).getText());
        assertEquals(email, driver.findElement(By.id("username")).getAttribute("value"), "a password manager files it under the account");
        type("password", NEW_PASSWORD);
        submit();
        waitUpTo(10).until(ExpectedConditions.urlContains("/account?done=password"));
        assertTrue(driver.findElement(By.cssSelector(".notice.ok")).getText().startsWith("Your new password is saved."));

        signOut();
        driver.get(node.url() + "/sign-in");
        type("email", email);
        type("password", PASSWORD);
        submit();
        assertEquals("That email and password do not match an account. Check them and try again.",
                waitUpTo(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".notice.error"))).getText());
        assertNull(driver.manage().getCookieNamed("__Host-numpool_session"), "the old password signs nobody in");
        type("password", NEW_PASSWORD);
        submit();
        waitUpTo(10).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("header form[action='/sign-out']")));
        assertTrue(driver.findElement(By.cssSelector(".who")).getText().startsWith("Signed in as " + email), driver.findElement(By.cssSelector(".who")).getText());

        driver.get(mail.link("/reset-password"));
        assertEquals("This link was used already", driver.findElement(By.tagName("h1")).getText());
    }
}
