package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.inventory.Money;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Balances and the guarantees behind them. Money moves only as append-only transfers: a hold
 * (wallet → held) at purchase, then a post (held → revenue) when a code arrives or a void
 * (held → wallet) on cancel or expiry. The database keeps each customer's wallet and held
 * balances from going below zero and lets each hold resolve only once.
 */
public final class Ledger {
    private final OrdersStore store;
    private final Clock clock;

    Ledger(OrdersStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public static Ledger create(Database db, Clock clock) {
        return new Ledger(new OrdersStore(db.dsl()), clock);
    }

    public Balance balance(AccountId owner) {
        return store.balance(owner);
    }

    /** Adds play money to a sandbox account (the sandbox's stand-in for a card top-up). */
    public void creditSandbox(AccountId owner, long amountMicros, String reference) {
        if (amountMicros <= 0 || amountMicros > Money.MAX_MICROS) {
            throw new IllegalArgumentException("a credit is positive and at most " + Money.MAX_MICROS + " micros");
        }
        store.transaction(s -> {
            creditSandbox(s, owner, amountMicros, reference, clock.instant());
            return null;
        });
    }

    /**
     * Checks the ledger's invariants: every cached balance equals the sum of its transfers, and
     * every ended activation's hold was resolved. Empty when all hold.
     */
    public List<String> audit() {
        List<String> problems = new java.util.ArrayList<>(store.cachedBalanceMismatches());
        int unresolved = store.unresolvedHoldsOfEndedActivations();
        if (unresolved > 0) {
            problems.add(unresolved + " ended activations with an unresolved hold");
        }
        return problems;
    }

    static void creditSandbox(OrdersStore s, AccountId owner, long amountMicros, String reference, Instant now) {
        s.insertTransfer("sandbox_credit", s.houseLedger("sandbox_funding", "USD"), s.customerLedger(owner, "wallet"),
                amountMicros, null, reference, now);
    }
}
