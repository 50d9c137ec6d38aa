package dev.numpool.web;

import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an abusive client can do over raw sockets on 127.0.0.1: broken framing, half-sent
 * requests, connections it never closes. Each is answered or cut in bounded time, nothing is
 * logged as a failure of ours, and a well-behaved client keeps its latency meanwhile.
 */
class AbuseTest {
    private static final int READ_TIMEOUT_SECONDS = 2;
    private static final List<LogRecord> severe = new CopyOnWriteArrayList<>();
    private static final Handler SEVERE_LOG = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                severe.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private static Numpool node;
    private static String key;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("server.read-timeout-seconds", String.valueOf(READ_TIMEOUT_SECONDS));
        config.put("server.idle-timeout-seconds", String.valueOf(READ_TIMEOUT_SECONDS));
        node = TestNodes.start(config, new TestClock());
        key = new Http(node.url()).newSandboxAccount();
        Logger.getLogger("").addHandler(SEVERE_LOG);
    }

    @AfterAll
    static void stop() {
        Logger.getLogger("").removeHandler(SEVERE_LOG);
        node.close();
    }

    /** Every route family that reads a body, with every broken framing of the probe: 400 within a second, connection closed. */
    @Test
    void brokenFramingIsA400AtOnceOnEveryRouteThatReadsABody() throws IOException {
        String[] routes = {"POST /v1/activations", "POST /v1/webhook-endpoints", "POST /v1/sandbox/sms", "POST /stubs/handler_api.php",
                "POST /inbound/twilio", "POST /sign-in", "POST /sign-up", "POST /webhooks/stripe"};
        // ("5\r\nabc\r\n0\r\n\r\n" is not among them: it is the valid 5-byte body "abc\r\n".)
        String[] chunked = {"ZZ\r\nabc\r\n0\r\n\r\n", "-1\r\nabc\r\n0\r\n\r\n", "ffffffffffffffff\r\nabc\r\n",
                "3;ext\r\nabc\r\nZ\r\n\r\n"};
        int before = severe.size();
        for (String route : routes) {
            String type = route.contains("sign") ? "application/x-www-form-urlencoded" : "application/json";
            for (String body : chunked) {
                String request = route + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key + "\r\nIdempotency-Key: abuse-"
                        + System.nanoTime() + "\r\nContent-Type: " + type + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
                Answer answer = send(request, 1_000);
                assertTrue(answer.statusLine().startsWith("HTTP/1.1 400"), route + " | " + body.replace("\r\n", "\\r\\n") + " => " + answer);
                assertTrue(answer.closed(), answer + " the connection ends after broken framing: " + route + " | " + body.replace("\r\n", "\\r\\n"));
            }
        }
        assertEquals(List.of(), severe.subList(before, severe.size()).stream().map(LogRecord::getMessage).toList());
    }

    @Test
    void aClientThatAsksForCloseIsClosed() throws IOException {
        Answer answer = send("GET /v1/services HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 1_000);
        assertTrue(answer.statusLine().startsWith("HTTP/1.1 200"), answer.toString());
        assertTrue(answer.closed(), "closed right after the answer, not when the client gives up");
    }

    /**
     * 2,000 connections that send a request line and half their headers, half a request line, or
     * half the body they announced: all cut within the read timeout (plus the watchdog's
     * period), file descriptors back to where they were, and meanwhile another client's p95 stays
     * within twice its idle p95.
     */
    @Test
    void halfSentRequestsAreCutWithinTheReadTimeout() throws Exception {
        Http http = new Http(node.url());
        long idleP95 = p95(http, 200);
        long fdsBefore = openFiles();
        String[] halves = {"GET /v1/balance HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", "GET /v1/bal",
                "POST /v1/webhook-endpoints HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"url\""};
        List<Socket> sockets = new ArrayList<>();
        long opened = System.nanoTime();
        try {
            for (int i = 0; i < 2_000; i++) {
                Socket s = new Socket("127.0.0.1", node.port());
                s.getOutputStream().write(halves[i % halves.length].getBytes(StandardCharsets.ISO_8859_1));
                sockets.add(s);
            }
            long floodP95 = p95(http, 200);
            for (Socket s : sockets) {
                s.setSoTimeout((READ_TIMEOUT_SECONDS + 5) * 1_000);
                assertEquals(-1, s.getInputStream().read(), "cut without an answer");
            }
            double seconds = (System.nanoTime() - opened) / 1e9;
            assertTrue(seconds < READ_TIMEOUT_SECONDS + 3, "all cut in " + seconds + " s");
            assertTrue(floodP95 <= Math.max(2 * idleP95, 20), "p95 " + floodP95 + " ms among 2,000 half requests, " + idleP95 + " ms idle");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        long fdsAfter = openFiles();
        assertTrue(fdsAfter <= fdsBefore + 50, "file descriptors " + fdsBefore + " before, " + fdsAfter + " after");
    }

    /** The 95th percentile of {@code n} sequential requests of a well-behaved client, in ms. */
    private static long p95(Http http, int n) {
        long[] millis = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            assertEquals(200, http.get("/v1/balance", key).status());
            millis[i] = (System.nanoTime() - t) / 1_000_000;
        }
        Arrays.sort(millis);
        return millis[(int) Math.ceil(n * 0.95) - 1];
    }

    private static long openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private record Answer(String statusLine, boolean closed, long millis) {
    }

    /** Sends raw bytes; the status line and whether the server then closed, waiting at most {@code waitMillis}. */
    private static Answer send(String request, int waitMillis) throws IOException {
        long t = System.nanoTime();
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(waitMillis);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            StringBuilder all = new StringBuilder();
            boolean closed = false;
            try {
                byte[] buffer = new byte[8192];
                for (int n; ; ) {
                    n = in.read(buffer);
                    if (n < 0) {
                        closed = true;
                        break;
                    }
                    all.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (SocketTimeoutException e) {
                // still open after waitMillis
            }
            return new Answer(all.toString().replace("\r\n", " / "), closed, (System.nanoTime() - t) / 1_000_000);
        }
    }
}
