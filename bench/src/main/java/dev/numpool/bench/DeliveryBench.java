package dev.numpool.bench;

import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * How long a code takes from the SMS reaching Numpool to the customer: by signed webhook and by
 * live stream ({@code GET /v1/events}), measured from outside the node. {@code ./numpool bench
 * delivery} starts a node in its own process and runs this against it (see BENCHMARKS.md).
 *
 * <p>Each scenario makes fresh sandbox accounts, each with a webhook endpoint on this process's
 * {@link WebhookReceiver}, a live stream and activations, all through the public API. It then
 * injects SMS through {@code POST /v1/sandbox/sms} open-loop: each is sent at its planned time
 * whether or not earlier ones were answered, and latency counts from that planned time, so a
 * node that stalls cannot hide the stall by slowing the sender (coordinated omission). After a
 * drain period, what never arrived counts as lost; the endpoints are then deleted, which gives
 * up their pending deliveries, so one scenario's backlog does not slow the next.
 */
public final class DeliveryBench {
    /**
     * Activations bought per account at most ({@code bench/delivery.sh} lets an account hold
     * 40,000 live ones; Numpool's default is 100: against such a node pass
     * {@code --activations-per-account 100}). An activation's events are delivered one after
     * another, so several SMS on one activation at once would measure that ordering rather than
     * delivery: with 3,000 activations, SMS go round robin and one activation gets its next SMS
     * seconds after the last (every 6 s at 500 SMS/s), long after that one was delivered. More
     * would only lengthen the setup: an order counts its account's live activations.
     */
    private static final int DEFAULT_ACTIVATIONS_PER_ACCOUNT = 3_000;
    /** The sandbox's play money; more is credited through the operator API when a scenario needs it. */
    private static final long SANDBOX_CREDIT_MICROS = 100_000_000L;
    /** Codes are 6 digits, one per SMS of a scenario: 900,000 of them at most. */
    private static final int FIRST_CODE = 100_000;
    private static final int MAX_SMS_PER_SCENARIO = 900_000;
    /** Injections still unanswered past this are not sent: counted as failed, never queued. */
    private static final int MAX_IN_FLIGHT = 2_000;
    private static final int SETUP_CONCURRENCY = 8;
    private static final Duration SETTLE = Duration.ofSeconds(3);
    private static final int WARM_UP_RATE = 50;

    private final NumpoolClient client;
    private final WebhookReceiver receiver;
    private final Machine machine;
    private final Options options;
    private final List<String> notes = new ArrayList<>();

    private DeliveryBench(NumpoolClient client, WebhookReceiver receiver, Machine machine, Options options) {
        this.client = client;
        this.receiver = receiver;
        this.machine = machine;
        this.options = options;
    }

    /**
     * {@code --url URL [--pid PID] [--data-dir DIR] [--clock-ticks N] [--rates 50,200,500,1000] [--accounts 1,100]
     * [--seconds S] [--drain-seconds 10] [--activations-per-account 3000] [--warm-up-seconds 5] [--skip-idle]
     * [--operator-token T]}.
     */
    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            Machine machine = new Machine(options.pid(), options.dataDir(), options.clockTicks());
            new DeliveryBench(new NumpoolClient(options.url()), receiver, machine, options).run();
        }
        // The HTTP clients' pooled connections and streams must not keep this JVM alive.
        System.exit(0);
    }

    record Options(URI url, OptionalLong pid, Optional<String> dataDir, long clockTicks, List<Integer> rates, List<Integer> accounts,
                   OptionalLong seconds, int drainSeconds, int activationsPerAccount, int warmUpSeconds, boolean idle,
                   Optional<String> operatorToken) {
        private static final Set<String> OPTIONS = Set.of("url", "pid", "data-dir", "clock-ticks", "rates", "accounts",
                "seconds", "drain-seconds", "activations-per-account", "warm-up-seconds", "operator-token");

        static Options parse(String[] args) {
            Map<String, String> given = new LinkedHashMap<>();
            boolean idle = true;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--skip-idle")) {
                    idle = false;
                } else if (args[i].startsWith("--") && i + 1 < args.length) {
                    given.put(args[i].substring(2), args[++i]);
                } else {
                    throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            given.keySet().stream().filter(k -> !OPTIONS.contains(k)).findFirst().ifPresent(k -> {
                throw new IllegalArgumentException("unknown option --" + k + "; known: " + OPTIONS + " and --skip-idle");
            });
            if (!given.containsKey("url")) {
                throw new IllegalArgumentException("--url of the running node is required");
            }
            return new Options(URI.create(given.get("url")),
                    given.containsKey("pid") ? OptionalLong.of(Long.parseLong(given.get("pid"))) : OptionalLong.empty(),
                    Optional.ofNullable(given.get("data-dir")),
                    Long.parseLong(given.getOrDefault("clock-ticks", "100")),
                    numbers(given.getOrDefault("rates", "50,200,500,1000")),
                    numbers(given.getOrDefault("accounts", "1,100")),
                    given.containsKey("seconds") ? OptionalLong.of(Long.parseLong(given.get("seconds"))) : OptionalLong.empty(),
                    Integer.parseInt(given.getOrDefault("drain-seconds", "10")),
                    Integer.parseInt(given.getOrDefault("activations-per-account", Integer.toString(DEFAULT_ACTIVATIONS_PER_ACCOUNT))),
                    Integer.parseInt(given.getOrDefault("warm-up-seconds", "5")),
                    idle,
                    Optional.ofNullable(given.get("operator-token")));
        }

        private static List<Integer> numbers(String list) {
            return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).map(Integer::valueOf).toList();
        }

        /** 30 s at 500 SMS/s, where the steady state matters most; 15 s otherwise; unless given. */
        int secondsAt(int rate) {
            return (int) seconds.orElse(rate == 500 ? 30 : 15);
        }
    }

    /** One scenario's customer: an account with its endpoint, live stream and activations. */
    private record Customer(String key, NumpoolClient.Endpoint endpoint, String url, List<Long> activations,
                            NumpoolClient.EventStream events) {
    }

    /** A scenario that is not {@code reported} only warms the node up (its JIT, pools and caches). */
    private record Scenario(String name, int accounts, int rate, int seconds, boolean reported) {
        long sms() {
            return (long) rate * seconds;
        }
    }

    private void run() throws Exception {
        List<NumpoolClient.Offer> offers = client.cheapestOffers(20);
        if (offers.isEmpty()) {
            throw new IllegalStateException("the catalogue has no offer with stock");
        }
        System.out.println("| scenario | accounts | activations | SMS per activation | rate/s | s | injected | 2xx | failed injections "
                + "| SMS answered p50 / p99 / max ms | SMS→webhook p50 / p99 / max ms | SMS→SSE p50 / p99 / max ms | duplicate webhooks | lost webhooks | lost SSE "
                + "| Numpool CPU % (JVM / +PG+Redis) | load 1m before → after |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        if (options.warmUpSeconds() > 0) {
            scenario(new Scenario("warm-up", 10, WARM_UP_RATE, options.warmUpSeconds(), false), offers);
        }
        for (int rate : options.rates()) {
            for (int accounts : options.accounts()) {
                scenario(new Scenario(accounts + (accounts == 1 ? " account" : " accounts") + " at " + rate + "/s",
                        accounts, rate, options.secondsAt(rate), true), offers);
            }
        }
        if (options.idle()) {
            idle(offers);
        }
        System.out.println();
        notes.forEach(n -> System.out.println("- " + n));
    }

    /**
     * The idle check: the node's CPU with nothing happening, then one SMS every 500 ms for 20 s,
     * the latency a lone customer sees.
     */
    private void idle(List<NumpoolClient.Offer> offers) throws Exception {
        Thread.sleep(SETTLE.toMillis());
        Machine.Sample from = machine.sample();
        Thread.sleep(10_000);
        Machine.Sample to = machine.sample();
        notes.add("idle node, 10 s with nothing happening: Numpool JVM " + Machine.jvmPercent(from, to) + " % of a core, with PostgreSQL and Redis "
                + Machine.treePercent(from, to) + " %; load " + from.loadAverage() + " → " + to.loadAverage() + ".");
        scenario(new Scenario("idle: 1 SMS every 500 ms", 1, 2, 20, true), offers);
    }

    private void scenario(Scenario scenario, List<NumpoolClient.Offer> offers) throws Exception {
        if (scenario.sms() > MAX_SMS_PER_SCENARIO) {
            throw new IllegalArgumentException(scenario.name() + " would send more SMS than 6-digit codes can tell apart");
        }
        System.err.println("== " + scenario.name() + ": setting up");
        Tally tally = new Tally();
        int perAccount = (int) Math.min(options.activationsPerAccount(), Math.ceilDiv(scenario.sms(), scenario.accounts()));
        long setupStarted = System.nanoTime();
        Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
        List<Customer> customers = setUp(scenario.accounts(), perAccount, offers, tally, refusals);
        try {
            List<Customer> buying = customers.stream().filter(c -> !c.activations().isEmpty()).toList();
            int activations = buying.stream().mapToInt(c -> c.activations().size()).sum();
            if (activations == 0) {
                throw new IllegalStateException(scenario.name() + ": no activation could be bought: " + refusals);
            }
            long perActivation = Math.ceilDiv(scenario.sms(), activations);
            if (scenario.reported()) {
                notes.add(scenario.name() + ": set up " + customers.size() + (customers.size() == 1 ? " account" : " accounts") + " and " + activations + " activations in "
                        + seconds(System.nanoTime() - setupStarted) + " s"
                        + (perActivation > 1 ? "; up to " + perActivation + " SMS per activation (each with its own code, matched by code), since an account"
                        + " holds at most " + options.activationsPerAccount() + " live activations" : "")
                        + (refusals.isEmpty() ? "" : "; orders refused: " + refusals) + ".");
            }
            Thread.sleep(SETTLE.toMillis());

            System.err.println("== " + scenario.name() + ": injecting " + scenario.sms() + " SMS");
            Machine.Sample before = machine.sample();
            long start = System.nanoTime();
            long lateNanos = inject(buying, scenario, tally, start);
            long sendingEnded = start + TimeUnit.SECONDS.toNanos(scenario.seconds());
            long drained = drain(tally, sendingEnded, sendingEnded + TimeUnit.SECONDS.toNanos(options.drainSeconds()));
            Machine.Sample after = machine.sample();

            Tally.Result r = tally.result();
            if (!scenario.reported()) {
                notes.add(scenario.name() + ": " + r.injected() + " SMS at " + scenario.rate() + "/s to " + customers.size()
                        + " accounts before the scenarios, not in the table.");
                return;
            }
            System.out.printf("| %s | %d | %d | %d | %d | %d | %d | %d | %s | %s | %s | %s | %d | %d | %d | %s / %s | %s → %s |%n",
                    scenario.name(), customers.size(), activations, perActivation, scenario.rate(), scenario.seconds(), r.injected(), r.accepted(),
                    r.failedText(), r.answer(), r.webhook(), r.event(), r.duplicateWebhooks(), r.lostWebhooks(), r.lostEvents(),
                    Machine.jvmPercent(before, after), Machine.treePercent(before, after), before.loadAverage(), after.loadAverage());
            System.out.flush();
            notes.add(scenario.name() + ": sending ran at most " + TimeUnit.NANOSECONDS.toMillis(lateNanos) + " ms behind plan; "
                    + (r.lostWebhooks() + r.lostEvents() == 0 ? "everything arrived " + seconds(drained) + " s after the sending period"
                    : "drain gave up " + options.drainSeconds() + " s after the sending period")
                    + "; this load generator used " + Machine.benchPercent(before, after) + " % of a core"
                    + (r.badSignatures() > 0 ? "; BAD SIGNATURES: " + r.badSignatures() : "")
                    + (r.strangers() > 0 ? "; webhooks for SMS never sent: " + r.strangers() : "") + ".");
        } finally {
            tearDown(customers);
        }
    }

    /** Accounts, endpoints, live streams and activations, a few accounts at a time. */
    private List<Customer> setUp(int accounts, int perAccount, List<NumpoolClient.Offer> offers, Tally tally,
                                 Map<String, LongAdder> refusals) throws Exception {
        AtomicInteger offer = new AtomicInteger();
        List<Future<Customer>> futures = new ArrayList<>();
        try (ExecutorService setup = Executors.newFixedThreadPool(SETUP_CONCURRENCY)) {
            for (int i = 0; i < accounts; i++) {
                futures.add(setup.submit(() -> customer(perAccount, offers, offer, tally, refusals)));
            }
        }
        List<Customer> customers = new ArrayList<>();
        for (Future<Customer> f : futures) {
            customers.add(f.get());
        }
        return customers;
    }

    private Customer customer(int activations, List<NumpoolClient.Offer> offers, AtomicInteger offer, Tally tally,
                              Map<String, LongAdder> refusals) throws Exception {
        NumpoolClient.Account account = client.createSandboxAccount();
        String key = account.key();
        long needed = activations * offers.getLast().priceMicros();
        if (needed > SANDBOX_CREDIT_MICROS && options.operatorToken().isPresent()) {
            client.credit(options.operatorToken().get(), account.id(), needed);
        }
        String url = receiver.subscribe(tally);
        NumpoolClient.Endpoint endpoint = client.createEndpoint(key, url);
        receiver.secret(url, endpoint.secret());
        NumpoolClient.EventStream events = client.openEvents(key, tally);
        if (!events.awaitConnected(Duration.ofSeconds(10))) {
            throw new IllegalStateException("GET /v1/events did not connect within 10 s");
        }
        List<Long> bought = new ArrayList<>();
        boolean done = false;
        // Bounded: every refusal either ends this account's buying or moves to the next offer.
        for (int attempts = 0; !done && bought.size() < activations && attempts < activations + offers.size(); attempts++) {
            int o = offer.get();
            if (o >= offers.size()) {
                break;
            }
            switch (client.buy(key, offers.get(o))) {
                case NumpoolClient.Purchase.Bought b -> bought.add(b.activationId());
                case NumpoolClient.Purchase.Refused r -> {
                    refusals.computeIfAbsent(r.status() + " " + r.problemType(), t -> new LongAdder()).increment();
                    if (r.problemType().endsWith("/no-numbers") || r.problemType().endsWith("/price-above-max")) {
                        offer.compareAndSet(o, o + 1); // that offer ran dry: every account moves on
                    } else {
                        done = true; // too many live activations, or no money left: this account has what it can get
                    }
                }
            }
        }
        return new Customer(key, endpoint, url, List.copyOf(bought), events);
    }

    /**
     * Sends the scenario's SMS open-loop, round robin over accounts and then over each account's
     * activations; returns how far behind plan the sender itself ever was, in nanoseconds.
     */
    private long inject(List<Customer> customers, Scenario scenario, Tally tally, long start) {
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        List<CompletableFuture<?>> answers = new ArrayList<>();
        long late = 0;
        for (long i = 0; i < scenario.sms(); i++) {
            long planned = start + i * 1_000_000_000L / scenario.rate();
            for (long now = System.nanoTime(); now < planned; now = System.nanoTime()) {
                LockSupport.parkNanos(planned - now);
            }
            late = Math.max(late, System.nanoTime() - planned);
            Customer c = customers.get((int) (i % customers.size()));
            long activation = c.activations().get((int) ((i / customers.size()) % c.activations().size()));
            String code = Long.toString(FIRST_CODE + i);
            String key = Tally.key(activation, code);
            tally.sending(key, planned);
            if (!inFlight.tryAcquire()) {
                tally.failed("not sent (" + MAX_IN_FLIGHT + " unanswered)");
                continue;
            }
            answers.add(client.injectSms(c.key(), activation, "Your code is " + code).whenComplete((res, error) -> {
                inFlight.release();
                if (error == null) {
                    tally.answered(key, res.statusCode(), System.nanoTime());
                } else {
                    tally.failed(reason(error));
                }
            }));
        }
        try {
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                    .exceptionally(e -> null).get(NumpoolClient.INJECT_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("some injections were still unanswered: " + e);
        }
        return late;
    }

    /** Waits until every accepted SMS came back both ways, or the deadline; returns how long that was after sending ended. */
    private static long drain(Tally tally, long sendingEnded, long deadline) throws InterruptedException {
        while (!tally.complete() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return Math.max(0, System.nanoTime() - sendingEnded);
    }

    private void tearDown(List<Customer> customers) {
        for (Customer c : customers) {
            try {
                client.deleteEndpoint(c.key(), c.endpoint().id());
            } catch (Exception e) {
                System.err.println("could not delete a webhook endpoint: " + e);
            }
            receiver.unsubscribe(c.url());
            c.events().close();
        }
    }

    private static String reason(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof HttpConnectTimeoutException) {
            return "connect timeout";
        }
        if (e instanceof HttpTimeoutException) {
            return "timeout";
        }
        return e.getClass().getSimpleName();
    }

    private static String seconds(long nanos) {
        return String.format("%.1f", nanos / 1e9);
    }
}
