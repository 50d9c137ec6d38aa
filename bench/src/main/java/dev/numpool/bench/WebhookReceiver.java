package dev.numpool.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.EmptyWebhookSecretException;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A customer's webhook receiver on 127.0.0.1, as a customer would write one: it checks each
 * delivery's Standard Webhooks signature with the reference library (not with Numpool's code),
 * then notes when the code arrived. Each endpoint has its own path, {@code /hook/<n>}, so one
 * receiver serves every account of every scenario.
 */
final class WebhookReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Most of a webhook body is the SMS text; anything far larger is not ours. */
    private static final int MAX_BODY_BYTES = 64 * 1024;

    private record Subscriber(Webhook verifier, Tally tally) {
    }

    private final Map<String, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final AtomicLong paths = new AtomicLong();
    private final HttpServer server;
    private final ExecutorService executor;

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        // A virtual thread per delivery: each is a few microseconds of HMAC and bookkeeping, and
        // the receiver must never be what makes Numpool's deliveries wait.
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/hook/", this::handle);
        server.start();
    }

    /**
     * A new endpoint URL whose deliveries count in {@code tally}, once {@link #secret} gave the
     * secret to check them with (until then they are answered 503, to be sent again).
     */
    String subscribe(Tally tally) {
        String path = "/hook/" + paths.incrementAndGet();
        subscribers.put(path, new Subscriber(null, tally));
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The endpoint's signing secret, known only once Numpool created the endpoint for {@code url}. */
    void secret(String url, String secret) {
        String path = url.substring(url.indexOf("/hook/"));
        subscribers.computeIfPresent(path, (p, s) -> new Subscriber(verifier(secret), s.tally()));
    }

    private static Webhook verifier(String secret) {
        try {
            return new Webhook(secret);
        } catch (EmptyWebhookSecretException e) {
            throw new IllegalStateException("Numpool created a webhook endpoint without a secret", e);
        }
    }

    /** Deliveries to this endpoint are answered 410 from now on, like a customer who removed it. */
    void unsubscribe(String url) {
        subscribers.remove(url.substring(url.indexOf("/hook/")));
    }

    private void handle(HttpExchange exchange) throws IOException {
        long arrived = System.nanoTime();
        try (exchange) {
            Subscriber subscriber = subscribers.get(exchange.getRequestURI().getPath());
            if (subscriber == null) {
                exchange.sendResponseHeaders(410, -1);
                return;
            }
            if (subscriber.verifier() == null) {
                exchange.sendResponseHeaders(503, -1); // not ready to check it yet: send it again
                return;
            }
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readNBytes(MAX_BODY_BYTES), java.nio.charset.StandardCharsets.UTF_8);
            }
            // The library looks headers up by their lowercase names; the JDK server capitalizes them.
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
            try {
                subscriber.verifier().verify(body, headers);
            } catch (WebhookVerificationException e) {
                subscriber.tally().badSignature();
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            JsonNode data = JSON.readTree(body).path("data");
            String webhookId = headers.get("webhook-id").getFirst();
            subscriber.tally().webhook(webhookId, Tally.key(data.path("activationId").asLong(), data.path("code").asText()), arrived);
            exchange.sendResponseHeaders(204, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }
}
