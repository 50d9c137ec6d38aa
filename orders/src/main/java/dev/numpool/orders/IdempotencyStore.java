package dev.numpool.orders;

import dev.numpool.db.ConstraintViolation;
import dev.numpool.db.jooq.tables.records.IdempotencyKeyRecord;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

import static dev.numpool.db.jooq.Tables.IDEMPOTENCY_KEY;

/**
 * The SQL of Idempotency-Keys: a key is claimed before the work and completed with its
 * response in the same statement as the effect ({@code place_order}), or freed when nothing changed.
 */
final class IdempotencyStore extends Store {
    private static final String INSERT_KEY = "insert into idempotency_key (account_id, key, fingerprint, locked_until, created_at)"
            + " values (?, ?, ?, ?, ?) on conflict do nothing";

    IdempotencyStore(DSLContext dsl) {
        super(dsl);
    }

    sealed interface Claim {
        record Owned() implements Claim {
        }

        /** {@code createdAt}: when the key was claimed for the request whose response this is. */
        record Replay(StoredResponse response, Instant createdAt) implements Claim {
        }

        record Mismatch() implements Claim {
        }

        record Busy() implements Claim {
        }
    }

    /**
     * Claims {@code key} for a request. A concurrent insert of the same key waits for the other
     * transaction (which is this same short claim) and then sees its row.
     */
    Claim claim(AccountId owner, IdempotencyKey key, byte[] fingerprint, Instant now, Instant lockedUntil) {
        return insertKey(owner, key, fingerprint, now, lockedUntil) ? new Claim.Owned()
                : taken(owner, key, fingerprint, now, lockedUntil);
    }

    /** A key that exists, or is being inserted by a concurrent claim, read in a short transaction of its own. */
    private Claim taken(AccountId owner, IdempotencyKey key, byte[] fingerprint, Instant now, Instant lockedUntil) {
        try {
            return dsl.transactionResult(c -> new IdempotencyStore(c.dsl()).claimTaken(owner, key, fingerprint, now, lockedUntil));
        } catch (RuntimeException e) {
            throw ConstraintViolation.translated(e);
        }
    }

    /** The usual case, a new key, in one autocommitted statement; false when the key exists. */
    private boolean insertKey(AccountId owner, IdempotencyKey key, byte[] fingerprint, Instant now, Instant lockedUntil) {
        return jdbc(INSERT_KEY, ps -> {
            ps.setLong(1, owner.value());
            ps.setString(2, key.value());
            ps.setBytes(3, fingerprint);
            ps.setObject(4, at(lockedUntil));
            ps.setObject(5, at(now));
            return ps.executeUpdate() == 1;
        });
    }

    private Claim claimTaken(AccountId owner, IdempotencyKey key, byte[] fingerprint, Instant now, Instant lockedUntil) {
        int inserted = dsl.insertInto(IDEMPOTENCY_KEY)
                .set(IDEMPOTENCY_KEY.ACCOUNT_ID, owner.value()).set(IDEMPOTENCY_KEY.KEY, key.value())
                .set(IDEMPOTENCY_KEY.FINGERPRINT, fingerprint).set(IDEMPOTENCY_KEY.LOCKED_UNTIL, at(lockedUntil))
                .set(IDEMPOTENCY_KEY.CREATED_AT, at(now))
                .onConflictDoNothing()
                .execute();
        if (inserted == 1) {
            return new Claim.Owned();
        }
        Optional<IdempotencyKeyRecord> row = dsl.selectFrom(IDEMPOTENCY_KEY)
                .where(IDEMPOTENCY_KEY.ACCOUNT_ID.eq(owner.value())).and(IDEMPOTENCY_KEY.KEY.eq(key.value()))
                .forUpdate().fetchOptional();
        if (row.isEmpty()) {
            return new Claim.Busy(); // released by its owner a moment ago; the client may retry
        }
        IdempotencyKeyRecord r = row.get();
        if (!Arrays.equals(r.getFingerprint(), fingerprint)) {
            return new Claim.Mismatch();
        }
        if (r.getResponseStatus() != null) {
            return new Claim.Replay(new StoredResponse(r.getResponseStatus(), r.getResponseBody()), r.getCreatedAt().toInstant());
        }
        if (r.getLockedUntil().toInstant().isAfter(now)) {
            return new Claim.Busy();
        }
        // The first request's node died mid-way (its lock ran out): this request takes over.
        r.setLockedUntil(at(lockedUntil));
        r.store();
        return new Claim.Owned();
    }

    /**
     * Takes a completed key over for a new request, as if it were new (the duplicate window's key
     * once its window passed or its activation moved on): only if it is still the completed key
     * claimed at {@code claimedAt}, so of two requests racing to take it over one wins and the other
     * finds it busy. True when this request owns it now.
     */
    boolean retake(AccountId owner, IdempotencyKey key, Instant claimedAt, byte[] fingerprint, Instant now, Instant lockedUntil) {
        return dsl.update(IDEMPOTENCY_KEY)
                .set(IDEMPOTENCY_KEY.FINGERPRINT, fingerprint).set(IDEMPOTENCY_KEY.LOCKED_UNTIL, at(lockedUntil))
                .set(IDEMPOTENCY_KEY.CREATED_AT, at(now))
                .setNull(IDEMPOTENCY_KEY.RESPONSE_STATUS).setNull(IDEMPOTENCY_KEY.RESPONSE_BODY)
                .where(IDEMPOTENCY_KEY.ACCOUNT_ID.eq(owner.value())).and(IDEMPOTENCY_KEY.KEY.eq(key.value()))
                .and(IDEMPOTENCY_KEY.RESPONSE_STATUS.isNotNull()).and(IDEMPOTENCY_KEY.CREATED_AT.eq(at(claimedAt)))
                .execute() == 1;
    }

    /**
     * Stores the response of the request that holds {@code key} (its lock ending at
     * {@code lockedUntil}), in the caller's transaction with the effect; false when a retry took
     * the key over meanwhile, and the caller must then roll back.
     */
    boolean complete(AccountId owner, IdempotencyKey key, Instant lockedUntil, StoredResponse response) {
        return dsl.update(IDEMPOTENCY_KEY).set(IDEMPOTENCY_KEY.RESPONSE_STATUS, response.status())
                .set(IDEMPOTENCY_KEY.RESPONSE_BODY, response.body())
                .where(IDEMPOTENCY_KEY.ACCOUNT_ID.eq(owner.value())).and(IDEMPOTENCY_KEY.KEY.eq(key.value()))
                .and(IDEMPOTENCY_KEY.RESPONSE_STATUS.isNull()).and(IDEMPOTENCY_KEY.LOCKED_UNTIL.eq(at(lockedUntil)))
                .execute() == 1;
    }

    /**
     * Frees a key whose request changed nothing, so the client can retry with it; a key another
     * request has taken over since is left alone.
     */
    void releaseKey(AccountId owner, IdempotencyKey key, Instant lockedUntil) {
        dsl.deleteFrom(IDEMPOTENCY_KEY)
                .where(IDEMPOTENCY_KEY.ACCOUNT_ID.eq(owner.value())).and(IDEMPOTENCY_KEY.KEY.eq(key.value()))
                .and(IDEMPOTENCY_KEY.RESPONSE_STATUS.isNull()).and(IDEMPOTENCY_KEY.LOCKED_UNTIL.eq(at(lockedUntil)))
                .execute();
    }

    int deleteKeysCreatedBefore(Instant cutoff, int limit) {
        return dsl.deleteFrom(IDEMPOTENCY_KEY)
                .where(DSL.row(IDEMPOTENCY_KEY.ACCOUNT_ID, IDEMPOTENCY_KEY.KEY).in(
                        DSL.select(IDEMPOTENCY_KEY.ACCOUNT_ID, IDEMPOTENCY_KEY.KEY).from(IDEMPOTENCY_KEY)
                                .where(IDEMPOTENCY_KEY.CREATED_AT.lt(at(cutoff))).limit(limit)
                                .forUpdate().skipLocked()))
                .execute();
    }
}
