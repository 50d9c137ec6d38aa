package dev.numpool.orders;

import dev.numpool.db.jooq.tables.records.RentalRecord;
import dev.numpool.inventory.PhoneNumber;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static dev.numpool.db.jooq.Tables.RENTAL;
import static dev.numpool.db.jooq.Tables.RENTAL_PERIOD;
import static dev.numpool.db.jooq.Tables.RENTAL_SMS;
import static dev.numpool.db.jooq.Tables.TRANSFER;

/**
 * The SQL of rentals: the rental, its paid periods (each with its hold) and its SMS. Whether a
 * period's hold was posted or voided is read from the ledger's own transfers, never kept twice.
 */
final class RentalStore extends Store {
    /** A number is in one active rental at a time (V33). */
    static final String LIVE_NUMBER = "rental_live_number";

    RentalStore(DSLContext dsl) {
        super(dsl);
    }

    /** A rental as the flows that change it read it (locked, when read for update). */
    record RentalRow(int id, long accountId, String service, int country, String provider, String providerRef, String phone,
                     Duration period, long periodPriceMicros, String currency, int periods, RentalStatus status, boolean test,
                     Instant createdAt, Instant refundableUntil, Instant endsAt, Optional<Instant> nextChargeAt) {
        AccountId owner() {
            return new AccountId(accountId);
        }
    }

    /** One paid period whose hold is still open: neither posted nor voided. */
    record OpenPeriod(int seq, Instant startsAt, long holdId) {
    }

    int nextId() {
        return dsl.select(DSL.field("nextval(pg_get_serial_sequence('activation', 'id'))", Integer.class)).fetchSingle().value1();
    }

    /** A new rental's row, as {@link Rentals#rent} writes it with its periods. */
    record NewRental(int id, AccountId owner, String service, int country, String provider, String providerRef, PhoneNumber phone,
                     Duration period, long periodPriceMicros, long periodCostMicros, String currency, int periods, boolean test,
                     Instant createdAt, Instant refundableUntil, Instant endsAt, Instant nextChargeAt) {
    }

    void insertRental(NewRental r) {
        dsl.insertInto(RENTAL)
                .set(RENTAL.ID, r.id()).set(RENTAL.ACCOUNT_ID, r.owner().value()).set(RENTAL.SERVICE, r.service())
                .set(RENTAL.COUNTRY, r.country()).set(RENTAL.PROVIDER, r.provider()).set(RENTAL.PROVIDER_REF, r.providerRef())
                .set(RENTAL.PHONE, r.phone().e164()).set(RENTAL.PERIOD_SECONDS, (int) r.period().toSeconds())
                .set(RENTAL.PERIOD_PRICE_MICROS, r.periodPriceMicros()).set(RENTAL.PERIOD_COST_MICROS, r.periodCostMicros())
                .set(RENTAL.CURRENCY, r.currency()).set(RENTAL.PERIODS, r.periods()).set(RENTAL.STATUS, RentalStatus.ACTIVE.wire())
                .set(RENTAL.TEST, r.test()).set(RENTAL.CREATED_AT, at(r.createdAt())).set(RENTAL.REFUNDABLE_UNTIL, at(r.refundableUntil()))
                .set(RENTAL.ENDS_AT, at(r.endsAt())).set(RENTAL.NEXT_CHARGE_AT, at(r.nextChargeAt()))
                // Polled (by the providers that are) from the start, on Numpool's clock.
                .set(RENTAL.NEXT_POLL_AT, at(r.createdAt()))
                .execute();
    }

    /** Paid periods {@code firstSeq}, {@code firstSeq + 1}, … starting at {@code firstStart}, one hold each, in order. */
    void insertPeriods(int rentalId, int firstSeq, Instant firstStart, Duration period, List<Long> holds) {
        var insert = dsl.insertInto(RENTAL_PERIOD, RENTAL_PERIOD.RENTAL_ID, RENTAL_PERIOD.SEQ, RENTAL_PERIOD.STARTS_AT, RENTAL_PERIOD.HOLD_ID);
        for (int i = 0; i < holds.size(); i++) {
            insert = insert.values(rentalId, firstSeq + i, at(firstStart.plus(period.multipliedBy(i))), holds.get(i));
        }
        insert.execute();
    }

    Optional<RentalRow> row(AccountId owner, int id) {
        return dsl.selectFrom(RENTAL).where(RENTAL.ID.eq(id)).and(RENTAL.ACCOUNT_ID.eq(owner.value())).fetchOptional(RentalStore::row);
    }

    Optional<RentalRow> rentalForUpdate(AccountId owner, int id) {
        return dsl.selectFrom(RENTAL).where(RENTAL.ID.eq(id)).and(RENTAL.ACCOUNT_ID.eq(owner.value())).forUpdate().fetchOptional(RentalStore::row);
    }

    /** The rental a provider's SMS is for, locked, as intake finds an activation by the same names. */
    Optional<RentalRow> rentalByProviderRefForUpdate(String provider, String providerRef) {
        return dsl.selectFrom(RENTAL).where(RENTAL.PROVIDER.eq(provider)).and(RENTAL.PROVIDER_REF.eq(providerRef))
                .forUpdate().fetchOptional(RentalStore::row);
    }

    /**
     * Active rentals whose time ran out or whose next held period fell due, most overdue first,
     * locked; rows another node holds are skipped, so any number of nodes may run the worker.
     */
    List<RentalRow> dueForUpdate(Instant now, int limit) {
        return dsl.selectFrom(RENTAL)
                .where(RENTAL.STATUS.eq(RentalStatus.ACTIVE.wire()))
                .and(RENTAL.ENDS_AT.le(at(now)).or(RENTAL.NEXT_CHARGE_AT.le(at(now))))
                .orderBy(DSL.least(RENTAL.ENDS_AT, DSL.coalesce(RENTAL.NEXT_CHARGE_AT, RENTAL.ENDS_AT)))
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(RentalStore::row);
    }

    /**
     * The refs of {@code provider}'s active rentals due to be asked for their SMS, most overdue
     * first, at most {@code limit}, each set to be asked again {@link #POLL_EVERY} later in the same
     * statement; rows another node holds are skipped, so nodes claim disjoint sets.
     */
    List<String> claimDuePolls(String provider, Instant now, int limit) {
        return dsl.update(RENTAL).set(RENTAL.NEXT_POLL_AT, at(now.plus(POLL_EVERY)))
                .where(RENTAL.ID.in(DSL.select(RENTAL.ID).from(RENTAL)
                        .where(RENTAL.PROVIDER.eq(provider)).and(RENTAL.STATUS.eq(RentalStatus.ACTIVE.wire()))
                        .and(RENTAL.NEXT_POLL_AT.le(at(now)))
                        .orderBy(RENTAL.NEXT_POLL_AT)
                        .limit(limit)
                        .forUpdate().skipLocked()))
                .returning(RENTAL.PROVIDER_REF)
                .fetch(RENTAL.PROVIDER_REF);
    }

    /** A rented number is asked for its SMS this often: a person waits for them, though less tightly than for a code. */
    static final java.time.Duration POLL_EVERY = java.time.Duration.ofSeconds(10);

    /** The periods whose holds are still open, first period first. */
    List<OpenPeriod> openPeriods(int rentalId) {
        var resolution = TRANSFER.as("resolution");
        return dsl.select(RENTAL_PERIOD.SEQ, RENTAL_PERIOD.STARTS_AT, RENTAL_PERIOD.HOLD_ID).from(RENTAL_PERIOD)
                .where(RENTAL_PERIOD.RENTAL_ID.eq(rentalId))
                .andNotExists(DSL.selectOne().from(resolution).where(resolution.HOLD_ID.eq(RENTAL_PERIOD.HOLD_ID)))
                .orderBy(RENTAL_PERIOD.SEQ)
                .fetch(r -> new OpenPeriod(r.value1(), r.value2().toInstant(), r.value3()));
    }

    void end(int id, RentalStatus status, Instant now) {
        dsl.update(RENTAL).set(RENTAL.STATUS, status.wire()).set(RENTAL.ENDED_AT, at(now)).setNull(RENTAL.NEXT_CHARGE_AT)
                .where(RENTAL.ID.eq(id)).execute();
    }

    void extend(int id, int periods, Instant endsAt) {
        dsl.update(RENTAL).set(RENTAL.PERIODS, periods).set(RENTAL.ENDS_AT, at(endsAt)).where(RENTAL.ID.eq(id)).execute();
    }

    void setNextChargeAt(int id, Optional<Instant> at) {
        dsl.update(RENTAL).set(RENTAL.NEXT_CHARGE_AT, at.map(Store::at).orElse(null)).where(RENTAL.ID.eq(id)).execute();
    }

    /** The owner's active rentals, counted up to {@code cap}. */
    int activeCount(AccountId owner, int cap) {
        return dsl.fetchCount(DSL.selectOne().from(RENTAL).where(RENTAL.ACCOUNT_ID.eq(owner.value()))
                .and(RENTAL.STATUS.eq(RentalStatus.ACTIVE.wire())).limit(cap));
    }

    /** Whether an SMS reached the rental while it was rented (late ones do not count). */
    boolean hasSms(int rentalId) {
        return dsl.fetchExists(RENTAL_SMS, RENTAL_SMS.RENTAL_ID.eq(rentalId).and(RENTAL_SMS.LATE.isFalse()));
    }

    /** Stores an SMS of the rental; empty when the same message (by dedupe key) was stored before, else its id. */
    Optional<Long> insertSms(int rentalId, String dedupeKey, String sender, String text, Optional<String> code, boolean late, Instant receivedAt) {
        return dsl.insertInto(RENTAL_SMS)
                .set(RENTAL_SMS.RENTAL_ID, rentalId).set(RENTAL_SMS.DEDUPE_KEY, dedupeKey).set(RENTAL_SMS.SENDER, sender)
                .set(RENTAL_SMS.TEXT, text).set(RENTAL_SMS.CODE, code.orElse(null)).set(RENTAL_SMS.LATE, late)
                .set(RENTAL_SMS.RECEIVED_AT, at(receivedAt))
                .onConflictDoNothing()
                .returning(RENTAL_SMS.ID)
                .fetchOptional(RENTAL_SMS.ID);
    }

    Optional<Rental> rental(AccountId owner, int id) {
        return rentals(RENTAL.ID.eq(id).and(RENTAL.ACCOUNT_ID.eq(owner.value())), 1).stream().findFirst();
    }

    /** The owner's rentals, newest first, with ids below {@code beforeId}. */
    List<Rental> rentals(AccountId owner, Optional<RentalStatus> status, Optional<Integer> beforeId, int limit) {
        Condition where = RENTAL.ACCOUNT_ID.eq(owner.value());
        if (status.isPresent()) {
            where = where.and(RENTAL.STATUS.eq(status.get().wire()));
        }
        if (beforeId.isPresent()) {
            where = where.and(RENTAL.ID.lt(beforeId.get()));
        }
        return rentals(where, limit);
    }

    private List<Rental> rentals(Condition where, int limit) {
        List<RentalRecord> rows = dsl.selectFrom(RENTAL).where(where).orderBy(RENTAL.ID.desc()).limit(limit).fetch();
        if (rows.isEmpty()) {
            return List.of();
        }
        List<Integer> ids = rows.stream().map(RentalRecord::getId).toList();
        // Late SMS (after the rental ended) are kept but never shown: nobody paid for that time.
        Map<Integer, List<Rental.Message>> messages = dsl.selectFrom(RENTAL_SMS)
                .where(RENTAL_SMS.RENTAL_ID.in(ids)).and(RENTAL_SMS.LATE.isFalse())
                .orderBy(RENTAL_SMS.RECEIVED_AT, RENTAL_SMS.ID)
                .fetch().stream()
                .collect(Collectors.groupingBy(r -> r.getRentalId(), Collectors.mapping(
                        r -> new Rental.Message(r.getId(), r.getSender(), r.getText(), Optional.ofNullable(r.getCode()), r.getReceivedAt().toInstant()),
                        Collectors.toList())));
        Map<String, Integer> resolved = new HashMap<>();
        dsl.select(RENTAL_PERIOD.RENTAL_ID, TRANSFER.KIND, DSL.count()).from(RENTAL_PERIOD)
                .join(TRANSFER).on(TRANSFER.HOLD_ID.eq(RENTAL_PERIOD.HOLD_ID))
                .where(RENTAL_PERIOD.RENTAL_ID.in(ids))
                .groupBy(RENTAL_PERIOD.RENTAL_ID, TRANSFER.KIND)
                .forEach(r -> resolved.put(r.value1() + ":" + r.value2(), r.value3()));
        List<Rental> result = new ArrayList<>(rows.size());
        for (RentalRecord r : rows) {
            result.add(new Rental(r.getId(), new AccountId(r.getAccountId()), r.getService(), r.getCountry(), new PhoneNumber(r.getPhone()),
                    RentalStatus.fromWire(r.getStatus()).orElseThrow(), r.getPeriodPriceMicros(), Duration.ofSeconds(r.getPeriodSeconds()),
                    r.getPeriods(), resolved.getOrDefault(r.getId() + ":" + Ledger.Kind.POST.wire(), 0),
                    resolved.getOrDefault(r.getId() + ":" + Ledger.Kind.VOID.wire(), 0), r.getCurrency(), r.getCreatedAt().toInstant(),
                    r.getRefundableUntil().toInstant(), r.getEndsAt().toInstant(), Optional.ofNullable(r.getEndedAt()).map(OffsetDateTime::toInstant),
                    r.getTest(), messages.getOrDefault(r.getId(), List.of())));
        }
        return result;
    }

    private static RentalRow row(RentalRecord r) {
        return new RentalRow(r.getId(), r.getAccountId(), r.getService(), r.getCountry(), r.getProvider(), r.getProviderRef(), r.getPhone(),
                Duration.ofSeconds(r.getPeriodSeconds()), r.getPeriodPriceMicros(), r.getCurrency(), r.getPeriods(),
                RentalStatus.fromWire(r.getStatus()).orElseThrow(), r.getTest(), r.getCreatedAt().toInstant(), r.getRefundableUntil().toInstant(),
                r.getEndsAt().toInstant(), Optional.ofNullable(r.getNextChargeAt()).map(OffsetDateTime::toInstant));
    }
}
