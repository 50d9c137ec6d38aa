package dev.numpool.inventory;

import io.helidon.config.Config;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The providers this node sells from, by name, each with its circuit breaker and its recent buy
 * latency, and where their quotes are read: an in-process provider answers live, a network
 * provider from the shared quote book.
 */
final class Providers implements AutoCloseable {
    private final List<Provider> all;
    private final Map<String, Provider> byName;
    private final Optional<PoolProvider> pool;
    private final Map<String, CircuitBreaker> circuits;
    private final Map<String, Long> latencyMillis = new ConcurrentHashMap<>();
    private final QuoteBook quotes;

    Providers(List<Provider> providers, QuoteBook quotes, Clock clock) {
        this.pool = providers.stream().filter(PoolProvider.class::isInstance).map(PoolProvider.class::cast).findFirst();
        this.all = List.copyOf(providers);
        this.byName = providers.stream().collect(Collectors.toUnmodifiableMap(Provider::name, Function.identity()));
        this.circuits = providers.stream().collect(Collectors.toUnmodifiableMap(Provider::name,
                p -> new CircuitBreaker(5, Duration.ofSeconds(30), clock)));
        this.quotes = quotes;
    }

    /**
     * An upstream from its config node: {@code {name, protocol, url, api-key-env, timeout-millis}}
     * and what its protocol takes besides (see {@link Inventory#create}).
     */
    static Provider upstream(Config p, InventoryStore store, List<Service> services, List<Country> countries, Clock clock,
                             Map<String, String> environment, Duration rentalPeriod) {
        String name = p.get("name").asString().orElseThrow(() -> new IllegalArgumentException("every provider needs a name"));
        if (!name.matches("[a-z0-9-]{1,32}") || name.equals(Simulator.NAME)) {
            throw new IllegalArgumentException("provider name '" + name + "' must be 1-32 of [a-z0-9-] and not 'simulator'");
        }
        String protocol = p.get("protocol").asString().orElse("sms-activate");
        String key = p.get("api-key-env").asString().asOptional().map(environment::get)
                .orElseThrow(() -> new IllegalArgumentException("provider " + name + " has no API key: set the variable its api-key-env names"));
        Duration timeout = Duration.ofMillis(p.get("timeout-millis").asLong().orElse(5_000L));
        URI url = URI.create(p.get("url").asString().orElseThrow(() -> new IllegalArgumentException("provider " + name + " needs a url")));
        return switch (protocol) {
            case "sms-activate" -> new SmsActivateProvider(name, url, key, timeout, clock,
                    p.get("list-page-size").asInt().orElse(SmsActivateProvider.DEFAULT_PAGE_SIZE), push(p, name, environment), rentalPeriod);
            case "5sim" -> new FiveSimProvider(name, url, key, timeout, clock, services, countries);
            case "agent" -> {
                String price = p.get("price").asString().orElse("0.10");
                yield new AgentProvider(name, url, key, timeout,
                        Money.parseMicros(price).orElseThrow(() -> new IllegalArgumentException("provider " + name + ": price is not a price: " + price)),
                        p.get("currency-code").asInt().orElse(840), store, clock, services, countries);
            }
            default -> throw new IllegalArgumentException("provider " + name + ": unknown protocol '" + protocol + "'");
        };
    }

    /** An sms-activate upstream's webhook: the secret from the variable its config names, and allowed sources. */
    private static SmsActivateProvider.Push push(Config p, String name, Map<String, String> environment) {
        Optional<String> variable = p.get("webhook-secret-env").asString().asOptional();
        if (variable.isEmpty()) {
            return SmsActivateProvider.Push.OFF;
        }
        String secret = Optional.ofNullable(environment.get(variable.get())).filter(v -> !v.isBlank())
                .orElseThrow(() -> new IllegalArgumentException("provider " + name + ": set the variable its webhook-secret-env names"));
        List<String> sources = p.get("webhook-allowed-sources").asList(String.class).orElse(List.of());
        if (sources.size() > 100) {
            throw new IllegalArgumentException("provider " + name + ": at most 100 webhook-allowed-sources");
        }
        return new SmsActivateProvider.Push(Optional.of(secret), Set.copyOf(sources.stream().map(String::strip).toList()));
    }

    /** Every provider, in the order they were configured (the simulator and the pool first). */
    List<Provider> all() {
        return all;
    }

    /** The provider of that name; null when there is none (it may have been removed from config). */
    Provider named(String name) {
        return byName.get(name);
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }

    /** The pool of own numbers, when it is enabled. */
    Optional<PoolProvider> pool() {
        return pool;
    }

    CircuitBreaker circuit(String name) {
        return circuits.get(name);
    }

    /** A smoothed average of the provider's recent buys, 0 before its first. */
    long latencyMillis(String name) {
        return latencyMillis.getOrDefault(name, 0L);
    }

    void recordLatency(String name, long tookMillis) {
        latencyMillis.merge(name, tookMillis, (old, now) -> (old * 7 + now) / 8);
    }

    /** The shared quote book of the network providers. */
    QuoteBook book() {
        return quotes;
    }

    Optional<Provider.Quote> quote(Provider p, String service, Country country, String operator) {
        return p.inProcess() ? p.quote(service, country, operator) : quotes.quote(p.name(), service, country.id(), operator);
    }

    @Override
    public void close() {
        all.forEach(Provider::close);
    }
}
