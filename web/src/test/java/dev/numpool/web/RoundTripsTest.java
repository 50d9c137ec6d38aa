package dev.numpool.web;

import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How many times an order crosses the network to PostgreSQL and to Redis, counted from outside:
 * both are reached through proxies that count what the node's client libraries send (issue 15
 * names the goal: six round trips for an order). The node is warm first (its caches of keys,
 * ledger accounts and delivery rates filled by an earlier order), as a running node is.
 */
class RoundTripsTest {
    private static FaultyProxy postgres;
    private static FaultyProxy redis;
    private static Numpool node;

    @BeforeAll
    static void start() throws IOException {
        String databaseUrl = TestServers.freshDatabaseUrl();
        postgres = new FaultyProxy(databaseUrl);
        redis = new FaultyProxy(TestServers.redisUrl());
        Map<String, String> config = TestNodes.baseConfig(postgres.url(databaseUrl));
        config.put("redis.url", redis.url(TestServers.redisUrl()));
        // A node remembers quotes for a second; a slow machine must not turn that into a count that varies.
        config.put("inventory.quote-cache-millis", "60000");
        node = TestNodes.start(config, new TestClock());
    }

    @AfterAll
    static void stop() throws IOException {
        node.close();
        postgres.close();
        redis.close();
    }

    @Test
    void anOrderCrossesTheNetworkAFewTimes() {
        Http http = new Http(node.url());
        String key = http.newSandboxAccount();
        order(http, key); // warm: the key, the account's ledger accounts, the offer's rates
        order(http, key);
        int orders = 21;
        long[] toPostgres = new long[orders];
        long[] toRedis = new long[orders];
        for (int i = 0; i < orders; i++) {
            long pg = postgres.sent();
            long rd = redis.sent();
            order(http, key);
            toPostgres[i] = postgres.sent() - pg;
            toRedis[i] = redis.sent() - rd;
        }
        System.out.printf("round trips per order: PostgreSQL %.1f, Redis %.1f (means); medians %d and %d%n",
                mean(toPostgres), mean(toRedis), median(toPostgres), median(toRedis));
        // Measured 2026-12-04: PostgreSQL 4 (the key's claim; balance and live count; the sale;
        // the order's one statement) and a share of a block of activation ids, Redis 1 (the live
        // event, sent without waiting). Was 10 and 3. The median order is the measure: on a loaded
        // machine the node's own chatter lands inside some orders (the pool checks a connection
        // idle for half a second before lending it), and a mean of 5.1 was seen once in CI.
        assertTrue(median(toPostgres) + median(toRedis) <= MAX_TRIPS, "PostgreSQL " + median(toPostgres) + ", Redis " + median(toRedis));
    }

    /** Issue 15's goal. */
    private static final double MAX_TRIPS = 6;

    private static double mean(long[] counts) {
        return java.util.Arrays.stream(counts).average().orElseThrow();
    }

    private static long median(long[] counts) {
        long[] sorted = counts.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void order(Http http, String key) {
        Http.Response placed = http.send(http.request("/v1/activations", key).header("Idempotency-Key", UUID.randomUUID().toString())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"service\":\"tg\",\"country\":0}")));
        assertEquals(201, placed.status(), placed.text());
    }
}
