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

    QuoteBook(Redis redis, Duration ttl) {
        this.redis = redis;
        this.ttl = ttl;
    }

    void replace(String provider, List<Provider.OfferQuote> quotes) {
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
        String value = redis.commands().hget(PREFIX + provider, field(service, country, operator));
        return value == null ? Optional.empty() : Optional.of(parse(value));
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
