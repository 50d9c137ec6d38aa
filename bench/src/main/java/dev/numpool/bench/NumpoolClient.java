package dev.numpool.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Numpool's public native API as a customer's program sees it: only documented routes, over HTTP
 * from another process. Setup calls are synchronous and fail loudly; SMS injection is
 * asynchronous so that {@link DeliveryBench} can send on schedule whatever the answers take.
 */
final class NumpoolClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(30);
    static final Duration INJECT_TIMEOUT = Duration.ofSeconds(10);

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /**
     * Live streams get their own client, so their events are read on a selector thread that
     * the injection load does not also keep busy.
     */
    private final HttpClient streams = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    NumpoolClient(URI base) {
        this.base = base;
    }

    record Offer(String service, int country, long priceMicros) {
    }

    record Endpoint(long id, String secret) {
    }

    /** An order's outcome: an activation, or the problem type Numpool refused it with. */
    sealed interface Purchase {
        record Bought(long activationId) implements Purchase {
        }

        record Refused(int status, String problemType) implements Purchase {
        }
    }

    /** A sandbox account's API key and id. */
    record Account(String key, long id) {
    }

    /** A new sandbox account (play money) and its API key. */
    Account createSandboxAccount() throws IOException, InterruptedException {
        JsonNode created = expect(201, send(request("/v1/sandbox/accounts").POST(HttpRequest.BodyPublishers.noBody())));
        return new Account(created.path("key").asText(), created.path("accountId").asLong());
    }

    /**
     * Credits an account through the operator API (the play money of a sandbox account buys about
     * 1,500 of the cheapest activations; one account's scenarios need ten times that).
     */
    void credit(String operatorToken, long accountId, long micros) throws IOException, InterruptedException {
        String body = JSON.createObjectNode().put("direction", "credit").put("amount", micros / 1_000_000 + "." + String.format("%06d", micros % 1_000_000))
                .put("reason", "delivery benchmark").toString();
        expect(201, send(request("/v1/operator/accounts/" + accountId + "/adjustments").header("Authorization", "Bearer " + operatorToken)
                .header("Idempotency-Key", "bench-" + UUID.randomUUID()).header("Content-Type", "application/json").POST(json(body))));
    }

    /** The cheapest offers with stock, cheapest first: play money buys the most activations there. */
    List<Offer> cheapestOffers(int limit) throws IOException, InterruptedException {
        List<Offer> offers = new ArrayList<>();
        for (JsonNode o : expect(200, send(request("/v1/catalog").GET())).path("offers")) {
            if (o.path("stock").asLong() > 0) {
                offers.add(new Offer(o.path("service").asText(), o.path("country").asInt(), o.path("priceMicros").asLong()));
            }
        }
        return offers.stream().sorted(Comparator.comparingLong(Offer::priceMicros)).limit(limit).toList();
    }

    Endpoint createEndpoint(String key, String url) throws IOException, InterruptedException {
        String body = JSON.createObjectNode().put("url", url)
                .set("eventTypes", JSON.createArrayNode().add("activation.code_received")).toString();
        JsonNode created = expect(201, send(authorized("/v1/webhook-endpoints", key).POST(json(body))));
        return new Endpoint(created.path("id").asLong(), created.path("secret").asText());
    }

    /** Disables the endpoint, which also gives up its deliveries still pending. */
    void deleteEndpoint(String key, long id) throws IOException, InterruptedException {
        HttpResponse<String> res = send(authorized("/v1/webhook-endpoints/" + id, key).DELETE());
        if (res.statusCode() != 204 && res.statusCode() != 404) {
            throw new IllegalStateException("DELETE webhook endpoint answered " + res.statusCode() + ": " + res.body());
        }
    }

    /** Buys one activation under a fresh Idempotency-Key: no run may replay another run's order. */
    Purchase buy(String key, Offer offer) throws IOException, InterruptedException {
        String body = JSON.createObjectNode().put("service", offer.service()).put("country", offer.country()).toString();
        HttpResponse<String> res = send(authorized("/v1/activations", key)
                .header("Idempotency-Key", "bench-" + UUID.randomUUID()).POST(json(body)));
        JsonNode answer = JSON.readTree(res.body());
        if (res.statusCode() == 201) {
            return new Purchase.Bought(answer.path("id").asLong());
        }
        return new Purchase.Refused(res.statusCode(), answer.path("type").asText(""));
    }

    /** Injects one SMS through the provider intake path; the answer's body is not needed. */
    CompletableFuture<HttpResponse<Void>> injectSms(String key, long activationId, String text) {
        String body = JSON.createObjectNode().put("activationId", activationId).put("sender", "Bench").put("text", text).toString();
        return http.sendAsync(authorized("/v1/sandbox/sms", key).timeout(INJECT_TIMEOUT)
                        .header("Content-Type", "application/json").POST(json(body)).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    /** Opens the account's live stream and notes every {@code code} event in {@code tally}. */
    EventStream openEvents(String key, Tally tally) {
        return new EventStream(streams, authorized("/v1/events", key).header("Accept", "text/event-stream").GET().build(), tally);
    }

    /**
     * One account's {@code GET /v1/events}, read on its own virtual thread (one blocking read per
     * stream is the simplest faithful client; there are at most a hundred).
     */
    static final class EventStream implements AutoCloseable {
        private final CountDownLatch connected = new CountDownLatch(1);
        private final Thread reader;
        private volatile InputStream body;
        private volatile boolean closing;

        private EventStream(HttpClient http, HttpRequest request, Tally tally) {
            reader = Thread.ofVirtual().name("events-reader").start(() -> read(http, request, tally));
        }

        private void read(HttpClient http, HttpRequest request, Tally tally) {
            try {
                HttpResponse<InputStream> res = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                body = res.body();
                if (res.statusCode() != 200) {
                    System.err.println("GET /v1/events answered " + res.statusCode());
                    return;
                }
                BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
                String event = "";
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    long arrived = System.nanoTime();
                    if (line.startsWith(":connected")) {
                        connected.countDown();
                    } else if (line.startsWith("event:")) {
                        event = line.substring("event:".length()).strip();
                    } else if (line.startsWith("data:") && event.equals("code")) {
                        JsonNode data = JSON.readTree(line.substring("data:".length()));
                        tally.event(Tally.key(data.path("activationId").asLong(), data.path("code").asText()), arrived);
                    } else if (line.isEmpty()) {
                        event = "";
                    }
                }
                if (!closing) {
                    System.err.println("a live stream ended early; its later events are counted as lost");
                }
            } catch (IOException | InterruptedException e) {
                if (!closing) {
                    System.err.println("a live stream failed: " + e);
                }
            }
        }

        boolean awaitConnected(Duration timeout) throws InterruptedException {
            return connected.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            closing = true;
            try {
                if (body != null) {
                    body.close();
                }
            } catch (IOException e) {
                // Closing a stream we are done with: nothing left to save.
            }
            // Closing the body does not wake a read already waiting for the next event.
            reader.interrupt();
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(SETUP_TIMEOUT);
    }

    private HttpRequest.Builder authorized(String path, String key) {
        return request(path).header("Authorization", "Bearer " + key);
    }

    private static HttpRequest.BodyPublisher json(String body) {
        return HttpRequest.BodyPublishers.ofString(body);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode expect(int status, HttpResponse<String> res) throws IOException {
        if (res.statusCode() != status) {
            throw new IllegalStateException(res.request().method() + " " + res.request().uri().getPath() + " answered "
                    + res.statusCode() + " (expected " + status + "): " + res.body());
        }
        return JSON.readTree(res.body());
    }
}
