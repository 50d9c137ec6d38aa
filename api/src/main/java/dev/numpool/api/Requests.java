package dev.numpool.api;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.util.Optional;

/** Reading requests safely: bounded bodies, typed parameters. */
final class Requests {
    /** No request body of the native API needs more; bigger ones are refused, not buffered. */
    static final int MAX_BODY_BYTES = 16 * 1024;

    private Requests() {
    }

    /** The whole body, refused with 413 past {@link #MAX_BODY_BYTES} and 415 when not JSON. */
    static byte[] jsonBody(ServerRequest req) {
        Optional<String> type = req.headers().first(HeaderNames.CONTENT_TYPE);
        // curl -d sends application/x-www-form-urlencoded unless told otherwise; a JSON body under
        // that or text/plain is still read as JSON. Anything else (XML, multipart) is refused.
        if (type.isPresent() && !type.get().toLowerCase().matches("(application/(json|[\\w.+-]+\\+json|x-www-form-urlencoded)|text/plain)\\s*(;.*)?")) {
            throw new Problem(ProblemType.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json.");
        }
        return body(req, MAX_BODY_BYTES);
    }

    /** A path parameter that must be an activation id; anything else is simply not found. */
    static int activationId(ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        return parseActivationId(raw).orElseThrow(() -> Problem.notFound("No activation with id '" + raw + "'."));
    }

    /** The {@code messageId} path parameter: an SMS id (digits that fit a signed 64-bit integer), else 404. */
    static long messageId(ServerRequest req) {
        String raw = req.path().pathParameters().get("messageId");
        if (raw == null || !raw.matches("[0-9]{1,18}")) {
            throw Problem.notFound("No message with id '" + raw + "'.");
        }
        return Long.parseLong(raw);
    }

    /** An activation id as every API spells it: digits that fit a signed 32-bit integer. */
    static Optional<Integer> parseActivationId(String raw) {
        if (raw == null || !raw.matches("[0-9]{1,10}") || Long.parseLong(raw) > Integer.MAX_VALUE) {
            return Optional.empty();
        }
        return Optional.of(Integer.parseInt(raw));
    }

    /** A numeric id (keys, endpoints, top-ups, accounts) as the APIs spell it: 1 to 18 digits. */
    static Optional<Long> parseId(String raw) {
        return raw != null && raw.matches("[0-9]{1,18}") ? Optional.of(Long.parseLong(raw)) : Optional.empty();
    }

    /** True when {@code s} holds a control character (line breaks and tabs allowed when {@code multiline}). */
    static boolean hasControlCharacters(String s, boolean multiline) {
        return s.chars().anyMatch(c -> (c < 0x20 || c == 0x7F) && !(multiline && (c == '\n' || c == '\r' || c == '\t')));
    }

    static Optional<String> query(ServerRequest req, String name) {
        return req.query().first(name).asOptional().filter(v -> !v.isEmpty());
    }

    static Optional<Integer> intQuery(ServerRequest req, String name, int min, int max) {
        Optional<String> raw = query(req, name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        if (!raw.get().matches("-?[0-9]{1,10}") || Long.parseLong(raw.get()) < min || Long.parseLong(raw.get()) > max) {
            throw Problem.badRequest("Query parameter '" + name + "' must be an integer from " + min + " to " + max + ".");
        }
        return Optional.of(Integer.parseInt(raw.get()));
    }

    /** A body of at most {@code maxBytes} (413 past it), whatever its type (the caller has chosen how to read it). */
    static byte[] body(ServerRequest req, int maxBytes) {
        return boundedBody(req, maxBytes).orElseThrow(() -> new Problem(ProblemType.BODY_TOO_LARGE,
                "The body may be at most " + maxBytes + " bytes."));
    }

    /** The body, or empty when it is larger than {@code maxBytes} (for callers that answer in their own protocol). */
    static Optional<byte[]> boundedBody(ServerRequest req, int maxBytes) {
        Optional<byte[]> ahead = req.context().get(READ_AHEAD, byte[].class);
        if (ahead.isPresent()) {
            return ahead.filter(b -> b.length <= maxBytes);
        }
        if (!req.content().hasEntity()) {
            return Optional.of(new byte[0]);
        }
        return UnreadableBody.read(req, maxBytes);
    }

    /** Where {@link #readAhead} keeps a body for its handler. */
    private static final String READ_AHEAD = "numpool.body";

    /**
     * Reads the body before the handler does (the operator audit writes down what was asked), at
     * most {@code maxBytes} (413 past it); the handler then reads the same bytes, under its own limit.
     */
    static byte[] readAhead(ServerRequest req, int maxBytes) {
        byte[] body = body(req, maxBytes);
        req.context().register(READ_AHEAD, body);
        return body;
    }


    /** An {@code application/x-www-form-urlencoded} body; empty when it is not one (or repeats a name). */
    static Optional<java.util.Map<String, String>> form(String body) {
        java.util.Map<String, String> params = new java.util.LinkedHashMap<>();
        if (body.isEmpty()) {
            return Optional.of(params);
        }
        try {
            for (String pair : body.split("&")) {
                int eq = pair.indexOf('=');
                String name = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
                if (params.put(name, value) != null) {
                    return Optional.empty();
                }
            }
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.of(params);
    }
}
