package dev.numpool.web;

import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Customers' optional two-step sign-in, over HTTP: set up from the account page with a code of
 * an independent RFC 6238 implementation, asked after the password at the next sign-in (no page
 * of the account opens before it), each code good once, and turned off only with a current code.
 * Time moves on the node's test clock.
 */
class TwoStepSignInTest {
    private static final String PASSWORD = "correct horse battery";
    private static final Pattern SECRET = Pattern.compile("id=\"totp-secret\">([A-Z2-7]+)<");
    private static final TestClock CLOCK = new TestClock();
    private static Numpool node;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("api.rate-limits.sign-ins-per-ip", "1000");
        node = TestNodes.start(config, CLOCK);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** Signs up and turns two-step sign-in on; returns the key the setup page showed. */
    private static String signedUpWithTwoStep(Browserless b, String email) {
        assertEquals(303, b.signUp(email, PASSWORD).status());
        assertTrue(b.get("/account").body().contains("<a href=\"/account/two-step\">Turn on two-step sign-in</a>"));
        Browserless.Page setup = b.get("/account/two-step");
        Matcher m = SECRET.matcher(setup.body());
        assertTrue(m.find(), setup.body());
        assertTrue(setup.body().contains("<svg"), "a QR code to scan");
        String secret = m.group(1);

        Browserless.Page wrong = b.post("/account/two-step", Map.of("code", "000000".equals(code(secret)) ? "111111" : "000000"));
        assertEquals(422, wrong.status(), "a wrong code turns nothing on");
        Browserless.Page on = b.post("/account/two-step", Map.of("code", code(secret)));
        assertEquals(303, on.status(), on.body());
        assertTrue(b.get("/account?done=two-step-on").body().contains("Two-step sign-in is on."));
        CLOCK.advance(Duration.ofSeconds(30)); // the setup's code is spent; the next sign-in needs the next one
        return secret;
    }

    private static String code(String secret) {
        return AuthenticatorApp.code(secret, CLOCK.instant());
    }

    @Test
    void theNextSignInAsksForACodeAndOpensNothingBeforeIt() {
        String email = "twostep-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String secret = signedUpWithTwoStep(new Browserless(node.url()), email);

        Browserless b = new Browserless(node.url());
        Browserless.Page signedIn = b.signIn(email, PASSWORD);
        assertEquals(303, signedIn.status());
        assertEquals("/sign-in/code?next=%2Fbalance", signedIn.location().orElseThrow());
        Browserless.Page balance = b.get("/balance");
        assertEquals(303, balance.status(), "the password alone opens no page of the account");
        assertTrue(balance.location().orElseThrow().startsWith("/sign-in/code?next="));
        assertFalse(b.get("/").body().contains(email), "nor shows it as signed in");

        Browserless.Page form = b.get("/sign-in/code?next=%2Fbalance");
        assertEquals(200, form.status());
        Browserless.Page wrong = b.post("/sign-in/code", Map.of("code", "12345x", "next", "/balance"));
        assertEquals(401, wrong.status());
        assertTrue(wrong.body().contains("That is not the code of this moment"), wrong.body());
        assertEquals(303, b.get("/balance").status());

        String code = code(secret);
        Browserless.Page passed = b.post("/sign-in/code", Map.of("code", code, "next", "/balance"));
        assertEquals(303, passed.status(), passed.body());
        assertEquals("/balance", passed.location().orElseThrow());
        assertEquals(200, b.get("/balance").status());

        Browserless other = new Browserless(node.url());
        other.signIn(email, PASSWORD);
        other.get("/sign-in/code");
        assertEquals(401, other.post("/sign-in/code", Map.of("code", code, "next", "/")).status(), "a code works once, even in another session");
        assertEquals(303, other.get("/balance").status());
    }

    @Test
    void twoStepSignInIsTurnedOffOnlyWithACurrentCode() {
        String email = "twostep-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        Browserless b = new Browserless(node.url());
        String secret = signedUpWithTwoStep(b, email);
        b.get("/account");
        assertEquals(422, b.post("/account/two-step/off", Map.of("code", "")).status());
        assertTrue(b.get("/account").body().contains("action=\"/account/two-step/off\""), "still on");
        b.get("/account");
        assertEquals(403, b.post("/account/two-step/off", Map.of("code", code(secret), "csrf", "forged")).status());
        b.get("/account");
        assertEquals(303, b.post("/account/two-step/off", Map.of("code", code(secret))).status());
        assertTrue(b.get("/account").body().contains("Off: your password alone signs you in."));

        Browserless again = new Browserless(node.url());
        Browserless.Page signedIn = again.signIn(email, PASSWORD);
        assertEquals("/balance", signedIn.location().orElseThrow(), "no code asked once it is off");
    }

    @Test
    void theCodesPageOpensOnlyForASessionWaitingForItsCode() {
        Browserless stranger = new Browserless(node.url());
        Browserless.Page page = stranger.get("/sign-in/code");
        assertEquals(303, page.status());
        assertEquals("/sign-in", page.location().orElseThrow());
        stranger.get("/sign-in");
        assertEquals(303, stranger.post("/sign-in/code", Map.of("code", "123456")).status(), "no session: sent to sign in, nothing checked");
    }
}
