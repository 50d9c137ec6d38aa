package dev.numpool.orders;

import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Release;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The status reports Numpool owes providers (a number used, a number not used, another code
 * wanted), written to the outbox in the transaction that made them owed and delivered from it
 * with retries and backoff; and the reconciliation that finds numbers a provider sold whose answer
 * was lost. {@link ActivationLifecycle} calls it after an activation ends, {@link OrderPlacement}
 * after a number bought for a failed order is given back.
 */
final class UpstreamReports {
    private static final Logger LOG = Logger.getLogger(UpstreamReports.class.getName());
    /** How long a claimed status report is this node's before another may retry it. */
    private static final Duration LEASE = Duration.ofSeconds(60);
    /** About a day of backoff (9 doublings up to 30 min, then every 30 min) before a report is left for an operator. */
    private static final int MAX_ATTEMPTS = 56;
    /** Deliveries started at once ({@link #deliverSoon}) on one node; the worker delivers the rest. */
    static final int AT_ONCE = 64;

    private final Stores stores;
    private final Inventory inventory;
    private final Clock clock;
    private final Semaphore running = new Semaphore(AT_ONCE);
    /** Numbers a provider listed that nothing here knew, with when they were first seen (provider, newline, ref). */
    private final Map<String, Instant> suspects = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastReconciled = new ConcurrentHashMap<>();

    UpstreamReports(Stores stores, Inventory inventory, Clock clock) {
        this.stores = stores;
        this.inventory = inventory;
        this.clock = clock;
    }

    /**
     * Tries the owed status reports of {@code activationId} (or any ten due ones, when null) at
     * once, on a virtual thread of their own so that neither the customer's request nor a worker
     * waits on a slow provider. At most {@link #AT_ONCE} such threads run on a node: past that,
     * and whatever fails, stays for the worker ({@link #deliverDue}), which delivers every owed
     * report anyway.
     */
    void deliverSoon(Integer activationId) {
        if (!running.tryAcquire()) {
            return;
        }
        try {
            Thread.ofVirtual().start(() -> {
                try {
                    deliver(stores.transaction(s -> s.upstream().claimUpstreamOps(clock.instant(), clock.instant().plus(LEASE), 10, activationId)));
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, (activationId == null ? "status reports" : "status report for activation " + activationId)
                            + " left for the worker", e);
                } finally {
                    running.release();
                }
            });
        } catch (RuntimeException | Error e) {
            running.release();
            throw e;
        }
    }

    /**
     * Delivers the owed status reports of {@code activationId} on this thread, and waits (at most
     * {@code wait}) for one another thread is delivering: a provider must hear that an activation
     * ended before it is asked to sell its number again. A report that fails stays for the worker.
     */
    void deliverBefore(int activationId, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            deliver(stores.transaction(s -> s.upstream().claimUpstreamOps(clock.instant(), clock.instant().plus(LEASE), 10, activationId)));
            if (!stores.upstream().hasPendingOps(activationId) || System.nanoTime() > deadline) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Delivers due status reports to providers, at most {@code limit}, claiming them so that any
     * number of nodes can run this at once. Returns how many were attempted.
     */
    int deliverDue(int limit) {
        List<UpstreamStore.UpstreamOp> claimed = stores.transaction(s -> s.upstream().claimUpstreamOps(clock.instant(), clock.instant().plus(LEASE), limit, null));
        deliver(claimed);
        return claimed.size();
    }

    private void deliver(List<UpstreamStore.UpstreamOp> ops) {
        for (UpstreamStore.UpstreamOp op : ops) {
            Inventory.Upstream answer;
            try {
                answer = switch (op.kind()) {
                    case RELEASE_USED -> inventory.release(op.provider(), op.providerRef(), Release.CODE_USED);
                    case RELEASE_UNUSED -> inventory.release(op.provider(), op.providerRef(), Release.NOT_USED);
                    case ANOTHER_CODE -> inventory.requestAnotherCode(op.provider(), op.providerRef());
                };
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "status report " + op.id() + " to " + op.provider() + " failed", e);
                answer = Inventory.Upstream.UNAVAILABLE;
            }
            Instant now = clock.instant();
            switch (answer) {
                case CONFIRMED -> stores.upstream().finishUpstreamOp(op.id(), UpstreamKinds.ReportState.CONFIRMED, null, now);
                case REFUSED -> stores.upstream().finishUpstreamOp(op.id(), UpstreamKinds.ReportState.REFUSED, "refused by " + op.provider(), now);
                case UNAVAILABLE -> {
                    if (op.attempts() >= MAX_ATTEMPTS) {
                        stores.upstream().finishUpstreamOp(op.id(), UpstreamKinds.ReportState.ABANDONED, "no answer after " + op.attempts() + " attempts", now);
                    } else {
                        stores.upstream().retryUpstreamOpAt(op.id(), now.plus(backoff(op.attempts())), "unavailable");
                    }
                }
            }
        }
    }

    /** 5 s, 10 s, 20 s, ... capped at 30 min, with ±20 % jitter so retries of many nodes spread out. */
    static Duration backoff(int attempts) {
        long base = Math.min(Duration.ofMinutes(30).toMillis(), 5_000L << Math.min(20, Math.max(0, attempts - 1)));
        double jitter = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
        return Duration.ofMillis((long) (base * jitter));
    }

    /**
     * Finds numbers a provider sold that Numpool never recorded (a buy whose answer was lost: a
     * timeout or a dropped connection after the sale) and gives them back. Only providers with
     * such buys in the last 30 minutes are asked, at most every 30 s each. An activation the
     * provider lists that no activation, sale or report here knows, for the service of a lost
     * buy, is a suspect; still unknown {@code grace} later (a sale is recorded within
     * milliseconds of its answer, so an order in flight is never mistaken for one), it is
     * released through the outbox. At most one number per lost buy is released, so activations
     * someone else bought with the same upstream account are left alone unless they look exactly
     * like ours. Returns how many numbers were given back.
     */
    int reconcile(Duration grace) {
        Instant now = clock.instant();
        int released = 0;
        for (String provider : inventory.providersToReconcile(Duration.ofMinutes(30))) {
            Instant last = lastReconciled.get(provider);
            if (last != null && Duration.between(last, now).compareTo(Duration.ofSeconds(30)) < 0) {
                continue;
            }
            Optional<List<Inventory.LiveSale>> live = inventory.liveAtProvider(provider);
            if (live.isEmpty()) {
                continue;
            }
            lastReconciled.put(provider, now);
            Map<String, Long> lostPerService = inventory.uncertainBuys(provider).stream()
                    .collect(Collectors.groupingBy(Inventory.UncertainBuy::service, Collectors.counting()));
            Set<String> known = stores.upstream().knownRefs(provider, live.get().stream().map(Inventory.LiveSale::providerRef).toList());
            List<Inventory.LiveSale> unknown = live.get().stream()
                    .filter(l -> !known.contains(l.providerRef()) && lostPerService.containsKey(l.service()))
                    .sorted(Comparator.comparing(Inventory.LiveSale::providerRef))
                    .toList();
            Set<String> unknownKeys = new HashSet<>();
            unknown.forEach(l -> unknownKeys.add(provider + "\n" + l.providerRef()));
            suspects.keySet().removeIf(k -> k.startsWith(provider + "\n") && !unknownKeys.contains(k));
            for (Inventory.LiveSale sale : unknown) {
                String suspect = provider + "\n" + sale.providerRef();
                Instant seen = suspects.putIfAbsent(suspect, now);
                if (seen == null || Duration.between(seen, now).compareTo(grace) < 0 || lostPerService.getOrDefault(sale.service(), 0L) <= 0) {
                    continue;
                }
                stores.upstream().insertUpstreamOp(null, provider, sale.providerRef(), UpstreamKinds.Report.RELEASE_UNUSED, now);
                suspects.remove(suspect);
                lostPerService.merge(sale.service(), -1L, Long::sum);
                inventory.settleUncertainBuy(provider, sale.service());
                released++;
                LOG.warning(provider + " lists activation " + sale.providerRef() + " (" + sale.service()
                        + ") that no order of ours recorded, after a buy whose answer was lost; giving it back");
            }
        }
        if (released > 0) {
            deliverDue(released);
        }
        return released;
    }

    /** Status reports owed to providers, counted by provider and state (pending, confirmed, refused, abandoned). */
    Map<String, Map<String, Integer>> backlog() {
        Map<String, Map<String, Integer>> backlog = new TreeMap<>();
        for (UpstreamStore.UpstreamCount c : stores.upstream().upstreamCounts()) {
            backlog.computeIfAbsent(c.provider(), k -> new TreeMap<>()).put(c.state(), c.count());
        }
        return backlog;
    }

    /** The latest status reports in {@code state} (refused and abandoned ones need an operator). */
    List<UpstreamReport> reports(String state, int limit) {
        return stores.upstream().upstreamReports(state, Math.max(1, Math.min(500, limit)));
    }
}
