package dev.numpool.web;

import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accounts people can trust (issue 17), over HTTP against a node that mails through a real SMTP
 * server on 127.0.0.1: a forgotten password reset through the mailed link, email verification,
 * and sign-up abuse control. Time moves on the node's test clock, never by sleeping.
 */
class PasswordResetTest {
    private static final String PASSWORD = "correct horse battery";
    private static final String NEW_PASSWORD = "a brand new passphrase";
    private static final TestClock CLOCK = new TestClock();
    private static Mailbox mailbox;
    private static String databaseUrl;
    private static Numpool node;

    @BeforeAll
    static void start() {
        mailbox = new Mailbox();
        databaseUrl = TestServers.freshDatabaseUrl();
        node = TestNodes.start(config(), CLOCK, Mailbox.environment());
    }

    private static Map<String, String> config() {
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        config.put("api.rate-limits.sign-ins-per-ip", "1000");
        mailbox.configure(config);
        return config;
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (mailbox != null) {
            mailbox.close();
        }
    }

    private static String newEmail() {
        return "reader-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    /** A new account, signed in; its verification mail taken from the mailbox. */
    private static Browserless signedUp(String email) {
        Browserless b = new Browserless(node.url());
        assertEquals(303, b.signUp(email, PASSWORD).status());
        assertEquals("Confirm your email for Numpool", mailbox.next(email).subject());
        return b;
    }

    private static Browserless.Page askForReset(Browserless b, String email) {
        b.get("/forgot-password");
        return b.post("/forgot-password", Map.of("email", email));
    }

    /** The path and query of a mailed link, to follow on this node. */
    private static String pathOf(String link) {
        URI uri = URI.create(link);
        return uri.getRawPath() + "?" + uri.getRawQuery();
    }

    private static String tokenOf(String link) {
        return link.substring(link.indexOf("token=") + "token=".length());
    }

    @Test
    void aForgottenPasswordIsResetThroughTheMailedLinkAndEveryOtherSessionEnds() {
        String email = newEmail();
        Browserless first = signedUp(email);
        Browserless second = new Browserless(node.url());
        assertEquals(303, second.signIn(email, PASSWORD).status());

        Browserless forgetful = new Browserless(node.url());
        assertTrue(forgetful.get("/sign-in").body().contains("<a href=\"/forgot-password\">Forgot your password?</a>"));
        Browserless.Page asked = askForReset(forgetful, " " + email.toUpperCase());
        assertEquals(200, asked.status());
        assertTrue(asked.body().contains("If an account uses " + email + ", we have just mailed it a link"), asked.body());

        Mailbox.Mail mail = mailbox.next(email);
        assertEquals("Reset your Numpool password", mail.subject());
        assertEquals("Numpool <no-reply@numpool.test>", mail.from());
        assertEquals("en", mail.language());
        assertTrue(mail.text().contains("within 30 minutes"), mail.text());
        String link = mail.link("/reset-password");
        assertTrue(link.startsWith(node.url() + "/reset-password?token="), link);
        assertTrue(tokenOf(link).matches("[A-Za-z0-9_-]{43}"), "32 random bytes, base64url: " + link);

        Browserless.Page form = forgetful.get(pathOf(link));
        assertEquals(200, form.status());
        assertTrue(form.body().contains("Choose a new password for " + email + "."), form.body());
        Browserless.Page reset = forgetful.post("/reset-password", Map.of("token", tokenOf(link), "password", NEW_PASSWORD));
        assertEquals(303, reset.status(), reset.body());
        assertEquals("/account?done=password", reset.location().orElseThrow());
        Browserless.Page account = forgetful.get(reset.location().orElseThrow());
        assertEquals(200, account.status(), "this browser is signed in");
        assertTrue(account.body().contains("Your new password is saved. Every other device signed in to this account was signed out."));
        assertTrue(account.body().contains("Verified on "), "a link that reached the mailbox proves the email too");

        assertEquals(303, first.get("/balance").status(), "the session that signed up has ended");
        assertEquals(303, second.get("/balance").status(), "and the other one");
        assertEquals(401, new Browserless(node.url()).signIn(email, PASSWORD).status(), "the old password no longer works");
        assertEquals(303, new Browserless(node.url()).signIn(email, NEW_PASSWORD).status(), "the new one does");

        Browserless again = new Browserless(node.url());
        Browserless.Page used = again.get(pathOf(link));
        assertEquals(410, used.status());
        assertTrue(used.body().contains("This link was used already"), used.body());
        again.get("/forgot-password"); // a page with a form, for a CSRF token
        Browserless.Page replay = again.post("/reset-password", Map.of("token", tokenOf(link), "password", "the attacker's passphrase"));
        assertEquals(410, replay.status(), "a used link sets nothing");
        assertFalse(replay.headers().allValues("Set-Cookie").stream().anyMatch(c -> c.startsWith("__Host-numpool_session=")));
        assertEquals(303, new Browserless(node.url()).signIn(email, NEW_PASSWORD).status(), "the password is the one set first");
    }

    @Test
    void anExpiredOrReplacedLinkIsRefusedInWordsAndChangesNothing() {
        String email = newEmail();
        Browserless owner = signedUp(email);
        Browserless b = new Browserless(node.url());
        askForReset(b, email);
        String older = mailbox.next(email).link("/reset-password");
        askForReset(b, email);
        String newer = mailbox.next(email).link("/reset-password");

        Browserless.Page replaced = b.get(pathOf(older));
        assertEquals(404, replaced.status());
        assertTrue(replaced.body().contains("This link does not work"), replaced.body());
        assertTrue(replaced.body().contains("<a href=\"/forgot-password\">Ask for a new link</a>"));

        Browserless.Page form = b.get(pathOf(newer));
        assertEquals(200, form.status());
        CLOCK.advance(Duration.ofMinutes(30));
        Browserless.Page late = b.post("/reset-password", Map.of("token", tokenOf(newer), "password", NEW_PASSWORD));
        assertEquals(410, late.status(), "the form was shown in time, but is sent after the link expired");
        assertTrue(late.body().contains("This link has expired"), late.body());
        assertTrue(late.body().contains("works for 30 minutes only"), late.body());
        assertEquals(410, b.get(pathOf(newer)).status());

        assertEquals(200, owner.get("/balance").status(), "no session ended");
        assertEquals(303, new Browserless(node.url()).signIn(email, PASSWORD).status(), "the password is unchanged");
    }

    @Test
    void anUnknownEmailGetsTheSameAnswerAndNoMail() {
        String known = newEmail();
        signedUp(known);
        String unknown = newEmail();
        Browserless b = new Browserless(node.url());
        Browserless.Page forUnknown = askForReset(b, unknown);
        Browserless.Page forKnown = askForReset(b, known);
        assertEquals(200, forUnknown.status());
        assertEquals(forKnown.status(), forUnknown.status());
        assertEquals(forKnown.body().replace(known, "EMAIL").replaceAll("value=\"[^\"]+\"", ""),
                forUnknown.body().replace(unknown, "EMAIL").replaceAll("value=\"[^\"]+\"", ""), "word for word the same answer");
        // Mails leave one at a time, in order: once the known address's has arrived, one for the
        // unknown address (asked for first) would have too.
        assertEquals("Reset your Numpool password", mailbox.next(known).subject());
        assertEquals(0, mailbox.all(unknown).size(), "nothing is mailed to an address without an account");
    }

    @Test
    void badInputsAreRefusedInWordsAndChangeNothing() {
        String email = newEmail();
        signedUp(email);
        Browserless b = new Browserless(node.url());

        b.get("/forgot-password");
        Browserless.Page missing = b.post("/forgot-password", Map.of());
        assertEquals(400, missing.status());
        assertTrue(missing.body().contains("Enter an email address such as name@example.com."));
        b.get("/forgot-password");
        assertEquals(400, b.post("/forgot-password", Map.of("email", "x".repeat(5000) + "@example.com")).status());
        b.get("/forgot-password");
        Browserless.Page huge = b.post("/forgot-password", Map.of("email", email, "padding", "x".repeat(20_000)));
        assertEquals(403, huge.status(), "a form over 16 KiB is not read");
        assertEquals(403, b.post("/forgot-password", Map.of("email", email), false).status(), "no CSRF token, no mail");
        assertEquals(403, b.post("/forgot-password", Map.of("email", email, "csrf", "forged")).status());

        askForReset(b, email);
        String link = mailbox.next(email).link("/reset-password");
        String token = tokenOf(link);
        b.get(pathOf(link));
        Browserless.Page weak = b.post("/reset-password", Map.of("token", token, "password", "short"));
        assertEquals(400, weak.status());
        assertTrue(weak.body().contains("Choose a password of at least 10 characters."), weak.body());
        assertTrue(weak.body().contains("name=\"token\" value=\"" + token + "\""), "the form is shown again, with its link");
        Browserless.Page tooLong = b.post("/reset-password", Map.of("token", token, "password", "x".repeat(129)));
        assertTrue(tooLong.body().contains("Choose a password of at most 128 characters."));
        Browserless.Page noPassword = b.post("/reset-password", Map.of("token", token));
        assertEquals(400, noPassword.status());
        assertEquals(403, b.post("/reset-password", Map.of("token", token, "password", NEW_PASSWORD), false).status(), "no CSRF token");
        b.get(pathOf(link));
        assertEquals(403, b.post("/reset-password", Map.of("token", token, "password", NEW_PASSWORD, "csrf", "x" + b.csrf())).status(), "a wrong one");
        b.get(pathOf(link));
        for (String bad : new String[] {"", "nonsense", "x".repeat(43), "x".repeat(10_000)}) {
            Browserless.Page unknown = b.post("/reset-password", Map.of("token", bad, "password", NEW_PASSWORD));
            assertEquals(404, unknown.status(), bad.length() + " characters");
            assertTrue(unknown.body().contains("This link does not work"));
            b.get(pathOf(link)); // the form again, for the next post's token
        }
        assertEquals(404, b.get("/reset-password").status(), "no token at all");
        assertEquals(404, b.get("/reset-password?token=%00%0d%0a").status());

        assertEquals(303, new Browserless(node.url()).signIn(email, PASSWORD).status(), "nothing changed the password");
        assertEquals(200, b.get(pathOf(link)).status(), "and the link still works");
        assertEquals(303, b.post("/reset-password", Map.of("token", token, "password", NEW_PASSWORD)).status());
    }

    @Test
    void aVerificationLinkMarksTheEmailVerifiedAndANewOneCanBeMailed() throws SQLException {
        String email = newEmail();
        Browserless b = new Browserless(node.url());
        assertEquals(303, b.signUp(email, PASSWORD).status());
        Mailbox.Mail welcome = mailbox.next(email);
        assertEquals("Confirm your email for Numpool", welcome.subject());
        assertTrue(welcome.text().contains("within 24 hours"), welcome.text());
        String balance = b.get("/balance").body();
        assertTrue(balance.contains("Your email is not verified yet. <a href=\"/account\">Verify it</a>"), "every page says so until it is");
        assertTrue(b.get("/account").body().contains("Not verified yet."));

        b.get("/account");
        Browserless.Page resent = b.post("/account/verify-email", Map.of());
        assertEquals(303, resent.status());
        assertTrue(b.get(resent.location().orElseThrow()).body().contains("We mailed a new link to " + email + ". It works for 24 hours"));
        String first = welcome.link("/verify-email");
        String second = mailbox.next(email).link("/verify-email");
        Browserless.Page replaced = b.get(pathOf(first));
        assertEquals(404, replaced.status(), "the newer link replaced the first");
        assertNull(verifiedAt(email));

        Browserless elsewhere = new Browserless(node.url()); // the mail is often opened on another device
        Browserless.Page verified = elsewhere.get(pathOf(second));
        assertEquals(200, verified.status());
        assertTrue(verified.body().contains("Thank you: " + email + " is verified."), verified.body());
        assertNotNull(verifiedAt(email));
        assertEquals(200, elsewhere.get(pathOf(second)).status(), "a second click says the same");
        String account = b.get("/account").body();
        assertTrue(account.contains("Verified on "), account);
        assertFalse(account.contains("/account/verify-email"), "nothing left to resend");
        assertFalse(b.get("/balance").body().contains("not verified"), "the reminder is gone");

        String otherEmail = newEmail();
        Browserless other = signedUp(otherEmail);
        CLOCK.advance(Duration.ofHours(24));
        other.get("/account");
        assertEquals(303, other.post("/account/verify-email", Map.of()).status());
        String fresh = mailbox.next(otherEmail).link("/verify-email");
        CLOCK.advance(Duration.ofHours(24));
        Browserless.Page expired = other.get(pathOf(fresh));
        assertEquals(410, expired.status());
        assertTrue(expired.body().contains("links to verify an email work for 24 hours"), expired.body());
    }

    private static java.sql.Timestamp verifiedAt(String email) throws SQLException {
        try (Connection c = DriverManager.getConnection(databaseUrl);
             ResultSet r = c.createStatement().executeQuery("select email_verified_at from account where email = '" + email + "'")) {
            assertTrue(r.next());
            return r.getTimestamp(1);
        }
    }

    @Test
    void aMailIsWrittenInTheLanguageOfTheVisitorWhoCausedIt() {
        String email = newEmail();
        signedUp(email);
        Browserless russian = new Browserless(node.url());
        russian.cookies.put("__Host-numpool_lang", "ru");
        Browserless.Page asked = askForReset(russian, email);
        assertTrue(asked.body().contains("Проверьте почту"), asked.body());
        Mailbox.Mail mail = mailbox.next(email);
        assertEquals("Смена пароля Numpool", mail.subject());
        assertEquals("ru", mail.language());
        assertTrue(mail.text().contains("в ближайшие 30 минут"), mail.text());
        russian.get(pathOf(mail.link("/reset-password")));
        Browserless.Page weak = russian.post("/reset-password", Map.of("token", tokenOf(mail.link("/reset-password")), "password", "short"));
        assertTrue(weak.body().contains("Придумайте пароль не короче 10 символов."), weak.body());
    }

    @Test
    void theSignUpFormsTrapFieldRefusesBotsQuietlyAndCreatesNothing() {
        String email = newEmail();
        Browserless bot = new Browserless(node.url());
        String form = bot.get("/sign-up").body();
        assertTrue(form.contains("<div class=\"trap\" aria-hidden=\"true\">"), "the trap is there, hidden from people and screen readers");
        Browserless.Page refused = bot.post("/sign-up", Map.of("email", email, "password", PASSWORD, "website", "http://spam.example"));
        assertEquals(403, refused.status());
        assertTrue(refused.body().contains("This form has expired"), "the page any stale form gets, no word of a trap");
        assertFalse(refused.headers().allValues("Set-Cookie").stream().anyMatch(c -> c.startsWith("__Host-numpool_session=")));
        assertEquals(401, new Browserless(node.url()).signIn(email, PASSWORD).status(), "no account was made");
    }

    @Test
    void signUpsAndResetMailsAreLimitedPerAddressAndPerEmail() {
        Map<String, String> config = config();
        // Budgets of their own (the limits are part of the buckets' names in Redis).
        config.put("api.rate-limits.sign-ups-per-ip", "3");
        config.put("api.rate-limits.account-mails-per-ip", "4");
        config.put("api.rate-limits.account-mails-per-email", "2");
        try (Numpool strict = TestNodes.start(config, CLOCK, Mailbox.environment())) {
            for (int i = 0; i < 3; i++) {
                assertEquals(303, new Browserless(strict.url()).signUp(newEmail(), PASSWORD).status(), "sign-up " + (i + 1));
            }
            assertEquals(400, new Browserless(strict.url()).signUp(newEmail(), "short").status(), "a refused form spends no budget...");
            String late = newEmail();
            Browserless.Page limited = new Browserless(strict.url()).signUp(late, PASSWORD);
            assertEquals(429, limited.status());
            assertTrue(limited.body().contains("Too many accounts were created from your network lately. Wait "), limited.body());
            assertTrue(limited.headers().firstValue("Retry-After").isPresent());
            assertEquals(401, new Browserless(strict.url()).signIn(late, PASSWORD).status(), "no account was made");

            Browserless b = new Browserless(strict.url());
            String email = newEmail();
            assertEquals(200, askForReset(b, email).status());
            assertEquals(200, askForReset(b, email).status());
            Browserless.Page perEmail = askForReset(b, email);
            assertEquals(429, perEmail.status(), "a third link for one email within the hour");
            assertTrue(perEmail.body().contains("You have asked for several links already."), perEmail.body());
            assertEquals(200, askForReset(b, newEmail()).status(), "another email is still fine from here");
            Browserless.Page perAddress = askForReset(b, newEmail());
            assertEquals(429, perAddress.status(), "but not a fifth request from one address");
        }
    }

    @Test
    void mailedLinksLeadToThePublicAddressNotToTheRequestsHost() {
        Map<String, String> config = config();
        config.put("numpool.public-url", "https://numpool.example/");
        try (Numpool behindProxy = TestNodes.start(config, CLOCK, Mailbox.environment())) {
            String email = newEmail();
            Browserless b = new Browserless(behindProxy.url());
            b.signUp(email, PASSWORD);
            assertTrue(mailbox.next(email).link("/verify-email").startsWith("https://numpool.example/verify-email?token="));
            askForReset(b, email);
            assertTrue(mailbox.next(email).link("/reset-password").startsWith("https://numpool.example/reset-password?token="));
        }
    }
}
