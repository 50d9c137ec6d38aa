package dev.numpool.db;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalRedisTest {
    @Test
    void aRedisLeftRunningOnTheDataDirectoryIsStoppedByTheNextStart(@TempDir Path dataDirectory) throws Exception {
        // The first server stands for one whose Numpool was killed: nobody will close it.
        try (LocalRedis leftover = LocalRedis.start(dataDirectory)) {
            ProcessHandle first = LeftoverProcess.named(dataDirectory.resolve("redis.pid")).orElseThrow();
            assertTrue(LeftoverProcess.runs(first, "redis-server"));

            try (LocalRedis next = LocalRedis.start(dataDirectory);
                 Redis redis = Redis.connect(next.url())) {
                assertTrue(LeftoverProcess.awaitExit(first, Duration.ofSeconds(1)), "the leftover server was stopped");
                long second = Long.parseLong(Files.readString(dataDirectory.resolve("redis.pid")).strip());
                assertFalse(second == first.pid());
                assertTrue(redis.ping());
            }
        }
    }

    @Test
    void aServerStoppedNormallyRemovesItsPidFile(@TempDir Path dataDirectory) {
        try (LocalRedis redis = LocalRedis.start(dataDirectory)) {
            assertTrue(Files.exists(dataDirectory.resolve("redis.pid")));
        }
        assertFalse(Files.exists(dataDirectory.resolve("redis.pid")));
    }
}
