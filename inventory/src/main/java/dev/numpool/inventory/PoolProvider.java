package dev.numpool.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.config.Config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Numpool's own rented numbers, sold like any provider's. A pool number is reused across
 * services, never for the same service within the cooldown, and has one live sale at a time;
 * its SMS arrive by inbound webhook (Twilio-style form posts or SMS Gate-style JSON), addressed
 * to the number, and go to the number's newest sale.
 */
final class PoolProvider implements Provider {
    static final String DEFAULT_NAME = "pool";
    private static final Logger LOG = Logger.getLogger(PoolProvider.class.getName());
    /** SMS Gate signs a timestamp; one older or newer than this is refused (a replay or a bad clock). */
    private static final Duration SMS_GATE_WINDOW = Duration.ofMinutes(5);
    /** SMS Gate message ids are not unique: a message is the same when number, sender, text and this bucket match. */
    private static final long DEDUPE_BUCKET_SECONDS = 120;

    private final InventoryStore store;
    private final Settings settings;
    private final List<String> services;
    private final Clock clock;
    private volatile SmsListener listener = sms -> {
    };

    /**
     * {@code name} (default {@code pool}), {@code cooldown-days} (default 30),
     * {@code quarantine-minutes} (how long a number rests between two sales, default 15: an SMS
     * names only the number, so a late one for the ended sale must not reach the next buyer), {@code cost} (what one activation on a pool number costs
     * Numpool, default 0.05), and the webhook secrets, read from the environment variables that
     * {@code twilio-auth-token-env} and {@code sms-gate-key-env} name.
     */
    record Settings(String name, Duration cooldown, Duration quarantine, long costMicros, Optional<String> twilioAuthToken,
                    Optional<String> smsGateKey, long rentCostMicros) {
        /**
         * Also {@code rent-cost}: what one period of a rental on a pool number costs Numpool
         * (default 0.02; a period is {@code inventory.rental-period-minutes}).
         */
        static Settings from(Config config, Map<String, String> environment) {
            String cost = config.get("cost").asString().orElse("0.05");
            String rentCost = config.get("rent-cost").asString().orElse("0.02");
            return new Settings(config.get("name").asString().orElse(DEFAULT_NAME), Duration.ofDays(config.get("cooldown-days").asLong().orElse(30L)),
                    Duration.ofMinutes(config.get("quarantine-minutes").asLong().orElse(15L)),
                    Money.parseMicros(cost).orElseThrow(() -> new IllegalArgumentException("pool.cost is not a price: " + cost)),
                    config.get("twilio-auth-token-env").asString().asOptional().map(environment::get),
                    config.get("sms-gate-key-env").asString().asOptional().map(environment::get),
                    Money.parseMicros(rentCost).orElseThrow(() -> new IllegalArgumentException("pool.rent-cost is not a price: " + rentCost)));
        }
    }

    PoolProvider(InventoryStore store, Settings settings, List<String> services, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.services = List.copyOf(services);
        this.clock = clock;
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public String kind() {
        return "pool";
    }

    @Override
    public boolean pushes() {
        return true;
    }

    @Override
    public Fetched fetchQuotes() {
        try {
            return new Fetched.Quotes(store.poolStock(services, settings.costMicros(), settings.quarantine(), clock.instant()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pool stock not counted", e);
            return new Fetched.Failed("pool stock not counted: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public Purchase buy(Order order) {
        if (settings.costMicros() > order.maxCostMicros()) {
            return new Purchase.Empty();
        }
        try {
            return store.takePoolNumber(settings.name(), order.service(), order.country().id(), order.excludedPrefixes(), settings.cooldown(),
                            settings.quarantine(), clock.instant())
                    .<Purchase>map(sale -> new Purchase.Got(sale.providerRef(), sale.phone(), settings.costMicros()))
                    .orElseGet(Purchase.Empty::new);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pool number not taken", e);
            return new Purchase.Failed("pool unavailable");
        }
    }

    @Override
    public Confirmation release(String providerRef, Release how) {
        try {
            store.endPoolLease(settings.name(), providerRef, services, settings.cooldown(), clock.instant());
            return new Confirmation.Confirmed();
        } catch (RuntimeException e) {
            return new Confirmation.Unavailable("pool unavailable");
        }
    }

    // Reuse: a pool number sold for a service is kept from other buyers of that service for the
    // cooldown; the buyer who had it may have it again meanwhile, when nothing else holds it.

    @Override
    public ReuseCost reuseCost(ReuseOrder order) {
        try {
            return store.poolNumberReusable(settings.name(), order.providerRef(), order.service(), clock.instant())
                    ? new ReuseCost.Known(settings.costMicros()) : new ReuseCost.Unavailable("the number is taken or gone");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pool reuse not checked", e);
            return new ReuseCost.Unavailable("pool unavailable");
        }
    }

    @Override
    public Purchase reuse(ReuseOrder order) {
        if (settings.costMicros() > order.maxCostMicros()) {
            return new Purchase.Empty();
        }
        try {
            return store.reusePoolNumber(settings.name(), order.providerRef(), order.service(), settings.cooldown(),
                            clock.instant())
                    .<Purchase>map(sale -> new Purchase.Got(sale.providerRef(), sale.phone(), settings.costMicros()))
                    .orElseGet(Purchase.Empty::new);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pool number not reused", e);
            return new Purchase.Failed("pool unavailable");
        }
    }

    // Rentals: a pool number rented for hours to weeks is leased as for an activation (no activation
    // is sold on it meanwhile) and its SMS reach the rental the same way, by its newest lease.

    @Override
    public List<OfferQuote> rentQuotes(List<String> services, List<Country> countries) {
        try {
            return store.poolRentStock(services, countries.stream().map(Country::id).toList(), settings.rentCostMicros(), settings.quarantine(),
                    clock.instant());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pool rental stock not counted", e);
            return List.of();
        }
    }

    @Override
    public Purchase rent(RentOrder order) {
        if (settings.rentCostMicros() > order.maxCostMicros()) {
            return new Purchase.Empty();
        }
        try {
            return store.rentPoolNumber(settings.name(), order.service(), order.country().id(), order.until(), settings.quarantine(), clock.instant())
                    .<Purchase>map(sale -> new Purchase.Got(sale.providerRef(), sale.phone(), settings.rentCostMicros()))
                    .orElseGet(Purchase.Empty::new);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pool number not rented", e);
            return new Purchase.Failed("pool unavailable");
        }
    }

    /** A rental of a pool number may last as long as the number's own lease from its vendor. */
    @Override
    public Confirmation extendRental(String providerRef, Instant until) {
        try {
            return store.poolLeaseLastsUntil(settings.name(), providerRef, until) ? new Confirmation.Confirmed()
                    : new Confirmation.Refused("the number's own lease ends before " + until);
        } catch (RuntimeException e) {
            return new Confirmation.Unavailable("pool unavailable");
        }
    }

    /** A pool number receives whatever is sent to it; there is nobody to ask. */
    @Override
    public Confirmation requestAnotherCode(String providerRef) {
        return new Confirmation.Confirmed();
    }

    @Override
    public List<InboundSms> poll(List<String> providerRefs) {
        return List.of();
    }

    @Override
    public void listen(SmsListener listener) {
        this.listener = listener;
    }

    @Override
    public void close() {
    }

    /** A Twilio-style inbound message: form fields {@code From}, {@code To}, {@code Body}, {@code MessageSid}. */
    InboundResult receiveTwilio(String url, Map<String, String> params, Optional<String> signature) {
        if (settings.twilioAuthToken().isEmpty()) {
            return new InboundResult.NotConfigured("Twilio inbound (pool.twilio-auth-token-env)");
        }
        if (!Signatures.twilioValid(settings.twilioAuthToken().get(), url, params, signature.orElse(null))) {
            return new InboundResult.Unauthorized("X-Twilio-Signature does not match");
        }
        String sid = params.get("MessageSid");
        Optional<PhoneNumber> to = PhoneNumber.of(params.get("To"));
        if (sid == null || sid.isBlank() || to.isEmpty() || params.get("Body") == null) {
            return new InboundResult.Malformed("needs MessageSid, To (a valid number) and Body");
        }
        return deliver(to.get(), params.getOrDefault("From", ""), params.get("Body"), "twilio:" + sid, clock.instant());
    }

    /**
     * An SMS Gate webhook: {@code {deviceId, event, payload:{message, phoneNumber, simNumber,
     * receivedAt}}}, signed over the raw body and {@code X-Timestamp}.
     */
    InboundResult receiveSmsGate(byte[] body, Optional<String> signature, Optional<String> timestamp) {
        if (settings.smsGateKey().isEmpty()) {
            return new InboundResult.NotConfigured("SMS Gate inbound (pool.sms-gate-key-env)");
        }
        if (!Signatures.smsGateValid(settings.smsGateKey().get(), body, timestamp.orElse(null), signature.orElse(null))) {
            return new InboundResult.Unauthorized("X-Signature does not match");
        }
        long signedAt;
        try {
            signedAt = Long.parseLong(timestamp.orElseThrow().strip());
        } catch (NumberFormatException e) {
            return new InboundResult.Unauthorized("X-Timestamp is not Unix seconds");
        }
        if (Math.abs(clock.instant().getEpochSecond() - signedAt) > SMS_GATE_WINDOW.toSeconds()) {
            return new InboundResult.Unauthorized("X-Timestamp is more than 5 minutes away");
        }
        JsonNode json;
        try {
            json = UpstreamHttp.JSON.readTree(body);
        } catch (java.io.IOException e) {
            return new InboundResult.Malformed("body is not JSON");
        }
        if (json == null || !json.isObject()) {
            return new InboundResult.Malformed("body is not a JSON object");
        }
        if (!"sms:received".equals(json.path("event").asText())) {
            return new InboundResult.Ignored("event " + UpstreamHttp.clip(json.path("event").asText()) + " is not used");
        }
        JsonNode payload = json.path("payload");
        String device = json.path("deviceId").asText("");
        String text = payload.path("message").isTextual() ? payload.path("message").textValue() : null;
        String sender = payload.path("phoneNumber").asText("");
        if (device.isEmpty() || device.length() > 64 || text == null) {
            return new InboundResult.Malformed("needs deviceId and payload.message");
        }
        Optional<Integer> sim = payload.path("simNumber").canConvertToInt() && payload.path("simNumber").isIntegralNumber()
                ? Optional.of(payload.path("simNumber").intValue()) : Optional.empty();
        Optional<PhoneNumber> to = store.poolNumberOfGateway(device, sim.orElse(1));
        if (to.isEmpty()) {
            return new InboundResult.Ignored("no pool number is device " + UpstreamHttp.clip(device) + " SIM " + sim.orElse(1));
        }
        String sentAt = payload.path("receivedAt").asText("");
        Optional<Instant> stamped = receivedAt(sentAt);
        // A retried webhook carries the same receivedAt, so it lands in the same bucket; without a
        // readable time the raw field stands in for the bucket.
        String bucket = stamped.map(at -> Long.toString(at.getEpochSecond() / DEDUPE_BUCKET_SECONDS)).orElse(sentAt);
        String messageId = "sms-gate:" + sha256(to.get().e164() + "\n" + sender + "\n" + text + "\n" + bucket);
        Instant receivedAt = stamped.filter(at -> Duration.between(at, clock.instant()).abs().compareTo(Duration.ofDays(1)) < 0)
                .orElse(clock.instant()); // a phone's clock far off is not trusted with the message's order
        return deliver(to.get(), sender, text, messageId, receivedAt);
    }

    /** To the newest sale of the number (a late code for an ended sale is kept as late by intake). */
    private InboundResult deliver(PhoneNumber to, String sender, String text, String messageId, Instant receivedAt) {
        Optional<String> ref = store.newestLeaseRef(settings.name(), to);
        if (ref.isEmpty()) {
            LOG.info(() -> "SMS to pool number " + to + " that was never sold: not kept");
            return new InboundResult.Ignored("number " + to + " has never been sold");
        }
        listener.onSms(new InboundSms(settings.name(), ref.get(), sender, text, messageId, receivedAt));
        return new InboundResult.Delivered();
    }

    private static Optional<Instant> receivedAt(String text) {
        try {
            return Optional.of(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
