package dev.numpool.orders;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * Stripe's API on 127.0.0.1 for the one endpoint Numpool calls, {@code POST /v1/checkout/sessions},
 * answering Stripe's JSON and honouring {@code Idempotency-Key} the way Stripe does: the same key
 * gets the same session, never a second one. A test can queue failure statuses to answer first
 * ({@link #failNext}). It also builds and signs webhook events as Stripe would
 * ({@link #sign}, {@link #checkoutCompleted}, ...).
 */
public final class FakeStripe implements AutoCloseable {
    public static final String SECRET_KEY = "sk_test_numpool_fake_0123456789";
    public static final String WEBHOOK_SECRET = "whsec_numpool_fake_signing_secret";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, String> sessionsByKey = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> sessions = new ConcurrentHashMap<>();
    private final Deque<Integer> failures = new ArrayDeque<>();
    private final AtomicInteger counter = new AtomicInteger();
    /** Every request: its Idempotency-Key and the status answered. */
    public final List<Request> requests = new CopyOnWriteArrayList<>();

    public record Request(String idempotencyKey, String authorization, int status, Map<String, String> form) {
    }

    public FakeStripe() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/checkout/sessions", this::createSession);
        server.start();
    }

    public String apiBase() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers the next requests with these statuses (Stripe's error JSON) before behaving. */
    public synchronized void failNext(int... statuses) {
        for (int s : statuses) {
            failures.add(s);
        }
    }

    /** The sessions created, by id. */
    public Map<String, ObjectNode> sessions() {
        return sessions;
    }

    private void createSession(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (!pair.isEmpty()) {
                String[] kv = pair.split("=", 2);
                form.put(URLDecoder.decode(kv[0], UTF_8), kv.length > 1 ? URLDecoder.decode(kv[1], UTF_8) : "");
            }
        }
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        Integer failure;
        synchronized (this) {
            failure = failures.poll();
        }
        if (!("Bearer " + SECRET_KEY).equals(auth)) {
            respond(exchange, 401, error("invalid_request_error", "Invalid API Key provided"), form, key);
            return;
        }
        if (failure != null) {
            String type = failure == 409 ? "idempotency_error" : "api_error";
            exchange.getResponseHeaders().add("Stripe-Should-Retry", "true");
            respond(exchange, failure, error(type, failure == 409
                    ? "There is currently another in-progress request using this Stripe token (that probably means you clicked twice)."
                    : "An unknown error occurred"), form, key);
            return;
        }
        String id = key == null ? null : sessionsByKey.get(key);
        if (id == null) {
            id = "cs_test_" + counter.incrementAndGet() + "a1b2c3d4e5f6";
            ObjectNode s = JSON.createObjectNode()
                    .put("id", id).put("object", "checkout.session").put("mode", "payment")
                    .put("status", "open").put("payment_status", "unpaid")
                    .put("url", "https://checkout.stripe.com/c/pay/" + id)
                    .put("client_reference_id", form.get("client_reference_id"))
                    .put("currency", form.get("line_items[0][price_data][currency]"))
                    .put("amount_total", Long.parseLong(form.getOrDefault("line_items[0][price_data][unit_amount]", "0")))
                    .put("success_url", form.get("success_url")).put("cancel_url", form.get("cancel_url"))
                    .put("livemode", false).put("created", Instant.now().getEpochSecond());
            s.putNull("payment_intent");
            s.putObject("metadata").put("topup_id", form.get("metadata[topup_id]"));
            sessions.put(id, s);
            if (key != null) {
                sessionsByKey.put(key, id);
            }
        }
        respond(exchange, 200, sessions.get(id).toString(), form, key);
    }

    private void respond(HttpExchange exchange, int status, String json, Map<String, String> form, String key) throws IOException {
        requests.add(new Request(key, exchange.getRequestHeaders().getFirst("Authorization"), status, form));
        byte[] bytes = json.getBytes(UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("Request-Id", "req_fake" + counter.incrementAndGet());
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static String error(String type, String message) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("error").put("type", type).put("message", message);
        return root.toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // Webhook events, as Stripe sends them ----------------------------------------------------

    private static final AtomicInteger EVENTS = new AtomicInteger();

    public static String newEventId() {
        return "evt_test_" + System.nanoTime() + "_" + EVENTS.incrementAndGet();
    }

    /** {@code Stripe-Signature} for {@code payload} at {@code at}: {@code t=<unix>,v1=<hex HMAC-SHA256(secret, t.payload)>}. */
    public static String sign(String payload, Instant at, String secret) {
        long t = at.getEpochSecond();
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(UTF_8), "HmacSHA256"));
            return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal((t + "." + payload).getBytes(UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sign(String payload, Instant at) {
        return sign(payload, at, WEBHOOK_SECRET);
    }

    private static String event(String id, String type, ObjectNode object, Instant at) {
        ObjectNode root = JSON.createObjectNode().put("id", id).put("object", "event").put("api_version", "2025-10-29.clover")
                .put("created", at.getEpochSecond()).put("livemode", false).put("pending_webhooks", 1).put("type", type);
        root.putObject("data").set("object", object);
        root.putObject("request").putNull("id");
        return root.toString();
    }

    /** The id of the session this fake created for top-up {@code topupId}. */
    public String sessionFor(long topupId) {
        return sessions.values().stream().filter(s -> String.valueOf(topupId).equals(s.path("client_reference_id").asText()))
                .map(s -> s.get("id").asText()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no session was created for top-up " + topupId));
    }

    /** checkout.session.completed (or another checkout.session.* type) for the session this fake made for {@code topupId}. */
    public String checkoutEvent(String eventId, String type, long topupId, String paymentIntent, long amountCents, String paymentStatus, Instant at) {
        return checkoutEvent(eventId, type, topupId, sessionFor(topupId), paymentIntent, amountCents, paymentStatus, at);
    }

    public String checkoutCompleted(String eventId, long topupId, String paymentIntent, long amountCents, Instant at) {
        return checkoutEvent(eventId, "checkout.session.completed", topupId, paymentIntent, amountCents, "paid", at);
    }

    /** A checkout.session.* event for session {@code sessionId} (which need not be one of this fake's). */
    public static String checkoutEvent(String eventId, String type, long topupId, String sessionId, String paymentIntent, long amountCents,
                                       String paymentStatus, Instant at) {
        ObjectNode s = JSON.createObjectNode().put("id", sessionId).put("object", "checkout.session")
                .put("mode", "payment").put("status", "complete").put("payment_status", paymentStatus)
                .put("client_reference_id", String.valueOf(topupId)).put("amount_total", amountCents).put("currency", "usd")
                .put("payment_intent", paymentIntent);
        s.putObject("metadata").put("topup_id", String.valueOf(topupId));
        return event(eventId, type, s, at);
    }

    /** charge.refunded with the refunded total so far. */
    public static String chargeRefunded(String eventId, String paymentIntent, long amountCents, long refundedTotalCents, Instant at) {
        ObjectNode c = JSON.createObjectNode().put("id", "ch_for_" + paymentIntent).put("object", "charge")
                .put("amount", amountCents).put("amount_refunded", refundedTotalCents).put("currency", "usd")
                .put("payment_intent", paymentIntent).put("refunded", refundedTotalCents >= amountCents).put("status", "succeeded");
        return event(eventId, "charge.refunded", c, at);
    }

    /** charge.dispute.created / charge.dispute.closed. */
    public static String dispute(String eventId, String type, String disputeId, String paymentIntent, long amountCents, String status, Instant at) {
        ObjectNode d = JSON.createObjectNode().put("id", disputeId).put("object", "dispute").put("amount", amountCents)
                .put("charge", "ch_for_" + paymentIntent).put("currency", "usd").put("payment_intent", paymentIntent)
                .put("reason", "fraudulent").put("status", status);
        return event(eventId, type, d, at);
    }
}
