package dev.numpool.db;

import redis.embedded.RedisServer;
import redis.embedded.core.RedisServerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** An embedded Redis server (6.2) on 127.0.0.1 and a free port, for running with no {@code REDIS_URL}. */
public final class LocalRedis implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LocalRedis.class.getName());
    private static final Duration SHUTDOWN_PATIENCE = Duration.ofSeconds(10);

    private final RedisServer server;
    private final int port;

    private LocalRedis(RedisServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /** Starts a server that leaves nothing behind on disk (tests). */
    public static LocalRedis start() {
        return start(List.of());
    }

    /**
     * Starts a server that records its pid in {@code dataDirectory/redis.pid}, first stopping the
     * one that a killed Numpool left running there, so that crashes do not pile up servers.
     */
    public static LocalRedis start(Path dataDirectory) {
        Path pidFile = dataDirectory.toAbsolutePath().normalize().resolve("redis.pid");
        try {
            Files.createDirectories(pidFile.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + pidFile.getParent(), e);
        }
        stopLeftoverServer(pidFile);
        return start(List.of("pidfile \"" + pidFile + "\""));
    }

    private static LocalRedis start(List<String> settings) {
        try {
            int port = freePort();
            RedisServerBuilder builder = RedisServer.newRedisServer()
                    .bind("127.0.0.1")
                    .port(port)
                    // A cache and a message bus here: nothing in Redis needs to survive a restart.
                    .setting("save \"\"")
                    .setting("appendonly no");
            settings.forEach(builder::setting);
            RedisServer server = builder.build();
            server.start();
            return new LocalRedis(server, port);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded Redis", e);
        }
    }

    /**
     * Stops a redis-server whose pid is in {@code pidFile}. A live process running something else
     * got a reused pid and is left alone (Redis overwrites the file). Killing Redis outright when
     * it does not stop is safe, since it holds nothing that must survive.
     */
    private static void stopLeftoverServer(Path pidFile) {
        LeftoverProcess.named(pidFile)
                .filter(process -> LeftoverProcess.runs(process, "redis-server"))
                .ifPresent(redis -> {
                    LOG.log(System.Logger.Level.INFO, () -> "Stopping the Redis (pid " + redis.pid() + ") an earlier run left behind");
                    redis.destroy();
                    if (!LeftoverProcess.awaitExit(redis, SHUTDOWN_PATIENCE)) {
                        redis.destroyForcibly();
                        LeftoverProcess.awaitExit(redis, SHUTDOWN_PATIENCE);
                    }
                });
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
