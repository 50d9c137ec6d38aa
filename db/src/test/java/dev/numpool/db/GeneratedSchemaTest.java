package dev.numpool.db;

import dev.numpool.db.jooq.Public;
import org.jooq.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.stream.Collectors;

import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static dev.numpool.db.jooq.Tables.COUNTRY;
import static dev.numpool.db.jooq.Tables.SERVICE;
import static dev.numpool.db.jooq.Tables.TRANSFER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratedSchemaTest {
    private static Database db;

    @BeforeAll
    static void start() {
        db = TestServers.freshDatabase();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void generatedTablesAreExactlyTheMigratedTables() {
        Set<String> generated = Public.PUBLIC.getTables().stream().map(Table::getName).collect(Collectors.toSet());
        Set<String> migrated = Set.copyOf(db.dsl()
                .resultQuery("select table_name from information_schema.tables where table_schema = 'public' and table_name <> 'flyway_schema_history'")
                .fetch(0, String.class));
        assertEquals(migrated, generated);
        assertTrue(generated.containsAll(Set.of("account", "api_key", "ledger_account", "transfer", "activation", "sms", "idempotency_key", "country", "service")));
    }

    @Test
    void generatedColumnsMatchTheDatabase() {
        // Querying every generated field of the busiest tables fails if a column is missing or renamed.
        db.dsl().selectFrom(ACTIVATION).limit(1).fetch();
        db.dsl().selectFrom(TRANSFER).limit(1).fetch();
        assertTrue(db.dsl().fetchCount(COUNTRY) >= 40, "at least the 40 busiest countries");
        assertTrue(db.dsl().fetchCount(SERVICE) >= 30, "at least 30 services");
    }
}
