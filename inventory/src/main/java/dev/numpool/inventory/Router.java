package dev.numpool.inventory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Buys numbers across providers: ranks those that report stock for the offer by the expected
 * cost of a delivered code (sell price divided by the provider's delivery rate for that offer),
 * skips providers whose circuit is open, and tries them in order within a deadline, failing over
 * on no-numbers, timeouts and upstream errors. It keeps the delivery outcomes that rank them, and
 * the buys whose answer was lost, which reconciliation may give back.
 */
final class Router {
    private static final Logger LOG = Logger.getLogger(Router.class.getName());
    private static final int MAX_ATTEMPTS = 3;

    private final Providers providers;
    private final TestSeparation separation;
    private final Controls controls;
    private final DeliveryStats deliveries;
    /** Buys whose outcome is unknown (they may have sold), per provider: what reconciliation may give back. */
    private final Map<String, List<Inventory.UncertainBuy>> uncertain = new ConcurrentHashMap<>();
    private final Duration deadline;
    private final Clock clock;

    Router(Providers providers, TestSeparation separation, Controls controls, DeliveryStats deliveries, Duration deadline, Clock clock) {
        this.providers = providers;
        this.separation = separation;
        this.controls = controls;
        this.deliveries = deliveries;
        this.deadline = deadline;
        this.clock = clock;
    }

    /** See {@link Inventory#buy}. */
    BuyResult buy(BuyRequest request) {
        record Ranked(Provider provider, long priceMicros, long costMicros, int stock, double deliveryRate) {
            double expectedCostPerCode() {
                return priceMicros / deliveryRate;
            }
        }
        List<Ranked> ranked = new ArrayList<>();
        Controls.InForce controls = this.controls.current();
        Map<String, String> paused = controls.paused();
        Pricing pricing = controls.pricing();
        // Written first in the trace: a paused provider that would have sold this offer, so an
        // operator who paused it sees routing pass it by.
        List<RoutingTrace.Attempt> attempts = new ArrayList<>();
        for (Provider p : providers.all()) {
            if (!separation.allows(p.name(), request.service().code(), request.mode())) {
                continue; // play money and real money never meet (see TestSeparation)
            }
            Optional<Provider.Quote> quote = providers.quote(p, request.service().code(), request.country(), request.operator())
                    .filter(q -> q.stock() > 0);
            if (quote.isEmpty()) {
                continue;
            }
            if (paused.containsKey(p.name())) {
                attempts.add(new RoutingTrace.Attempt(p.name(), "skipped: paused by an operator", 0));
                continue;
            }
            Provider.Quote q = quote.get();
            ranked.add(new Ranked(p, pricing.sellPriceMicros(q.costMicros(), p.name(), request.service().code(), request.country().id()),
                    q.costMicros(), q.stock(), deliveries.rate(p.name(), request.service().code(), request.country().id())));
        }
        ranked.sort(Comparator.comparingDouble(Ranked::expectedCostPerCode)
                .thenComparingLong(r -> providers.latencyMillis(r.provider().name())));
        List<RoutingTrace.Candidate> considered = ranked.stream()
                .map(r -> new RoutingTrace.Candidate(r.provider().name(), r.priceMicros(), r.stock(),
                        Math.round(r.deliveryRate() * 100), providers.circuit(r.provider().name()).state().name().toLowerCase()))
                .toList();
        if (ranked.isEmpty()) {
            return new BuyResult.NoNumbers(new RoutingTrace(considered, attempts, "no provider reports stock"));
        }
        long max = request.maxPriceMicros().orElse(Long.MAX_VALUE);
        long cheapest = ranked.stream().mapToLong(Ranked::priceMicros).min().orElseThrow();
        if (cheapest > max) {
            return new BuyResult.PriceAboveMax(cheapest);
        }
        int pausedSkips = attempts.size();
        // Only calls count against the bound: skipping a provider whose circuit is open costs
        // nothing, and counting it left healthy providers ranked below broken ones untried.
        int calls = 0;
        long deadlineAt = clock.millis() + deadline.toMillis();
        for (Ranked r : ranked) {
            String name = r.provider().name();
            if (r.priceMicros() > max) {
                continue;
            }
            if (calls >= MAX_ATTEMPTS || clock.millis() >= deadlineAt) {
                break;
            }
            CircuitBreaker circuit = providers.circuit(name);
            if (!circuit.allow()) {
                attempts.add(new RoutingTrace.Attempt(name, "skipped: circuit open", 0));
                continue;
            }
            calls++;
            long started = System.nanoTime();
            Provider.Purchase purchase;
            try {
                purchase = r.provider().buy(new Provider.Order(request.service().code(), request.country(),
                        request.operator(), r.costMicros(), request.excludedPrefixes()));
            } catch (RuntimeException e) {
                // An adapter must not throw, but if one does, the circuit still hears about it.
                LOG.log(Level.WARNING, name + " threw on buy", e);
                purchase = new Provider.Purchase.Failed("provider error");
            }
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            providers.recordLatency(name, tookMillis);
            switch (purchase) {
                case Provider.Purchase.Got got -> {
                    circuit.success();
                    attempts.add(new RoutingTrace.Attempt(name, "bought", tookMillis));
                    String why = attempts.size() - pausedSkips == 1
                            ? "lowest expected cost per delivered code (price / delivery rate) among providers with stock"
                            : "first provider to sell after failing over";
                    return new BuyResult.Bought(new Lease(name, got.providerRef(), got.phone(), got.costMicros(), r.priceMicros()),
                            new RoutingTrace(considered, attempts, why));
                }
                case Provider.Purchase.Empty empty -> {
                    circuit.success(); // it answered; being sold out is not a fault
                    attempts.add(new RoutingTrace.Attempt(name, "no_numbers", tookMillis));
                }
                case Provider.Purchase.Failed failed -> {
                    circuit.failure();
                    attempts.add(new RoutingTrace.Attempt(name, "failed: " + failed.reason(), tookMillis));
                }
                case Provider.Purchase.Unknown unknown -> {
                    circuit.failure();
                    uncertain.compute(name, (k, list) -> {
                        List<Inventory.UncertainBuy> next = new ArrayList<>(list == null ? List.of() : list);
                        next.add(new Inventory.UncertainBuy(request.service().code(), clock.instant()));
                        return next.size() > 100 ? List.copyOf(next.subList(next.size() - 100, next.size())) : List.copyOf(next);
                    });
                    attempts.add(new RoutingTrace.Attempt(name, "failed: " + unknown.reason(), tookMillis));
                }
            }
        }
        return new BuyResult.NoNumbers(new RoutingTrace(considered, attempts, "every provider tried failed or was empty"));
    }

    /** See {@link Inventory#providersToReconcile}. */
    List<String> providersToReconcile(Duration window) {
        Instant since = clock.instant().minus(window);
        uncertain.replaceAll((k, list) -> list.stream().filter(u -> u.at().isAfter(since)).toList());
        uncertain.values().removeIf(List::isEmpty);
        return uncertain.keySet().stream().sorted().toList();
    }

    List<Inventory.UncertainBuy> uncertainBuys(String provider) {
        return uncertain.getOrDefault(provider, List.of());
    }

    /** See {@link Inventory#settleUncertainBuy}. */
    void settleUncertainBuy(String provider, String service) {
        uncertain.computeIfPresent(provider, (k, list) -> {
            List<Inventory.UncertainBuy> next = new ArrayList<>(list);
            next.stream().filter(u -> u.service().equals(service)).findFirst().ifPresent(next::remove);
            return next.isEmpty() ? null : List.copyOf(next);
        });
    }

    void recordNoCode(String provider, String service, int country) {
        deliveries.record(provider, service, country, false);
    }

    void recordCode(String provider, String service, int country, Duration took) {
        deliveries.record(provider, service, country, true);
        deliveries.recordTimeToCode(provider, took);
    }
}
