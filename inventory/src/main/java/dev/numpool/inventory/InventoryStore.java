package dev.numpool.inventory;

import dev.numpool.db.Database;

import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.numpool.db.jooq.Tables.COUNTRY;
import static dev.numpool.db.jooq.Tables.MARKUP_SETTING;
import static dev.numpool.db.jooq.Tables.PROVIDER_CONTROL;
import static dev.numpool.db.jooq.Tables.NUMBER_LEASE;
import static dev.numpool.db.jooq.Tables.OFFER_HISTORY;
import static dev.numpool.db.jooq.Tables.POOL_COOLDOWN;
import static dev.numpool.db.jooq.Tables.POOL_NUMBER;
import static dev.numpool.db.jooq.Tables.QUOTE_REFRESH;
import static dev.numpool.db.jooq.Tables.SERVICE;

/**
 * All of the inventory module's SQL: the catalogue (data in the migrations, read once at start),
 * the history of quote refreshes and offers, the rented-number pool, and the sales of numbers
 * whose SMS arrive addressed by phone.
 */
final class InventoryStore {
    private final Database db;

    InventoryStore(Database db) {
        this.db = db;
    }

    List<Service> services() {
        return db.dsl().selectFrom(SERVICE).orderBy(SERVICE.CODE)
                .fetch(r -> new Service(r.getCode(), r.getName(), r.getFivesimName()));
    }

    List<Country> countries() {
        return db.dsl().selectFrom(COUNTRY).orderBy(COUNTRY.ID)
                .fetch(r -> new Country(r.getId(), r.getName(), r.getIso2(), r.getRegion(), r.getCallingCode(), r.getFivesimName()));
    }

    /** Every country's Russian and Chinese names, by id. */
    java.util.Map<Integer, CountryNames> countryNames() {
        return db.dsl().select(COUNTRY.ID, COUNTRY.NAME_RU, COUNTRY.NAME_ZH).from(COUNTRY)
                .fetchMap(COUNTRY.ID, r -> new CountryNames(r.value2(), r.value3()));
    }

    /** Services and countries an operator took off sale. */
    record Switches(java.util.Set<String> servicesOff, java.util.Set<Integer> countriesOff) {
    }

    Switches switches() {
        return new Switches(java.util.Set.copyOf(db.dsl().select(SERVICE.CODE).from(SERVICE).where(SERVICE.ENABLED.isFalse()).fetch(SERVICE.CODE)),
                java.util.Set.copyOf(db.dsl().select(COUNTRY.ID).from(COUNTRY).where(COUNTRY.ENABLED.isFalse()).fetch(COUNTRY.ID)));
    }

    /** Renames a service and puts it on or off sale; false when there is no such service. */
    boolean setService(String code, String name, boolean enabled) {
        return db.dsl().update(SERVICE).set(SERVICE.NAME, name).set(SERVICE.ENABLED, enabled).where(SERVICE.CODE.eq(code)).execute() == 1;
    }

    boolean setCountry(int id, String name, boolean enabled) {
        return db.dsl().update(COUNTRY).set(COUNTRY.NAME, name).set(COUNTRY.ENABLED, enabled).where(COUNTRY.ID.eq(id)).execute() == 1;
    }

    void recordRefresh(String provider, Instant at, List<Provider.OfferQuote> quotes) {
        db.dsl().insertInto(QUOTE_REFRESH)
                .set(QUOTE_REFRESH.PROVIDER, provider).set(QUOTE_REFRESH.TAKEN_AT, at.atOffset(ZoneOffset.UTC))
                .set(QUOTE_REFRESH.OK, true).set(QUOTE_REFRESH.OFFERS, quotes.size())
                .set(QUOTE_REFRESH.TOTAL_STOCK, quotes.stream().mapToLong(Provider.OfferQuote::stock).sum())
                .set(QUOTE_REFRESH.MIN_COST_MICROS, quotes.stream().filter(q -> q.stock() > 0)
                        .mapToLong(Provider.OfferQuote::costMicros).min().stream().boxed().findFirst().orElse(null))
                .execute();
    }

    void recordFailedRefresh(String provider, Instant at, String error) {
        db.dsl().insertInto(QUOTE_REFRESH)
                .set(QUOTE_REFRESH.PROVIDER, provider).set(QUOTE_REFRESH.TAKEN_AT, at.atOffset(ZoneOffset.UTC))
                .set(QUOTE_REFRESH.OK, false).set(QUOTE_REFRESH.ERROR, error.substring(0, Math.min(200, error.length())))
                .execute();
    }

    /** The latest refreshes of a provider, newest first. */
    List<Inventory.Refresh> refreshes(String provider, int limit) {
        return db.dsl().selectFrom(QUOTE_REFRESH).where(QUOTE_REFRESH.PROVIDER.eq(provider))
                .orderBy(QUOTE_REFRESH.TAKEN_AT.desc()).limit(limit)
                .fetch(r -> new Inventory.Refresh(r.getTakenAt().toInstant(), r.getOk(), r.getOffers(), r.getTotalStock(),
                        java.util.Optional.ofNullable(r.getMinCostMicros()), java.util.Optional.ofNullable(r.getError())));
    }

    int deleteRefreshesBefore(Instant cutoff, int limit) {
        return db.dsl().deleteFrom(QUOTE_REFRESH)
                .where(QUOTE_REFRESH.ID.in(db.dsl().select(QUOTE_REFRESH.ID).from(QUOTE_REFRESH)
                        .where(QUOTE_REFRESH.TAKEN_AT.lt(cutoff.atOffset(ZoneOffset.UTC))).limit(limit)))
                .execute();
    }

    // Offer history ---------------------------------------------------------------------------

    /** One row per offer whose cost or stock differs from {@code before} (gone offers as stock 0). */
    void recordOfferChanges(String provider, Instant at, List<Provider.OfferQuote> before, List<Provider.OfferQuote> now) {
        java.util.Map<String, Provider.OfferQuote> old = new java.util.HashMap<>();
        before.forEach(q -> old.put(q.service() + ":" + q.country() + ":" + q.operator(), q));
        List<Provider.OfferQuote> changed = new ArrayList<>();
        for (Provider.OfferQuote q : now) {
            Provider.OfferQuote was = old.remove(q.service() + ":" + q.country() + ":" + q.operator());
            if (was == null || was.costMicros() != q.costMicros() || was.stock() != q.stock()) {
                changed.add(q);
            }
        }
        old.values().forEach(q -> changed.add(new Provider.OfferQuote(q.service(), q.country(), q.operator(), q.costMicros(), 0)));
        if (changed.isEmpty()) {
            return;
        }
        var insert = db.dsl().insertInto(OFFER_HISTORY, OFFER_HISTORY.PROVIDER, OFFER_HISTORY.SERVICE, OFFER_HISTORY.COUNTRY,
                OFFER_HISTORY.OPERATOR, OFFER_HISTORY.TAKEN_AT, OFFER_HISTORY.COST_MICROS, OFFER_HISTORY.STOCK);
        for (Provider.OfferQuote q : changed) {
            insert = insert.values(provider, q.service(), q.country(), q.operator(), at(at), q.costMicros(), q.stock());
        }
        insert.execute();
    }

    List<Inventory.OfferPoint> offerHistory(String provider, String service, int country, String operator, int limit) {
        return db.dsl().selectFrom(OFFER_HISTORY)
                .where(OFFER_HISTORY.PROVIDER.eq(provider)).and(OFFER_HISTORY.SERVICE.eq(service))
                .and(OFFER_HISTORY.COUNTRY.eq(country)).and(OFFER_HISTORY.OPERATOR.eq(operator))
                .orderBy(OFFER_HISTORY.TAKEN_AT.desc(), OFFER_HISTORY.ID.desc()).limit(limit)
                .fetch(r -> new Inventory.OfferPoint(r.getTakenAt().toInstant(), r.getCostMicros(), r.getStock()));
    }

    int deleteOfferHistoryBefore(Instant cutoff, int limit) {
        return db.dsl().deleteFrom(OFFER_HISTORY)
                .where(OFFER_HISTORY.ID.in(db.dsl().select(OFFER_HISTORY.ID).from(OFFER_HISTORY)
                        .where(OFFER_HISTORY.TAKEN_AT.lt(at(cutoff))).limit(limit)))
                .execute();
    }

    // Sales addressed by phone ----------------------------------------------------------------

    /** Records a sale by a provider whose SMS name the phone (an agent); see the V8 migration. */
    void insertLease(String provider, String providerRef, PhoneNumber phone, String service, Instant now) {
        db.dsl().insertInto(NUMBER_LEASE)
                .set(NUMBER_LEASE.PROVIDER, provider).set(NUMBER_LEASE.PROVIDER_REF, providerRef)
                .set(NUMBER_LEASE.PHONE, phone.e164()).set(NUMBER_LEASE.SERVICE, service).set(NUMBER_LEASE.LEASED_AT, at(now))
                .onConflictDoNothing()
                .execute();
    }

    /**
     * The sale an SMS to {@code phone} belongs to: the newest one of this provider, live or not
     * (a code for a sale that ended is still kept, as late, by the orders module).
     */
    Optional<String> newestLeaseRef(String provider, PhoneNumber phone) {
        return db.dsl().select(NUMBER_LEASE.PROVIDER_REF).from(NUMBER_LEASE)
                .where(NUMBER_LEASE.PROVIDER.eq(provider)).and(NUMBER_LEASE.PHONE.eq(phone.e164()))
                .orderBy(NUMBER_LEASE.ID.desc()).limit(1)
                .fetchOptional(NUMBER_LEASE.PROVIDER_REF);
    }

    void endLease(String provider, String providerRef, Instant now) {
        db.dsl().update(NUMBER_LEASE).set(NUMBER_LEASE.ENDED_AT, at(now))
                .where(NUMBER_LEASE.PROVIDER.eq(provider)).and(NUMBER_LEASE.PROVIDER_REF.eq(providerRef))
                .and(NUMBER_LEASE.ENDED_AT.isNull())
                .execute();
    }

    // The pool --------------------------------------------------------------------------------

    /** A pool number as imported: where it is rented from, until when, and (SMS Gate) its device and SIM slot. */
    record PoolEntry(PhoneNumber phone, int country, String rentedFrom, Instant leaseEndsAt, Optional<String> device,
                     Optional<Integer> sim) {
    }

    /**
     * Adds pool numbers, or updates the lease end, source and gateway of numbers already in the
     * pool (an operator re-importing a renewed lease). Returns how many rows were written; a
     * gateway device and SIM slot given to two numbers is a {@link dev.numpool.db.ConstraintViolation}.
     */
    int upsertPoolNumbers(List<PoolEntry> entries, Instant now) {
        try {
            return upsertPoolNumbersOnce(entries, now);
        } catch (RuntimeException e) {
            throw dev.numpool.db.ConstraintViolation.translated(e);
        }
    }

    private int upsertPoolNumbersOnce(List<PoolEntry> entries, Instant now) {
        return db.dsl().transactionResult(tx -> {
            int written = 0;
            for (PoolEntry e : entries) {
                written += tx.dsl().insertInto(POOL_NUMBER)
                        .set(POOL_NUMBER.PHONE, e.phone().e164()).set(POOL_NUMBER.COUNTRY, e.country())
                        .set(POOL_NUMBER.RENTED_FROM, e.rentedFrom()).set(POOL_NUMBER.LEASE_ENDS_AT, at(e.leaseEndsAt()))
                        .set(POOL_NUMBER.GATEWAY_DEVICE, e.device().orElse(null)).set(POOL_NUMBER.GATEWAY_SIM, e.sim().orElse(null))
                        .set(POOL_NUMBER.ADDED_AT, at(now))
                        .onConflict(POOL_NUMBER.PHONE).doUpdate()
                        .set(POOL_NUMBER.RENTED_FROM, e.rentedFrom()).set(POOL_NUMBER.LEASE_ENDS_AT, at(e.leaseEndsAt()))
                        .set(POOL_NUMBER.GATEWAY_DEVICE, e.device().orElse(null)).set(POOL_NUMBER.GATEWAY_SIM, e.sim().orElse(null))
                        // A renewed lease brings a released number back.
                        .set(POOL_NUMBER.RELEASED_AT, DSL.when(DSL.val(at(e.leaseEndsAt())).gt(at(now)), DSL.inline((OffsetDateTime) null))
                                .otherwise(POOL_NUMBER.RELEASED_AT))
                        .execute();
            }
            return written;
        });
    }

    /**
     * Pool numbers that may be sold now: lease running, not released, not in a live sale, and
     * rested for {@code quarantine} since their last sale ended.
     */
    private static Condition sellable(Instant now, Duration quarantine) {
        return POOL_NUMBER.RELEASED_AT.isNull().and(POOL_NUMBER.LIVE_LEASE_ID.isNull()).and(POOL_NUMBER.LEASE_ENDS_AT.gt(at(now)))
                .and(POOL_NUMBER.LAST_RELEASED_AT.isNull().or(POOL_NUMBER.LAST_RELEASED_AT.le(at(now.minus(quarantine)))));
    }

    private static Condition coolingDown(String service, Instant now) {
        return DSL.exists(DSL.selectOne().from(POOL_COOLDOWN).where(POOL_COOLDOWN.POOL_NUMBER_ID.eq(POOL_NUMBER.ID))
                .and(POOL_COOLDOWN.SERVICE.eq(service)).and(POOL_COOLDOWN.UNTIL.gt(at(now))));
    }

    /** How many pool numbers each service × country could be sold now (cooldowns counted). */
    List<Provider.OfferQuote> poolStock(List<String> services, long costMicros, Duration quarantine, Instant now) {
        List<Provider.OfferQuote> quotes = new ArrayList<>();
        var free = db.dsl().select(POOL_NUMBER.ID, POOL_NUMBER.COUNTRY).from(POOL_NUMBER).where(sellable(now, quarantine)).fetch();
        if (free.isEmpty()) {
            return quotes;
        }
        // Cooling numbers per (service, country), one query; the rest is arithmetic.
        java.util.Map<String, Integer> cooling = new java.util.HashMap<>();
        db.dsl().select(POOL_COOLDOWN.SERVICE, POOL_NUMBER.COUNTRY, DSL.count())
                .from(POOL_COOLDOWN).join(POOL_NUMBER).on(POOL_NUMBER.ID.eq(POOL_COOLDOWN.POOL_NUMBER_ID))
                .where(sellable(now, quarantine)).and(POOL_COOLDOWN.UNTIL.gt(at(now)))
                .groupBy(POOL_COOLDOWN.SERVICE, POOL_NUMBER.COUNTRY)
                .forEach(r -> cooling.put(r.value1() + ":" + r.value2(), r.value3()));
        java.util.Map<Integer, Integer> perCountry = new java.util.TreeMap<>();
        free.forEach(r -> perCountry.merge(r.value2(), 1, Integer::sum));
        for (String service : services) {
            perCountry.forEach((country, count) -> {
                int stock = count - cooling.getOrDefault(service + ":" + country, 0);
                if (stock > 0) {
                    quotes.add(new Provider.OfferQuote(service, country, "any", costMicros, stock));
                }
            });
        }
        return quotes;
    }

    /** A pool number sold for one activation, under a fresh provider ref. */
    record PoolSale(String providerRef, PhoneNumber phone) {
    }

    /**
     * Takes a pool number for {@code service}: a sellable number of the country, not cooling down
     * for the service, least recently sold first. Safe under any number of concurrent orders:
     * the number's row is locked (others skip it), and the cooldown is claimed by an upsert that
     * wins only when no cooldown runs, so a number is never sold twice for one service within
     * its cooldown, whatever the timing.
     */
    Optional<PoolSale> takePoolNumber(String provider, String service, int country, List<String> excludedPrefixes,
                                      Duration cooldown, Duration quarantine, Instant now) {
        Condition prefixes = excludedPrefixes.isEmpty() ? DSL.noCondition()
                : DSL.condition("not ({0} like any ({1}))", POOL_NUMBER.PHONE,
                DSL.val(excludedPrefixes.stream().map(p -> "+" + p + "%").toArray(String[]::new)));
        return db.dsl().transactionResult(tx -> {
            DSLContext dsl = tx.dsl();
            List<Long> tried = new ArrayList<>();
            for (int attempt = 0; attempt < 5; attempt++) {
                var candidate = dsl.select(POOL_NUMBER.ID, POOL_NUMBER.PHONE).from(POOL_NUMBER)
                        .where(POOL_NUMBER.COUNTRY.eq(country)).and(sellable(now, quarantine)).and(DSL.not(coolingDown(service, now)))
                        .and(prefixes).and(tried.isEmpty() ? DSL.noCondition() : POOL_NUMBER.ID.notIn(tried))
                        .orderBy(POOL_NUMBER.LAST_LEASED_AT.asc().nullsFirst(), POOL_NUMBER.ID)
                        .limit(1)
                        .forUpdate().skipLocked()
                        .fetchOptional();
                if (candidate.isEmpty()) {
                    return Optional.<PoolSale>empty();
                }
                long id = candidate.get().value1();
                tried.add(id);
                // Read again now that the row is locked: the search above saw a snapshot from
                // before the lock, and a sale committed in between must not be missed.
                if (!dsl.fetchExists(POOL_NUMBER, POOL_NUMBER.ID.eq(id).and(sellable(now, quarantine)))) {
                    continue;
                }
                int claimed = dsl.insertInto(POOL_COOLDOWN)
                        .set(POOL_COOLDOWN.POOL_NUMBER_ID, id).set(POOL_COOLDOWN.SERVICE, service).set(POOL_COOLDOWN.UNTIL, at(now.plus(cooldown)))
                        .onConflict(POOL_COOLDOWN.POOL_NUMBER_ID, POOL_COOLDOWN.SERVICE).doUpdate()
                        .set(POOL_COOLDOWN.UNTIL, at(now.plus(cooldown)))
                        .where(POOL_COOLDOWN.UNTIL.le(at(now)))
                        .execute();
                if (claimed == 0) {
                    continue; // another order took it for this service in between
                }
                String ref = java.util.UUID.randomUUID().toString();
                long leaseId = dsl.insertInto(NUMBER_LEASE)
                        .set(NUMBER_LEASE.PROVIDER, provider).set(NUMBER_LEASE.PROVIDER_REF, ref)
                        .set(NUMBER_LEASE.PHONE, candidate.get().value2()).set(NUMBER_LEASE.SERVICE, service)
                        .set(NUMBER_LEASE.POOL_NUMBER_ID, id).set(NUMBER_LEASE.LEASED_AT, at(now))
                        .returning(NUMBER_LEASE.ID).fetchOne().getId();
                dsl.update(POOL_NUMBER).set(POOL_NUMBER.LIVE_LEASE_ID, leaseId).set(POOL_NUMBER.LAST_LEASED_AT, at(now))
                        .where(POOL_NUMBER.ID.eq(id)).execute();
                return Optional.of(new PoolSale(ref, new PhoneNumber(candidate.get().value2())));
            }
            return Optional.<PoolSale>empty();
        });
    }

    /**
     * The pool number an ended activation's lease ({@code providerRef}) was sold on, when it can be
     * sold again to the same buyer for {@code service}: still in the pool and its vendor's lease
     * running, nothing else live on it, and no later sale of it for that service. The quarantine after
     * a release is left out: it keeps a previous buyer's late SMS from a new buyer, and here the
     * buyer is the same.
     */
    private static Optional<Long> reusablePoolNumber(DSLContext dsl, String provider, String providerRef, String service, Instant now,
                                                     boolean lock) {
        var parent = dsl.select(NUMBER_LEASE.ID, NUMBER_LEASE.POOL_NUMBER_ID).from(NUMBER_LEASE)
                .where(NUMBER_LEASE.PROVIDER.eq(provider)).and(NUMBER_LEASE.PROVIDER_REF.eq(providerRef))
                .and(NUMBER_LEASE.SERVICE.eq(service)).and(NUMBER_LEASE.RENTAL.isFalse()).and(NUMBER_LEASE.POOL_NUMBER_ID.isNotNull())
                .fetchOptional();
        if (parent.isEmpty()) {
            return Optional.empty();
        }
        long numberId = parent.get().value2();
        // Still live under the ended activation's own lease means only that its release is on its way.
        var query = dsl.select(POOL_NUMBER.ID).from(POOL_NUMBER)
                .where(POOL_NUMBER.ID.eq(numberId)).and(POOL_NUMBER.RELEASED_AT.isNull())
                .and(POOL_NUMBER.LIVE_LEASE_ID.isNull().or(POOL_NUMBER.LIVE_LEASE_ID.eq(parent.get().value1())))
                .and(POOL_NUMBER.LEASE_ENDS_AT.gt(at(now)))
                .andNotExists(DSL.selectOne().from(NUMBER_LEASE).where(NUMBER_LEASE.POOL_NUMBER_ID.eq(numberId))
                        .and(NUMBER_LEASE.SERVICE.eq(service)).and(NUMBER_LEASE.ID.gt(parent.get().value1())));
        return (lock ? query.forUpdate().fetchOptional() : query.fetchOptional()).map(r -> r.value1());
    }

    /** See {@link #reusablePoolNumber}. */
    boolean poolNumberReusable(String provider, String providerRef, String service, Instant now) {
        return reusablePoolNumber(db.dsl(), provider, providerRef, service, now, false).isPresent();
    }

    /**
     * Sells the pool number of an ended activation's lease again for {@code service} (see
     * {@link #reusablePoolNumber}): a new lease, and the service's cooldown on it starts again.
     */
    Optional<PoolSale> reusePoolNumber(String provider, String providerRef, String service, Duration cooldown, Instant now) {
        return db.dsl().transactionResult(tx -> {
            DSLContext dsl = tx.dsl();
            Optional<Long> numberId = reusablePoolNumber(dsl, provider, providerRef, service, now, true);
            if (numberId.isEmpty()) {
                return Optional.<PoolSale>empty();
            }
            String phone = dsl.select(POOL_NUMBER.PHONE).from(POOL_NUMBER).where(POOL_NUMBER.ID.eq(numberId.get())).fetchOne().value1();
            // The ended activation's lease, if its release has not come yet, ends here; the release is then a repeat.
            dsl.update(NUMBER_LEASE).set(NUMBER_LEASE.ENDED_AT, at(now))
                    .where(NUMBER_LEASE.PROVIDER.eq(provider)).and(NUMBER_LEASE.PROVIDER_REF.eq(providerRef)).and(NUMBER_LEASE.ENDED_AT.isNull())
                    .execute();
            dsl.insertInto(POOL_COOLDOWN)
                    .set(POOL_COOLDOWN.POOL_NUMBER_ID, numberId.get()).set(POOL_COOLDOWN.SERVICE, service).set(POOL_COOLDOWN.UNTIL, at(now.plus(cooldown)))
                    .onConflict(POOL_COOLDOWN.POOL_NUMBER_ID, POOL_COOLDOWN.SERVICE).doUpdate()
                    .set(POOL_COOLDOWN.UNTIL, at(now.plus(cooldown)))
                    .execute();
            String ref = java.util.UUID.randomUUID().toString();
            long leaseId = dsl.insertInto(NUMBER_LEASE)
                    .set(NUMBER_LEASE.PROVIDER, provider).set(NUMBER_LEASE.PROVIDER_REF, ref)
                    .set(NUMBER_LEASE.PHONE, phone).set(NUMBER_LEASE.SERVICE, service)
                    .set(NUMBER_LEASE.POOL_NUMBER_ID, numberId.get()).set(NUMBER_LEASE.LEASED_AT, at(now))
                    .returning(NUMBER_LEASE.ID).fetchOne().getId();
            dsl.update(POOL_NUMBER).set(POOL_NUMBER.LIVE_LEASE_ID, leaseId).set(POOL_NUMBER.LAST_LEASED_AT, at(now))
                    .where(POOL_NUMBER.ID.eq(numberId.get())).execute();
            return Optional.of(new PoolSale(ref, new PhoneNumber(phone)));
        });
    }

    /**
     * Ends a pool sale and frees its number; true when it was live (releasing twice is harmless).
     * A rental's lease also starts the number's cooldown for the rental's service, or for each of
     * {@code services} when it was rented for every service, in the same transaction: its renter
     * may have signed up with it anywhere.
     */
    boolean endPoolLease(String provider, String providerRef, List<String> services, Duration cooldown, Instant now) {
        return db.dsl().transactionResult(tx -> {
            var ended = tx.dsl().update(NUMBER_LEASE).set(NUMBER_LEASE.ENDED_AT, at(now))
                    .where(NUMBER_LEASE.PROVIDER.eq(provider)).and(NUMBER_LEASE.PROVIDER_REF.eq(providerRef))
                    .and(NUMBER_LEASE.ENDED_AT.isNull())
                    .returning(NUMBER_LEASE.ID, NUMBER_LEASE.RENTAL, NUMBER_LEASE.SERVICE, NUMBER_LEASE.POOL_NUMBER_ID).fetchOptional();
            ended.ifPresent(lease -> {
                tx.dsl().update(POOL_NUMBER).setNull(POOL_NUMBER.LIVE_LEASE_ID).set(POOL_NUMBER.LAST_RELEASED_AT, at(now))
                        .where(POOL_NUMBER.LIVE_LEASE_ID.eq(lease.getId())).execute();
                if (lease.getRental() && lease.getPoolNumberId() != null) {
                    List<String> cooled = lease.getService().equals(Inventory.ANY_SERVICE) ? services : List.of(lease.getService());
                    for (String service : cooled) {
                        tx.dsl().insertInto(POOL_COOLDOWN)
                                .set(POOL_COOLDOWN.POOL_NUMBER_ID, lease.getPoolNumberId()).set(POOL_COOLDOWN.SERVICE, service)
                                .set(POOL_COOLDOWN.UNTIL, at(now.plus(cooldown)))
                                .onConflict(POOL_COOLDOWN.POOL_NUMBER_ID, POOL_COOLDOWN.SERVICE).doUpdate()
                                .set(POOL_COOLDOWN.UNTIL, DSL.greatest(POOL_COOLDOWN.UNTIL, DSL.val(at(now.plus(cooldown)))))
                                .execute();
                    }
                }
            });
            return ended.isPresent();
        });
    }

    // Rentals of pool numbers --------------------------------------------------------------------

    /** A number that cools down for no service at all: the only kind rented for every service. */
    private static Condition coolingForAnything(Instant now) {
        return DSL.exists(DSL.selectOne().from(POOL_COOLDOWN).where(POOL_COOLDOWN.POOL_NUMBER_ID.eq(POOL_NUMBER.ID))
                .and(POOL_COOLDOWN.UNTIL.gt(at(now))));
    }

    private static Condition rentableFor(String service, Instant now) {
        return DSL.not(service.equals(Inventory.ANY_SERVICE) ? coolingForAnything(now) : coolingDown(service, now));
    }

    /**
     * How many pool numbers could be rented now for each of {@code services} (and
     * {@value Inventory#ANY_SERVICE}: a number cooling down for no service) in each of
     * {@code countries}: the numbers an activation could be sold, less those cooling down for the
     * service. Two queries whatever the number of offers.
     */
    List<Provider.OfferQuote> poolRentStock(List<String> services, List<Integer> countries, long costMicros, Duration quarantine, Instant now) {
        List<Provider.OfferQuote> quotes = new ArrayList<>();
        var free = db.dsl().select(POOL_NUMBER.COUNTRY, DSL.count(), DSL.count().filterWhere(DSL.not(coolingForAnything(now))))
                .from(POOL_NUMBER).where(sellable(now, quarantine)).and(POOL_NUMBER.COUNTRY.in(countries))
                .groupBy(POOL_NUMBER.COUNTRY).fetch();
        if (free.isEmpty()) {
            return quotes;
        }
        java.util.Map<String, Integer> cooling = new java.util.HashMap<>();
        db.dsl().select(POOL_COOLDOWN.SERVICE, POOL_NUMBER.COUNTRY, DSL.count())
                .from(POOL_COOLDOWN).join(POOL_NUMBER).on(POOL_NUMBER.ID.eq(POOL_COOLDOWN.POOL_NUMBER_ID))
                .where(sellable(now, quarantine)).and(POOL_COOLDOWN.UNTIL.gt(at(now))).and(POOL_NUMBER.COUNTRY.in(countries))
                .groupBy(POOL_COOLDOWN.SERVICE, POOL_NUMBER.COUNTRY)
                .forEach(r -> cooling.put(r.value1() + ":" + r.value2(), r.value3()));
        for (String service : services) {
            for (var r : free) {
                int stock = service.equals(Inventory.ANY_SERVICE) ? r.value3() : r.value2() - cooling.getOrDefault(service + ":" + r.value1(), 0);
                if (stock > 0) {
                    quotes.add(new Provider.OfferQuote(service, r.value1(), "any", costMicros, stock));
                }
            }
        }
        return quotes;
    }

    /**
     * Takes a pool number for a rental until {@code until}: a number an activation could be sold
     * now, whose own lease lasts at least that long, not cooling down for the service (for
     * {@value Inventory#ANY_SERVICE}, for none), least recently sold first; locked as
     * {@link #takePoolNumber} locks it, so no activation is sold on it while the rental lasts.
     */
    Optional<PoolSale> rentPoolNumber(String provider, String service, int country, Instant until, Duration quarantine, Instant now) {
        return db.dsl().transactionResult(tx -> {
            DSLContext dsl = tx.dsl();
            List<Long> tried = new ArrayList<>();
            for (int attempt = 0; attempt < 5; attempt++) {
                var candidate = dsl.select(POOL_NUMBER.ID, POOL_NUMBER.PHONE).from(POOL_NUMBER)
                        .where(POOL_NUMBER.COUNTRY.eq(country)).and(sellable(now, quarantine)).and(POOL_NUMBER.LEASE_ENDS_AT.ge(at(until)))
                        .and(rentableFor(service, now)).and(tried.isEmpty() ? DSL.noCondition() : POOL_NUMBER.ID.notIn(tried))
                        .orderBy(POOL_NUMBER.LAST_LEASED_AT.asc().nullsFirst(), POOL_NUMBER.ID)
                        .limit(1)
                        .forUpdate().skipLocked()
                        .fetchOptional();
                if (candidate.isEmpty()) {
                    return Optional.<PoolSale>empty();
                }
                long id = candidate.get().value1();
                tried.add(id);
                // Read again under the lock: a sale committed after the search's snapshot must not be missed.
                if (!dsl.fetchExists(POOL_NUMBER, POOL_NUMBER.ID.eq(id).and(sellable(now, quarantine)).and(rentableFor(service, now)))) {
                    continue;
                }
                String ref = "rent-" + java.util.UUID.randomUUID();
                long leaseId = dsl.insertInto(NUMBER_LEASE)
                        .set(NUMBER_LEASE.PROVIDER, provider).set(NUMBER_LEASE.PROVIDER_REF, ref)
                        .set(NUMBER_LEASE.PHONE, candidate.get().value2()).set(NUMBER_LEASE.SERVICE, service)
                        .set(NUMBER_LEASE.POOL_NUMBER_ID, id).set(NUMBER_LEASE.LEASED_AT, at(now)).set(NUMBER_LEASE.RENTAL, true)
                        .returning(NUMBER_LEASE.ID).fetchOne().getId();
                dsl.update(POOL_NUMBER).set(POOL_NUMBER.LIVE_LEASE_ID, leaseId).set(POOL_NUMBER.LAST_LEASED_AT, at(now))
                        .where(POOL_NUMBER.ID.eq(id)).execute();
                return Optional.of(new PoolSale(ref, new PhoneNumber(candidate.get().value2())));
            }
            return Optional.<PoolSale>empty();
        });
    }

    /** Whether a live rental lease of the pool may last until {@code until}: the number's own lease lasts that long. */
    boolean poolLeaseLastsUntil(String provider, String providerRef, Instant until) {
        return db.dsl().fetchExists(DSL.selectOne().from(NUMBER_LEASE).join(POOL_NUMBER).on(POOL_NUMBER.ID.eq(NUMBER_LEASE.POOL_NUMBER_ID))
                .where(NUMBER_LEASE.PROVIDER.eq(provider)).and(NUMBER_LEASE.PROVIDER_REF.eq(providerRef))
                .and(NUMBER_LEASE.ENDED_AT.isNull()).and(POOL_NUMBER.LEASE_ENDS_AT.ge(at(until))));
    }

    /** The pool number an SMS Gate device's SIM slot is. */
    Optional<PhoneNumber> poolNumberOfGateway(String device, int sim) {
        return db.dsl().select(POOL_NUMBER.PHONE).from(POOL_NUMBER)
                .where(POOL_NUMBER.GATEWAY_DEVICE.eq(device)).and(POOL_NUMBER.GATEWAY_SIM.eq(sim))
                .fetchOptional(r -> new PhoneNumber(r.value1()));
    }

    /**
     * Releases pool numbers whose lease ended and that have no live sale (a number whose lease
     * ends mid-activation is released when that activation ends); returns their phones.
     */
    List<Inventory.ReleasedNumber> releaseEndedLeases(Instant now, int limit) {
        return db.dsl().update(POOL_NUMBER).set(POOL_NUMBER.RELEASED_AT, at(now))
                .where(POOL_NUMBER.ID.in(DSL.select(POOL_NUMBER.ID).from(POOL_NUMBER)
                        .where(POOL_NUMBER.LEASE_ENDS_AT.le(at(now))).and(POOL_NUMBER.RELEASED_AT.isNull())
                        .and(POOL_NUMBER.LIVE_LEASE_ID.isNull())
                        .limit(limit).forUpdate().skipLocked()))
                .returning(POOL_NUMBER.PHONE, POOL_NUMBER.RENTED_FROM)
                .fetch(r -> new Inventory.ReleasedNumber(r.getPhone(), r.getRentedFrom()));
    }

    /** The pool as the operator sees it, by phone. */
    List<Inventory.PoolNumberView> poolNumbers(int limit) {
        return db.dsl().selectFrom(POOL_NUMBER).orderBy(POOL_NUMBER.PHONE).limit(limit)
                .fetch(r -> new Inventory.PoolNumberView(r.getPhone(), r.getCountry(), r.getRentedFrom(), r.getLeaseEndsAt().toInstant(),
                        Optional.ofNullable(r.getGatewayDevice()), Optional.ofNullable(r.getGatewaySim()),
                        r.getLiveLeaseId() != null, Optional.ofNullable(r.getReleasedAt()).map(OffsetDateTime::toInstant)));
    }

    // Operator controls ------------------------------------------------------------------------

    /** Paused providers with the reason given. */
    java.util.Map<String, String> pausedProviders() {
        return db.dsl().select(PROVIDER_CONTROL.PROVIDER, PROVIDER_CONTROL.REASON).from(PROVIDER_CONTROL)
                .where(PROVIDER_CONTROL.PAUSED.isTrue())
                .fetchMap(r -> r.value1(), r -> r.value2());
    }

    void setPaused(String provider, boolean paused, String reason, Instant now) {
        db.dsl().insertInto(PROVIDER_CONTROL)
                .set(PROVIDER_CONTROL.PROVIDER, provider).set(PROVIDER_CONTROL.PAUSED, paused)
                .set(PROVIDER_CONTROL.REASON, reason).set(PROVIDER_CONTROL.UPDATED_AT, at(now))
                .onConflict(PROVIDER_CONTROL.PROVIDER).doUpdate()
                .set(PROVIDER_CONTROL.PAUSED, paused).set(PROVIDER_CONTROL.REASON, reason).set(PROVIDER_CONTROL.UPDATED_AT, at(now))
                .execute();
    }

    /** The operator's markups as stored: the rules as their JSON text. */
    record MarkupSetting(int defaultPercent, long minimumMarginMicros, String rulesJson) {
    }

    /** The operator's markups, if any were set. */
    Optional<MarkupSetting> markupSetting() {
        return db.dsl().select(MARKUP_SETTING.DEFAULT_PERCENT, MARKUP_SETTING.MINIMUM_MARGIN_MICROS, MARKUP_SETTING.RULES)
                .from(MARKUP_SETTING).fetchOptional(r -> new MarkupSetting(r.value1(), r.value2(), r.value3().data()));
    }

    void setMarkupSetting(int defaultPercent, long minimumMarginMicros, String rulesJson, Instant now) {
        db.dsl().insertInto(MARKUP_SETTING)
                .set(MARKUP_SETTING.DEFAULT_PERCENT, defaultPercent).set(MARKUP_SETTING.MINIMUM_MARGIN_MICROS, minimumMarginMicros)
                .set(MARKUP_SETTING.RULES, org.jooq.JSONB.jsonb(rulesJson)).set(MARKUP_SETTING.UPDATED_AT, at(now))
                .onConflict(MARKUP_SETTING.ID).doUpdate()
                .set(MARKUP_SETTING.DEFAULT_PERCENT, defaultPercent).set(MARKUP_SETTING.MINIMUM_MARGIN_MICROS, minimumMarginMicros)
                .set(MARKUP_SETTING.RULES, org.jooq.JSONB.jsonb(rulesJson)).set(MARKUP_SETTING.UPDATED_AT, at(now))
                .execute();
    }

    private static OffsetDateTime at(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
