package dev.numpool.orders;

import org.jooq.DSLContext;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

import static dev.numpool.db.jooq.Tables.MAX_PRICE;

/** The SQL of accounts' price limits per service (5sim's max prices, V31). */
final class MaxPriceStore extends Store {
    MaxPriceStore(DSLContext dsl) {
        super(dsl);
    }

    List<Accounts.MaxPrice> maxPrices(AccountId owner) {
        return dsl.selectFrom(MAX_PRICE).where(MAX_PRICE.ACCOUNT_ID.eq(owner.value())).orderBy(MAX_PRICE.SERVICE)
                .fetch(r -> new Accounts.MaxPrice(r.getId(), r.getService(), r.getPriceMicros(), r.getCreatedAt().toInstant()));
    }

    OptionalLong maxPrice(AccountId owner, String service) {
        Long micros = dsl.select(MAX_PRICE.PRICE_MICROS).from(MAX_PRICE)
                .where(MAX_PRICE.ACCOUNT_ID.eq(owner.value())).and(MAX_PRICE.SERVICE.eq(service)).fetchOne(MAX_PRICE.PRICE_MICROS);
        return micros == null ? OptionalLong.empty() : OptionalLong.of(micros);
    }

    /** Sets or replaces the limit in one statement (two requests at once: the later one stays). */
    void setMaxPrice(AccountId owner, String service, long priceMicros, Instant now) {
        dsl.insertInto(MAX_PRICE).set(MAX_PRICE.ACCOUNT_ID, owner.value()).set(MAX_PRICE.SERVICE, service)
                .set(MAX_PRICE.PRICE_MICROS, priceMicros).set(MAX_PRICE.CREATED_AT, at(now))
                .onConflict(MAX_PRICE.ACCOUNT_ID, MAX_PRICE.SERVICE).doUpdate()
                .set(MAX_PRICE.PRICE_MICROS, priceMicros).set(MAX_PRICE.CREATED_AT, at(now))
                .execute();
    }

    boolean removeMaxPrice(AccountId owner, String service) {
        return dsl.deleteFrom(MAX_PRICE).where(MAX_PRICE.ACCOUNT_ID.eq(owner.value())).and(MAX_PRICE.SERVICE.eq(service)).execute() == 1;
    }
}
