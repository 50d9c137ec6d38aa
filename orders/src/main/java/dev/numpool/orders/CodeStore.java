package dev.numpool.orders;

import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static dev.numpool.db.jooq.Tables.CODE_TEMPLATE;
import static dev.numpool.db.jooq.Tables.SMS;

/**
 * SQL of reading codes: the code templates, and the review queue of SMS that yielded none. It
 * shares the transaction of the {@link Stores} that holds it.
 */
final class CodeStore extends Store {
    /** More rows than any catalogue needs; a bound on what one reload reads. */
    static final int MAX_TEMPLATES = 20_000;

    CodeStore(DSLContext dsl) {
        super(dsl);
    }

    // Templates -----------------------------------------------------------------------------------

    List<CodeTemplate> templates(Optional<String> service) {
        return dsl.selectFrom(CODE_TEMPLATE)
                .where(service.map(CODE_TEMPLATE.SERVICE::eq).orElse(DSL.noCondition()))
                .orderBy(CODE_TEMPLATE.SERVICE, CODE_TEMPLATE.ID).limit(MAX_TEMPLATES)
                .fetch(r -> new CodeTemplate(r.getId(), r.getService(), r.getSender(), r.getTemplate(), r.getOrigin(), r.getHits(),
                        Optional.ofNullable(r.getLastHitAt()).map(OffsetDateTime::toInstant), r.getCreatedAt().toInstant()));
    }

    /** Adds a template; empty when the same one (service, sender, text) is there already. */
    Optional<Long> insertTemplate(String service, String sender, String template, String origin, Instant now) {
        return dsl.insertInto(CODE_TEMPLATE)
                .set(CODE_TEMPLATE.SERVICE, service).set(CODE_TEMPLATE.SENDER, sender).set(CODE_TEMPLATE.TEMPLATE, template)
                .set(CODE_TEMPLATE.ORIGIN, origin).set(CODE_TEMPLATE.CREATED_AT, at(now))
                .onConflictDoNothing()
                .returning(CODE_TEMPLATE.ID).fetchOptional().map(r -> r.getId());
    }

    boolean deleteTemplate(long id) {
        return dsl.deleteFrom(CODE_TEMPLATE).where(CODE_TEMPLATE.ID.eq(id)).execute() == 1;
    }

    /** Writes down hits counted on a node (one statement per template, sent as one batch). */
    void addHits(Map<Long, Long> hits, Instant now) {
        if (hits.isEmpty()) {
            return;
        }
        List<Query> updates = new ArrayList<>(hits.size());
        hits.forEach((id, n) -> updates.add(dsl.update(CODE_TEMPLATE).set(CODE_TEMPLATE.HITS, CODE_TEMPLATE.HITS.plus(n))
                .set(CODE_TEMPLATE.LAST_HIT_AT, at(now)).where(CODE_TEMPLATE.ID.eq(id))));
        dsl.batch(updates).execute();
    }

    /** Keeps the service's {@code keep} most used learned templates and deletes the rest. */
    void evictLearned(String service, int keep) {
        var kept = DSL.select(CODE_TEMPLATE.ID).from(CODE_TEMPLATE)
                .where(CODE_TEMPLATE.SERVICE.eq(service)).and(CODE_TEMPLATE.ORIGIN.eq("learned"))
                .orderBy(CODE_TEMPLATE.HITS.desc(), CODE_TEMPLATE.LAST_HIT_AT.desc().nullsLast(), CODE_TEMPLATE.ID.desc())
                .limit(keep);
        dsl.deleteFrom(CODE_TEMPLATE).where(CODE_TEMPLATE.SERVICE.eq(service)).and(CODE_TEMPLATE.ORIGIN.eq("learned"))
                .and(CODE_TEMPLATE.ID.notIn(kept)).execute();
    }

    // Review queue --------------------------------------------------------------------------------

    /** The open reviews, oldest first, after {@code afterId}: SMS of live activations that yielded no code. */
    List<SmsReview> openReviews(long afterId, int limit) {
        return dsl.select(SMS.ID, SMS.ACTIVATION_ID, ACTIVATION.ACCOUNT_ID, ACTIVATION.SERVICE, ACTIVATION.COUNTRY, ACTIVATION.STATUS,
                        SMS.SENDER, SMS.TEXT, SMS.RECEIVED_AT)
                .from(SMS).join(ACTIVATION).on(ACTIVATION.ID.eq(SMS.ACTIVATION_ID))
                .where(SMS.REVIEW.eq("open")).and(SMS.ID.gt(afterId))
                .orderBy(SMS.ID).limit(limit)
                .fetch(r -> new SmsReview(r.value1(), r.value2(), new AccountId(r.value3()), r.value4(), r.value5(),
                        ActivationStatus.fromWire(r.value6()).orElseThrow(), r.value7(), r.value8(), r.value9().toInstant()));
    }

    /** The activation an SMS belongs to (no lock: the caller locks the activation, then {@link #reviewForUpdate}). */
    Optional<Integer> activationOfSms(long smsId) {
        return dsl.select(SMS.ACTIVATION_ID).from(SMS).where(SMS.ID.eq(smsId)).fetchOptional(r -> r.value1());
    }

    /** An SMS under review, locked: its text, sender and review state (empty when there is no such SMS). */
    Optional<ReviewRow> reviewForUpdate(long smsId) {
        return dsl.select(SMS.ACTIVATION_ID, SMS.SENDER, SMS.TEXT, SMS.REVIEW).from(SMS).where(SMS.ID.eq(smsId)).forUpdate()
                .fetchOptional(r -> new ReviewRow(smsId, r.value1(), r.value2(), r.value3(), Optional.ofNullable(r.value4())));
    }

    record ReviewRow(long smsId, int activationId, String sender, String text, Optional<String> review) {
    }

    /** Closes a review: with the operator's code ({@code marked}) or without one ({@code dismissed}). */
    void closeReview(long smsId, Optional<String> code, Instant now) {
        dsl.update(SMS)
                .set(SMS.REVIEW, code.isPresent() ? "marked" : "dismissed").set(SMS.REVIEWED_AT, at(now))
                .set(SMS.CODE, code.orElse(null)).set(SMS.CODE_SOURCE, code.isPresent() ? "operator" : null)
                .where(SMS.ID.eq(smsId)).execute();
    }

    /** Reviews still open on an activation that just ended: nothing to deliver them to any more. */
    void dropReviews(int activationId, Instant now) {
        dsl.update(SMS).set(SMS.REVIEW, "dismissed").set(SMS.REVIEWED_AT, at(now))
                .where(SMS.ACTIVATION_ID.eq(activationId)).and(SMS.REVIEW.eq("open")).execute();
    }

    /** SMS of the activation whose code only the provider read (the text showed none to us): what a finish confirms. */
    List<ConfirmedCode> providerCodes(int activationId) {
        return dsl.select(SMS.SENDER, SMS.TEXT, SMS.CODE).from(SMS)
                .where(SMS.ACTIVATION_ID.eq(activationId)).and(SMS.CODE_SOURCE.eq("provider")).and(SMS.LATE.isFalse())
                .orderBy(SMS.ID).limit(10)
                .fetch(r -> new ConfirmedCode(r.value1(), r.value2(), r.value3()));
    }

    record ConfirmedCode(String sender, String text, String code) {
    }
}
