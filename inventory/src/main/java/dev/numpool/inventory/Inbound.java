package dev.numpool.inventory;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * SMS coming in from providers: pushed (the pool's webhooks, agents, sms-activate upstreams with
 * a customer webhook) or fetched, by polling per activation or sweeping a provider's list of its
 * live activations, within each provider's request budget.
 */
final class Inbound {
    private static final Logger LOG = Logger.getLogger(Inbound.class.getName());
    /** Polling requests a second per provider and node, unless its config says {@code polls-per-second}. */
    private static final double DEFAULT_POLLS_PER_SECOND = 10;
    /** List requests one sweep step may send, whatever the budget holds: a bound on one tick's work. */
    private static final int MAX_LIST_REQUESTS_PER_STEP = 100;
    /**
     * After a pass that found no live activation, the next pass waits this long: an idle
     * upstream is asked twice a second at most, not at every tick, and a new sale is seen in time.
     */
    private static final long IDLE_SWEEP_NANOS = Duration.ofMillis(2_000).toNanos();

    private final Providers providers;
    private final Map<String, RequestBudget> pollBudgets;
    /** Per provider, the nanoTime before which no new sweep pass starts (its last one was empty). */
    private final Map<String, Long> idleUntilNanos = new ConcurrentHashMap<>();

    Inbound(Providers providers, Map<String, Double> pollRequestsPerSecond) {
        this.providers = providers;
        this.pollBudgets = providers.all().stream().collect(Collectors.toUnmodifiableMap(Provider::name,
                p -> new RequestBudget(pollRequestsPerSecond.getOrDefault(p.name(), DEFAULT_POLLS_PER_SECOND), System::nanoTime)));
    }

    /** See {@link Inventory#listen}. */
    void listen(SmsListener listener) {
        providers.all().forEach(p -> p.listen(listener));
    }

    InboundResult receiveTwilio(String url, Map<String, String> params, Optional<String> signature) {
        return providers.pool().map(p -> p.receiveTwilio(url, params, signature)).orElseGet(() -> new InboundResult.NotConfigured("the pool"));
    }

    InboundResult receiveSmsGate(byte[] body, Optional<String> signature, Optional<String> timestamp) {
        return providers.pool().map(p -> p.receiveSmsGate(body, signature, timestamp)).orElseGet(() -> new InboundResult.NotConfigured("the pool"));
    }

    /** See {@link Inventory#receiveSmsActivatePush}. */
    InboundResult receiveSmsActivatePush(String provider, String secret, String source, JsonNode push) {
        return providers.named(provider) instanceof SmsActivateProvider upstream && upstream.acceptsPush()
                ? upstream.receivePush(secret, source, push) : new InboundResult.NotConfigured("no sms-activate webhook named " + provider);
    }

    InboundResult receiveAgentPush(String provider, JsonNode push) {
        return providers.named(provider) instanceof AgentProvider agent
                ? agent.receivePush(push) : new InboundResult.NotConfigured("no agent named " + provider);
    }

    /** See {@link Inventory#polledProviders}. */
    List<String> polledProviders() {
        return providers.all().stream().filter(p -> !p.inProcess() && !p.pushes()).map(Provider::name).toList();
    }

    /** See {@link Inventory#pollBudget}. */
    int pollBudget(String provider, int wanted) {
        RequestBudget budget = pollBudgets.get(provider);
        return budget == null ? 0 : budget.take(Math.min(wanted, Provider.MAX_REFS_PER_POLL));
    }

    void unusedPollBudget(String provider, int unused) {
        RequestBudget budget = pollBudgets.get(provider);
        if (budget != null) {
            budget.giveBack(unused);
        }
    }

    /** See {@link Inventory#sweep}. */
    Optional<List<InboundSms>> sweep(String provider) {
        Provider p = providers.named(provider);
        RequestBudget budget = pollBudgets.get(provider);
        if (p == null || budget == null) {
            return Optional.empty();
        }
        if (!providers.circuit(provider).notOpen()) {
            return Optional.of(List.of());
        }
        Long idleUntil = idleUntilNanos.get(provider);
        if (idleUntil != null && System.nanoTime() - idleUntil < 0) {
            return Optional.of(List.of());
        }
        int granted = budget.take(MAX_LIST_REQUESTS_PER_STEP);
        if (granted == 0) {
            return Optional.of(List.of());
        }
        Provider.Sweep step;
        try {
            step = p.sweep(granted);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, provider + " threw on sweep", e);
            step = new Provider.Sweep.Listed(List.of(), granted, false, 0);
        }
        budget.giveBack(granted - Math.min(granted, step.requests()));
        return switch (step) {
            case Provider.Sweep.Unsupported unsupported -> Optional.empty();
            case Provider.Sweep.Listed listed -> {
                if (listed.passEnded() && listed.listed() == 0) {
                    idleUntilNanos.put(provider, System.nanoTime() + IDLE_SWEEP_NANOS);
                } else {
                    idleUntilNanos.remove(provider);
                }
                yield Optional.of(listed.received());
            }
        };
    }

    /** See {@link Inventory#poll}. */
    List<InboundSms> poll(String provider, List<String> providerRefs) {
        Provider p = providers.named(provider);
        if (p == null || providerRefs.isEmpty() || !providers.circuit(provider).notOpen()) {
            return List.of();
        }
        List<InboundSms> received = new ArrayList<>();
        for (int from = 0; from < providerRefs.size(); from += Provider.MAX_REFS_PER_POLL) {
            received.addAll(p.poll(providerRefs.subList(from, Math.min(providerRefs.size(), from + Provider.MAX_REFS_PER_POLL))));
        }
        return received;
    }
}
