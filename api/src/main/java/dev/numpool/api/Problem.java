package dev.numpool.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An RFC 9457 problem: thrown by request parsing and handlers, written as
 * {@code application/problem+json} in one place ({@link #send}, called by {@link ApiRouter}'s
 * error handler). Its status, type and title come from the one table, {@link ProblemType}; the
 * detail and extensions say what happened to this request.
 */
final class Problem extends RuntimeException {
    /** RFC 9457's own members: an extension of the same name would overwrite them (as {@code status} once did). */
    private static final Set<String> MEMBERS = Set.of("type", "title", "status", "detail", "instance");

    private final ProblemType type;
    private final Map<String, Object> extensions;

    Problem(ProblemType type, String detail) {
        this(type, detail, Map.of());
    }

    Problem(ProblemType type, String detail, Map<String, Object> extensions) {
        super(detail, null, false, false);
        for (String name : extensions.keySet()) {
            if (MEMBERS.contains(name)) {
                throw new IllegalArgumentException("A problem's extension may not be named '" + name + "', one of RFC 9457's members");
            }
        }
        this.type = type;
        // Sorted by name: extensions often come from Map.of, whose order changes from one JVM to
        // the next, and the same problem should read the same on every node.
        this.extensions = new TreeMap<>(extensions);
    }

    static Problem badRequest(String detail) {
        return new Problem(ProblemType.INVALID_REQUEST, detail);
    }

    static Problem notFound(String detail) {
        return new Problem(ProblemType.NOT_FOUND, detail);
    }

    int status() {
        return type.status();
    }

    /** Writes this problem as the answer. */
    void send(ServerResponse res) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("type", "/problems/" + type.slug());
        body.put("title", type.title());
        body.put("status", type.status());
        body.put("detail", getMessage());
        extensions.forEach((k, v) -> body.set(k, Json.MAPPER.valueToTree(v)));
        if (type.status() == 401) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        if (type.status() == 503 && !type.slug().endsWith("-disabled")) {
            // A 503 here means "nothing happened, try again": say when. A feature switched off
            // (top-ups without Stripe) is not worth retrying in a second.
            res.header(HeaderNames.RETRY_AFTER, "1");
        }
        res.status(Status.create(type.status())).header(HeaderNames.CONTENT_TYPE, "application/problem+json").send(Json.bytes(body));
    }
}
