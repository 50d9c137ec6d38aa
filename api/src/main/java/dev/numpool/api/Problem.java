package dev.numpool.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem: thrown by request parsing and handlers, written as
 * {@code application/problem+json} in one place ({@link NativeApi}'s error handler).
 * {@code type} is a short slug, served as {@code /problems/<slug>}.
 */
final class Problem extends RuntimeException {
    private final int status;
    private final String type;
    private final String title;
    private final Map<String, Object> extensions;

    Problem(int status, String type, String title, String detail) {
        this(status, type, title, detail, Map.of());
    }

    Problem(int status, String type, String title, String detail, Map<String, Object> extensions) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
        this.extensions = new LinkedHashMap<>(extensions);
    }

    static Problem badRequest(String detail) {
        return new Problem(400, "invalid-request", "The request is not valid", detail);
    }

    static Problem unauthorized() {
        return new Problem(401, "unauthorized", "Missing or invalid API key",
                "Send your API key as 'Authorization: Bearer <key>'.");
    }

    static Problem notFound(String detail) {
        return new Problem(404, "not-found", "Not found", detail);
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }

    String title() {
        return title;
    }

    Map<String, Object> extensions() {
        return extensions;
    }
}
