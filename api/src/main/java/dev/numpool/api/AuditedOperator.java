package dev.numpool.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.orders.OperatorAudit;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes every change made through an operator route to the audit log: who (the shared token is
 * the machine operator), the route and its path parameters, the request's body, the state before
 * and after where the route names one, and the status answered, refusals included. Reading
 * routes are not written down. The entry is written once the answer is known, just before it is
 * sent, after the change committed in its own transaction (the facades' changes know nothing of
 * HTTP): a node that dies between the two loses the entry, never the change.
 */
final class AuditedOperator {
    private static final Logger LOG = Logger.getLogger(AuditedOperator.class.getName());
    /** The largest body an operator route takes (a pool import). */
    static final int MAX_BODY_BYTES = 2 * 1024 * 1024;

    /** The state a change is about, read before and after it; empty when there is none to read. */
    @FunctionalInterface
    interface State {
        Optional<JsonNode> read(ServerRequest req);

        State NONE = req -> Optional.empty();
    }

    private final OperatorAudit audit;

    AuditedOperator(OperatorAudit audit) {
        this.audit = audit;
    }

    /** What the entry of one request is made of, filled in as the request is read. */
    private static final class Attempt {
        byte[] body = new byte[0];
        Optional<JsonNode> before = Optional.empty();
    }

    /** {@code handler}, audited as {@code action} (the route, e.g. {@code PUT /v1/operator/markups}). */
    Handler audited(String action, State state, Handler handler) {
        return (req, res) -> {
            Attempt attempt = new Attempt();
            // Written just before the answer's first byte, whatever the answer (a refusal's problem
            // too): whoever reads the answer finds the entry already in the log.
            res.beforeSend(() -> {
                int status = res.status().code();
                try {
                    write(req, action, attempt.body, attempt.before, status < 400 ? state.read(req) : attempt.before, status);
                } catch (RuntimeException e) {
                    // The change stands (it committed on its own); the operator sees it, the log says what is missing.
                    LOG.log(Level.SEVERE, "operator action " + action + " (status " + status + ") not written to the audit log", e);
                }
            });
            attempt.body = Requests.readAhead(req, MAX_BODY_BYTES);
            attempt.before = state.read(req);
            handler.handle(req, res);
        };
    }

    private void write(ServerRequest req, String action, byte[] body, Optional<JsonNode> before, Optional<JsonNode> after, int status) {
        var target = Json.MAPPER.createObjectNode();
        req.path().pathParameters().toMap().forEach((k, v) -> target.put(k, v.getFirst()));
        audit.record(OperatorAudit.MACHINE, action, target.toString(),
                body.length == 0 ? Optional.empty() : Optional.of(new String(body, StandardCharsets.UTF_8)),
                before.map(JsonNode::toString), after.map(JsonNode::toString), status,
                HelidonMdc.get(Admission.REQUEST_ID_KEY)); // set by Admission, echoed in X-Request-Id
    }
}
