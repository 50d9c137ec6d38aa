package dev.numpool.web;

import dev.numpool.api.ApiRouter;
import dev.numpool.api.RateLimits;
import dev.numpool.api.ReadTimeouts;
import dev.numpool.api.UnreadableBody;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.http.HeaderValues;
import dev.numpool.db.DataDirectoryLock;
import dev.numpool.db.Database;
import dev.numpool.db.LocalPostgres;
import dev.numpool.db.LocalRedis;
import dev.numpool.db.Redis;
import dev.numpool.inventory.Inventory;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Favourites;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.OperatorAudit;
import dev.numpool.orders.Operators;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Reports;
import dev.numpool.orders.Topups;
import dev.numpool.orders.Users;
import dev.numpool.orders.Webhooks;
import dev.numpool.sandbox.SandboxUpstreams;
import dev.numpool.workers.Workers;
import io.helidon.config.Config;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One running Numpool node: the whole object graph, wired by hand here and nowhere else. Tests
 * start it exactly as {@link Main} does, with their own configuration.
 */
public final class Numpool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Numpool.class.getName());
    private final List<AutoCloseable> resources;
    private final WebServer server;
    private final String host;

    private Numpool(List<AutoCloseable> resources, WebServer server, String host) {
        this.resources = resources;
        this.server = server;
        this.host = host;
    }

    /** Starts a node: embedded servers when no database or Redis is configured, then the graph. */
    public static Numpool start(Config config) {
        return start(config, Clock.systemUTC());
    }

    /** As {@link #start(Config)} with a clock of the caller's (tests move time forward). */
    public static Numpool start(Config config, Clock clock) {
        return start(config, clock, System.getenv());
    }

    /**
     * As {@link #start(Config, Clock)}, taking secrets such as provider API keys from
     * {@code environment} (the process environment, or a test's stand-in for it).
     */
    public static Numpool start(Config config, Clock clock, Map<String, String> environment) {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            boolean sandbox = config.get("numpool.sandbox").asBoolean().orElse(true);
            Path dataDir = config.get("numpool.data-dir").asString().map(Path::of).orElseGet(Numpool::defaultDataDir);
            String host = config.get("server.host").asString().orElse("127.0.0.1");
            int port = config.get("server.port").asInt().orElse(8080);
            requireFreePort(host, port);

            if (config.get("database.url").asString().isEmpty() || config.get("redis.url").asString().isEmpty()) {
                track(resources, DataDirectoryLock.take(dataDir)); // before any stale embedded server is stopped
            }
            Database db = connectDatabase(config.get("database"), dataDir, resources);
            Redis redis = connectRedis(config.get("redis"), dataDir, resources);
            MeterRegistry meters = Metrics.globalRegistry();

            Config inventoryConfig = config.get("inventory");
            Map<String, String> inventoryEnvironment = environment;
            Optional<SandboxUpstreams> upstreams = Optional.empty();
            if (SandboxProviders.wanted(config, sandbox)) {
                // Simulated marketplaces on 127.0.0.1, reached through the real provider clients, so
                // that a sandbox routes, fails over and breaks circuits between several providers.
                SandboxUpstreams started = track(resources, SandboxUpstreams.start(config.get("sandbox"), clock));
                SandboxProviders.Wired wired = SandboxProviders.wire(inventoryConfig, environment, started.upstreams());
                inventoryConfig = wired.inventory();
                inventoryEnvironment = wired.environment();
                upstreams = Optional.of(started);
                started.upstreams().forEach(u -> LOG.log(System.Logger.Level.INFO, "sandbox upstream " + u.name() + " (" + u.protocol() + ") at " + u.url()));
            }
            Inventory inventory = track(resources, Inventory.create(db, redis, inventoryConfig, sandbox, clock, inventoryEnvironment));
            Accounts accounts = Accounts.create(db, clock);
            Ledger ledger = Ledger.create(db, redis, clock);
            Orders.Settings orderSettings = Orders.Settings.from(config.get("orders"));
            Orders orders = track(resources, Orders.create(db, redis, inventory, orderSettings,
                    dev.numpool.orders.Rentals.Settings.from(config.get("rentals")), clock, meters));
            Webhooks webhooks = Webhooks.create(db, redis, Webhooks.Settings.from(config.get("webhooks")), clock);
            orders.shedIntakeWhen(webhooks::behind);
            // SMS injected for a simulated upstream's number go through that upstream, as a real SMS would.
            upstreams.ifPresent(u -> orders.relaySandboxSms(u::receive));
            Optional<String> publicUrl = config.get("numpool.public-url").asString().asOptional();
            Topups topups = Topups.create(db, redis, Topups.Settings.from(config.get("topups"),
                    publicUrl.orElse("http://" + host + ":" + port)), environment, clock);
            Users users = Users.create(db, clock, sandbox);
            if (sandbox) {
                config.get("numpool.demo-api-key").asString().ifPresent(accounts::ensureDemoAccount);
            }
            if (config.get("workers.enabled").asBoolean().orElse(true)) {
                track(resources, new Workers(orders, inventory, webhooks, topups, users, Workers.Settings.from(config.get("workers"))).start());
            }

            RateLimits rateLimits = new RateLimits(redis, RateLimits.Settings.from(config.get("api.rate-limits")));
            OperatorAudit audit = OperatorAudit.create(db, clock);
            Operators operators = Operators.create(db, clock);
            ApiRouter api = new ApiRouter(accounts, ledger, orders, inventory, webhooks, topups, audit, operators, sandbox,
                    config.get("numpool.operator-token").asString().asOptional(), publicUrl, rateLimits, upstreams,
                    Duration.ofSeconds(config.get("compat.duplicate-window-seconds").asLong().orElse(10L)));
            // Links in mails lead to the public address; until the server listens (port 0 in tests) its own.
            AtomicReference<String> siteUrl = new AtomicReference<>(publicUrl.map(u -> u.replaceAll("/+$", "")).orElse(null));
            Mailer.Settings mailSettings = Mailer.Settings.from(config.get("mail"), environment);
            if (mailSettings.smtpHost().isPresent() && publicUrl.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "mail.smtp-host is set but numpool.public-url is not: mailed links will point at this node's own address");
            }
            Mailer mailer = track(resources, new Mailer(mailSettings));
            Website website = new Website(users, accounts, ledger, orders, orderSettings, inventory, webhooks, topups, operators, audit,
                    Reports.create(db, clock, sandbox), Favourites.create(db, inventory, clock), rateLimits, sandbox, config.get("website.contact-email").asString().asOptional(), clock,
                    new AccountMails(mailer, siteUrl::get));
            Connections connections = Connections.from(config.get("server"));
            ReadTimeouts readTimeouts = track(resources, new ReadTimeouts(connections.readTimeout()));
            WebServer server = WebServer.builder()
                    .host(host)
                    .port(port)
                    // A backstop only: each API reads at most what its requests need.
                    .maxPayloadSize(1024 * 1024)
                    .update(connections::apply)
                    .addProtocol(Http1Config.builder().addReceiveListener(readTimeouts.headers()).build())
                    .addFeature(ObserveFeature.just(
                            HealthObserver.builder()
                                    .details(true)
                                    .addCheck(() -> HealthCheckResponse.builder().status(db.ping()).build(), HealthCheckType.READINESS, "postgresql")
                                    .addCheck(() -> HealthCheckResponse.builder().status(redis.ping()).build(), HealthCheckType.READINESS, "redis")
                                    .build(),
                            MetricsObserver.builder().meterRegistry(meters).build()))
                    .routing(routing -> {
                        routing.addFilter((chain, req, res) -> {
                            readTimeouts.register(req); // bodies are read under the deadline too
                            chain.proceed();
                            // Helidon answers "Connection: close" but then waits for another request
                            // on the socket; the client asked for it to end, so end it. Likewise after
                            // a body whose framing broke (nothing after it on the socket can be
                            // trusted), and after an answer given without reading a body that is not
                            // all there (see UnreadableBody.drained).
                            if (req.headers().contains(HeaderValues.CONNECTION_CLOSE) || !UnreadableBody.drained(req)) {
                                throw new CloseConnectionException("connection ended after this request");
                            }
                        });
                        requestTimer(routing, meters);
                        api.routing(routing);
                        website.routing(routing);
                    })
                    .build()
                    .start();
            // Helidon reports a listener that failed to bind in its log, not by throwing.
            if (!server.isRunning()) {
                throw new IllegalStateException("the web server could not listen on " + host + ":" + port);
            }
            int listening = server.port();
            siteUrl.compareAndSet(null, "http://" + loopbackOr(host) + ":" + listening);
            upstreams.ifPresent(u -> u.pushTo(URI.create("http://" + loopbackOr(host) + ":" + listening)));
            Collections.reverse(resources);
            return new Numpool(resources, server, host);
        } catch (RuntimeException e) {
            Collections.reverse(resources);
            closeAll(resources);
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    public String url() {
        return "http://" + host + ":" + server.port();
    }

    @Override
    public void close() {
        server.stop();
        closeAll(resources);
    }

    /** Where a process on this machine reaches a server bound to {@code host}: the loopback address for a wildcard. */
    private static String loopbackOr(String host) {
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            return "127.0.0.1";
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");

    /**
     * Every request's latency, by method, route pattern and status. The timers are kept by those
     * three (a bounded set: routes are patterns, not paths), so that a request does not build tags
     * and search the registry: under a flood that was a good part of what each answer cost.
     */
    private static void requestTimer(HttpRouting.Builder routing, MeterRegistry meters) {
        // A client may send any token as its method; only the standard ones get a timer of their own.
        Map<String, Timer> timers = new ConcurrentHashMap<>();
        routing.addFilter((chain, req, res) -> {
            long started = System.nanoTime();
            try {
                chain.proceed();
            } finally {
                String method = KNOWN_METHODS.contains(req.prologue().method().text()) ? req.prologue().method().text() : "other";
                String route = req.matchingPattern().orElse("unmatched");
                String status = String.valueOf(res.status().code());
                timers.computeIfAbsent(method + " " + route + " " + status, k -> meters.getOrCreate(Timer.builder("numpool_http_requests")
                                .tags(List.of(
                                        io.helidon.metrics.api.Tag.create("method", method),
                                        io.helidon.metrics.api.Tag.create("route", route),
                                        io.helidon.metrics.api.Tag.create("status", status)))))
                        .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            }
        });
    }

    private static Database connectDatabase(Config config, Path dataDir, List<AutoCloseable> resources) {
        int poolSize = config.get("pool-size").asInt().orElse(20);
        if (config.get("url").asString().isPresent()) {
            JdbcTarget target = JdbcTarget.parse(config.get("url").asString().get());
            return track(resources, Database.connect(target.url(),
                    config.get("user").asString().orElse(target.user()),
                    config.get("password").asString().orElse(target.password()), poolSize));
        }
        LocalPostgres pg = track(resources, LocalPostgres.start(dataDir.resolve("postgres")));
        return track(resources, Database.connect(pg.jdbcUrl("postgres"), null, null, poolSize));
    }

    private static Redis connectRedis(Config config, Path dataDir, List<AutoCloseable> resources) {
        String url = config.get("url").asString().orElseGet(() -> track(resources, LocalRedis.start(dataDir.resolve("redis"))).url());
        return track(resources, Redis.connect(url));
    }

    /**
     * Fails before anything is started when the port is taken (another Numpool, say), so that
     * such a start ends in a second with its reason instead of after starting PostgreSQL.
     */
    private static void requireFreePort(String host, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + " (" + e.getMessage() + ")", e);
        }
    }

    /** {@code $NUMPOOL_DATA_DIR}, else {@code ~/.numpool}, else {@code ./.numpool}. */
    private static Path defaultDataDir() {
        String home = System.getProperty("user.home");
        return home == null || home.isBlank() ? Path.of(".numpool") : Path.of(home, ".numpool");
    }

    /**
     * A database URL as JDBC wants it. Accepts JDBC URLs as they are and the
     * {@code postgres://user:password@host:port/db} form hosting platforms hand out.
     */
    record JdbcTarget(String url, String user, String password) {
        static JdbcTarget parse(String raw) {
            if (raw.startsWith("jdbc:")) {
                return new JdbcTarget(raw, null, null);
            }
            URI uri = URI.create(raw);
            if (!"postgres".equals(uri.getScheme()) && !"postgresql".equals(uri.getScheme())) {
                throw new IllegalArgumentException("DATABASE_URL must be a jdbc:postgresql:// or postgres:// URL");
            }
            String user = null;
            String password = null;
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
                password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : null;
            }
            String port = uri.getPort() > 0 ? ":" + uri.getPort() : "";
            String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
            return new JdbcTarget("jdbc:postgresql://" + uri.getHost() + port + uri.getRawPath() + query, user, password);
        }
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> resources, T resource) {
        resources.add(resource);
        return resource;
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                System.getLogger(Numpool.class.getName()).log(System.Logger.Level.WARNING, "closing " + r, e);
            }
        }
    }
}
