package dev.numpool.orders;

import org.jooq.DSLContext;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * What every store of the orders module shares: the connection it is bound to (the pool, each
 * statement its own transaction, or one transaction of {@link Stores#transaction}) and how an
 * instant is written.
 */
abstract class Store {
    final DSLContext dsl;

    Store(DSLContext dsl) {
        this.dsl = dsl;
    }

    static OffsetDateTime at(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    /** A plain JDBC statement, for the order path's few hot statements whose SQL never changes. */
    @FunctionalInterface
    interface Jdbc<T> {
        T run(PreparedStatement statement) throws SQLException;
    }

    // jOOQ built each of the order path's statements anew per order, a fifth of the node's CPU
    // under load (issue 15's profile), for SQL that never changes; these run it as written.
    <T> T jdbc(String sql, Jdbc<T> work) {
        return dsl.connectionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                return work.run(ps);
            }
        });
    }
}
