package dev.numpool.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.numpool.db.ConstraintViolation;
import dev.numpool.db.jooq.tables.records.ActivationRecord;
import dev.numpool.db.jooq.tables.records.SmsRecord;
import dev.numpool.inventory.PhoneNumber;
import dev.numpool.inventory.RoutingTrace;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static dev.numpool.db.jooq.Tables.SMS;

/**
 * The SQL of orders and activations: the order's check and its one-statement write
 * ({@code place_order}, V21), the activation rows the state machine locks and changes, and the
 * owner's activations with their messages.
 */
final class ActivationStore extends Store {
    // Routing traces written by older versions may lack or carry fields this one does not know.
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    // The order path's statements, written once (see Store#jdbc).
    private static final String ORDER_CHECK = "select la.kind, la.balance_micros, (select count(*) from (select 1 from activation"
            + " where account_id = ? and status in (?, ?) limit ?) live), (select sandbox from account where id = la.account_id)"
            + " from ledger_account la where la.account_id = ? and la.kind in ('wallet', 'debt')";
    /** One live sale of a number per service (V1). */
    private static final String LIVE_NUMBER = "activation_live_number";
    private static final String PLACE_ORDER = "select place_order(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    ActivationStore(DSLContext dsl) {
        super(dsl);
    }

    /** Activations sold per service and country since {@code since}, most first, at most {@code limit} offers. */
    List<Orders.OfferSales> salesByOffer(Instant since, int limit) {
        var count = DSL.count();
        return dsl.select(ACTIVATION.SERVICE, ACTIVATION.COUNTRY, count).from(ACTIVATION)
                .where(ACTIVATION.CREATED_AT.ge(at(since)))
                .groupBy(ACTIVATION.SERVICE, ACTIVATION.COUNTRY)
                .orderBy(count.desc()).limit(limit)
                .fetch(r -> new Orders.OfferSales(r.value1(), r.value2(), r.value3()));
    }

    /**
     * What an order checks first, in one statement: the owner's available money and debt (cached
     * rows; not the held sum, which grows with the live activations) and its live activations
     * counted up to {@code cap}, and whether it is a play-money account (a test account, or any
     * account of a sandbox node), whose orders are test orders.
     */
    record OrderCheck(long availableMicros, long debtMicros, int live, boolean test) {
    }

    OrderCheck orderCheck(AccountId owner, int cap) {
        return jdbc(ORDER_CHECK, ps -> {
            ps.setLong(1, owner.value());
            ps.setString(2, ActivationStatus.WAITING_CODE.wire());
            ps.setString(3, ActivationStatus.CODE_RECEIVED.wire());
            ps.setInt(4, cap);
            ps.setLong(5, owner.value());
            long wallet = 0;
            long debt = 0;
            int live = 0;
            boolean test = false;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    live = rs.getInt(3);
                    test = rs.getBoolean(4);
                    switch (rs.getString(1)) {
                        case "wallet" -> wallet = rs.getLong(2);
                        case "debt" -> debt = -rs.getLong(2); // stored as minus what is owed
                        default -> throw new IllegalStateException("unexpected ledger kind " + rs.getString(1));
                    }
                }
            }
            return new OrderCheck(wallet, debt, live, test);
        });
    }

    /** {@code count} activation ids drawn at once, ascending: a node hands them out one per order. */
    List<Integer> nextActivationIds(int count) {
        return dsl.select(DSL.field("nextval(pg_get_serial_sequence('activation', 'id'))", Integer.class))
                .from(DSL.generateSeries(1, count)).fetch(r -> r.value1());
    }

    /** An order's writes, as {@code place_order} (V21) takes them; {@code wallet} and {@code held} are the owner's ledger accounts. */
    record NewOrder(int id, AccountId owner, OrderRequest request, String provider, String providerRef, PhoneNumber phone,
                    long priceMicros, long costMicros, String currency, long wallet, long held, Instant createdAt, Instant cancellableAt,
                    Instant expiresAt, RoutingTrace routing, long purchase, IdempotencyKey key, Instant lockedUntil, StoredResponse response) {
    }

    /**
     * What {@link #placeOrder} did: everything, or nothing because the sale or the key moved on
     * first, the wallet could not pay the hold, or the number is already live for the service.
     */
    enum Placing { PLACED, NUMBER_LOST, KEY_TAKEN_OVER, NO_MONEY, NUMBER_LIVE }

    /**
     * An order's hold, activation, recorded sale and completed idempotency key, in one statement
     * that is its own transaction (see V21). Plain JDBC: the hottest statement of the order path,
     * with nothing for jOOQ to build. Any other refusal is a {@link ConstraintViolation}.
     */
    Placing placeOrder(NewOrder o) {
        try {
            return placeOrderOnce(o);
        } catch (ConstraintViolation e) {
            if (LedgerStore.noMoney(e)) {
                return Placing.NO_MONEY;
            }
            if (e.by(LIVE_NUMBER)) {
                return Placing.NUMBER_LIVE;
            }
            throw e;
        }
    }

    private Placing placeOrderOnce(NewOrder o) {
        try {
            String outcome = jdbc(PLACE_ORDER, ps -> {
                int i = 0;
                ps.setInt(++i, o.id());
                ps.setLong(++i, o.owner().value());
                ps.setString(++i, o.request().service().code());
                ps.setInt(++i, o.request().country().id());
                ps.setString(++i, o.request().operator());
                ps.setString(++i, o.provider());
                ps.setString(++i, o.providerRef());
                ps.setString(++i, o.phone().e164());
                ps.setLong(++i, o.priceMicros());
                ps.setLong(++i, o.costMicros());
                ps.setString(++i, o.currency());
                ps.setLong(++i, o.wallet());
                ps.setLong(++i, o.held());
                ps.setObject(++i, at(o.createdAt()));
                ps.setObject(++i, at(o.cancellableAt()));
                ps.setObject(++i, at(o.expiresAt()));
                ps.setString(++i, toJson(o.routing()));
                ps.setLong(++i, o.purchase());
                ps.setString(++i, o.key().value());
                ps.setObject(++i, at(o.lockedUntil()));
                ps.setInt(++i, o.response().status());
                ps.setBytes(++i, o.response().body());
                ps.setString(++i, Ledger.Kind.HOLD.wire());
                ps.setString(++i, ActivationStatus.WAITING_CODE.wire());
                ps.setString(++i, UpstreamKinds.Purchase.SOLD.wire());
                ps.setString(++i, UpstreamKinds.Purchase.RECORDED.wire());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            });
            return switch (outcome) {
                case "placed" -> Placing.PLACED;
                case "number_lost" -> Placing.NUMBER_LOST;
                case "key_taken_over" -> Placing.KEY_TAKEN_OVER;
                default -> throw new IllegalStateException("place_order answered " + outcome);
            };
        } catch (RuntimeException e) {
            throw ConstraintViolation.translated(e);
        }
    }

    /** Where the owner's activation's number comes from: its provider and the provider's reference. */
    record NumberSource(String provider, String providerRef) {
    }

    /** The owner's activation's number source (one statement, no lock, no transaction). */
    Optional<NumberSource> numberSource(AccountId owner, int id) {
        return dsl.select(ACTIVATION.PROVIDER, ACTIVATION.PROVIDER_REF).from(ACTIVATION)
                .where(ACTIVATION.ID.eq(id)).and(ACTIVATION.ACCOUNT_ID.eq(owner.value()))
                .fetchOptional(r -> new NumberSource(r.value1(), r.value2()));
    }

    /**
     * An activation as the order path changes it, read under its row lock: what deciding a status
     * change, charging and telling the provider need.
     */
    record ActivationRow(int id, long accountId, ActivationStatus status, String service, int country, String phone, String provider,
                         String providerRef, long priceMicros, String currency, long holdId, Instant createdAt, Instant cancellableAt,
                         Instant expiresAt, boolean retryRequested, boolean test) {
    }

    private static ActivationRow row(ActivationRecord r) {
        return new ActivationRow(r.getId(), r.getAccountId(), ActivationStatus.fromWire(r.getStatus()).orElseThrow(), r.getService(),
                r.getCountry(), r.getPhone(), r.getProvider(), r.getProviderRef(), r.getPriceMicros(), r.getCurrency(), r.getHoldId(),
                r.getCreatedAt().toInstant(), r.getCancellableAt().toInstant(), r.getExpiresAt().toInstant(), r.getRetryRequestedAt() != null,
                r.getTest());
    }

    Optional<ActivationRow> activationForUpdate(AccountId owner, int id) {
        return dsl.selectFrom(ACTIVATION).where(ACTIVATION.ID.eq(id)).and(ACTIVATION.ACCOUNT_ID.eq(owner.value()))
                .forUpdate().fetchOptional().map(ActivationStore::row);
    }

    Optional<ActivationRow> activationByIdForUpdate(int id) {
        return dsl.selectFrom(ACTIVATION).where(ACTIVATION.ID.eq(id)).forUpdate().fetchOptional().map(ActivationStore::row);
    }

    Optional<ActivationRow> activationByProviderRefForUpdate(String provider, String providerRef) {
        return dsl.selectFrom(ACTIVATION).where(ACTIVATION.PROVIDER.eq(provider)).and(ACTIVATION.PROVIDER_REF.eq(providerRef))
                .forUpdate().fetchOptional().map(ActivationStore::row);
    }

    /** Live activations whose window has passed, locked; rows another node holds are skipped. */
    List<ActivationRow> dueForUpdate(Instant now, int limit) {
        return dsl.selectFrom(ACTIVATION)
                .where(ACTIVATION.STATUS.in(ActivationStatus.WAITING_CODE.wire(), ActivationStatus.CODE_RECEIVED.wire()))
                .and(ACTIVATION.EXPIRES_AT.le(at(now)))
                .orderBy(ACTIVATION.EXPIRES_AT)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(ActivationStore::row);
    }

    void setStatus(int id, ActivationStatus status, Instant now) {
        dsl.update(ACTIVATION)
                .set(ACTIVATION.STATUS, status.wire())
                .set(ACTIVATION.ENDED_AT, status.live() ? null : at(now))
                .where(ACTIVATION.ID.eq(id))
                .execute();
    }

    /** Marks (or, with null, clears) a request for another code; a request makes the activation due for polling now. */
    void setRetryRequested(int id, Instant at) {
        var update = dsl.update(ACTIVATION).set(ACTIVATION.RETRY_REQUESTED_AT, at == null ? null : at(at));
        (at == null ? update : update.set(ACTIVATION.NEXT_POLL_AT, at(at))).where(ACTIVATION.ID.eq(id)).execute();
    }

    Optional<Activation> activation(AccountId owner, int id) {
        return activations(ACTIVATION.ID.eq(id).and(ACTIVATION.ACCOUNT_ID.eq(owner.value())), 1).stream().findFirst();
    }

    /** Any owner's activation (an operator's view). */
    Optional<Activation> anyActivation(int id) {
        return activations(ACTIVATION.ID.eq(id), 1).stream().findFirst();
    }

    /** Every owner's activations on this number, newest first (an operator's search). */
    List<Activation> onNumber(String phone, int limit) {
        return activations(ACTIVATION.PHONE.eq(phone), limit);
    }

    /** The owner's newest activation on this number for this service. */
    Optional<Activation> latestOnNumber(AccountId owner, String service, String phone) {
        return activations(ACTIVATION.ACCOUNT_ID.eq(owner.value()).and(ACTIVATION.PHONE.eq(phone)).and(ACTIVATION.SERVICE.eq(service)), 1)
                .stream().findFirst();
    }

    /** The owner's activations, newest first, with ids below {@code beforeId}. */
    List<Activation> activations(AccountId owner, Optional<ActivationStatus> status, Optional<Integer> beforeId, int limit) {
        Condition where = ACTIVATION.ACCOUNT_ID.eq(owner.value());
        if (status.isPresent()) {
            where = where.and(ACTIVATION.STATUS.eq(status.get().wire()));
        }
        if (beforeId.isPresent()) {
            where = where.and(ACTIVATION.ID.lt(beforeId.get()));
        }
        return activations(where, limit);
    }

    /** The owner's activations a history query selects, one page (see {@link Orders#history}). */
    List<Activation> page(AccountId owner, Orders.HistoryQuery query) {
        List<ActivationRecord> rows = dsl.selectFrom(ACTIVATION).where(historyFilter(owner, query))
                .orderBy(query.newestFirst() ? ACTIVATION.ID.desc() : ACTIVATION.ID.asc())
                .limit(query.limit()).offset(query.offset()).fetch();
        return activations(rows);
    }

    int count(AccountId owner, Orders.HistoryQuery query) {
        return dsl.fetchCount(ACTIVATION, historyFilter(owner, query));
    }

    private static Condition historyFilter(AccountId owner, Orders.HistoryQuery query) {
        Condition where = ACTIVATION.ACCOUNT_ID.eq(owner.value());
        if (!query.statuses().isEmpty()) {
            where = where.and(ACTIVATION.STATUS.in(query.statuses().stream().map(ActivationStatus::wire).toList()));
        }
        if (query.from().isPresent()) {
            where = where.and(ACTIVATION.CREATED_AT.ge(at(query.from().get())));
        }
        if (query.to().isPresent()) {
            where = where.and(ACTIVATION.CREATED_AT.lt(at(query.to().get())));
        }
        return where;
    }

    private List<Activation> activations(Condition where, int limit) {
        return activations(dsl.selectFrom(ACTIVATION).where(where).orderBy(ACTIVATION.ID.desc()).limit(limit).fetch());
    }

    /** The rows as their owner sees them, in the order given, with their SMS. */
    private List<Activation> activations(List<ActivationRecord> rows) {
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<Integer, ActivationStatus> statuses = rows.stream()
                .collect(Collectors.toMap(ActivationRecord::getId, r -> ActivationStatus.fromWire(r.getStatus()).orElseThrow()));
        Map<Integer, List<Activation.Message>> messages = dsl.selectFrom(SMS)
                .where(SMS.ACTIVATION_ID.in(statuses.keySet()))
                .and(SMS.PART_OF.isNull())
                .orderBy(SMS.RECEIVED_AT, SMS.ID)
                .fetch().stream()
                .collect(Collectors.groupingBy(r -> r.getActivationId(), Collectors.mapping(
                        r -> message(r, statuses.get(r.getActivationId())), Collectors.toList())));
        List<Activation> result = new ArrayList<>(rows.size());
        for (ActivationRecord r : rows) {
            result.add(new Activation(r.getId(), new AccountId(r.getAccountId()), r.getService(), r.getCountry(), r.getOperator(),
                    new PhoneNumber(r.getPhone()), ActivationStatus.fromWire(r.getStatus()).orElseThrow(),
                    r.getPriceMicros(), r.getCurrency(), r.getCreatedAt().toInstant(), r.getCancellableAt().toInstant(),
                    r.getExpiresAt().toInstant(), Optional.ofNullable(r.getEndedAt()).map(OffsetDateTime::toInstant),
                    r.getRetryRequestedAt() != null, messages.getOrDefault(r.getId(), List.of()), fromJson(r.getRouting()), r.getTest()));
        }
        return result;
    }

    /** A stored SMS as its activation's owner may see it: a withheld one without its code and text. */
    private static Activation.Message message(SmsRecord r, ActivationStatus status) {
        boolean withheld = Activation.Message.withheld(status, r.getLate(), r.getBoughtHoldId() != null);
        return new Activation.Message(r.getId(), withheld ? Optional.empty() : Optional.ofNullable(r.getCode()),
                withheld ? "" : r.getText(), r.getSender(), r.getReceivedAt().toInstant(), r.getLate(), withheld);
    }

    private static String toJson(RoutingTrace trace) {
        try {
            return JSON.writeValueAsString(trace);
        } catch (JsonProcessingException e) {
            throw new OrdersException(OrdersException.Reason.INCONSISTENT_STATE, "routing trace not serialisable", e);
        }
    }

    private static RoutingTrace fromJson(JSONB json) {
        try {
            String data = json == null ? "{}" : json.data();
            return data.equals("{}") ? new RoutingTrace(List.of(), List.of(), "") : JSON.readValue(data, RoutingTrace.class);
        } catch (JsonProcessingException e) {
            throw new OrdersException(OrdersException.Reason.INCONSISTENT_STATE, "stored routing trace unreadable", e);
        }
    }
}
