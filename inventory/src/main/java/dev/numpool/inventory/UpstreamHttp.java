package dev.numpool.inventory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The transport under the upstream adapters: one GET or JSON POST at a time, bounded as a whole by a timeout
 * and by size, that ends as a status and a body or as the reason there is none. Nothing here
 * throws for upstream trouble. What a body means, and which result it becomes, stays with each
 * protocol's adapter.
 *
 * <p>Also what both protocols need to read their loosely typed JSON (ids, counts and prices sent
 * as numbers or as strings) and to turn upstream text into short reasons for people.
 */
final class UpstreamHttp implements AutoCloseable {
    /** The longest reason built from upstream text; reasons are read by people, one line each. */
    static final int MAX_REASON_CHARS = 60;
    // Floats are read as BigDecimal so that a price such as 0.0044 arrives exactly as written.
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Pattern COUNT = Pattern.compile("[0-9]{1,9}");

    private final Duration timeout;
    private final String apiKey;
    private final String[] headers;
    private final HttpClient http;

    /**
     * {@code apiKey} is never repeated in a reason, wherever the protocol sends it; {@code headers}
     * are name and value pairs sent with every request.
     */
    UpstreamHttp(Duration timeout, String apiKey, String... headers) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
        if (headers.length % 2 != 0) {
            throw new IllegalArgumentException("headers come as name and value pairs");
        }
        this.headers = headers.clone();
        // Redirects are not followed: an upstream that moved is a configuration error to see, and
        // following one would send the API key to wherever it points. HTTP/1.1 because the
        // sms-activate clones mostly sit behind PHP servers that gain nothing from an h2c upgrade
        // attempt.
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** One exchange with the upstream, bounded as a whole by the timeout and by {@code maxBodyBytes}. */
    Reply get(URI uri, int maxBodyBytes) {
        return exchange(HttpRequest.newBuilder(uri).timeout(timeout).GET(), maxBodyBytes);
    }

    /** A JSON POST, bounded like {@link #get}. */
    Reply postJson(URI uri, byte[] json, int maxBodyBytes) {
        return exchange(HttpRequest.newBuilder(uri).timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json)), maxBodyBytes);
    }

    private Reply exchange(HttpRequest.Builder request, int maxBodyBytes) {
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(request.build(), info -> new BoundedBody(maxBodyBytes));
        try {
            // The request's own timeout may stop counting at the response headers (it does on
            // JDK 21); this deadline covers the body too, so a stalled answer cannot hang us.
            HttpResponse<byte[]> response = exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return new Reply.Answered(response.statusCode(), response.body());
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return new Reply.Failed("timeout");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return new Reply.Failed("interrupted");
        } catch (ExecutionException e) {
            return new Reply.Failed(transportReason(e.getCause()));
        }
    }

    @Override
    public void close() {
        http.close();
    }

    private String transportReason(Throwable failure) {
        Throwable cause = failure;
        // The client wraps what went wrong, sometimes twice; the innermost known kind decides.
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpTimeoutException || t instanceof BodyTooLarge || t instanceof ConnectException) {
                cause = t;
                break;
            }
        }
        return switch (cause) {
            case HttpTimeoutException e -> "timeout";
            case BodyTooLarge e -> e.getMessage();
            case ConnectException e -> "connection refused";
            // The key travels in the query string or in a header; a message that quotes the
            // request must never repeat it.
            case IOException e -> "connection failed: " + clip(String.valueOf(e.getMessage()).replace(apiKey, "***"));
            default -> "client error: " + cause.getClass().getSimpleName();
        };
    }

    /** The first characters of a text, on one line, for a reason that is read by people. */
    static String clip(String text) {
        String line = text.replaceAll("\\p{Cntrl}", " ");
        return line.length() <= MAX_REASON_CHARS ? line : line.substring(0, MAX_REASON_CHARS);
    }

    /** The reason for a body that is no answer of the protocol (an HTML page, a stack trace). */
    static String unreadable(String text) {
        return text.isEmpty() ? "empty answer" : "garbage: " + clip(text);
    }

    /** A string or a whole number as text, since upstreams send ids and phones either way. */
    static String scalar(JsonNode node) {
        if (node != null && node.isTextual()) {
            return node.textValue().strip();
        }
        if (node != null && node.isIntegralNumber()) {
            return node.asText();
        }
        return null;
    }

    /** A stock count, as a JSON number or a string of digits; empty otherwise. */
    static OptionalInt count(JsonNode count) {
        if (count != null && count.isIntegralNumber() && count.canConvertToInt() && count.intValue() >= 0) {
            return OptionalInt.of(count.intValue());
        }
        if (count != null && count.isTextual() && COUNT.matcher(count.textValue().strip()).matches()) {
            return OptionalInt.of(Integer.parseInt(count.textValue().strip()));
        }
        return OptionalInt.empty();
    }

    /**
     * A non-negative decimal, as a JSON number or a string, exactly in micros; empty otherwise.
     * Exact only for trees read by {@link #JSON}, which keeps floats as written.
     */
    static OptionalLong micros(JsonNode amount) {
        BigDecimal decimal;
        try {
            if (amount != null && amount.isNumber()) {
                decimal = amount.decimalValue();
            } else if (amount != null && amount.isTextual()) {
                decimal = new BigDecimal(amount.textValue().strip());
            } else {
                return OptionalLong.empty();
            }
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
        return Money.exactMicros(decimal);
    }

    /** How one exchange ended: an answer with any status, or none at all. */
    sealed interface Reply {
        record Answered(int status, byte[] body) implements Reply {
        }

        /** A timeout, a refused or dropped connection, a body over the limit. */
        record Failed(String reason) implements Reply {
        }
    }

    private static final class BodyTooLarge extends IOException {
        BodyTooLarge(int maxBytes) {
            super("answer over " + maxBytes + " bytes");
        }
    }

    /**
     * Collects at most {@code maxBytes} of a body and fails the exchange beyond that, so that a
     * misbehaving upstream cannot fill the heap.
     */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final int maxBytes;
        private Flow.Subscription subscription;

        BoundedBody(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (body.isDone()) {
                    return; // signals may still arrive after a cancel
                }
                if (bytes.size() + buffer.remaining() > maxBytes) {
                    subscription.cancel();
                    body.completeExceptionally(new BodyTooLarge(maxBytes));
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable failure) {
            body.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }
}
