package dev.numpool.db;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The opt-in Testcontainers path ({@code -Dnumpool.test.docker=true}): the same suite on
 * PostgreSQL 18 and Redis 7 containers. Used only where a Docker engine runs.
 */
final class ContainerServers implements TestServers.Servers {
    private final PostgreSQLContainer postgres;
    private final GenericContainer<?> redis;

    private ContainerServers(PostgreSQLContainer postgres, GenericContainer<?> redis) {
        this.postgres = postgres;
        this.redis = redis;
    }

    @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM ends
    static ContainerServers start() {
        PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:18").withCommand("postgres", "-c", "max_connections=300");
        GenericContainer<?> redis = new GenericContainer<>("redis:7").withExposedPorts(6379);
        postgres.start();
        redis.start();
        return new ContainerServers(postgres, redis);
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + postgres.getHost() + ":" + postgres.getFirstMappedPort() + "/" + database
                + "?user=" + postgres.getUsername() + "&password=" + postgres.getPassword();
    }

    @Override
    public String redisUrl() {
        return "redis://" + redis.getHost() + ":" + redis.getFirstMappedPort();
    }
}
