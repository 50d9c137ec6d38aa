package dev.numpool.bench;

import dev.numpool.db.Database;
import dev.numpool.db.LocalPostgres;
import dev.numpool.db.LocalRedis;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.NewApiKey;
import dev.numpool.web.Numpool;
import dev.numpool.web.NumpoolConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Order throughput: {@code POST /v1/activations} with an Idempotency-Key, through HTTP, JSON,
 * routing and the zero-latency simulator, against raw PostgreSQL doing the same statements over
 * plain JDBC at the same concurrency. Single offer (every order for tg in Russia) versus many
 * offers (random service and country), to show there is no hot row per offer.
 *
 * <p>Usage: {@code ./numpool bench [seconds per run] [clients]}. Client and server share the two
 * cores of these machines, in both the HTTP and the raw runs.
 */
public final class OrderThroughput {
    private static final int ACCOUNTS = 64;
    private static final long CREDIT_MICROS = 1_000_000_000_000L / 10; // 100,000 USD each

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("serve")) {
            serve(Path.of(args[1]));
            return;
        }
        Duration run = Duration.ofSeconds(args.length > 0 ? Integer.parseInt(args[0]) : 15);
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        Path data = Files.createTempDirectory("numpool-bench");
        try (LocalPostgres pg = LocalPostgres.start(data.resolve("pg")); LocalRedis redis = LocalRedis.start()) {
            Numpool node = Numpool.start(NumpoolConfig.of(nodeConfig(pg, redis)));
            try (Database db = Database.connect(pg.jdbcUrl("postgres"), null, null, 20); dev.numpool.db.Redis events = dev.numpool.db.Redis.connect(redis.url())) {
                List<NewApiKey> keys = accounts(db);
                System.out.printf("%d accounts, %d clients, %d s per run, %d cores%n", ACCOUNTS, clients, run.toSeconds(),
                        Runtime.getRuntime().availableProcessors());
                List<String[]> offers = offers(db);
                Result warm = http(node.url(), keys, clients, Duration.ofSeconds(5), false, offers);
                System.out.println("warm-up: " + warm);
                Result single = http(node.url(), keys, clients, run, false, offers);
                Result many = http(node.url(), keys, clients, run, true, offers);
                raw(db, events, keys, clients, Duration.ofSeconds(5), false, offers);
                Result rawSingle = raw(db, events, keys, clients, run, false, offers);
                Result rawMany = raw(db, events, keys, clients, run, true, offers);
                System.out.println();
                System.out.println("| run | orders/s | p50 ms | p99 ms | errors |");
                System.out.println("|---|---|---|---|---|");
                System.out.println(single.row("HTTP, single offer"));
                System.out.println(many.row("HTTP, many offers"));
                System.out.println(rawSingle.row("raw PostgreSQL, single offer"));
                System.out.println(rawMany.row("raw PostgreSQL, many offers"));
                System.out.printf("%nHTTP / raw PostgreSQL: single offer %.0f %%, many offers %.0f %%; single / many offers over HTTP: %.0f %%%n",
                        100 * single.perSecond() / rawSingle.perSecond(), 100 * many.perSecond() / rawMany.perSecond(),
                        100 * single.perSecond() / many.perSecond());
            } finally {
                node.close();
            }
        }
    }

    /**
     * The node under test: a zero-latency simulator with endless stock, no workers, and neither
     * rate limits nor the live-activation limit (the benchmark's orders are never ended, and all
     * its clients share one IP).
     */
    private static Map<String, String> nodeConfig(LocalPostgres pg, LocalRedis redis) {
        return Map.ofEntries(
                Map.entry("server.port", "0"), Map.entry("database.url", pg.jdbcUrl("postgres")), Map.entry("database.pool-size", "20"),
                Map.entry("redis.url", redis.url()), Map.entry("inventory.simulator.latency-millis", "0"),
                Map.entry("inventory.simulator.code-probability", "0"), Map.entry("inventory.simulator.stock", "100000000"),
                Map.entry("workers.enabled", "false"), Map.entry("api.rate-limits.enabled", "false"),
                Map.entry("orders.max-live-activations", "1000000000"),
                // The simulator only, as before the sandbox had simulated upstreams: results stay comparable.
                Map.entry("sandbox.upstreams-enabled", "false"));
    }

    /**
     * For an outside load generator (bench/wrk-orders.sh): starts a node and the accounts, writes
     * their API keys to {@code keysFile}, prints the node's URL, then runs raw PostgreSQL on
     * request: each line read from standard input is "raw SECONDS CLIENTS MANY", answered with a
     * result row. Ends when standard input closes.
     */
    private static void serve(Path keysFile) throws Exception {
        Path data = Files.createTempDirectory("numpool-bench");
        try (LocalPostgres pg = LocalPostgres.start(data.resolve("pg")); LocalRedis redis = LocalRedis.start();
             Numpool node = Numpool.start(NumpoolConfig.of(nodeConfig(pg, redis)));
             Database db = Database.connect(pg.jdbcUrl("postgres"), null, null, 20);
             dev.numpool.db.Redis events = dev.numpool.db.Redis.connect(redis.url())) {
            List<NewApiKey> keys = accounts(db);
            Files.write(keysFile, keys.stream().map(NewApiKey::secret).toList());
            List<String[]> offers = offers(db);
            System.out.println("URL " + node.url());
            // For pgbench (bench/order.pgbench): the database's port, the bench accounts' ids
            // (created one after another, so a range), the node's PostgreSQL and Redis processes.
            long first = keys.getFirst().owner().value();
            long last = keys.getLast().owner().value();
            if (last - first + 1 != keys.size()) {
                throw new IllegalStateException("bench accounts' ids are not one range: " + first + ".." + last);
            }
            System.out.println("PG " + URI.create(pg.jdbcUrl("postgres").substring("jdbc:".length())).getPort() + " " + first + " " + last + " " + data.resolve("pg"));
            System.out.flush();
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] cmd = line.trim().split("\\s+");
                if (cmd[0].equals("raw")) {
                    Result r = raw(db, events, keys, Integer.parseInt(cmd[2]), Duration.ofSeconds(Integer.parseInt(cmd[1])), Boolean.parseBoolean(cmd[3]), offers);
                    System.out.println(r.row("raw PostgreSQL, " + (Boolean.parseBoolean(cmd[3]) ? "many offers" : "single offer")));
                    System.out.flush();
                }
            }
        }
    }

    record Result(long orders, long errors, Duration took, long p50Micros, long p99Micros) {
        double perSecond() {
            return orders / (took.toNanos() / 1e9);
        }

        String row(String name) {
            return "| %s | %.0f | %.1f | %.1f | %d |".formatted(name, perSecond(), p50Micros / 1000.0, p99Micros / 1000.0, errors);
        }

        @Override
        public String toString() {
            return "%.0f orders/s, p50 %.1f ms, p99 %.1f ms, %d errors".formatted(perSecond(), p50Micros / 1000.0, p99Micros / 1000.0, errors);
        }
    }

    private static List<NewApiKey> accounts(Database db) {
        Accounts accounts = Accounts.create(db, Clock.systemUTC());
        Ledger ledger = Ledger.create(db, Clock.systemUTC());
        List<NewApiKey> keys = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            NewApiKey key = accounts.createSandboxAccount("bench");
            ledger.creditSandbox(key.owner(), CREDIT_MICROS, "bench");
            keys.add(key);
        }
        return keys;
    }

    private static List<String[]> offers(Database db) {
        return db.dsl().fetch("select s.code, c.id from service s cross join country c").map(r -> new String[] {r.get(0, String.class), String.valueOf(r.get(1, Integer.class))});
    }

    /** Closed-loop clients: each sends its next order when the previous one answered. */
    private static Result http(String base, List<NewApiKey> keys, int clients, Duration run, boolean manyOffers, List<String[]> offers) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicLong sequence = new AtomicLong();
        return load(clients, run, (worker, random) -> {
            String[] offer = manyOffers ? offers.get(random.nextInt(offers.size())) : new String[] {"tg", "0"};
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/activations"))
                    .header("Authorization", "Bearer " + keys.get(worker % keys.size()).secret())
                    .header("Idempotency-Key", "bench-" + sequence.incrementAndGet() + "-" + System.nanoTime())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"service\":\"" + offer[0] + "\",\"country\":" + offer[1] + "}"))
                    .build();
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 201;
        });
    }

    /**
     * The order's database and Redis work, statement for statement, over plain JDBC and one Redis
     * publish, as the HTTP path does it (issue 15): the key claim, the balance and live count in
     * one select, the recorded sale, then {@code place_order} (hold, activation, sale state, stored
     * response in one statement) with an id from a block of 64, and the live event published
     * without waiting. Each statement autocommits, as on the HTTP path.
     */
    private static Result raw(Database db, dev.numpool.db.Redis redis, List<NewApiKey> keys, int clients, Duration run, boolean manyOffers,
                              List<String[]> offers) throws Exception {
        AtomicLong sequence = new AtomicLong(System.nanoTime() % 1_000_000);
        long[][] ledgers = new long[keys.size()][];
        for (int i = 0; i < keys.size(); i++) {
            AccountId owner = keys.get(i).owner();
            ledgers[i] = new long[] {owner.value(),
                    db.dsl().fetchSingle("select id from ledger_account where account_id = " + owner.value() + " and kind = 'wallet'").get(0, Long.class),
                    db.dsl().fetchSingle("select id from ledger_account where account_id = " + owner.value() + " and kind = 'held'").get(0, Long.class)};
        }
        byte[] fingerprint = MessageDigest.getInstance("SHA-256").digest("bench".getBytes());
        java.util.ArrayDeque<Integer> ids = new java.util.ArrayDeque<>();
        return load(clients, run, (worker, random) -> {
            long[] l = ledgers[worker % ledgers.length];
            String[] offer = manyOffers ? offers.get(random.nextInt(offers.size())) : new String[] {"tg", "0"};
            long n = sequence.incrementAndGet();
            String key = "raw-" + n + "-" + System.nanoTime();
            OffsetDateTime now = OffsetDateTime.now();
            try (Connection c = db.dataSource().getConnection()) {
                exec(c, "insert into idempotency_key (account_id, key, fingerprint, locked_until, created_at) values (?, ?, ?, ?, ?) on conflict do nothing",
                        l[0], key, fingerprint, now.plusMinutes(1), now);
                read(c, "select la.kind, la.balance_micros,"
                                + " (select count(*) from (select 1 from activation where account_id = ? and status in ('waiting_code', 'code_received') limit 1000000000) x)"
                                + " from ledger_account la where la.account_id = ? and la.kind in ('wallet', 'debt')", l[0], l[0]);
                long purchase = longOf(c, "insert into provider_purchase (account_id, provider, provider_ref, lease_until, created_at) values (?, 'simulator', ?, ?, ?) returning id",
                        l[0], "raw-" + n, now.plusMinutes(1), now);
                int id;
                synchronized (ids) {
                    if (ids.isEmpty()) {
                        try (PreparedStatement st = c.prepareStatement("select nextval(pg_get_serial_sequence('activation', 'id')) from generate_series(1, 64)");
                             ResultSet rs = st.executeQuery()) {
                            while (rs.next()) {
                                ids.add(rs.getInt(1));
                            }
                        }
                    }
                    id = ids.removeFirst();
                }
                String placed = stringOf(c, "select place_order(?, ?, ?, ?, 'any', 'simulator', ?, ?, 1125000, 900000, 'USD', ?, ?, ?, ?, ?, '{}'::jsonb, ?, ?, ?, 201, ?,"
                                + " 'hold', 'waiting_code', 'sold', 'recorded')",
                        id, l[0], offer[0], Integer.parseInt(offer[1]), "raw-" + n, "+7912" + String.format("%07d", n % 10_000_000), l[1], l[2],
                        now, now.plusMinutes(2), now.plusMinutes(20), purchase, key, now.plusMinutes(1), new byte[600]);
                redis.publishQuietly("numpool:live:" + l[0], "{\"type\":\"created\",\"activationId\":" + id + ",\"status\":\"waiting_code\"}");
                return placed.equals("placed");
            }
        });
    }

    @FunctionalInterface
    interface Call {
        boolean run(int worker, Random random) throws Exception;
    }

    private static Result load(int clients, Duration run, Call call) throws Exception {
        ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long started = System.nanoTime();
        long end = started + run.toNanos();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < clients; w++) {
                int worker = w;
                pool.submit(() -> {
                    Random random = new Random(worker);
                    long[] mine = new long[1 << 20];
                    int count = 0;
                    while (System.nanoTime() < end && count < mine.length) {
                        long t0 = System.nanoTime();
                        boolean success;
                        try {
                            success = call.run(worker, random);
                        } catch (Exception e) {
                            success = false;
                        }
                        if (success) {
                            ok.incrementAndGet();
                            mine[count++] = (System.nanoTime() - t0) / 1000;
                        } else {
                            errors.incrementAndGet();
                        }
                    }
                    latencies.add(Arrays.copyOf(mine, count));
                    return null;
                });
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        long p50 = all.length == 0 ? 0 : all[all.length / 2];
        long p99 = all.length == 0 ? 0 : all[Math.min(all.length - 1, (int) (all.length * 0.99))];
        return new Result(ok.get(), errors.get(), took, p50, p99);
    }

    private static String stringOf(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement st = prepare(c, sql, params); ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Runs a query and reads its rows, as the node does with what it selects. */
    private static void read(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement st = prepare(c, sql, params); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                rs.getObject(1);
            }
        }
    }

    private static void exec(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement st = prepare(c, sql, params)) {
            st.executeUpdate();
        }
    }

    private static long longOf(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement st = prepare(c, sql, params); ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement st = c.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            st.setObject(i + 1, params[i]);
        }
        return st;
    }
}
