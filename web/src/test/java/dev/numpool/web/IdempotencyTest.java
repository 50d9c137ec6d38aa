package dev.numpool.web;

import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdempotencyTest {
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        node = TestNodes.start(TestNodes.baseConfig(TestServers.freshDatabaseUrl()), new TestClock());
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void twoHundredConcurrentOrdersWithOneKeyMakeOneActivationAndOneHold() throws Exception {
        String key = http.newSandboxAccount();
        String body = "{\"service\":\"tg\",\"country\":0}";
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Http.Response>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return http.order(key, "same-key", body);
                }));
            }
            go.countDown();
        }
        byte[] created = null;
        int ok = 0;
        for (Future<Http.Response> f : futures) {
            Http.Response r = f.get();
            if (r.status() == 201) {
                ok++;
                if (created == null) {
                    created = r.body();
                }
                assertArrayEquals(created, r.body(), "every success is the first response, byte for byte");
            } else {
                assertEquals(409, r.status(), r.text());
                assertEquals("/problems/idempotency-key-in-use", r.json().get("type").asText());
            }
        }
        assertTrue(ok >= 1);
        assertEquals(1, http.get("/v1/activations", key).json().get("data").size(), "exactly one activation");
        long price = Http.JSON.readTree(created).get("priceMicros").asLong();
        assertEquals(price, http.get("/v1/balance", key).json().get("heldMicros").asLong(), "exactly one hold");
        assertEquals(100_000_000L - price, http.get("/v1/balance", key).json().get("availableMicros").asLong());
    }

    @Test
    void sameKeyAndBodyReplaysTheFirstResponseByteForByte() {
        String key = http.newSandboxAccount();
        Http.Response first = http.order(key, "replay", "{\"service\":\"wa\",\"country\":22}");
        Http.Response second = http.order(key, "replay", "{\"service\":\"wa\",\"country\":22}");
        assertEquals(201, second.status());
        assertArrayEquals(first.body(), second.body());
        assertEquals("true", second.headers().firstValue("Idempotent-Replayed").orElse(""));
        assertEquals(1, http.get("/v1/activations", key).json().get("data").size());
    }

    @Test
    void sameKeyWithADifferentBodyIsRefusedWith422() {
        String key = http.newSandboxAccount();
        http.order(key, "reuse", "{\"service\":\"wa\",\"country\":22}");
        Http.Response other = http.order(key, "reuse", "{\"service\":\"tg\",\"country\":22}");
        assertEquals(422, other.status());
        assertEquals("/problems/idempotency-key-reused", other.json().get("type").asText());
        assertEquals(1, http.get("/v1/activations", key).json().get("data").size());
    }

    @Test
    void keysAreScopedPerAccount() {
        String alice = http.newSandboxAccount();
        String bob = http.newSandboxAccount();
        Http.Response a = http.order(alice, "shared", "{\"service\":\"wa\",\"country\":22}");
        Http.Response b = http.order(bob, "shared", "{\"service\":\"wa\",\"country\":22}");
        assertEquals(201, b.status());
        assertTrue(!Arrays.equals(a.body(), b.body()), "Bob gets his own activation, not Alice's replay");
    }
}
