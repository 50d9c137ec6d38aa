package dev.numpool.workers;

import dev.numpool.inventory.Inventory;
import dev.numpool.orders.Orders;
import io.helidon.config.Config;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The background jobs of one node: expiry (of activations, and of rentals with their charges), status reports to providers (and recovery of numbers
 * whose order died), polling (and parked SMS), quote refresh, and pruning. Each {@code run…Once}
 * method is one job's tick (tests call them directly, on as many instances as they like);
 * {@link #start()} schedules them, each on its own thread.
 */
public final class Workers implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Workers.class.getName());

    /** How long a sale a provider lists must stay unknown here before it is given back. */
    private static final Duration RECONCILE_GRACE = Duration.ofMinutes(1);

    /** How long the history of quote refreshes is kept. */
    private static final Duration QUOTE_HISTORY = Duration.ofDays(30);
    /** Waiting Stripe events are rare (an event racing its top-up's commit); a slow look suffices. */
    private static final Duration PAYMENTS_INTERVAL = Duration.ofSeconds(15);
    /** How often the code templates are reloaded (and this node's template hits written down). */
    private static final Duration TEMPLATES_INTERVAL = Duration.ofSeconds(5);

    private final Orders orders;
    private final dev.numpool.orders.Webhooks webhooks;
    private final dev.numpool.orders.Topups topups;
    private final dev.numpool.orders.Users users;
    private final Inventory inventory;
    private final Settings settings;
    private final ScheduledExecutorService scheduler;
    private AutoCloseable webhookDispatcher = () -> { };

    /**
     * {@code expiry-interval-millis} (default 1000), {@code batch-size} (rows per claim, default
     * 100), {@code idempotency-key-ttl-hours} (default 24), {@code reaper-interval-seconds}
     * (default 300), {@code upstream-interval-millis} (default 1000), {@code poll-interval-millis}
     * (default 500), {@code quotes-refresh-seconds} (default 15).
     */
    public record Settings(Duration expiryInterval, int batchSize, Duration idempotencyKeyTtl, Duration reaperInterval,
                           Duration upstreamInterval, Duration pollInterval, Duration quotesInterval) {
        public static Settings from(Config config) {
            return new Settings(
                    Duration.ofMillis(config.get("expiry-interval-millis").asLong().orElse(1000L)),
                    config.get("batch-size").asInt().orElse(100),
                    Duration.ofHours(config.get("idempotency-key-ttl-hours").asLong().orElse(24L)),
                    Duration.ofSeconds(config.get("reaper-interval-seconds").asLong().orElse(300L)),
                    Duration.ofMillis(config.get("upstream-interval-millis").asLong().orElse(1000L)),
                    Duration.ofMillis(config.get("poll-interval-millis").asLong().orElse(500L)),
                    Duration.ofSeconds(config.get("quotes-refresh-seconds").asLong().orElse(15L)));
        }
    }

    public Workers(Orders orders, Inventory inventory, Settings settings) {
        this(orders, inventory, null, settings);
    }

    /** With {@code webhooks}, also delivers the webhook outbox. */
    public Workers(Orders orders, Inventory inventory, dev.numpool.orders.Webhooks webhooks, Settings settings) {
        this(orders, inventory, webhooks, null, null, settings);
    }

    /**
     * With {@code topups}, also applies the Stripe events that had to wait (see
     * {@link dev.numpool.orders.Topups}); with {@code users}, also deletes expired website sessions.
     */
    public Workers(Orders orders, Inventory inventory, dev.numpool.orders.Webhooks webhooks, dev.numpool.orders.Topups topups,
                   dev.numpool.orders.Users users, Settings settings) {
        this.topups = topups;
        this.users = users;
        this.webhooks = webhooks;
        this.orders = orders;
        this.inventory = inventory;
        this.settings = settings;
        // A thread per job: a slow provider stalling the status reports must not stall expiry
        // or polling behind it.
        this.scheduler = Executors.newScheduledThreadPool(6, Thread.ofPlatform().daemon().name("numpool-worker-", 0).factory());
    }

    /** Schedules the jobs on this node. */
    public Workers start() {
        scheduler.scheduleWithFixedDelay(() -> safely("expiry", this::drainExpired),
                settings.expiryInterval().toMillis(), settings.expiryInterval().toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> safely("idempotency reaper", this::runReaperOnce),
                settings.reaperInterval().toMillis(), settings.reaperInterval().toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> safely("status reports", this::runUpstreamOnce),
                settings.upstreamInterval().toMillis(), settings.upstreamInterval().toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> safely("polling", this::runPollOnce),
                settings.pollInterval().toMillis(), settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        if (webhooks != null) {
            // Woken by commits; the poll interval is only its safety net (retries, crashed nodes).
            webhookDispatcher = webhooks.startDispatching(settings.pollInterval());
        }
        if (topups != null) {
            scheduler.scheduleWithFixedDelay(() -> safely("stripe events", this::runPaymentsOnce),
                    PAYMENTS_INTERVAL.toMillis(), PAYMENTS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
        scheduler.scheduleWithFixedDelay(() -> safely("quotes", this::runQuotesOnce),
                0, settings.quotesInterval().toMillis(), TimeUnit.MILLISECONDS);
        // Templates learned or added on another node reach this one within this interval.
        scheduler.scheduleWithFixedDelay(() -> safely("code templates", (Runnable) orders::refreshCodeTemplates),
                TEMPLATES_INTERVAL.toMillis(), TEMPLATES_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Ends one batch of due activations; returns how many this call ended. */
    public int runExpiryOnce() {
        return orders.expireDue(settings.batchSize());
    }

    /**
     * Charges one batch of rentals whose next paid period began (past its refund window) and ends
     * those whose time ran out, releasing their numbers; returns how many rentals it changed. Each
     * rental's change is one transaction claimed with {@code SKIP LOCKED}, so nodes share the work
     * and a node dying mid-way leaves every rental charged and released once (see {@link
     * dev.numpool.orders.Rentals#settleDue}).
     */
    public int runRentalsOnce() {
        return orders.rentals().settleDue(settings.batchSize());
    }

    /**
     * Deletes one batch of idempotency keys past their time to live, one batch of parked SMS
     * that never found their activation (kept as long as keys), one batch of quote-refresh and
     * offer history older than 30 days, one batch of applied Stripe events older than 90 days, one
     * batch of expired website sessions, and releases pool numbers past their lease; returns how
     * many rows went.
     */
    public int runReaperOnce() {
        return orders.reapIdempotencyKeys(settings.idempotencyKeyTtl(), settings.batchSize())
                + orders.reapParkedSms(settings.idempotencyKeyTtl(), settings.batchSize())
                + inventory.pruneRefreshHistory(QUOTE_HISTORY, settings.batchSize())
                + (topups == null ? 0 : topups.pruneEvents(settings.batchSize()))
                + (users == null ? 0 : users.pruneExpiredSessions(settings.batchSize()))
                + runLeaseEndOnce();
    }

    /**
     * Releases pool numbers whose lease ended and that are in no live activation; returns how
     * many. (No new activation is sold on a number past its lease end, whenever this runs.)
     */
    public int runLeaseEndOnce() {
        return inventory.releaseEndedPoolLeases(settings.batchSize()).size();
    }

    /**
     * Gives back numbers of orders that died mid-way, delivers one batch of status reports owed
     * to providers, and gives back numbers a provider sold us without our knowing (a buy whose
     * answer was lost); returns how many rows were handled.
     */
    public int runUpstreamOnce() {
        return orders.recoverPurchases(settings.batchSize()) + orders.deliverDueUpstreamOps(settings.batchSize())
                + orders.reconcileUpstream(RECONCILE_GRACE);
    }

    /**
     * Delivers SMS that arrived before their order committed, then polls the polling providers
     * once for the SMS of live activations; returns how many SMS were handled.
     */
    public int runPollOnce() {
        return orders.applyParkedSms(settings.batchSize()) + orders.pollProviders(settings.batchSize());
    }

    /**
     * Sends one batch of due webhook deliveries and writes them down; returns how many were
     * attempted. (A started node sends through the webhook dispatcher instead.)
     */
    public int runWebhooksOnce() {
        return webhooks == null ? 0 : webhooks.dispatchDue(settings.batchSize());
    }

    /**
     * Applies Stripe events that arrived before what they need (their top-up's row, or the
     * payment a refund is for); returns how many were settled.
     */
    public int runPaymentsOnce() {
        return topups == null ? 0 : topups.applyWaiting(settings.batchSize());
    }

    /** Refreshes provider quotes, unless another node just did; returns providers refreshed. */
    public int runQuotesOnce() {
        return inventory.refreshQuotes(settings.quotesInterval());
    }

    /** Batches until nothing is due (activations, then rentals), bounded so one tick cannot run forever. */
    private int drainExpired() {
        int total = 0;
        for (int batch = 0; batch < 100; batch++) {
            int ended = runExpiryOnce();
            total += ended;
            if (ended < settings.batchSize()) {
                break;
            }
        }
        for (int batch = 0; batch < 100; batch++) {
            int settled = runRentalsOnce();
            total += settled;
            if (settled < settings.batchSize()) {
                break;
            }
        }
        return total;
    }

    private static void safely(String job, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            // A failed tick (database restarting, say) is retried at the next one.
            LOG.log(Level.WARNING, job + " failed; will retry", e);
        }
    }

    private static void safely(String job, java.util.function.IntSupplier work) {
        safely(job, (Runnable) work::getAsInt);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            webhookDispatcher.close();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "stopping the webhook dispatcher", e);
        }
    }
}
