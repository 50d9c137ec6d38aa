package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.jooq.Record;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eight threads make 5,000 random purchases, codes, cancellations, top-ups, card refunds and
 * disputes each on 50 accounts, and deliver Stripe events again that another thread delivered
 * already (sometimes at the same moment), while a reader takes a snapshot of the totals every
 * 50 ms, each in one repeatable-read transaction. Every snapshot must balance: what the
 * customers' cached balances say they hold is exactly what the append-only transfers moved out of
 * the house accounts, no customer account is below zero, and no account that owes has money to
 * spend. At the end the ledger is audited, and the money is where the operations put it.
 */
class LedgerConcurrencyTest {
    private static final int THREADS = 8;
    private static final int OPERATIONS = 5_000;
    private static final int ACCOUNTS = 50;

    @Test
    void everySnapshotBalancesWhileEightThreadsTrade() throws Exception {
        Database db = TestServers.freshDatabase();
        TestClock clock = new TestClock(Instant.parse("2026-08-01T10:00:00Z"));
        try (FakeStripe stripe = new FakeStripe();
             Marketplace market = Marketplace.open(db, clock, Map.of("orders.early-cancel-seconds", "0", "simulator.stock", "1000000"))) {
            Topups topups = Topups.create(db, new Topups.Settings(10_000, 1_000_000_000, "https://numpool.example/balance",
                    Optional.of(stripe.apiBase()), Duration.ofSeconds(5)),
                    Map.of("STRIPE_SECRET_KEY", FakeStripe.SECRET_KEY, "STRIPE_WEBHOOK_SECRET", FakeStripe.WEBHOOK_SECRET), clock);
            List<AccountId> accounts = new ArrayList<>();
            for (int i = 0; i < ACCOUNTS; i++) {
                accounts.add(market.accounts().createSandboxAccount("concurrency").owner());
            }
            Map<AccountId, ConcurrentLinkedQueue<Integer>> live = new ConcurrentHashMap<>();
            accounts.forEach(a -> live.put(a, new ConcurrentLinkedQueue<>()));
            List<String> sent = new CopyOnWriteArrayList<>();
            List<long[]> paid = new CopyOnWriteArrayList<>();
            AtomicInteger bought = new AtomicInteger();
            AtomicInteger cancelled = new AtomicInteger();
            AtomicInteger coded = new AtomicInteger();

            List<String> unbalanced = new CopyOnWriteArrayList<>();
            AtomicInteger snapshots = new AtomicInteger();
            AtomicBoolean trading = new AtomicBoolean(true);
            ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor();
            reader.scheduleAtFixedRate(() -> {
                if (trading.get()) {
                    try {
                        snapshot(db).ifPresent(unbalanced::add);
                        snapshots.incrementAndGet();
                    } catch (RuntimeException e) {
                        unbalanced.add("snapshot failed: " + e); // a thrown task would silently stop the schedule
                    }
                }
            }, 0, 50, TimeUnit.MILLISECONDS);

            ExecutorService traders = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                work.add(traders.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < OPERATIONS; i++) {
                        AccountId owner = accounts.get(random.nextInt(ACCOUNTS));
                        int dice = random.nextInt(100);
                        if (dice < 40) {
                            if (market.buyTelegram(owner) instanceof PlaceResult.Placed placed) {
                                live.get(owner).add(placed.activation().id());
                                bought.incrementAndGet();
                            }
                        } else if (dice < 70) {
                            Integer id = live.get(owner).poll();
                            if (id != null && market.orders().cancel(owner, id) instanceof ActivationChange.Changed) {
                                cancelled.incrementAndGet();
                            }
                        } else if (dice < 85) {
                            Integer id = live.get(owner).poll();
                            if (id != null && market.orders().injectSandboxSms(owner, id, "Telegram", "Telegram code: 12345")
                                    instanceof SandboxSms.Delivered) {
                                coded.incrementAndGet();
                            }
                        } else if (dice < 93) {
                            long cents = random.nextLong(100, 5_000);
                            if (topups.start(owner, cents * 10_000) instanceof Topups.StartResult.Created created) {
                                long id = created.topup().id();
                                String event = stripe.checkoutCompleted(FakeStripe.newEventId(), id, "pi_conc_" + id, cents, clock.instant());
                                topups.receive(event, FakeStripe.sign(event, clock.instant()));
                                sent.add(event);
                                paid.add(new long[]{id, cents});
                            }
                        } else if (dice < 97) {
                            // A refund (a running total, possibly older than one already told) or a dispute of any paid top-up.
                            long[] topup = paid.isEmpty() ? null : paid.get(random.nextInt(paid.size()));
                            if (topup != null) {
                                String pi = "pi_conc_" + topup[0];
                                String event = random.nextBoolean()
                                        ? FakeStripe.chargeRefunded(FakeStripe.newEventId(), pi, topup[1], random.nextLong(0, topup[1] + 1), clock.instant())
                                        : FakeStripe.dispute(FakeStripe.newEventId(), random.nextBoolean() ? "charge.dispute.created" : "charge.dispute.closed",
                                        "dp_conc_" + topup[0], pi, topup[1], List.of("needs_response", "won", "lost").get(random.nextInt(3)), clock.instant());
                                topups.receive(event, FakeStripe.sign(event, clock.instant()));
                                sent.add(event);
                            }
                        } else {
                            // Stripe delivering an event again, possibly while the first delivery is still running.
                            String event = sent.isEmpty() ? null : sent.get(random.nextInt(Math.max(0, sent.size() - 20), sent.size()));
                            if (event != null) {
                                topups.receive(event, FakeStripe.sign(event, clock.instant()));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(10, TimeUnit.MINUTES);
            }
            trading.set(false);
            reader.shutdown();
            assertTrue(reader.awaitTermination(10, TimeUnit.SECONDS));
            traders.shutdown();

            assertEquals(List.of(), unbalanced);
            assertTrue(snapshots.get() >= 20, "only " + snapshots.get() + " snapshots");
            assertEquals(List.of(), market.ledger().audit());
            assertEquals(Optional.empty(), snapshot(db));
            // The money is where the operations put it: sandbox credits plus each paid top-up once,
            // less what codes charged and what refunds and disputes took back (and gave back), is
            // what the customers hold, net of what they owe.
            long net = 0;
            for (AccountId a : accounts) {
                Balance b = market.ledger().balance(a);
                net += b.availableMicros() + b.heldMicros() - b.debtMicros();
            }
            long toppedUp = sum(db, "select coalesce(sum(amount_micros), 0) from topup where status = 'paid'");
            long creditedOnce = sum(db, "select coalesce(sum(amount_micros), 0) from transfer where kind = 'topup'");
            assertEquals(toppedUp, creditedOnce, "each paid top-up credited exactly once");
            long charged = sum(db, "select coalesce(sum(amount_micros), 0) from transfer where kind = 'post'");
            long takenBack = sum(db, "select coalesce(sum(amount_micros), 0) from transfer where kind in ('refund', 'dispute', 'debt')");
            long givenBack = sum(db, "select coalesce(sum(amount_micros), 0) from transfer where kind = 'dispute_won'");
            long refundedTotals = sum(db, "select coalesce(sum(refunded_micros), 0) from topup");
            long disputesHeld = sum(db, "select coalesce(sum(taken_micros), 0) from stripe_dispute");
            assertEquals(refundedTotals + disputesHeld, takenBack - givenBack, "refunds by their running totals, disputes by their latest status");
            assertEquals(ACCOUNTS * Accounts.SANDBOX_CREDIT_MICROS + toppedUp - charged - takenBack + givenBack, net);
            System.out.printf("concurrency: %d bought, %d cancelled, %d coded, %d Stripe events sent, %s taken back, %d snapshots%n",
                    bought.get(), cancelled.get(), coded.get(), sent.size(), takenBack, snapshots.get());
            assertTrue(bought.get() > 1000 && cancelled.get() > 100 && coded.get() > 100 && toppedUp > 0 && takenBack > 0);
        } finally {
            db.close();
        }
    }

    private static long sum(Database db, String sql) {
        return db.dsl().fetchOne(sql).get(0, Long.class);
    }

    /** One consistent look at the totals; a description of what does not balance, if anything. */
    private static Optional<String> snapshot(Database db) {
        return db.dsl().transactionResult(c -> {
            var dsl = c.dsl();
            dsl.execute("set transaction isolation level repeatable read");
            Record totals = dsl.fetchOne("""
                    select (select coalesce(sum(balance_micros), 0) from ledger_account where account_id is not null and cached)
                           -- held money is not cached (V16): it is what its transfers say
                           + (select coalesce(sum(case when h.id = t.credit_account_id then t.amount_micros else -t.amount_micros end), 0)
                                from transfer t join ledger_account h
                                  on h.id in (t.debit_account_id, t.credit_account_id) and h.account_id is not null and not h.cached)
                             as customers,
                           (select coalesce(sum(case when h.id = t.credit_account_id then t.amount_micros else -t.amount_micros end), 0)
                              from transfer t join ledger_account h
                                on h.id in (t.debit_account_id, t.credit_account_id) and h.account_id is null) as house,
                           (select count(*) from ledger_account where account_id is not null
                               and ((kind = 'debt' and balance_micros > 0) or (kind <> 'debt' and balance_micros < 0))) as negative,
                           (select count(*) from ledger_account d join ledger_account w on w.account_id = d.account_id and w.kind = 'wallet'
                             where d.kind = 'debt' and d.balance_micros < 0 and w.balance_micros > 0) as owing_with_money""");
            BigDecimal customers = totals.get("customers", BigDecimal.class);
            BigDecimal house = totals.get("house", BigDecimal.class);
            long negative = totals.get("negative", Long.class);
            long owingWithMoney = totals.get("owing_with_money", Long.class);
            if (customers.add(house).signum() != 0 || negative != 0 || owingWithMoney != 0) {
                return Optional.of("customers hold " + customers + ", house accounts " + house + ", " + negative + " below zero, "
                        + owingWithMoney + " owing with money to spend");
            }
            return Optional.<String>empty();
        });
    }
}
