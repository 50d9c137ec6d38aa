package dev.numpool.db;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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

    @Test
    void theServerThatKeepsDataFlushesEveryCommitToDisk(@TempDir Path dataDirectory) {
        try (LocalPostgres pg = LocalPostgres.start(dataDirectory);
             Database db = Database.connect(pg.jdbcUrl("postgres"), null, null, 2)) {
            assertEquals(List.of("on", "on", "on"), durabilitySettings(db));
        }
    }

    @Test
    void theThrowawayServerTradesDurabilityForSpeed() {
        try (LocalPostgres pg = LocalPostgres.startTemporary();
             Database db = Database.connect(pg.jdbcUrl("postgres"), null, null, 2)) {
            assertEquals(List.of("off", "off", "off"), durabilitySettings(db));
        }
    }

    @Test
    void aPidFileLeftByADeadServerDoesNotBlockTheNextStart(@TempDir Path dataDirectory) throws Exception {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        List<String> lines;
        try (LocalPostgres pg = LocalPostgres.start(dataDirectory);
             Database db = Database.connect(pg.jdbcUrl("postgres"), null, null, 2)) {
            db.dsl().execute("insert into account (email) values ('kept@example.com')");
            lines = new ArrayList<>(Files.readAllLines(pidFile, StandardCharsets.UTF_8));
        }
        // The file as a server that died without cleaning up would leave it, naming a pid now dead.
        lines.set(0, Long.toString(deadPid()));
        Files.write(pidFile, lines, StandardCharsets.UTF_8);

        try (LocalPostgres pg = LocalPostgres.start(dataDirectory);
             Database db = Database.connect(pg.jdbcUrl("postgres"), null, null, 2)) {
            assertEquals(1, db.dsl().fetchCount(db.dsl().selectFrom("account").where("email = 'kept@example.com'")));
        }
    }

    private static List<String> durabilitySettings(Database db) {
        return List.of("fsync", "synchronous_commit", "full_page_writes").stream()
                .map(setting -> db.dsl().fetchSingle("show " + setting).get(0, String.class))
                .toList();
    }

    private static long deadPid() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        assertFalse(process.toHandle().isAlive());
        return process.pid();
    }
}
