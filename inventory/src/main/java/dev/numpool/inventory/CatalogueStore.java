package dev.numpool.inventory;

import dev.numpool.db.Database;

import java.util.List;

import static dev.numpool.db.jooq.Tables.COUNTRY;
import static dev.numpool.db.jooq.Tables.SERVICE;

/** The catalogue's SQL. The catalogue is data in the migrations, read once at start. */
final class CatalogueStore {
    private final Database db;

    CatalogueStore(Database db) {
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
}
