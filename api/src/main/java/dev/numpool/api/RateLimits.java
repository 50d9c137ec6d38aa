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
 * or not it is valid.
 *
 * <p>Every request first meets this node's own copy of the same buckets, in memory: one node
 * never lets through more than the whole budget, and a flood past it is refused there without a
 * round trip to Redis (so Redis's load is bounded by what is allowed, not by what is sent). When
 * Redis is slow or down, the limits do not lift: each node keeps enforcing its share of the
 * budget ({@code nodes}, default 1, says how many nodes share it) on its own until Redis answers
 * again.
 */
public final class RateLimits {
    private static final Logger LOG = Logger.getLogger(RateLimits.class.getName());
    private static final Duration SKIP_AFTER_FAILURE = Duration.ofSeconds(10);
    private static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofMillis(250);
    /** How many times a client's per-email sign-in budget one email has from all clients together. */
    private static final long EMAIL_CEILING = 10;
    /**
     * Second-factor codes one operator may try per sign-in window, from anywhere: whoever tries
     * them knows the password already, and three codes are good at any moment (a step of drift
     * either way), so the budget is small and shared by all addresses.
     */
    static final long SECOND_FACTOR_CODES = 5;

    private final Settings settings;
    private final ProxyManager<String> buckets;
    private final BucketConfiguration perKey;
    private final BucketConfiguration perIp;
    private final BucketConfiguration signInsPerEmail;
    private final BucketConfiguration signInsPerEmailAll;
    private final BucketConfiguration signInsPerIp;
    private final BucketConfiguration secondFactorCodes;
    private final BucketConfiguration signUpsPerIp;
    private final BucketConfiguration mailsPerEmail;
    private final BucketConfiguration mailsPerIp;
    private final BucketConfiguration perKeyShare;
    private final BucketConfiguration perIpShare;
    /** Until when (nanoTime) Redis is not asked after it failed to answer: the node's share is the limit meanwhile. */
    private volatile long skipUntil = System.nanoTime();
    /** The sign-in limiter's own: an API-limit failure must not lift the password guard. */
    private volatile long signInSkipUntil = System.nanoTime();
    private final java.util.Map<String, io.github.bucket4j.Bucket> localBuckets = new java.util.concurrent.ConcurrentHashMap<>();
    /** Requests running on this node, per client (entries removed at zero, so the map holds only clients with requests running). */
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> inFlight = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@code enabled} (default true), {@code per-key-per-second} (default 50) with bursts of
     * {@code per-key-burst} (default 100), {@code per-ip-per-second} (default 200) with bursts of
     * {@code per-ip-burst} (default 400).
     */
    public record Settings(boolean enabled, long perKeyPerSecond, long perKeyBurst, long perIpPerSecond, long perIpBurst,
                           long signInsPerEmail, long signInsPerIp, Duration signInWindow, java.util.Set<String> trustedProxies,
                           int nodes, Duration redisTimeout, int inFlightPerClient, Duration refusalDelay, AccountLimits accounts) {
        public Settings {
            trustedProxies = trustedProxies.stream().map(RateLimits::canonical).collect(java.util.stream.Collectors.toUnmodifiableSet());
            if (perKeyPerSecond < 1 || perKeyBurst < 1 || perIpPerSecond < 1 || perIpBurst < 1
                    || signInsPerEmail < 1 || signInsPerIp < 1 || signInWindow.isNegative() || signInWindow.isZero()
                    || nodes < 1 || redisTimeout.isNegative() || redisTimeout.isZero() || inFlightPerClient < 1 || refusalDelay.isNegative()) {
                throw new IllegalArgumentException("rate limits, nodes, the Redis timeout and requests in flight must be positive");
            }
        }

        public Settings(boolean enabled, long perKeyPerSecond, long perKeyBurst, long perIpPerSecond, long perIpBurst) {
            this(enabled, perKeyPerSecond, perKeyBurst, perIpPerSecond, perIpBurst, 10, 100, Duration.ofMinutes(15), java.util.Set.of(),
                    1, DEFAULT_REDIS_TIMEOUT, 256, Duration.ZERO, AccountLimits.DEFAULTS);
        }

        /**
         * Also the website's sign-in attempts (always limited, even when {@code enabled} is false:
         * they guard passwords, not capacity): {@code sign-ins-per-email} (default 10) and
         * {@code sign-ins-per-ip} (default 100) per {@code sign-in-window-seconds} (default 900).
         * {@code trusted-proxies}: addresses of reverse proxies in front of Numpool, whose
         * {@code X-Forwarded-For} names the client (default none: the peer is the client).
         * {@code nodes} (default 1): how many nodes share the budget, so that each enforces its
         * share while Redis cannot answer; {@code redis-timeout-millis} (default 250);
         * {@code in-flight-per-client} (default 256): requests one client may have running at once
         * on a node (live event streams included), so no one client holds all of a node's;
         * {@code refusal-delay-millis} (default 100): how long a request past its budget waits
         * before its 429 (at most until it could go on), so that a client hammering a limit
         * sends a few requests a second per connection instead of thousands, and cannot take the
         * node's time from everyone else by being refused fast.
         */
        public static Settings from(Config config) {
            return new Settings(config.get("enabled").asBoolean().orElse(true),
                    config.get("per-key-per-second").asLong().orElse(50L), config.get("per-key-burst").asLong().orElse(100L),
                    config.get("per-ip-per-second").asLong().orElse(200L), config.get("per-ip-burst").asLong().orElse(400L),
                    config.get("sign-ins-per-email").asLong().orElse(10L), config.get("sign-ins-per-ip").asLong().orElse(100L),
                    Duration.ofSeconds(config.get("sign-in-window-seconds").asLong().orElse(900L)),
                    java.util.Set.copyOf(config.get("trusted-proxies").asList(String.class).orElse(java.util.List.of())),
                    config.get("nodes").asInt().orElse(1),
                    Duration.ofMillis(config.get("redis-timeout-millis").asLong().orElse(DEFAULT_REDIS_TIMEOUT.toMillis())),
                    config.get("in-flight-per-client").asInt().orElse(256),
                    Duration.ofMillis(config.get("refusal-delay-millis").asLong().orElse(100L)),
                    AccountLimits.from(config));
        }
    }

    /**
     * The website's account budgets, always counted (like sign-ins: they guard people, not
     * capacity): {@code sign-ups-per-ip} (default 5) accounts tried per client per
     * {@code sign-up-window-seconds} (default 3600), and mails with a link (password resets,
     * verification) asked for, {@code account-mails-per-email} (default 3, from all clients
     * together, so nobody fills a stranger's mailbox) and {@code account-mails-per-ip} (default
     * 20) per {@code account-mail-window-seconds} (default 3600).
     */
    public record AccountLimits(long signUpsPerIp, Duration signUpWindow, long mailsPerEmail, long mailsPerIp, Duration mailWindow) {
        static final AccountLimits DEFAULTS = new AccountLimits(5, Duration.ofHours(1), 3, 20, Duration.ofHours(1));

        public AccountLimits {
            if (signUpsPerIp < 1 || mailsPerEmail < 1 || mailsPerIp < 1 || !signUpWindow.isPositive() || !mailWindow.isPositive()) {
                throw new IllegalArgumentException("sign-up and account-mail budgets and their windows must be positive");
            }
        }

        static AccountLimits from(Config config) {
            return new AccountLimits(config.get("sign-ups-per-ip").asLong().orElse(DEFAULTS.signUpsPerIp()),
                    Duration.ofSeconds(config.get("sign-up-window-seconds").asLong().orElse(DEFAULTS.signUpWindow().toSeconds())),
                    config.get("account-mails-per-email").asLong().orElse(DEFAULTS.mailsPerEmail()),
                    config.get("account-mails-per-ip").asLong().orElse(DEFAULTS.mailsPerIp()),
                    Duration.ofSeconds(config.get("account-mail-window-seconds").asLong().orElse(DEFAULTS.mailWindow().toSeconds())));
        }
    }

    public RateLimits(Redis redis, Settings settings) {
        this.settings = settings;
        this.buckets = redis != null
                ? Bucket4jLettuce.casBasedBuilder(redis.binaryConnection())
                        .requestTimeout(settings.redisTimeout())
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                        .build()
                : null;
        this.perKey = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(settings.perKeyBurst()).refillGreedy(settings.perKeyPerSecond(), Duration.ofSeconds(1)))
                .build();
        this.perIp = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(settings.perIpBurst()).refillGreedy(settings.perIpPerSecond(), Duration.ofSeconds(1)))
                .build();
        this.perKeyShare = share(settings.perKeyBurst(), settings.perKeyPerSecond(), settings.nodes());
        this.perIpShare = share(settings.perIpBurst(), settings.perIpPerSecond(), settings.nodes());
        this.signInsPerEmail = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(settings.signInsPerEmail()).refillGreedy(settings.signInsPerEmail(), settings.signInWindow()))
                .build();
        long ceiling = settings.signInsPerEmail() * EMAIL_CEILING;
        this.signInsPerEmailAll = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(ceiling).refillGreedy(ceiling, settings.signInWindow()))
                .build();
        this.signInsPerIp = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(settings.signInsPerIp()).refillGreedy(settings.signInsPerIp(), settings.signInWindow()))
                .build();
        this.secondFactorCodes = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(SECOND_FACTOR_CODES).refillGreedy(SECOND_FACTOR_CODES, settings.signInWindow()))
                .build();
        AccountLimits accounts = settings.accounts();
        this.signUpsPerIp = window(accounts.signUpsPerIp(), accounts.signUpWindow());
        this.mailsPerEmail = window(accounts.mailsPerEmail(), accounts.mailWindow());
        this.mailsPerIp = window(accounts.mailsPerIp(), accounts.mailWindow());
    }

    /** {@code n} per {@code window}, all of them usable at once. */
    private static BucketConfiguration window(long n, Duration window) {
        return BucketConfiguration.builder().addLimit(limit -> limit.capacity(n).refillGreedy(n, window)).build();
    }

    /** A limiter whose API limits are off (tests and benchmarks that measure something else); sign-ins are still counted. */
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

    /** One node's part of a budget: {@code 1/nodes} of its rate and burst, at least one of each. */
    private static BucketConfiguration share(long burst, long perSecond, int nodes) {
        return BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(Math.max(1, burst / nodes)).refillGreedy(Math.max(1, perSecond / nodes), Duration.ofSeconds(1)))
                .build();
    }

    /** How long a refused request waits before its answer (see {@code refusal-delay-millis}). */
    public Duration refusalDelay(Duration untilAllowed) {
        return untilAllowed.compareTo(settings.refusalDelay()) < 0 ? untilAllowed : settings.refusalDelay();
    }

    /**
     * Starts one request of {@code client} on this node: empty when the client already has
     * {@code in-flight-per-client} running (answer 429 at once), otherwise what ends it (call it
     * exactly once, when the request is done). Off when the limits are.
     */
    Optional<Runnable> enter(String client) {
        if (!settings.enabled()) {
            return Optional.of(() -> { });
        }
        boolean[] admitted = {false};
        inFlight.compute(client, (c, n) -> {
            int running = n == null ? 0 : n;
            admitted[0] = running < settings.inFlightPerClient();
            return admitted[0] ? running + 1 : n;
        });
        if (!admitted[0]) {
            return Optional.empty();
        }
        return Optional.of(() -> inFlight.computeIfPresent(client, (c, n) -> n <= 1 ? null : n - 1));
    }

    /** Empty when the request may go on; otherwise how long until it could. */
    Optional<Duration> take(Optional<String> apiKey, String ip) {
        // The limits are part of the buckets' names: a node configured otherwise keeps its own buckets.
        return take(Optional.of("numpool:rate:ip:" + settings.perIpPerSecond() + "-" + settings.perIpBurst() + ":" + ip),
                apiKey.map(k -> "numpool:rate:key:" + settings.perKeyPerSecond() + "-" + settings.perKeyBurst() + ":" + digest(k)));
    }

    /**
     * One page or form of a website session, costing {@code tokens} (a costly page, such as an
     * export, more than one): the session has the budget of an API key (its client's address is
     * counted by the filter in front of every route, see {@link Admission}).
     */
    public Optional<Duration> takeSession(String sessionId, long tokens) {
        return take(Optional.empty(),
                Optional.of("numpool:rate:session:" + settings.perKeyPerSecond() + "-" + settings.perKeyBurst() + ":" + digest(sessionId)), tokens);
    }

    private Optional<Duration> take(Optional<String> byIp, Optional<String> byKey) {
        return take(byIp, byKey, 1);
    }

    /** One request: a token of the address's budget and {@code keyTokens} of the key's (or session's). */
    private Optional<Duration> take(Optional<String> byIp, Optional<String> byKey, long keyTokens) {
        if (!settings.enabled()) {
            return Optional.empty();
        }
        Optional<Duration> wait = byIp.flatMap(ip -> takeLocally(ip, perIp)).or(() -> byKey.flatMap(k -> takeLocally(k, perKey, keyTokens)));
        if (wait.isPresent() || buckets == null) {
            return wait;
        }
        if (System.nanoTime() - skipUntil < 0) {
            return takeShare(byIp, byKey, keyTokens);
        }
        try {
            wait = byIp.isPresent() ? take(byIp.get(), perIp) : Optional.empty();
            return wait.isPresent() || byKey.isEmpty() ? wait : take(byKey.get(), perKey, keyTokens);
        } catch (RuntimeException e) {
            // One slow answer is paid by the requests waiting on it; the next ones do not ask
            // Redis for a while rather than each wait out its timeout, and meanwhile this node
            // enforces its share of every budget itself. A limit is never lifted.
            skipUntil = System.nanoTime() + SKIP_AFTER_FAILURE.toNanos();
            LOG.log(Level.WARNING, "rate limiter's Redis did not answer in " + settings.redisTimeout().toMillis()
                    + " ms; this node enforces its share of the limits for " + SKIP_AFTER_FAILURE.toSeconds() + " s: " + e);
            return takeShare(byIp, byKey, keyTokens);
        }
    }

    private Optional<Duration> takeShare(Optional<String> byIp, Optional<String> byKey, long keyTokens) {
        return byIp.flatMap(ip -> takeLocally("share:" + ip, perIpShare))
                .or(() -> byKey.flatMap(k -> takeLocally("share:" + k, perKeyShare, Math.min(keyTokens, perKeyShare.getBandwidths()[0].getCapacity()))));
    }

    /**
     * One second-factor code tried for {@code operator} (its account id): empty when it may go on,
     * otherwise how long until it could. {@value #SECOND_FACTOR_CODES} per sign-in window, always
     * limited (like sign-ins), counted on this node while Redis cannot answer.
     */
    public Optional<Duration> takeSecondFactor(String operator) {
        String key = "numpool:totp:" + SECOND_FACTOR_CODES + "-" + settings.signInWindow().toSeconds() + "s:" + digest(operator);
        if (buckets == null || System.nanoTime() - signInSkipUntil < 0) {
            return takeLocally(key, secondFactorCodes);
        }
        try {
            return take(key, secondFactorCodes);
        } catch (RuntimeException e) {
            signInSkipUntil = System.nanoTime() + SKIP_AFTER_FAILURE.toNanos();
            LOG.log(Level.WARNING, "second-factor limiter unavailable; counting on this node for " + SKIP_AFTER_FAILURE.toSeconds() + " s", e);
            return takeLocally(key, secondFactorCodes);
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
        // The per-email budget is per email *and client*: someone who spends it locks out only
        // themselves, never the customer signing in from elsewhere. Guessing one password from
        // many addresses still meets a ceiling per email alone, ten times as high, which an
        // attacker needs more than ten addresses' worth of attempts to reach.
        String byEmailFromIp = "numpool:signin:email:" + settings.signInsPerEmail() + "-" + window + ":" + digest(email + "\n" + ip);
        String byEmail = "numpool:signin:email-all:" + settings.signInsPerEmail() * EMAIL_CEILING + "-" + window + ":" + digest(email);
        if (buckets == null || System.nanoTime() - signInSkipUntil < 0) {
            return takeLocally(byIp, signInsPerIp).or(() -> takeLocally(byEmailFromIp, signInsPerEmail))
                    .or(() -> takeLocally(byEmail, signInsPerEmailAll));
        }
        try {
            Optional<Duration> wait = take(byIp, signInsPerIp);
            wait = wait.isPresent() ? wait : take(byEmailFromIp, signInsPerEmail);
            return wait.isPresent() ? wait : take(byEmail, signInsPerEmailAll);
        } catch (RuntimeException e) {
            // Unlike the API's limits, password guessing is never let through: while Redis is
            // unavailable this node counts sign-ins itself (per node, so a little more lenient).
            signInSkipUntil = System.nanoTime() + SKIP_AFTER_FAILURE.toNanos();
            LOG.log(Level.WARNING, "sign-in limiter unavailable; counting on this node for " + SKIP_AFTER_FAILURE.toSeconds() + " s", e);
            return takeLocally(byIp, signInsPerIp).or(() -> takeLocally(byEmailFromIp, signInsPerEmail))
                    .or(() -> takeLocally(byEmail, signInsPerEmailAll));
        }
    }

    /**
     * One website sign-up from {@code ip} that is about to create an account: empty when it may
     * go on, otherwise how long until it could. Always counted, like sign-ins.
     */
    public Optional<Duration> takeSignUp(String ip) {
        AccountLimits a = settings.accounts();
        return takeAlways("sign-up", java.util.List.of(
                java.util.Map.entry("numpool:signup:ip:" + a.signUpsPerIp() + "-" + a.signUpWindow().toSeconds() + "s:" + ip, signUpsPerIp)));
    }

    /**
     * One mail with a link (a password reset, an email verification) asked for {@code email}
     * (normalised by the caller) from {@code ip}: empty when it may go on, otherwise how long
     * until it could. The per-email budget is shared by all clients: its point is the mailbox.
     */
    public Optional<Duration> takeAccountMail(String email, String ip) {
        AccountLimits a = settings.accounts();
        String window = a.mailWindow().toSeconds() + "s";
        return takeAlways("account-mail", java.util.List.of(
                java.util.Map.entry("numpool:mail:ip:" + a.mailsPerIp() + "-" + window + ":" + ip, mailsPerIp),
                java.util.Map.entry("numpool:mail:email:" + a.mailsPerEmail() + "-" + window + ":" + digest(email), mailsPerEmail)));
    }

    /**
     * Takes one token of each bucket in order, stopping at the first that refuses (later ones
     * are not charged). Redis first; while it cannot answer, this node counts by itself, as for
     * sign-ins: these limits never lift.
     */
    private Optional<Duration> takeAlways(String what, java.util.List<java.util.Map.Entry<String, BucketConfiguration>> limits) {
        if (buckets != null && System.nanoTime() - signInSkipUntil >= 0) {
            try {
                for (var limit : limits) {
                    Optional<Duration> wait = take(limit.getKey(), limit.getValue());
                    if (wait.isPresent()) {
                        return wait;
                    }
                }
                return Optional.empty();
            } catch (RuntimeException e) {
                signInSkipUntil = System.nanoTime() + SKIP_AFTER_FAILURE.toNanos();
                LOG.log(Level.WARNING, what + " limiter unavailable; counting on this node for " + SKIP_AFTER_FAILURE.toSeconds() + " s", e);
            }
        }
        for (var limit : limits) {
            Optional<Duration> wait = takeLocally(limit.getKey(), limit.getValue());
            if (wait.isPresent()) {
                return wait;
            }
        }
        return Optional.empty();
    }

    /** The same limit in this node's memory (bounded: forgotten wholesale past 100,000 buckets). */
    private Optional<Duration> takeLocally(String key, BucketConfiguration configuration) {
        return takeLocally(key, configuration, 1);
    }

    private Optional<Duration> takeLocally(String key, BucketConfiguration configuration, long tokens) {
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
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(tokens);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill())));
    }

    private Optional<Duration> take(String key, BucketConfiguration configuration) {
        return take(key, configuration, 1);
    }

    private Optional<Duration> take(String key, BucketConfiguration configuration, long tokens) {
        ConsumptionProbe probe = buckets.builder().build(key, () -> configuration).tryConsumeAndReturnRemaining(tokens);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill())));
    }

    /**
     * Digests of the secrets seen lately: a flood presents the same key thousands of times a
     * second, and hashing it each time is most of what refusing it costs. Bounded: forgotten
     * wholesale past 10,000 keys, and only secrets of a real key's length are kept (a flood of
     * random 8 KB "keys" would otherwise hold 80 MB).
     */
    private static final java.util.Map<String, String> DIGESTS = new java.util.concurrent.ConcurrentHashMap<>();

    private static final int MAX_REMEMBERED_SECRET = 128;

    private static String digest(String secret) {
        String known = DIGESTS.get(secret);
        if (known != null) {
            return known;
        }
        String digest = sha256(secret);
        if (secret.length() > MAX_REMEMBERED_SECRET) {
            return digest;
        }
        if (DIGESTS.size() > 10_000) {
            DIGESTS.clear();
        }
        DIGESTS.put(secret, digest);
        return digest;
    }

    private static String sha256(String secret) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
