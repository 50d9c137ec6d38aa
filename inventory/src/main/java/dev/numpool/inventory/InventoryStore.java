package dev.numpool.inventory;

import dev.numpool.db.Database;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static dev.numpool.db.jooq.Tables.COUNTRY;
import static dev.numpool.db.jooq.Tables.QUOTE_REFRESH;
import static dev.numpool.db.jooq.Tables.SERVICE;

/**
 * All of the inventory module's SQL: the catalogue (data in the migrations, read once at start)
 * and the history of quote refreshes.
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
}
