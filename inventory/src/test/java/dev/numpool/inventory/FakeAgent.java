package dev.numpool.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A SIM-bank agent on 127.0.0.1, speaking the agent protocol: it answers the hub's JSON POSTs
 * ({@code GET_SERVICES}, {@code GET_NUMBER}, {@code FINISH_ACTIVATION}) when they carry its key,
 * and pushes SMS to the hub ({@link #push}) the way an agent does, with the same key. By default
 * it has 25 numbers of {@code wa} and 17 of {@code tg} in Russia (beeline and mts) and sells
 * valid Russian mobile numbers (+7 915 …) with increasing activation ids. A test replaces any
 * action's answer with {@link #answer} and reads what was asked with {@link #requests}.
 */
public final class FakeAgent implements AutoCloseable {
    private static final JsonMapper JSON = new JsonMapper();
    private static final Duration MAX_DELAY = Duration.ofSeconds(10);

    private final String key;
    private final HttpServer server;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Map<String, Function<JsonNode, Answer>> behaviours = new ConcurrentHashMap<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong activationIds = new AtomicLong(9_000_000L);
    private final AtomicInteger numbers = new AtomicInteger();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** What the agent answers: a status, a body, and optionally a delay before it. */
    public record Answer(int status, String body, Duration delay) {
        public static Answer json(String body) {
            return new Answer(200, body, Duration.ZERO);
        }

        public Answer after(Duration delay) {
            return new Answer(status, body, delay);
        }
    }

    private FakeAgent(String key) throws IOException {
        this.key = key;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/agent", this::handle);
        server.setExecutor(handlers);
        server.start();
    }

    public static FakeAgent start(String key) {
        try {
            return new FakeAgent(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/agent");
    }

    public void answer(String action, Answer answer) {
        behaviours.put(action, request -> answer);
    }

    /** Every request of {@code action} the agent received, as JSON. */
    public List<JsonNode> requests(String action) {
        return requests.stream().filter(r -> action.equals(r.path("action").asText())).toList();
    }

    /** Pushes an SMS to the hub as an agent does; returns the hub's status and body. */
    public HttpResponse<String> push(URI hub, String pushKey, long smsId, String phone, String from, String text) {
        String body = JSON.createObjectNode().put("action", "PUSH_SMS").put("key", pushKey).put("smsId", smsId)
                .put("phone", Long.parseLong(phone)).put("phoneFrom", from).put("text", text).toString();
        try {
            return client.send(HttpRequest.newBuilder(hub).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (closing.getCount() == 0) {
            return;
        }
        closing.countDown();
        server.stop(0);
        handlers.shutdownNow();
        client.close();
    }

    private void handle(HttpExchange exchange) {
        try (InputStream in = exchange.getRequestBody()) {
            JsonNode request = JSON.readTree(in.readNBytes(1 << 20));
            requests.add(request);
            Answer answer = behaviours.getOrDefault(request.path("action").asText(), this::byDefault).apply(request);
            if (!answer.delay().isZero()) {
                closing.await(Math.min(answer.delay().toMillis(), MAX_DELAY.toMillis()), TimeUnit.MILLISECONDS);
            }
            byte[] body = answer.body().getBytes(UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException | InterruptedException e) {
            // the hub gave up or the fake is closing
        } finally {
            exchange.close();
        }
    }

    private Answer byDefault(JsonNode request) {
        if (!key.equals(request.path("key").asText())) {
            return Answer.json("{\"status\":\"ERROR\",\"error\":\"BAD_KEY\"}");
        }
        return switch (request.path("action").asText()) {
            case "GET_SERVICES" -> Answer.json("""
                    {"status":"SUCCESS","countryList":[{"country":"russia","operatorMap":{"beeline":{"wa":20,"tg":17},"mts":{"wa":5}}},\
                    {"country":"atlantis","operatorMap":{"any":{"wa":3}}}]}""");
            case "GET_NUMBER" -> Answer.json("{\"status\":\"SUCCESS\",\"number\":7915%07d,\"activationId\":%d}"
                    .formatted(numbers.incrementAndGet(), activationIds.incrementAndGet()));
            case "FINISH_ACTIVATION" -> Answer.json("{\"status\":\"SUCCESS\"}");
            default -> Answer.json("{\"status\":\"ERROR\",\"error\":\"UNKNOWN_ACTION\"}");
        };
    }
}
