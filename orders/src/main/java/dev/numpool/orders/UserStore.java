package dev.numpool.orders;

import org.jooq.DSLContext;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;

import static dev.numpool.db.jooq.Tables.ACCOUNT;
import static dev.numpool.db.jooq.Tables.ACCOUNT_LINK;

/**
 * The SQL of the links mailed to website users (V28): password resets and email verification,
 * each kept as the SHA-256 of its secret, at most one per account and purpose; and when an
 * account's email was proven.
 */
final class UserStore extends Store {
    UserStore(DSLContext dsl) {
        super(dsl);
    }

    /** A link as stored, with its account's email and whether the account is blocked. */
    record Link(AccountId account, String email, Instant expiresAt, Optional<Instant> usedAt, boolean blocked) {
    }

    /** Writes the account's link of {@code purpose}, replacing (and so ending) any earlier one. */
    void issueLink(AccountId account, String purpose, byte[] tokenHash, Instant now, Instant expiresAt) {
        dsl.insertInto(ACCOUNT_LINK)
                .set(ACCOUNT_LINK.ACCOUNT_ID, account.value()).set(ACCOUNT_LINK.PURPOSE, purpose).set(ACCOUNT_LINK.TOKEN_HASH, tokenHash)
                .set(ACCOUNT_LINK.CREATED_AT, at(now)).set(ACCOUNT_LINK.EXPIRES_AT, at(expiresAt))
                .onConflict(ACCOUNT_LINK.ACCOUNT_ID, ACCOUNT_LINK.PURPOSE).doUpdate()
                .set(ACCOUNT_LINK.TOKEN_HASH, tokenHash).set(ACCOUNT_LINK.CREATED_AT, at(now)).set(ACCOUNT_LINK.EXPIRES_AT, at(expiresAt))
                .setNull(ACCOUNT_LINK.USED_AT)
                .execute();
    }

    Optional<Link> link(byte[] tokenHash, String purpose) {
        return dsl.select(ACCOUNT_LINK.ACCOUNT_ID, ACCOUNT.EMAIL, ACCOUNT_LINK.EXPIRES_AT, ACCOUNT_LINK.USED_AT, ACCOUNT.BLOCKED_AT)
                .from(ACCOUNT_LINK).join(ACCOUNT).on(ACCOUNT.ID.eq(ACCOUNT_LINK.ACCOUNT_ID))
                .where(ACCOUNT_LINK.TOKEN_HASH.eq(tokenHash)).and(ACCOUNT_LINK.PURPOSE.eq(purpose))
                .fetchOptional(r -> new Link(new AccountId(r.value1()), r.value2(), r.value3().toInstant(),
                        Optional.ofNullable(r.value4()).map(OffsetDateTime::toInstant), r.value5() != null));
    }

    /**
     * Uses the link up: its account, when it was unused, unexpired at {@code now} and its account
     * not blocked; empty otherwise. One statement checks and marks, so of two clicks racing one wins.
     */
    Optional<AccountId> useLink(byte[] tokenHash, String purpose, Instant now) {
        return dsl.update(ACCOUNT_LINK).set(ACCOUNT_LINK.USED_AT, at(now))
                .where(ACCOUNT_LINK.TOKEN_HASH.eq(tokenHash)).and(ACCOUNT_LINK.PURPOSE.eq(purpose))
                .and(ACCOUNT_LINK.USED_AT.isNull()).and(ACCOUNT_LINK.EXPIRES_AT.gt(at(now)))
                .and(ACCOUNT_LINK.ACCOUNT_ID.in(org.jooq.impl.DSL.select(ACCOUNT.ID).from(ACCOUNT).where(ACCOUNT.BLOCKED_AT.isNull())))
                .returning(ACCOUNT_LINK.ACCOUNT_ID)
                .fetchOptional(ACCOUNT_LINK.ACCOUNT_ID).map(AccountId::new);
    }

    /** Records that the account's email is proven (the first time only). */
    void markEmailVerified(AccountId account, Instant now) {
        dsl.update(ACCOUNT).set(ACCOUNT.EMAIL_VERIFIED_AT, at(now))
                .where(ACCOUNT.ID.eq(account.value())).and(ACCOUNT.EMAIL_VERIFIED_AT.isNull()).execute();
    }

    /** The account's email and when it was proven (empty inner when not yet); empty when the account has no email. */
    Optional<Email> email(AccountId account) {
        return dsl.select(ACCOUNT.EMAIL, ACCOUNT.EMAIL_VERIFIED_AT).from(ACCOUNT)
                .where(ACCOUNT.ID.eq(account.value())).and(ACCOUNT.EMAIL.isNotNull())
                .fetchOptional(r -> new Email(r.value1(), Optional.ofNullable(r.value2()).map(OffsetDateTime::toInstant)));
    }

    record Email(String address, Optional<Instant> verifiedAt) {
    }
}
