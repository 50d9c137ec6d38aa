package dev.numpool.db;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LocalPostgresTest {
    @Test
    void dataSurvivesARestartOfTheEmbeddedServer(@TempDir Path dataDirectory) {
        try (LocalPostgres pg = LocalPostgres.start(dataDirectory);
             Database db = Database.connect(pg.jdbcUrl("postgres"), null, null, 2)) {
            db.dsl().execute("insert into account (email) values ('kept@example.com')");
        }
        try (LocalPostgres pg = LocalPostgres.start(dataDirectory);
             Database db = Database.connect(pg.jdbcUrl("postgres"), null, null, 2)) {
            assertEquals(1, db.dsl().fetchCount(db.dsl().selectFrom("account").where("email = 'kept@example.com'")));
        }
    }
}
