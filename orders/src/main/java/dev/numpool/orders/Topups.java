package dev.numpool.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.exception.StripeException;
import com.stripe.net.Webhook;
import dev.numpool.db.Database;
import dev.numpool.db.jooq.tables.records.StripeDisputeRecord;
import dev.numpool.db.jooq.tables.records.StripeEventRecord;
import dev.numpool.db.jooq.tables.records.TopupRecord;
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
import java.util.UUID;
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
    /** A waiting event nobody could apply for this long is given up on (and says so). */
    static final Duration GIVE_UP_AFTER = Duration.ofDays(3);
    private static final long MICROS_PER_CENT = 10_000;
    private static final java.util.regex.Pattern SIGNED_AT = java.util.regex.Pattern.compile("(?:^|,)t=([0-9]{1,12})(?:,|$)");
    private static final Set<String> DISPUTE_RETURNED = Set.of("won", "warning_closed");
    private static final Set<String> DISPUTE_CLOSED = Set.of("won", "lost", "warning_closed");

    private final OrdersStore store;
    private final Settings settings;
    private final Optional<StripeCheckout> checkout;
    private final Optional<String> webhookSecret;
    private final Clock clock;

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
                    Duration.ofSeconds(config.get("stripe-timeout-seconds").asLong().orElse(20L)));
        }

        private static long micros(String decimal) {
            return Money.parseMicros(decimal).orElseThrow(() -> new OrdersException(OrdersException.Reason.BAD_CONFIGURATION,
                    "top-up bound " + decimal + " is not a decimal amount"));
        }
    }

    /** A top-up as its owner sees it. */
    public record Topup(long id, long amountMicros, String currency, String status, Optional<String> checkoutUrl,
                        long refundedMicros, Instant createdAt, Optional<Instant> paidAt) {
    }

    /** Every way asking for a top-up can end. Only {@link Created} is a usable Checkout page. */
    public sealed interface StartResult {
        record Created(Topup topup) implements StartResult {
        }

        /** Stripe keys are not configured on this node. */
        record Disabled(String why) implements StartResult {
        }

        record OutOfBounds(long minMicros, long maxMicros) implements StartResult {
        }

        /** Stripe did not answer usefully after the retries; nothing was charged. */
        record StripeUnavailable(String why) implements StartResult {
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

        /** An event id seen before: acknowledged, nothing changed. */
        record Duplicate() implements EventResult {
        }

        /** Not signed by our secret, outside the time tolerance, or not an event: nothing stored. */
        record Rejected(String why) implements EventResult {
        }

        /** No webhook secret is configured on this node. */
        record Disabled() implements EventResult {
        }
    }

    Topups(OrdersStore store, Settings settings, Optional<StripeCheckout> checkout, Optional<String> webhookSecret, Clock clock) {
        this.store = store;
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
        Optional<String> secretKey = nonBlank(environment.get("STRIPE_SECRET_KEY"));
        Optional<StripeCheckout> checkout = secretKey.map(k -> new StripeCheckout(k, settings.apiBase().orElse(null), settings.timeout()));
        return new Topups(new OrdersStore(db.dsl()), settings, checkout, nonBlank(environment.get("STRIPE_WEBHOOK_SECRET")), clock);
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
        if (!enabled()) {
            return new StartResult.Disabled("Card top-ups are not configured on this Numpool (no Stripe keys).");
        }
        if (amountMicros < settings.minMicros() || amountMicros > settings.maxMicros() || amountMicros % MICROS_PER_CENT != 0) {
            return new StartResult.OutOfBounds(settings.minMicros(), settings.maxMicros());
        }
        String currency = store.balance(owner).currency();
        long id = store.insertTopup(owner, amountMicros, currency, clock.instant());
        try {
            StripeCheckout.Created session = checkout.get().create(id, amountMicros / MICROS_PER_CENT, currency,
                    settings.returnUrl() + "?topup=" + id + "&result=paid", settings.returnUrl() + "?topup=" + id + "&result=cancelled");
            store.openTopup(id, session.sessionId(), session.url());
        } catch (StripeException e) {
            LOG.log(Level.WARNING, "Stripe refused or failed top-up " + id, e);
            store.endUnpaidTopup(id, "failed");
            return new StartResult.StripeUnavailable("The card processor did not answer; nothing was charged. Try again in a minute.");
        }
        return new StartResult.Created(topup(owner, id).orElseThrow());
    }

    public Optional<Topup> topup(AccountId owner, long id) {
        return store.topup(id).filter(t -> t.getAccountId() == owner.value()).map(Topups::view);
    }

    public List<Topup> topups(AccountId owner, int limit) {
        return store.topups(owner, limit).stream().map(Topups::view).toList();
    }

    /**
     * One request to {@code POST /webhooks/stripe}: the raw body and its {@code Stripe-Signature}
     * header. The signature is checked on the exact bytes received, within 300 s of our clock.
     */
    public EventResult receive(String payload, String signatureHeader) {
        if (webhookSecret.isEmpty()) {
            return new EventResult.Disabled();
        }
        if (signatureHeader == null || signatureHeader.isBlank()) {
            return new EventResult.Rejected("missing Stripe-Signature header");
        }
        try {
            Webhook.Signature.verifyHeader(payload, signatureHeader, webhookSecret.get(), SIGNATURE_TOLERANCE_SECONDS, clock);
        } catch (SignatureVerificationException e) {
            return new EventResult.Rejected(e.getMessage());
        }
        // stripe-java bounds the timestamp's age only; a signature from the future is as suspect.
        java.util.regex.Matcher t = SIGNED_AT.matcher(signatureHeader);
        if (t.find() && Long.parseLong(t.group(1)) > clock.instant().getEpochSecond() + SIGNATURE_TOLERANCE_SECONDS) {
            return new EventResult.Rejected("Timestamp outside the tolerance zone");
        }
        StripeEvent event;
        try {
            event = StripeEvent.parse(JSON.readTree(payload));
        } catch (IOException | IllegalArgumentException e) {
            return new EventResult.Rejected("not a Stripe event: " + e.getMessage());
        }
        Instant now = clock.instant();
        EventResult result = store.transaction(s -> {
            if (!s.insertStripeEvent(event.id(), event.type(), event.topupId().orElse(null), event.paymentIntent().orElse(null), payload, now)) {
                return new EventResult.Duplicate();
            }
            Optional<String> outcome = apply(s, event, now);
            if (outcome.isEmpty()) {
                String why = "waiting: " + (event.paymentIntent().isPresent() ? "payment " + event.paymentIntent().get() : "top-up")
                        + " not known yet";
                s.noteStripeEvent(event.id(), why);
                return new EventResult.Waiting(why);
            }
            s.settleStripeEvent(event.id(), outcome.get(), now);
            return new EventResult.Applied(outcome.get());
        });
        if (result instanceof EventResult.Applied && event.credits()) {
            // A refund or dispute that came before this payment's credit can be applied now.
            event.paymentIntent().ifPresent(pi -> applyWaiting(Optional.of(pi), 100));
        }
        return result;
    }

    /**
     * Applies waiting events that can be applied now (a worker calls this; any node may). Events
     * nobody could apply for {@link #GIVE_UP_AFTER} are settled as given up, with the reason.
     * Returns how many were settled.
     */
    public int applyWaiting(int limit) {
        return applyWaiting(Optional.empty(), limit);
    }

    private int applyWaiting(Optional<String> paymentIntent, int limit) {
        Instant now = clock.instant();
        return store.transaction(s -> {
            int settled = 0;
            for (StripeEventRecord r : s.waitingStripeEvents(paymentIntent, limit)) {
                StripeEvent event;
                try {
                    event = StripeEvent.parse(JSON.readTree(r.getPayload()));
                } catch (IOException | IllegalArgumentException e) {
                    s.settleStripeEvent(r.getId(), "unreadable: " + e.getMessage(), now);
                    settled++;
                    continue;
                }
                Optional<String> outcome = apply(s, event, now);
                if (outcome.isPresent()) {
                    s.settleStripeEvent(r.getId(), outcome.get(), now);
                    settled++;
                } else if (r.getReceivedAt().toInstant().plus(GIVE_UP_AFTER).isBefore(now)) {
                    LOG.warning("Stripe event " + r.getId() + " could not be applied for " + GIVE_UP_AFTER.toDays() + " days: " + r.getOutcome());
                    s.settleStripeEvent(r.getId(), "gave up: " + r.getOutcome(), now);
                    settled++;
                }
            }
            return settled;
        });
    }

    /** What an event does, in the caller's transaction; empty when it cannot be applied yet. */
    private Optional<String> apply(OrdersStore s, StripeEvent event, Instant now) {
        return switch (event.type()) {
            case "checkout.session.completed" -> "paid".equals(event.paymentStatus())
                    ? credit(s, event, now)
                    : Optional.of("awaiting an asynchronous payment (" + event.paymentStatus() + ")");
            case "checkout.session.async_payment_succeeded" -> credit(s, event, now);
            case "checkout.session.async_payment_failed" -> endUnpaid(s, event, "failed");
            case "checkout.session.expired" -> endUnpaid(s, event, "expired");
            case "charge.refunded" -> refund(s, event, now);
            case "charge.dispute.created", "charge.dispute.closed" -> dispute(s, event, now);
            default -> Optional.of("ignored: not an event Numpool acts on");
        };
    }

    private Optional<String> credit(OrdersStore s, StripeEvent event, Instant now) {
        if (event.topupId().isEmpty()) {
            return Optional.of("ignored: no Numpool top-up reference");
        }
        Optional<TopupRecord> found = s.topupForUpdate(event.topupId().get());
        if (found.isEmpty()) {
            return Optional.empty();
        }
        TopupRecord topup = found.get();
        if ("paid".equals(topup.getStatus())) {
            return Optional.of("already credited");
        }
        String payment = event.paymentIntent().orElse("session:" + event.objectId());
        Optional<TopupRecord> samePayment = s.topupByPaymentForUpdate(payment);
        if (samePayment.isPresent()) {
            return Optional.of("payment already credited to top-up " + samePayment.get().getId());
        }
        long paid = event.amountMinor() * MICROS_PER_CENT;
        if (paid != topup.getAmountMicros() || !topup.getCurrency().equalsIgnoreCase(event.currency())) {
            LOG.severe("top-up " + topup.getId() + " was for " + Money.format(topup.getAmountMicros()) + " " + topup.getCurrency()
                    + " but Stripe reports " + Money.format(paid) + " " + event.currency() + "; not credited, credit it by hand");
            return Optional.of("not credited: amount " + Money.format(paid) + " " + event.currency() + " differs from the top-up");
        }
        AccountId owner = new AccountId(topup.getAccountId());
        OrdersStore.CustomerLedgers l = s.customerLedgers(owner);
        String reference = "topup:" + topup.getId();
        s.insertTransfer("topup", s.houseLedger("stripe", topup.getCurrency()), l.wallet(), topup.getAmountMicros(), null, reference, now);
        s.markTopupPaid(topup.getId(), payment, now);
        balanceCredited(s, owner, topup.getAmountMicros(), "topup", reference, s.balance(owner), now);
        return Optional.of("credited " + Money.format(topup.getAmountMicros()));
    }

    private Optional<String> endUnpaid(OrdersStore s, StripeEvent event, String status) {
        event.topupId().ifPresent(id -> s.endUnpaidTopup(id, status));
        return Optional.of("top-up " + status);
    }

    /** charge.refunded carries the refunded total so far: take back only what is new. */
    private Optional<String> refund(OrdersStore s, StripeEvent event, Instant now) {
        if (event.paymentIntent().isEmpty()) {
            return Optional.of("ignored: a charge without a payment intent");
        }
        Optional<TopupRecord> found = s.topupByPaymentForUpdate(event.paymentIntent().get());
        if (found.isEmpty()) {
            return Optional.empty();
        }
        TopupRecord topup = found.get();
        long refundedTotal = Math.min(event.amountRefundedMinor() * MICROS_PER_CENT, topup.getAmountMicros());
        long delta = refundedTotal - topup.getRefundedMicros();
        if (delta <= 0) {
            return Optional.of("nothing new refunded");
        }
        takeBack(s, new AccountId(topup.getAccountId()), delta, "refund", "topup:" + topup.getId(), now);
        s.setTopupRefunded(topup.getId(), refundedTotal);
        return Optional.of("refund of " + Money.format(delta) + " taken back");
    }

    /**
     * A dispute takes its amount back when it opens and gives it back if it closes in our favour;
     * whichever of its events arrives first, the balance ends where the dispute's latest status
     * says it should.
     */
    private Optional<String> dispute(OrdersStore s, StripeEvent event, Instant now) {
        if (event.paymentIntent().isEmpty()) {
            return Optional.of("ignored: a dispute without a payment intent");
        }
        Optional<TopupRecord> found = s.topupByPaymentForUpdate(event.paymentIntent().get());
        if (found.isEmpty()) {
            return Optional.empty();
        }
        TopupRecord topup = found.get();
        AccountId owner = new AccountId(topup.getAccountId());
        long amount = Math.min(event.amountMinor() * MICROS_PER_CENT, topup.getAmountMicros());
        if (amount <= 0) {
            return Optional.of("ignored: a dispute of nothing");
        }
        Optional<StripeDisputeRecord> known = s.disputeForUpdate(event.objectId());
        if (known.isEmpty()) {
            s.insertDispute(event.objectId(), topup.getId(), amount, event.disputeStatus(), now);
            known = s.disputeForUpdate(event.objectId());
        }
        StripeDisputeRecord dispute = known.orElseThrow();
        // A closed dispute's outcome is final; an older event never reopens it.
        String status = DISPUTE_CLOSED.contains(dispute.getStatus()) ? dispute.getStatus() : event.disputeStatus();
        long shouldTake = DISPUTE_RETURNED.contains(status) ? 0 : dispute.getAmountMicros();
        String reference = "dispute:" + topup.getId();
        String outcome;
        if (shouldTake > dispute.getTakenMicros()) {
            takeBack(s, owner, shouldTake, "dispute", reference, now);
            outcome = "dispute " + status + ": " + Money.format(shouldTake) + " taken back";
        } else if (shouldTake < dispute.getTakenMicros()) {
            s.insertTransfer("dispute_won", s.houseLedger("stripe", topup.getCurrency()), s.customerLedgers(owner).wallet(),
                    dispute.getTakenMicros(), null, reference, now);
            balanceCredited(s, owner, dispute.getTakenMicros(), "dispute_won", reference, s.balance(owner), now);
            outcome = "dispute " + status + ": " + Money.format(dispute.getTakenMicros()) + " given back";
        } else {
            outcome = "dispute " + status + ": balance already right";
        }
        s.updateDispute(dispute.getId(), status, shouldTake, DISPUTE_CLOSED.contains(status) ? Optional.of(now) : Optional.empty());
        return Optional.of(outcome);
    }

    /**
     * Takes {@code amount} back to Stripe: from the available balance as far as it goes, the rest
     * as debt. Held money is left alone (it belongs to live activations).
     */
    private static void takeBack(OrdersStore s, AccountId owner, long amount, String kind, String reference, Instant now) {
        Balance balance = s.lockBalance(owner);
        OrdersStore.CustomerLedgers l = s.customerLedgers(owner);
        long stripe = s.houseLedger("stripe", balance.currency());
        long fromWallet = Math.min(amount, balance.availableMicros());
        if (fromWallet > 0) {
            s.insertTransfer(kind, l.wallet(), stripe, fromWallet, null, reference, now);
        }
        if (amount > fromWallet) {
            s.insertTransfer("debt", l.debt(), stripe, amount - fromWallet, null, reference, now);
        }
    }

    /** Writes {@code balance.credited} webhook deliveries in the caller's transaction. */
    static void balanceCredited(OrdersStore s, AccountId owner, long amountMicros, String type, String reference, Balance after, Instant now) {
        if (!s.hasEndpoints(owner.value())) {
            return;
        }
        var payload = JSON.createObjectNode().put("type", "balance.credited").put("timestamp", now.toString());
        payload.putObject("data").put("amount", Money.format(amountMicros)).put("currency", after.currency())
                .put("reason", type).put("reference", reference)
                .put("available", Money.format(after.availableMicros())).put("debt", Money.format(after.debtMicros()));
        s.enqueueWebhooks(owner.value(), "balance.credited", null, payload.toString(),
                "msg_" + UUID.randomUUID().toString().replace("-", "") + "_", now);
    }

    private static Topup view(TopupRecord r) {
        return new Topup(r.getId(), r.getAmountMicros(), r.getCurrency(), r.getStatus(),
                "open".equals(r.getStatus()) ? Optional.ofNullable(r.getCheckoutUrl()) : Optional.empty(),
                r.getRefundedMicros(), r.getCreatedAt().toInstant(),
                Optional.ofNullable(r.getPaidAt()).map(java.time.OffsetDateTime::toInstant));
    }

    private static Optional<String> nonBlank(String value) {
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }

    /**
     * The fields of a Stripe event Numpool reads, from its JSON (read directly rather than through
     * stripe-java's models, which refuse events of an API version other than the library's).
     */
    record StripeEvent(String id, String type, String objectId, Optional<Long> topupId, Optional<String> paymentIntent,
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
            return new StripeEvent(id, type, objectId == null ? "" : objectId, topupId, paymentIntent,
                    String.valueOf(text(object, "payment_status")), Math.max(0, amount), Math.max(0, object.path("amount_refunded").asLong(0)),
                    String.valueOf(text(object, "currency")), String.valueOf(text(object, "status")));
        }

        /** Whether applying it may credit a payment that waiting events need. */
        boolean credits() {
            return type.equals("checkout.session.completed") || type.equals("checkout.session.async_payment_succeeded");
        }

        private static String text(JsonNode node, String field) {
            JsonNode value = node.path(field);
            return value.isTextual() ? value.asText() : null;
        }
    }
}
