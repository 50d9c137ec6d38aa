package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.ConstraintViolation;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * People who use the website: an account with an email and a password, and their sessions.
 *
 * <p>Passwords are hashed with Argon2id (see {@code Passwords}). A session is a random 256-bit
 * token that lives in the browser's cookie; only its SHA-256 is stored, so sessions work on
 * every node, can be revoked by deleting the row, and a copy of the table logs nobody in. A
 * sign-in always issues a new token (no session fixation). A failed sign-in says the same
 * whether or not the email exists, and takes as long: an unknown email is checked against a
 * decoy hash. In sandbox mode a new account gets the sandbox credit, like an API sandbox account.
 *
 * <p>Links to mail (issue 17): a password reset ({@link #RESET_LINK_LIFETIME}) and an email
 * verification ({@link #VERIFICATION_LINK_LIFETIME}). Each carries 32 random bytes (base64url)
 * of which only the SHA-256 is stored; an account has one link per purpose, so a new one ends
 * the one before; a link works once. Setting a password through a reset link ends every session
 * of the account and proves the email too (the link reached that mailbox). This class makes the
 * links; sending them is the caller's (the website's mail sender), so no mail server is ever
 * waited for inside a transaction.
 */
public final class Users {
    public static final int MIN_PASSWORD_LENGTH = 10;
    /** Argon2 hashes whatever it is given; a bound keeps a huge password from costing more. */
    public static final int MAX_PASSWORD_LENGTH = 128;
    public static final int MAX_EMAIL_LENGTH = 254;
    public static final Duration SESSION_LIFETIME = Duration.ofDays(14);
    /** How long a password-reset link works: short, since whoever holds it takes the account. */
    public static final Duration RESET_LINK_LIFETIME = Duration.ofMinutes(30);
    /** How long an email-verification link works: a day, as people read mail later. */
    public static final Duration VERIFICATION_LINK_LIFETIME = Duration.ofHours(24);
    private static final Pattern EMAIL = Pattern.compile("[^@\\s\"<>()\\[\\],;:\\\\]{1,64}@[a-z0-9-]{1,63}(\\.[a-z0-9-]{1,63})+");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");

    private final Stores stores;
    private final Clock clock;
    private final boolean sandbox;
    private final Passwords passwords = new Passwords();
    private final SecureRandom random = new SecureRandom();
    /** Checked when the email is unknown, so that a miss costs what a hit costs. */
    private final String decoyHash;

    Users(Stores stores, Clock clock, boolean sandbox) {
        this.stores = stores;
        this.clock = clock;
        this.sandbox = sandbox;
        this.decoyHash = passwords.hash(newToken());
    }

    public static Users create(Database db, Clock clock, boolean sandbox) {
        return new Users(new Stores(db.dsl()), clock, sandbox);
    }

    /**
     * A signed-in person: their account and email, until when the session holds, whether it
     * passed a second factor since it began (operators' TOTP, see {@link Operators}), and whether
     * the email is proven (a verification or reset link was followed), and whether it waits for
     * the code of the account's two-step sign-in (until then it opens nothing but the code's page).
     */
    public record Session(AccountId account, String email, Instant expiresAt, boolean secondFactor, boolean emailVerified,
                          boolean twoStepPending) {
    }

    /** How a two-step sign-in code was taken. */
    public enum TwoStep {
        PASSED,
        /** Not the code of this moment, or one already used. */
        WRONG_CODE,
        /** Two-step sign-in is not being set up (or, to turn it off or pass it, is not on). */
        NOT_SET_UP
    }

    /** Every way signing up or in can end. */
    public sealed interface SignIn {
        /** A new session; {@code token} goes into the cookie and exists nowhere else. */
        record Started(Session session, String token) implements SignIn {
            @Override
            public String toString() {
                return "Started[" + session + "]";
            }
        }

        /** Nothing was created or started, for this reason. */
        record Refused(Refusal reason) implements SignIn {
        }
    }

    public enum Refusal {
        /** Not an email address (after trimming and lower-casing), or longer than 254 characters. */
        INVALID_EMAIL,
        PASSWORD_TOO_SHORT,
        PASSWORD_TOO_LONG,
        /** Sign-up only: an account already uses this email. */
        EMAIL_TAKEN,
        /** Sign-in only: the email is unknown or the password wrong (deliberately one answer). */
        WRONG_CREDENTIALS,
        /** Too many sign-ins and sign-ups at this moment to check another password: try again shortly. */
        BUSY,
        /** Sign-in only: the password matched, and an operator blocked the account. */
        BLOCKED
    }

    /** The email as it is stored: trimmed and lower-cased; empty when it is not one. */
    public static Optional<String> normaliseEmail(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String email = raw.strip().toLowerCase(Locale.ROOT);
        return email.length() <= MAX_EMAIL_LENGTH && EMAIL.matcher(email).matches() ? Optional.of(email) : Optional.empty();
    }

    /** Creates an account with this email and password (and the sandbox credit in sandbox mode), signed in. */
    public SignIn signUp(String rawEmail, String password) {
        return unlessBusy(() -> signUpChecked(rawEmail, password));
    }

    /** Both doors hash a password: when too many hashes are running, the answer is {@link Refusal#BUSY}. */
    private static SignIn unlessBusy(java.util.function.Supplier<SignIn> attempt) {
        try {
            return attempt.get();
        } catch (Passwords.Busy e) {
            return new SignIn.Refused(Refusal.BUSY);
        }
    }

    /**
     * What {@link #signUp} would refuse before it looks at the database: an email that is not one,
     * a password too short or too long. Empty when the form is fit to try (the website spends a
     * client's sign-up budget only then, so a typo costs nothing).
     */
    public static Optional<Refusal> checkSignUp(String rawEmail, String password) {
        return normaliseEmail(rawEmail).isEmpty() ? Optional.of(Refusal.INVALID_EMAIL) : checkPassword(password);
    }

    private SignIn signUpChecked(String rawEmail, String password) {
        Optional<Refusal> unfit = checkSignUp(rawEmail, password);
        if (unfit.isPresent()) {
            return new SignIn.Refused(unfit.get());
        }
        Optional<String> email = normaliseEmail(rawEmail);
        if (stores.accounts().emailTaken(email.get())) {
            return new SignIn.Refused(Refusal.EMAIL_TAKEN);
        }
        String hash = passwords.hash(password);
        Instant now = clock.instant();
        try {
            AccountId owner = stores.transaction(s -> {
                AccountId id = s.accounts().insertAccount(sandbox, "USD", now);
                s.accounts().setAccountEmail(id, email.get());
                s.accounts().insertPassword(id, hash, now);
                if (sandbox) {
                    Ledger.creditSandbox(s, id, Accounts.SANDBOX_CREDIT_MICROS, "sandbox:" + id.value(), now);
                }
                return id;
            });
            return startSession(owner, email.get(), false, now);
        } catch (ConstraintViolation e) {
            if (stores.accounts().emailTaken(email.get())) {
                return new SignIn.Refused(Refusal.EMAIL_TAKEN); // another sign-up with this email won the race
            }
            throw e;
        }
    }

    /** Checks the email and password; a new session when they match. */
    public SignIn signIn(String rawEmail, String password) {
        return unlessBusy(() -> signInChecked(rawEmail, password));
    }

    private SignIn signInChecked(String rawEmail, String password) {
        Optional<String> email = normaliseEmail(rawEmail);
        if (email.isEmpty()) {
            return new SignIn.Refused(Refusal.WRONG_CREDENTIALS);
        }
        if (password == null || password.isEmpty() || password.length() > MAX_PASSWORD_LENGTH) {
            return new SignIn.Refused(Refusal.WRONG_CREDENTIALS);
        }
        Optional<AccountStore.Credentials> credentials = stores.accounts().credentials(email.get());
        boolean matches = passwords.verify(password, credentials.map(AccountStore.Credentials::passwordHash).orElse(decoyHash));
        if (credentials.isEmpty() || !matches) {
            return new SignIn.Refused(Refusal.WRONG_CREDENTIALS);
        }
        if (credentials.get().blocked()) {
            return new SignIn.Refused(Refusal.BLOCKED); // said only to whoever knows the password
        }
        Instant now = clock.instant();
        AccountId owner = credentials.get().account();
        if (Passwords.outdated(credentials.get().passwordHash())) {
            stores.accounts().updatePassword(owner, passwords.hash(password), now);
        }
        stores.accounts().deleteExpiredSessions(owner, now);
        return startSession(owner, email.get(), credentials.get().emailVerified(), now);
    }

    /** A link to mail: to whom, the secret its URL carries (stored nowhere: only its hash is), and until when it works. */
    public record MailLink(String email, String token, Instant expiresAt) {
        @Override
        public String toString() {
            return "MailLink[" + email + ", until " + expiresAt + "]";
        }
    }

    /** Why a mailed link does nothing; in each case nothing was changed. */
    public enum LinkProblem {
        /** No such link: mistyped, cut short, or replaced by a newer one of its kind (or its account is blocked). */
        UNKNOWN,
        EXPIRED,
        /** It worked once already. */
        USED
    }

    /** How asking for a password-reset link ended. */
    public sealed interface ResetRequest {
        /** Mail this link to {@code link.email()}. */
        record Send(MailLink link) implements ResetRequest {
        }

        /**
         * No account that can sign in has this email (none, or a blocked one): nothing to send.
         * Callers answer exactly as for {@link Send}, so the answer tells nobody whether an email
         * has an account.
         */
        record NoAccount() implements ResetRequest {
        }

        /** Not an email address at all (saying so tells nothing about accounts). */
        record InvalidEmail() implements ResetRequest {
        }
    }

    /** Whether a reset link still works, for showing its form; looking uses nothing up. */
    public sealed interface ResetLink {
        /** It works, for the account with this email. */
        record Open(String email) implements ResetLink {
        }

        record Closed(LinkProblem problem) implements ResetLink {
        }
    }

    /** How setting a new password through a reset link ended. */
    public sealed interface PasswordReset {
        /**
         * The password is changed, every earlier session of the account ended, and this new one
         * started ({@code token} goes into the cookie).
         */
        record Done(Session session, String token) implements PasswordReset {
            @Override
            public String toString() {
                return "Done[" + session + "]";
            }
        }

        /** The link does not work: nothing changed. */
        record BadLink(LinkProblem problem) implements PasswordReset {
        }

        /** The new password is refused ({@link Refusal#PASSWORD_TOO_SHORT}, {@link Refusal#PASSWORD_TOO_LONG}, {@link Refusal#BUSY}); the link still works. */
        record Refused(Refusal reason) implements PasswordReset {
        }
    }

    /** How following an email-verification link ended. */
    public sealed interface EmailVerification {
        /** The email is proven (now, or by an earlier click of this link). */
        record Verified(String email) implements EmailVerification {
        }

        record BadLink(LinkProblem problem) implements EmailVerification {
        }
    }

    /** What a link is for: its name in the database and how long it works. */
    private enum Purpose {
        RESET_PASSWORD("reset-password", RESET_LINK_LIFETIME),
        VERIFY_EMAIL("verify-email", VERIFICATION_LINK_LIFETIME);

        final String wire;
        final Duration lifetime;

        Purpose(String wire, Duration lifetime) {
            this.wire = wire;
            this.lifetime = lifetime;
        }
    }

    /**
     * A new password-reset link for the account with this email, ending any earlier one. The
     * caller mails it; it answers the visitor the same way whether there was an account or not.
     */
    public ResetRequest requestPasswordReset(String rawEmail) {
        Optional<String> email = normaliseEmail(rawEmail);
        if (email.isEmpty()) {
            return new ResetRequest.InvalidEmail();
        }
        Optional<AccountStore.Credentials> account = stores.accounts().credentials(email.get());
        if (account.isEmpty() || account.get().blocked()) {
            return new ResetRequest.NoAccount();
        }
        return new ResetRequest.Send(issue(account.get().account(), email.get(), Purpose.RESET_PASSWORD));
    }

    /** Whether this reset link works (for showing the form that sets the password); nothing is used up. */
    public ResetLink resetLink(String token) {
        return open(token, Purpose.RESET_PASSWORD).<ResetLink>map(l -> new ResetLink.Open(l.email()))
                .orElseGet(() -> new ResetLink.Closed(problem(token, Purpose.RESET_PASSWORD)));
    }

    /**
     * Sets the account's password through its reset link, once: the link is used up, every
     * session of the account ends, the email counts as proven, and a new session starts, all or
     * nothing. The password follows the rules of {@link #signUp}.
     */
    public PasswordReset resetPassword(String token, String newPassword) {
        Optional<UserStore.Link> link = open(token, Purpose.RESET_PASSWORD);
        if (link.isEmpty()) {
            return new PasswordReset.BadLink(problem(token, Purpose.RESET_PASSWORD));
        }
        Optional<Refusal> weak = checkPassword(newPassword);
        if (weak.isPresent()) {
            return new PasswordReset.Refused(weak.get());
        }
        String hash;
        try {
            hash = passwords.hash(newPassword);
        } catch (Passwords.Busy e) {
            return new PasswordReset.Refused(Refusal.BUSY);
        }
        Instant now = clock.instant();
        byte[] tokenHash = Accounts.hash(token);
        Optional<AccountId> reset = stores.transaction(s -> {
            Optional<AccountId> owner = s.users().useLink(tokenHash, Purpose.RESET_PASSWORD.wire, now);
            owner.ifPresent(a -> {
                s.accounts().updatePassword(a, hash, now);
                s.accounts().deleteSessions(a);
                s.users().markEmailVerified(a, now);
            });
            return owner;
        });
        if (reset.isEmpty()) {
            return new PasswordReset.BadLink(problem(token, Purpose.RESET_PASSWORD)); // another click used it meanwhile
        }
        SignIn.Started started = startSession(reset.get(), link.get().email(), true, now);
        return new PasswordReset.Done(started.session(), started.token());
    }

    /**
     * A new verification link for the account's email, ending any earlier one; empty when the
     * email is proven already (or the account has none). The caller mails it.
     */
    public Optional<MailLink> emailVerificationLink(AccountId account) {
        Optional<UserStore.Email> email = stores.users().email(account);
        if (email.isEmpty() || email.get().verifiedAt().isPresent()) {
            return Optional.empty();
        }
        return Optional.of(issue(account, email.get().address(), Purpose.VERIFY_EMAIL));
    }

    /** Proves the email the link was sent to. A second click of the same link says it is proven, and changes nothing. */
    public EmailVerification verifyEmail(String token) {
        if (token != null && TOKEN.matcher(token).matches()) {
            byte[] tokenHash = Accounts.hash(token);
            Instant now = clock.instant();
            Optional<AccountId> owner = stores.transaction(s -> {
                Optional<AccountId> used = s.users().useLink(tokenHash, Purpose.VERIFY_EMAIL.wire, now);
                used.ifPresent(a -> s.users().markEmailVerified(a, now));
                return used;
            });
            if (owner.isPresent()) {
                return new EmailVerification.Verified(stores.users().email(owner.get()).orElseThrow().address());
            }
            Optional<UserStore.Link> link = stores.users().link(tokenHash, Purpose.VERIFY_EMAIL.wire);
            if (link.isPresent() && link.get().usedAt().isPresent() && !link.get().blocked()) {
                return new EmailVerification.Verified(link.get().email());
            }
        }
        return new EmailVerification.BadLink(problem(token, Purpose.VERIFY_EMAIL));
    }

    /** When the account's email was proven; empty while it is not (or the account has no email). */
    public Optional<Instant> emailVerifiedAt(AccountId account) {
        return stores.users().email(account).flatMap(UserStore.Email::verifiedAt);
    }

    private MailLink issue(AccountId account, String email, Purpose purpose) {
        String token = newToken();
        Instant now = clock.instant();
        Instant expires = now.plus(purpose.lifetime);
        stores.users().issueLink(account, purpose.wire, Accounts.hash(token), now, expires);
        return new MailLink(email, token, expires);
    }

    /** The link when it works at this moment: well formed, known, unused, unexpired, its account not blocked. */
    private Optional<UserStore.Link> open(String token, Purpose purpose) {
        if (token == null || !TOKEN.matcher(token).matches()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        return stores.users().link(Accounts.hash(token), purpose.wire)
                .filter(l -> l.usedAt().isEmpty() && l.expiresAt().isAfter(now) && !l.blocked());
    }

    /** Why a link does not work (read after it was found not to). */
    private LinkProblem problem(String token, Purpose purpose) {
        if (token == null || !TOKEN.matcher(token).matches()) {
            return LinkProblem.UNKNOWN;
        }
        Optional<UserStore.Link> link = stores.users().link(Accounts.hash(token), purpose.wire);
        if (link.isEmpty() || link.get().blocked()) {
            return LinkProblem.UNKNOWN;
        }
        if (link.get().usedAt().isPresent()) {
            return LinkProblem.USED;
        }
        return link.get().expiresAt().isAfter(clock.instant()) ? LinkProblem.USED : LinkProblem.EXPIRED; // unused and open: a racing click is using it
    }

    /** Deletes one batch of expired sessions of any account (a worker calls this); returns how many. */
    public int pruneExpiredSessions(int limit) {
        return stores.accounts().pruneExpiredSessions(clock.instant(), limit);
    }

    /** The live session this cookie token names; empty for unknown, malformed, expired or signed-out tokens. */
    public Optional<Session> session(String token) {
        if (token == null || !TOKEN.matcher(token).matches()) {
            return Optional.empty();
        }
        return stores.accounts().session(Accounts.hash(token), clock.instant());
    }

    /** Ends the session at once, on every node. */
    public void signOut(String token) {
        if (token != null && TOKEN.matcher(token).matches()) {
            stores.accounts().deleteSession(Accounts.hash(token));
        }
    }

    private SignIn.Started startSession(AccountId owner, String email, boolean emailVerified, Instant now) {
        String token = newToken();
        Instant expires = now.plus(SESSION_LIFETIME);
        stores.accounts().insertSession(Accounts.hash(token), owner, now, expires);
        boolean twoStep = stores.twoStep().row(owner).map(TwoStepStore.Row::confirmed).orElse(false);
        return new SignIn.Started(new Session(owner, email, expires, false, emailVerified, twoStep), token);
    }

    /** Whether signing in to this account asks for an authenticator code after the password. */
    public boolean twoStepOn(AccountId account) {
        return stores.twoStep().row(account).map(TwoStepStore.Row::confirmed).orElse(false);
    }

    /**
     * The secret being set up for two-step sign-in: the one started earlier and not yet confirmed
     * (a reloaded page shows the same), or a new one, also when {@code fresh}; empty when two-step
     * sign-in is on already.
     */
    public Optional<String> twoStepSetup(AccountId account, boolean fresh) {
        Optional<TwoStepStore.Row> row = stores.twoStep().row(account);
        if (row.isPresent() && row.get().confirmed()) {
            return Optional.empty();
        }
        if (row.isPresent() && !fresh) {
            return Optional.of(row.get().secret());
        }
        String secret = Totp.newSecret();
        return stores.twoStep().start(account, secret) ? Optional.of(secret) : Optional.empty();
    }

    /** The URI an authenticator app reads (from its QR code) to add {@code secret}. */
    public static String twoStepUri(String email, String secret) {
        return Totp.otpauthUri(email, secret);
    }

    /** Turns two-step sign-in on with a code of the secret being set up; this session counts as past it. */
    public TwoStep confirmTwoStep(AccountId account, String sessionToken, String code) {
        Optional<TwoStepStore.Row> row = stores.twoStep().row(account);
        if (row.isEmpty() || row.get().confirmed()) {
            return TwoStep.NOT_SET_UP;
        }
        return takeCode(row.get(), Optional.of(sessionToken), code, true);
    }

    /** The second step of signing in: a code for the session the password started. */
    public TwoStep passTwoStep(String sessionToken, String code) {
        if (sessionToken == null || !TOKEN.matcher(sessionToken).matches()) {
            return TwoStep.NOT_SET_UP;
        }
        Optional<AccountId> account = stores.twoStep().pendingSession(Accounts.hash(sessionToken), clock.instant());
        Optional<TwoStepStore.Row> row = account.flatMap(a -> stores.twoStep().row(a));
        return row.isEmpty() ? TwoStep.NOT_SET_UP : takeCode(row.get(), Optional.of(sessionToken), code, false);
    }

    /** Turns two-step sign-in off (or abandons setting it up): a current code is the proof asked for. */
    public TwoStep turnOffTwoStep(AccountId account, String code) {
        Optional<TwoStepStore.Row> row = stores.twoStep().row(account);
        if (row.isEmpty()) {
            return TwoStep.NOT_SET_UP;
        }
        TwoStep taken = takeCode(row.get(), Optional.empty(), code, false);
        if (taken == TwoStep.PASSED) {
            stores.twoStep().delete(account);
        }
        return taken;
    }

    private TwoStep takeCode(TwoStepStore.Row row, Optional<String> sessionToken, String code, boolean confirm) {
        Instant now = clock.instant();
        OptionalLong step = Totp.step(row.secret(), code, now, row.lastStep());
        if (step.isEmpty()) {
            return TwoStep.WRONG_CODE;
        }
        boolean taken = stores.transaction(s -> s.twoStep().useStep(row.account(), row.secret(), step.getAsLong(), confirm, now)
                && sessionToken.map(t -> s.twoStep().markSession(Accounts.hash(t), row.account(), now)).orElse(true));
        return taken ? TwoStep.PASSED : TwoStep.WRONG_CODE;
    }

    private static Optional<Refusal> checkPassword(String password) {
        if (password == null || password.codePointCount(0, password.length()) < MIN_PASSWORD_LENGTH) {
            return Optional.of(Refusal.PASSWORD_TOO_SHORT);
        }
        if (password.length() > MAX_PASSWORD_LENGTH) {
            return Optional.of(Refusal.PASSWORD_TOO_LONG);
        }
        return Optional.empty();
    }

    private String newToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
