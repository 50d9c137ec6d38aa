package dev.numpool.orders;

import dev.numpool.db.Database;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
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
    public static final Duration STEP = Totp.STEP;
    public static final int DIGITS = Totp.DIGITS;
    private static final Pattern PHONE = Pattern.compile("\\+?[1-9][0-9]{6,14}");
    private final Stores stores;
    private final Clock clock;

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
        String secret = Totp.newSecret();
        return stores.operators().startEnrolment(account, secret) ? Optional.of(secret) : Optional.empty();
    }

    /** The URI an authenticator app reads (from its QR code) to enrol {@code secret}. */
    public static String otpauthUri(String email, String secret) {
        return Totp.otpauthUri(email, secret);
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
        Instant now = clock.instant();
        // The store refuses a step not after the last one used, so each code works once.
        OptionalLong step = Totp.step(row.secret().orElseThrow(), code, now, Long.MIN_VALUE);
        if (step.isEmpty()) {
            return SecondFactor.WRONG_CODE;
        }
        boolean taken = stores.transaction(s -> s.operators().useStep(row.account(), row.secret().orElseThrow(), step.getAsLong(), confirm, now)
                && s.accounts().markSecondFactor(Accounts.hash(sessionToken), now));
        return taken ? SecondFactor.PASSED : SecondFactor.WRONG_CODE;
    }

    /** The code of {@code secret} (base32) at {@code at}: what an authenticator app shows. */
    public static String code(String secret, Instant at) {
        return Totp.code(secret, at);
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
