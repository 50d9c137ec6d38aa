package dev.numpool.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real servers for tests: one embedded PostgreSQL and one embedded Redis per test JVM, and a
 * fresh, migrated database per caller (cloned from a migrated template, so each test class
 * starts from the same clean state in milliseconds).
 *
 * <p>With {@code -Dnumpool.test.docker=true} the servers come from Testcontainers instead (see
 * {@link ContainerServers}); where no Docker engine runs, that switch is not used.
 */
public final class TestServers {
    private static final String TEMPLATE = "numpool_template";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static Servers servers;
    private static Redis redis;

    private TestServers() {
    }

    /** A new database with the full schema and catalogue, no accounts. Close it when done. */
    public static synchronized Database freshDatabase() {
        Servers s = servers();
        String name = "test_" + DATABASES.incrementAndGet();
        admin(s, "create database " + name + " template " + TEMPLATE);
        return Database.connect(s.jdbcUrl(name), null, null, 20);
    }

    /** The JDBC URL of a fresh database, for code that connects by itself (the app under test). */
    public static synchronized String freshDatabaseUrl() {
        Servers s = servers();
        String name = "test_" + DATABASES.incrementAndGet();
        admin(s, "create database " + name + " template " + TEMPLATE);
        return s.jdbcUrl(name);
    }

    public static synchronized String redisUrl() {
        return servers().redisUrl();
    }

    /** One shared connection to the test Redis (Lettuce connections are thread-safe). */
    public static synchronized Redis redis() {
        if (redis == null) {
            redis = Redis.connect(redisUrl());
        }
        return redis;
    }

    private static Servers servers() {
        if (servers == null) {
            servers = Boolean.getBoolean("numpool.test.docker") ? ContainerServers.start() : EmbeddedServers.start();
            // Migrate the template once; every test database is a copy of it.
            admin(servers, "create database " + TEMPLATE);
            Database.connect(servers.jdbcUrl(TEMPLATE), null, null, 2).close();
        }
        return servers;
    }

    private static void admin(Servers s, String sql) {
        try (Connection c = DriverManager.getConnection(s.jdbcUrl("postgres")); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    interface Servers {
        String jdbcUrl(String database);

        String redisUrl();
    }

    private record EmbeddedServers(LocalPostgres postgres, LocalRedis redis) implements Servers {
        static EmbeddedServers start() {
            EmbeddedServers s = new EmbeddedServers(LocalPostgres.startTemporary(), LocalRedis.start());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                s.redis.close();
                s.postgres.close();
            }));
            return s;
        }

        @Override
        public String jdbcUrl(String database) {
            return postgres.jdbcUrl(database);
        }

        @Override
        public String redisUrl() {
            return redis.url();
        }
    }
}
