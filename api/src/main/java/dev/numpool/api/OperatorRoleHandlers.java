package dev.numpool.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.orders.OperatorRole;
import dev.numpool.orders.Operators;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Optional;
import java.util.Set;

/**
 * Who may use the console: {@code /v1/operator/operators}, where the shared token (automation, or
 * whoever set up the deployment) gives a website account a role or takes it away. The first
 * admin can only be made this way; the console never grants roles, so a stolen console session
 * cannot make itself more operators.
 */
final class OperatorRoleHandlers {
    private final Operators operators;

    OperatorRoleHandlers(Operators operators) {
        this.operators = operators;
    }

    void list(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("operators");
        operators.operators().forEach(o -> list.add(json(o)));
        Json.send(res, 200, body);
    }

    /** {@code {"role": "admin" | "support"}} for the account that signed up with {@code {email}}. */
    void grant(ServerRequest req, ServerResponse res) {
        String email = req.path().pathParameters().get("email");
        JsonNode role = Json.object(Requests.jsonBody(req), Set.of("role")).path("role");
        if (!role.isTextual() || !Set.of("admin", "support").contains(role.asText())) {
            throw Problem.badRequest("'role' is required: \"admin\" or \"support\".");
        }
        Operators.Operator granted = operators.grant(email, OperatorRole.fromWire(role.asText()))
                .orElseThrow(() -> Problem.notFound("No account signed up with the email '" + email + "'. The person signs up on the website first."));
        Json.send(res, 200, json(granted));
    }

    void revoke(ServerRequest req, ServerResponse res) {
        String email = req.path().pathParameters().get("email");
        if (!operators.revoke(email)) {
            throw Problem.notFound("'" + email + "' is no operator.");
        }
        res.status(204).send();
    }

    /** The role of the email in the path, before and after a change (for the audit log). */
    Optional<JsonNode> state(ServerRequest req) {
        String email = req.path().pathParameters().get("email");
        return Optional.of(operators.operators().stream().filter(o -> o.email().equalsIgnoreCase(email)).findFirst()
                .<JsonNode>map(OperatorRoleHandlers::json).orElse(Json.MAPPER.createObjectNode().putNull("role")));
    }

    private static ObjectNode json(Operators.Operator o) {
        return Json.MAPPER.createObjectNode().put("email", o.email()).put("role", o.role().wire()).put("secondFactorEnrolled", o.enrolled());
    }
}
