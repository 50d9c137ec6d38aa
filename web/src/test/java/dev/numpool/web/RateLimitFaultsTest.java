package dev.numpool.web;

import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flood of 5,000 requests on one API key, with the node's Redis up, slow (a proxy adds 300 ms
 * to everything sent to it) and down (the proxy cuts every connection): past the budget the
 * answer is 429 in all three, never a lifted limit and never a 5xx.
 */
class RateLimitFaultsTest {
    private static final int FLOOD = 5_000;
    private static final int PER_SECOND = 20;
    private static final int BURST = 40;

    private static FaultyProxy redis;
    private static Numpool node;

    @BeforeAll
    static void start() throws IOException {
        redis = new FaultyProxy(TestServers.redisUrl());
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("redis.url", redis.url(TestServers.redisUrl()));
        config.put("api.rate-limits.enabled", "true");
        config.put("api.rate-limits.per-key-per-second", String.valueOf(PER_SECOND));
        config.put("api.rate-limits.per-key-burst", String.valueOf(BURST));
        config.put("api.rate-limits.per-ip-per-second", "1000000");
        config.put("api.rate-limits.per-ip-burst", "1000000");
        node = TestNodes.start(config, new TestClock());
    }

    @AfterAll
    static void stop() throws IOException {
        redis.down(false);
        node.close();
        redis.close();
    }

    @Test
    void withRedisUpTheFloodIsLimited() throws Exception {
        flood(new Http(node.url()).newSandboxAccount());
    }

    @Test
    void withRedisSlowTheFloodIsStillLimited() throws Exception {
        String key = new Http(node.url()).newSandboxAccount();
        redis.slow(Duration.ofMillis(300));
        try {
            flood(key);
        } finally {
            redis.slow(Duration.ZERO);
        }
    }

    @Test
    void withRedisDownTheFloodIsStillLimited() throws Exception {
        String key = new Http(node.url()).newSandboxAccount();
        redis.down(true);
        try {
            flood(key);
        } finally {
            redis.down(false);
        }
    }

    /** 5,000 requests, 64 at a time; at most the burst plus the rate over the flood's time may pass. */
    private static void flood(String key) throws Exception {
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        Semaphore inFlight = new Semaphore(64);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.url() + "/v1/balance"))
                .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30)).GET().build();
        long started = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < FLOOD; i++) {
                inFlight.acquire();
                pool.submit(() -> {
                    try {
                        int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                        statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                    } catch (IOException | InterruptedException e) {
                        statuses.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        int ok = statuses.getOrDefault(200, new AtomicInteger()).get();
        int limited = statuses.getOrDefault(429, new AtomicInteger()).get();
        String seen = statuses + " in " + String.format("%.1f", seconds) + " s";
        assertEquals(FLOOD, ok + limited, "every answer is 200 or 429: " + seen);
        assertTrue(ok >= 1 && ok <= BURST + PER_SECOND * seconds + 1, "the budget holds: " + seen);
        System.out.println("rate-limit flood: " + seen);
    }
}
