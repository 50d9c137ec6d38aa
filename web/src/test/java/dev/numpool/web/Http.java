package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small JSON client for tests, over java.net.http against 127.0.0.1. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    Http(String base) {
        this.base = base;
    }

    record Response(int status, String contentType, byte[] body, java.net.http.HttpHeaders headers) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + text(), e);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    Response get(String path, String key) {
        return send(request(path, key).GET());
    }

    Response post(String path, String key, String body) {
        return send(request(path, key).header("Content-Type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A JSON POST under {@code idempotencyKey} (a fresh one when null). */
    Response postIdempotent(String path, String key, String idempotencyKey, String body) {
        return send(request(path, key).header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey == null ? java.util.UUID.randomUUID().toString() : idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Response order(String key, String idempotencyKey, String body) {
        HttpRequest.Builder r = request("/v1/activations", key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            r.header("Idempotency-Key", idempotencyKey);
        }
        return send(r);
    }

    Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> r = CLIENT.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), r.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder request(String path, String key) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        return r;
    }

    /** The account behind a sandbox API key, read from its sandbox credit's reference ({@code sandbox:<account>}). */
    long accountId(String key) {
        JsonNode first = get("/v1/balance/transactions?type=sandbox_credit", key).json();
        return Long.parseLong(first.get("data").get(0).get("reference").asText().replace("sandbox:", ""));
    }

    /** A new sandbox account (100.00 USD of play money); returns its API key. */
    String newSandboxAccount() {
        Response r = post("/v1/sandbox/accounts", null, null);
        if (r.status() != 201) {
            throw new IllegalStateException("could not create a sandbox account: " + r.status() + " " + r.text());
        }
        return r.json().get("key").asText();
    }

    /** The newest operator audit entry of {@code action} with {@code status} (awaited, though it is written before its answer leaves). */
    JsonNode auditEntry(String operatorToken, String action, int status) {
        return Await.until("the audit entry of " + action + " (" + status + ")", () -> {
            for (JsonNode e : get("/v1/operator/audit?limit=20", operatorToken).json().get("data")) {
                if (e.get("action").asText().equals(action) && e.get("status").asInt() == status) {
                    return e;
                }
            }
            return null;
        });
    }
}
