package dev.numpool.orders;

import dev.numpool.db.ConstraintViolation;
import org.jooq.DSLContext;

import java.time.Instant;
import java.util.List;

import static dev.numpool.db.jooq.Tables.FAVOURITE;

/** The SQL of buyers' favourite offers (V29): one row per account, service and country. */
final class FavouriteStore extends Store {
    /** The trigger that refuses an account's favourite past the limit. */
    static final String LIMIT = "favourite_limit";

    FavouriteStore(DSLContext dsl) {
        super(dsl);
    }

    /**
     * Stars the offer; starring one already starred changes nothing. A refusal (the limit, an
     * unknown service or country) is a {@link ConstraintViolation}.
     */
    void insert(AccountId account, String service, int country, Instant at) {
        try {
            dsl.insertInto(FAVOURITE).set(FAVOURITE.ACCOUNT_ID, account.value()).set(FAVOURITE.SERVICE, service)
                    .set(FAVOURITE.COUNTRY, country).set(FAVOURITE.CREATED_AT, at(at))
                    .onConflictDoNothing().execute();
        } catch (RuntimeException e) {
            throw ConstraintViolation.translated(e);
        }
    }

    /** Whether there was such a favourite of this account's to remove. */
    boolean delete(AccountId account, String service, int country) {
        return dsl.deleteFrom(FAVOURITE).where(FAVOURITE.ACCOUNT_ID.eq(account.value()), FAVOURITE.SERVICE.eq(service),
                FAVOURITE.COUNTRY.eq(country)).execute() > 0;
    }

    /** The account's favourites, the latest starred first. */
    List<Favourites.Favourite> list(AccountId account, int limit) {
        return dsl.select(FAVOURITE.SERVICE, FAVOURITE.COUNTRY, FAVOURITE.CREATED_AT).from(FAVOURITE)
                .where(FAVOURITE.ACCOUNT_ID.eq(account.value()))
                .orderBy(FAVOURITE.CREATED_AT.desc(), FAVOURITE.SERVICE, FAVOURITE.COUNTRY).limit(limit)
                .fetch(r -> new Favourites.Favourite(r.value1(), r.value2(), r.value3().toInstant()));
    }
}
