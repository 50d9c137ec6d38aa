package dev.numpool.orders;

import dev.numpool.db.ConstraintViolation;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.numpool.db.jooq.Tables.ACCOUNT;
import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static dev.numpool.db.jooq.Tables.IDEMPOTENCY_KEY;
import static dev.numpool.db.jooq.Tables.LEDGER_ACCOUNT;
import static dev.numpool.db.jooq.Tables.LEDGER_ADJUSTMENT;
import static dev.numpool.db.jooq.Tables.RENTAL;
import static dev.numpool.db.jooq.Tables.RENTAL_PERIOD;
import static dev.numpool.db.jooq.Tables.TRANSFER;

/**
 * The SQL of the ledger: transfers (appended, never changed; a trigger keeps the cached
 * balances and the "never below zero" check), balances, history, operator adjustments and the
 * audit's checks. Only {@link Ledger} and its {@link Ledger.Transfers} write here.
 */
final class LedgerStore extends Store {
    /** The debt account comes at the commit of its account's creation (V14), so inside that transaction there is none. */
    static final long NO_DEBT_LEDGER_YET = 0;
    /** The check that keeps a wallet from going below zero (V14). */
    private static final String NO_OVERDRAFT = "ledger_balance_not_negative";

    LedgerStore(DSLContext dsl) {
        super(dsl);
    }

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

    /**
     * Appends {@code count} holds of {@code amountMicros} each, wallet → held, in one statement;
     * returns their ids in the order of {@code references}. The trigger refuses the lot when the
     * wallet cannot pay all of them.
     */
    List<Long> insertHolds(long wallet, long held, long amountMicros, List<String> references, Instant now) {
        var insert = dsl.insertInto(TRANSFER, TRANSFER.KIND, TRANSFER.DEBIT_ACCOUNT_ID, TRANSFER.CREDIT_ACCOUNT_ID, TRANSFER.AMOUNT_MICROS,
                TRANSFER.REFERENCE, TRANSFER.CREATED_AT);
        for (String reference : references) {
            insert = insert.values(Ledger.Kind.HOLD.wire(), wallet, held, amountMicros, reference, at(now));
        }
        // Identity values are drawn in the order the rows are inserted, so sorted ids follow the references.
        return insert.returning(TRANSFER.ID).fetch(TRANSFER.ID).stream().sorted().toList();
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
     * What the owner's open holds add up to: its held balance (V16). Every hold belongs to an
     * activation and is resolved, once, when the activation gets its first code or ends (the audit
     * checks no ended activation keeps an open hold), so the live activations' index finds them all.
     */
    private org.jooq.Select<org.jooq.Record1<java.math.BigDecimal>> openHoldsQuery(AccountId owner) {
        var resolution = TRANSFER.as("resolution");
        var activations = DSL.select(TRANSFER.AMOUNT_MICROS)
                .from(ACTIVATION).join(TRANSFER).on(TRANSFER.ID.eq(ACTIVATION.HOLD_ID))
                .where(ACTIVATION.ACCOUNT_ID.eq(owner.value()))
                .and(ACTIVATION.STATUS.in(ActivationStatus.WAITING_CODE.wire(), ActivationStatus.CODE_RECEIVED.wire()))
                .andNotExists(DSL.selectOne().from(resolution).where(resolution.HOLD_ID.eq(TRANSFER.ID)));
        // A rental's paid periods not yet begun (or still refundable) are held too, each its own hold.
        var rentals = DSL.select(TRANSFER.AMOUNT_MICROS)
                .from(RENTAL).join(RENTAL_PERIOD).on(RENTAL_PERIOD.RENTAL_ID.eq(RENTAL.ID)).join(TRANSFER).on(TRANSFER.ID.eq(RENTAL_PERIOD.HOLD_ID))
                .where(RENTAL.ACCOUNT_ID.eq(owner.value())).and(RENTAL.STATUS.eq(RentalStatus.ACTIVE.wire()))
                .andNotExists(DSL.selectOne().from(resolution).where(resolution.HOLD_ID.eq(TRANSFER.ID)));
        var holds = activations.unionAll(rentals).asTable("open_hold");
        return DSL.select(DSL.coalesce(DSL.sum(holds.field(TRANSFER.AMOUNT_MICROS)), java.math.BigDecimal.ZERO)).from(holds);
    }

    /** The ids of an account's wallet and held ledger accounts (they never change once created). */
    CustomerLedgers customerLedgers(AccountId owner) {
        var rows = dsl.select(LEDGER_ACCOUNT.KIND, LEDGER_ACCOUNT.ID, ACCOUNT.TEST_OF.isNotNull()).from(LEDGER_ACCOUNT)
                .join(ACCOUNT).on(ACCOUNT.ID.eq(LEDGER_ACCOUNT.ACCOUNT_ID))
                .where(LEDGER_ACCOUNT.ACCOUNT_ID.eq(owner.value())).fetch();
        Map<String, Long> byKind = rows.intoMap(r -> r.value1(), r -> r.value2());
        Long debt = byKind.get("debt");
        boolean test = !rows.isEmpty() && rows.getFirst().value3();
        return new CustomerLedgers(byKind.get("wallet"), byKind.get("held"), debt == null ? NO_DEBT_LEDGER_YET : debt, test);
    }

    /** A customer's ledger accounts; {@code test} for a test account, whose codes pay test revenue (V24). */
    record CustomerLedgers(long wallet, long held, long debt, boolean test) {
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

    /**
     * One page of the owner's movements by position (5sim's payments page by offset), newest or
     * oldest first. Each ledger account's branch reads at most {@code offset + limit} ids on its
     * own index, so a page costs its depth, never a scan of everyone's transfers.
     */
    List<LedgerEntry> entriesAt(AccountId owner, int offset, int limit, boolean newestFirst) {
        var ids = ownTransferIds(owner, offset + limit, newestFirst);
        if (ids == null) {
            return List.of();
        }
        var id = DSL.field("id", Long.class);
        List<Long> page = dsl.select(id).from(ids.asTable("mine")).orderBy(newestFirst ? id.desc() : id.asc())
                .limit(limit).offset(offset).fetch(id);
        List<LedgerEntry> entries = page.isEmpty() ? List.of() : entriesOf(owner, TRANSFER.ID.in(page), limit);
        return newestFirst ? entries : entries.reversed();
    }

    /** How many movements the owner has. */
    int countEntries(AccountId owner) {
        var ids = ownTransferIds(owner, Integer.MAX_VALUE, true);
        return ids == null ? 0 : dsl.fetchCount(ids);
    }

    /** The ids of transfers touching the owner's ledger accounts, at most {@code depth} per account and side; null when it has none. */
    private org.jooq.Select<org.jooq.Record1<Long>> ownTransferIds(AccountId owner, int depth, boolean newestFirst) {
        org.jooq.Select<org.jooq.Record1<Long>> ids = null;
        for (long ledger : dsl.select(LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.ACCOUNT_ID.eq(owner.value()))
                .fetch(LEDGER_ACCOUNT.ID)) {
            for (var side : List.of(TRANSFER.DEBIT_ACCOUNT_ID, TRANSFER.CREDIT_ACCOUNT_ID)) {
                var one = DSL.select(TRANSFER.ID).from(TRANSFER).where(side.eq(ledger))
                        .orderBy(newestFirst ? TRANSFER.ID.desc() : TRANSFER.ID.asc()).limit(depth);
                ids = ids == null ? one : ids.union(one); // union: a hold touches two of the owner's accounts
            }
        }
        return ids;
    }

    /**
     * The owner's available balance right after transfer {@code transferId}: the wallet now, less
     * what the transfers after it moved in and out, in one statement (one snapshot).
     */
    long availableAfter(AccountId owner, long transferId) {
        var wallet = DSL.select(LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.ACCOUNT_ID.eq(owner.value())).and(LEDGER_ACCOUNT.KIND.eq("wallet"));
        var now = DSL.select(LEDGER_ACCOUNT.BALANCE_MICROS).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.ID.eq(wallet));
        var in = DSL.select(DSL.coalesce(DSL.sum(TRANSFER.AMOUNT_MICROS), java.math.BigDecimal.ZERO)).from(TRANSFER)
                .where(TRANSFER.CREDIT_ACCOUNT_ID.eq(wallet)).and(TRANSFER.ID.gt(transferId));
        var out = DSL.select(DSL.coalesce(DSL.sum(TRANSFER.AMOUNT_MICROS), java.math.BigDecimal.ZERO)).from(TRANSFER)
                .where(TRANSFER.DEBIT_ACCOUNT_ID.eq(wallet)).and(TRANSFER.ID.gt(transferId));
        var r = dsl.select(DSL.field(now), DSL.field(in), DSL.field(out)).fetchSingle();
        return r.value1() - r.value2().longValueExact() + r.value3().longValueExact();
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
                        .and(ACTIVATION.STATUS.in(ActivationStatus.WAITING_CODE.wire(), ActivationStatus.CODE_RECEIVED.wire())))
                .andNotExists(DSL.selectOne().from(RENTAL_PERIOD).join(RENTAL).on(RENTAL.ID.eq(RENTAL_PERIOD.RENTAL_ID))
                        .where(RENTAL_PERIOD.HOLD_ID.eq(TRANSFER.ID)).and(RENTAL.STATUS.eq(RentalStatus.ACTIVE.wire()))));
    }

    /** Paid periods of ended rentals whose hold was neither posted nor voided: money left held for nothing. */
    int unresolvedHoldsOfEndedRentals() {
        return dsl.fetchCount(dsl.select(RENTAL_PERIOD.HOLD_ID).from(RENTAL_PERIOD).join(RENTAL).on(RENTAL.ID.eq(RENTAL_PERIOD.RENTAL_ID))
                .where(RENTAL.STATUS.ne(RentalStatus.ACTIVE.wire()))
                .andNotExists(DSL.selectOne().from(TRANSFER).where(TRANSFER.HOLD_ID.eq(RENTAL_PERIOD.HOLD_ID))));
    }

    /** Posted periods of active rentals that have not begun yet: a charge for time not yet given. */
    int chargedBeforeTheirPeriod(Instant now) {
        return dsl.fetchCount(dsl.select(RENTAL_PERIOD.HOLD_ID).from(RENTAL_PERIOD).join(RENTAL).on(RENTAL.ID.eq(RENTAL_PERIOD.RENTAL_ID))
                .join(TRANSFER).on(TRANSFER.HOLD_ID.eq(RENTAL_PERIOD.HOLD_ID))
                .where(TRANSFER.KIND.eq(Ledger.Kind.POST.wire())).and(RENTAL_PERIOD.STARTS_AT.gt(at(now))));
    }

    /** Number of holds not resolved by exactly one post or void: open holds of ended activations. */
    int unresolvedHoldsOfEndedActivations() {
        return dsl.fetchCount(dsl.select(ACTIVATION.ID).from(ACTIVATION)
                .where(ACTIVATION.STATUS.in("finished", "cancelled", "expired"))
                .andNotExists(DSL.selectOne().from(TRANSFER).where(TRANSFER.HOLD_ID.eq(ACTIVATION.HOLD_ID))));
    }

    /** Whether the database refused a hold (or a debit) because the wallet could not pay it. */
    static boolean noMoney(ConstraintViolation refusal) {
        return refusal.by(NO_OVERDRAFT);
    }
}
