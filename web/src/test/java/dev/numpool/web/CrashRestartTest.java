package dev.numpool.web;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user of {@code ./numpool run} sees after kill -9: the embedded PostgreSQL and Redis the
 * dead node started are still running; the next start on the same data directory stops them,
 * comes up with the data, and a normal stop leaves nothing running.
 */
class CrashRestartTest {
    @TempDir
    Path dir;

    /** Every embedded server seen in this test, stopped after it whatever happened. */
    private final List<ProcessHandle> seen = new ArrayList<>();

    @Test
    void aNodeKilledWithSigkillStartsAgainOnItsDataAndLeavesNoServersBehind() throws Exception {
        Path data = dir.resolve("data");
        Process first = start(data, "first");
        String key;
        long available;
        ProcessHandle firstPostgres;
        ProcessHandle firstRedis;
        try {
            Http http = new Http(ChildNode.readyUrl(first));
            key = http.newSandboxAccount();
            available = balance(http, key);
            firstPostgres = embedded(data.resolve("postgres/postmaster.pid")).orElseThrow();
            firstRedis = embedded(data.resolve("redis/redis.pid")).orElseThrow();
        } finally {
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(firstPostgres.isAlive() && firstRedis.isAlive(), "kill -9 left the embedded servers running");

        Process second = start(data, "second");
        try {
            Instant started = Instant.now();
            Http http = new Http(ChildNode.readyUrl(second));
            System.out.println("restart after kill -9 ready in " + Duration.between(started, Instant.now()).toMillis() + " ms");
            assertEquals(available, balance(http, key), "the account and its key survived");
            assertFalse(firstPostgres.isAlive(), "the dead node's PostgreSQL was stopped");
            assertFalse(firstRedis.isAlive(), "the dead node's Redis was stopped");

            // A second node on the same data, while this one runs, must not take its servers for stale ones.
            Process intruder = start(data, "intruder");
            assertTrue(intruder.waitFor(60, TimeUnit.SECONDS), "the intruding node ended by itself");
            assertNotEquals(0, intruder.exitValue());
            String why = Files.readString(dir.resolve("intruder.err"));
            assertTrue(why.contains("another Numpool is running on the data directory"), why);
            assertEquals(available, balance(http, key), "the running node's servers were left alone");
        } finally {
            second.destroy(); // SIGTERM: a normal stop, through the node's shutdown hook
            assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the node stopped");
        }
        Await.until("no server left on " + data, () -> serversUsing(data).isEmpty() ? true : null);
        assertTrue(embedded(data.resolve("postgres/postmaster.pid")).isEmpty());
        assertTrue(embedded(data.resolve("redis/redis.pid")).isEmpty());
    }

    @AfterEach
    void stopWhatIsLeft() {
        seen.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroy);
        seen.forEach(p -> p.onExit().orTimeout(30, TimeUnit.SECONDS).handle((x, e) -> null).join());
    }

    private Process start(Path data, String name) throws IOException {
        return ChildNode.launcher(Map.of("NUMPOOL_DATA_DIR", data.toString(), "PORT", "0"), dir.resolve(name + ".err")).start();
    }

    private static long balance(Http http, String key) {
        Http.Response r = http.get("/v1/balance", key);
        assertEquals(200, r.status(), r.text());
        return r.json().get("availableMicros").asLong();
    }

    /** The live process a server's pid file names. */
    private Optional<ProcessHandle> embedded(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        long pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().strip());
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        process.ifPresent(seen::add);
        return process;
    }

    /** Processes whose command line names the data directory (PostgreSQL's -D, say). */
    private static List<ProcessHandle> serversUsing(Path data) {
        String path = data.toAbsolutePath().toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(line -> line.contains(path)).orElse(false))
                .toList();
    }
}
