package dev.numpool.orders;

import dev.numpool.db.jooq.tables.records.StripeDisputeRecord;
import dev.numpool.db.jooq.tables.records.StripeEventRecord;
import dev.numpool.db.jooq.tables.records.TopupRecord;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

import static dev.numpool.db.jooq.Tables.IDEMPOTENCY_KEY;
import static dev.numpool.db.jooq.Tables.STRIPE_DISPUTE;
import static dev.numpool.db.jooq.Tables.STRIPE_EVENT;
import static dev.numpool.db.jooq.Tables.TOPUP;

/**
 * The SQL of top-ups, the Stripe events that pay them, and their disputes.
 */
final class TopupStore extends Store {

    TopupStore(DSLContext dsl) {
        super(dsl);
    }

    /** A new top-up row; empty when {@code idempotencyKey} already names one of the owner's. */
    Optional<Long> insertTopup(AccountId owner, long amountMicros, String currency, String token, Optional<String> idempotencyKey, Instant now) {
        return dsl.insertInto(TOPUP)
                .set(TOPUP.ACCOUNT_ID, owner.value()).set(TOPUP.AMOUNT_MICROS, amountMicros).set(TOPUP.CURRENCY, currency)
                .set(TOPUP.TOKEN, token).set(TOPUP.STATUS, TopupStatus.CREATING.wire()).set(TOPUP.CREATED_AT, at(now))
                .set(TOPUP.IDEMPOTENCY_KEY, idempotencyKey.orElse(null))
                .onConflictDoNothing()
                .returning(TOPUP.ID).fetchOptional(TOPUP.ID);
    }

    /** A top-up as the money path reads it. */
    record TopupRow(long id, long accountId, long amountMicros, String currency, String token, TopupStatus status,
                    Optional<String> checkoutSessionId, Optional<String> checkoutUrl, long refundedMicros, Instant createdAt,
                    Optional<Instant> paidAt) {
    }

    private static TopupRow topupRow(TopupRecord r) {
        return new TopupRow(r.getId(), r.getAccountId(), r.getAmountMicros(), r.getCurrency(), r.getToken(), TopupStatus.fromWire(r.getStatus()),
                Optional.ofNullable(r.getCheckoutSessionId()), Optional.ofNullable(r.getCheckoutUrl()), r.getRefundedMicros(),
                r.getCreatedAt().toInstant(), Optional.ofNullable(r.getPaidAt()).map(OffsetDateTime::toInstant));
    }

    /** A Stripe event as received and as far as it got. */
    record StripeEventRow(String id, String type, Optional<String> paymentIntent, String payload, Instant receivedAt, int attempts,
                          Optional<String> outcome) {
    }

    private static StripeEventRow stripeEventRow(StripeEventRecord r) {
        return new StripeEventRow(r.getId(), r.getType(), Optional.ofNullable(r.getPaymentIntent()), r.getPayload(), r.getReceivedAt().toInstant(),
                r.getAttempts(), Optional.ofNullable(r.getOutcome()));
    }

    /** A dispute of a top-up: Stripe's status, the amount disputed and what was taken back for it so far. */
    record DisputeRow(String id, String status, long amountMicros, long takenMicros) {
    }

    private static DisputeRow disputeRow(StripeDisputeRecord r) {
        return new DisputeRow(r.getId(), r.getStatus(), r.getAmountMicros(), r.getTakenMicros());
    }

    Optional<TopupRow> topupByKey(AccountId owner, String idempotencyKey) {
        return dsl.selectFrom(TOPUP).where(TOPUP.ACCOUNT_ID.eq(owner.value())).and(TOPUP.IDEMPOTENCY_KEY.eq(idempotencyKey)).fetchOptional().map(TopupStore::topupRow);
    }

    void openTopup(long id, String sessionId, String url) {
        dsl.update(TOPUP).set(TOPUP.STATUS, TopupStatus.OPEN.wire()).set(TOPUP.CHECKOUT_SESSION_ID, sessionId).set(TOPUP.CHECKOUT_URL, url)
                .where(TOPUP.ID.eq(id)).and(TOPUP.STATUS.eq(TopupStatus.CREATING.wire())).execute();
    }

    /** Ends a top-up that was never paid; a paid one keeps its status. */
    void endUnpaidTopup(long id, TopupStatus status) {
        dsl.update(TOPUP).set(TOPUP.STATUS, status.wire()).where(TOPUP.ID.eq(id))
                .and(TOPUP.STATUS.in(TopupStatus.CREATING.wire(), TopupStatus.OPEN.wire())).execute();
    }

    Optional<TopupRow> topup(long id) {
        return dsl.selectFrom(TOPUP).where(TOPUP.ID.eq(id)).fetchOptional().map(TopupStore::topupRow);
    }

    Optional<TopupRow> topupForUpdate(long id) {
        return dsl.selectFrom(TOPUP).where(TOPUP.ID.eq(id)).forUpdate().fetchOptional().map(TopupStore::topupRow);
    }

    Optional<TopupRow> topupByPaymentForUpdate(String paymentIntent) {
        return dsl.selectFrom(TOPUP).where(TOPUP.PAYMENT_INTENT.eq(paymentIntent)).forUpdate().fetchOptional().map(TopupStore::topupRow);
    }

    List<TopupRow> topups(AccountId owner, int limit) {
        return dsl.selectFrom(TOPUP).where(TOPUP.ACCOUNT_ID.eq(owner.value())).orderBy(TOPUP.ID.desc()).limit(limit).fetch(TopupStore::topupRow);
    }

    /** Records the payment on the top-up: {@link TopupStatus#PAID}, or {@link TopupStatus#MISMATCH} when it was not credited. */
    void settleTopupPayment(long id, TopupStatus status, String paymentIntent, Instant now) {
        dsl.update(TOPUP).set(TOPUP.STATUS, status.wire()).set(TOPUP.PAYMENT_INTENT, paymentIntent).set(TOPUP.PAID_AT, at(now))
                .where(TOPUP.ID.eq(id)).execute();
    }

    void setTopupRefunded(long id, long refundedMicros) {
        dsl.update(TOPUP).set(TOPUP.REFUNDED_MICROS, refundedMicros).where(TOPUP.ID.eq(id)).execute();
    }

    /** Stores a verified event; false when its id was stored before (a repeat). */
    boolean insertStripeEvent(String id, String type, Long topupId, String paymentIntent, String payload, Instant now) {
        return dsl.insertInto(STRIPE_EVENT)
                .set(STRIPE_EVENT.ID, id).set(STRIPE_EVENT.TYPE, type).set(STRIPE_EVENT.TOPUP_ID, topupId)
                .set(STRIPE_EVENT.PAYMENT_INTENT, paymentIntent).set(STRIPE_EVENT.PAYLOAD, payload).set(STRIPE_EVENT.RECEIVED_AT, at(now))
                .set(STRIPE_EVENT.NEXT_ATTEMPT_AT, at(now))
                .onConflictDoNothing().execute() == 1;
    }

    /** Ids of waiting events due for another try, oldest first (not locked: each is claimed on its own). */
    List<String> dueStripeEvents(Instant now, int limit) {
        return dsl.select(STRIPE_EVENT.ID).from(STRIPE_EVENT)
                .where(STRIPE_EVENT.APPLIED_AT.isNull()).and(STRIPE_EVENT.NEXT_ATTEMPT_AT.le(at(now)))
                .orderBy(STRIPE_EVENT.NEXT_ATTEMPT_AT).limit(limit)
                .fetch(STRIPE_EVENT.ID);
    }

    /** A waiting event, locked for this transaction; empty when settled or another node has it. */
    Optional<StripeEventRow> claimStripeEvent(String id) {
        return dsl.selectFrom(STRIPE_EVENT).where(STRIPE_EVENT.ID.eq(id)).and(STRIPE_EVENT.APPLIED_AT.isNull())
                .forUpdate().skipLocked().fetchOptional().map(TopupStore::stripeEventRow);
    }

    /** Every waiting event of one payment, parked ones too, oldest first, locked; except {@code exceptId}. */
    List<StripeEventRow> waitingForPayment(String paymentIntent, String exceptId) {
        return dsl.selectFrom(STRIPE_EVENT)
                .where(STRIPE_EVENT.APPLIED_AT.isNull()).and(STRIPE_EVENT.PAYMENT_INTENT.eq(paymentIntent)).and(STRIPE_EVENT.ID.ne(exceptId))
                .orderBy(STRIPE_EVENT.RECEIVED_AT, STRIPE_EVENT.ID)
                .forUpdate().skipLocked().fetch(TopupStore::stripeEventRow);
    }

    /** Waiting events, for operators: oldest first. */
    List<StripeEventRow> waitingStripeEvents(int limit) {
        return dsl.selectFrom(STRIPE_EVENT).where(STRIPE_EVENT.APPLIED_AT.isNull())
                .orderBy(STRIPE_EVENT.RECEIVED_AT).limit(limit).fetch(TopupStore::stripeEventRow);
    }

    void settleStripeEvent(String id, String outcome, Instant now) {
        dsl.update(STRIPE_EVENT).set(STRIPE_EVENT.APPLIED_AT, at(now)).set(STRIPE_EVENT.OUTCOME, outcome)
                .where(STRIPE_EVENT.ID.eq(id)).execute();
    }

    void postponeStripeEvent(String id, String outcome, int attempts, Instant nextAttempt) {
        dsl.update(STRIPE_EVENT).set(STRIPE_EVENT.OUTCOME, outcome).set(STRIPE_EVENT.ATTEMPTS, attempts)
                .set(STRIPE_EVENT.NEXT_ATTEMPT_AT, at(nextAttempt))
                .where(STRIPE_EVENT.ID.eq(id)).execute();
    }

    /** Deletes applied events received before {@code before} (their ids are past Stripe's retries). */
    int pruneStripeEvents(Instant before, int limit) {
        return dsl.deleteFrom(STRIPE_EVENT).where(STRIPE_EVENT.ID.in(DSL.select(STRIPE_EVENT.ID).from(STRIPE_EVENT)
                .where(STRIPE_EVENT.APPLIED_AT.isNotNull()).and(STRIPE_EVENT.RECEIVED_AT.lt(at(before))).limit(limit))).execute();
    }

    Optional<DisputeRow> disputeForUpdate(String id) {
        return dsl.selectFrom(STRIPE_DISPUTE).where(STRIPE_DISPUTE.ID.eq(id)).forUpdate().fetchOptional().map(TopupStore::disputeRow);
    }

    void insertDispute(String id, long topupId, long amountMicros, String status, Instant now) {
        dsl.insertInto(STRIPE_DISPUTE).set(STRIPE_DISPUTE.ID, id).set(STRIPE_DISPUTE.TOPUP_ID, topupId)
                .set(STRIPE_DISPUTE.AMOUNT_MICROS, amountMicros).set(STRIPE_DISPUTE.STATUS, status).set(STRIPE_DISPUTE.CREATED_AT, at(now))
                .execute();
    }

    /** The dispute's status and what it has taken; the first close time is kept. */
    void updateDispute(String id, String status, long takenMicros, Optional<Instant> closedAt) {
        dsl.update(STRIPE_DISPUTE).set(STRIPE_DISPUTE.STATUS, status).set(STRIPE_DISPUTE.TAKEN_MICROS, takenMicros)
                .set(STRIPE_DISPUTE.CLOSED_AT, DSL.coalesce(STRIPE_DISPUTE.CLOSED_AT, DSL.val(closedAt.map(Store::at).orElse(null))))
                .where(STRIPE_DISPUTE.ID.eq(id)).execute();
    }
}
