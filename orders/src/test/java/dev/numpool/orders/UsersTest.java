package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsersTest {
    private static final String PASSWORD = "correct horse battery";
    private static final TestClock CLOCK = new TestClock();
    private static Database db;
    private static Users users;
    private static Ledger ledger;

    @BeforeAll
    static void start() {
        db = TestServers.freshDatabase();
        users = Users.create(db, CLOCK, true);
        ledger = Ledger.create(db, CLOCK);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private static String email() {
        return "u-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    private static Users.SignIn.Started started(Users.SignIn result) {
        return assertInstanceOf(Users.SignIn.Started.class, result);
    }

    @Test
    void aNewSandboxAccountIsSignedInWithTheSandboxCredit() {
        Users.SignIn.Started s = started(users.signUp(email(), PASSWORD));
        assertEquals(Accounts.SANDBOX_CREDIT_MICROS, ledger.balance(s.session().account()).availableMicros());
        assertEquals(s.session().account(), users.session(s.token()).orElseThrow().account());
        assertTrue(ledger.audit().isEmpty(), ledger.audit().toString());
    }

    @Test
    void emailsAreNormalisedAndUsedOnce() {
        String email = email();
        started(users.signUp("  " + email.toUpperCase() + "\t", PASSWORD));
        assertEquals(new Users.SignIn.Refused(Users.Refusal.EMAIL_TAKEN), users.signUp(email, PASSWORD));
        started(users.signIn(email.toUpperCase(), PASSWORD));
        assertEquals(new Users.SignIn.Refused(Users.Refusal.INVALID_EMAIL), users.signUp("not an email", PASSWORD));
        assertEquals(new Users.SignIn.Refused(Users.Refusal.INVALID_EMAIL), users.signUp("a".repeat(250) + "@example.com", PASSWORD));
    }

    @Test
    void passwordsAreBoundedBothWays() {
        assertEquals(new Users.SignIn.Refused(Users.Refusal.PASSWORD_TOO_SHORT), users.signUp(email(), "123456789"));
        assertEquals(new Users.SignIn.Refused(Users.Refusal.PASSWORD_TOO_LONG), users.signUp(email(), "x".repeat(129)));
        started(users.signUp(email(), "x".repeat(128)));
    }

    @Test
    void aWrongPasswordAndAnUnknownEmailAreRefusedAlike() {
        String email = email();
        started(users.signUp(email, PASSWORD));
        Users.SignIn wrong = users.signIn(email, "not the password");
        Users.SignIn unknown = users.signIn(email(), PASSWORD);
        assertEquals(new Users.SignIn.Refused(Users.Refusal.WRONG_CREDENTIALS), wrong);
        assertEquals(wrong, unknown);
    }

    @Test
    void everySignInIsANewSessionAndSignOutEndsOnlyThatOne() {
        String email = email();
        Users.SignIn.Started first = started(users.signUp(email, PASSWORD));
        Users.SignIn.Started second = started(users.signIn(email, PASSWORD));
        assertNotEquals(first.token(), second.token());
        users.signOut(first.token());
        assertTrue(users.session(first.token()).isEmpty());
        assertTrue(users.session(second.token()).isPresent());
        assertTrue(users.session("garbage").isEmpty());
        assertTrue(users.session(null).isEmpty());
    }

    @Test
    void sessionsEndAfterTheirLifetime() {
        Users.SignIn.Started s = started(users.signUp(email(), PASSWORD));
        CLOCK.advance(Users.SESSION_LIFETIME.minus(Duration.ofSeconds(1)));
        assertTrue(users.session(s.token()).isPresent());
        CLOCK.advance(Duration.ofSeconds(1));
        assertFalse(users.session(s.token()).isPresent());
    }

    @Test
    void argon2idHashesVerifyOnlyTheirPasswordAndCarryTheirParameters() {
        Passwords passwords = new Passwords();
        String hash = passwords.hash(PASSWORD);
        assertTrue(hash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), hash);
        assertNotEquals(hash, passwords.hash(PASSWORD), "a new salt each time");
        assertTrue(passwords.verify(PASSWORD, hash));
        assertFalse(passwords.verify(PASSWORD + " ", hash));
        assertFalse(passwords.verify(PASSWORD, "$argon2id$v=19$m=99999999,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                "a stored string cannot ask for unbounded memory");
        String weaker = "$argon2id$v=19$m=8192,t=1,p=1$" + hash.split("\\$")[4] + "$" + hash.split("\\$")[5];
        assertTrue(Passwords.outdated(weaker));
        assertFalse(Passwords.outdated(hash));
    }
}
