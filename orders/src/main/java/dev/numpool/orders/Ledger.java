package dev.numpool.orders;

import dev.numpool.db.ConstraintViolation;
import dev.numpool.db.Database;
import dev.numpool.inventory.Money;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Balances and the guarantees behind them, and every way money moves: {@link Transfers} writes
 * every transfer but one, the order's hold, which {@code place_order} (V21) writes with the order
 * in one statement, with the kind and the accounts {@link Transfers#holdAccounts} gives it.
 * Money moves only as append-only transfers: a hold (wallet → held) at purchase, then a post (held → revenue, or test revenue for a test account) when a code arrives or a void (held → wallet) on cancel
 * or expiry; a credit into the wallet (a card top-up, a won dispute, an operator's credit, sandbox
 * play money); a take-back to the card network (a refund, a lost dispute), from the wallet as far
 * as it goes and the rest as debt; an operator's debit. The database keeps each customer's wallet from going below zero, lets each hold resolve only
 * once and only by its own amount, and makes whatever reaches a wallet pay the owner's debt first.
 * A customer's held balance is the sum of its open holds rather than a cached row, so posting a
 * code's money locks nothing shared by the account's other activations.
 */
public final class Ledger {
    private final Stores stores;
    private final Clock clock;
    private final Transfers transfers = new Transfers();

    Ledger(Stores stores, Clock clock) {
        this.stores = stores;
        this.clock = clock;
    }

    public static Ledger create(Database db, Clock clock) {
        return new Ledger(new Stores(db.dsl()), clock);
    }

    /** With Redis, an operator credit's {@code balance.credited} webhook leaves at its commit (see {@link Webhooks}). */
    public static Ledger create(Database db, dev.numpool.db.Redis redis, Clock clock) {
        return new Ledger(new Stores(db.dsl(), new WebhookSignal(redis)), clock);
    }

    public Balance balance(AccountId owner) {
        return stores.ledger().balance(owner);
    }

    public boolean exists(AccountId account) {
        return stores.accounts().exists(account);
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
        List<LedgerEntry> entries = stores.ledger().entries(owner, query.types(), query.from(), query.to(), before, query.limit() + 1);
        if (entries.size() > query.limit()) {
            List<LedgerEntry> page = entries.subList(0, query.limit());
            return new Page<>(page, Optional.of(String.valueOf(page.getLast().id())));
        }
        return new Page<>(entries, Optional.empty());
    }

    /** A movement of the owner's money and its available balance right after it. */
    public record Movement(LedgerEntry entry, long availableAfterMicros) {
    }

    /** One page of {@link #movements}, and how many movements the owner has in all. */
    public record MovementPage(List<Movement> items, int total) {
        public MovementPage {
            items = List.copyOf(items);
        }
    }

    /** Deeper than this no page of {@link #movements} reaches. */
    public static final int MAX_MOVEMENT_OFFSET = 100_000;

    /**
     * The owner's movements by position, newest or oldest first, each with the available balance
     * after it (5sim's payment history pages this way). {@code offset} 0 to
     * {@value #MAX_MOVEMENT_OFFSET}, {@code limit} 1 to {@value #MAX_PAGE}.
     */
    public MovementPage movements(AccountId owner, int offset, int limit, boolean newestFirst) {
        if (offset < 0 || offset > MAX_MOVEMENT_OFFSET || limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("offset 0 to " + MAX_MOVEMENT_OFFSET + ", limit 1 to " + MAX_PAGE);
        }
        List<LedgerEntry> entries = stores.ledger().entriesAt(owner, offset, limit, newestFirst);
        int total = stores.ledger().countEntries(owner);
        if (entries.isEmpty()) {
            return new MovementPage(List.of(), total);
        }
        List<LedgerEntry> newest = newestFirst ? entries : entries.reversed();
        long available = stores.ledger().availableAfter(owner, newest.getFirst().id());
        List<Movement> items = new java.util.ArrayList<>(newest.size());
        for (LedgerEntry e : newest) {
            items.add(new Movement(e, available));
            available -= e.availableChangeMicros();
        }
        return new MovementPage(newestFirst ? items : items.reversed(), total);
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
            return stores.transaction(s -> {
                if (!s.accounts().exists(account)) {
                    return new AdjustResult.UnknownAccount();
                }
                if (s.accounts().isTest(account)) {
                    return new AdjustResult.TestAccount(); // the adjustments account holds real money only
                }
                Optional<AdjustResult> earlier = replay(s, account, direction, amountMicros, reason.strip(), idempotencyKey);
                if (earlier.isPresent()) {
                    return earlier.get();
                }
                Balance before = s.ledger().lockBalance(account);
                if (!credit && before.availableMicros() < amountMicros) {
                    return new AdjustResult.InsufficientBalance(before.availableMicros());
                }
                Instant now = clock.instant();
                long adjustmentId = s.ledger().nextAdjustmentId();
                String reference = "adjustment:" + adjustmentId;
                long transfer = credit
                        ? transfers.credit(s, account, Kind.OPERATOR_CREDIT, amountMicros, before.currency(), reference, now)
                        : transfers.debit(s, account, amountMicros, before.currency(), reference, now);
                s.ledger().insertAdjustment(adjustmentId, account, idempotencyKey, transfer, direction, amountMicros, reason.strip(), actor, now);
                Balance after = s.ledger().balance(account);
                if (credit) {
                    Webhooks.queueBalanceCredited(s, account, amountMicros, "operator_credit", reference, after, now);
                }
                return new AdjustResult.Adjusted(adjustmentId, s.ledger().entry(account, transfer), after, false);
            });
        } catch (ConstraintViolation e) {
            // The same key in a concurrent request: the other one's adjustment is this one's answer.
            return stores.transaction(s -> replay(s, account, direction, amountMicros, reason.strip(), idempotencyKey)).orElseThrow(() -> e);
        }
    }

    private static Optional<AdjustResult> replay(Stores s, AccountId account, String direction, long amountMicros, String reason,
                                                 String idempotencyKey) {
        return s.ledger().adjustmentByKey(account, idempotencyKey).map(a -> a.direction().equals(direction)
                && a.amountMicros() == amountMicros && a.reason().equals(reason)
                ? new AdjustResult.Adjusted(a.id(), s.ledger().entry(account, a.transferId()), s.ledger().balance(account), true)
                : new AdjustResult.KeyReused());
    }

    /** Adds play money to a sandbox account (the sandbox's stand-in for a card top-up). */
    public void creditSandbox(AccountId owner, long amountMicros, String reference) {
        if (amountMicros <= 0 || amountMicros > Money.MAX_MICROS) {
            throw new IllegalArgumentException("a credit is positive and at most " + Money.MAX_MICROS + " micros");
        }
        stores.transaction(s -> transfers.credit(s, owner, Kind.SANDBOX_CREDIT, amountMicros, "USD", reference, clock.instant()));
    }

    /**
     * Checks the ledger's invariants: every cached balance equals the sum of its transfers, every
     * ended activation's hold was resolved, and every open hold is a live activation's (so the
     * held balances, which are open holds, account for all of them). Empty when all hold.
     */
    public List<String> audit() {
        List<String> problems = new java.util.ArrayList<>(stores.ledger().cachedBalanceMismatches());
        int unresolved = stores.ledger().unresolvedHoldsOfEndedActivations();
        if (unresolved > 0) {
            problems.add(unresolved + " ended activations with an unresolved hold");
        }
        int unresolvedPeriods = stores.ledger().unresolvedHoldsOfEndedRentals();
        if (unresolvedPeriods > 0) {
            problems.add(unresolvedPeriods + " paid periods of ended rentals with an unresolved hold");
        }
        int orphans = stores.ledger().openHoldsWithoutLiveActivation() - unresolved - unresolvedPeriods;
        if (orphans > 0) {
            problems.add(orphans + " open holds of no activation"); // nor of an active rental
        }
        int early = stores.ledger().chargedBeforeTheirPeriod(clock.instant());
        if (early > 0) {
            problems.add(early + " rental periods charged before they began");
        }
        return problems;
    }

    static void creditSandbox(Stores s, AccountId owner, long amountMicros, String reference, Instant now) {
        new Transfers().credit(s, owner, Kind.SANDBOX_CREDIT, amountMicros, "USD", reference, now);
    }

    /**
     * The kinds of transfer, as {@code transfer.kind} stores them, each with the house ledger
     * account money comes from or goes to (none for a customer's own accounts).
     */
    enum Kind {
        /** Wallet → held: an activation's price, until its code (post) or its end (void). */
        HOLD("hold", null),
        /** Held → revenue: the code arrived, the hold is earned. */
        POST("post", "revenue"),
        /** Held → wallet: no code, the hold goes back. */
        VOID("void", null),
        /** Stripe → wallet: a paid card top-up. */
        TOPUP("topup", "stripe"),
        /** Wallet → Stripe: a refunded top-up taken back. */
        REFUND("refund", "stripe"),
        /** Wallet → Stripe: a disputed top-up taken back. */
        DISPUTE("dispute", "stripe"),
        /** Stripe → wallet: a dispute won gives back what it took. */
        DISPUTE_WON("dispute_won", "stripe"),
        /** Debt → Stripe: what a take-back found no money in the wallet for. */
        DEBT("debt", "stripe"),
        /** Adjustments → wallet: an operator's credit. */
        OPERATOR_CREDIT("operator_credit", "adjustments"),
        /** Wallet → adjustments: an operator's debit. */
        OPERATOR_DEBIT("operator_debit", "adjustments"),
        /** Sandbox funding → wallet: play money. */
        SANDBOX_CREDIT("sandbox_credit", "sandbox_funding");

        private final String wire;
        private final String house;

        Kind(String wire, String house) {
            this.wire = wire;
            this.house = house;
        }

        String wire() {
            return wire;
        }
    }

    /**
     * The only writer of transfers: each operation appends its transfers in the caller's
     * transaction ({@code s}), and the database triggers move the cached balances, keep wallets
     * from going below zero and pay debt first from whatever reaches a wallet. Ledger account ids
     * never change once created, so each instance remembers them (bounded).
     */
    static final class Transfers {
        private static final int MAX_REMEMBERED = 200_000;
        /** The house account test accounts' codes pay, beside {@link Kind#POST}'s revenue. */
        private static final String TEST_REVENUE = "test_revenue";
        private final Map<Long, LedgerStore.CustomerLedgers> customers = new ConcurrentHashMap<>();
        private final Map<String, Long> house = new ConcurrentHashMap<>();

        /** Moves {@code amount} from the owner's wallet to held; returns the hold's id. Fails (23514) without the money. */
        long hold(Stores s, AccountId owner, long amount, String reference, Instant now) {
            LedgerStore.CustomerLedgers l = customer(s, owner);
            return s.ledger().insertTransfer(Kind.HOLD, l.wallet(), l.held(), amount, null, reference, now);
        }

        /**
         * Moves {@code amount} from the owner's wallet to held once per reference, in one statement
         * (a rental's paid periods); returns the holds' ids in the order of {@code references}.
         * Fails (23514) as a whole when the wallet cannot pay them all.
         */
        List<Long> holds(Stores s, AccountId owner, long amount, List<String> references, Instant now) {
            LedgerStore.CustomerLedgers l = customer(s, owner);
            return s.ledger().insertHolds(l.wallet(), l.held(), amount, references, now);
        }

        /**
         * The accounts a hold moves money between (wallet, then held), for the one statement that
         * writes an order with its hold ({@link ActivationStore#placeOrder}, V21): the order path's
         * hold is written there, as {@link Kind#HOLD}, so that an order costs one round trip.
         */
        LedgerStore.CustomerLedgers holdAccounts(Stores s, AccountId owner) {
            return customer(s, owner);
        }

        /**
         * Earns hold {@code holdId}: held → revenue, or test revenue for a test account, so that
         * play money never reaches the real revenue (V24 makes it a database rule). The database
         * lets each hold resolve once, by its own amount.
         */
        void post(Stores s, AccountId owner, long holdId, long amount, String currency, String reference, Instant now) {
            LedgerStore.CustomerLedgers l = customer(s, owner);
            long revenue = l.test() ? house.computeIfAbsent(TEST_REVENUE + ":" + currency, k -> s.ledger().houseLedger(TEST_REVENUE, currency))
                    : house(s, Kind.POST, currency);
            s.ledger().insertTransfer(Kind.POST, l.held(), revenue, amount, holdId, reference, now);
        }

        /** Gives hold {@code holdId} back: held → wallet. */
        void release(Stores s, AccountId owner, long holdId, long amount, String reference, Instant now) {
            LedgerStore.CustomerLedgers l = customer(s, owner);
            s.ledger().insertTransfer(Kind.VOID, l.held(), l.wallet(), amount, holdId, reference, now);
        }

        /** Money into the owner's wallet from the house account of {@code kind}; returns the transfer's id. */
        long credit(Stores s, AccountId owner, Kind kind, long amount, String currency, String reference, Instant now) {
            if (kind != Kind.TOPUP && kind != Kind.DISPUTE_WON && kind != Kind.OPERATOR_CREDIT && kind != Kind.SANDBOX_CREDIT) {
                throw new IllegalArgumentException(kind + " is not a credit");
            }
            return s.ledger().insertTransfer(kind, house(s, kind, currency), customer(s, owner).wallet(), amount, null, reference, now);
        }

        /** An operator's debit: wallet → adjustments; returns the transfer's id. Fails (23514) without the money. */
        long debit(Stores s, AccountId owner, long amount, String currency, String reference, Instant now) {
            return s.ledger().insertTransfer(Kind.OPERATOR_DEBIT, customer(s, owner).wallet(), house(s, Kind.OPERATOR_DEBIT, currency), amount, null,
                    reference, now);
        }

        /**
         * Takes {@code amount} back to Stripe ({@code kind} a refund or a dispute): from the available
         * balance as far as it goes, the rest as debt. Held money is left alone (it belongs to live
         * activations). Locks the owner's ledger accounts first, so no purchase races the split.
         */
        void takeBack(Stores s, AccountId owner, Kind kind, long amount, String reference, Instant now) {
            if (kind != Kind.REFUND && kind != Kind.DISPUTE) {
                throw new IllegalArgumentException(kind + " is not a take-back");
            }
            Balance balance = s.ledger().lockBalance(owner);
            LedgerStore.CustomerLedgers l = customer(s, owner);
            long stripe = house(s, kind, balance.currency());
            if (l.debt() == LedgerStore.NO_DEBT_LEDGER_YET) {
                throw new IllegalStateException("a take-back in the transaction that creates account " + owner.value());
            }
            long fromWallet = Math.min(amount, balance.availableMicros());
            if (fromWallet > 0) {
                s.ledger().insertTransfer(kind, l.wallet(), stripe, fromWallet, null, reference, now);
            }
            if (amount > fromWallet) {
                s.ledger().insertTransfer(Kind.DEBT, l.debt(), stripe, amount - fromWallet, null, reference, now);
            }
        }

        private LedgerStore.CustomerLedgers customer(Stores s, AccountId owner) {
            if (customers.size() > MAX_REMEMBERED) {
                customers.clear(); // refilled one query per account
            }
            LedgerStore.CustomerLedgers known = customers.get(owner.value());
            if (known != null) {
                return known;
            }
            LedgerStore.CustomerLedgers read = s.ledger().customerLedgers(owner);
            if (read.debt() != LedgerStore.NO_DEBT_LEDGER_YET) {
                customers.put(owner.value(), read); // not before the account's creation commits: its debt account is not there yet
            }
            return read;
        }

        private long house(Stores s, Kind kind, String currency) {
            // Sandbox play money is always funded in USD, the sandbox's one currency.
            String in = kind == Kind.SANDBOX_CREDIT ? "USD" : currency;
            return house.computeIfAbsent(kind.house + ":" + in, k -> s.ledger().houseLedger(kind.house, in));
        }
    }
}
