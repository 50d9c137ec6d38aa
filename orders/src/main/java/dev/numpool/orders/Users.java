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
 */
public final class Users {
    public static final int MIN_PASSWORD_LENGTH = 10;
    /** Argon2 hashes whatever it is given; a bound keeps a huge password from costing more. */
    public static final int MAX_PASSWORD_LENGTH = 128;
    public static final int MAX_EMAIL_LENGTH = 254;
    public static final Duration SESSION_LIFETIME = Duration.ofDays(14);
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
     * A signed-in person: their account and email, until when the session holds, and whether it
     * passed a second factor since it began (operators' TOTP, see {@link Operators}).
     */
    public record Session(AccountId account, String email, Instant expiresAt, boolean secondFactor) {
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

    private SignIn signUpChecked(String rawEmail, String password) {
        Optional<String> email = normaliseEmail(rawEmail);
        if (email.isEmpty()) {
            return new SignIn.Refused(Refusal.INVALID_EMAIL);
        }
        Optional<Refusal> weak = checkPassword(password);
        if (weak.isPresent()) {
            return new SignIn.Refused(weak.get());
        }
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
            return startSession(owner, email.get(), now);
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
        return startSession(owner, email.get(), now);
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

    private SignIn startSession(AccountId owner, String email, Instant now) {
        String token = newToken();
        Instant expires = now.plus(SESSION_LIFETIME);
        stores.accounts().insertSession(Accounts.hash(token), owner, now, expires);
        return new SignIn.Started(new Session(owner, email, expires, false), token);
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
