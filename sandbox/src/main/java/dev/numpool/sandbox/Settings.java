package dev.numpool.sandbox;

import io.helidon.config.Config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The settings of the simulated upstreams, from the {@code sandbox} config node: the limits they
 * share, and per upstream (the list {@code upstreams}) what it sells and how it behaves.
 */
record Settings(List<Upstream> upstreams, int maxActivations, int maxConcurrentRequests, Duration stallMax,
                Duration pushRetry, int pushAttempts, Optional<Long> seed) {
    /** A name Numpool can use for the provider in front of it (inventory's rule). */
    private static final String NAME = "[a-z0-9-]{1,32}";
    private static final Set<String> PROTOCOLS = Set.of("sms-activate", "5sim", "agent");

    /**
     * One simulated upstream. {@code costMicros} is what one number costs the buyer on every
     * offer (services × countries), {@code stock} the numbers per offer; {@code failureRate} the
     * share of purchases answered with the protocol's own error, {@code deliveryRate} the share
     * of numbers that ever receive a code, after {@code codeDelayMin}..{@code codeDelayMax}.
     * {@code clientTimeout} and {@code pollsPerSecond} are for Numpool's client of it.
     */
    record Upstream(String name, String protocol, int port, long costMicros, int stock, List<String> services, List<Integer> countries,
                    Duration latency, double failureRate, double deliveryRate, Duration codeDelayMin, Duration codeDelayMax,
                    Duration window, Duration clientTimeout, int pollsPerSecond, long balanceMicros) {
    }

    static Settings from(Config config) {
        List<Upstream> upstreams = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Config u : config.get("upstreams").asNodeList().orElse(List.of())) {
            Upstream upstream = upstream(u);
            if (!names.add(upstream.name())) {
                throw new IllegalArgumentException("sandbox: two upstreams are called '" + upstream.name() + "'");
            }
            upstreams.add(upstream);
        }
        if (upstreams.size() > 16) {
            throw new IllegalArgumentException("sandbox: at most 16 upstreams");
        }
        return new Settings(List.copyOf(upstreams),
                within("max-activations", config.get("max-activations").asInt().orElse(10_000), 100, 1_000_000),
                within("max-concurrent-requests", config.get("max-concurrent-requests").asInt().orElse(64), 1, 10_000),
                Duration.ofSeconds(within("stall-max-seconds", config.get("stall-max-seconds").asInt().orElse(60), 1, 600)),
                Duration.ofSeconds(within("push-retry-seconds", config.get("push-retry-seconds").asInt().orElse(10), 1, 600)),
                within("push-attempts", config.get("push-attempts").asInt().orElse(30), 1, 1_000),
                config.get("seed").asLong().asOptional());
    }

    private static Upstream upstream(Config u) {
        String name = u.get("name").asString().orElseThrow(() -> new IllegalArgumentException("sandbox: every upstream needs a name"));
        if (!name.matches(NAME) || name.equals("simulator")) {
            throw new IllegalArgumentException("sandbox: upstream name '" + name + "' must be 1-32 of [a-z0-9-] and not 'simulator'");
        }
        String protocol = u.get("protocol").asString().orElseThrow(() -> new IllegalArgumentException("sandbox: upstream " + name + " needs a protocol"));
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException("sandbox: upstream " + name + ": protocol is sms-activate, 5sim or agent, not '" + protocol + "'");
        }
        List<String> services = u.get("services").asList(String.class).orElse(List.of("tg", "wa", "go", "fb", "ig", "ds"));
        for (String s : services) {
            Names.service(s).orElseThrow(() -> new IllegalArgumentException("sandbox: upstream " + name + ": no service '" + s
                    + "' (known: " + Names.SERVICES.stream().map(Names.Service::code).toList() + ")"));
        }
        List<Integer> countries = u.get("countries").asList(Integer.class).orElse(List.of(0, 16, 187, 22, 73, 6));
        for (int c : countries) {
            Names.country(c).orElseThrow(() -> new IllegalArgumentException("sandbox: upstream " + name + ": no country " + c
                    + " (known: " + Names.COUNTRIES.stream().map(Names.Country::id).toList() + ")"));
        }
        long delayMin = u.get("code-delay-min-seconds").asLong().orElse(3L);
        long delayMax = u.get("code-delay-max-seconds").asLong().orElse(15L);
        if (delayMin < 0 || delayMax < delayMin || delayMax > 3_600) {
            throw new IllegalArgumentException("sandbox: upstream " + name + ": 0 <= code-delay-min-seconds <= code-delay-max-seconds <= 3600");
        }
        return new Upstream(name, protocol,
                within(name + ".port", u.get("port").asInt().orElse(0), 0, 65_535),
                micros(name, u.get("cost").asString().orElse("0.10")),
                within(name + ".stock", u.get("stock").asInt().orElse(500), 0, 1_000_000),
                List.copyOf(services), List.copyOf(countries),
                Duration.ofMillis(within(name + ".latency-millis", u.get("latency-millis").asInt().orElse(40), 0, 30_000)),
                share(name, "failure-rate", u.get("failure-rate").asDouble().orElse(0.0)),
                share(name, "delivery-rate", u.get("delivery-rate").asDouble().orElse(0.9)),
                Duration.ofSeconds(delayMin), Duration.ofSeconds(delayMax),
                Duration.ofSeconds(within(name + ".window-seconds", u.get("window-seconds").asInt().orElse(1_200), 60, 86_400)),
                Duration.ofMillis(within(name + ".timeout-millis", u.get("timeout-millis").asInt().orElse(2_000), 100, 60_000)),
                within(name + ".polls-per-second", u.get("polls-per-second").asInt().orElse(10), 1, 1_000),
                micros(name, u.get("balance").asString().orElse("1000.00")));
    }

    private static long micros(String name, String decimal) {
        try {
            BigDecimal value = new BigDecimal(decimal.strip());
            if (value.signum() <= 0 || value.compareTo(BigDecimal.valueOf(1_000)) > 0) {
                throw new IllegalArgumentException("sandbox: upstream " + name + ": cost and balance are above 0 and at most 1000");
            }
            return value.movePointRight(6).setScale(0, RoundingMode.UNNECESSARY).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("sandbox: upstream " + name + ": cost must be a decimal with at most 6 places, not '" + decimal + "'");
        }
    }

    private static double share(String name, String key, double value) {
        if (value < 0 || value > 1) {
            throw new IllegalArgumentException("sandbox: upstream " + name + ": " + key + " is 0 to 1");
        }
        return value;
    }

    private static int within(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("sandbox: " + key + " is " + min + " to " + max + ", not " + value);
        }
        return value;
    }
}
