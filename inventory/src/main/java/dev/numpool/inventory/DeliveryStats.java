package dev.numpool.inventory;

import dev.numpool.db.Redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.time.ZoneOffset;

/**
 * Numpool's own record of how often each provider delivers a code, per provider × service ×
 * country, in daily Redis buckets shared by every node; the rate reads the last
 * {@link #WINDOW_DAYS} days. A prior of 8 deliveries in 10 keeps a provider with little history
 * from looking perfect or hopeless after one activation.
 */
final class DeliveryStats {
    static final int WINDOW_DAYS = 3;
    private static final double PRIOR_DELIVERED = 8;
    private static final double PRIOR_TOTAL = 10;
    private static final String PREFIX = "numpool:delivery:";
    /** How many of a provider's latest times to code the median is taken over. */
    static final int TIMES_KEPT = 500;

    /** Rates are read on every order; a few seconds old is fresh enough and spares Redis. */
    private static final Duration CACHED = Duration.ofSeconds(10);

    private final Redis redis;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(double rate, Instant until) {
    }

    DeliveryStats(Redis redis, Clock clock) {
        this.redis = redis;
        this.clock = clock;
    }

    void record(String provider, String service, int country, boolean delivered) {
        String key = PREFIX + provider + ":" + LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        String offer = service + ":" + country;
        // Counted without waiting: an intake or expiry must not spend round trips on statistics,
        // and a count lost to a Redis hiccup moves a rate by one in hundreds.
        var commands = redis.async();
        commands.hincrby(key, offer + ":total", 1);
        if (delivered) {
            commands.hincrby(key, offer + ":delivered", 1);
        }
        commands.expire(key, Duration.ofDays(WINDOW_DAYS + 1).toSeconds());
    }

    /** The delivery rate, 0 to 1, with the prior folded in; at most {@link #CACHED} old. */
    double rate(String provider, String service, int country) {
        String id = provider + ":" + service + ":" + country;
        Instant now = clock.instant();
        Cached c = cache.get(id);
        if (c != null && now.isBefore(c.until())) {
            return c.rate();
        }
        if (cache.size() > 100_000) {
            cache.clear(); // bounded: every provider × offer fits many times over
        }
        double rate = readRate(provider, service, country);
        cache.put(id, new Cached(rate, now.plus(CACHED)));
        return rate;
    }

    /** Today's {delivered, ended} over all of a provider's offers (an operator's overview). */
    long[] today(String provider) {
        long delivered = 0;
        long total = 0;
        for (var e : redis.commands().hgetall(PREFIX + provider + ":" + LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)).entrySet()) {
            if (e.getKey().endsWith(":delivered")) {
                delivered += Long.parseLong(e.getValue());
            } else {
                total += Long.parseLong(e.getValue());
            }
        }
        return new long[] {delivered, total};
    }

    private double readRate(String provider, String service, int country) {
        String offer = service + ":" + country;
        long delivered = 0;
        long total = 0;
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        for (int d = 0; d < WINDOW_DAYS; d++) {
            var day = redis.commands().hmget(PREFIX + provider + ":" + today.minusDays(d), offer + ":delivered", offer + ":total");
            delivered += Long.parseLong(day.get(0).getValueOrElse("0"));
            total += Long.parseLong(day.get(1).getValueOrElse("0"));
        }
        return (delivered + PRIOR_DELIVERED) / (total + PRIOR_TOTAL);
    }

    /** Keeps the latest {@link #TIMES_KEPT} times from sale to first code per provider, in milliseconds. */
    void recordTimeToCode(String provider, Duration took) {
        String key = PREFIX + "ttc:" + provider;
        var commands = redis.async(); // without waiting, as record() does
        commands.lpush(key, Long.toString(Math.max(0, took.toMillis())));
        commands.ltrim(key, 0, TIMES_KEPT - 1);
    }

    /** The median time from sale to first code over the latest deliveries; empty without any. */
    java.util.Optional<Duration> medianTimeToCode(String provider) {
        long[] times = redis.commands().lrange(PREFIX + "ttc:" + provider, 0, TIMES_KEPT - 1).stream()
                .mapToLong(Long::parseLong).sorted().toArray();
        if (times.length == 0) {
            return java.util.Optional.empty();
        }
        long median = times.length % 2 == 1 ? times[times.length / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
        return java.util.Optional.of(Duration.ofMillis(median));
    }
}
