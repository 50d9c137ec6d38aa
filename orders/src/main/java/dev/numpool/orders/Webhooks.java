package dev.numpool.orders;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.numpool.db.Database;
import dev.numpool.db.Redis;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Money;
import io.helidon.config.Config;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Customers' webhook endpoints and the dispatcher that delivers the outbox to them, signed per
 * Standard Webhooks v1 ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}
 * with {@code whsec_} secrets). Deliveries are written in the transaction of the change they
 * report ({@link #queueActivationEvent}, {@link #queueBalanceCredited}, called by the flows that
 * make the change); the dispatcher sends them: at least once, in order per activation,
 * on Svix's schedule (at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), 15 s per attempt,
 * redirects not followed, {@code 410 Gone} disabling the endpoint.
 *
 * <p>Endpoint URLs must be https (http only when configured) and resolve to public addresses
 * only; loopback, private, link-local, multicast, IPv4-mapped IPv6 and odd IP spellings are
 * refused, when the endpoint is created and again right before every attempt. The attempt's
 * connection then resolves the host through the JVM's address cache (30 s by default), so it
 * goes to the addresses just checked; a DNS answer that changes in between (rebinding) is not
 * seen. A deployment that sets {@code networkaddress.cache.ttl} to 0 loses that property: the
 * connection is not pinned to the checked address by other means. Tests reach receivers on
 * 127.0.0.1 through an explicit allow-list.
 */
public final class Webhooks {
    private static final Logger LOG = Logger.getLogger(Webhooks.class.getName());
    /**
     * The event types an endpoint may choose. {@code balance.credited} may be chosen already; it
     * is sent once balances can be credited after sign-up (top-ups, operator credits).
     */
    public static final Set<String> EVENT_TYPES = Set.of("activation.code_received", "activation.finished", "activation.cancelled",
            "activation.expired", "balance.credited",
            // Rentals (issue 18): every SMS a rented number receives, and how the rental ended.
            "rental.sms_received", "rental.finished", "rental.cancelled", "rental.expired");
    /** Delays after the 1st, 2nd, … failed attempt; after the last, the delivery has failed for good. */
    static final List<Duration> SCHEDULE = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
            Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));
    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(15);
    /** Deliveries one {@link #dispatchDue} claims at most. */
    private static final int CLAIM_BATCH = 100;
    /** What is kept of a receiver's answer. */
    private static final int SNIPPET = 500;
    private static final int MAX_ENDPOINTS = 20;
    /** How long an old secret keeps signing after a rotation, so receivers can switch. */
    private static final Duration ROTATION_OVERLAP = Duration.ofHours(24);
    /** An endpoint that has failed this long without one success is disabled. */
    private static final Duration FAILING_LIMIT = Duration.ofDays(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Stores stores;
    private final WebhookSignal signal;
    /** This node's running dispatcher, if it runs one. */
    private volatile WebhookDispatcher dispatcher;
    private final Settings settings;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(CONNECT_TIMEOUT).build();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Reads receivers' answers within the attempt's time; virtual threads, one per read at most. */
    private final java.util.concurrent.ExecutorService bodyReaders = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    /**
     * {@code allow-http} (default false) and {@code allowed-hosts} (hosts exempt from the
     * public-address rule; for tests and for deployments that deliberately call inside).
     */
    public record Settings(boolean allowHttp, Set<String> allowedHosts) {
        public static Settings from(Config config) {
            return new Settings(config.get("allow-http").asBoolean().orElse(false),
                    Set.copyOf(config.get("allowed-hosts").asList(String.class).orElse(List.of())));
        }
    }

    private Webhooks(Stores stores, WebhookSignal signal, Settings settings, Clock clock) {
        this.stores = stores;
        this.signal = signal;
        this.settings = settings;
        this.clock = clock;
    }

    /** Without Redis: deliveries are found by the dispatcher's poll only (tests of this door). */
    public static Webhooks create(Database db, Settings settings, Clock clock) {
        return new Webhooks(new Stores(db.dsl()), WebhookSignal.NONE, settings, clock);
    }

    /** With Redis: every node's dispatcher is woken by any node's commit that queued deliveries. */
    public static Webhooks create(Database db, Redis redis, Settings settings, Clock clock) {
        WebhookSignal signal = new WebhookSignal(redis);
        return new Webhooks(new Stores(db.dsl(), signal), signal, settings, clock);
    }

    /**
     * Starts this node's dispatcher (see {@link WebhookDispatcher}): woken at once by commits that
     * queued deliveries, and looking every {@code poll} for retries that fell due and for what a
     * crashed node left claimed. Close it to stop; sends under way finish first.
     */
    public AutoCloseable startDispatching(Duration poll) {
        WebhookDispatcher started = WebhookDispatcher.start(this, signal, poll);
        dispatcher = started;
        return started;
    }

    /**
     * True while this node's dispatcher falls behind: new deliveries wait more than 250 ms to be
     * claimed (see {@link WebhookDispatcher#behind}). False on a node that sends no webhooks.
     * The node's intake sheds pushed SMS meanwhile ({@link Orders#shedIntakeWhen}).
     */
    public boolean behind() {
        WebhookDispatcher d = dispatcher;
        return d != null && d.behind();
    }

    /** A new endpoint and its secret (shown once), or why the URL or event types are refused. */
    public sealed interface Created {
        record Endpoint(long id, String secret) implements Created {
        }

        record Refused(String reason) implements Created {
        }
    }

    /** A new endpoint in the {@link WebhookFormat#STANDARD standard} format. */
    public Created create(AccountId owner, String url, List<String> eventTypes) {
        return create(owner, url, eventTypes, WebhookFormat.STANDARD);
    }

    /** A new endpoint receiving {@code eventTypes} in {@code format}, which must take them all. */
    public Created create(AccountId owner, String url, List<String> eventTypes, WebhookFormat format) {
        Optional<String> wrongTypes = eventTypesRefusal(eventTypes, format);
        if (wrongTypes.isPresent()) {
            return new Created.Refused(wrongTypes.get());
        }
        Optional<String> unsafe = refusal(url);
        if (unsafe.isPresent()) {
            return new Created.Refused(unsafe.get());
        }
        if (stores.webhooks().endpoints(owner).stream().filter(WebhookStore.Endpoint::enabled).count() >= MAX_ENDPOINTS) {
            return new Created.Refused("at most " + MAX_ENDPOINTS + " endpoints per account");
        }
        String secret = newSecret();
        return new Created.Endpoint(stores.webhooks().insertEndpoint(owner, url, List.copyOf(Set.copyOf(eventTypes)), format, secret, clock.instant()),
                secret);
    }

    /** Why {@code eventTypes} cannot be an endpoint's in {@code format}, or empty when they can. */
    private static Optional<String> eventTypesRefusal(List<String> eventTypes, WebhookFormat format) {
        if (eventTypes.isEmpty() || !EVENT_TYPES.containsAll(eventTypes)) {
            return Optional.of("eventTypes are one or more of " + String.join(", ", EVENT_TYPES.stream().sorted().toList()));
        }
        if (!format.eventTypes().containsAll(eventTypes)) {
            return Optional.of(formatRefusal(format));
        }
        return Optional.empty();
    }

    /** The refusal of event types a format cannot carry; the website knows it by these words. */
    public static String formatRefusal(WebhookFormat format) {
        return "the " + format.wire() + " format carries only " + String.join(", ", format.eventTypes().stream().sorted().toList());
    }

    /** What an update did: changed, refused (why), or no such endpoint of the owner's. */
    public sealed interface Updated {
        record Changed() implements Updated {
        }

        record Refused(String reason) implements Updated {
        }

        record NotFound() implements Updated {
        }
    }

    /** Changes the URL and/or event types of the owner's endpoint, under the same rules as creating one. */
    public Updated update(AccountId owner, long id, Optional<String> url, Optional<List<String>> eventTypes) {
        return update(owner, id, url, eventTypes, Optional.empty());
    }

    /**
     * Changes the URL, event types and/or format of the owner's endpoint, under the same rules as
     * creating one: a new format must take the event types the endpoint will have. Later events
     * are sent in the new format; deliveries already queued keep the body they were written with.
     */
    public Updated update(AccountId owner, long id, Optional<String> url, Optional<List<String>> eventTypes, Optional<WebhookFormat> format) {
        Optional<Endpoint> current = endpoints(owner).stream().filter(e -> e.id() == id && e.enabled()).findFirst();
        if (current.isEmpty()) {
            return new Updated.NotFound();
        }
        List<String> types = eventTypes.orElse(current.get().eventTypes());
        WebhookFormat shape = format.orElse(current.get().format());
        Optional<String> wrongTypes = eventTypesRefusal(types, shape);
        if (wrongTypes.isPresent()) {
            return new Updated.Refused(wrongTypes.get());
        }
        String target = url.orElse(current.get().url());
        Optional<String> unsafe = refusal(target);
        if (unsafe.isPresent()) {
            return new Updated.Refused(unsafe.get());
        }
        return stores.webhooks().updateEndpoint(owner, id, target, List.copyOf(Set.copyOf(types)), shape) ? new Updated.Changed() : new Updated.NotFound();
    }

    /**
     * A new secret for the owner's endpoint (shown once); the old one also signs for 24 h. Empty
     * when there is no such endpoint, or while the previous rotation's overlap runs.
     */
    public Optional<String> rotateSecret(AccountId owner, long id) {
        String secret = newSecret();
        Instant now = clock.instant();
        return stores.webhooks().rotateSecret(owner, id, secret, now, now.plus(ROTATION_OVERLAP)) ? Optional.of(secret) : Optional.empty();
    }

    /** Queues a {@code webhook.test} event to the owner's endpoint; false when there is no such endpoint. */
    public boolean sendTestEvent(AccountId owner, long id) {
        Optional<WebhookStore.Endpoint> endpoint = stores.webhooks().endpoints(owner).stream().filter(e -> e.id() == id && e.enabled()).findFirst();
        if (endpoint.isEmpty()) {
            return false;
        }
        Instant now = clock.instant();
        // In the sms-activate shape there is no event type to say "test": activation 0, which no
        // activation has, service "ot", and a text that says what it is.
        String payload = switch (endpoint.get().format()) {
            case STANDARD -> "{\"type\":\"webhook.test\",\"timestamp\":\"" + now + "\",\"livemode\":" + !stores.accounts().playMoney(owner)
                    + ",\"data\":{}}";
            case SMS_ACTIVATE -> smsActivateBody(0, "ot", "Numpool test event", Optional.of("000000"), 0, now);
        };
        stores.webhooks().insertDelivery(id, messagePrefix() + "test", "webhook.test", null, payload, now);
        signal.queued();
        return true;
    }

    /**
     * Sends a past delivery again, as a new delivery with the same {@code webhook-id} (receivers
     * that dedupe by it see no second effect); false when there is no such delivery of the owner's.
     */
    public boolean replay(AccountId owner, long endpointId, String messageId) {
        var found = stores.webhooks().deliveryForReplay(owner, endpointId, messageId);
        if (found.isEmpty()) {
            return false;
        }
        // The message id column is unique per row; a replay row keeps the receiver-facing id in
        // its payload's headers by reusing it with a suffix the dispatcher strips.
        WebhookStore.DeliveryToReplay d = found.get();
        stores.webhooks().insertDelivery(d.endpointId(), messageId + REPLAY + java.util.UUID.randomUUID().toString().substring(0, 8),
                d.eventType(), d.activationId(), d.payload(), clock.instant());
        signal.queued();
        return true;
    }

    private static final String REPLAY = "#replay-";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Writes the webhook deliveries of one activation event for its owner, in the transaction of
     * the change; nothing when the owner has no endpoint that takes it.
     */
    static void queueActivationEvent(Stores s, ActivationStore.ActivationRow a, String type, ActivationStatus status, Optional<String> code,
                                     Optional<String> text, Instant now) {
        // The id is the one every API shows (getNumber's ACCESS_NUMBER:<id>), the service and
        // country are stored by their sms-activate code and id; the code's time is now.
        Optional<String> flat = type.equals("activation.code_received") && code.isPresent()
                ? Optional.of(smsActivateBody(a.id(), Inventory.smsActivateService(a.service()), text.orElse(""), code, a.country(), now))
                : Optional.empty();
        // livemode false: play money and a simulated number, as Stripe marks its test events.
        var payload = JSON.createObjectNode().put("type", type).put("timestamp", now.toString()).put("livemode", !a.test());
        var data = payload.putObject("data").put("activationId", a.id()).put("service", a.service()).put("country", a.country())
                .put("phone", a.phone()).put("status", status.wire());
        code.ifPresent(c -> data.put("code", c));
        text.ifPresent(t -> data.put("text", t));
        s.webhooks().enqueueWebhooks(a.accountId(), type, a.id(), payload.toString(), flat, messagePrefix(), now);
    }

    /**
     * Writes a rental's webhook deliveries ({@code rental.sms_received} with its SMS, or how it
     * ended) in the caller's transaction. Rentals draw their ids from the activations' sequence,
     * so the id orders an endpoint's deliveries per rental as it does per activation.
     */
    static void queueRentalEvent(Stores s, RentalStore.RentalRow r, String type, RentalStatus status, Optional<Rental.Message> sms, Instant now) {
        var payload = JSON.createObjectNode().put("type", type).put("timestamp", now.toString()).put("livemode", !r.test());
        var data = payload.putObject("data").put("rentalId", r.id()).put("service", r.service()).put("country", r.country())
                .put("phone", r.phone()).put("status", status.wire()).put("endsAt", r.endsAt().toString());
        sms.ifPresent(m -> {
            var n = data.putObject("sms").put("id", m.id()).put("sender", m.sender()).put("text", m.text())
                    .put("receivedAt", m.receivedAt().toString());
            n.put("code", m.code().orElse(null));
        });
        // In the sms-activate shape a rented number's SMS is told by the rental's id, which
        // getRentNumber answered as the phone's id (rental and activation ids never collide).
        Optional<String> flat = sms.map(m -> smsActivateBody(r.id(), Inventory.smsActivateService(r.service()), m.text(), m.code(),
                r.country(), m.receivedAt()));
        s.webhooks().enqueueWebhooks(r.accountId(), type, r.id(), payload.toString(), flat, messagePrefix(), now);
    }

    /** Writes {@code balance.credited} webhook deliveries in the caller's transaction. */
    static void queueBalanceCredited(Stores s, AccountId owner, long amountMicros, String type, String reference, Balance after, Instant now) {
        if (!s.webhooks().hasEndpoints(owner.value())) {
            return;
        }
        var payload = JSON.createObjectNode().put("type", "balance.credited").put("timestamp", now.toString())
                .put("livemode", !s.accounts().playMoney(owner));
        payload.putObject("data").put("amount", Money.format(amountMicros)).put("currency", after.currency())
                .put("reason", type).put("reference", reference)
                .put("available", Money.format(after.availableMicros())).put("debt", Money.format(after.debtMicros()));
        s.webhooks().enqueueWebhooks(owner.value(), "balance.credited", null, payload.toString(), Optional.empty(), messagePrefix(), now);
    }

    /**
     * The body of an {@link WebhookFormat#SMS_ACTIVATE} endpoint, in PROTOCOLS.md §1's order:
     * {@code {"activationId","service","text","code","country","receivedAt"}}, {@code receivedAt} in
     * UTC as {@code yyyy-MM-dd HH:mm:ss}, as that protocol writes times; {@code code} is null for a
     * rented number's SMS in which no code was read.
     */
    static String smsActivateBody(int id, String service, String text, Optional<String> code, int country, Instant receivedAt) {
        var body = JSON.createObjectNode().put("activationId", id).put("service", service).put("text", text);
        body.put("code", code.orElse(null));
        return body.put("country", country).put("receivedAt", SMS_ACTIVATE_TIME.format(receivedAt)).toString();
    }

    private static final java.time.format.DateTimeFormatter SMS_ACTIVATE_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd HH:mm:ss").withZone(java.time.ZoneOffset.UTC);

    /** A new {@code webhook-id}'s start; each endpoint's delivery adds its own id to it. */
    private static String messagePrefix() {
        return "msg_" + java.util.UUID.randomUUID().toString().replace("-", "") + "_";
    }

    private static String newSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    /** An endpoint as its owner sees it. */
    public record Endpoint(long id, String url, List<String> eventTypes, WebhookFormat format, boolean enabled, Optional<String> disabledReason,
                           Instant createdAt) {
    }

    public List<Endpoint> endpoints(AccountId owner) {
        return stores.webhooks().endpoints(owner).stream()
                .map(e -> new Endpoint(e.id(), e.url(), e.eventTypes(), e.format(), e.enabled(), e.disabledReason(), e.createdAt())).toList();
    }

    /** Disables the owner's endpoint for good; false when there is no such endpoint of theirs. */
    public boolean delete(AccountId owner, long id) {
        return stores.webhooks().disableEndpoint(owner, id, "deleted by its owner");
    }

    /** The latest deliveries to one of the owner's endpoints, newest first (at most {@code limit}, capped at 100). */
    public List<WebhookDelivery> deliveries(AccountId owner, long endpointId, int limit) {
        return stores.webhooks().deliveries(owner, endpointId, Math.max(1, Math.min(100, limit)));
    }

    /**
     * Sends the due deliveries (at most {@code limit}, at most 100) at once and writes down how
     * each went before returning; any number of nodes may run this at the same time. Returns how
     * many were attempted. The running node uses {@link #startDispatching} instead; this is one
     * pass of the same work, for tests and tools.
     */
    public int dispatchDue(int limit) {
        List<WebhookStore.DueDelivery> due = claim(Math.min(limit, CLAIM_BATCH), Set.of());
        List<java.util.concurrent.Future<Optional<Outcome>>> sends = new java.util.ArrayList<>();
        try (var senders = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            due.forEach(d -> sends.add(senders.submit(() -> send(d))));
        }
        record(sends.stream().map(java.util.concurrent.Future::resultNow).flatMap(Optional::stream).toList());
        return due.size();
    }

    /**
     * How long a claim is this node's. Longer than a delivery can wait behind its endpoint's other
     * sends plus its own attempt (see {@link WebhookDispatcher#LEASE_MARGIN}), so no other node
     * sends a delivery while this one still may.
     */
    static final Duration LEASE = Duration.ofMinutes(2);

    /** Claims up to {@code limit} due deliveries for this node, none to {@code skippedEndpoints}. */
    List<WebhookStore.DueDelivery> claim(int limit, Set<Long> skippedEndpoints) {
        Instant now = clock.instant();
        // Whole microseconds, as PostgreSQL keeps them: writing an attempt down matches its claim by this value.
        return stores.webhooks().claimDueDeliveries(now, now.plus(LEASE).truncatedTo(java.time.temporal.ChronoUnit.MICROS), limit, skippedEndpoints);
    }

    /** What an attempt did to its endpoint's standing, written down with the attempt. */
    enum EndpointEffect { SUCCEEDED, FAILED, GONE, NONE }

    /** One attempt's result, not yet written down. */
    record Outcome(WebhookStore.DueDelivery delivery, WebhookStore.AttemptRecord attempt, EndpointEffect effect) {
    }

    /**
     * Writes down attempts in one transaction: their rows and deliveries' states, then what they
     * mean for their endpoints (a success clears "failing"; a failure starts or extends it and
     * disables an endpoint failing for 5 days; a 410 disables it at once).
     */
    void record(List<Outcome> outcomes) {
        if (outcomes.isEmpty()) {
            return;
        }
        stores.transaction(s -> {
            s.webhooks().recordAttempts(outcomes.stream().map(Outcome::attempt).toList());
            s.webhooks().clearFailing(outcomes.stream().filter(o -> o.effect() == EndpointEffect.SUCCEEDED)
                    .map(o -> o.delivery().endpointId()).collect(java.util.stream.Collectors.toSet()));
            for (Outcome o : outcomes) {
                switch (o.effect()) {
                    case GONE -> s.webhooks().disableEndpointById(o.delivery().endpointId(), "the receiver answered 410 Gone");
                    case FAILED -> failed(s, o.delivery(), o.attempt().at());
                    case SUCCEEDED, NONE -> {
                    }
                }
            }
            return null;
        });
    }

    /**
     * One attempt at one claimed delivery, signed per Standard Webhooks; touches no database, so
     * the dispatcher can write many attempts down together. Empty when interrupted (the claim
     * runs out and the delivery is tried again).
     */
    Optional<Outcome> send(WebhookStore.DueDelivery d) {
        Instant now = clock.instant();
        int attempts = d.attempts() + 1;
        Optional<Instant> retryAt = attempts - 1 < SCHEDULE.size() ? Optional.of(now.plus(SCHEDULE.get(attempts - 1))) : Optional.empty();
        Optional<String> unsafe = refusal(d.url());
        if (unsafe.isPresent()) {
            return Optional.of(new Outcome(d, new WebhookStore.AttemptRecord(d.id(), d.lease(), false, retryAt, null, "refused: " + unsafe.get(), null, 0, now),
                    EndpointEffect.NONE));
        }
        // Receivers check the timestamp against their own clock (±5 min), so it is wall time even
        // where the business clock is another (tests move that one).
        String timestamp = Long.toString(Instant.now().getEpochSecond());
        String webhookId = d.messageId().contains(REPLAY) ? d.messageId().substring(0, d.messageId().indexOf(REPLAY)) : d.messageId();
        String signatures = "v1," + sign(d.secret(), webhookId, timestamp, d.payload())
                + d.previousSecret().map(p -> " v1," + sign(p, webhookId, timestamp, d.payload())).orElse("");
        long started = System.nanoTime();
        try {
            var exchange = http.sendAsync(HttpRequest.newBuilder(URI.create(d.url())).timeout(ATTEMPT_TIMEOUT)
                    .header("Content-Type", "application/json").header("User-Agent", "Numpool-Webhooks/1")
                    .header("webhook-id", webhookId).header("webhook-timestamp", timestamp).header("webhook-signature", signatures)
                    .POST(HttpRequest.BodyPublishers.ofString(d.payload())).build(), HttpResponse.BodyHandlers.ofInputStream());
            HttpResponse<java.io.InputStream> response;
            try {
                response = exchange.get(ATTEMPT_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                exchange.cancel(true);
                throw new java.net.http.HttpTimeoutException("no answer within 15 s");
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof java.io.IOException io ? io : new java.io.IOException(e.getCause());
            }
            int latency = (int) ((System.nanoTime() - started) / 1_000_000);
            String snippet = snippet(response.body(), started);
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return Optional.of(new Outcome(d, new WebhookStore.AttemptRecord(d.id(), d.lease(), true, Optional.empty(), status, null, snippet, latency, now),
                        EndpointEffect.SUCCEEDED));
            } else if (status == 410) {
                return Optional.of(new Outcome(d, new WebhookStore.AttemptRecord(d.id(), d.lease(), false, Optional.empty(), status,
                        "410 Gone: endpoint disabled", snippet, latency, now), EndpointEffect.GONE));
            }
            return Optional.of(new Outcome(d, new WebhookStore.AttemptRecord(d.id(), d.lease(), false, retryAt, status,
                    status >= 300 && status < 400 ? "redirects are not followed" : "http " + status, snippet, latency, now), EndpointEffect.FAILED));
        } catch (java.io.IOException e) {
            return Optional.of(new Outcome(d, new WebhookStore.AttemptRecord(d.id(), d.lease(), false, retryAt, null,
                    clip(e.getClass().getSimpleName() + ": " + e.getMessage()), null, (int) ((System.nanoTime() - started) / 1_000_000), now),
                    EndpointEffect.FAILED));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "webhook delivery " + d.messageId() + " failed", e);
            return Optional.of(new Outcome(d, new WebhookStore.AttemptRecord(d.id(), d.lease(), false, retryAt, null, clip("error: " + e.getMessage()), null, 0, now),
                    EndpointEffect.NONE));
        }
    }

    /**
     * The first characters of a receiver's answer, printable, read within what is left of the
     * attempt's 15 s; a body that trickles in is cut off, not waited for.
     */
    private String snippet(java.io.InputStream body, long started) {
        var read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (body) {
                return new String(body.readNBytes(SNIPPET * 4), java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "";
            }
        }, bodyReaders);
        long left = ATTEMPT_TIMEOUT.toNanos() - (System.nanoTime() - started);
        String text;
        try {
            text = read.get(Math.max(1, left), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            read.cancel(true);
            try {
                body.close();
            } catch (java.io.IOException ignored) {
                // closing a stream that is being given up on
            }
            text = "";
        }
        // PostgreSQL text holds no NUL; control characters do not belong in a log line.
        String clean = text.replaceAll("\\p{Cc}", " ");
        return clean.codePointCount(0, clean.length()) <= SNIPPET ? clean : clean.substring(0, clean.offsetByCodePoints(0, SNIPPET));
    }

    /** An endpoint that has failed for 5 days without a success is disabled, and the reason kept for its owner. */
    private static void failed(Stores s, WebhookStore.DueDelivery d, Instant now) {
        Instant since = s.webhooks().markFailing(d.endpointId(), now);
        if (Duration.between(since, now).compareTo(FAILING_LIMIT) >= 0) {
            s.webhooks().disableEndpointById(d.endpointId(), "failing since " + since + " (5 days without a successful delivery)");
            LOG.warning("webhook endpoint " + d.endpointId() + " disabled: failing since " + since);
        }
    }

    /** Standard Webhooks: base64(HMAC-SHA256(base64-decoded secret, id "." timestamp "." body)). */
    static String sign(String secret, String messageId, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal((messageId + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Why a URL may not be called, or empty when it may. */
    Optional<String> refusal(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return Optional.of("not a URL");
        }
        if (url.length() > 2048 || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            return Optional.of("the URL needs a host, and no user info or fragment");
        }
        boolean https = "https".equals(uri.getScheme());
        if (!https && !("http".equals(uri.getScheme()) && settings.allowHttp())) {
            return Optional.of(settings.allowHttp() ? "the URL must be http or https" : "the URL must be https");
        }
        String host = uri.getHost().toLowerCase(java.util.Locale.ROOT);
        if (settings.allowedHosts().contains(host)) {
            return Optional.empty();
        }
        // 2130706433, 0177.0.0.1, 0x7f.1: spellings of addresses meant to slip past a check.
        if (host.matches("[0-9.x]+") && !host.matches("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)")) {
            return Optional.of("the host is not a name or a plain IP address");
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(host.replaceAll("^\\[|]$", ""))) {
                if (!isPublic(a)) {
                    return Optional.of("the host resolves to a non-public address");
                }
            }
        } catch (UnknownHostException e) {
            return Optional.of("the host does not resolve");
        }
        return Optional.empty();
    }

    /** Not in any special-purpose block (loopback, private, link-local, documentation, benchmarking, …): see {@link SpecialAddresses}. */
    private static boolean isPublic(InetAddress a) {
        return !SpecialAddresses.contains(a);
    }

    private static String clip(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200);
    }
}
