package dev.numpool.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.numpool.db.ConstraintViolation;
import dev.numpool.db.jooq.tables.records.ActivationRecord;
import dev.numpool.db.jooq.tables.records.SmsRecord;
import dev.numpool.db.jooq.tables.records.IdempotencyKeyRecord;
import dev.numpool.db.jooq.tables.records.StripeDisputeRecord;
import dev.numpool.db.jooq.tables.records.StripeEventRecord;
import dev.numpool.db.jooq.tables.records.TopupRecord;
import dev.numpool.inventory.PhoneNumber;
import dev.numpool.inventory.RoutingTrace;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.numpool.db.jooq.Tables.ACCOUNT;
import static dev.numpool.db.jooq.Tables.ACCOUNT_PASSWORD;
import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static dev.numpool.db.jooq.Tables.API_KEY;
import static dev.numpool.db.jooq.Tables.IDEMPOTENCY_KEY;
import static dev.numpool.db.jooq.Tables.LEDGER_ACCOUNT;
import static dev.numpool.db.jooq.Tables.LEDGER_ADJUSTMENT;
import static dev.numpool.db.jooq.Tables.PROVIDER_PURCHASE;
import static dev.numpool.db.jooq.Tables.SMS;
import static dev.numpool.db.jooq.Tables.STRIPE_DISPUTE;
import static dev.numpool.db.jooq.Tables.STRIPE_EVENT;
import static dev.numpool.db.jooq.Tables.TOPUP;
import static dev.numpool.db.jooq.Tables.TRANSFER;
import static dev.numpool.db.jooq.Tables.UNMATCHED_SMS;
import static dev.numpool.db.jooq.Tables.UPSTREAM_OP;
import static dev.numpool.db.jooq.Tables.WEBHOOK_ATTEMPT;
import static dev.numpool.db.jooq.Tables.WEBHOOK_DELIVERY;
import static dev.numpool.db.jooq.Tables.WEBHOOK_ENDPOINT;
import static dev.numpool.db.jooq.Tables.WEB_SESSION;

/**
 * All of the orders module's SQL. An instance is bound either to the pool (each statement its
 * own transaction) or, inside {@link #transaction}, to one transaction.
 */
final class OrdersStore {
    // Routing traces written by older versions may lack or carry fields this one does not know.
    private static final String PENDING = UpstreamKinds.ReportState.PENDING.wire();
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final DSLContext dsl;
    private final WebhookSignal webhookSignal;
    /** Set inside a transaction that wrote webhook deliveries, so its commit wakes the dispatchers. */
    private boolean webhooksQueued;

    OrdersStore(DSLContext dsl) {
        this(dsl, WebhookSignal.NONE);
    }

    OrdersStore(DSLContext dsl, WebhookSignal webhookSignal) {
        this.dsl = dsl;
        this.webhookSignal = webhookSignal;
    }

    /**
     * Runs {@code work} in one transaction; once it committed, a transaction that queued webhook
     * deliveries wakes the dispatchers (never before the commit: they could not see the rows). A
     * write the database refuses by a constraint, at once or at the commit, comes out as a
     * {@link ConstraintViolation}.
     */
    <T> T transaction(Function<OrdersStore, T> work) {
        OrdersStore[] inner = new OrdersStore[1];
        T result;
        try {
            result = dsl.transactionResult(c -> work.apply(inner[0] = new OrdersStore(c.dsl(), webhookSignal)));
        } catch (RuntimeException e) {
            throw ConstraintViolation.translated(e);
        }
        if (inner[0] != null && inner[0].webhooksQueued) {
            webhookSignal.queued();
        }
        return result;
    }

    // Accounts and keys ---------------------------------------------------------------------

    AccountId insertAccount(boolean sandbox, String currency, Instant now) {
        long id = dsl.insertInto(ACCOUNT)
                .set(ACCOUNT.SANDBOX, sandbox).set(ACCOUNT.CURRENCY, currency).set(ACCOUNT.CREATED_AT, at(now))
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
        return dsl.insertInto(API_KEY)
                .set(API_KEY.ACCOUNT_ID, owner.value()).set(API_KEY.LABEL, label).set(API_KEY.PREFIX, prefix)
                .set(API_KEY.KEY_HASH, hash).set(API_KEY.CREATED_AT, at(now))
                .returning(API_KEY.ID).fetchOne(API_KEY.ID);
    }

    Optional<AccountId> accountForKey(byte[] hash) {
        return dsl.select(API_KEY.ACCOUNT_ID).from(API_KEY)
                .where(API_KEY.KEY_HASH.eq(hash)).and(API_KEY.REVOKED_AT.isNull())
                .fetchOptional(API_KEY.ACCOUNT_ID).map(AccountId::new);
    }

    boolean keyExists(byte[] hash) {
        return dsl.fetchExists(API_KEY, API_KEY.KEY_HASH.eq(hash));
    }

    List<ApiKeyInfo> keys(AccountId owner) {
        return dsl.selectFrom(API_KEY).where(API_KEY.ACCOUNT_ID.eq(owner.value())).orderBy(API_KEY.ID)
                .fetch(r -> new ApiKeyInfo(r.getId(), r.getLabel(), r.getPrefix(), r.getCreatedAt().toInstant(),
                        Optional.ofNullable(r.getRevokedAt()).map(OffsetDateTime::toInstant)));
    }

    boolean revokeKey(AccountId owner, long keyId, Instant now) {
        return dsl.update(API_KEY).set(API_KEY.REVOKED_AT, at(now))
                .where(API_KEY.ID.eq(keyId)).and(API_KEY.ACCOUNT_ID.eq(owner.value())).and(API_KEY.REVOKED_AT.isNull())
                .execute() == 1;
    }

    // Website users and sessions ---------------------------------------------------------------

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

    record Credentials(AccountId account, String passwordHash) {
    }

    Optional<Credentials> credentials(String email) {
        return dsl.select(ACCOUNT.ID, ACCOUNT_PASSWORD.PASSWORD_HASH).from(ACCOUNT)
                .join(ACCOUNT_PASSWORD).on(ACCOUNT_PASSWORD.ACCOUNT_ID.eq(ACCOUNT.ID))
                .where(ACCOUNT.EMAIL.eq(email))
                .fetchOptional(r -> new Credentials(new AccountId(r.value1()), r.value2()));
    }

    void insertSession(byte[] tokenHash, AccountId owner, Instant now, Instant expiresAt) {
        dsl.insertInto(WEB_SESSION).set(WEB_SESSION.TOKEN_HASH, tokenHash).set(WEB_SESSION.ACCOUNT_ID, owner.value())
                .set(WEB_SESSION.CREATED_AT, at(now)).set(WEB_SESSION.EXPIRES_AT, at(expiresAt)).execute();
    }

    Optional<Users.Session> session(byte[] tokenHash, Instant now) {
        return dsl.select(WEB_SESSION.ACCOUNT_ID, ACCOUNT.EMAIL, WEB_SESSION.EXPIRES_AT).from(WEB_SESSION)
                .join(ACCOUNT).on(ACCOUNT.ID.eq(WEB_SESSION.ACCOUNT_ID))
                .where(WEB_SESSION.TOKEN_HASH.eq(tokenHash)).and(WEB_SESSION.EXPIRES_AT.gt(at(now)))
                .fetchOptional(r -> new Users.Session(new AccountId(r.value1()), r.value2(), r.value3().toInstant()));
    }

    void deleteSession(byte[] tokenHash) {
        dsl.deleteFrom(WEB_SESSION).where(WEB_SESSION.TOKEN_HASH.eq(tokenHash)).execute();
    }

    void deleteExpiredSessions(AccountId owner, Instant now) {
        dsl.deleteFrom(WEB_SESSION).where(WEB_SESSION.ACCOUNT_ID.eq(owner.value())).and(WEB_SESSION.EXPIRES_AT.le(at(now))).execute();
    }

    int pruneExpiredSessions(Instant now, int limit) {
        return dsl.deleteFrom(WEB_SESSION).where(WEB_SESSION.TOKEN_HASH.in(DSL.select(WEB_SESSION.TOKEN_HASH).from(WEB_SESSION)
                .where(WEB_SESSION.EXPIRES_AT.le(at(now))).limit(limit))).execute();
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

    // Ledger ----------------------------------------------------------------------------------

    long houseLedger(String kind, String currency) {
        return dsl.select(LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.ACCOUNT_ID.isNull()).and(LEDGER_ACCOUNT.KIND.eq(kind)).and(LEDGER_ACCOUNT.CURRENCY.eq(currency))
                .fetchSingle(LEDGER_ACCOUNT.ID);
    }

    /** Appends a transfer; the trigger moves the cached balances and enforces "never below zero". */
    long insertTransfer(Ledger.Kind kind, long debitLedger, long creditLedger, long amountMicros, Long holdId, String reference, Instant now) {
        return dsl.insertInto(TRANSFER)
                .set(TRANSFER.KIND, kind.wire()).set(TRANSFER.DEBIT_ACCOUNT_ID, debitLedger).set(TRANSFER.CREDIT_ACCOUNT_ID, creditLedger)
                .set(TRANSFER.AMOUNT_MICROS, amountMicros).set(TRANSFER.HOLD_ID, holdId).set(TRANSFER.REFERENCE, reference)
                .set(TRANSFER.CREATED_AT, at(now))
                .returning(TRANSFER.ID).fetchOne(TRANSFER.ID);
    }

    Balance balance(AccountId owner) {
        long wallet = 0;
        long held = 0;
        long debt = 0;
        String currency = "USD";
        // The open holds ride along in the same statement, so the three figures are of one moment
        // (a code posted between two reads would otherwise show in neither or in both).
        for (var r : dsl.select(LEDGER_ACCOUNT.KIND, LEDGER_ACCOUNT.BALANCE_MICROS, LEDGER_ACCOUNT.CURRENCY, DSL.field(openHoldsQuery(owner)))
                .from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.ACCOUNT_ID.eq(owner.value())).fetch()) {
            currency = r.value3();
            switch (r.value1()) {
                case "wallet" -> wallet = r.value2();
                case "held" -> held = r.value4().longValueExact();
                case "debt" -> debt = -r.value2(); // stored as minus what is owed
                default -> throw new IllegalStateException("unknown customer ledger kind " + r.value1());
            }
        }
        return new Balance(currency, wallet, held, debt);
    }

    /**
     * What an order checks first, in one statement: the owner's available money and debt (cached
     * rows; not the held sum, which grows with the live activations) and its live activations
     * counted up to {@code cap}.
     */
    record OrderCheck(long availableMicros, long debtMicros, int live) {
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
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    live = rs.getInt(3);
                    switch (rs.getString(1)) {
                        case "wallet" -> wallet = rs.getLong(2);
                        case "debt" -> debt = -rs.getLong(2); // stored as minus what is owed
                        default -> throw new IllegalStateException("unexpected ledger kind " + rs.getString(1));
                    }
                }
            }
            return new OrderCheck(wallet, debt, live);
        });
    }

    // The order path's statements, written once: jOOQ built each anew per order, a fifth of the
    // node's CPU under load (issue 15's profile), for SQL that never changes.
    private static final String ORDER_CHECK = "select la.kind, la.balance_micros, (select count(*) from (select 1 from activation"
            + " where account_id = ? and status in (?, ?) limit ?) live) from ledger_account la"
            + " where la.account_id = ? and la.kind in ('wallet', 'debt')";
    private static final String INSERT_KEY = "insert into idempotency_key (account_id, key, fingerprint, locked_until, created_at)"
            + " values (?, ?, ?, ?, ?) on conflict do nothing";
    private static final String INSERT_PURCHASE = "insert into provider_purchase (account_id, provider, provider_ref, lease_until, created_at)"
            + " values (?, ?, ?, ?, ?) returning id";

    /** A statement of the order path over the pool's JDBC connection (autocommitted). */
    @FunctionalInterface
    private interface Jdbc<T> {
        T run(PreparedStatement statement) throws java.sql.SQLException;
    }

    private <T> T jdbc(String sql, Jdbc<T> work) {
        return dsl.connectionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                return work.run(ps);
            }
        });
    }

    /**
     * What the owner's open holds add up to: its held balance (V16). Every hold belongs to an
     * activation and is resolved, once, when the activation gets its first code or ends (the audit
     * checks no ended activation keeps an open hold), so the live activations' index finds them all.
     */
    private org.jooq.Select<org.jooq.Record1<java.math.BigDecimal>> openHoldsQuery(AccountId owner) {
        var resolution = TRANSFER.as("resolution");
        return DSL.select(DSL.coalesce(DSL.sum(TRANSFER.AMOUNT_MICROS), java.math.BigDecimal.ZERO))
                .from(ACTIVATION).join(TRANSFER).on(TRANSFER.ID.eq(ACTIVATION.HOLD_ID))
                .where(ACTIVATION.ACCOUNT_ID.eq(owner.value()))
                .and(ACTIVATION.STATUS.in(ActivationStatus.WAITING_CODE.wire(), ActivationStatus.CODE_RECEIVED.wire()))
                .andNotExists(DSL.selectOne().from(resolution).where(resolution.HOLD_ID.eq(TRANSFER.ID)));
    }

    /** The ids of an account's wallet and held ledger accounts (they never change once created). */
    CustomerLedgers customerLedgers(AccountId owner) {
        Map<String, Long> byKind = dsl.select(LEDGER_ACCOUNT.KIND, LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.ACCOUNT_ID.eq(owner.value()))
                .fetchMap(LEDGER_ACCOUNT.KIND, LEDGER_ACCOUNT.ID);
        Long debt = byKind.get("debt");
        return new CustomerLedgers(byKind.get("wallet"), byKind.get("held"), debt == null ? NO_DEBT_LEDGER_YET : debt);
    }

    /** The debt account comes at the commit of its account's creation (V14), so inside that transaction there is none. */
    static final long NO_DEBT_LEDGER_YET = 0;

    record CustomerLedgers(long wallet, long held, long debt) {
    }

    /**
     * Locks the owner's ledger accounts in id order, the order every transfer takes them in (see
     * the V6 migration), and returns their balances as they are now: the refund and dispute paths
     * decide how much the wallet covers from these and must not race a purchase.
     */
    Balance lockBalance(AccountId owner) {
        dsl.select(LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.ACCOUNT_ID.eq(owner.value()))
                .orderBy(LEDGER_ACCOUNT.ID).forNoKeyUpdate().fetch();
        return balance(owner);
    }

    boolean accountExists(AccountId owner) {
        return dsl.fetchExists(ACCOUNT, ACCOUNT.ID.eq(owner.value()));
    }

    /**
     * One page of the owner's movements, newest first: every transfer touching one of its ledger
     * accounts, with what it did to each of them. {@code beforeId} is the cursor. Each of the
     * account's ledger accounts is walked on its own index, newest first, so a page costs what
     * that account's history costs, never a scan of everyone's transfers.
     */
    List<LedgerEntry> entries(AccountId owner, Set<String> kinds, Optional<Instant> from, Optional<Instant> to, long beforeId, int limit) {
        List<Long> mine = dsl.select(LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.ACCOUNT_ID.eq(owner.value()))
                .fetch(LEDGER_ACCOUNT.ID);
        Condition filter = TRANSFER.ID.lt(beforeId);
        if (!kinds.isEmpty()) {
            filter = filter.and(TRANSFER.KIND.in(kinds));
        }
        if (from.isPresent()) {
            filter = filter.and(TRANSFER.CREATED_AT.ge(at(from.get())));
        }
        if (to.isPresent()) {
            filter = filter.and(TRANSFER.CREATED_AT.lt(at(to.get())));
        }
        org.jooq.Select<org.jooq.Record1<Long>> ids = null;
        for (long ledger : mine) {
            for (var side : List.of(TRANSFER.DEBIT_ACCOUNT_ID, TRANSFER.CREDIT_ACCOUNT_ID)) {
                var one = DSL.select(TRANSFER.ID).from(TRANSFER).where(side.eq(ledger)).and(filter).orderBy(TRANSFER.ID.desc()).limit(limit);
                ids = ids == null ? one : ids.union(one); // union, not union all: a hold touches two of the owner's accounts
            }
        }
        if (ids == null) {
            return List.of();
        }
        return entriesOf(owner, TRANSFER.ID.in(DSL.select(DSL.field("id", Long.class)).from(ids.asTable("mine"))), limit);
    }

    /** One transfer as the owner's entry. */
    LedgerEntry entry(AccountId owner, long transferId) {
        return entriesOf(owner, TRANSFER.ID.eq(transferId), 1).getFirst();
    }

    private List<LedgerEntry> entriesOf(AccountId owner, Condition which, int limit) {
        var debit = LEDGER_ACCOUNT.as("debit");
        var credit = LEDGER_ACCOUNT.as("credit");
        return dsl.select(TRANSFER.ID, TRANSFER.KIND, TRANSFER.AMOUNT_MICROS, TRANSFER.REFERENCE, TRANSFER.CREATED_AT,
                        debit.ACCOUNT_ID, debit.KIND, credit.ACCOUNT_ID, credit.KIND, debit.CURRENCY)
                .from(TRANSFER)
                .join(debit).on(debit.ID.eq(TRANSFER.DEBIT_ACCOUNT_ID))
                .join(credit).on(credit.ID.eq(TRANSFER.CREDIT_ACCOUNT_ID))
                .where(which)
                .orderBy(TRANSFER.ID.desc()).limit(limit)
                .fetch(r -> {
                    long amount = r.value3();
                    long available = 0;
                    long held = 0;
                    long debt = 0;
                    if (Long.valueOf(owner.value()).equals(r.value6())) {
                        switch (r.value7()) {
                            case "wallet" -> available -= amount;
                            case "held" -> held -= amount;
                            case "debt" -> debt += amount; // taking from the debt account is owing more
                            default -> { }
                        }
                    }
                    if (Long.valueOf(owner.value()).equals(r.value8())) {
                        switch (r.value9()) {
                            case "wallet" -> available += amount;
                            case "held" -> held += amount;
                            case "debt" -> debt -= amount;
                            default -> { }
                        }
                    }
                    return new LedgerEntry(r.value1(), r.value2(), amount, r.value10(), available, held, debt, r.value4(),
                            r.value5().toInstant());
                });
    }

    /** An operator's adjustment as a retry compares it with its own request. */
    record Adjustment(long id, long transferId, String direction, long amountMicros, String reason) {
    }

    Optional<Adjustment> adjustmentByKey(AccountId owner, String idempotencyKey) {
        return dsl.selectFrom(LEDGER_ADJUSTMENT).where(LEDGER_ADJUSTMENT.ACCOUNT_ID.eq(owner.value()))
                .and(LEDGER_ADJUSTMENT.IDEMPOTENCY_KEY.eq(idempotencyKey))
                .fetchOptional(r -> new Adjustment(r.getId(), r.getTransferId(), r.getDirection(), r.getAmountMicros(), r.getReason()));
    }

    long nextAdjustmentId() {
        return dsl.select(DSL.field("nextval(pg_get_serial_sequence('ledger_adjustment', 'id'))", Long.class)).fetchSingle().value1();
    }

    void insertAdjustment(long id, AccountId owner, String idempotencyKey, long transferId, String direction, long amountMicros,
                          String reason, String actor, Instant now) {
        dsl.insertInto(LEDGER_ADJUSTMENT)
                .set(LEDGER_ADJUSTMENT.ID, id).set(LEDGER_ADJUSTMENT.ACCOUNT_ID, owner.value()).set(LEDGER_ADJUSTMENT.IDEMPOTENCY_KEY, idempotencyKey).set(LEDGER_ADJUSTMENT.TRANSFER_ID, transferId)
                .set(LEDGER_ADJUSTMENT.DIRECTION, direction).set(LEDGER_ADJUSTMENT.AMOUNT_MICROS, amountMicros)
                .set(LEDGER_ADJUSTMENT.REASON, reason).set(LEDGER_ADJUSTMENT.ACTOR, actor).set(LEDGER_ADJUSTMENT.CREATED_AT, at(now))
                .execute();
    }

    // Top-ups and Stripe events -------------------------------------------------------------

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
        return dsl.selectFrom(TOPUP).where(TOPUP.ACCOUNT_ID.eq(owner.value())).and(TOPUP.IDEMPOTENCY_KEY.eq(idempotencyKey)).fetchOptional().map(OrdersStore::topupRow);
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
        return dsl.selectFrom(TOPUP).where(TOPUP.ID.eq(id)).fetchOptional().map(OrdersStore::topupRow);
    }

    Optional<TopupRow> topupForUpdate(long id) {
        return dsl.selectFrom(TOPUP).where(TOPUP.ID.eq(id)).forUpdate().fetchOptional().map(OrdersStore::topupRow);
    }

    Optional<TopupRow> topupByPaymentForUpdate(String paymentIntent) {
        return dsl.selectFrom(TOPUP).where(TOPUP.PAYMENT_INTENT.eq(paymentIntent)).forUpdate().fetchOptional().map(OrdersStore::topupRow);
    }

    List<TopupRow> topups(AccountId owner, int limit) {
        return dsl.selectFrom(TOPUP).where(TOPUP.ACCOUNT_ID.eq(owner.value())).orderBy(TOPUP.ID.desc()).limit(limit).fetch(OrdersStore::topupRow);
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
                .forUpdate().skipLocked().fetchOptional().map(OrdersStore::stripeEventRow);
    }

    /** Every waiting event of one payment, parked ones too, oldest first, locked; except {@code exceptId}. */
    List<StripeEventRow> waitingForPayment(String paymentIntent, String exceptId) {
        return dsl.selectFrom(STRIPE_EVENT)
                .where(STRIPE_EVENT.APPLIED_AT.isNull()).and(STRIPE_EVENT.PAYMENT_INTENT.eq(paymentIntent)).and(STRIPE_EVENT.ID.ne(exceptId))
                .orderBy(STRIPE_EVENT.RECEIVED_AT, STRIPE_EVENT.ID)
                .forUpdate().skipLocked().fetch(OrdersStore::stripeEventRow);
    }

    /** Waiting events, for operators: oldest first. */
    List<StripeEventRow> waitingStripeEvents(int limit) {
        return dsl.selectFrom(STRIPE_EVENT).where(STRIPE_EVENT.APPLIED_AT.isNull())
                .orderBy(STRIPE_EVENT.RECEIVED_AT).limit(limit).fetch(OrdersStore::stripeEventRow);
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
        return dsl.selectFrom(STRIPE_DISPUTE).where(STRIPE_DISPUTE.ID.eq(id)).forUpdate().fetchOptional().map(OrdersStore::disputeRow);
    }

    void insertDispute(String id, long topupId, long amountMicros, String status, Instant now) {
        dsl.insertInto(STRIPE_DISPUTE).set(STRIPE_DISPUTE.ID, id).set(STRIPE_DISPUTE.TOPUP_ID, topupId)
                .set(STRIPE_DISPUTE.AMOUNT_MICROS, amountMicros).set(STRIPE_DISPUTE.STATUS, status).set(STRIPE_DISPUTE.CREATED_AT, at(now))
                .execute();
    }

    /** The dispute's status and what it has taken; the first close time is kept. */
    void updateDispute(String id, String status, long takenMicros, Optional<Instant> closedAt) {
        dsl.update(STRIPE_DISPUTE).set(STRIPE_DISPUTE.STATUS, status).set(STRIPE_DISPUTE.TAKEN_MICROS, takenMicros)
                .set(STRIPE_DISPUTE.CLOSED_AT, DSL.coalesce(STRIPE_DISPUTE.CLOSED_AT, DSL.val(closedAt.map(OrdersStore::at).orElse(null))))
                .where(STRIPE_DISPUTE.ID.eq(id)).execute();
    }

    /** Ledger accounts whose cached balance differs from the sum of their transfers. */
    List<String> cachedBalanceMismatches() {
        var credits = DSL.coalesce(DSL.select(DSL.sum(TRANSFER.AMOUNT_MICROS)).from(TRANSFER)
                .where(TRANSFER.CREDIT_ACCOUNT_ID.eq(LEDGER_ACCOUNT.ID)).asField(), java.math.BigDecimal.ZERO);
        var debits = DSL.coalesce(DSL.select(DSL.sum(TRANSFER.AMOUNT_MICROS)).from(TRANSFER)
                .where(TRANSFER.DEBIT_ACCOUNT_ID.eq(LEDGER_ACCOUNT.ID)).asField(), java.math.BigDecimal.ZERO);
        return dsl.select(LEDGER_ACCOUNT.ID, LEDGER_ACCOUNT.BALANCE_MICROS, credits.minus(debits))
                .from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.CACHED)
                .fetch().stream()
                .filter(r -> r.value3().longValueExact() != r.value2())
                .map(r -> "ledger account " + r.value1() + ": cached " + r.value2() + ", transfers " + r.value3())
                .toList();
    }

    /**
     * Open holds (no post or void yet) that no live activation accounts for: a customer's held
     * balance counts only live activations' holds (see {@link #openHoldsQuery}), so such a hold would
     * be money that neither the customer nor the house can see.
     */
    int openHoldsWithoutLiveActivation() {
        var resolution = TRANSFER.as("resolution");
        return dsl.fetchCount(dsl.select(TRANSFER.ID).from(TRANSFER)
                .where(TRANSFER.KIND.eq("hold"))
                .andNotExists(DSL.selectOne().from(resolution).where(resolution.HOLD_ID.eq(TRANSFER.ID)))
                .andNotExists(DSL.selectOne().from(ACTIVATION).where(ACTIVATION.HOLD_ID.eq(TRANSFER.ID))
                        .and(ACTIVATION.STATUS.in(ActivationStatus.WAITING_CODE.wire(), ActivationStatus.CODE_RECEIVED.wire()))));
    }

    /** Number of holds not resolved by exactly one post or void: open holds of ended activations. */
    int unresolvedHoldsOfEndedActivations() {
        return dsl.fetchCount(dsl.select(ACTIVATION.ID).from(ACTIVATION)
                .where(ACTIVATION.STATUS.in("finished", "cancelled", "expired"))
                .andNotExists(DSL.selectOne().from(TRANSFER).where(TRANSFER.HOLD_ID.eq(ACTIVATION.HOLD_ID))));
    }

    // Activations -----------------------------------------------------------------------------

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

    /** The check that keeps a wallet from going below zero (V14). */
    private static final String NO_OVERDRAFT = "ledger_balance_not_negative";
    /** One live sale of a number per service (V1). */
    private static final String LIVE_NUMBER = "activation_live_number";

    /** Whether the database refused a hold (or a debit) because the wallet could not pay it. */
    static boolean noMoney(ConstraintViolation refusal) {
        return refusal.by(NO_OVERDRAFT);
    }

    /**
     * An order's hold, activation, recorded sale and completed idempotency key, in one statement
     * that is its own transaction (see V21). Plain JDBC: the hottest statement of the order path,
     * with nothing for jOOQ to build. Any other refusal is a {@link ConstraintViolation}.
     */
    Placing placeOrder(NewOrder o) {
        try {
            return placeOrderOnce(o);
        } catch (ConstraintViolation e) {
            if (e.by(NO_OVERDRAFT)) {
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

    private static final String PLACE_ORDER = "select place_order(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

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
                         Instant expiresAt, boolean retryRequested) {
    }

    private static ActivationRow row(ActivationRecord r) {
        return new ActivationRow(r.getId(), r.getAccountId(), ActivationStatus.fromWire(r.getStatus()).orElseThrow(), r.getService(),
                r.getCountry(), r.getPhone(), r.getProvider(), r.getProviderRef(), r.getPriceMicros(), r.getCurrency(), r.getHoldId(),
                r.getCreatedAt().toInstant(), r.getCancellableAt().toInstant(), r.getExpiresAt().toInstant(), r.getRetryRequestedAt() != null);
    }

    Optional<ActivationRow> activationForUpdate(AccountId owner, int id) {
        return dsl.selectFrom(ACTIVATION).where(ACTIVATION.ID.eq(id)).and(ACTIVATION.ACCOUNT_ID.eq(owner.value()))
                .forUpdate().fetchOptional().map(OrdersStore::row);
    }

    Optional<ActivationRow> activationByIdForUpdate(int id) {
        return dsl.selectFrom(ACTIVATION).where(ACTIVATION.ID.eq(id)).forUpdate().fetchOptional().map(OrdersStore::row);
    }

    Optional<ActivationRow> activationByProviderRefForUpdate(String provider, String providerRef) {
        return dsl.selectFrom(ACTIVATION).where(ACTIVATION.PROVIDER.eq(provider)).and(ACTIVATION.PROVIDER_REF.eq(providerRef))
                .forUpdate().fetchOptional().map(OrdersStore::row);
    }

    /** Live activations whose window has passed, locked; rows another node holds are skipped. */
    List<ActivationRow> dueForUpdate(Instant now, int limit) {
        return dsl.selectFrom(ACTIVATION)
                .where(ACTIVATION.STATUS.in(ActivationStatus.WAITING_CODE.wire(), ActivationStatus.CODE_RECEIVED.wire()))
                .and(ACTIVATION.EXPIRES_AT.le(at(now)))
                .orderBy(ACTIVATION.EXPIRES_AT)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(OrdersStore::row);
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

    /** The SQL of reading codes (templates, the review queue), in this store's transaction. */
    CodeStore codes() {
        return new CodeStore(dsl);
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

    Optional<Activation> activation(AccountId owner, int id) {
        return activations(ACTIVATION.ID.eq(id).and(ACTIVATION.ACCOUNT_ID.eq(owner.value())), 1).stream().findFirst();
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

    private List<Activation> activations(Condition where, int limit) {
        List<ActivationRecord> rows = dsl.selectFrom(ACTIVATION).where(where).orderBy(ACTIVATION.ID.desc()).limit(limit).fetch();
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
                    r.getRetryRequestedAt() != null, messages.getOrDefault(r.getId(), List.of()), fromJson(r.getRouting())));
        }
        return result;
    }

    /** A stored SMS as its activation's owner may see it: a withheld one without its code and text. */
    private static Activation.Message message(SmsRecord r, ActivationStatus status) {
        boolean withheld = Activation.Message.withheld(status, r.getLate(), r.getBoughtHoldId() != null);
        return new Activation.Message(r.getId(), withheld ? Optional.empty() : Optional.ofNullable(r.getCode()),
                withheld ? "" : r.getText(), r.getSender(), r.getReceivedAt().toInstant(), r.getLate(), withheld);
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

    // Upstream operations ---------------------------------------------------------------------

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

    long insertUpstreamOp(ActivationRow a, UpstreamKinds.Report kind, Instant now) {
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

    // Provider purchases ----------------------------------------------------------------------

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

    // Parked SMS ------------------------------------------------------------------------------

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
                .whereExists(DSL.selectOne().from(ACTIVATION)
                        .where(ACTIVATION.PROVIDER.eq(UNMATCHED_SMS.PROVIDER)).and(ACTIVATION.PROVIDER_REF.eq(UNMATCHED_SMS.PROVIDER_REF)))
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

    // Idempotency -----------------------------------------------------------------------------

    sealed interface Claim {
        record Owned() implements Claim {
        }

        record Replay(StoredResponse response) implements Claim {
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
                : transaction(s -> s.claimTaken(owner, key, fingerprint, now, lockedUntil));
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
            return new Claim.Replay(new StoredResponse(r.getResponseStatus(), r.getResponseBody()));
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

    // ------------------------------------------------------------------------------------------

    private static OffsetDateTime at(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
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

    // Webhooks --------------------------------------------------------------------------------

    /** An endpoint as its owner sees it (never its secrets). */
    record Endpoint(long id, long accountId, String url, List<String> eventTypes, boolean enabled, Optional<String> disabledReason,
                    Instant createdAt) {
    }

    /**
     * A delivery due now, with what is needed to send it, claimed until {@code lease};
     * {@code waitedMillis} is how long it waited between its commit and this claim (by the
     * database's clock), and 0 for retries and for deliveries another claim had let run out.
     */
    record DueDelivery(long id, long endpointId, String url, String messageId, String payload, int attempts, Instant createdAt,
                       String secret, Optional<String> previousSecret, Instant lease, long waitedMillis) {
    }

    long insertEndpoint(AccountId owner, String url, List<String> eventTypes, String secret, Instant now) {
        return dsl.insertInto(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.ACCOUNT_ID, owner.value()).set(WEBHOOK_ENDPOINT.URL, url)
                .set(WEBHOOK_ENDPOINT.EVENT_TYPES, eventTypes.toArray(String[]::new)).set(WEBHOOK_ENDPOINT.SECRET, secret)
                .set(WEBHOOK_ENDPOINT.CREATED_AT, at(now))
                .returning(WEBHOOK_ENDPOINT.ID).fetchOne().getId();
    }

    List<Endpoint> endpoints(AccountId owner) {
        return dsl.selectFrom(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ACCOUNT_ID.eq(owner.value())).orderBy(WEBHOOK_ENDPOINT.ID)
                .fetch(r -> new Endpoint(r.getId(), r.getAccountId(), r.getUrl(), List.of(r.getEventTypes()), r.getEnabled(),
                        Optional.ofNullable(r.getDisabledReason()), r.getCreatedAt().toInstant()));
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
     * caller's transaction; each message id is {@code messagePrefix} and the endpoint's id.
     * False when the owner has no such endpoint (nothing written).
     */
    boolean enqueueWebhooks(long accountId, String eventType, Integer activationId, String payload, String messagePrefix, Instant now) {
        boolean queued = dsl.insertInto(WEBHOOK_DELIVERY, WEBHOOK_DELIVERY.ENDPOINT_ID, WEBHOOK_DELIVERY.MESSAGE_ID, WEBHOOK_DELIVERY.EVENT_TYPE,
                        WEBHOOK_DELIVERY.ACTIVATION_ID, WEBHOOK_DELIVERY.PAYLOAD, WEBHOOK_DELIVERY.NEXT_ATTEMPT_AT, WEBHOOK_DELIVERY.CREATED_AT)
                .select(DSL.select(WEBHOOK_ENDPOINT.ID, DSL.val(messagePrefix).concat(WEBHOOK_ENDPOINT.ID.cast(String.class)),
                                DSL.val(eventType), DSL.val(activationId), DSL.val(payload), DSL.val(at(now)), DSL.val(at(now)))
                        .from(WEBHOOK_ENDPOINT)
                        .where(WEBHOOK_ENDPOINT.ACCOUNT_ID.eq(accountId)).and(WEBHOOK_ENDPOINT.ENABLED.isTrue())
                        .and(DSL.condition("{0} = any({1})", DSL.val(eventType), WEBHOOK_ENDPOINT.EVENT_TYPES)))
                .execute() > 0;
        webhooksQueued |= queued;
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
                    .set(WEBHOOK_DELIVERY.NEXT_ATTEMPT_AT, a.retryAt().map(OrdersStore::at).orElse(at(a.at())))
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

    /** Changes the URL and event types of the owner's enabled endpoint; false when there is none. */
    boolean updateEndpoint(AccountId owner, long id, String url, List<String> eventTypes) {
        return dsl.update(WEBHOOK_ENDPOINT).set(WEBHOOK_ENDPOINT.URL, url).set(WEBHOOK_ENDPOINT.EVENT_TYPES, eventTypes.toArray(String[]::new))
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
