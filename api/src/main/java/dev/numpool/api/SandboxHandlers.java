package dev.numpool.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Money;
import dev.numpool.sandbox.Chaos;
import dev.numpool.sandbox.SandboxUpstreams;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The operator's routes over the sandbox's simulated upstreams, under
 * {@code /v1/operator/sandbox}: the list, and each one's chaos switch (normal, fail, stall,
 * garbage), so failover, breakers and reconciliation can be watched live. {@link ApiRouter}
 * registers them in sandbox mode only, behind the operator's token; a node whose upstreams are
 * real (or off) lists none and answers 404 for every name.
 */
final class SandboxHandlers {
    private final Optional<SandboxUpstreams> upstreams;

    SandboxHandlers(Optional<SandboxUpstreams> upstreams) {
        this.upstreams = upstreams;
    }

    void list(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        var list = body.putArray("upstreams");
        upstreams.map(SandboxUpstreams::upstreams).orElse(List.of()).forEach(u -> list.add(json(u)));
        Json.send(res, 200, body);
    }

    /** {@code {"mode": "normal" | "fail" | "stall" | "garbage"}}: at once, for every later request to that upstream. */
    void chaos(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        if (upstreams.flatMap(u -> u.upstream(name)).isEmpty()) {
            throw Problem.notFound("No simulated upstream '" + name + "'.");
        }
        ObjectNode body = Json.object(Requests.jsonBody(req), Set.of("mode"));
        Chaos mode = Chaos.parse(body.path("mode").isTextual() ? body.get("mode").asText() : null)
                .orElseThrow(() -> Problem.badRequest("'mode' is required: normal, fail, stall or garbage."));
        SandboxUpstreams.Upstream switched = upstreams.flatMap(u -> u.chaos(name, mode))
                .orElseThrow(() -> Problem.notFound("No simulated upstream '" + name + "'."));
        Json.send(res, 200, json(switched));
    }

    /** An upstream as the operator sees it: never its key (it is in this node's environment only). */
    private static ObjectNode json(SandboxUpstreams.Upstream u) {
        return Json.MAPPER.createObjectNode().put("name", u.name()).put("protocol", u.protocol()).put("url", u.url().toString())
                .put("cost", Money.format(u.costMicros())).put("timeoutMillis", u.clientTimeout().toMillis()).put("chaos", u.chaos().wire());
    }
}
