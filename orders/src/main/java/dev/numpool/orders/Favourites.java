package dev.numpool.orders;

import dev.numpool.db.ConstraintViolation;
import dev.numpool.db.Database;
import dev.numpool.inventory.Inventory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * A buyer's favourite offers (issue 17): services in countries they starred in the catalogue, to
 * buy again in one click. Each account has its own, at most {@value #LIMIT}; only offers the
 * catalogue lists (a known service and country, on sale) can be starred. The database keeps the
 * limit (V29), so two adds racing from two tabs or nodes cannot pass it together.
 */
public final class Favourites {
    /** The most favourites one account keeps (V29's trigger says the same). */
    public static final int LIMIT = 50;

    private final Stores stores;
    private final Inventory inventory;
    private final Clock clock;

    private Favourites(Stores stores, Inventory inventory, Clock clock) {
        this.stores = stores;
        this.inventory = inventory;
        this.clock = clock;
    }

    public static Favourites create(Database db, Inventory inventory, Clock clock) {
        return new Favourites(new Stores(db.dsl()), inventory, clock);
    }

    /** One starred offer: a service (its code) in a country (its id). */
    public record Favourite(String service, int country, Instant addedAt) {
    }

    /** What starring an offer did. */
    public sealed interface Added {
        /** It is among the account's favourites now (it may have been already). */
        record Starred() implements Added {
        }

        /** The account has {@value #LIMIT} favourites already: nothing was added. */
        record Full(int limit) implements Added {
        }

        /** No such service or country on sale: nothing was added. */
        record UnknownOffer() implements Added {
        }
    }

    /**
     * What unstarring an offer did: an offer the account had not starred is left alone, and said
     * to be unknown when the catalogue does not know it either (a mistyped or made-up offer).
     */
    public enum Removed { UNSTARRED, WAS_NOT_STARRED, UNKNOWN_OFFER }

    /** Stars {@code service} in {@code country} for {@code account}. */
    public Added add(AccountId account, String service, int country) {
        if (inventory.service(service).isEmpty() || inventory.country(country).isEmpty()) {
            return new Added.UnknownOffer();
        }
        try {
            stores.favourites().insert(account, service, country, clock.instant());
            return new Added.Starred();
        } catch (ConstraintViolation e) {
            if (e.by(FavouriteStore.LIMIT)) {
                return new Added.Full(LIMIT);
            }
            if ("23503".equals(e.sqlState())) {
                return new Added.UnknownOffer(); // taken out of the catalogue between the check and the insert
            }
            throw e;
        }
    }

    /** Unstars it; only ever one of {@code account}'s own. */
    public Removed remove(AccountId account, String service, int country) {
        if (stores.favourites().delete(account, service, country)) {
            return Removed.UNSTARRED;
        }
        return inventory.service(service).isEmpty() || inventory.country(country).isEmpty() ? Removed.UNKNOWN_OFFER : Removed.WAS_NOT_STARRED;
    }

    /** The account's favourites, the latest starred first (all of them: there are at most {@value #LIMIT}). */
    public List<Favourite> of(AccountId account) {
        return stores.favourites().list(account, LIMIT);
    }
}
