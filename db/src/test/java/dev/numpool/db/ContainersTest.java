package dev.numpool.db;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Docker path: skipped (not failed) where no Docker engine runs, as on these machines. */
@Testcontainers(disabledWithoutDocker = true)
class ContainersTest {
    @Container
    static final PostgreSQLContainer POSTGRES = new PostgreSQLContainer("postgres:18");

    @Container
    static final GenericContainer<?> REDIS = new GenericContainer<>("redis:7").withExposedPorts(6379);

    @Test
    void migrationsApplyOnStockPostgresAndRedisAnswers() {
        try (Database db = Database.connect(POSTGRES.getJdbcUrl(), POSTGRES.getUsername(), POSTGRES.getPassword(), 2);
             Redis redis = Redis.connect("redis://" + REDIS.getHost() + ":" + REDIS.getFirstMappedPort())) {
            assertTrue(db.ping());
            assertTrue(redis.ping());
        }
    }
}
