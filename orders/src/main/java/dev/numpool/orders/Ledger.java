package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.inventory.Money;

import org.jooq.exception.DataAccessException;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Balances and the guarantees behind them. Money moves only as append-only transfers: a hold
 * (wallet → held) at purchase, then a post (held → revenue) when a code arrives or a void
 * (held → wallet) on cancel or expiry; top-ups, refunds and disputes come through {@link Topups}.
 * The database keeps each customer's wallet from going below zero, lets each hold resolve only
 * once and only by its own amount, and makes whatever reaches a wallet pay the owner's debt first.
 * A customer's held balance is the sum of its open holds rather than a cached row, so posting a
 * code's money locks nothing shared by the account's other activations.
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

    /** With Redis, an operator credit's {@code balance.credited} webhook leaves at its commit (see {@link Webhooks}). */
    public static Ledger create(Database db, dev.numpool.db.Redis redis, Clock clock) {
        return new Ledger(new OrdersStore(db.dsl(), new WebhookSignal(redis)), clock);
    }

    public Balance balance(AccountId owner) {
        return store.balance(owner);
    }

    public boolean exists(AccountId account) {
        return store.accountExists(account);
    }

    /** Filters for {@link #transactions}: empty {@code types} means all; {@code to} is exclusive. */
    public record TransactionQuery(Set<String> types, Optional<Instant> from, Optional<Instant> to, Optional<String> cursor, int limit) {
        public TransactionQuery {
            types = Set.copyOf(types);
            if (!LedgerEntry.TYPES.containsAll(types)) {
                throw new IllegalArgumentException("unknown transaction types " + types);
            }
            if (limit < 1 || limit > MAX_PAGE) {
                throw new IllegalArgumentException("a page holds 1 to " + MAX_PAGE + " entries");
            }
            if (cursor.isPresent() && !validCursor(cursor.get())) {
                throw new IllegalArgumentException("not a cursor this ledger handed out");
            }
        }
    }

    public static final int MAX_PAGE = 500;

    /** The owner's movements, newest first, a page at a time. */
    public Page<LedgerEntry> transactions(AccountId owner, TransactionQuery query) {
        long before = query.cursor().map(Long::parseLong).orElse(Long.MAX_VALUE);
        List<LedgerEntry> entries = store.entries(owner, query.types(), query.from(), query.to(), before, query.limit() + 1);
        if (entries.size() > query.limit()) {
            List<LedgerEntry> page = entries.subList(0, query.limit());
            return new Page<>(page, Optional.of(String.valueOf(page.getLast().id())));
        }
        return new Page<>(entries, Optional.empty());
    }

    /** A CSV export stops here; narrower filters give the rest. */
    public static final int MAX_CSV_ROWS = 100_000;

    /**
     * Every movement the query selects (its cursor and limit ignored), newest first, as RFC 4180
     * CSV written to {@code out} a page at a time, so years of history cost no more memory than
     * one page. Returns the rows written; at {@link #MAX_CSV_ROWS} it stops.
     */
    public int exportCsv(AccountId owner, TransactionQuery query, java.io.OutputStream out) throws java.io.IOException {
        out.write("id,created_at,type,amount,currency,available_change,held_change,debt_change,reference\r\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        TransactionQuery page = new TransactionQuery(query.types(), query.from(), query.to(), Optional.empty(), MAX_PAGE);
        int rows = 0;
        while (rows < MAX_CSV_ROWS) {
            Page<LedgerEntry> entries = transactions(owner, page);
            StringBuilder chunk = new StringBuilder();
            for (LedgerEntry e : entries.items()) {
                chunk.append(e.id()).append(',').append(e.createdAt()).append(',').append(e.type()).append(',')
                        .append(Money.format(e.amountMicros())).append(',').append(e.currency()).append(',')
                        .append(Money.format(e.availableChangeMicros())).append(',').append(Money.format(e.heldChangeMicros())).append(',')
                        .append(Money.format(e.debtChangeMicros())).append(',').append(csvField(e.reference())).append("\r\n");
            }
            out.write(chunk.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            rows += entries.items().size();
            if (entries.nextCursor().isEmpty()) {
                break;
            }
            page = new TransactionQuery(query.types(), query.from(), query.to(), entries.nextCursor(), MAX_PAGE);
        }
        return rows;
    }

    /** RFC 4180 quoting, and a leading quote mark on anything a spreadsheet would run as a formula. */
    static String csvField(String value) {
        String safe = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        return safe.matches("[^\",\r\n]*") ? safe : "\"" + safe.replace("\"", "\"\"") + "\"";
    }

    /** True when {@code cursor} is one {@link #transactions} could have handed out. */
    public static boolean validCursor(String cursor) {
        return cursor != null && cursor.matches("[1-9][0-9]{0,17}");
    }

    /**
     * An operator's credit to or debit from an account's available balance, with the reason and
     * who did it recorded beside the transfer. A credit pays the account's debt first. The same
     * {@code idempotencyKey} again (a retried request) is the same adjustment, made once.
     */
    public AdjustResult adjust(AccountId account, boolean credit, long amountMicros, String reason, String actor, String idempotencyKey) {
        if (amountMicros <= 0 || amountMicros > Money.MAX_MICROS) {
            throw new IllegalArgumentException("an adjustment is positive and at most " + Money.MAX_MICROS + " micros");
        }
        if (reason == null || reason.isBlank() || reason.length() > 500) {
            throw new IllegalArgumentException("an adjustment has a reason of 1 to 500 characters");
        }
        if (idempotencyKey == null || idempotencyKey.isEmpty() || idempotencyKey.length() > 255) {
            throw new IllegalArgumentException("an adjustment has an idempotency key of 1 to 255 characters");
        }
        String direction = credit ? "credit" : "debit";
        try {
            return store.transaction(s -> {
                if (!s.accountExists(account)) {
                    return new AdjustResult.UnknownAccount();
                }
                Optional<AdjustResult> earlier = replay(s, account, direction, amountMicros, reason.strip(), idempotencyKey);
                if (earlier.isPresent()) {
                    return earlier.get();
                }
                Balance before = s.lockBalance(account);
                if (!credit && before.availableMicros() < amountMicros) {
                    return new AdjustResult.InsufficientBalance(before.availableMicros());
                }
                Instant now = clock.instant();
                OrdersStore.CustomerLedgers l = s.customerLedgers(account);
                long house = s.houseLedger("adjustments", before.currency());
                long adjustmentId = s.nextAdjustmentId();
                String reference = "adjustment:" + adjustmentId;
                long transfer = credit
                        ? s.insertTransfer("operator_credit", house, l.wallet(), amountMicros, null, reference, now)
                        : s.insertTransfer("operator_debit", l.wallet(), house, amountMicros, null, reference, now);
                s.insertAdjustment(adjustmentId, account, idempotencyKey, transfer, direction, amountMicros, reason.strip(), actor, now);
                Balance after = s.balance(account);
                if (credit) {
                    Topups.balanceCredited(s, account, amountMicros, "operator_credit", reference, after, now);
                }
                return new AdjustResult.Adjusted(adjustmentId, s.entry(account, transfer), after, false);
            });
        } catch (DataAccessException e) {
            // The same key in a concurrent request: the other one's adjustment is this one's answer.
            return store.transaction(s -> replay(s, account, direction, amountMicros, reason.strip(), idempotencyKey)).orElseThrow(() -> e);
        }
    }

    private static Optional<AdjustResult> replay(OrdersStore s, AccountId account, String direction, long amountMicros, String reason,
                                                 String idempotencyKey) {
        return s.adjustmentByKey(account, idempotencyKey).map(a -> a.getDirection().equals(direction)
                && a.getAmountMicros() == amountMicros && a.getReason().equals(reason)
                ? new AdjustResult.Adjusted(a.getId(), s.entry(account, a.getTransferId()), s.balance(account), true)
                : new AdjustResult.KeyReused());
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
     * Checks the ledger's invariants: every cached balance equals the sum of its transfers, every
     * ended activation's hold was resolved, and every open hold is a live activation's (so the
     * held balances, which are open holds, account for all of them). Empty when all hold.
     */
    public List<String> audit() {
        List<String> problems = new java.util.ArrayList<>(store.cachedBalanceMismatches());
        int unresolved = store.unresolvedHoldsOfEndedActivations();
        if (unresolved > 0) {
            problems.add(unresolved + " ended activations with an unresolved hold");
        }
        int orphans = store.openHoldsWithoutLiveActivation() - unresolved;
        if (orphans > 0) {
            problems.add(orphans + " open holds of no activation");
        }
        return problems;
    }

    static void creditSandbox(OrdersStore s, AccountId owner, long amountMicros, String reference, Instant now) {
        s.insertTransfer("sandbox_credit", s.houseLedger("sandbox_funding", "USD"), s.customerLedger(owner, "wallet"),
                amountMicros, null, reference, now);
    }
}
