package dev.numpool.orders;

import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

import static dev.numpool.db.jooq.Tables.ACCOUNT;
import static dev.numpool.db.jooq.Tables.ACCOUNT_TWO_STEP;
import static dev.numpool.db.jooq.Tables.ACCOUNT_PASSWORD;
import static dev.numpool.db.jooq.Tables.API_KEY;
import static dev.numpool.db.jooq.Tables.LEDGER_ACCOUNT;
import static dev.numpool.db.jooq.Tables.WEB_SESSION;

/**
 * The SQL of accounts, their API keys, and website users with their sessions.
 */
final class AccountStore extends Store {

    AccountStore(DSLContext dsl) {
        super(dsl);
    }

    AccountId insertAccount(boolean sandbox, String currency, Instant now) {
        return insertAccount(sandbox, Optional.empty(), currency, now);
    }

    /** An account; with {@code testOf}, the test account of that live one (V24 lets each have one). */
    AccountId insertAccount(boolean sandbox, Optional<AccountId> testOf, String currency, Instant now) {
        long id = dsl.insertInto(ACCOUNT)
                .set(ACCOUNT.SANDBOX, sandbox).set(ACCOUNT.TEST_OF, testOf.map(AccountId::value).orElse(null))
                .set(ACCOUNT.CURRENCY, currency).set(ACCOUNT.CREATED_AT, at(now))
                .returning(ACCOUNT.ID).fetchOne(ACCOUNT.ID);
        // The debt account comes from the account_debt_ledger trigger (V14). Held money is the
        // sum of open holds, not a cached row (V16), so a code's post locks no account-wide row.
        for (String kind : List.of("wallet", "held")) {
            dsl.insertInto(LEDGER_ACCOUNT)
                    .set(LEDGER_ACCOUNT.ACCOUNT_ID, id).set(LEDGER_ACCOUNT.KIND, kind)
                    .set(LEDGER_ACCOUNT.CURRENCY, currency).set(LEDGER_ACCOUNT.CACHED, kind.equals("wallet"))
                    .execute();
        }
        return new AccountId(id);
    }

    long insertApiKey(AccountId owner, String label, String prefix, byte[] hash, Instant now) {
        return insertApiKey(owner, label, prefix, hash, true, now);
    }

    long insertApiKey(AccountId owner, String label, String prefix, byte[] hash, boolean duplicateWindow, Instant now) {
        return dsl.insertInto(API_KEY)
                .set(API_KEY.ACCOUNT_ID, owner.value()).set(API_KEY.LABEL, label).set(API_KEY.PREFIX, prefix)
                .set(API_KEY.KEY_HASH, hash).set(API_KEY.DUPLICATE_WINDOW, duplicateWindow).set(API_KEY.CREATED_AT, at(now))
                .returning(API_KEY.ID).fetchOne(API_KEY.ID);
    }

    Optional<AccountId> accountForKey(byte[] hash) {
        return callerForKey(hash).map(Accounts.Caller::account);
    }

    /** The live key's account, id and settings. */
    Optional<Accounts.Caller> callerForKey(byte[] hash) {
        return dsl.select(API_KEY.ACCOUNT_ID, API_KEY.ID, API_KEY.DUPLICATE_WINDOW).from(API_KEY).join(ACCOUNT).on(ACCOUNT.ID.eq(API_KEY.ACCOUNT_ID))
                .where(API_KEY.KEY_HASH.eq(hash)).and(API_KEY.REVOKED_AT.isNull()).and(ACCOUNT.BLOCKED_AT.isNull())
                .fetchOptional(r -> new Accounts.Caller(new AccountId(r.value1()), r.value2(), r.value3()));
    }

    boolean keyExists(byte[] hash) {
        return dsl.fetchExists(API_KEY, API_KEY.KEY_HASH.eq(hash));
    }

    /** The owner's keys and its test account's, oldest first. */
    List<ApiKeyInfo> keys(AccountId owner) {
        return dsl.select(API_KEY.ID, API_KEY.LABEL, API_KEY.PREFIX, API_KEY.CREATED_AT, API_KEY.REVOKED_AT, ACCOUNT.TEST_OF.isNotNull(),
                        API_KEY.DUPLICATE_WINDOW)
                .from(API_KEY).join(ACCOUNT).on(ACCOUNT.ID.eq(API_KEY.ACCOUNT_ID))
                .where(ownKeys(owner)).orderBy(API_KEY.ID)
                .fetch(r -> new ApiKeyInfo(r.value1(), r.value2(), r.value3(), r.value4().toInstant(),
                        Optional.ofNullable(r.value5()).map(OffsetDateTime::toInstant), r.value6(), r.value7()));
    }

    /** Revokes one of the owner's keys or of its test account's. */
    boolean revokeKey(AccountId owner, long keyId, Instant now) {
        return dsl.update(API_KEY).set(API_KEY.REVOKED_AT, at(now))
                .where(API_KEY.ID.eq(keyId)).and(ownKeys(owner)).and(API_KEY.REVOKED_AT.isNull())
                .execute() == 1;
    }

    private static org.jooq.Condition ownKeys(AccountId owner) {
        return API_KEY.ACCOUNT_ID.eq(owner.value())
                .or(API_KEY.ACCOUNT_ID.in(DSL.select(ACCOUNT.ID).from(ACCOUNT).where(ACCOUNT.TEST_OF.eq(owner.value()))));
    }

    /** Whether the account's money is play money: a test account's, or any account's on a sandbox node. */
    boolean playMoney(AccountId account) {
        return dsl.fetchExists(ACCOUNT, ACCOUNT.ID.eq(account.value()).and(ACCOUNT.SANDBOX.isTrue()));
    }

    /** Whether the account is a test account (the play-money twin of a live one). */
    boolean isTest(AccountId account) {
        return dsl.fetchExists(ACCOUNT, ACCOUNT.ID.eq(account.value()).and(ACCOUNT.TEST_OF.isNotNull()));
    }

    /** The test account of {@code live}, if it has one yet. */
    Optional<AccountId> testAccountOf(AccountId live) {
        return dsl.select(ACCOUNT.ID).from(ACCOUNT).where(ACCOUNT.TEST_OF.eq(live.value())).fetchOptional(ACCOUNT.ID).map(AccountId::new);
    }

    boolean emailTaken(String email) {
        return dsl.fetchExists(ACCOUNT, ACCOUNT.EMAIL.eq(email));
    }

    void setAccountEmail(AccountId owner, String email) {
        dsl.update(ACCOUNT).set(ACCOUNT.EMAIL, email).where(ACCOUNT.ID.eq(owner.value())).execute();
    }

    void insertPassword(AccountId owner, String passwordHash, Instant now) {
        dsl.insertInto(ACCOUNT_PASSWORD).set(ACCOUNT_PASSWORD.ACCOUNT_ID, owner.value())
                .set(ACCOUNT_PASSWORD.PASSWORD_HASH, passwordHash).set(ACCOUNT_PASSWORD.UPDATED_AT, at(now)).execute();
    }

    void updatePassword(AccountId owner, String passwordHash, Instant now) {
        dsl.update(ACCOUNT_PASSWORD).set(ACCOUNT_PASSWORD.PASSWORD_HASH, passwordHash).set(ACCOUNT_PASSWORD.UPDATED_AT, at(now))
                .where(ACCOUNT_PASSWORD.ACCOUNT_ID.eq(owner.value())).execute();
    }

    record Credentials(AccountId account, String passwordHash, boolean blocked, boolean emailVerified) {
    }

    Optional<Credentials> credentials(String email) {
        return dsl.select(ACCOUNT.ID, ACCOUNT_PASSWORD.PASSWORD_HASH, ACCOUNT.BLOCKED_AT, ACCOUNT.EMAIL_VERIFIED_AT).from(ACCOUNT)
                .join(ACCOUNT_PASSWORD).on(ACCOUNT_PASSWORD.ACCOUNT_ID.eq(ACCOUNT.ID))
                .where(ACCOUNT.EMAIL.eq(email))
                .fetchOptional(r -> new Credentials(new AccountId(r.value1()), r.value2(), r.value3() != null, r.value4() != null));
    }

    void insertSession(byte[] tokenHash, AccountId owner, Instant now, Instant expiresAt) {
        dsl.insertInto(WEB_SESSION).set(WEB_SESSION.TOKEN_HASH, tokenHash).set(WEB_SESSION.ACCOUNT_ID, owner.value())
                .set(WEB_SESSION.CREATED_AT, at(now)).set(WEB_SESSION.EXPIRES_AT, at(expiresAt)).execute();
    }

    Optional<Users.Session> session(byte[] tokenHash, Instant now) {
        return dsl.select(WEB_SESSION.ACCOUNT_ID, ACCOUNT.EMAIL, WEB_SESSION.EXPIRES_AT, WEB_SESSION.SECOND_FACTOR_AT, ACCOUNT.EMAIL_VERIFIED_AT,
                        ACCOUNT_TWO_STEP.CONFIRMED_AT.isNotNull().and(WEB_SESSION.TWO_STEP_AT.isNull()))
                .from(WEB_SESSION).join(ACCOUNT).on(ACCOUNT.ID.eq(WEB_SESSION.ACCOUNT_ID))
                .leftJoin(ACCOUNT_TWO_STEP).on(ACCOUNT_TWO_STEP.ACCOUNT_ID.eq(WEB_SESSION.ACCOUNT_ID))
                .where(WEB_SESSION.TOKEN_HASH.eq(tokenHash)).and(WEB_SESSION.EXPIRES_AT.gt(at(now))).and(ACCOUNT.BLOCKED_AT.isNull())
                .fetchOptional(r -> new Users.Session(new AccountId(r.value1()), r.value2(), r.value3().toInstant(), r.value4() != null,
                        r.value5() != null, Boolean.TRUE.equals(r.value6())));
    }

    /** Forgets that the account's sessions passed a second factor (its operator role was taken away). */
    void clearSecondFactors(AccountId owner) {
        dsl.update(WEB_SESSION).setNull(WEB_SESSION.SECOND_FACTOR_AT).where(WEB_SESSION.ACCOUNT_ID.eq(owner.value())).execute();
    }

    /** Marks the session as having passed the second factor; false when it is gone. */
    boolean markSecondFactor(byte[] tokenHash, Instant now) {
        return dsl.update(WEB_SESSION).set(WEB_SESSION.SECOND_FACTOR_AT, at(now)).where(WEB_SESSION.TOKEN_HASH.eq(tokenHash)).execute() == 1;
    }

    /** Accounts whose email starts with {@code emailPrefix} (lower case), or whose id is {@code id}; by id. */
    List<AccountSummary> search(String emailPrefix, Optional<Long> id, int limit) {
        var where = ACCOUNT.EMAIL.startsWith(emailPrefix);
        if (id.isPresent()) {
            where = where.or(ACCOUNT.ID.eq(id.get()));
        }
        return dsl.select(ACCOUNT.ID, ACCOUNT.EMAIL, ACCOUNT.SANDBOX, ACCOUNT.CREATED_AT, ACCOUNT.BLOCKED_REASON).from(ACCOUNT).where(where)
                .orderBy(ACCOUNT.ID).limit(limit).fetch(AccountStore::summary);
    }

    Optional<AccountSummary> summary(AccountId account) {
        return dsl.select(ACCOUNT.ID, ACCOUNT.EMAIL, ACCOUNT.SANDBOX, ACCOUNT.CREATED_AT, ACCOUNT.BLOCKED_REASON).from(ACCOUNT)
                .where(ACCOUNT.ID.eq(account.value())).fetchOptional(AccountStore::summary);
    }

    private static AccountSummary summary(org.jooq.Record5<Long, String, Boolean, OffsetDateTime, String> r) {
        return new AccountSummary(new AccountId(r.value1()), Optional.ofNullable(r.value2()), r.value3(), r.value4().toInstant(),
                Optional.ofNullable(r.value5()));
    }

    /** Blocks the account with a reason, or (with an empty reason) unblocks it; false when there is no such account. */
    boolean setBlocked(AccountId account, Optional<String> reason, Instant now) {
        // Its test account with it: a blocked customer's test keys stop working too.
        return dsl.update(ACCOUNT).set(ACCOUNT.BLOCKED_AT, reason.isPresent() ? at(now) : null).set(ACCOUNT.BLOCKED_REASON, reason.orElse(null))
                .where(ACCOUNT.ID.eq(account.value()).or(ACCOUNT.TEST_OF.eq(account.value()))).execute() >= 1;
    }

    Optional<AccountId> accountByEmail(String email) {
        return dsl.select(ACCOUNT.ID).from(ACCOUNT).where(ACCOUNT.EMAIL.eq(email)).fetchOptional(r -> new AccountId(r.value1()));
    }

    void deleteSession(byte[] tokenHash) {
        dsl.deleteFrom(WEB_SESSION).where(WEB_SESSION.TOKEN_HASH.eq(tokenHash)).execute();
    }

    /** Ends every session of the account (its password changed): returns how many there were. */
    int deleteSessions(AccountId owner) {
        return dsl.deleteFrom(WEB_SESSION).where(WEB_SESSION.ACCOUNT_ID.eq(owner.value())).execute();
    }

    void deleteExpiredSessions(AccountId owner, Instant now) {
        dsl.deleteFrom(WEB_SESSION).where(WEB_SESSION.ACCOUNT_ID.eq(owner.value())).and(WEB_SESSION.EXPIRES_AT.le(at(now))).execute();
    }

    int pruneExpiredSessions(Instant now, int limit) {
        return dsl.deleteFrom(WEB_SESSION).where(WEB_SESSION.TOKEN_HASH.in(DSL.select(WEB_SESSION.TOKEN_HASH).from(WEB_SESSION)
                .where(WEB_SESSION.EXPIRES_AT.le(at(now))).limit(limit))).execute();
    }

    boolean exists(AccountId owner) {
        return dsl.fetchExists(ACCOUNT, ACCOUNT.ID.eq(owner.value()));
    }
}
