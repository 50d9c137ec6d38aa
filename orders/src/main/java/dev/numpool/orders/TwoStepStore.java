package dev.numpool.orders;

import org.jooq.DSLContext;

import java.time.Instant;
import java.util.Optional;

import static dev.numpool.db.jooq.Tables.ACCOUNT_TWO_STEP;
import static dev.numpool.db.jooq.Tables.WEB_SESSION;

/**
 * The SQL of customers' two-step sign-in (V30): one TOTP secret per account, confirmed or still
 * being set up, the step of its last accepted code; and which sessions passed a code.
 */
final class TwoStepStore extends Store {
    TwoStepStore(DSLContext dsl) {
        super(dsl);
    }

    record Row(AccountId account, String secret, boolean confirmed, long lastStep) {
    }

    Optional<Row> row(AccountId account) {
        return dsl.select(ACCOUNT_TWO_STEP.SECRET, ACCOUNT_TWO_STEP.CONFIRMED_AT, ACCOUNT_TWO_STEP.LAST_STEP).from(ACCOUNT_TWO_STEP)
                .where(ACCOUNT_TWO_STEP.ACCOUNT_ID.eq(account.value()))
                .fetchOptional(r -> new Row(account, r.value1(), r.value2() != null, r.value3()));
    }

    /** Starts (or restarts) setting up a secret; false when the account has one confirmed already. */
    boolean start(AccountId account, String secret) {
        return dsl.insertInto(ACCOUNT_TWO_STEP).set(ACCOUNT_TWO_STEP.ACCOUNT_ID, account.value()).set(ACCOUNT_TWO_STEP.SECRET, secret)
                .onConflict(ACCOUNT_TWO_STEP.ACCOUNT_ID).doUpdate().set(ACCOUNT_TWO_STEP.SECRET, secret).set(ACCOUNT_TWO_STEP.LAST_STEP, 0L)
                .where(ACCOUNT_TWO_STEP.CONFIRMED_AT.isNull())
                .execute() == 1;
    }

    /**
     * Takes a code's step for the secret it was checked against (a new secret started meanwhile,
     * in another tab, is not confirmed by a code of the old one), confirming the secret if asked;
     * false when the step was used already (the code is spent) or the secret changed.
     */
    boolean useStep(AccountId account, String secret, long step, boolean confirm, Instant now) {
        var update = dsl.update(ACCOUNT_TWO_STEP).set(ACCOUNT_TWO_STEP.LAST_STEP, step);
        if (confirm) {
            update.set(ACCOUNT_TWO_STEP.CONFIRMED_AT, at(now));
        }
        return update.where(ACCOUNT_TWO_STEP.ACCOUNT_ID.eq(account.value())).and(ACCOUNT_TWO_STEP.SECRET.eq(secret))
                .and(ACCOUNT_TWO_STEP.LAST_STEP.lt(step)).execute() == 1;
    }

    void delete(AccountId account) {
        dsl.deleteFrom(ACCOUNT_TWO_STEP).where(ACCOUNT_TWO_STEP.ACCOUNT_ID.eq(account.value())).execute();
    }

    /** Marks the session as past the code; false when it is gone or belongs to another account. */
    boolean markSession(byte[] tokenHash, AccountId account, Instant now) {
        return dsl.update(WEB_SESSION).set(WEB_SESSION.TWO_STEP_AT, at(now))
                .where(WEB_SESSION.TOKEN_HASH.eq(tokenHash)).and(WEB_SESSION.ACCOUNT_ID.eq(account.value())).execute() == 1;
    }

    /** The account of a live session that has yet to pass its code. */
    Optional<AccountId> pendingSession(byte[] tokenHash, Instant now) {
        return dsl.select(WEB_SESSION.ACCOUNT_ID).from(WEB_SESSION).join(ACCOUNT_TWO_STEP).on(ACCOUNT_TWO_STEP.ACCOUNT_ID.eq(WEB_SESSION.ACCOUNT_ID))
                .where(WEB_SESSION.TOKEN_HASH.eq(tokenHash)).and(WEB_SESSION.EXPIRES_AT.gt(at(now))).and(WEB_SESSION.TWO_STEP_AT.isNull())
                .and(ACCOUNT_TWO_STEP.CONFIRMED_AT.isNotNull())
                .fetchOptional(r -> new AccountId(r.value1()));
    }
}
