package dev.numpool.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A start that cannot succeed ends the process at once, saying why in one sentence. */
class FailedStartTest {
    @TempDir
    Path dir;

    @Test
    void aTakenPortEndsTheStartBeforeAnythingIsStarted() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<String> stderr = failedStart(Map.of("PORT", Integer.toString(taken.getLocalPort())));

            assertTrue(stderr.getFirst().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()), stderr.getFirst());
            assertFalse(Files.exists(dir.resolve("data/postgres")), "no embedded PostgreSQL was started");
        }
    }

    @Test
    void anUnreachableDatabaseEndsTheStartWithItsReason() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        List<String> stderr = failedStart(Map.of("PORT", "0",
                "DATABASE_URL", "postgres://numpool:secret@127.0.0.1:" + closedPort + "/numpool"));

        assertTrue(stderr.getFirst().contains("127.0.0.1:" + closedPort), stderr.getFirst());
    }

    /** Starts a node that must fail; returns its standard error after checking it is one sentence. */
    private List<String> failedStart(Map<String, String> environment) throws Exception {
        Map<String, String> env = new HashMap<>(environment);
        env.put("NUMPOOL_DATA_DIR", dir.resolve("data").toString());
        Path err = dir.resolve("node.err");
        Process node = ChildNode.launcher(env, err).redirectOutput(dir.resolve("node.out").toFile()).start();
        try {
            assertTrue(node.waitFor(30, TimeUnit.SECONDS), "the process ended by itself");
        } finally {
            node.destroyForcibly();
        }
        assertNotEquals(0, node.exitValue());
        List<String> stderr = Files.readAllLines(err).stream().filter(line -> !line.isBlank()).toList();
        assertEquals(1, stderr.size(), "one line, no stack trace: " + stderr);
        assertTrue(stderr.getFirst().startsWith("Numpool could not start: "), stderr.getFirst());
        return stderr;
    }
}
