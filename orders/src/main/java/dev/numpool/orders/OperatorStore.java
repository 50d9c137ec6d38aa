package dev.numpool.orders;

import org.jooq.DSLContext;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static dev.numpool.db.jooq.Tables.ACCOUNT;
import static dev.numpool.db.jooq.Tables.OPERATOR;

/** The SQL of operators: their roles and TOTP enrolment (V23). */
final class OperatorStore extends Store {
    OperatorStore(DSLContext dsl) {
        super(dsl);
    }

    /** The row as stored: the secret is base32, empty until enrolment starts. */
    record Row(AccountId account, String email, OperatorRole role, Optional<String> secret, boolean confirmed, long lastStep) {
    }

    Optional<Row> operator(AccountId account) {
        return dsl.select(OPERATOR.ACCOUNT_ID, ACCOUNT.EMAIL, OPERATOR.ROLE, OPERATOR.TOTP_SECRET, OPERATOR.TOTP_CONFIRMED_AT, OPERATOR.TOTP_LAST_STEP)
                .from(OPERATOR).join(ACCOUNT).on(ACCOUNT.ID.eq(OPERATOR.ACCOUNT_ID))
                .where(OPERATOR.ACCOUNT_ID.eq(account.value()))
                .fetchOptional(r -> new Row(new AccountId(r.value1()), r.value2(), OperatorRole.fromWire(r.value3()),
                        Optional.ofNullable(r.value4()), r.value5() != null, r.value6()));
    }

    List<Row> operators() {
        return dsl.select(OPERATOR.ACCOUNT_ID, ACCOUNT.EMAIL, OPERATOR.ROLE, OPERATOR.TOTP_SECRET, OPERATOR.TOTP_CONFIRMED_AT, OPERATOR.TOTP_LAST_STEP)
                .from(OPERATOR).join(ACCOUNT).on(ACCOUNT.ID.eq(OPERATOR.ACCOUNT_ID)).orderBy(OPERATOR.ACCOUNT_ID)
                .fetch(r -> new Row(new AccountId(r.value1()), r.value2(), OperatorRole.fromWire(r.value3()),
                        Optional.ofNullable(r.value4()), r.value5() != null, r.value6()));
    }

    /** Gives the account a role (or changes it); a TOTP enrolment already made is kept. */
    void grant(AccountId account, OperatorRole role, Instant now) {
        dsl.insertInto(OPERATOR).set(OPERATOR.ACCOUNT_ID, account.value()).set(OPERATOR.ROLE, role.wire()).set(OPERATOR.CREATED_AT, at(now))
                .onConflict(OPERATOR.ACCOUNT_ID).doUpdate().set(OPERATOR.ROLE, role.wire()).execute();
    }

    boolean revoke(AccountId account) {
        return dsl.deleteFrom(OPERATOR).where(OPERATOR.ACCOUNT_ID.eq(account.value())).execute() == 1;
    }

    /** A new, unconfirmed secret; refused (false) once a secret is confirmed, so a session cannot replace the factor it passed. */
    boolean startEnrolment(AccountId account, String secret) {
        return dsl.update(OPERATOR).set(OPERATOR.TOTP_SECRET, secret)
                .where(OPERATOR.ACCOUNT_ID.eq(account.value())).and(OPERATOR.TOTP_CONFIRMED_AT.isNull()).execute() == 1;
    }

    /**
     * Takes time step {@code step} of {@code secret} as used, and confirms the enrolment with it
     * when {@code confirm}; false when a code of this step or a later one was used already (a
     * replay), or the secret changed.
     */
    boolean useStep(AccountId account, String secret, long step, boolean confirm, Instant now) {
        var update = dsl.update(OPERATOR).set(OPERATOR.TOTP_LAST_STEP, step);
        if (confirm) {
            update.set(OPERATOR.TOTP_CONFIRMED_AT, at(now));
        }
        // The secret the code was checked against: a new key started meanwhile (another tab) is
        // not confirmed by a code of the old one.
        return update.where(OPERATOR.ACCOUNT_ID.eq(account.value())).and(OPERATOR.TOTP_SECRET.eq(secret))
                .and(OPERATOR.TOTP_LAST_STEP.lt(step)).execute() == 1;
    }
}
