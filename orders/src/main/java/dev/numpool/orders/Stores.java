package dev.numpool.orders;

import dev.numpool.db.ConstraintViolation;
import org.jooq.DSLContext;

import java.util.function.Function;

/**
 * The orders module's stores, one per concern, over one connection: the pool (each statement its
 * own transaction) or, inside {@link #transaction}, one transaction that all of them share, so a
 * code's post, its SMS and its webhooks commit together.
 */
final class Stores {
    private final DSLContext dsl;
    private final WebhookSignal webhookSignal;
    private final AccountStore accounts;
    private final LedgerStore ledger;
    private final ActivationStore activations;
    private final IdempotencyStore keys;
    private final IntakeStore intake;
    private final UpstreamStore upstream;
    private final TopupStore topups;
    private final WebhookStore webhooks;
    private final AuditStore audit;
    private final CodeStore codes;
    private final OperatorStore operators;
    private final UserStore users;
    private final TwoStepStore twoStep;
    private final FavouriteStore favourites;
    private final MaxPriceStore maxPrices;
    private final RentalStore rentals;

    Stores(DSLContext dsl) {
        this(dsl, WebhookSignal.NONE);
    }

    Stores(DSLContext dsl, WebhookSignal webhookSignal) {
        this.dsl = dsl;
        this.webhookSignal = webhookSignal;
        this.accounts = new AccountStore(dsl);
        this.ledger = new LedgerStore(dsl);
        this.activations = new ActivationStore(dsl);
        this.keys = new IdempotencyStore(dsl);
        this.intake = new IntakeStore(dsl);
        this.upstream = new UpstreamStore(dsl);
        this.topups = new TopupStore(dsl);
        this.webhooks = new WebhookStore(dsl);
        this.audit = new AuditStore(dsl);
        this.codes = new CodeStore(dsl);
        this.operators = new OperatorStore(dsl);
        this.users = new UserStore(dsl);
        this.twoStep = new TwoStepStore(dsl);
        this.favourites = new FavouriteStore(dsl);
        this.maxPrices = new MaxPriceStore(dsl);
        this.rentals = new RentalStore(dsl);
    }

    /**
     * Runs {@code work} in one transaction; once it committed, a transaction that queued webhook
     * deliveries wakes the dispatchers (never before the commit: they could not see the rows). A
     * write the database refuses by a constraint, at once or at the commit, comes out as a
     * {@link ConstraintViolation}.
     */
    <T> T transaction(Function<Stores, T> work) {
        Stores[] inner = new Stores[1];
        T result;
        try {
            result = dsl.transactionResult(c -> work.apply(inner[0] = new Stores(c.dsl(), webhookSignal)));
        } catch (RuntimeException e) {
            throw ConstraintViolation.translated(e);
        }
        if (inner[0] != null && inner[0].webhooks.queued()) {
            webhookSignal.queued();
        }
        return result;
    }

    AccountStore accounts() {
        return accounts;
    }

    MaxPriceStore maxPrices() {
        return maxPrices;
    }

    LedgerStore ledger() {
        return ledger;
    }

    ActivationStore activations() {
        return activations;
    }

    IdempotencyStore idempotencyKeys() {
        return keys;
    }

    IntakeStore intake() {
        return intake;
    }

    UpstreamStore upstream() {
        return upstream;
    }

    TopupStore topups() {
        return topups;
    }

    WebhookStore webhooks() {
        return webhooks;
    }

    AuditStore audit() {
        return audit;
    }

    /** The SQL of reading codes (templates, the review queue), on this handle's connection. */
    CodeStore codes() {
        return codes;
    }

    OperatorStore operators() {
        return operators;
    }

    /** The links mailed to website users, and whether their email is proven. */
    UserStore users() {
        return users;
    }

    /** Customers' two-step sign-in: their TOTP secrets and the sessions that passed a code. */
    TwoStepStore twoStep() {
        return twoStep;
    }

    /** Buyers' favourite offers. */
    FavouriteStore favourites() {
        return favourites;
    }

    /** The SQL of rentals: the rental, its paid periods and its SMS. */
    RentalStore rentals() {
        return rentals;
    }
}
