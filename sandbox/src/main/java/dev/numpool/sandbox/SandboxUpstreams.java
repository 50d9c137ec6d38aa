package dev.numpool.sandbox;

import io.helidon.config.Config;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The sandbox's simulated upstream marketplaces: one door to start them, to say how to reach
 * them, and to flip each one's {@link Chaos} switch.
 *
 * <p>Each upstream listens on 127.0.0.1 and speaks a real wire protocol: {@code sms-activate}
 * (its handler API at {@code /stubs/handler_api.php}), {@code 5sim} (REST v1) or {@code agent}
 * (the SIM-bank side of the hub protocol, at {@code /api}, pushing SMS to the hub given by
 * {@link #pushTo}). Each sells its own offers at its own cost and stock, answers after its own
 * latency, fails a share of purchases, and delivers a code to a share of its numbers after a
 * delay. A client reaches one with the URL and the key {@link #upstreams()} gives, exactly as it
 * would reach a real marketplace: nothing here knows who calls it.
 */
public final class SandboxUpstreams implements AutoCloseable {
    /**
     * One running upstream: how a client reaches it ({@code url}, {@code apiKey}), how patient
     * that client should be ({@code clientTimeout}) and how often it may poll, what one number
     * costs there, and its chaos mode now.
     */
    public record Upstream(String name, String protocol, URI url, String apiKey, Duration clientTimeout, int pollsPerSecond,
                           long costMicros, Chaos chaos) {
        @Override
        public String toString() {
            return "Upstream[" + name + ", " + protocol + ", " + url + ", " + chaos.wire() + "]"; // never the key
        }
    }

    private record Running(Settings.Upstream settings, URI url, String apiKey, HttpFront front, Market market, Optional<RentMarket> rents,
                           Optional<AgentUpstream> agent) {
        Upstream view() {
            return new Upstream(settings.name(), settings.protocol(), url, apiKey, settings.clientTimeout(), settings.pollsPerSecond(),
                    settings.costMicros(), front.chaos());
        }
    }

    /** How Numpool's sms-activate client names a rental: {@code rent-} and the upstream's rental id. */
    private static final String RENTAL_REF = "rent-[0-9]{1,18}";

    private final List<Running> running;

    private SandboxUpstreams(List<Running> running) {
        this.running = List.copyOf(running);
    }

    /**
     * Starts the upstreams of the {@code sandbox} config node: {@code upstreams}, a list of
     * {@code {name, protocol: sms-activate | 5sim | agent, port, cost, stock, services, countries,
     * latency-millis, failure-rate, delivery-rate, code-delay-min-seconds, code-delay-max-seconds,
     * window-seconds, timeout-millis, polls-per-second, balance}}, and the limits they share:
     * {@code max-activations} (kept per upstream), {@code max-concurrent-requests} (per upstream),
     * {@code stall-max-seconds}, {@code push-retry-seconds}, {@code push-attempts}, and an optional
     * {@code seed} for repeatable runs. Each gets a fresh random API key.
     */
    public static SandboxUpstreams start(Config config, Clock clock) {
        Settings settings = Settings.from(config);
        SecureRandom keys = new SecureRandom();
        List<Running> running = new ArrayList<>();
        try {
            for (int i = 0; i < settings.upstreams().size(); i++) {
                Settings.Upstream u = settings.upstreams().get(i);
                int index = i;
                Random random = settings.seed().map(seed -> new Random(seed + index)).orElseGet(Random::new);
                // Ids start at a random point of the 32-bit range sms-activate clients expect: Numpool's
                // data outlives a restart of the sandbox, and a second run must not sell the ids of the first.
                Market market = new Market(u, settings.maxActivations(), clock, random, 1_000_000_000L + random.nextInt(1_000_000_000));
                byte[] secret = new byte[24];
                keys.nextBytes(secret);
                String apiKey = "sbx_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
                running.add(switch (u.protocol()) {
                    case "sms-activate" -> {
                        // Only this protocol has a rent API; its rental ids are apart from its activations'.
                        RentMarket rents = new RentMarket(u, market, settings.maxActivations(), clock, random, 1_000_000L + random.nextInt(1_000_000));
                        HttpFront front = new HttpFront(u.port(), SmsActivateUpstream.PATH, new SmsActivateUpstream(market, rents, apiKey), u.latency(),
                                settings.maxConcurrentRequests(), settings.stallMax());
                        yield new Running(u, URI.create(front.root() + SmsActivateUpstream.PATH), apiKey, front, market, Optional.of(rents), Optional.empty());
                    }
                    case "5sim" -> {
                        HttpFront front = new HttpFront(u.port(), "/", new FiveSimUpstream(market, apiKey), u.latency(),
                                settings.maxConcurrentRequests(), settings.stallMax());
                        yield new Running(u, front.root(), apiKey, front, market, Optional.empty(), Optional.empty());
                    }
                    default -> {
                        AgentUpstream agent = new AgentUpstream(u.name(), market, apiKey, clock, settings.pushRetry(), settings.pushAttempts(),
                                settings.maxActivations());
                        try {
                            HttpFront front = new HttpFront(u.port(), "/api", agent, u.latency(), settings.maxConcurrentRequests(), settings.stallMax());
                            yield new Running(u, URI.create(front.root() + "/api"), apiKey, front, market, Optional.empty(), Optional.of(agent));
                        } catch (RuntimeException e) {
                            agent.close();
                            throw e;
                        }
                    }
                });
            }
        } catch (RuntimeException e) {
            running.forEach(SandboxUpstreams::stop);
            throw e;
        }
        return new SandboxUpstreams(running);
    }

    /** Every upstream, in the order configured. */
    public List<Upstream> upstreams() {
        return running.stream().map(Running::view).toList();
    }

    public Optional<Upstream> upstream(String name) {
        return find(name).map(Running::view);
    }

    /** Switches the upstream's chaos mode, at once for every later request; empty when there is no such upstream. */
    public Optional<Upstream> chaos(String name, Chaos mode) {
        return find(name).map(r -> {
            r.front().chaos(mode);
            return r.view();
        });
    }

    /**
     * An SMS the sandbox's user sends to the number of activation {@code activationId} at upstream
     * {@code name}, as if the number had received it: from now on its protocol shows it (an agent
     * pushes it to the hub). False when there is no such upstream or activation, it is no longer
     * live, or the upstream's protocol could not show the SMS: then no upstream will deliver it.
     */
    public boolean receive(String name, String activationId, String sender, String text) {
        Optional<Running> upstream = find(name);
        if (upstream.isEmpty()) {
            return false;
        }
        // A rental, as Numpool's sms-activate client names it: its rent API shows every SMS, text and all.
        if (activationId.matches(RENTAL_REF)) {
            return upstream.get().rents().flatMap(r -> r.receive(Long.parseLong(activationId.substring(activationId.indexOf('-') + 1)), sender, text))
                    .isPresent();
        }
        if (!activationId.matches("[0-9]{1,18}")) {
            return false;
        }
        if (upstream.get().settings().protocol().equals("sms-activate") && Market.naiveCode(text).isEmpty()) {
            return false; // its getStatus carries a code, not a text: an SMS it reads no code in would never be seen
        }
        Optional<Market.Received> received = upstream.get().market().receive(Long.parseLong(activationId), sender, text);
        received.ifPresent(r -> upstream.get().agent().ifPresent(agent -> agent.pushNow(r)));
        return received.isPresent();
    }

    /**
     * Where the agents push their SMS: {@code <numpool>/agent/<upstream name>}, the hub endpoint
     * Numpool serves for a provider of that name. Until this is called, pushes are retried.
     */
    public void pushTo(URI numpool) {
        String base = numpool.toString().replaceAll("/+$", "");
        running.forEach(r -> r.agent().ifPresent(a -> a.hub(URI.create(base + "/agent/" + r.settings().name()))));
    }

    @Override
    public void close() {
        running.forEach(SandboxUpstreams::stop);
    }

    private Optional<Running> find(String name) {
        return running.stream().filter(r -> r.settings().name().equals(name)).findFirst();
    }

    private static void stop(Running r) {
        r.front().close();
        r.agent().ifPresent(AgentUpstream::close);
    }
}
