package dev.numpool.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.inventory.InboundResult;
import dev.numpool.inventory.Inventory;
import dev.numpool.orders.OrdersException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where SMS are pushed to Numpool: the rented-number pool's inbound webhooks
 * ({@code POST /inbound/twilio}, {@code POST /inbound/sms-gate}), SIM-bank agents'
 * {@code PUSH_SMS} ({@code POST /agent/{provider}}) and the customer webhook of sms-activate-family
 * upstreams ({@code POST /inbound/sms-activate/{provider}/{secret}}). Each answers in its sender's
 * own terms: TwiML for Twilio, JSON for SMS Gate, {@code {"status":"SUCCESS"}} for agents, which
 * push again every 10 s until they hear it (so a failure on our side answers anything else, on
 * purpose), and a bare 200 for the upstreams, which retry anything else.
 */
final class InboundHandlers {
    private static final Logger LOG = Logger.getLogger(InboundHandlers.class.getName());
    /** An SMS with its envelope is a few kilobytes; nothing bigger is read. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final String TWIML_EMPTY = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

    private final Inventory inventory;
    private final Optional<String> publicUrl;
    private final java.util.function.Function<ServerRequest, String> source;

    /**
     * {@code publicUrl} is how senders reach this deployment ({@code NUMPOOL_PUBLIC_URL}, e.g.
     * {@code https://numpool.example}): Twilio signs the URL it posted to, which a proxy in front
     * of Numpool hides. Without it the URL is rebuilt from the request's Host header.
     */
    InboundHandlers(Inventory inventory, Optional<String> publicUrl) {
        this(inventory, publicUrl, RateLimits.off()::client);
    }

    /** {@code source} says where a request comes from (the rate limits' client, trusted proxies considered). */
    InboundHandlers(Inventory inventory, Optional<String> publicUrl, java.util.function.Function<ServerRequest, String> source) {
        this.inventory = inventory;
        this.source = source;
        this.publicUrl = publicUrl.map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
    }

    /**
     * An sms-activate-family upstream's customer webhook (HeroSMS: a 3 s timeout, then 7 retries
     * 20 to 30 s apart for anything but a 200). The originals do not sign, so the secret is the
     * last segment of the URL configured at the upstream; a wrong one, or a source not allowed,
     * changes nothing. A repeat is answered 200 like the first (intake recognises it).
     */
    void smsActivatePush(ServerRequest req, ServerResponse res) {
        String provider = req.path().pathParameters().get("provider");
        String secret = req.path().pathParameters().get("secret");
        Optional<byte[]> body = Requests.boundedBody(req, MAX_BODY_BYTES);
        if (body.isEmpty()) {
            reply(res, 413, "{\"status\":\"error\",\"error\":\"body too large\"}");
            return;
        }
        // An unreadable body is judged after the secret, so a stranger learns nothing from the answer.
        JsonNode push = readJson(body.get()).orElse(null);
        upstreamAnswer(res, deliver(() -> inventory.receiveSmsActivatePush(provider, secret, source.apply(req), push)));
    }

    private static void upstreamAnswer(ServerResponse res, InboundResult result) {
        switch (result) {
            case InboundResult.Delivered d -> reply(res, 200, "{\"status\":\"ok\"}");
            case InboundResult.Ignored i -> reply(res, 200, Json.MAPPER.createObjectNode().put("status", "ok").put("ignored", i.reason()));
            case InboundResult.Unauthorized u -> reply(res, 403, "{\"status\":\"error\",\"error\":\"forbidden\"}");
            case InboundResult.Malformed m -> reply(res, 400, Json.MAPPER.createObjectNode().put("status", "error").put("error", m.reason()));
            case InboundResult.NotConfigured n -> reply(res, 404, "{\"status\":\"error\",\"error\":\"not configured\"}");
        }
    }

    /** A JSON document, or empty when the bytes are not one. */
    private static Optional<JsonNode> readJson(byte[] body) {
        try {
            return Optional.ofNullable(Json.MAPPER.readTree(body));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    void twilio(ServerRequest req, ServerResponse res) {
        Optional<byte[]> body = Requests.boundedBody(req, MAX_BODY_BYTES);
        if (body.isEmpty()) {
            text(res, 413, "text/plain", "body too large");
            return;
        }
        Optional<Map<String, String>> params = Requests.form(new String(body.get(), StandardCharsets.UTF_8));
        if (params.isEmpty()) {
            text(res, 400, "text/plain", "body is not a form");
            return;
        }
        twilioAnswer(res, deliver(() -> inventory.receiveTwilio(postedUrl(req), params.get(),
                req.headers().first(HeaderNames.create("X-Twilio-Signature")))));
    }

    private static void twilioAnswer(ServerResponse res, InboundResult result) {
        switch (result) {
            case InboundResult.Delivered d -> text(res, 200, "text/xml", TWIML_EMPTY);
            case InboundResult.Ignored i -> text(res, 200, "text/xml", TWIML_EMPTY);
            case InboundResult.Unauthorized u -> text(res, 403, "text/plain", u.reason());
            case InboundResult.Malformed m -> text(res, 400, "text/plain", m.reason());
            case InboundResult.NotConfigured n -> text(res, 404, "text/plain", "not configured: " + n.what());
        }
    }

    /** The URL Twilio posted to, which its signature covers. */
    private String postedUrl(ServerRequest req) {
        return publicUrl.orElseGet(() -> "http://" + req.headers().first(HeaderNames.HOST).orElse("localhost"))
                + req.path().rawPath() + (req.query().rawValue().isEmpty() ? "" : "?" + req.query().rawValue());
    }

    void smsGate(ServerRequest req, ServerResponse res) {
        Optional<byte[]> body = Requests.boundedBody(req, MAX_BODY_BYTES);
        if (body.isEmpty()) {
            reply(res, 413, "{\"error\":\"body too large\"}");
            return;
        }
        smsGateAnswer(res, deliver(() -> inventory.receiveSmsGate(body.get(),
                req.headers().first(HeaderNames.create("X-Signature")), req.headers().first(HeaderNames.create("X-Timestamp")))));
    }

    private static void smsGateAnswer(ServerResponse res, InboundResult result) {
        switch (result) {
            case InboundResult.Delivered d -> reply(res, 200, "{\"ok\":true}");
            case InboundResult.Ignored i -> reply(res, 200, Json.MAPPER.createObjectNode().put("ok", true).put("ignored", i.reason()));
            case InboundResult.Unauthorized u -> reply(res, 401, Json.MAPPER.createObjectNode().put("error", u.reason()));
            case InboundResult.Malformed m -> reply(res, 400, Json.MAPPER.createObjectNode().put("error", m.reason()));
            case InboundResult.NotConfigured n -> reply(res, 404, Json.MAPPER.createObjectNode().put("error", "not configured: " + n.what()));
        }
    }

    void agentPush(ServerRequest req, ServerResponse res) {
        String provider = req.path().pathParameters().get("provider");
        Optional<byte[]> body = Requests.boundedBody(req, MAX_BODY_BYTES);
        if (body.isEmpty()) {
            reply(res, 413, agentError("BODY_TOO_LARGE"));
            return;
        }
        Optional<JsonNode> push = readJson(body.get()).filter(JsonNode::isObject);
        if (push.isEmpty()) {
            reply(res, 400, agentError("BAD_JSON"));
            return;
        }
        agentAnswer(res, deliver(() -> inventory.receiveAgentPush(provider, push.get())));
    }

    /** Agents push again every 10 s until they read SUCCESS, so only a delivered or recognised push says it. */
    private static void agentAnswer(ServerResponse res, InboundResult result) {
        switch (result) {
            case InboundResult.Delivered d -> reply(res, 200, "{\"status\":\"SUCCESS\"}");
            case InboundResult.Ignored i -> reply(res, 200, "{\"status\":\"SUCCESS\"}");
            case InboundResult.Unauthorized u -> reply(res, 401, agentError("BAD_KEY"));
            case InboundResult.Malformed m -> reply(res, 400, agentError(m.reason()));
            case InboundResult.NotConfigured n -> reply(res, 404, agentError("UNKNOWN_AGENT"));
        }
    }

    /** Runs the delivery; if it fails on our side, the sender is told to try again (500/503 below). */
    private static InboundResult deliver(java.util.function.Supplier<InboundResult> delivery) {
        try {
            return delivery.get();
        } catch (OrdersException e) {
            // Shedding load is the node working as meant: one line per refused SMS at a fine level,
            // not a stack trace each, which under a flood would cost more than the SMS itself.
            LOG.log(Level.FINE, "inbound SMS turned away; the sender retries: {0}", e.getMessage());
            throw tryAgain();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "inbound SMS not taken in; the sender retries", e);
            throw tryAgain();
        }
    }

    private static Problem tryAgain() {
        return new Problem(ProblemType.TRY_AGAIN, "The SMS could not be stored just now; send it again.");
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode agentError(String error) {
        return Json.MAPPER.createObjectNode().put("status", "ERROR").put("error", error);
    }

    private static void text(ServerResponse res, int status, String type, String body) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, type + "; charset=utf-8").send(body);
    }

    private static void reply(ServerResponse res, int status, String json) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "application/json").send(json);
    }

    private static void reply(ServerResponse res, int status, JsonNode json) {
        reply(res, status, json.toString());
    }
}
