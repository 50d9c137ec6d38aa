package dev.numpool.inventory;

import dev.numpool.db.Redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The last quotes each network provider reported, in Redis, shared by every node. The refresher
 * replaces a provider's whole snapshot at once (written aside, then renamed into place), and
 * every snapshot expires, so a provider whose refresh stops failing over to stale stock is
 * not sold from for long.
 */
final class QuoteBook {
    private static final String PREFIX = "numpool:quotes:";
    private final Redis redis;
    private final Duration ttl;
    private final long rememberNanos;
    /**
     * Quotes (and their absence: an empty pool's book) read in the last {@code remember}: an order
     * reads its offer's quote twice (the price check, then the buy) and a busy node reads the same
     * few offers all the time. A quote is at most that old; the refresh on this node forgets them all.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Remembered> recent = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_REMEMBERED = 10_000;

    private record Remembered(Optional<Provider.Quote> quote, long until) {
    }

    QuoteBook(Redis redis, Duration ttl, Duration remember) {
        this.redis = redis;
        this.ttl = ttl;
        this.rememberNanos = remember.toNanos();
    }

    void replace(String provider, List<Provider.OfferQuote> quotes) {
        try {
            write(provider, quotes);
        } finally {
            // After the write, so that a reader in between cannot remember the old quote again.
            recent.clear();
        }
    }

    private void write(String provider, List<Provider.OfferQuote> quotes) {
        String key = PREFIX + provider;
        if (quotes.isEmpty()) {
            redis.commands().del(key);
            return;
        }
        Map<String, String> fields = new HashMap<>(quotes.size() * 2);
        for (Provider.OfferQuote q : quotes) {
            fields.put(field(q.service(), q.country(), q.operator()), q.costMicros() + "," + q.stock());
        }
        String staging = key + ":staging:" + System.nanoTime();
        redis.commands().hset(staging, fields);
        redis.commands().pexpire(staging, ttl.toMillis());
        redis.commands().rename(staging, key);
    }

    /**
     * True for the one node that should refresh {@code provider} now: every node runs the
     * refresher, and the first to set this short-lived key does the calling for all of them.
     */
    boolean leadRefresh(String provider, Duration interval) {
        return "OK".equals(redis.commands().set(PREFIX + provider + ":refreshing", "1",
                io.lettuce.core.SetArgs.Builder.nx().px(Math.max(1, interval.toMillis() - 100))));
    }

    Optional<Provider.Quote> quote(String provider, String service, int country, String operator) {
        String field = field(service, country, operator);
        String at = provider + "|" + field;
        long now = System.nanoTime();
        Remembered known = recent.get(at);
        if (known != null && now - known.until() < 0) {
            return known.quote();
        }
        String value = redis.commands().hget(PREFIX + provider, field);
        Optional<Provider.Quote> quote = value == null ? Optional.empty() : Optional.of(parse(value));
        if (rememberNanos > 0) {
            if (recent.size() >= MAX_REMEMBERED) {
                recent.clear();
            }
            recent.put(at, new Remembered(quote, now + rememberNanos));
        }
        return quote;
    }

    /** Every offer of a provider: (service, country) → quote, operator "any" only. */
    List<Provider.OfferQuote> all(String provider) {
        List<Provider.OfferQuote> result = new ArrayList<>();
        redis.commands().hgetall(PREFIX + provider).forEach((field, value) -> {
            String[] f = field.split(":", 3);
            Provider.Quote q = parse(value);
            result.add(new Provider.OfferQuote(f[0], Integer.parseInt(f[1]), f[2], q.costMicros(), q.stock()));
        });
        return result;
    }

    private static String field(String service, int country, String operator) {
        return service + ":" + country + ":" + operator;
    }

    private static Provider.Quote parse(String value) {
        int comma = value.indexOf(',');
        return new Provider.Quote(Long.parseLong(value.substring(0, comma)), Integer.parseInt(value.substring(comma + 1)));
    }
}
