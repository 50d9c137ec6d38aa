package dev.numpool.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one scenario of {@link DeliveryBench} sent and what came back. Every SMS carries a code
 * unique within its activation, so "activationId:code" names it in the injection, the webhook
 * body and the live event alike. Times are {@link System#nanoTime()} of this process.
 */
final class Tally {
    /** Intended send time of every SMS, written before it is sent (a fast webhook may beat the answer). */
    private final Map<String, Long> intendedAt = new ConcurrentHashMap<>();
    /** When the node answered 2xx, for each SMS it accepted: these must be delivered. */
    private final Map<String, Long> accepted = new ConcurrentHashMap<>();
    private final Map<String, Long> webhookAt = new ConcurrentHashMap<>();
    private final Map<String, Long> eventAt = new ConcurrentHashMap<>();
    private final Map<String, Integer> webhookIds = new ConcurrentHashMap<>();
    /** Injections that were not 2xx, by HTTP status or by what went wrong ("timeout", "io", …). */
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final LongAdder badSignatures = new LongAdder();
    private final LongAdder strangers = new LongAdder();

    static String key(long activationId, String code) {
        return activationId + ":" + code;
    }

    void sending(String key, long intendedNanos) {
        intendedAt.put(key, intendedNanos);
    }

    void answered(String key, int status, long answeredNanos) {
        if (status >= 200 && status < 300) {
            accepted.put(key, answeredNanos);
        } else {
            failed(Integer.toString(status));
        }
    }

    void failed(String reason) {
        failures.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    void webhook(String webhookId, String key, long arrivedNanos) {
        webhookIds.merge(webhookId, 1, Integer::sum);
        if (!intendedAt.containsKey(key)) {
            strangers.increment();
            return;
        }
        webhookAt.putIfAbsent(key, arrivedNanos);
    }

    void event(String key, long arrivedNanos) {
        if (intendedAt.containsKey(key)) {
            eventAt.putIfAbsent(key, arrivedNanos);
        }
    }

    void badSignature() {
        badSignatures.increment();
    }

    /** True once every accepted SMS came back both ways. */
    boolean complete() {
        return accepted.keySet().stream().allMatch(k -> webhookAt.containsKey(k) && eventAt.containsKey(k));
    }

    Result result() {
        Map<String, Long> failed = new TreeMap<>();
        failures.forEach((reason, n) -> failed.put(reason, n.sum()));
        int duplicates = webhookIds.values().stream().mapToInt(n -> n - 1).sum();
        return new Result(intendedAt.size(), accepted.size(), failed, latencies(accepted), latencies(webhookAt), latencies(eventAt),
                duplicates, lost(webhookAt), lost(eventAt), badSignatures.sum(), strangers.sum());
    }

    private Latencies latencies(Map<String, Long> arrivals) {
        List<Long> millis = new ArrayList<>();
        for (String k : accepted.keySet()) {
            Long at = arrivals.get(k);
            if (at != null) {
                millis.add((at - intendedAt.get(k)) / 1_000_000);
            }
        }
        return Latencies.of(millis);
    }

    private long lost(Map<String, Long> arrivals) {
        return accepted.keySet().stream().filter(k -> !arrivals.containsKey(k)).count();
    }

    /** One scenario's outcome; latencies in milliseconds from the intended send time. */
    record Result(int injected, int accepted, Map<String, Long> failed, Latencies answer, Latencies webhook, Latencies event,
                  int duplicateWebhooks, long lostWebhooks, long lostEvents, long badSignatures, long strangers) {
        String failedText() {
            if (failed.isEmpty()) {
                return "0";
            }
            StringBuilder s = new StringBuilder();
            failed.forEach((reason, n) -> s.append(s.isEmpty() ? "" : ", ").append(n).append(" × ").append(reason));
            return s.toString();
        }
    }

    /** Exact percentiles of a few thousand samples: sorting them is cheaper than being clever. */
    record Latencies(int count, long p50, long p99, long max) {
        static Latencies of(List<Long> millis) {
            long[] sorted = millis.stream().mapToLong(Long::longValue).sorted().toArray();
            if (sorted.length == 0) {
                return new Latencies(0, -1, -1, -1);
            }
            return new Latencies(sorted.length, at(sorted, 0.50), at(sorted, 0.99), sorted[sorted.length - 1]);
        }

        private static long at(long[] sorted, double quantile) {
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)];
        }

        @Override
        public String toString() {
            return count == 0 ? "–" : p50 + " / " + p99 + " / " + max;
        }
    }
}
