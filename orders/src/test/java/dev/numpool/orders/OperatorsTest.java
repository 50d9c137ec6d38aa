package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.bouncycastle.util.encoders.Base32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Operators' roles and their TOTP second factor against a real database: codes as any
 * authenticator app makes them (checked against RFC 6238's own test vector and an independent
 * HMAC here), one step of drift either way, no code twice, and a session marked only by a code.
 */
class OperatorsTest {
    private static final String PASSWORD = "correct horse battery";
    private static final TestClock CLOCK = new TestClock(Instant.parse("2026-12-04T10:00:00Z"));
    private static Database db;
    private static Users users;
    private static Operators operators;

    @BeforeAll
    static void start() {
        db = TestServers.freshDatabase();
        users = Users.create(db, CLOCK, true);
        operators = Operators.create(db, CLOCK);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    /** RFC 6238's own test vector (SHA-1, T = 59 s): 94287082 in 8 digits, so 287082 in 6. */
    @Test
    void codesAreRfc6238s() {
        String secret = Base32.toBase32String("12345678901234567890".getBytes(StandardCharsets.US_ASCII));
        assertEquals("287082", Operators.code(secret, Instant.ofEpochSecond(59)));
        assertEquals("081804", Operators.code(secret, Instant.ofEpochSecond(1111111109)));
    }

    @Test
    void anAdminEnrolsWithACodeAndEachCodeWorksOnce() {
        String email = "admin-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        Users.SignIn.Started first = assertInstanceOf(Users.SignIn.Started.class, users.signUp(email, PASSWORD));
        AccountId account = first.session().account();
        assertEquals(Optional.empty(), operators.enrolment(account, false), "a customer has nothing to enrol");
        Operators.Operator admin = operators.grant(email.toUpperCase(), OperatorRole.ADMIN).orElseThrow();
        assertFalse(admin.enrolled());
        assertTrue(admin.role().needsSecondFactor());

        String secret = operators.enrolment(account, false).orElseThrow();
        assertEquals(secret, operators.enrolment(account, false).orElseThrow(), "a reloaded page shows the same key");
        assertEquals(32, secret.length(), "160 bits in base32");
        assertEquals(Operators.SecondFactor.WRONG_CODE, operators.confirmEnrolment(account, first.token(), "000000".equals(app(secret, 0)) ? "111111" : "000000"));
        assertEquals(Operators.SecondFactor.WRONG_CODE, operators.confirmEnrolment(account, first.token(), "12345"));
        assertFalse(users.session(first.token()).orElseThrow().secondFactor());
        assertEquals(Operators.SecondFactor.PASSED, operators.confirmEnrolment(account, first.token(), app(secret, 0)));
        assertTrue(users.session(first.token()).orElseThrow().secondFactor(), "the session passed the factor");
        assertTrue(operators.operator(account).orElseThrow().enrolled());
        assertEquals(Optional.empty(), operators.enrolment(account, true), "an enrolled factor cannot be replaced by a session");

        Users.SignIn.Started second = assertInstanceOf(Users.SignIn.Started.class, users.signIn(email, PASSWORD));
        assertFalse(users.session(second.token()).orElseThrow().secondFactor(), "a new sign-in asks again");
        assertEquals(Operators.SecondFactor.WRONG_CODE, operators.verify(account, second.token(), app(secret, 0)), "the same code again is a replay");
        assertEquals(Operators.SecondFactor.WRONG_CODE, operators.verify(account, second.token(), app(secret, -30)), "an older step is a replay too");
        CLOCK.advance(Duration.ofSeconds(30));
        assertEquals(Operators.SecondFactor.PASSED, operators.verify(account, second.token(), app(secret, 30)), "the next step's code");
        assertTrue(users.session(second.token()).orElseThrow().secondFactor());

        Users.SignIn.Started third = assertInstanceOf(Users.SignIn.Started.class, users.signIn(email, PASSWORD));
        CLOCK.advance(Duration.ofSeconds(60));
        assertEquals(Operators.SecondFactor.PASSED, operators.verify(account, third.token(), app(secret, 30)), "a phone one step behind still works");
        Users.SignIn.Started fourth = assertInstanceOf(Users.SignIn.Started.class, users.signIn(email, PASSWORD));
        CLOCK.advance(Duration.ofSeconds(90));
        assertEquals(Operators.SecondFactor.WRONG_CODE, operators.verify(account, fourth.token(), app(secret, -60)), "two steps behind is too old");
        assertEquals(Operators.SecondFactor.PASSED, operators.verify(account, fourth.token(), app(secret, 30)), "a phone one step ahead works");
    }

    @Test
    void rolesAreGivenToSignedUpAccountsOnlyAndTakenBack() {
        assertEquals(Optional.empty(), operators.grant("nobody-" + UUID.randomUUID() + "@example.com", OperatorRole.SUPPORT));
        String email = "support-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        Users.SignIn.Started s = assertInstanceOf(Users.SignIn.Started.class, users.signUp(email, PASSWORD));
        Operators.Operator support = operators.grant(email, OperatorRole.SUPPORT).orElseThrow();
        assertFalse(support.role().needsSecondFactor());
        assertTrue(support.role().may(OperatorRole.Permission.READ));
        assertFalse(support.role().may(OperatorRole.Permission.CHANGE_MARKUPS));
        assertFalse(support.role().may(OperatorRole.Permission.ADJUST_BALANCES));
        assertEquals(OperatorRole.ADMIN, operators.grant(email, OperatorRole.ADMIN).orElseThrow().role(), "a role can be changed");
        assertTrue(operators.revoke(email));
        assertEquals(Optional.empty(), operators.operator(s.session().account()));
        assertFalse(operators.revoke(email));
        assertEquals(Operators.SecondFactor.NOT_ENROLLING, operators.verify(s.session().account(), s.token(), "123456"));
    }

    @Test
    void theOtpauthUriIsWhatAuthenticatorAppsRead() {
        assertEquals("otpauth://totp/Numpool%3Aops%40example.com?secret=ABC&issuer=Numpool&algorithm=SHA1&digits=6&period=30",
                Operators.otpauthUri("ops@example.com", "ABC"));
    }

    /** What an authenticator app shows {@code offsetSeconds} from the test clock: RFC 6238 written out again here, apart from the code under test. */
    private static String app(String secret, long offsetSeconds) {
        try {
            long step = (CLOCK.instant().getEpochSecond() + offsetSeconds) / 30;
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(Base32.decode(secret), "HmacSHA1"));
            byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
            int offset = h[h.length - 1] & 0x0f;
            int binary = ((h[offset] & 0x7f) << 24) | ((h[offset + 1] & 0xff) << 16) | ((h[offset + 2] & 0xff) << 8) | (h[offset + 3] & 0xff);
            String code = String.format("%06d", binary % 1_000_000);
            assertNotEquals("", code);
            return code;
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
