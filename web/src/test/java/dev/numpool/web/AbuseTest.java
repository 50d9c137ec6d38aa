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
 * requests, connections it never closes, floods. Each is answered or cut in bounded time, no
 * limit lifts, nothing is logged as a failure of ours, and a well-behaved client is served
 * meanwhile (its p95 is printed; the ratios belong in BENCHMARKS.md, not in a test's assertion).
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
        // Longer than the read timeout: what cuts half a request is the read deadline, from its first byte.
        config.put("server.idle-timeout-seconds", "60");
        // Limits as shipped per key and per session; every client here shares 127.0.0.1, so not per address.
        config.put("api.rate-limits.enabled", "true");
        config.put("api.rate-limits.per-ip-per-second", "1000000");
        config.put("api.rate-limits.per-ip-burst", "1000000");
        // Likewise requests in flight per address (RateLimitAndRequestIdTest tests that limit): the
        // half-sent bodies past their key's budget would otherwise hold more of 127.0.0.1's share
        // the slower the machine opens them (the key's budget refills meanwhile), and the measured
        // client, at the same address, would be refused for them.
        config.put("api.rate-limits.in-flight-per-client", "100000");
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
        String own = new Http(node.url()).newSandboxAccount(); // 40 requests: a key of its own, so other tests keep their budget
        for (String route : routes) {
            String type = route.contains("sign") ? "application/x-www-form-urlencoded" : "application/json";
            for (String body : chunked) {
                String request = route + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + own + "\r\nIdempotency-Key: abuse-"
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
     * 2,000 connections that send a request line and half their headers, a request line alone, or
     * half the body they announced: all cut within the read timeout (plus the watchdog's
     * period), file descriptors back to where they were, and meanwhile another client is served.
     */
    @Test
    void halfSentRequestsAreCutWithinTheReadTimeout() throws Exception {
        Http http = new Http(node.url());
        long idleP95 = p95(http, 100);
        long fdsBefore = openFiles();
        String slow = http.newSandboxAccount(); // its key's budget goes to the half-sent bodies, not the measured client's
        String[] halves = {"GET /v1/balance HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", "GET /v1/balance HTTP/1.1\r\n",
                "POST /v1/webhook-endpoints HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + slow
                        + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"url\""};
        List<Socket> sockets = new ArrayList<>();
        long opened = System.nanoTime();
        try {
            for (int i = 0; i < 2_000; i++) {
                Socket s = new Socket("127.0.0.1", node.port());
                s.getOutputStream().write(halves[i % halves.length].getBytes(StandardCharsets.ISO_8859_1));
                sockets.add(s);
            }
            long floodP95 = p95(http, 100);
            for (Socket s : sockets) {
                s.setSoTimeout((READ_TIMEOUT_SECONDS + 5) * 1_000);
                s.getInputStream().readAllBytes(); // cut, or answered (a key past its budget gets its 429) and then cut
            }
            double seconds = (System.nanoTime() - opened) / 1e9;
            assertTrue(seconds < READ_TIMEOUT_SECONDS + 3, "all cut in " + seconds + " s");
            assertTrue(floodP95 < 1_000, "p95 " + floodP95 + " ms among 2,000 half requests, " + idleP95 + " ms idle");
            System.out.println("abuse half requests: p95 " + floodP95 + " ms among 2,000 half-sent requests, " + idleP95 + " ms idle");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        long fdsAfter = openFiles();
        assertTrue(fdsAfter <= fdsBefore + 50, "file descriptors " + fdsBefore + " before, " + fdsAfter + " after");
    }

    /**
     * Floods on one key through each API, and on one website session's CSV export: each is held
     * to its budget, and another account is served meanwhile. Each flood runs once unmeasured
     * first, so that what is measured is the node at work, not its JIT warming up.
     */
    @Test
    void floodsThroughEveryDoorLeaveAnotherAccountItsLatency() throws Exception {
        Http http = new Http(node.url());
        String flooder = http.newSandboxAccount();
        Browserless session = new Browserless(node.url());
        session.signUp("csv-" + System.nanoTime() + "@example.com", "a long enough password");
        List<String> doors = List.of("/v1/balance", "/stubs/handler_api.php?action=getBalance&api_key=" + flooder, "/v1/user/profile",
                "/balance/transactions.csv");
        for (String door : doors) {
            try (Flood warmUp = new Flood(http, session, door, flooder)) {
                p95(http, 20);
            }
        }
        long idle = p95(http, 100);
        List<String> seen = new ArrayList<>();
        for (String door : doors) {
            long during;
            Flood flood = new Flood(http, session, door, flooder);
            try (flood) {
                during = p95(http, 100);
            }
            seen.add(door.replaceAll("\\?.*", "") + ": p95 " + during + " ms (idle " + idle + " ms), flood "
                    + flood.refused + "/" + flood.sent + " refused");
            // The flood is held to its budget (a burst of 100, then 50/s, over the ≥ 2.5 s measured).
            assertTrue(flood.refused.get() >= flood.sent.get() - (100 + 50 * 10), String.join("; ", seen));
            // Latency ratios are measured, not asserted here (a test shares its 2 cores with the
            // flood it makes): only starvation fails, and the figures are printed for the record.
            assertTrue(during < 1_000, "another account is still served: " + String.join("; ", seen));
        }
        System.out.println("abuse floods: " + seen);
    }

    /** 32 clients sending to one door as fast as it answers, until closed. */
    private static final class Flood implements AutoCloseable {
        final java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicBoolean flooding = new java.util.concurrent.atomic.AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Flood(Http http, Browserless session, String door, String key) {
            for (int t = 0; t < 32; t++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    while (flooding.get()) {
                        String answer;
                        if (door.endsWith(".csv")) {
                            answer = String.valueOf(session.get(door).status());
                        } else {
                            Http.Response r = http.get(door, key);
                            answer = r.status() + r.text();
                        }
                        sent.incrementAndGet();
                        if (answer.startsWith("429") || answer.contains("TOO_MANY_REQUESTS")) {
                            refused.incrementAndGet();
                        }
                    }
                }));
            }
        }

        @Override
        public void close() throws InterruptedException {
            flooding.set(false);
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    /** A connection that sends part of a request line and stops is cut by the idle timeout (a node of its own, 2 s). */
    @Test
    void aHalfSentRequestLineIsCutByTheIdleTimeout() throws IOException {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("server.idle-timeout-seconds", "2");
        try (Numpool idle = TestNodes.start(config, new TestClock())) {
            List<Socket> sockets = new ArrayList<>();
            long opened = System.nanoTime();
            try {
                for (int i = 0; i < 200; i++) {
                    Socket s = new Socket("127.0.0.1", idle.port());
                    s.getOutputStream().write("GET /v1/bal".getBytes(StandardCharsets.ISO_8859_1));
                    sockets.add(s);
                }
                for (Socket s : sockets) {
                    s.setSoTimeout(10_000);
                    assertEquals(-1, s.getInputStream().read(), "cut without an answer");
                }
                double seconds = (System.nanoTime() - opened) / 1e9;
                assertTrue(seconds < 2 + 3, "all cut in " + seconds + " s");
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    /**
     * The 95th percentile of {@code n} requests of a well-behaved client, in ms: one every 25 ms
     * (40 a second, inside its key's budget of 50), as a bot that respects its limits sends them.
     */
    private static long p95(Http http, int n) throws InterruptedException {
        long[] millis = new long[n];
        long next = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(java.time.Duration.ofNanos(wait)); // pacing the client, not waiting for a result
            }
            next = Math.max(next, System.nanoTime()) + 25_000_000L; // a slow answer is not made up for with a burst
            long t = System.nanoTime();
            Http.Response r = http.get("/v1/balance", key);
            assertEquals(200, r.status(), r.text());
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

    /**
     * A form longer than the sms-activate API reads is answered, and the rest of it drained, so
     * the same connection serves the next request (a keep-alive client's next call used to meet a
     * connection closed under it).
     */
    @Test
    void aBodyLongerThanItsApiReadsLeavesTheConnectionServingTheNextRequest() throws IOException {
        String form = "api_key=x&action=getBalance&junk=" + "x".repeat(40_000);
        Answer answer = send("POST /stubs/handler_api.php HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: " + form.length() + "\r\n\r\n" + form
                + "GET /stubs/handler_api.php?action=getBalance HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 10_000);
        assertEquals(2, answer.statusLine().split("HTTP/1.1 200", -1).length - 1, answer.statusLine());
        assertTrue(answer.statusLine().contains("BAD_ACTION") && answer.statusLine().contains("NO_KEY"), answer.statusLine());
        assertTrue(answer.closed(), "closed after the second request, as it asked");
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
