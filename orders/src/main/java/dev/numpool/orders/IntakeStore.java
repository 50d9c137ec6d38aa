package dev.numpool.orders;

import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static dev.numpool.db.jooq.Tables.RENTAL;
import static dev.numpool.db.jooq.Tables.SMS;
import static dev.numpool.db.jooq.Tables.UNMATCHED_SMS;

/**
 * The SQL of SMS intake: stored messages and their parts, the SMS a paid-for late message
 * unlocks, and SMS parked until their activation commits.
 */
final class IntakeStore extends Store {

    IntakeStore(DSLContext dsl) {
        super(dsl);
    }

    /** An earlier SMS of a long message, to join a later part into. */
    record OpenPart(long id, String text) {
    }

    /**
     * The SMS a part that just arrived belongs to: the latest message of the activation from the
     * same sender, within {@code window} of it, with no code found yet and not itself a part, and
     * a whole number of full segments long: a message is split only when it overflows one SMS,
     * into segments of exactly 153 (GSM-7) or 67 (UCS-2) characters, so a text of another length
     * was a whole message, not the first part of one.
     */
    Optional<OpenPart> openPart(int activationId, String sender, Instant receivedAt, Duration window) {
        return dsl.select(SMS.ID, SMS.TEXT).from(SMS)
                .where(SMS.ACTIVATION_ID.eq(activationId)).and(SMS.SENDER.eq(sender))
                .and(SMS.PART_OF.isNull()).and(SMS.CODE.isNull()).and(DSL.length(SMS.TEXT).ge(67))
                .and(DSL.length(SMS.TEXT).mod(67).eq(0).or(DSL.length(SMS.TEXT).mod(153).eq(0)))
                .and(SMS.RECEIVED_AT.between(at(receivedAt.minus(window)), at(receivedAt.plus(window))))
                .orderBy(SMS.ID.desc()).limit(1)
                .fetchOptional(r -> new OpenPart(r.value1(), r.value2()));
    }

    /** Stores a later part of a message (for its dedupe key; the first part shows the whole text). */
    boolean insertSmsPart(int activationId, String dedupeKey, String sender, String text, boolean late, Instant receivedAt, long partOf) {
        return dsl.insertInto(SMS)
                .set(SMS.ACTIVATION_ID, activationId).set(SMS.DEDUPE_KEY, dedupeKey).set(SMS.SENDER, sender)
                .set(SMS.TEXT, text).set(SMS.LATE, late).set(SMS.RECEIVED_AT, at(receivedAt)).set(SMS.PART_OF, partOf)
                .onConflictDoNothing()
                .execute() == 1;
    }

    /** The first part's row takes the whole text, and the code read in it (or a review, when none and the activation is live). */
    void joinSms(long id, String text, Optional<String> code, Optional<String> codeSource, boolean review) {
        dsl.update(SMS).set(SMS.TEXT, text).set(SMS.CODE, code.orElse(null)).set(SMS.CODE_SOURCE, codeSource.orElse(null))
                .set(SMS.REVIEW, review ? "open" : null).where(SMS.ID.eq(id)).execute();
    }

    /** Stores an SMS; false when the same message (by dedupe key) was stored before. */
    boolean insertSms(int activationId, String dedupeKey, String sender, String text, Optional<String> code, Optional<String> codeSource,
                      boolean review, boolean late, Instant receivedAt) {
        return dsl.insertInto(SMS)
                .set(SMS.ACTIVATION_ID, activationId).set(SMS.DEDUPE_KEY, dedupeKey).set(SMS.SENDER, sender)
                .set(SMS.TEXT, text).set(SMS.CODE, code.orElse(null)).set(SMS.CODE_SOURCE, codeSource.orElse(null))
                .set(SMS.REVIEW, review ? "open" : null).set(SMS.LATE, late).set(SMS.RECEIVED_AT, at(receivedAt))
                .onConflictDoNothing()
                .execute() == 1;
    }

    /** Whether an SMS came after its activation's refund ({@code late}), and whether it was paid for since. */
    record SmsRow(boolean late, boolean bought) {
    }

    /** One whole SMS (not a later part) of an activation, locked. */
    Optional<SmsRow> smsForUpdate(int activationId, long smsId) {
        return dsl.selectFrom(SMS).where(SMS.ID.eq(smsId)).and(SMS.ACTIVATION_ID.eq(activationId)).and(SMS.PART_OF.isNull())
                .forUpdate().fetchOptional().map(r -> new SmsRow(r.getLate(), r.getBoughtHoldId() != null));
    }

    /** Records that a withheld SMS was paid for by {@code holdId}. */
    void markSmsBought(long smsId, long holdId) {
        dsl.update(SMS).set(SMS.BOUGHT_HOLD_ID, holdId).where(SMS.ID.eq(smsId)).execute();
    }

    record ParkedSms(long id, String provider, String providerRef, String dedupeKey, String sender, String text, Instant receivedAt) {
    }

    void parkSms(String provider, String providerRef, String dedupeKey, String sender, String text, Instant receivedAt) {
        dsl.insertInto(UNMATCHED_SMS)
                .set(UNMATCHED_SMS.PROVIDER, provider).set(UNMATCHED_SMS.PROVIDER_REF, providerRef)
                .set(UNMATCHED_SMS.DEDUPE_KEY, dedupeKey).set(UNMATCHED_SMS.SENDER, sender)
                .set(UNMATCHED_SMS.TEXT, text).set(UNMATCHED_SMS.RECEIVED_AT, at(receivedAt))
                .onConflictDoNothing()
                .execute();
    }

    /**
     * Parked SMS whose activation exists by now, oldest first, locked (rows another node is
     * applying are skipped).
     */
    List<ParkedSms> matchedParkedSmsForUpdate(int limit) {
        return dsl.select(UNMATCHED_SMS.ID, UNMATCHED_SMS.PROVIDER, UNMATCHED_SMS.PROVIDER_REF, UNMATCHED_SMS.DEDUPE_KEY,
                        UNMATCHED_SMS.SENDER, UNMATCHED_SMS.TEXT, UNMATCHED_SMS.RECEIVED_AT)
                .from(UNMATCHED_SMS)
                .where(DSL.exists(DSL.selectOne().from(ACTIVATION)
                        .where(ACTIVATION.PROVIDER.eq(UNMATCHED_SMS.PROVIDER)).and(ACTIVATION.PROVIDER_REF.eq(UNMATCHED_SMS.PROVIDER_REF)))
                        .or(DSL.exists(DSL.selectOne().from(RENTAL)
                                .where(RENTAL.PROVIDER.eq(UNMATCHED_SMS.PROVIDER)).and(RENTAL.PROVIDER_REF.eq(UNMATCHED_SMS.PROVIDER_REF)))))
                .orderBy(UNMATCHED_SMS.ID).limit(limit)
                .forUpdate().of(UNMATCHED_SMS).skipLocked()
                .fetch(r -> new ParkedSms(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6(), r.value7().toInstant()));
    }

    void deleteParkedSms(long id) {
        dsl.deleteFrom(UNMATCHED_SMS).where(UNMATCHED_SMS.ID.eq(id)).execute();
    }

    int deleteParkedSmsBefore(Instant cutoff, int limit) {
        return dsl.deleteFrom(UNMATCHED_SMS)
                .where(UNMATCHED_SMS.ID.in(DSL.select(UNMATCHED_SMS.ID).from(UNMATCHED_SMS)
                        .where(UNMATCHED_SMS.RECEIVED_AT.lt(at(cutoff))).limit(limit).forUpdate().skipLocked()))
                .execute();
    }
}
