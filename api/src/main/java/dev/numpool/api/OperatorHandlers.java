package dev.numpool.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Inventory;
import dev.numpool.orders.Orders;
import dev.numpool.orders.UpstreamReport;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The operator's view under {@code /v1/operator}: provider health and the status reports
 * providers refused or never answered. A separate credential from customers' API keys, compared
 * in constant time; without one configured the routes do not exist.
 */
final class OperatorHandlers {
    private static final Set<String> REPORT_STATES = Set.of("pending", "confirmed", "refused", "abandoned");

    private final Inventory inventory;
    private final Orders orders;
    private final byte[] token;

    OperatorHandlers(Inventory inventory, Orders orders, String token) {
        this.inventory = inventory;
        this.orders = orders;
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    void routing(HttpRouting.Builder routing) {
        routing.get("/v1/operator/providers", this::providers)
                .get("/v1/operator/providers/{name}/refreshes", this::refreshes)
                .get("/v1/operator/upstream-reports", this::reports);
    }

    private void providers(ServerRequest req, ServerResponse res) {
        authorize(req);
        Map<String, Map<String, Integer>> backlog = orders.upstreamBacklog();
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("providers");
        for (Inventory.ProviderHealth h : inventory.health()) {
            ObjectNode n = list.addObject()
                    .put("name", h.name()).put("kind", h.kind()).put("circuit", h.circuit())
                    .put("latencyMillis", h.latencyMillis()).put("cachedOffers", h.offers()).put("cachedStock", h.stock())
                    .put("deliveredToday", h.deliveredToday()).put("endedToday", h.endedToday());
            ObjectNode reports = n.putObject("statusReports");
            backlog.getOrDefault(h.name(), Map.of()).forEach(reports::put);
        }
        NativeApi.json(res, 200, body);
    }

    private void refreshes(ServerRequest req, ServerResponse res) {
        authorize(req);
        String name = req.path().pathParameters().get("name");
        if (inventory.health().stream().noneMatch(h -> h.name().equals(name))) {
            throw Problem.notFound("No provider '" + name + "'.");
        }
        int limit = Requests.intQuery(req, "limit", 1, 500).orElse(100);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("data");
        for (Inventory.Refresh r : inventory.refreshHistory(name, limit)) {
            ObjectNode n = list.addObject().put("takenAt", r.takenAt().toString()).put("ok", r.ok())
                    .put("offers", r.offers()).put("totalStock", r.totalStock());
            n.put("minCost", r.minCostMicros().map(dev.numpool.inventory.Money::format).orElse(null));
            n.put("error", r.error().orElse(null));
        }
        NativeApi.json(res, 200, body);
    }

    private void reports(ServerRequest req, ServerResponse res) {
        authorize(req);
        String state = Requests.query(req, "state").orElse("refused");
        if (!REPORT_STATES.contains(state)) {
            throw Problem.badRequest("'state' must be one of pending, confirmed, refused, abandoned.");
        }
        int limit = Requests.intQuery(req, "limit", 1, 500).orElse(100);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("data");
        for (UpstreamReport r : orders.upstreamReports(state, limit)) {
            ObjectNode n = list.addObject().put("id", r.id()).put("provider", r.provider()).put("providerRef", r.providerRef())
                    .put("kind", r.kind()).put("state", r.state()).put("attempts", r.attempts())
                    .put("createdAt", r.createdAt().toString());
            n.put("activationId", r.activationId().orElse(null));
            n.put("lastError", r.lastError().orElse(null));
        }
        NativeApi.json(res, 200, body);
    }

    private void authorize(ServerRequest req) {
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        byte[] given = header.filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(h -> h.substring(7).trim().getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
        if (!MessageDigest.isEqual(given, token)) {
            throw new Problem(401, "unauthorized", "Missing or invalid operator token",
                    "Operator routes take 'Authorization: Bearer <NUMPOOL_OPERATOR_TOKEN>'.");
        }
    }
}
