package dev.numpool.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.exception.StripeException;
import com.stripe.net.Webhook;
import dev.numpool.db.Database;
import dev.numpool.inventory.Money;
import io.helidon.config.Config;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Card top-ups through Stripe Checkout, and everything Stripe tells us afterwards.
 *
 * <p>A top-up is a row first, then a Checkout Session whose Idempotency-Key and
 * client_reference_id are that row's id. Money moves only on a signed event: a paid session
 * credits the wallet; a refund or dispute takes back, from the wallet as far as it goes and as
 * debt beyond that (the next money in pays the debt first, see the V14 migration). Every event is
 * stored once by its id; one that cannot be applied yet (its top-up not visible, a refund before
 * its payment) waits and is applied when it can be, so events arriving twice, late or out of
 * order change the balance exactly once.
 */
public final class Topups {
    private static final Logger LOG = Logger.getLogger(Topups.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Stripe's own tolerance for a signature's timestamp. */
    static final long SIGNATURE_TOLERANCE_SECONDS = 300;
    /**
     * A waiting event nobody could apply for this long is parked: the worker stops trying it, but
     * it is applied if its payment is ever credited (a debit is never dropped).
     */
    static final Duration PARK_AFTER = Duration.ofDays(3);
    static final Duration FIRST_RETRY = Duration.ofSeconds(15);
    static final Duration LONGEST_RETRY = Duration.ofHours(1);
    /** Applied events are kept this long: far past Stripe's 3 days of retries, so a repeat is still known. */
    static final Duration KEEP_EVENTS = Duration.ofDays(90);
    private static final Duration PARKED = Duration.ofDays(36_500);
    private static final long MICROS_PER_CENT = 10_000;
    /** Statuses in which Stripe has taken the disputed funds from us. */
    private static final Set<String> DISPUTE_TAKES = Set.of("needs_response", "under_review", "lost");
    /** Statuses in which it has not (inquiries) or gave them back. */
    private static final Set<String> DISPUTE_LEAVES = Set.of("warning_needs_response", "warning_under_review", "warning_closed", "won");
    private static final Set<String> DISPUTE_CLOSED = Set.of("won", "lost", "warning_closed");
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final Stores stores;
    private final Settings settings;
    private final Optional<StripeCheckout> checkout;
    private final Optional<String> webhookSecret;
    private final Clock clock;
    private final Ledger.Transfers transfers = new Ledger.Transfers();

    /**
     * Bounds of a top-up and where Checkout sends the customer back to. The Stripe keys are not
     * here: they come from the environment only.
     */
    public record Settings(long minMicros, long maxMicros, String returnUrl, Optional<String> apiBase, Duration timeout) {
        public Settings {
            if (minMicros < MICROS_PER_CENT || maxMicros < minMicros || maxMicros > Money.MAX_MICROS
                    || minMicros % MICROS_PER_CENT != 0 || maxMicros % MICROS_PER_CENT != 0) {
                throw new OrdersException(OrdersException.Reason.BAD_CONFIGURATION,
                        "top-up bounds must be whole cents, at least 0.01, min ≤ max ≤ " + Money.format(Money.MAX_MICROS));
            }
        }

        /** {@code topups.*}; {@code publicUrl} is where customers reach this Numpool. */
        public static Settings from(Config config, String publicUrl) {
            return new Settings(
                    micros(config.get("min").asString().orElse("5.00")),
                    micros(config.get("max").asString().orElse("1000.00")),
                    config.get("return-url").asString().orElse(publicUrl + "/balance"),
                    config.get("stripe-api-base").asString().asOptional(),
                    Duration.ofSeconds(config.get("stripe-timeout-seconds").asLong().orElse(15L)));
        }

        private static long micros(String decimal) {
            return Money.parseMicros(decimal).orElseThrow(() -> new OrdersException(OrdersException.Reason.BAD_CONFIGURATION,
                    "top-up bound " + decimal + " is not a decimal amount"));
        }
    }

    /** A top-up as its owner sees it. */
    public record Topup(long id, long amountMicros, String currency, TopupStatus status, Optional<String> checkoutUrl,
                        long refundedMicros, Instant createdAt, Optional<Instant> paidAt) {
    }

    /** Every way asking for a top-up can end. Only {@link Created} is a usable Checkout page. */
    public sealed interface StartResult {
        record Created(Topup topup) implements StartResult {
        }

        /** Stripe keys are not configured on this node. */
        record Disabled(String why) implements StartResult {
        }

        /** A test key's account: it has play money only, and Stripe is never asked for a session. */
        record TestAccount() implements StartResult {
        }

        record OutOfBounds(long minMicros, long maxMicros) implements StartResult {
        }

        /** Stripe did not answer usefully after the retries; nothing was charged. */
        record StripeUnavailable(String why) implements StartResult {
        }

        /** This Idempotency-Key started this top-up before: the same top-up (and Checkout page). */
        record Replayed(Topup topup) implements StartResult {
        }

        /** This Idempotency-Key started a top-up of another amount. */
        record KeyReused() implements StartResult {
        }
    }

    /** Every way receiving a Stripe event can end. */
    public sealed interface EventResult {
        /** Stored and applied now (which may mean: nothing to change). */
        record Applied(String outcome) implements EventResult {
        }

        /** Stored; it waits for what it needs (its top-up or payment) and is applied then. */
        record Waiting(String why) implements EventResult {
        }

        /** Signed by Stripe but not something Numpool can read: acknowledged, nothing changed. */
        record Ignored(String why) implements EventResult {
        }

        /** An event id seen before: acknowledged, nothing changed. */
        record Duplicate() implements EventResult {
        }

        /** Not signed by our secret, or outside the time tolerance: nothing stored. */
        record Rejected(String why) implements EventResult {
        }

        /** No webhook secret is configured on this node. */
        record Disabled() implements EventResult {
        }
    }

    Topups(Stores stores, Settings settings, Optional<StripeCheckout> checkout, Optional<String> webhookSecret, Clock clock) {
        this.stores = stores;
        this.settings = settings;
        this.checkout = checkout;
        this.webhookSecret = webhookSecret;
        this.clock = clock;
    }

    /**
     * Top-ups with the keys {@code STRIPE_SECRET_KEY} and {@code STRIPE_WEBHOOK_SECRET} from
     * {@code environment}; without them top-ups are disabled (and say so).
     */
    public static Topups create(Database db, Settings settings, Map<String, String> environment, Clock clock) {
        return create(new Stores(db.dsl()), settings, environment, clock);
    }

    /** With Redis, a top-up's {@code balance.credited} webhook leaves at its commit (see {@link Webhooks}). */
    public static Topups create(Database db, dev.numpool.db.Redis redis, Settings settings, Map<String, String> environment, Clock clock) {
        return create(new Stores(db.dsl(), new WebhookSignal(redis)), settings, environment, clock);
    }

    private static Topups create(Stores stores, Settings settings, Map<String, String> environment, Clock clock) {
        Optional<String> secretKey = nonBlank(environment.get("STRIPE_SECRET_KEY"));
        Optional<StripeCheckout> checkout = secretKey.map(k -> new StripeCheckout(k, settings.apiBase().orElse(null), settings.timeout()));
        return new Topups(stores, settings, checkout, nonBlank(environment.get("STRIPE_WEBHOOK_SECRET")), clock);
    }

    public boolean enabled() {
        return checkout.isPresent() && webhookSecret.isPresent();
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Asks Stripe for a Checkout Session for {@code amountMicros} (whole cents, within the
     * bounds). The top-up row exists before Stripe is called, so every event finds it.
     */
    public StartResult start(AccountId owner, long amountMicros) {
        return start(owner, amountMicros, Optional.empty());
    }

    /**
     * As above, under the customer's {@code idempotencyKey}: the same key again answers the
     * first top-up (a double click or a retried request opens one Checkout session, not two).
     */
    public StartResult start(AccountId owner, long amountMicros, Optional<String> idempotencyKey) {
        if (stores.accounts().isTest(owner)) {
            return new StartResult.TestAccount(); // play money never comes from a card
        }
        if (!enabled()) {
            return new StartResult.Disabled("Card top-ups are not configured on this Numpool (no Stripe keys).");
        }
        if (amountMicros < settings.minMicros() || amountMicros > settings.maxMicros() || amountMicros % MICROS_PER_CENT != 0) {
            return new StartResult.OutOfBounds(settings.minMicros(), settings.maxMicros());
        }
        String currency = stores.ledger().balance(owner).currency();
        String token = java.util.HexFormat.of().formatHex(randomBytes());
        Optional<Long> inserted = stores.topups().insertTopup(owner, amountMicros, currency, token, idempotencyKey, clock.instant());
        if (inserted.isEmpty()) {
            TopupStore.TopupRow first = stores.topups().topupByKey(owner, idempotencyKey.orElseThrow()).orElseThrow();
            return first.amountMicros() == amountMicros ? new StartResult.Replayed(view(first)) : new StartResult.KeyReused();
        }
        long id = inserted.get();
        try {
            StripeCheckout.Created session = checkout.get().create(id, token, amountMicros / MICROS_PER_CENT, currency,
                    settings.returnUrl() + "?topup=" + id + "&result=paid", settings.returnUrl() + "?topup=" + id + "&result=cancelled");
            stores.topups().openTopup(id, session.sessionId(), session.url());
        } catch (StripeException e) {
            stores.topups().endUnpaidTopup(id, TopupStatus.FAILED);
            Integer status = e.getStatusCode();
            if (status != null && status >= 400 && status < 500 && status != 409 && status != 429) {
                // Our request or our keys are wrong: an operator must look, retrying will not help.
                LOG.log(Level.SEVERE, "Stripe refused top-up " + id + " (" + status + ")", e);
                return new StartResult.StripeUnavailable("The card processor refused the request; nothing was charged. We have been told.");
            }
            LOG.log(Level.WARNING, "Stripe failed top-up " + id, e);
            return new StartResult.StripeUnavailable("The card processor did not answer; nothing was charged. Try again in a minute.");
        } catch (RuntimeException e) {
            stores.topups().endUnpaidTopup(id, TopupStatus.FAILED);
            throw e;
        }
        return new StartResult.Created(topup(owner, id).orElseThrow());
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    public Optional<Topup> topup(AccountId owner, long id) {
        return stores.topups().topup(id).filter(t -> t.accountId() == owner.value()).map(Topups::view);
    }

    public List<Topup> topups(AccountId owner, int limit) {
        return stores.topups().topups(owner, limit).stream().map(Topups::view).toList();
    }

    /**
     * One request to {@code POST /webhooks/stripe}: the raw body and its {@code Stripe-Signature}
     * header. The signature is checked on the exact bytes received, within 300 s of our clock.
     */
    public EventResult receive(String payload, String signatureHeader) {
        if (webhookSecret.isEmpty()) {
            return new EventResult.Disabled();
        }
        Optional<String> refused = checkSignature(payload, signatureHeader);
        if (refused.isPresent()) {
            return new EventResult.Rejected(refused.get());
        }
        StripeEvent event;
        try {
            event = StripeEvent.parse(JSON.readTree(payload));
        } catch (IOException | IllegalArgumentException e) {
            // Only Stripe can sign with our secret: refusing would make it retry for days.
            LOG.warning("a signed Stripe event Numpool cannot read: " + e.getMessage());
            return new EventResult.Ignored("not an event Numpool can read: " + e.getMessage());
        }
        Instant now = clock.instant();
        return stores.transaction(s -> {
            if (!s.topups().insertStripeEvent(event.id(), event.type(), event.topupId().orElse(null), event.paymentIntent().orElse(null), payload, now)) {
                return new EventResult.Duplicate();
            }
            Optional<String> outcome = apply(s, event, now);
            if (outcome.isEmpty()) {
                String why = event.waitingFor();
                s.topups().postponeStripeEvent(event.id(), why, 0, now.plus(FIRST_RETRY));
                return new EventResult.Waiting(why);
            }
            s.topups().settleStripeEvent(event.id(), outcome.get(), now);
            return new EventResult.Applied(outcome.get());
        });
    }

    /**
     * Empty when {@code header} signs {@code payload} with our secret within 300 s of our clock
     * (either way: stripe-java bounds only the age, and a signature from the future is as
     * suspect); otherwise why not. Nothing a sender writes in the header can make this throw.
     */
    private Optional<String> checkSignature(String payload, String header) {
        if (header == null || header.isBlank() || header.length() > 2048) {
            return Optional.of("missing or oversized Stripe-Signature header");
        }
        Optional<Long> signedAt = Optional.empty();
        for (String part : header.split(",")) {
            if (part.startsWith("t=")) {
                String digits = part.substring(2);
                signedAt = digits.matches("[0-9]{1,12}") ? Optional.of(Long.parseLong(digits)) : Optional.empty();
                break;
            }
        }
        if (signedAt.isEmpty()) {
            return Optional.of("the Stripe-Signature header has no timestamp");
        }
        if (Math.abs(clock.instant().getEpochSecond() - signedAt.get()) > SIGNATURE_TOLERANCE_SECONDS) {
            return Optional.of("Timestamp outside the tolerance zone");
        }
        try {
            Webhook.Signature.verifyHeader(payload, header, webhookSecret.get(), SIGNATURE_TOLERANCE_SECONDS, clock);
            return Optional.empty();
        } catch (SignatureVerificationException e) {
            return Optional.of(e.getMessage());
        } catch (RuntimeException e) {
            return Optional.of("unreadable Stripe-Signature header");
        }
    }

    /**
     * Tries again the waiting events that are due (a worker calls this; any node may), each in
     * its own transaction, so one that fails or waits holds up no other. An event still waiting
     * is tried less and less often; after {@link #PARK_AFTER} it is parked (see there). Returns
     * how many were applied.
     */
    public int applyWaiting(int limit) {
        int applied = 0;
        for (String id : stores.topups().dueStripeEvents(clock.instant(), limit)) {
            try {
                if (stores.transaction(s -> applyWaiting(s, id, clock.instant()))) {
                    applied++;
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Stripe event " + id + " could not be applied; it is tried again later", e);
            }
        }
        return applied;
    }

    private boolean applyWaiting(Stores s, String id, Instant now) {
        Optional<TopupStore.StripeEventRow> claimed = s.topups().claimStripeEvent(id);
        if (claimed.isEmpty()) {
            return false;
        }
        TopupStore.StripeEventRow r = claimed.get();
        StripeEvent event;
        try {
            event = StripeEvent.parse(JSON.readTree(r.payload()));
        } catch (IOException | IllegalArgumentException e) {
            s.topups().settleStripeEvent(id, "unreadable: " + e.getMessage(), now);
            return false;
        }
        Optional<String> outcome = apply(s, event, now);
        if (outcome.isPresent()) {
            s.topups().settleStripeEvent(id, outcome.get(), now);
            return true;
        }
        int attempts = r.attempts() + 1;
        if (r.receivedAt().plus(PARK_AFTER).isBefore(now)) {
            LOG.warning("Stripe event " + id + " parked after " + PARK_AFTER.toDays() + " days: " + event.waitingFor());
            s.topups().postponeStripeEvent(id, "parked: " + event.waitingFor(), attempts, now.plus(PARKED));
        } else {
            long backoff = Math.min(LONGEST_RETRY.toSeconds(), FIRST_RETRY.toSeconds() << Math.min(attempts, 20));
            s.topups().postponeStripeEvent(id, event.waitingFor(), attempts, now.plusSeconds(backoff));
        }
        return false;
    }

    /** Events still waiting (parked ones included), oldest first: what an operator should look at. */
    public List<WaitingEvent> waiting(int limit) {
        return stores.topups().waitingStripeEvents(limit).stream()
                .map(r -> new WaitingEvent(r.id(), r.type(), r.paymentIntent(), r.receivedAt(), r.attempts(), r.outcome()))
                .toList();
    }

    /** A Stripe event not applied yet, and why. */
    public record WaitingEvent(String id, String type, Optional<String> paymentIntent, Instant receivedAt, int attempts, Optional<String> why) {
    }

    /** Deletes one batch of applied events older than {@link #KEEP_EVENTS}; returns how many. */
    public int pruneEvents(int limit) {
        return stores.topups().pruneStripeEvents(clock.instant().minus(KEEP_EVENTS), limit);
    }

    /** What an event does, in the caller's transaction; empty when it cannot be applied yet. */
    private Optional<String> apply(Stores s, StripeEvent event, Instant now) {
        return switch (event.type()) {
            case "checkout.session.completed" -> "paid".equals(event.paymentStatus())
                    ? credit(s, event, now)
                    : Optional.of("awaiting an asynchronous payment (" + event.paymentStatus() + ")");
            case "checkout.session.async_payment_succeeded" -> credit(s, event, now);
            case "checkout.session.async_payment_failed" -> endUnpaid(s, event, TopupStatus.FAILED);
            case "checkout.session.expired" -> endUnpaid(s, event, TopupStatus.EXPIRED);
            case "charge.refunded" -> refund(s, event, now);
            case "charge.dispute.created", "charge.dispute.closed" -> dispute(s, event, now);
            default -> Optional.of("ignored: not an event Numpool acts on");
        };
    }

    private Optional<String> credit(Stores s, StripeEvent event, Instant now) {
        if (event.topupId().isEmpty()) {
            return Optional.of("ignored: no Numpool top-up reference");
        }
        Optional<TopupStore.TopupRow> found = s.topups().topupForUpdate(event.topupId().get());
        if (found.isEmpty() || found.get().checkoutSessionId().isEmpty() && !event.token().equals(Optional.of(found.get().token()))) {
            return Optional.empty(); // not committed yet, or its session not recorded yet
        }
        TopupStore.TopupRow topup = found.get();
        // Ids restart with every database: only our own session (or its token) speaks for this row.
        if (!belongsTo(event, topup)) {
            return Optional.of("ignored: session " + event.objectId() + " is not this Numpool's top-up " + topup.id());
        }
        TopupStatus status = topup.status();
        if (status == TopupStatus.PAID || status == TopupStatus.MISMATCH) {
            return Optional.of("already settled (" + status.wire() + ")");
        }
        String payment = event.paymentIntent().orElse("session:" + event.objectId());
        Optional<TopupStore.TopupRow> samePayment = s.topups().topupByPaymentForUpdate(payment);
        if (samePayment.isPresent()) {
            return Optional.of("payment already credited to top-up " + samePayment.get().id());
        }
        long paid = event.amountMinor() * MICROS_PER_CENT;
        if (paid != topup.amountMicros() || !topup.currency().equalsIgnoreCase(event.currency())) {
            LOG.severe("top-up " + topup.id() + " was for " + Money.format(topup.amountMicros()) + " " + topup.currency()
                    + " but Stripe reports " + Money.format(paid) + " " + event.currency() + "; not credited, credit it by hand");
            s.topups().settleTopupPayment(topup.id(), TopupStatus.MISMATCH, payment, now);
            return Optional.of("not credited: Stripe reports " + Money.format(paid) + " " + event.currency() + ", the top-up was for "
                    + Money.format(topup.amountMicros()) + " " + topup.currency());
        }
        AccountId owner = new AccountId(topup.accountId());
        String reference = "topup:" + topup.id();
        transfers.credit(s, owner, Ledger.Kind.TOPUP, topup.amountMicros(), topup.currency(), reference, now);
        s.topups().settleTopupPayment(topup.id(), TopupStatus.PAID, payment, now);
        Webhooks.queueBalanceCredited(s, owner, topup.amountMicros(), "topup", reference, s.ledger().balance(owner), now);
        // Refunds and disputes of this payment that came first are applied in this same
        // transaction, so none of the refunded money can be spent in between.
        for (TopupStore.StripeEventRow waiting : s.topups().waitingForPayment(payment, event.id())) {
            try {
                StripeEvent before = StripeEvent.parse(JSON.readTree(waiting.payload()));
                apply(s, before, now).ifPresent(outcome -> s.topups().settleStripeEvent(waiting.id(), outcome, now));
            } catch (IOException | IllegalArgumentException e) {
                s.topups().settleStripeEvent(waiting.id(), "unreadable: " + e.getMessage(), now);
            }
        }
        return Optional.of("credited " + Money.format(topup.amountMicros()));
    }

    private Optional<String> endUnpaid(Stores s, StripeEvent event, TopupStatus status) {
        Optional<TopupStore.TopupRow> topup = event.topupId().flatMap(s.topups()::topupForUpdate);
        if (topup.isEmpty()) {
            return Optional.empty();
        }
        if (!belongsTo(event, topup.get())) {
            return Optional.of("ignored: session " + event.objectId() + " is not this Numpool's top-up " + topup.get().id());
        }
        s.topups().endUnpaidTopup(topup.get().id(), status);
        return Optional.of("top-up " + status.wire());
    }

    /**
     * The credited top-up a refund or dispute is about, locked; or, with no top-up, the outcome
     * that settles the event without one; or neither: the payment is not credited yet, so wait.
     */
    private record PaidTopup(Optional<TopupStore.TopupRow> topup, Optional<String> settled) {
    }

    private static PaidTopup paidTopup(Stores s, StripeEvent event, String what) {
        if (event.paymentIntent().isEmpty()) {
            return new PaidTopup(Optional.empty(), Optional.of("ignored: a " + what + " without a payment intent"));
        }
        Optional<TopupStore.TopupRow> found = s.topups().topupByPaymentForUpdate(event.paymentIntent().get());
        if (found.isPresent() && found.get().status() != TopupStatus.PAID) {
            return new PaidTopup(Optional.empty(), Optional.of("ignored: top-up " + found.get().id() + " was never credited"));
        }
        return new PaidTopup(found, Optional.empty());
    }

    /** charge.refunded carries the refunded total so far: take back only what is new. */
    private Optional<String> refund(Stores s, StripeEvent event, Instant now) {
        PaidTopup paid = paidTopup(s, event, "charge");
        if (paid.topup().isEmpty()) {
            return paid.settled();
        }
        TopupStore.TopupRow topup = paid.topup().get();
        long refundedTotal = Math.min(event.amountRefundedMinor() * MICROS_PER_CENT, topup.amountMicros());
        long delta = refundedTotal - topup.refundedMicros();
        if (delta <= 0) {
            return Optional.of("nothing new refunded");
        }
        transfers.takeBack(s, new AccountId(topup.accountId()), Ledger.Kind.REFUND, delta, "topup:" + topup.id(), now);
        s.topups().setTopupRefunded(topup.id(), refundedTotal);
        return Optional.of("refund of " + Money.format(delta) + " taken back");
    }

    /**
     * A dispute takes its amount back when it opens and gives it back if it closes in our favour;
     * whichever of its events arrives first, the balance ends where the dispute's latest status
     * says it should.
     */
    private Optional<String> dispute(Stores s, StripeEvent event, Instant now) {
        PaidTopup paid = paidTopup(s, event, "dispute");
        if (paid.topup().isEmpty()) {
            return paid.settled();
        }
        TopupStore.TopupRow topup = paid.topup().get();
        if (!DISPUTE_TAKES.contains(event.disputeStatus()) && !DISPUTE_LEAVES.contains(event.disputeStatus())) {
            LOG.warning("dispute " + event.objectId() + " has a status Numpool does not know: " + event.disputeStatus());
            return Optional.of("ignored: unknown dispute status " + event.disputeStatus() + "; balance left as it was");
        }
        AccountId owner = new AccountId(topup.accountId());
        long amount = Math.min(event.amountMinor() * MICROS_PER_CENT, topup.amountMicros());
        if (amount <= 0) {
            return Optional.of("ignored: a dispute of nothing");
        }
        Optional<TopupStore.DisputeRow> known = s.topups().disputeForUpdate(event.objectId());
        if (known.isEmpty()) {
            s.topups().insertDispute(event.objectId(), topup.id(), amount, event.disputeStatus(), now);
            known = s.topups().disputeForUpdate(event.objectId());
        }
        TopupStore.DisputeRow dispute = known.orElseThrow();
        // A closed dispute's outcome is final; an older event never reopens it.
        String status = DISPUTE_CLOSED.contains(dispute.status()) ? dispute.status() : event.disputeStatus();
        long shouldTake = DISPUTE_TAKES.contains(status) ? dispute.amountMicros() : 0;
        String reference = "dispute:" + topup.id();
        String outcome;
        if (shouldTake > dispute.takenMicros()) {
            transfers.takeBack(s, owner, Ledger.Kind.DISPUTE, shouldTake, reference, now);
            outcome = "dispute " + status + ": " + Money.format(shouldTake) + " taken back";
        } else if (shouldTake < dispute.takenMicros()) {
            transfers.credit(s, owner, Ledger.Kind.DISPUTE_WON, dispute.takenMicros(), topup.currency(), reference, now);
            Webhooks.queueBalanceCredited(s, owner, dispute.takenMicros(), "dispute_won", reference, s.ledger().balance(owner), now);
            outcome = "dispute " + status + ": " + Money.format(dispute.takenMicros()) + " given back";
        } else {
            outcome = "dispute " + status + ": balance already right";
        }
        s.topups().updateDispute(dispute.id(), status, shouldTake, DISPUTE_CLOSED.contains(status) ? Optional.of(now) : Optional.empty());
        return Optional.of(outcome);
    }

    /** Whether a Checkout event is about this top-up: its session, or the token the top-up put in the session's metadata. */
    private static boolean belongsTo(StripeEvent event, TopupStore.TopupRow topup) {
        return topup.checkoutSessionId().equals(Optional.of(event.objectId())) || event.token().equals(Optional.of(topup.token()));
    }

    private static Topup view(TopupStore.TopupRow r) {
        return new Topup(r.id(), r.amountMicros(), r.currency(), r.status(), r.status() == TopupStatus.OPEN ? r.checkoutUrl() : Optional.empty(),
                r.refundedMicros(), r.createdAt(), r.paidAt());
    }

    private static Optional<String> nonBlank(String value) {
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }

    /**
     * The fields of a Stripe event Numpool reads, from its JSON (read directly rather than through
     * stripe-java's models, which refuse events of an API version other than the library's).
     */
    record StripeEvent(String id, String type, String objectId, Optional<Long> topupId, Optional<String> token, Optional<String> paymentIntent,
                       String paymentStatus, long amountMinor, long amountRefundedMinor, String currency, String disputeStatus) {

        static StripeEvent parse(JsonNode root) {
            String id = text(root, "id");
            String type = text(root, "type");
            if (id == null || !id.startsWith("evt_") || id.length() > 255 || type == null || type.length() > 64) {
                throw new IllegalArgumentException("an event has an evt_ id and a type");
            }
            JsonNode object = root.path("data").path("object");
            if (!object.isObject()) {
                throw new IllegalArgumentException("an event has data.object");
            }
            String objectId = text(object, "id");
            Optional<Long> topupId = Optional.ofNullable(text(object, "client_reference_id"))
                    .or(() -> Optional.ofNullable(text(object.path("metadata"), "topup_id")))
                    .filter(v -> v.matches("[1-9][0-9]{0,17}")).map(Long::parseLong);
            Optional<String> paymentIntent = Optional.ofNullable(text(object, "payment_intent"))
                    .filter(v -> !v.isBlank() && v.length() <= 255);
            long amount = type.startsWith("checkout.session.") ? object.path("amount_total").asLong(0) : object.path("amount").asLong(0);
            Optional<String> token = Optional.ofNullable(text(object.path("metadata"), "topup_token"));
            return new StripeEvent(id, type, objectId == null ? "" : objectId, topupId, token, paymentIntent,
                    String.valueOf(text(object, "payment_status")), Math.max(0, amount), Math.max(0, object.path("amount_refunded").asLong(0)),
                    String.valueOf(text(object, "currency")), String.valueOf(text(object, "status")));
        }

        /** What a waiting event waits for, in words. */
        String waitingFor() {
            return type.startsWith("checkout.session.")
                    ? "waiting: top-up " + topupId.map(String::valueOf).orElse("?") + " not visible yet"
                    : "waiting: payment " + paymentIntent.orElse("?") + " not credited yet";
        }

        private static String text(JsonNode node, String field) {
            JsonNode value = node.path(field);
            return value.isTextual() ? value.asText() : null;
        }
    }
}
