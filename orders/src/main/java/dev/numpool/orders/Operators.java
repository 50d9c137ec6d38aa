package dev.numpool.orders;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import dev.numpool.db.Database;
import org.bouncycastle.util.encoders.Base32;

import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The people who run the marketplace: website users with an {@link OperatorRole}, and their TOTP
 * second factor (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits, what every authenticator app
 * reads from an {@code otpauth://} URI). A code is accepted for the current step and one step
 * either side (clock drift), and only once: the step of the last accepted code is stored, and
 * a code of that step or an earlier one is refused. Passing the factor marks the web session, so
 * a new sign-in asks again. Roles are given with the shared operator token ({@code PUT
 * /v1/operator/operators/{email}}), to an account that signed up on the website.
 *
 * <p>Also the operator's reading of customers' data that no customer door offers: accounts by
 * email, and every owner's activations on a number.
 */
public final class Operators {
    /** The time step of a code. */
    public static final Duration STEP = Duration.ofSeconds(30);
    public static final int DIGITS = 6;
    private static final Pattern CODE = Pattern.compile("[0-9]{6}");
    private static final Pattern PHONE = Pattern.compile("\\+?[1-9][0-9]{6,14}");
    private static final int SECRET_BYTES = 20; // 160 bits, RFC 4226's recommendation for HMAC-SHA1

    private final Stores stores;
    private final Clock clock;
    /** Thread-safe: it clones its Mac for each code. */
    private static final TimeBasedOneTimePasswordGenerator TOTP = new TimeBasedOneTimePasswordGenerator(STEP, DIGITS);
    private final SecureRandom random = new SecureRandom();

    Operators(Stores stores, Clock clock) {
        this.stores = stores;
        this.clock = clock;
    }

    public static Operators create(Database db, Clock clock) {
        return new Operators(new Stores(db.dsl()), clock);
    }

    /** An operator: who, in which role, and whether their second factor is enrolled. */
    public record Operator(AccountId account, String email, OperatorRole role, boolean enrolled) {
        /** Who did it, in the audit log: the email, which is how people know each other (cut to the column's 128 characters). */
        public String actor() {
            String actor = "operator:" + email;
            return actor.length() <= 128 ? actor : actor.substring(0, 128);
        }

        /** Who did it, beside a ledger adjustment (a column of 64 characters): the account id, which never changes. */
        public String ledgerActor() {
            return "operator:" + account.value();
        }
    }

    /** How a second-factor code was taken. */
    public enum SecondFactor {
        PASSED,
        /** Not the code of this moment (or one already used). */
        WRONG_CODE,
        /** Enrolment has not started, or (for a confirmation) is already done. */
        NOT_ENROLLING
    }

    public Optional<Operator> operator(AccountId account) {
        return stores.operators().operator(account).map(Operators::operator);
    }

    public List<Operator> operators() {
        return stores.operators().operators().stream().map(Operators::operator).toList();
    }

    /** Gives the account with this email a role; empty when no account has that email. */
    public Optional<Operator> grant(String email, OperatorRole role) {
        Optional<AccountId> account = Users.normaliseEmail(email).flatMap(e -> stores.accounts().accountByEmail(e));
        account.ifPresent(a -> stores.operators().grant(a, role, clock.instant()));
        return account.flatMap(this::operator);
    }

    /**
     * Takes the role away (the account stays a customer), and with it what its sessions passed: a
     * role given again asks for the second factor again. False when it had none.
     */
    public boolean revoke(String email) {
        return Users.normaliseEmail(email).flatMap(e -> stores.accounts().accountByEmail(e)).map(a -> stores.transaction(s -> {
            s.accounts().clearSecondFactors(a);
            return s.operators().revoke(a);
        })).orElse(false);
    }

    /**
     * The secret being enrolled: the one started earlier and not yet confirmed (a reloaded page
     * shows the same one), or a new one, also when {@code fresh}; empty when the account is no
     * operator or is enrolled already.
     */
    public Optional<String> enrolment(AccountId account, boolean fresh) {
        Optional<OperatorStore.Row> row = stores.operators().operator(account);
        if (row.isEmpty() || row.get().confirmed()) {
            return Optional.empty();
        }
        if (row.get().secret().isPresent() && !fresh) {
            return row.get().secret();
        }
        byte[] bytes = new byte[SECRET_BYTES];
        random.nextBytes(bytes);
        String secret = Base32.toBase32String(bytes);
        return stores.operators().startEnrolment(account, secret) ? Optional.of(secret) : Optional.empty();
    }

    /** The URI an authenticator app reads (from its QR code) to enrol {@code secret}. */
    public static String otpauthUri(String email, String secret) {
        String label = URLEncoder.encode("Numpool:" + email, StandardCharsets.UTF_8).replace("+", "%20");
        return "otpauth://totp/" + label + "?secret=" + secret + "&issuer=Numpool&algorithm=SHA1&digits=" + DIGITS + "&period=" + STEP.toSeconds();
    }

    /** Confirms the enrolment started last with a code of its secret, and marks this session as past the factor. */
    public SecondFactor confirmEnrolment(AccountId account, String sessionToken, String code) {
        Optional<OperatorStore.Row> row = stores.operators().operator(account);
        if (row.isEmpty() || row.get().confirmed() || row.get().secret().isEmpty()) {
            return SecondFactor.NOT_ENROLLING;
        }
        return check(row.get(), sessionToken, code, true);
    }

    /** Checks a code of the enrolled secret, and marks this session as past the factor. */
    public SecondFactor verify(AccountId account, String sessionToken, String code) {
        Optional<OperatorStore.Row> row = stores.operators().operator(account);
        if (row.isEmpty() || !row.get().confirmed()) {
            return SecondFactor.NOT_ENROLLING;
        }
        return check(row.get(), sessionToken, code, false);
    }

    private SecondFactor check(OperatorStore.Row row, String sessionToken, String code, boolean confirm) {
        if (code == null || !CODE.matcher(code.strip()).matches()) {
            return SecondFactor.WRONG_CODE;
        }
        Instant now = clock.instant();
        long current = now.getEpochSecond() / STEP.toSeconds();
        for (long step = current - 1; step <= current + 1; step++) {
            String expected = code(row.secret().orElseThrow(), Instant.ofEpochSecond(step * STEP.toSeconds()));
            if (MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), code.strip().getBytes(StandardCharsets.US_ASCII))) {
                long matched = step;
                boolean taken = stores.transaction(s -> s.operators().useStep(row.account(), row.secret().orElseThrow(), matched, confirm, now)
                        && s.accounts().markSecondFactor(Accounts.hash(sessionToken), now));
                return taken ? SecondFactor.PASSED : SecondFactor.WRONG_CODE;
            }
        }
        return SecondFactor.WRONG_CODE;
    }

    /** The code of {@code secret} (base32) at {@code at}: what an authenticator app shows. */
    public static String code(String secret, Instant at) {
        try {
            return String.format(Locale.ROOT, "%0" + DIGITS + "d", TOTP.generateOneTimePassword(
                    new SecretKeySpec(Base32.decode(secret), TOTP.getAlgorithm()), at));
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("an HMAC key of " + SECRET_BYTES + " bytes is always valid", e);
        }
    }

    /** Accounts whose email starts with {@code query}, or whose id it is (at most 50). */
    public List<AccountSummary> findAccounts(String query) {
        String q = query == null ? "" : query.strip().toLowerCase(Locale.ROOT);
        if (q.isEmpty() || q.length() > Users.MAX_EMAIL_LENGTH) {
            return List.of();
        }
        Optional<Long> id = q.matches("[0-9]{1,18}") ? Optional.of(Long.parseLong(q)) : Optional.empty();
        return stores.accounts().search(q, id, 50);
    }

    public Optional<AccountSummary> account(AccountId account) {
        return stores.accounts().summary(account);
    }

    /** Every owner's activations on this number (spaces, dashes and brackets ignored), newest first; empty for what is no number. */
    public List<Activation> activationsOnNumber(String phone) {
        String digits = phone == null ? "" : phone.replaceAll("[\\s()\\-.]", "");
        if (!PHONE.matcher(digits).matches()) {
            return List.of();
        }
        return stores.activations().onNumber(digits.startsWith("+") ? digits : "+" + digits, 50);
    }

    /**
     * Blocks an account (its keys stop working within {@link Accounts#AUTH_CACHE}, its sessions at
     * once, its live activations run their course); false when there is no such account.
     */
    public Block block(AccountId account, String reason) {
        if (reason == null || reason.isBlank() || reason.strip().length() > 200) {
            throw new IllegalArgumentException("a block has a reason of 1 to 200 characters");
        }
        if (stores.operators().operator(account).isPresent()) {
            // Else one operator (or a stolen support password) could lock every admin out, with no
            // console left to undo it: an operator loses the role first, with the shared token.
            return Block.IS_OPERATOR;
        }
        return stores.accounts().setBlocked(account, Optional.of(reason.strip()), clock.instant()) ? Block.DONE : Block.NO_SUCH_ACCOUNT;
    }

    public Block unblock(AccountId account) {
        return stores.accounts().setBlocked(account, Optional.empty(), clock.instant()) ? Block.DONE : Block.NO_SUCH_ACCOUNT;
    }

    /** How a block or an unblock ended. */
    public enum Block {
        DONE, NO_SUCH_ACCOUNT,
        /** An operator's account is not blocked: take the role away first. */
        IS_OPERATOR
    }

    /** Any owner's activation. */
    public Optional<Activation> activation(int id) {
        return stores.activations().anyActivation(id);
    }

    private static Operator operator(OperatorStore.Row row) {
        return new Operator(row.account(), row.email(), row.role(), row.confirmed());
    }
}
