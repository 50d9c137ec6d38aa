package dev.numpool.orders;

import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static dev.numpool.db.jooq.Tables.WEBHOOK_ATTEMPT;
import static dev.numpool.db.jooq.Tables.WEBHOOK_DELIVERY;
import static dev.numpool.db.jooq.Tables.WEBHOOK_ENDPOINT;

/**
 * The SQL of webhook endpoints and their signed outbox: deliveries, claims and attempts.
 */
final class WebhookStore extends Store {

    /** Set when this store (bound to a transaction) wrote deliveries, so the commit wakes the dispatchers. */
    private boolean queued;

    WebhookStore(DSLContext dsl) {
        super(dsl);
    }

    /** An endpoint as its owner sees it (never its secrets). */
    record Endpoint(long id, long accountId, String url, List<String> eventTypes, WebhookFormat format, boolean enabled,
                    Optional<String> disabledReason, Instant createdAt) {
    }

    /**
     * A delivery due now, with what is needed to send it, claimed until {@code lease};
     * {@code waitedMillis} is how long it waited between its commit and this claim (by the
     * database's clock), and 0 for retries and for deliveries another claim had let run out.
     */
    record DueDelivery(long id, long endpointId, String url, String messageId, String payload, int attempts, Instant createdAt,
                       String secret, Optional<String> previousSecret, Instant lease, long waitedMillis) {
    }

    long insertEndpoint(AccountId owner, String url, List<String> eventTypes, WebhookFormat format, String secret, Instant now) {
        return dsl.insertInto(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.ACCOUNT_ID, owner.value()).set(WEBHOOK_ENDPOINT.URL, url)
                .set(WEBHOOK_ENDPOINT.EVENT_TYPES, eventTypes.toArray(String[]::new)).set(WEBHOOK_ENDPOINT.FORMAT, format.wire())
                .set(WEBHOOK_ENDPOINT.SECRET, secret)
                .set(WEBHOOK_ENDPOINT.CREATED_AT, at(now))
                .returning(WEBHOOK_ENDPOINT.ID).fetchOne().getId();
    }

    List<Endpoint> endpoints(AccountId owner) {
        return dsl.selectFrom(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ACCOUNT_ID.eq(owner.value())).orderBy(WEBHOOK_ENDPOINT.ID)
                .fetch(r -> new Endpoint(r.getId(), r.getAccountId(), r.getUrl(), List.of(r.getEventTypes()), format(r.getFormat()), r.getEnabled(),
                        Optional.ofNullable(r.getDisabledReason()), r.getCreatedAt().toInstant()));
    }

    /** A stored format; the check constraint {@code webhook_endpoint_format} (V34) allows no other. */
    private static WebhookFormat format(String stored) {
        return WebhookFormat.fromWire(stored).orElseThrow(() -> new OrdersException(OrdersException.Reason.INCONSISTENT_STATE,
                "webhook endpoint format '" + stored + "'"));
    }

    /** Disables the owner's endpoint (deliveries pending for it are dropped); false when it is not the owner's. */
    boolean disableEndpoint(AccountId owner, long id, String reason) {
        int changed = dsl.update(WEBHOOK_ENDPOINT).set(WEBHOOK_ENDPOINT.ENABLED, false).set(WEBHOOK_ENDPOINT.DISABLED_REASON, reason)
                .where(WEBHOOK_ENDPOINT.ID.eq(id)).and(WEBHOOK_ENDPOINT.ACCOUNT_ID.eq(owner.value())).execute();
        if (changed == 1) {
            dsl.update(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.STATE, "failed").set(WEBHOOK_DELIVERY.LAST_ERROR, "endpoint disabled: " + reason)
                    .where(WEBHOOK_DELIVERY.ENDPOINT_ID.eq(id)).and(WEBHOOK_DELIVERY.STATE.eq("pending")).execute();
        }
        return changed == 1;
    }

    /**
     * Writes one delivery per enabled endpoint of the owner that takes {@code eventType}, in the
     * caller's transaction; each message id is {@code messagePrefix} and the endpoint's id. An
     * endpoint in the sms-activate format gets {@code smsActivatePayload}, and nothing when the
     * event has no such body. False when the owner has no such endpoint (nothing written).
     */
    boolean enqueueWebhooks(long accountId, String eventType, Integer activationId, String payload, Optional<String> smsActivatePayload,
                            String messagePrefix, Instant now) {
        var smsActivate = WEBHOOK_ENDPOINT.FORMAT.eq(WebhookFormat.SMS_ACTIVATE.wire());
        boolean queued = dsl.insertInto(WEBHOOK_DELIVERY, WEBHOOK_DELIVERY.ENDPOINT_ID, WEBHOOK_DELIVERY.MESSAGE_ID, WEBHOOK_DELIVERY.EVENT_TYPE,
                        WEBHOOK_DELIVERY.ACTIVATION_ID, WEBHOOK_DELIVERY.PAYLOAD, WEBHOOK_DELIVERY.NEXT_ATTEMPT_AT, WEBHOOK_DELIVERY.CREATED_AT)
                .select(DSL.select(WEBHOOK_ENDPOINT.ID, DSL.val(messagePrefix).concat(WEBHOOK_ENDPOINT.ID.cast(String.class)),
                                DSL.val(eventType), DSL.val(activationId),
                                DSL.when(smsActivate, DSL.val(smsActivatePayload.orElse(null), String.class)).otherwise(DSL.val(payload)),
                                DSL.val(at(now)), DSL.val(at(now)))
                        .from(WEBHOOK_ENDPOINT)
                        .where(WEBHOOK_ENDPOINT.ACCOUNT_ID.eq(accountId)).and(WEBHOOK_ENDPOINT.ENABLED.isTrue())
                        .and(DSL.condition("{0} = any({1})", DSL.val(eventType), WEBHOOK_ENDPOINT.EVENT_TYPES))
                        .and(smsActivatePayload.isPresent() ? DSL.noCondition() : smsActivate.not()))
                .execute() > 0;
        this.queued |= queued;
        return queued;
    }

    /** Whether this store wrote deliveries (see {@link Stores#transaction}). */
    boolean queued() {
        return queued;
    }

    /** Whether the account has any enabled endpoint (so that most orders skip building payloads). */
    boolean hasEndpoints(long accountId) {
        return dsl.fetchExists(WEBHOOK_ENDPOINT, WEBHOOK_ENDPOINT.ACCOUNT_ID.eq(accountId).and(WEBHOOK_ENDPOINT.ENABLED.isTrue()));
    }

    /**
     * Claims due deliveries (rows other nodes hold are skipped), at most one per endpoint and
     * activation and only the oldest pending one of each, so that an endpoint receives one
     * activation's events in order; none for {@code skippedEndpoints} (those this node is already
     * sending to as fast as it may).
     */
    List<DueDelivery> claimDueDeliveries(Instant now, Instant lockedUntil, int limit, Set<Long> skippedEndpoints) {
        var d = WEBHOOK_DELIVERY.as("d");
        var older = WEBHOOK_DELIVERY.as("older");
        // Materialised, so the planner picks and locks the rows once, before the update joins them
        // (an inlined subquery may be run again per row, and skip locked then picks other rows).
        var due = DSL.name("due").fields("id", "reclaimed").asMaterialized(DSL.select(d.ID, d.LOCKED_UNTIL.isNotNull()).from(d)
                .where(d.STATE.eq("pending")).and(d.NEXT_ATTEMPT_AT.le(at(now)))
                .and(skippedEndpoints.isEmpty() ? DSL.noCondition() : d.ENDPOINT_ID.notIn(skippedEndpoints))
                .andExists(DSL.selectOne().from(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ID.eq(d.ENDPOINT_ID)).and(WEBHOOK_ENDPOINT.ENABLED.isTrue()))
                .and(d.LOCKED_UNTIL.isNull().or(d.LOCKED_UNTIL.le(at(now))))
                .andNotExists(DSL.selectOne().from(older).where(older.ENDPOINT_ID.eq(d.ENDPOINT_ID))
                        .and(older.ACTIVATION_ID.eq(d.ACTIVATION_ID)).and(older.STATE.eq("pending")).and(older.ID.lt(d.ID)))
                .orderBy(d.NEXT_ATTEMPT_AT).limit(limit)
                .forUpdate().skipLocked());
        Field<Long> dueId = due.field("id", Long.class);
        Field<Boolean> reclaimed = due.field("reclaimed", Boolean.class);
        // One statement, so a claim is one round trip: the rows are picked and locked by the
        // subquery, leased by the update, and come back joined with their endpoint's secrets.
        return dsl.with(due).update(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.LOCKED_UNTIL, at(lockedUntil))
                .from(due, WEBHOOK_ENDPOINT)
                .where(WEBHOOK_DELIVERY.ID.eq(dueId)).and(WEBHOOK_ENDPOINT.ID.eq(WEBHOOK_DELIVERY.ENDPOINT_ID))
                .returningResult(WEBHOOK_DELIVERY.ID, WEBHOOK_DELIVERY.ENDPOINT_ID, WEBHOOK_ENDPOINT.URL, WEBHOOK_DELIVERY.MESSAGE_ID,
                        WEBHOOK_DELIVERY.PAYLOAD, WEBHOOK_DELIVERY.ATTEMPTS, WEBHOOK_DELIVERY.CREATED_AT, WEBHOOK_ENDPOINT.SECRET,
                        WEBHOOK_ENDPOINT.PREVIOUS_SECRET, WEBHOOK_ENDPOINT.PREVIOUS_UNTIL,
                        DSL.field("case when {0} = 0 and not {1} then (extract(epoch from clock_timestamp() - {2}) * 1000)::bigint else 0 end",
                                Long.class, WEBHOOK_DELIVERY.ATTEMPTS, reclaimed, WEBHOOK_DELIVERY.QUEUED_AT))
                .fetch(r -> new DueDelivery(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6(), r.value7().toInstant(),
                        r.value8(), Optional.ofNullable(r.value9()).filter(p -> r.value10() != null && r.value10().toInstant().isAfter(now)),
                        lockedUntil, Math.max(0, r.value11())))
                .stream().sorted(java.util.Comparator.comparingLong(DueDelivery::id)).toList();
    }

    /**
     * What one attempt under the claim that ends at {@code lease} came to: delivered, retried at
     * {@code retryAt}, or failed for good (both empty/false).
     */
    record AttemptRecord(long deliveryId, Instant lease, boolean delivered, Optional<Instant> retryAt, Integer status, String error, String response,
                         int latencyMillis, Instant at) {
    }

    /**
     * Writes many attempts at once: each attempt's row and its delivery's new state. Sent as one
     * JDBC batch per table (pgjdbc pipelines a batch in one round trip), so writing down a busy
     * second's attempts costs a few round trips, not three per attempt.
     */
    void recordAttempts(List<AttemptRecord> attempts) {
        if (attempts.isEmpty()) {
            return;
        }
        List<org.jooq.Query> queries = new ArrayList<>(attempts.size() * 2);
        for (AttemptRecord a : attempts) {
            queries.add(dsl.insertInto(WEBHOOK_ATTEMPT).set(WEBHOOK_ATTEMPT.DELIVERY_ID, a.deliveryId()).set(WEBHOOK_ATTEMPT.AT, at(a.at()))
                    .set(WEBHOOK_ATTEMPT.STATUS, a.status()).set(WEBHOOK_ATTEMPT.ERROR, a.error()).set(WEBHOOK_ATTEMPT.RESPONSE, a.response())
                    .set(WEBHOOK_ATTEMPT.LATENCY_MS, a.latencyMillis()));
        }
        for (AttemptRecord a : attempts) {
            queries.add(dsl.update(WEBHOOK_DELIVERY)
                    .set(WEBHOOK_DELIVERY.ATTEMPTS, WEBHOOK_DELIVERY.ATTEMPTS.plus(1))
                    .set(WEBHOOK_DELIVERY.STATE, a.delivered() ? "delivered" : a.retryAt().isPresent() ? "pending" : "failed")
                    .set(WEBHOOK_DELIVERY.NEXT_ATTEMPT_AT, a.retryAt().map(Store::at).orElse(at(a.at())))
                    .setNull(WEBHOOK_DELIVERY.LOCKED_UNTIL)
                    .set(WEBHOOK_DELIVERY.LAST_STATUS, a.status()).set(WEBHOOK_DELIVERY.LAST_ERROR, a.error())
                    .set(WEBHOOK_DELIVERY.LAST_RESPONSE, a.response()).set(WEBHOOK_DELIVERY.LAST_LATENCY_MS, a.latencyMillis())
                    .set(WEBHOOK_DELIVERY.DELIVERED_AT, a.delivered() ? at(a.at()) : null)
                    // Only the claim's own outcome counts: a delivery disabled meanwhile stays failed,
                    // and one whose claim ran out (a stalled node) is another claim's to settle.
                    .where(WEBHOOK_DELIVERY.ID.eq(a.deliveryId())).and(WEBHOOK_DELIVERY.STATE.eq("pending"))
                    .and(WEBHOOK_DELIVERY.LOCKED_UNTIL.eq(at(a.lease()))));
        }
        dsl.batch(queries).execute();
    }

    /** Changes the URL, event types and format of the owner's enabled endpoint; false when there is none. */
    boolean updateEndpoint(AccountId owner, long id, String url, List<String> eventTypes, WebhookFormat format) {
        return dsl.update(WEBHOOK_ENDPOINT).set(WEBHOOK_ENDPOINT.URL, url).set(WEBHOOK_ENDPOINT.EVENT_TYPES, eventTypes.toArray(String[]::new))
                .set(WEBHOOK_ENDPOINT.FORMAT, format.wire())
                .where(WEBHOOK_ENDPOINT.ID.eq(id)).and(WEBHOOK_ENDPOINT.ACCOUNT_ID.eq(owner.value())).and(WEBHOOK_ENDPOINT.ENABLED.isTrue())
                .execute() == 1;
    }

    /** Replaces the owner's endpoint secret; the old one keeps signing too until {@code previousUntil}. */
    boolean rotateSecret(AccountId owner, long id, String secret, Instant now, Instant previousUntil) {
        return dsl.update(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.PREVIOUS_SECRET, WEBHOOK_ENDPOINT.SECRET).set(WEBHOOK_ENDPOINT.PREVIOUS_UNTIL, at(previousUntil))
                .set(WEBHOOK_ENDPOINT.SECRET, secret)
                .where(WEBHOOK_ENDPOINT.ID.eq(id)).and(WEBHOOK_ENDPOINT.ACCOUNT_ID.eq(owner.value())).and(WEBHOOK_ENDPOINT.ENABLED.isTrue())
                // One overlap at a time: a second rotation inside it would drop the oldest secret at once.
                .and(WEBHOOK_ENDPOINT.PREVIOUS_UNTIL.isNull().or(WEBHOOK_ENDPOINT.PREVIOUS_UNTIL.le(at(now))))
                .execute() == 1;
    }

    /** A delivery to one endpoint, written now (a test event, a replay). */
    void insertDelivery(long endpointId, String messageId, String eventType, Integer activationId, String payload, Instant now) {
        dsl.insertInto(WEBHOOK_DELIVERY)
                .set(WEBHOOK_DELIVERY.ENDPOINT_ID, endpointId).set(WEBHOOK_DELIVERY.MESSAGE_ID, messageId)
                .set(WEBHOOK_DELIVERY.EVENT_TYPE, eventType).set(WEBHOOK_DELIVERY.ACTIVATION_ID, activationId)
                .set(WEBHOOK_DELIVERY.PAYLOAD, payload).set(WEBHOOK_DELIVERY.NEXT_ATTEMPT_AT, at(now)).set(WEBHOOK_DELIVERY.CREATED_AT, at(now))
                .execute();
    }

    /** A delivery as a replay copies it. */
    record DeliveryToReplay(long endpointId, String eventType, Integer activationId, String payload) {
    }

    /** The owner's delivery by its message id, for a replay. */
    Optional<DeliveryToReplay> deliveryForReplay(AccountId owner, long endpointId, String messageId) {
        return dsl.select(WEBHOOK_DELIVERY.ENDPOINT_ID, WEBHOOK_DELIVERY.EVENT_TYPE, WEBHOOK_DELIVERY.ACTIVATION_ID, WEBHOOK_DELIVERY.PAYLOAD)
                .from(WEBHOOK_DELIVERY).join(WEBHOOK_ENDPOINT).on(WEBHOOK_ENDPOINT.ID.eq(WEBHOOK_DELIVERY.ENDPOINT_ID))
                .where(WEBHOOK_DELIVERY.MESSAGE_ID.eq(messageId)).and(WEBHOOK_ENDPOINT.ID.eq(endpointId))
                .and(WEBHOOK_ENDPOINT.ACCOUNT_ID.eq(owner.value())).and(WEBHOOK_ENDPOINT.ENABLED.isTrue())
                .fetchOptional(r -> new DeliveryToReplay(r.value1(), r.value2(), r.value3(), r.value4()));
    }

    /**
     * Marks the endpoint failing since {@code now} (if it was not already); returns since when it
     * has been failing. A success clears it ({@link #clearFailing}).
     */
    Instant markFailing(long endpointId, Instant now) {
        return dsl.update(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.FAILING_SINCE, DSL.coalesce(WEBHOOK_ENDPOINT.FAILING_SINCE, DSL.val(at(now))))
                .where(WEBHOOK_ENDPOINT.ID.eq(endpointId))
                .returning(WEBHOOK_ENDPOINT.FAILING_SINCE).fetchOptional().map(r -> r.getFailingSince().toInstant()).orElse(now);
    }

    void clearFailing(Set<Long> endpointIds) {
        if (endpointIds.isEmpty()) {
            return;
        }
        dsl.update(WEBHOOK_ENDPOINT).setNull(WEBHOOK_ENDPOINT.FAILING_SINCE)
                .where(WEBHOOK_ENDPOINT.ID.in(endpointIds)).and(WEBHOOK_ENDPOINT.FAILING_SINCE.isNotNull()).execute();
    }

    /** A 410 Gone: the endpoint is disabled by its receiver. */
    void disableEndpointById(long id, String reason) {
        dsl.update(WEBHOOK_ENDPOINT).set(WEBHOOK_ENDPOINT.ENABLED, false).set(WEBHOOK_ENDPOINT.DISABLED_REASON, reason)
                .where(WEBHOOK_ENDPOINT.ID.eq(id)).execute();
        dsl.update(WEBHOOK_DELIVERY).set(WEBHOOK_DELIVERY.STATE, "failed").set(WEBHOOK_DELIVERY.LAST_ERROR, "endpoint disabled: " + reason)
                .where(WEBHOOK_DELIVERY.ENDPOINT_ID.eq(id)).and(WEBHOOK_DELIVERY.STATE.eq("pending")).execute();
    }

    /** The owner's latest deliveries to one endpoint (empty for another account's endpoint). */
    List<WebhookDelivery> deliveries(AccountId owner, long endpointId, int limit) {
        return dsl.select(WEBHOOK_DELIVERY.asterisk()).from(WEBHOOK_DELIVERY)
                .join(WEBHOOK_ENDPOINT).on(WEBHOOK_ENDPOINT.ID.eq(WEBHOOK_DELIVERY.ENDPOINT_ID))
                .where(WEBHOOK_ENDPOINT.ID.eq(endpointId)).and(WEBHOOK_ENDPOINT.ACCOUNT_ID.eq(owner.value()))
                .orderBy(WEBHOOK_DELIVERY.ID.desc()).limit(limit)
                .fetch(r -> {
                    var d = r.into(WEBHOOK_DELIVERY);
                    List<WebhookDelivery.Attempt> attempts = dsl.selectFrom(WEBHOOK_ATTEMPT).where(WEBHOOK_ATTEMPT.DELIVERY_ID.eq(d.getId()))
                            .orderBy(WEBHOOK_ATTEMPT.ID).limit(20)
                            .fetch(a -> new WebhookDelivery.Attempt(a.getAt().toInstant(), Optional.ofNullable(a.getStatus()),
                                    Optional.ofNullable(a.getError()), Optional.ofNullable(a.getResponse()), a.getLatencyMs()));
                    return new WebhookDelivery(d.getMessageId(), d.getEventType(), d.getState(), d.getAttempts(), attempts,
                            Optional.ofNullable(d.getLastStatus()), Optional.ofNullable(d.getLastError()), Optional.ofNullable(d.getLastResponse()),
                            Optional.ofNullable(d.getLastLatencyMs()), d.getCreatedAt().toInstant(),
                            Optional.ofNullable(d.getDeliveredAt()).map(OffsetDateTime::toInstant), d.getPayload());
                });
    }
}
