package dev.numpool.orders;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * One node's webhook sender. A commit that queued deliveries wakes it (through
 * {@link WebhookSignal}, from any node); it claims what is due in one statement, sends each
 * delivery on its own thread, and writes the attempts down in batches. Its poll is only the
 * safety net: retries falling due, deliveries a crashed node had claimed, wake-ups that were lost.
 *
 * <p>Everything is bounded: at most {@link #NODE_CONCURRENCY} deliveries are claimed and not yet
 * finished on this node, at most {@link #ENDPOINT_CONCURRENCY} of them in flight to one endpoint
 * (the rest of a claim waits in that endpoint's lane, and further claims skip the endpoint), and
 * the queue of attempts to write down holds at most what is in flight. Order per activation comes
 * from the claim itself: a delivery is claimable only once every older one of its activation to
 * that endpoint is written down as delivered or failed.
 *
 * <p>Crash guarantees are the outbox's: a delivery sent but not yet written down when the node
 * dies is sent again once its claim runs out, with the same {@code webhook-id}.
 */
final class WebhookDispatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class.getName());
    static final int NODE_CONCURRENCY = 256;
    static final int ENDPOINT_CONCURRENCY = 32;
    private static final int CLAIM_BATCH = 100;
    private static final int RECORD_BATCH = 500;
    private static final Duration RECORD_LINGER = Duration.ofMillis(5);
    /** How long a first attempt may wait for its claim before the node counts as behind. */
    static final Duration BEHIND = Duration.ofMillis(250);
    /**
     * A receiver slower than this to answer is slow on its own account. Generous, because an
     * attempt's latency also holds this node's own delays, which are what {@link #behind} is for.
     */
    static final Duration SLOW_RECEIVER = Duration.ofSeconds(1);
    /** How long one slow claim keeps the node behind, unless a later claim says otherwise. */
    private static final Duration BEHIND_FOR = Duration.ofSeconds(1);
    /** Claims per wake-up at most, so one wake-up cannot keep the loop from its poll forever. */
    private static final int MAX_ROUNDS = 1_000;
    /**
     * A delivery that waited in its lane this close to the end of its claim is left for the next
     * claim instead of being sent: its attempt (5 s to connect, 15 s to answer) might outlast the
     * claim, and another node could send it at the same time.
     */
    static final Duration LEASE_MARGIN = Webhooks.ATTEMPT_TIMEOUT.plusSeconds(5 + 10);
    private static final List<Duration> RECORD_RETRIES = List.of(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5));

    private final Webhooks webhooks;
    private final Duration poll;
    private final Semaphore slots = new Semaphore(NODE_CONCURRENCY);
    private final Semaphore wake = new Semaphore(0);
    private final Map<Long, Lane> lanes = new ConcurrentHashMap<>();
    /**
     * Endpoints whose latest attempt from this node was answered 2xx within {@link #SLOW_RECEIVER}: only
     * their deliveries' waits say anything about this node (a slow or failing receiver's backlog
     * is its own). One entry per endpoint this node has sent to, as many as the table has rows.
     */
    private final Set<Long> quickEndpoints = ConcurrentHashMap.newKeySet();
    private final BlockingQueue<Webhooks.Outcome> outcomes = new ArrayBlockingQueue<>(NODE_CONCURRENCY);
    private final ThreadPoolExecutor senders;
    private final Thread claimer;
    private final Thread recorder;
    private volatile boolean running = true;
    private volatile long lastWaitMillis;
    private volatile long lastWaitAtNanos;
    private AutoCloseable subscription = () -> { };

    /** One endpoint's deliveries on this node: how many are being sent, and those waiting their turn. */
    private static final class Lane {
        /** Written only inside the lanes map's compute; read outside it as a hint (busy endpoints). */
        volatile int inFlight;
        final ArrayDeque<Claimed> waiting = new ArrayDeque<>();
    }

    private record Claimed(WebhookStore.DueDelivery delivery, long claimedAtNanos) {
    }

    private WebhookDispatcher(Webhooks webhooks, Duration poll) {
        this.webhooks = webhooks;
        this.poll = poll;
        // Platform threads, not virtual ones: under a flood of requests the virtual threads'
        // carriers are all busy with intake, and a dispatcher queued behind them would let
        // delivery fall seconds behind while the intake it serves kept accepting. As OS threads
        // they get their share of the CPU, and a saturated intake sheds load instead (503).
        // Never more threads than slots: a thread runs only for a claimed delivery, which holds one.
        this.senders = new ThreadPoolExecutor(NODE_CONCURRENCY, NODE_CONCURRENCY, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().daemon().name("numpool-webhook-send-", 0).factory());
        this.senders.allowCoreThreadTimeOut(true);
        this.claimer = Thread.ofPlatform().daemon().name("numpool-webhook-claim").unstarted(this::claimLoop);
        this.recorder = Thread.ofPlatform().daemon().name("numpool-webhook-record").unstarted(this::recordLoop);
    }

    static WebhookDispatcher start(Webhooks webhooks, WebhookSignal signal, Duration poll) {
        WebhookDispatcher dispatcher = new WebhookDispatcher(webhooks, poll);
        dispatcher.subscription = signal.listen(dispatcher::wake);
        dispatcher.claimer.start();
        dispatcher.recorder.start();
        dispatcher.wake(); // whatever waited while no node was running
        return dispatcher;
    }

    /**
     * True while this node's deliveries wait too long to be claimed: the latest claim's oldest
     * first attempt to a quick endpoint had waited more than {@link #BEHIND} since its commit. The
     * intake then turns pushed SMS away (503, try again) rather than accept codes it cannot
     * deliver in time. What the node cannot help does not count: retries, deliveries a stopped
     * node had claimed, and everything bound for a receiver that is slow, failing or not yet seen.
     */
    boolean behind() {
        return lastWaitMillis > BEHIND.toMillis() && System.nanoTime() - lastWaitAtNanos < BEHIND_FOR.toNanos();
    }

    /** Something may be due: claim now rather than at the next poll. Cheap and never blocks. */
    void wake() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    private void claimLoop() {
        while (running) {
            try {
                wake.tryAcquire(poll.toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
            try {
                claimWhileDue();
            } catch (RuntimeException e) {
                // The database restarting, say: the next wake-up or poll tries again.
                LOG.log(Level.WARNING, "claiming webhook deliveries failed; will retry", e);
            }
        }
    }

    private void claimWhileDue() {
        for (int round = 0; round < MAX_ROUNDS && running; round++) {
            int wanted = Math.min(slots.availablePermits(), CLAIM_BATCH);
            if (wanted == 0) {
                return; // every slot is taken; writing attempts down wakes this loop again
            }
            List<WebhookStore.DueDelivery> due = webhooks.claim(wanted, busyEndpoints());
            // This loop is the only one taking slots, and it asked for no more than were free.
            slots.acquireUninterruptibly(due.size());
            long now = System.nanoTime();
            due.stream().filter(d -> quickEndpoints.contains(d.endpointId())).mapToLong(WebhookStore.DueDelivery::waitedMillis).max()
                    .ifPresent(waited -> {
                        lastWaitMillis = waited;
                        lastWaitAtNanos = now;
                    });
            due.forEach(d -> enqueue(new Claimed(d, now)));
            if (due.size() < wanted) {
                return;
            }
        }
    }

    private Set<Long> busyEndpoints() {
        return lanes.entrySet().stream().filter(e -> e.getValue().inFlight >= ENDPOINT_CONCURRENCY)
                .map(Map.Entry::getKey).collect(Collectors.toUnmodifiableSet());
    }

    /** Starts the delivery now if its endpoint has room, or queues it in the endpoint's lane. */
    private void enqueue(Claimed claimed) {
        boolean[] startNow = {false};
        lanes.compute(claimed.delivery().endpointId(), (id, lane) -> {
            Lane l = lane == null ? new Lane() : lane;
            if (l.inFlight < ENDPOINT_CONCURRENCY) {
                l.inFlight++;
                startNow[0] = true;
            } else {
                l.waiting.add(claimed);
            }
            return l;
        });
        if (startNow[0]) {
            senders.execute(() -> sendLane(claimed));
        }
    }

    /** Sends {@code first}, then whatever waits in its endpoint's lane, one after another. */
    private void sendLane(Claimed first) {
        long endpoint = first.delivery().endpointId();
        Claimed next = first;
        while (next != null) {
            try {
                sendOne(next);
            } catch (Throwable e) {
                // Whatever went wrong, the lane must move on and the slot come back; the delivery's
                // claim runs out and it is sent again.
                LOG.log(Level.SEVERE, "sending webhook delivery " + next.delivery().id() + " failed", e);
            } finally {
                slots.release();
            }
            Claimed[] taken = {null};
            lanes.compute(endpoint, (id, lane) -> {
                taken[0] = lane.waiting.poll();
                if (taken[0] == null) {
                    lane.inFlight--;
                }
                return lane.inFlight == 0 && lane.waiting.isEmpty() ? null : lane;
            });
            next = taken[0];
        }
    }

    private void sendOne(Claimed claimed) {
        Duration waited = Duration.ofNanos(System.nanoTime() - claimed.claimedAtNanos());
        if (waited.compareTo(Webhooks.LEASE.minus(LEASE_MARGIN)) > 0) {
            return; // left to the next claim, once this one runs out
        }
        Optional<Webhooks.Outcome> outcome = webhooks.send(claimed.delivery());
        outcome.ifPresent(o -> {
            if (o.attempt().delivered() && o.attempt().latencyMillis() < SLOW_RECEIVER.toMillis()) {
                quickEndpoints.add(o.delivery().endpointId());
            } else {
                quickEndpoints.remove(o.delivery().endpointId());
            }
        });
        if (outcome.isPresent()) {
            try {
                // Never full for long: it holds at most one outcome per slot, and the recorder drains it.
                outcomes.put(outcome.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void recordLoop() {
        List<Webhooks.Outcome> batch = new ArrayList<>(RECORD_BATCH);
        while (running || !outcomes.isEmpty() || senders.getActiveCount() > 0) {
            try {
                Webhooks.Outcome first = outcomes.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                if (outcomes.isEmpty()) {
                    return;
                }
            }
            lingerForMore(batch);
            recordWithRetries(batch);
            batch.clear();
            // Successors of what was just written down may be claimable now, and slots are free.
            wake();
        }
    }

    /**
     * Gathers what else finishes within {@link #RECORD_LINGER} into the batch: under load one
     * transaction then writes down many attempts instead of one each. Nobody waits on it: the
     * receiver has its webhook already, and only an activation's next event (rare within the
     * linger) is claimable a few milliseconds later.
     */
    private void lingerForMore(List<Webhooks.Outcome> batch) {
        long until = System.nanoTime() + RECORD_LINGER.toNanos();
        outcomes.drainTo(batch, RECORD_BATCH - batch.size());
        try {
            for (long left = until - System.nanoTime(); left > 0 && batch.size() < RECORD_BATCH; left = until - System.nanoTime()) {
                Webhooks.Outcome next = outcomes.poll(left, TimeUnit.NANOSECONDS);
                if (next == null) {
                    return;
                }
                batch.add(next);
                outcomes.drainTo(batch, RECORD_BATCH - batch.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes a batch down, trying again a few times; if the database stays away the claims run
     * out and the deliveries are sent again (at least once, same {@code webhook-id}).
     */
    private void recordWithRetries(List<Webhooks.Outcome> batch) {
        for (int attempt = 0; ; attempt++) {
            try {
                webhooks.record(batch);
                return;
            } catch (RuntimeException e) {
                if (attempt >= RECORD_RETRIES.size()) {
                    LOG.log(Level.WARNING, batch.size() + " webhook attempts not written down; they will be sent again", e);
                    return;
                }
                try {
                    Thread.sleep(RECORD_RETRIES.get(attempt));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Stops claiming; lets sends under way finish (up to one attempt's time) and writes them down. */
    @Override
    public void close() {
        running = false;
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.log(Level.FINE, "closing the webhook signal's subscription", e);
        }
        claimer.interrupt();
        try {
            // The claimer first: once it has stopped, nothing hands the senders more work.
            claimer.join(Duration.ofSeconds(5));
            senders.shutdown();
            if (!senders.awaitTermination(Webhooks.ATTEMPT_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
                senders.shutdownNow();
            }
            recorder.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
