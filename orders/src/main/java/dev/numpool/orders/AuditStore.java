package dev.numpool.orders;

import org.jooq.DSLContext;
import org.jooq.JSONB;

import java.util.List;
import java.util.Optional;

import static dev.numpool.db.jooq.Tables.OPERATOR_AUDIT;

/** The SQL of the operators' audit log: appended to, read newest first, never changed (V22). */
final class AuditStore extends Store {
    AuditStore(DSLContext dsl) {
        super(dsl);
    }

    void insert(OperatorAudit.Action a) {
        dsl.insertInto(OPERATOR_AUDIT)
                .set(OPERATOR_AUDIT.AT, at(a.at())).set(OPERATOR_AUDIT.ACTOR, a.actor()).set(OPERATOR_AUDIT.ACTION, a.action())
                .set(OPERATOR_AUDIT.TARGET, JSONB.valueOf(a.target())).set(OPERATOR_AUDIT.REQUEST, a.request().orElse(null))
                .set(OPERATOR_AUDIT.BEFORE, a.before().map(JSONB::valueOf).orElse(null))
                .set(OPERATOR_AUDIT.AFTER, a.after().map(JSONB::valueOf).orElse(null))
                .set(OPERATOR_AUDIT.STATUS, a.status()).set(OPERATOR_AUDIT.REQUEST_ID, a.requestId().orElse(null))
                .execute();
    }

    /** Entries with ids below {@code beforeId}, newest first. */
    List<OperatorAudit.Entry> entries(long beforeId, int limit) {
        return dsl.selectFrom(OPERATOR_AUDIT).where(OPERATOR_AUDIT.ID.lt(beforeId)).orderBy(OPERATOR_AUDIT.ID.desc()).limit(limit)
                .fetch(r -> new OperatorAudit.Entry(r.getId(), new OperatorAudit.Action(r.getAt().toInstant(), r.getActor(), r.getAction(),
                        r.getTarget().data(), Optional.ofNullable(r.getRequest()),
                        Optional.ofNullable(r.getBefore()).map(JSONB::data), Optional.ofNullable(r.getAfter()).map(JSONB::data),
                        r.getStatus(), Optional.ofNullable(r.getRequestId()))));
    }
}
