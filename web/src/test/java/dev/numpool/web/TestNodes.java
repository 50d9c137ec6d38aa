package dev.numpool.web;

import dev.numpool.db.TestServers;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/** Starts Numpool nodes for tests: real embedded PostgreSQL and Redis, port 0, quiet simulator. */
final class TestNodes {
    private TestNodes() {
    }

    /** Settings every test node shares: no spontaneous SMS, no simulated latency, workers off. */
    static Map<String, String> baseConfig(String databaseUrl) {
        Map<String, String> c = new HashMap<>();
        c.put("server.port", "0");
        c.put("database.url", databaseUrl);
        c.put("database.pool-size", "20");
        c.put("redis.url", TestServers.redisUrl());
        c.put("inventory.simulator.code-probability", "0");
        c.put("inventory.simulator.latency-millis", "0");
        c.put("workers.enabled", "false");
        // The simulator alone: tests that want the sandbox's simulated upstreams turn them on.
        c.put("sandbox.upstreams-enabled", "false");
        // Tests poll hard from one IP; the rate-limit test turns limits on for itself.
        c.put("api.rate-limits.enabled", "false");
        // Tests sign up many accounts from 127.0.0.1; the account budgets' own tests set theirs.
        c.put("api.rate-limits.sign-ups-per-ip", "100000");
        c.put("api.rate-limits.account-mails-per-ip", "100000");
        // Tests buy one offer many times in a row under a clock that stands still, which the compatible
        // APIs' duplicate window would answer with the first activation; the tests of the window
        // (SmsActivateContractTest, FiveSimContractTest, CompatRetriesTest) turn it on.
        c.put("compat.duplicate-window-seconds", "0");
        return c;
    }

    static Numpool start(Map<String, String> config, Clock clock) {
        return start(config, clock, Map.of());
    }

    /** With {@code environment} standing in for the process environment (provider API keys). */
    static Numpool start(Map<String, String> config, Clock clock, Map<String, String> environment) {
        return Numpool.start(NumpoolConfig.of(config), clock, environment);
    }
}
