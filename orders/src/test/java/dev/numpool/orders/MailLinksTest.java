package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The links {@link Users} makes for the website to mail: password resets and email verification (V28). */
class MailLinksTest {
    private static final String PASSWORD = "correct horse battery";
    private static final String NEW_PASSWORD = "a brand new passphrase";
    private static final TestClock CLOCK = new TestClock();
    private static Database db;
    private static Users users;

    @BeforeAll
    static void start() {
        db = TestServers.freshDatabase();
        users = Users.create(db, CLOCK, true);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private static String email() {
        return "m-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    private static Users.SignIn.Started signedUp(String email) {
        return assertInstanceOf(Users.SignIn.Started.class, users.signUp(email, PASSWORD));
    }

    private static Users.MailLink resetLink(String email) {
        return assertInstanceOf(Users.ResetRequest.Send.class, users.requestPasswordReset(email)).link();
    }

    @Test
    void aResetLinkSetsTheNewPasswordOnceEndsEverySessionAndProvesTheEmail() {
        String email = email();
        Users.SignIn.Started first = signedUp(email);
        Users.SignIn.Started second = assertInstanceOf(Users.SignIn.Started.class, users.signIn(email, PASSWORD));
        assertFalse(first.session().emailVerified());
        Users.MailLink link = resetLink(" " + email.toUpperCase());
        assertEquals(email, link.email());
        assertTrue(link.token().matches("[A-Za-z0-9_-]{43}"), "32 random bytes, base64url");
        assertEquals(CLOCK.instant().plus(Duration.ofMinutes(30)), link.expiresAt());
        assertFalse(link.toString().contains(link.token()), "the secret stays out of logs");
        assertEquals(new Users.ResetLink.Open(email), users.resetLink(link.token()));

        Users.PasswordReset.Done done = assertInstanceOf(Users.PasswordReset.Done.class, users.resetPassword(link.token(), NEW_PASSWORD));
        assertEquals(first.session().account(), done.session().account());
        assertTrue(done.session().emailVerified(), "the link reached the mailbox: the email is proven");
        assertTrue(users.session(first.token()).isEmpty() && users.session(second.token()).isEmpty(), "every earlier session ended");
        assertTrue(users.session(done.token()).isPresent(), "the new one works");
        assertInstanceOf(Users.SignIn.Started.class, users.signIn(email, NEW_PASSWORD));
        assertEquals(new Users.SignIn.Refused(Users.Refusal.WRONG_CREDENTIALS), users.signIn(email, PASSWORD));

        assertEquals(new Users.PasswordReset.BadLink(Users.LinkProblem.USED), users.resetPassword(link.token(), "yet another passphrase"));
        assertEquals(new Users.ResetLink.Closed(Users.LinkProblem.USED), users.resetLink(link.token()));
        assertInstanceOf(Users.SignIn.Started.class, users.signIn(email, NEW_PASSWORD), "the used link changed nothing");
    }

    @Test
    void aResetLinkExpiresAfterThirtyMinutesAndChangesNothingThen() {
        String email = email();
        Users.SignIn.Started session = signedUp(email);
        Users.MailLink link = resetLink(email);
        CLOCK.advance(Duration.ofMinutes(30).minusSeconds(1));
        assertEquals(new Users.ResetLink.Open(email), users.resetLink(link.token()));
        CLOCK.advance(Duration.ofSeconds(1));
        assertEquals(new Users.ResetLink.Closed(Users.LinkProblem.EXPIRED), users.resetLink(link.token()));
        assertEquals(new Users.PasswordReset.BadLink(Users.LinkProblem.EXPIRED), users.resetPassword(link.token(), NEW_PASSWORD));
        assertTrue(users.session(session.token()).isPresent(), "no session ended");
        assertInstanceOf(Users.SignIn.Started.class, users.signIn(email, PASSWORD), "the password is unchanged");
    }

    @Test
    void aNewerResetLinkEndsTheOlderOne() {
        String email = email();
        signedUp(email);
        Users.MailLink older = resetLink(email);
        Users.MailLink newer = resetLink(email);
        assertEquals(new Users.PasswordReset.BadLink(Users.LinkProblem.UNKNOWN), users.resetPassword(older.token(), NEW_PASSWORD));
        assertInstanceOf(Users.PasswordReset.Done.class, users.resetPassword(newer.token(), NEW_PASSWORD));
    }

    @Test
    void aWeakPasswordIsRefusedAndTheLinkStillWorks() {
        String email = email();
        signedUp(email);
        Users.MailLink link = resetLink(email);
        assertEquals(new Users.PasswordReset.Refused(Users.Refusal.PASSWORD_TOO_SHORT), users.resetPassword(link.token(), "short"));
        assertEquals(new Users.PasswordReset.Refused(Users.Refusal.PASSWORD_TOO_LONG), users.resetPassword(link.token(), "x".repeat(129)));
        assertEquals(new Users.PasswordReset.Refused(Users.Refusal.PASSWORD_TOO_SHORT), users.resetPassword(link.token(), null));
        assertInstanceOf(Users.SignIn.Started.class, users.signIn(email, PASSWORD), "unchanged");
        assertInstanceOf(Users.PasswordReset.Done.class, users.resetPassword(link.token(), NEW_PASSWORD));
    }

    @Test
    void unknownMalformedAndBlockedAccountsGetNoLinkAndNoLinkOfTheirsWorks() {
        assertEquals(new Users.ResetRequest.NoAccount(), users.requestPasswordReset(email()));
        assertEquals(new Users.ResetRequest.InvalidEmail(), users.requestPasswordReset("not an email"));
        assertEquals(new Users.ResetRequest.InvalidEmail(), users.requestPasswordReset(null));
        for (String token : new String[] {null, "", "short", "x".repeat(43), "x".repeat(10_000), "../../etc/passwd"}) {
            assertEquals(new Users.PasswordReset.BadLink(Users.LinkProblem.UNKNOWN), users.resetPassword(token, NEW_PASSWORD));
            assertEquals(new Users.EmailVerification.BadLink(Users.LinkProblem.UNKNOWN), users.verifyEmail(token));
        }

        String email = email();
        Users.SignIn.Started s = signedUp(email);
        Users.MailLink link = resetLink(email);
        Operators.create(db, CLOCK).block(s.session().account(), "fraud");
        assertEquals(new Users.ResetRequest.NoAccount(), users.requestPasswordReset(email), "a blocked account is answered as none");
        assertEquals(new Users.PasswordReset.BadLink(Users.LinkProblem.UNKNOWN), users.resetPassword(link.token(), NEW_PASSWORD),
                "a link sent before the block no longer works");
    }

    @Test
    void theHashOfTheSecretIsStoredNeverTheSecret() {
        String email = email();
        signedUp(email);
        Users.MailLink link = resetLink(email);
        var stored = db.dsl().fetch("select encode(l.token_hash, 'hex') from account_link l join account a on a.id = l.account_id where a.email = ?", email);
        assertEquals(1, stored.size(), "one link per purpose");
        assertEquals(HexFormat.of().formatHex(Accounts.hash(link.token())), stored.get(0).get(0, String.class));
    }

    @Test
    void twoClicksRacingOnOneResetLinkSetOnePassword() throws Exception {
        String email = email();
        signedUp(email);
        Users.MailLink link = resetLink(email);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Callable<Users.PasswordReset> one = () -> users.resetPassword(link.token(), "first racer's passphrase");
            Callable<Users.PasswordReset> two = () -> users.resetPassword(link.token(), "second racer's passphrase");
            Future<Users.PasswordReset> a = pool.submit(one);
            Future<Users.PasswordReset> b = pool.submit(two);
            long done = java.util.stream.Stream.of(a.get(), b.get()).filter(Users.PasswordReset.Done.class::isInstance).count();
            assertEquals(1, done, a.get() + " / " + b.get());
            assertTrue(java.util.stream.Stream.of(a.get(), b.get()).anyMatch(new Users.PasswordReset.BadLink(Users.LinkProblem.USED)::equals));
        }
    }

    @Test
    void aVerificationLinkProvesTheEmailOnceAndAgainSaysItIsProven() {
        String email = email();
        Users.SignIn.Started s = signedUp(email);
        Users.MailLink link = users.emailVerificationLink(s.session().account()).orElseThrow();
        assertEquals(CLOCK.instant().plus(Duration.ofHours(24)), link.expiresAt());
        assertTrue(users.emailVerifiedAt(s.session().account()).isEmpty());
        assertFalse(users.session(s.token()).orElseThrow().emailVerified());

        assertEquals(new Users.EmailVerification.Verified(email), users.verifyEmail(link.token()));
        assertEquals(CLOCK.instant(), users.emailVerifiedAt(s.session().account()).orElseThrow());
        assertTrue(users.session(s.token()).orElseThrow().emailVerified(), "every page of the session knows at once");
        assertTrue(assertInstanceOf(Users.SignIn.Started.class, users.signIn(email, PASSWORD)).session().emailVerified(), "and every new session");
        CLOCK.advance(Duration.ofMinutes(1));
        assertEquals(new Users.EmailVerification.Verified(email), users.verifyEmail(link.token()), "a second click: still proven");
        assertEquals(CLOCK.instant().minus(Duration.ofMinutes(1)), users.emailVerifiedAt(s.session().account()).orElseThrow(), "unchanged");
        assertTrue(users.emailVerificationLink(s.session().account()).isEmpty(), "nothing more to prove");
    }

    @Test
    void aVerificationLinkExpiresAfterADayAndANewOneEndsTheOldOne() {
        String email = email();
        Users.SignIn.Started s = signedUp(email);
        Users.MailLink first = users.emailVerificationLink(s.session().account()).orElseThrow();
        CLOCK.advance(Duration.ofHours(24));
        assertEquals(new Users.EmailVerification.BadLink(Users.LinkProblem.EXPIRED), users.verifyEmail(first.token()));
        Users.MailLink second = users.emailVerificationLink(s.session().account()).orElseThrow();
        Users.MailLink third = users.emailVerificationLink(s.session().account()).orElseThrow();
        assertEquals(new Users.EmailVerification.BadLink(Users.LinkProblem.UNKNOWN), users.verifyEmail(second.token()));
        assertTrue(users.emailVerifiedAt(s.session().account()).isEmpty());
        assertEquals(new Users.EmailVerification.Verified(email), users.verifyEmail(third.token()));
        assertEquals(new Users.EmailVerification.BadLink(Users.LinkProblem.UNKNOWN), users.verifyEmail(resetLinkOf(email)),
                "a reset link is no verification link");
    }

    private static String resetLinkOf(String email) {
        return resetLink(email).token();
    }

    @Test
    void signUpFormsAreCheckedBeforeAnythingIsStored() {
        assertEquals(java.util.Optional.of(Users.Refusal.INVALID_EMAIL), Users.checkSignUp("nope", PASSWORD));
        assertEquals(java.util.Optional.of(Users.Refusal.PASSWORD_TOO_SHORT), Users.checkSignUp(email(), "short"));
        assertEquals(java.util.Optional.empty(), Users.checkSignUp(email(), PASSWORD));
    }
}
