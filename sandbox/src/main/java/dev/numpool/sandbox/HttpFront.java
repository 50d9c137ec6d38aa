package dev.numpool.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The HTTP side of one simulated upstream: a JDK server on the loopback address that hands each
 * request to its protocol, after the upstream's latency, unless the chaos switch says to fail,
 * stall or answer garbage.
 *
 * <p>Bounded: at most {@code maxConcurrent} requests are handled (or stalled) at once, and one
 * more is answered 503 at once rather than queued; a request body is read up to 64 KiB; a
 * stall lasts at most {@code stallMax}, and closing the front ends every wait at once.
 */
final class HttpFront implements AutoCloseable {
    /** No request of these protocols comes near this; more is not read. */
    private static final int MAX_BODY_BYTES = 64 * 1024;
    /** What no client of any of the three protocols can read: JSON cut short, then a proxy's page. */
    private static final String GARBAGE = "{\"status\":\"SUCCESS\",\"activationId\":\"4<html><body><h1>502 Bad Gateway</h1>";

    /** One request: the path, the parameters of the query string and of a form body, the raw body and the Authorization header. */
    record Request(String method, String path, Map<String, String> params, byte[] body, String authorization) {
        String param(String name) {
            return params.get(name);
        }
    }

    /** One answer; an empty body is sent as none. */
    record Answer(int status, String contentType, String body) {
        static Answer text(String body) {
            return new Answer(200, "text/plain; charset=utf-8", body);
        }

        static Answer json(String body) {
            return new Answer(200, "application/json", body);
        }

        Answer withStatus(int status) {
            return new Answer(status, contentType, body);
        }
    }

    /** What one protocol answers to a request, when the upstream behaves. */
    interface Protocol {
        Answer answer(Request request);
    }

    private final HttpServer server;
    private final Protocol protocol;
    private final Duration latency;
    private final Duration stallMax;
    private final Semaphore inFlight;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile Chaos chaos = Chaos.NORMAL;

    HttpFront(int port, String context, Protocol protocol, Duration latency, int maxConcurrent, Duration stallMax) {
        this.protocol = protocol;
        this.latency = latency;
        this.stallMax = stallMax;
        this.inFlight = new Semaphore(maxConcurrent);
        try {
            // The loopback address only: these upstreams hand out keys and numbers to anyone who asks.
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("a simulated upstream cannot listen on 127.0.0.1:" + port, e);
        }
        server.createContext(context, this::handle);
        server.setExecutor(handlers);
        server.start();
    }

    /** Where the server listens, e.g. {@code http://127.0.0.1:41234}. */
    URI root() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    Chaos chaos() {
        return chaos;
    }

    void chaos(Chaos mode) {
        this.chaos = mode;
    }

    @Override
    public void close() {
        if (closing.getCount() == 0) {
            return;
        }
        closing.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        try {
            if (!inFlight.tryAcquire()) {
                send(exchange, new Answer(503, "text/plain; charset=utf-8", "busy"));
                return;
            }
            try {
                Chaos mode = chaos;
                if (mode == Chaos.STALL) {
                    // No answer at all: the client waits for its own timeout. Closed afterwards without a response.
                    closing.await(stallMax.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                }
                if (!latency.isZero()) {
                    closing.await(latency.toMillis(), TimeUnit.MILLISECONDS);
                }
                send(exchange, switch (mode) {
                    case FAIL -> new Answer(500, "text/html", "<html><body><h1>500 Internal Server Error</h1></body></html>");
                    case GARBAGE -> Answer.json(GARBAGE);
                    case NORMAL, STALL -> protocol.answer(request(exchange));
                });
            } finally {
                inFlight.release();
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // The client gave up (it timed out) or the upstream is closing: nothing to answer.
        } finally {
            exchange.close();
        }
    }

    private Request request(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES);
        }
        Map<String, String> params = new LinkedHashMap<>();
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type != null && type.startsWith("application/x-www-form-urlencoded")) {
            parse(new String(body, UTF_8), params);
        }
        parse(exchange.getRequestURI().getRawQuery(), params); // the query string wins, as PHP's $_REQUEST has it
        return new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                Collections.unmodifiableMap(params), body, exchange.getRequestHeaders().getFirst("Authorization"));
    }

    private static void send(HttpExchange exchange, Answer answer) throws IOException {
        byte[] body = answer.body().getBytes(UTF_8);
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void parse(String raw, Map<String, String> into) {
        if (raw == null || raw.isEmpty()) {
            return;
        }
        int taken = 0;
        for (String pair : raw.split("&")) {
            if (taken++ == 64) {
                break; // no request of these protocols has more parameters
            }
            int eq = pair.indexOf('=');
            try {
                into.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), UTF_8));
            } catch (IllegalArgumentException e) {
                // a malformed escape: the parameter is left out, as PHP would mangle it
            }
        }
    }
}
