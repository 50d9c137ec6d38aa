package dev.numpool.api;

import dev.numpool.db.Redis;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.helidon.config.Config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Request budgets per API key and per client IP, as token buckets in Redis (bucket4j), so that
 * every node draws from the same bucket: a bot cannot double its rate by being balanced across
 * nodes. A key is identified by a digest of the secret it presented (never the secret), whether
 * or not it is valid. If Redis cannot answer, requests are let through: an outage of the limiter
 * must not become an outage of the API.
 */
public final class RateLimits {
    private static final Logger LOG = Logger.getLogger(RateLimits.class.getName());
    private static final Duration SKIP_AFTER_FAILURE = Duration.ofSeconds(10);

    private final Settings settings;
    private final ProxyManager<String> buckets;
    private final BucketConfiguration perKey;
    private final BucketConfiguration perIp;
    private final BucketConfiguration signInsPerEmail;
    private final BucketConfiguration signInsPerIp;
    /** Until when (nanoTime) the limiter is skipped after Redis failed to answer it. */
    private volatile long skipUntil = System.nanoTime();
    /** The sign-in limiter's own: an API-limit failure must not lift the password guard. */
    private volatile long signInSkipUntil = System.nanoTime();
    private final java.util.Map<String, io.github.bucket4j.Bucket> localBuckets = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@code enabled} (default true), {@code per-key-per-second} (default 50) with bursts of
     * {@code per-key-burst} (default 100), {@code per-ip-per-second} (default 200) with bursts of
     * {@code per-ip-burst} (default 400).
     */
    public record Settings(boolean enabled, long perKeyPerSecond, long perKeyBurst, long perIpPerSecond, long perIpBurst,
                           long signInsPerEmail, long signInsPerIp, Duration signInWindow, java.util.Set<String> trustedProxies) {
        public Settings {
            trustedProxies = trustedProxies.stream().map(RateLimits::canonical).collect(java.util.stream.Collectors.toUnmodifiableSet());
            if (perKeyPerSecond < 1 || perKeyBurst < 1 || perIpPerSecond < 1 || perIpBurst < 1
                    || signInsPerEmail < 1 || signInsPerIp < 1 || signInWindow.isNegative() || signInWindow.isZero()) {
                throw new IllegalArgumentException("rate limits must be positive");
            }
        }

        public Settings(boolean enabled, long perKeyPerSecond, long perKeyBurst, long perIpPerSecond, long perIpBurst) {
            this(enabled, perKeyPerSecond, perKeyBurst, perIpPerSecond, perIpBurst, 10, 100, Duration.ofMinutes(15), java.util.Set.of());
        }

        /**
         * Also the website's sign-in attempts (always limited, even when {@code enabled} is false:
         * they guard passwords, not capacity): {@code sign-ins-per-email} (default 10) and
         * {@code sign-ins-per-ip} (default 100) per {@code sign-in-window-seconds} (default 900).
         * {@code trusted-proxies}: addresses of reverse proxies in front of Numpool, whose
         * {@code X-Forwarded-For} names the client (default none: the peer is the client).
         */
        public static Settings from(Config config) {
            return new Settings(config.get("enabled").asBoolean().orElse(true),
                    config.get("per-key-per-second").asLong().orElse(50L), config.get("per-key-burst").asLong().orElse(100L),
                    config.get("per-ip-per-second").asLong().orElse(200L), config.get("per-ip-burst").asLong().orElse(400L),
                    config.get("sign-ins-per-email").asLong().orElse(10L), config.get("sign-ins-per-ip").asLong().orElse(100L),
                    Duration.ofSeconds(config.get("sign-in-window-seconds").asLong().orElse(900L)),
                    java.util.Set.copyOf(config.get("trusted-proxies").asList(String.class).orElse(java.util.List.of())));
        }
    }

    public RateLimits(Redis redis, Settings settings) {
        this.settings = settings;
        this.buckets = redis != null
                ? Bucket4jLettuce.casBasedBuilder(redis.binaryConnection())
                        .requestTimeout(Duration.ofMillis(250))
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                        .build()
                : null;
        this.perKey = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(settings.perKeyBurst()).refillGreedy(settings.perKeyPerSecond(), Duration.ofSeconds(1)))
                .build();
        this.perIp = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(settings.perIpBurst()).refillGreedy(settings.perIpPerSecond(), Duration.ofSeconds(1)))
                .build();
        this.signInsPerEmail = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(settings.signInsPerEmail()).refillGreedy(settings.signInsPerEmail(), settings.signInWindow()))
                .build();
        this.signInsPerIp = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(settings.signInsPerIp()).refillGreedy(settings.signInsPerIp(), settings.signInWindow()))
                .build();
    }

    /** A limiter that lets everything through (tests and benchmarks that measure something else). */
    public static RateLimits off() {
        return new RateLimits(null, new Settings(false, 1, 1, 1, 1));
    }

    /**
     * Who a request comes from, as the limits count it. The peer, unless the peer is a trusted
     * proxy: then the nearest {@code X-Forwarded-For} entry that is not one (a client can write
     * the header too, so only what trusted proxies appended counts). An IPv6 address counts as its
     * /64, the block one subscriber is usually given; otherwise every address of it would be a new
     * budget.
     */
    public String client(io.helidon.webserver.http.ServerRequest req) {
        String peer = req.remotePeer().address() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? canonical(a.getAddress().getHostAddress()) : "unknown";
        String client = peer;
        if (settings.trustedProxies().contains(peer)) {
            java.util.List<String> hops = new java.util.ArrayList<>();
            for (String header : req.headers().all(io.helidon.http.HeaderNames.X_FORWARDED_FOR, java.util.List::of)) {
                for (String hop : header.split(",", 32)) {
                    hops.add(canonical(hop.strip()));
                }
            }
            for (int i = hops.size() - 1; i >= 0; i--) {
                if (!settings.trustedProxies().contains(hops.get(i))) {
                    client = hops.get(i);
                    break;
                }
            }
        }
        return budgetOf(client);
    }

    /** An address literal in one spelling (IPv4-mapped IPv6 as IPv4); anything else as it is, bounded. */
    static String canonical(String address) {
        // Literals only (a dotted quad, or anything with a colon): getByName asks no DNS for those.
        if (address.matches("[0-9a-fA-F:.]{2,45}") && (address.contains(":") || address.matches("([0-9]{1,3}\\.){3}[0-9]{1,3}"))) {
            try {
                return java.net.InetAddress.getByName(address).getHostAddress();
            } catch (java.net.UnknownHostException e) {
                return "invalid";
            }
        }
        return address.length() > 64 ? "invalid" : address;
    }

    private static String budgetOf(String address) {
        if (!address.contains(":")) {
            return address;
        }
        try {
            byte[] bytes = java.net.InetAddress.getByName(address).getAddress();
            return bytes.length == 16 ? HexFormat.of().formatHex(bytes, 0, 8) + "::/64" : address;
        } catch (java.net.UnknownHostException e) {
            return "invalid";
        }
    }

    /** Empty when the request may go on; otherwise how long until it could. */
    Optional<Duration> take(Optional<String> apiKey, String ip) {
        if (buckets == null || !settings.enabled() || System.nanoTime() - skipUntil < 0) {
            return Optional.empty();
        }
        try {
            // The limits are part of the bucket's name: a node configured otherwise keeps its own buckets.
            String limits = settings.perIpPerSecond() + "-" + settings.perIpBurst();
            Optional<Duration> wait = take("numpool:rate:ip:" + limits + ":" + ip, perIp);
            if (wait.isPresent() || apiKey.isEmpty()) {
                return wait;
            }
            return take("numpool:rate:key:" + settings.perKeyPerSecond() + "-" + settings.perKeyBurst() + ":" + digest(apiKey.get()), perKey);
        } catch (RuntimeException e) {
            // One slow answer is paid by one request; the next ones skip the limiter for a while
            // rather than each waiting out Redis's timeout.
            skipUntil = System.nanoTime() + SKIP_AFTER_FAILURE.toNanos();
            LOG.log(Level.WARNING, "rate limiter unavailable; letting requests through for " + SKIP_AFTER_FAILURE.toSeconds() + " s", e);
            return Optional.empty();
        }
    }

    /**
     * One website sign-in (or sign-up) attempt for {@code email} (normalised by the caller) from
     * {@code ip}: empty when it may go on, otherwise how long until it could. Counted before the
     * password is checked, so guessing is slow and Argon2's cost cannot be spent at will.
     */
    public Optional<Duration> takeSignIn(String email, String ip) {
        String window = settings.signInWindow().toSeconds() + "s";
        String byIp = "numpool:signin:ip:" + settings.signInsPerIp() + "-" + window + ":" + ip;
        String byEmail = "numpool:signin:email:" + settings.signInsPerEmail() + "-" + window + ":" + digest(email);
        if (buckets == null || System.nanoTime() - signInSkipUntil < 0) {
            return takeLocally(byIp, signInsPerIp).or(() -> takeLocally(byEmail, signInsPerEmail));
        }
        try {
            Optional<Duration> wait = take(byIp, signInsPerIp);
            return wait.isPresent() ? wait : take(byEmail, signInsPerEmail);
        } catch (RuntimeException e) {
            // Unlike the API's limits, password guessing is never let through: while Redis is
            // unavailable this node counts sign-ins itself (per node, so a little more lenient).
            signInSkipUntil = System.nanoTime() + SKIP_AFTER_FAILURE.toNanos();
            LOG.log(Level.WARNING, "sign-in limiter unavailable; counting on this node for " + SKIP_AFTER_FAILURE.toSeconds() + " s", e);
            return takeLocally(byIp, signInsPerIp).or(() -> takeLocally(byEmail, signInsPerEmail));
        }
    }

    /** The same limit in this node's memory (bounded: forgotten wholesale past 100,000 buckets). */
    private Optional<Duration> takeLocally(String key, BucketConfiguration configuration) {
        if (localBuckets.size() > 100_000) {
            localBuckets.clear();
        }
        io.github.bucket4j.Bucket bucket = localBuckets.computeIfAbsent(key, k -> {
            var builder = io.github.bucket4j.Bucket.builder();
            for (io.github.bucket4j.Bandwidth limit : configuration.getBandwidths()) {
                builder.addLimit(limit);
            }
            return builder.build();
        });
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill())));
    }

    private Optional<Duration> take(String key, BucketConfiguration configuration) {
        ConsumptionProbe probe = buckets.builder().build(key, () -> configuration).tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill())));
    }

    private static String digest(String secret) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
