package dev.numpool.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.WebhookDelivery;
import dev.numpool.orders.WebhookFormat;
import dev.numpool.orders.Webhooks;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The native API's webhook endpoints ({@code /v1/webhook-endpoints}): where an account's events
 * are delivered, their secrets, and the deliveries' log. Adapters over the {@link Webhooks} door.
 */
final class WebhookEndpointHandlers {
    private static final Set<String> ENDPOINT_FIELDS = Set.of("url", "eventTypes", "format");
    /** More event types than this on one endpoint is no real subscription. */
    private static final int MAX_EVENT_TYPES = 10;

    private final Webhooks webhooks;

    WebhookEndpointHandlers(Webhooks webhooks) {
        this.webhooks = webhooks;
    }

    /**
     * {@code {"url", "eventTypes", "format"}}: {@code format} is {@code standard} unless given; an
     * {@code sms-activate} endpoint without {@code eventTypes} takes every event that format carries.
     */
    void create(AccountId owner, ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.object(Requests.jsonBody(req), ENDPOINT_FIELDS);
        JsonNode url = body.get("url");
        JsonNode types = body.get("eventTypes");
        WebhookFormat format = format(body).orElse(WebhookFormat.STANDARD);
        if (url == null || !url.isTextual() || (types == null && format == WebhookFormat.STANDARD)
                || (types != null && (!types.isArray() || types.size() > MAX_EVENT_TYPES))) {
            throw Problem.badRequest("Send {\"url\": \"https://…\", \"eventTypes\": [\"activation.code_received\", …]}.");
        }
        List<String> eventTypes = types == null ? format.eventTypes().stream().sorted().toList() : eventTypes(types);
        switch (webhooks.create(owner, url.asText(), eventTypes, format)) {
            case Webhooks.Created.Endpoint e -> {
                ObjectNode n = endpointJson(owner, e.id());
                n.put("secret", e.secret());
                Json.send(res, 201, n);
            }
            case Webhooks.Created.Refused r -> throw refused(r.reason());
        }
    }

    void update(AccountId owner, ServerRequest req, ServerResponse res) {
        long id = endpointId(req);
        ObjectNode body = Json.object(Requests.jsonBody(req), ENDPOINT_FIELDS);
        JsonNode url = body.get("url");
        JsonNode types = body.get("eventTypes");
        Optional<WebhookFormat> format = format(body);
        if ((url != null && !url.isTextual()) || (types != null && (!types.isArray() || types.size() > MAX_EVENT_TYPES))
                || (url == null && types == null && format.isEmpty())) {
            throw Problem.badRequest("Send 'url' (a string), 'eventTypes' (an array of event types) and/or 'format'.");
        }
        Optional<List<String>> eventTypes = types == null ? Optional.empty() : Optional.of(eventTypes(types));
        switch (webhooks.update(owner, id, Optional.ofNullable(url).map(JsonNode::asText), eventTypes, format)) {
            case Webhooks.Updated.Changed c -> Json.send(res, 200, endpointJson(owner, id));
            case Webhooks.Updated.Refused r -> throw refused(r.reason());
            case Webhooks.Updated.NotFound nf -> throw noEndpoint(id);
        }
    }

    /** The body's {@code format}, empty when not given; any other value than a format's name is refused before anything changes. */
    private static Optional<WebhookFormat> format(ObjectNode body) {
        JsonNode format = body.get("format");
        if (format == null) {
            return Optional.empty();
        }
        return Optional.of(format).filter(JsonNode::isTextual).flatMap(f -> WebhookFormat.fromWire(f.asText()))
                .map(Optional::of).orElseThrow(() -> Problem.badRequest("'format' is one of " + String.join(", ", WebhookFormat.names()) + "."));
    }

    private static List<String> eventTypes(JsonNode types) {
        List<String> list = new ArrayList<>();
        for (JsonNode t : types) {
            if (!t.isTextual()) {
                throw Problem.badRequest("'eventTypes' holds strings.");
            }
            list.add(t.asText());
        }
        return list;
    }

    private static Problem refused(String reason) {
        return new Problem(ProblemType.WEBHOOK_ENDPOINT_REFUSED, reason + ".");
    }

    void list(AccountId owner, ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        webhooks.endpoints(owner).forEach(e -> data.add(endpointJson(e)));
        Json.send(res, 200, body);
    }

    void delete(AccountId owner, ServerRequest req, ServerResponse res) {
        String raw = req.path().pathParameters().get("id");
        if (Requests.parseId(raw).filter(id -> webhooks.delete(owner, id)).isEmpty()) {
            throw Problem.notFound("No webhook endpoint with id '" + raw + "'.");
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    void deliveries(AccountId owner, ServerRequest req, ServerResponse res) {
        String raw = req.path().pathParameters().get("id");
        long endpoint = Requests.parseId(raw).filter(id -> webhooks.endpoints(owner).stream().anyMatch(e -> e.id() == id))
                .orElseThrow(() -> Problem.notFound("No webhook endpoint with id '" + raw + "'."));
        int limit = Requests.intQuery(req, "limit", 1, 100).orElse(20);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        webhooks.deliveries(owner, endpoint, limit).forEach(d -> data.add(deliveryJson(d)));
        Json.send(res, 200, body);
    }

    private static ObjectNode deliveryJson(WebhookDelivery d) {
        ObjectNode n = Json.MAPPER.createObjectNode().put("messageId", d.messageId()).put("eventType", d.eventType()).put("state", d.state())
                .put("attempts", d.attemptCount()).put("createdAt", d.createdAt().toString());
        ArrayNode log = n.putArray("attemptLog");
        for (WebhookDelivery.Attempt a : d.attempts()) {
            ObjectNode e = log.addObject().put("at", a.at().toString()).put("latencyMillis", a.latencyMillis());
            e.put("status", a.status().orElse(null));
            e.put("error", a.error().orElse(null));
            e.put("response", a.response().orElse(null));
        }
        n.put("lastStatus", d.lastStatus().orElse(null));
        n.put("lastError", d.lastError().orElse(null));
        n.put("lastResponse", d.lastResponse().orElse(null));
        n.put("lastLatencyMillis", d.lastLatencyMillis().orElse(null));
        n.put("deliveredAt", d.deliveredAt().map(Object::toString).orElse(null));
        n.put("payload", d.payload());
        return n;
    }

    void rotateSecret(AccountId owner, ServerRequest req, ServerResponse res) {
        long id = endpointId(req);
        String secret = webhooks.rotateSecret(owner, id).orElseThrow(() ->
                webhooks.endpoints(owner).stream().anyMatch(e -> e.id() == id && e.enabled())
                        ? new Problem(ProblemType.ROTATION_IN_PROGRESS,
                        "The previous secret still signs for up to 24 h after the last rotation; rotate again after that.")
                        : noEndpoint(id));
        Json.send(res, 200, Json.MAPPER.createObjectNode().put("id", id).put("secret", secret)
                .put("previousSecretValidFor", "PT24H"));
    }

    void sendTestEvent(AccountId owner, ServerRequest req, ServerResponse res) {
        long id = endpointId(req);
        if (!webhooks.sendTestEvent(owner, id)) {
            throw noEndpoint(id);
        }
        Json.send(res, 202, Json.MAPPER.createObjectNode().put("queued", true));
    }

    void replay(AccountId owner, ServerRequest req, ServerResponse res) {
        long id = endpointId(req);
        String messageId = req.path().pathParameters().get("messageId");
        if (!messageId.matches("[A-Za-z0-9_]{1,64}") || !webhooks.replay(owner, id, messageId)) {
            throw Problem.notFound("No delivery '" + messageId + "' of webhook endpoint " + id + ".");
        }
        Json.send(res, 202, Json.MAPPER.createObjectNode().put("queued", true));
    }

    private static long endpointId(ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        return Requests.parseId(raw).orElseThrow(() -> Problem.notFound("No webhook endpoint with id '" + raw + "'."));
    }

    private static Problem noEndpoint(long id) {
        return Problem.notFound("No webhook endpoint with id " + id + ".");
    }

    private ObjectNode endpointJson(AccountId owner, long id) {
        return endpointJson(webhooks.endpoints(owner).stream().filter(e -> e.id() == id).findFirst().orElseThrow());
    }

    private static ObjectNode endpointJson(Webhooks.Endpoint e) {
        ObjectNode n = Json.MAPPER.createObjectNode().put("id", e.id()).put("url", e.url()).put("enabled", e.enabled())
                .put("createdAt", e.createdAt().toString());
        ArrayNode types = n.putArray("eventTypes");
        e.eventTypes().stream().sorted().forEach(types::add);
        n.put("format", e.format().wire());
        n.put("disabledReason", e.disabledReason().orElse(null));
        return n;
    }
}
