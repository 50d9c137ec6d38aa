package dev.numpool.orders;

import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static dev.numpool.db.jooq.Tables.PROVIDER_PURCHASE;
import static dev.numpool.db.jooq.Tables.UPSTREAM_OP;

/**
 * The SQL of what Numpool owes providers and asks them: recorded sales (and those a dead
 * node left), status reports, polling schedules and reconciliation's lookups.
 */
final class UpstreamStore extends Store {
    private static final String PENDING = UpstreamKinds.ReportState.PENDING.wire();
    private static final String INSERT_PURCHASE = "insert into provider_purchase (account_id, provider, provider_ref, lease_until, created_at)"
            + " values (?, ?, ?, ?, ?) returning id";

    UpstreamStore(DSLContext dsl) {
        super(dsl);
    }

    /**
     * Claims the live activations of {@code provider} due to be polled (at most {@code limit},
     * most overdue first; rows another node holds are skipped) and schedules their next poll:
     * every 3 s in the first 2 minutes, when a code is most likely, then every 10 s, then every
     * 30 s; an activation with its code is asked every 30 s, or every 3 s while another code is
     * requested.
     */
    List<LiveRef> claimDuePolls(String provider, Instant now, int limit) {
        var next = DSL.when(ACTIVATION.RETRY_REQUESTED_AT.isNotNull(), at(now.plusSeconds(3)))
                .when(ACTIVATION.STATUS.eq(ActivationStatus.CODE_RECEIVED.wire()).and(ACTIVATION.RETRY_REQUESTED_AT.isNull()),
                        at(now.plusSeconds(30)))
                .when(ACTIVATION.CREATED_AT.gt(at(now.minus(Duration.ofMinutes(2)))), at(now.plusSeconds(3)))
                .when(ACTIVATION.CREATED_AT.gt(at(now.minus(Duration.ofMinutes(10)))), at(now.plusSeconds(10)))
                .otherwise(at(now.plusSeconds(30)));
        return dsl.update(ACTIVATION).set(ACTIVATION.NEXT_POLL_AT, next)
                .where(ACTIVATION.ID.in(DSL.select(ACTIVATION.ID).from(ACTIVATION)
                        .where(ACTIVATION.PROVIDER.eq(provider))
                        .and(ACTIVATION.STATUS.in(ActivationStatus.WAITING_CODE.wire(), ActivationStatus.CODE_RECEIVED.wire()))
                        .and(ACTIVATION.NEXT_POLL_AT.le(at(now)))
                        .orderBy(ACTIVATION.NEXT_POLL_AT)
                        .limit(limit)
                        .forUpdate().skipLocked()))
                .returning(ACTIVATION.ID, ACTIVATION.PROVIDER_REF)
                .fetch(r -> new LiveRef(r.getId(), r.getProviderRef()));
    }

    /** A status report owed to a provider, as a worker claimed it. */
    record UpstreamOp(long id, Integer activationId, String provider, String providerRef, UpstreamKinds.Report kind, int attempts) {
    }

    /**
     * Which of {@code refs} Numpool knows at {@code provider}: an activation, a recorded sale, or
     * a status report (a number already being given back).
     */
    java.util.Set<String> knownRefs(String provider, java.util.Collection<String> refs) {
        if (refs.isEmpty()) {
            return java.util.Set.of();
        }
        return new java.util.HashSet<>(dsl.select(ACTIVATION.PROVIDER_REF).from(ACTIVATION)
                .where(ACTIVATION.PROVIDER.eq(provider)).and(ACTIVATION.PROVIDER_REF.in(refs))
                .union(DSL.select(PROVIDER_PURCHASE.PROVIDER_REF).from(PROVIDER_PURCHASE)
                        .where(PROVIDER_PURCHASE.PROVIDER.eq(provider)).and(PROVIDER_PURCHASE.PROVIDER_REF.in(refs)))
                .union(DSL.select(UPSTREAM_OP.PROVIDER_REF).from(UPSTREAM_OP)
                        .where(UPSTREAM_OP.PROVIDER.eq(provider)).and(UPSTREAM_OP.PROVIDER_REF.in(refs)))
                .fetch(r -> r.value1()));
    }

    long insertUpstreamOp(ActivationStore.ActivationRow a, UpstreamKinds.Report kind, Instant now) {
        return insertUpstreamOp(a.id(), a.provider(), a.providerRef(), kind, now);
    }

    long insertUpstreamOp(Integer activationId, String provider, String providerRef, UpstreamKinds.Report kind, Instant now) {
        return dsl.insertInto(UPSTREAM_OP)
                .set(UPSTREAM_OP.ACTIVATION_ID, activationId).set(UPSTREAM_OP.PROVIDER, provider)
                .set(UPSTREAM_OP.PROVIDER_REF, providerRef).set(UPSTREAM_OP.KIND, kind.wire())
                .set(UPSTREAM_OP.NEXT_ATTEMPT_AT, at(now)).set(UPSTREAM_OP.CREATED_AT, at(now))
                .returning(UPSTREAM_OP.ID).fetchOne(UPSTREAM_OP.ID);
    }

    /** Count of status reports per provider and state. */
    List<UpstreamCount> upstreamCounts() {
        return dsl.select(UPSTREAM_OP.PROVIDER, UPSTREAM_OP.STATE, DSL.count()).from(UPSTREAM_OP)
                .groupBy(UPSTREAM_OP.PROVIDER, UPSTREAM_OP.STATE)
                .fetch(r -> new UpstreamCount(r.value1(), r.value2(), r.value3()));
    }

    record UpstreamCount(String provider, String state, int count) {
    }

    /** The latest status reports in one state, newest first. */
    List<UpstreamReport> upstreamReports(String state, int limit) {
        return dsl.selectFrom(UPSTREAM_OP).where(UPSTREAM_OP.STATE.eq(state)).orderBy(UPSTREAM_OP.ID.desc()).limit(limit)
                .fetch(r -> new UpstreamReport(r.getId(), Optional.ofNullable(r.getActivationId()), r.getProvider(), r.getProviderRef(),
                        r.getKind(), r.getState(), r.getAttempts(), Optional.ofNullable(r.getLastError()), r.getCreatedAt().toInstant()));
    }

    long insertPurchase(AccountId owner, String provider, String providerRef, Instant now, Instant leaseUntil) {
        return jdbc(INSERT_PURCHASE, ps -> {
            ps.setLong(1, owner.value());
            ps.setString(2, provider);
            ps.setString(3, providerRef);
            ps.setObject(4, at(leaseUntil));
            ps.setObject(5, at(now));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /**
     * Moves a sale on from 'sold' (to 'recorded' or 'released'); false when it is no longer
     * 'sold', e.g. recovery released it because this order outlived its lease.
     */
    boolean settlePurchase(long id, UpstreamKinds.Purchase state) {
        return dsl.update(PROVIDER_PURCHASE).set(PROVIDER_PURCHASE.STATE, state.wire())
                .where(PROVIDER_PURCHASE.ID.eq(id)).and(PROVIDER_PURCHASE.STATE.eq(UpstreamKinds.Purchase.SOLD.wire()))
                .execute() == 1;
    }

    /**
     * Sales whose order never recorded them before the lease ran out (the node died), locked;
     * rows another node is recovering are skipped.
     */
    List<ParkedPurchase> abandonedPurchasesForUpdate(Instant now, int limit) {
        return dsl.selectFrom(PROVIDER_PURCHASE)
                .where(PROVIDER_PURCHASE.STATE.eq(UpstreamKinds.Purchase.SOLD.wire())).and(PROVIDER_PURCHASE.LEASE_UNTIL.lt(at(now)))
                .orderBy(PROVIDER_PURCHASE.LEASE_UNTIL).limit(limit)
                .forUpdate().skipLocked()
                .fetch(r -> new ParkedPurchase(r.getId(), r.getProvider(), r.getProviderRef()));
    }

    record ParkedPurchase(long id, String provider, String providerRef) {
    }

    /**
     * Claims due operations (all due ones, or only those of {@code onlyActivation}): each gets one more attempt
     * counted and a lease until {@code leaseUntil}, committed before anyone calls the provider.
     */
    List<UpstreamOp> claimUpstreamOps(Instant now, Instant leaseUntil, int limit, Integer onlyActivation) {
        Condition due = UPSTREAM_OP.STATE.eq(PENDING).and(UPSTREAM_OP.NEXT_ATTEMPT_AT.le(at(now)));
        if (onlyActivation != null) {
            due = due.and(UPSTREAM_OP.ACTIVATION_ID.eq(onlyActivation));
        }
        var rows = dsl.selectFrom(UPSTREAM_OP).where(due).orderBy(UPSTREAM_OP.NEXT_ATTEMPT_AT).limit(limit)
                .forUpdate().skipLocked().fetch();
        List<UpstreamOp> claimed = new ArrayList<>(rows.size());
        for (var r : rows) {
            r.setAttempts(r.getAttempts() + 1);
            r.setNextAttemptAt(at(leaseUntil));
            r.store();
            claimed.add(new UpstreamOp(r.getId(), r.getActivationId(), r.getProvider(), r.getProviderRef(),
                    UpstreamKinds.Report.of(r.getKind()), r.getAttempts()));
        }
        return claimed;
    }

    /** Whether a status report of the activation is still owed (being delivered, or waiting to be retried). */
    boolean hasPendingOps(int activationId) {
        return dsl.fetchExists(UPSTREAM_OP, UPSTREAM_OP.STATE.eq(PENDING).and(UPSTREAM_OP.ACTIVATION_ID.eq(activationId)));
    }

    void finishUpstreamOp(long id, UpstreamKinds.ReportState state, String error, Instant now) {
        dsl.update(UPSTREAM_OP).set(UPSTREAM_OP.STATE, state.wire()).set(UPSTREAM_OP.DONE_AT, at(now))
                .set(UPSTREAM_OP.LAST_ERROR, error)
                .where(UPSTREAM_OP.ID.eq(id)).and(UPSTREAM_OP.STATE.eq(PENDING))
                .execute();
    }

    void retryUpstreamOpAt(long id, Instant at, String error) {
        dsl.update(UPSTREAM_OP).set(UPSTREAM_OP.NEXT_ATTEMPT_AT, at(at)).set(UPSTREAM_OP.LAST_ERROR, error)
                .where(UPSTREAM_OP.ID.eq(id)).and(UPSTREAM_OP.STATE.eq(PENDING))
                .execute();
    }

    /** A live activation to poll: (id, provider ref). */
    record LiveRef(int id, String providerRef) {
    }

    /** True when a status report of this kind for the activation still waits to be delivered. */
    boolean upstreamOpPending(int activationId, UpstreamKinds.Report kind) {
        return dsl.fetchExists(UPSTREAM_OP, UPSTREAM_OP.ACTIVATION_ID.eq(activationId)
                .and(UPSTREAM_OP.KIND.eq(kind.wire())).and(UPSTREAM_OP.STATE.eq(PENDING)));
    }
}
