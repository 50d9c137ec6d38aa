package dev.numpool.inventory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A client of an upstream marketplace that speaks the sms-activate protocol
 * ({@code /stubs/handler_api.php}). Dozens of vendors clone that protocol, so this one adapter
 * covers all of them; each is configured with its own handler URL and key.
 *
 * <p>The clones disagree in small ways (plain tokens or JSON envelopes, numbers as strings,
 * trailing newlines, HTTP 200 or 4xx for errors), so every answer is first reduced to one of
 * three shapes, a token, a JSON document or trouble, and each action maps those shapes to its
 * sealed result. Nothing here throws for upstream trouble, and every exchange is bounded in
 * time and in size.
 */
final class SmsActivateProvider implements Provider {
    /** One poll asks about this many activations at most, two requests each. */
    static final int MAX_REFS_PER_POLL = 100;
    /** No answer of this protocol comes near this size; a bigger one is refused, not buffered. */
    static final int MAX_BODY_BYTES = 1 << 20;

    private static final Logger LOG = Logger.getLogger(SmsActivateProvider.class.getName());
    // Floats are read as BigDecimal so that a price such as 0.0044 arrives exactly as written.
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Pattern TOKEN = Pattern.compile("([A-Z][A-Z0-9_]*)(?::(.*))?", Pattern.DOTALL);
    private static final Pattern SERVICE = Pattern.compile("[a-z0-9]{2}");
    private static final Pattern COUNTRY_ID = Pattern.compile("[0-9]{1,6}");
    private static final Pattern ACTIVATION_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern COUNT = Pattern.compile("[0-9]{1,9}");
    private static final int MAX_REASON_CHARS = 60;
    private static final Set<String> OUT_OF_STOCK = Set.of("NO_NUMBERS", "WRONG_MAX_PRICE");
    // A refused key is not among these: an operator can fix a key, and a number given back must
    // reach the provider after that, so a key error is retried like an outage.
    private static final Set<String> REFUSALS = Set.of(
            "BAD_STATUS", "NO_ACTIVATION", "WRONG_ACTIVATION_ID", "BAD_ACTION");

    private final String name;
    private final URI handlerUrl;
    private final String apiKey;
    private final Duration timeout;
    private final Clock clock;
    private final HttpClient http;

    SmsActivateProvider(String name, URI handlerUrl, String apiKey, Duration timeout, Clock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.handlerUrl = Objects.requireNonNull(handlerUrl, "handlerUrl");
        this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!"http".equals(handlerUrl.getScheme()) && !"https".equals(handlerUrl.getScheme())) {
            throw new IllegalArgumentException(name + ": the handler URL must be http or https");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(name + ": the timeout must be positive");
        }
        // Redirects are not followed: a handler that moved is a configuration error to see, and
        // following one would send the API key to wherever it points. HTTP/1.1 because the
        // clones mostly sit behind PHP servers that gain nothing from an h2c upgrade attempt.
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "sms-activate";
    }

    @Override
    public Fetched fetchQuotes() {
        return switch (ask("getPrices", Map.of())) {
            case Said.Json(JsonNode table) when table.isObject() -> new Fetched.Quotes(quotes(table));
            // PHP encodes an empty table as [] rather than {}: both mean "nothing on sale".
            case Said.Json(JsonNode table) when table.isArray() && table.isEmpty() -> new Fetched.Quotes(List.of());
            case Said.Json(JsonNode other) -> new Fetched.Failed("unexpected answer: " + clip(other.toString()));
            case Said.Token token -> new Fetched.Failed(token.text());
            case Said.Trouble(String reason) -> new Fetched.Failed(reason);
        };
    }

    @Override
    public Purchase buy(Order order) {
        Map<String, String> params = orderParams(order);
        Said said = ask("getNumberV2", params);
        if (said instanceof Said.Token(String token, String argument) && token.equals("BAD_ACTION")) {
            // An upstream without V2 still sells through V1, which does not tell the cost.
            said = ask("getNumber", params);
        }
        return switch (said) {
            case Said.Json(JsonNode sale) -> boughtV2(sale, order);
            case Said.Token(String token, String argument) when token.equals("ACCESS_NUMBER") -> boughtV1(argument, order);
            case Said.Token token when OUT_OF_STOCK.contains(token.name()) -> new Purchase.Empty();
            case Said.Token token -> new Purchase.Failed(token.text());
            case Said.Trouble(String reason) -> new Purchase.Failed(reason);
        };
    }

    @Override
    public Confirmation release(String providerRef, Release how) {
        return setStatus(providerRef, switch (how) {
            case CODE_USED -> "6";
            case NOT_USED -> "8";
        });
    }

    @Override
    public Confirmation requestAnotherCode(String providerRef) {
        return setStatus(providerRef, "3");
    }

    /**
     * Asks the status of each activation and returns its SMS when a code arrived. The message id
     * is the activation and the code, so the same SMS polled twice is recognised by intake.
     */
    @Override
    public List<InboundSms> poll(List<String> providerRefs) {
        if (providerRefs.size() > MAX_REFS_PER_POLL) {
            throw new IllegalArgumentException("at most " + MAX_REFS_PER_POLL + " activations per poll, got " + providerRefs.size());
        }
        List<InboundSms> received = new ArrayList<>();
        for (String ref : providerRefs) {
            Said said = ask("getStatus", params("id", ref));
            if (said instanceof Said.Trouble) {
                // The upstream is slow or down: the others would most likely cost a timeout each.
                // They are asked again on the next round.
                break;
            }
            if (said instanceof Said.Token(String token, String code) && token.equals("STATUS_OK") && !code.isBlank()) {
                received.add(new InboundSms(name, ref, "", fullText(ref, code), ref + ":" + code, clock.instant()));
            }
            // Waiting, cancelled, or an error about this one activation: nothing for it this round.
        }
        return List.copyOf(received);
    }

    /** Upstreams of this protocol do not push; they are polled through {@link #poll}. */
    @Override
    public void listen(SmsListener listener) {
    }

    @Override
    public void close() {
        http.close();
    }

    /** The upstream's text of the SMS; its code alone when the text cannot be had. */
    private String fullText(String ref, String code) {
        if (ask("getFullSms", params("id", ref)) instanceof Said.Token(String token, String text)
                && token.equals("FULL_SMS") && !text.isBlank()) {
            return text;
        }
        return code;
    }

    private Confirmation setStatus(String providerRef, String status) {
        return switch (ask("setStatus", params("id", providerRef, "status", status))) {
            case Said.Token token when token.name().startsWith("ACCESS_") -> new Confirmation.Confirmed();
            case Said.Token token when REFUSALS.contains(token.name()) -> new Confirmation.Refused(token.text());
            // EARLY_CANCEL_DENIED says "not yet"; an unknown token may be passing trouble too.
            case Said.Token token -> new Confirmation.Unavailable(token.text());
            case Said.Json(JsonNode other) -> new Confirmation.Unavailable("unexpected answer: " + clip(other.toString()));
            case Said.Trouble(String reason) -> new Confirmation.Unavailable(reason);
        };
    }

    private static Map<String, String> orderParams(Order order) {
        Map<String, String> params = params(
                "service", order.service(),
                "country", Integer.toString(order.country().id()));
        if (order.operator() != null && !order.operator().isBlank() && !order.operator().equals("any")) {
            params.put("operator", order.operator());
        }
        params.put("maxPrice", Money.format(order.maxCostMicros()));
        if (!order.excludedPrefixes().isEmpty()) {
            params.put("phoneException", String.join(",", order.excludedPrefixes()));
        }
        return params;
    }

    private Purchase boughtV2(JsonNode sale, Order order) {
        String ref = scalar(sale.get("activationId"));
        if (ref == null || !ACTIVATION_ID.matcher(ref).matches()) {
            return new Purchase.Failed("garbage: " + clip(sale.toString()));
        }
        // Without a readable cost we assume the most the upstream may charge: maxPrice.
        long costMicros = micros(sale.get("activationCost")).orElse(order.maxCostMicros());
        return accept(ref, scalar(sale.get("phoneNumber")), costMicros, order);
    }

    private Purchase boughtV1(String idAndPhone, Order order) {
        String[] parts = idAndPhone.split(":", 2);
        if (parts.length != 2 || !ACTIVATION_ID.matcher(parts[0]).matches()) {
            return new Purchase.Failed("garbage: " + clip("ACCESS_NUMBER:" + idAndPhone));
        }
        // V1 does not say what the number cost; maxPrice is what the upstream may have charged.
        return accept(parts[0], parts[1], order.maxCostMicros(), order);
    }

    /**
     * Keeps a number only if it is one we asked for. Anything else was still sold to us, so it is
     * cancelled at once (best effort) to get the money back, and the sale counts as a failure.
     */
    private Purchase accept(String ref, String phoneText, long costMicros, Order order) {
        PhoneNumber phone = phoneText == null ? null : PhoneNumber.of(phoneText.replaceAll("[\\s()-]", "")).orElse(null);
        String problem;
        if (phone == null) {
            problem = "invalid number from provider";
        } else if (!phone.digits().startsWith(Integer.toString(order.country().callingCode()))) {
            // Calling codes are prefix-free, so a prefix test is exact.
            problem = "number from another country";
        } else if (order.excludedPrefixes().stream().anyMatch(p -> phone.digits().startsWith(p))) {
            problem = "number with an excluded prefix";
        } else if (costMicros > order.maxCostMicros()) {
            problem = "cost above maxPrice";
        } else {
            return new Purchase.Got(ref, phone, costMicros);
        }
        if (!(setStatus(ref, "8") instanceof Confirmation.Confirmed)) {
            LOG.warning(() -> name + ": activation " + ref + " refused (" + problem + ") but could not be cancelled");
        }
        return new Purchase.Failed(problem);
    }

    static List<OfferQuote> quotes(JsonNode table) {
        List<OfferQuote> quotes = new ArrayList<>();
        for (Map.Entry<String, JsonNode> country : table.properties()) {
            if (!COUNTRY_ID.matcher(country.getKey()).matches() || !country.getValue().isObject()) {
                continue;
            }
            int countryId = Integer.parseInt(country.getKey());
            for (Map.Entry<String, JsonNode> service : country.getValue().properties()) {
                if (!SERVICE.matcher(service.getKey()).matches()) {
                    continue;
                }
                OptionalLong cost = micros(service.getValue().get("cost"));
                OptionalInt count = count(service.getValue().get("count"));
                if (cost.isPresent() && count.isPresent()) {
                    quotes.add(new OfferQuote(service.getKey(), countryId, "any", cost.getAsLong(), count.getAsInt()));
                }
            }
        }
        return List.copyOf(quotes);
    }

    /** A non-negative decimal, as a JSON number or a string, exactly in micros; empty otherwise. */
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
        // A far-out exponent (1e999999999) would spell a gigantic plain string; no price has one.
        if (decimal.scale() > 32 || decimal.scale() < -32) {
            return OptionalLong.empty();
        }
        return Money.parseMicros(decimal.toPlainString());
    }

    private static OptionalInt count(JsonNode count) {
        if (count != null && count.isIntegralNumber() && count.canConvertToInt() && count.intValue() >= 0) {
            return OptionalInt.of(count.intValue());
        }
        if (count != null && count.isTextual() && COUNT.matcher(count.textValue().strip()).matches()) {
            return OptionalInt.of(Integer.parseInt(count.textValue().strip()));
        }
        return OptionalInt.empty();
    }

    /** A string or a whole number as text, since the clones send ids and phones either way. */
    private static String scalar(JsonNode node) {
        if (node != null && node.isTextual()) {
            return node.textValue().strip();
        }
        if (node != null && node.isIntegralNumber()) {
            return node.asText();
        }
        return null;
    }

    /** One exchange with the upstream, bounded as a whole by the timeout and by size. */
    private Said ask(String action, Map<String, String> params) {
        HttpRequest request = HttpRequest.newBuilder(uri(action, params)).timeout(timeout).GET().build();
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(request, info -> new BoundedBody());
        try {
            // The request's own timeout may stop counting at the response headers (it does on
            // JDK 21); this deadline covers the body too, so a stalled answer cannot hang us.
            HttpResponse<byte[]> response = exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return interpret(response.statusCode(), new String(response.body(), UTF_8));
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return new Said.Trouble("timeout");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return new Said.Trouble("interrupted");
        } catch (ExecutionException e) {
            return new Said.Trouble(transportReason(e.getCause()));
        }
    }

    private URI uri(String action, Map<String, String> params) {
        StringBuilder query = new StringBuilder("api_key=").append(encode(apiKey)).append("&action=").append(encode(action));
        params.forEach((key, value) -> query.append('&').append(key).append('=').append(encode(value)));
        return URI.create(handlerUrl + (handlerUrl.getRawQuery() == null ? "?" : "&") + query);
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
            case BodyTooLarge e -> "answer over " + MAX_BODY_BYTES + " bytes";
            case ConnectException e -> "connection refused";
            // The key travels in the query string; make sure no message ever repeats it.
            case IOException e -> "connection failed: " + clip(String.valueOf(e.getMessage()).replace(apiKey, "***"));
            default -> "client error: " + cause.getClass().getSimpleName();
        };
    }

    /**
     * Reduces an answer to a token, a JSON document or trouble. Protocol errors come as a plain
     * token with HTTP 200 in the original, and as JSON envelopes with 200 or 4xx in some clones;
     * a 5xx, a redirect or an unreadable body is trouble whatever it says.
     */
    static Said interpret(int status, String body) {
        boolean answered = (status >= 200 && status < 300) || (status >= 400 && status < 500);
        if (!answered) {
            return new Said.Trouble("http " + status);
        }
        String text = body.strip();
        if (text.startsWith("{") || text.startsWith("[") || text.startsWith("\"")) {
            JsonNode json;
            try {
                json = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                return garbage(text);
            }
            Said error = errorIn(json);
            if (error != null) {
                return error;
            }
            return status < 300 ? new Said.Json(json) : new Said.Trouble("http " + status);
        }
        Said token = token(text);
        if (token != null) {
            return token;
        }
        return status < 300 ? garbage(text) : new Said.Trouble("http " + status);
    }

    /** The error token of a JSON answer: {@code {"title":T}}, {@code {"status":"error","error":T}}, or {@code "T"}. */
    private static Said errorIn(JsonNode json) {
        if (json.isTextual()) {
            return token(json.textValue().strip());
        }
        boolean failed = json.path("status").asText().equalsIgnoreCase("error");
        String error = json.hasNonNull("title") ? json.get("title").asText().strip()
                : json.hasNonNull("error") ? json.get("error").asText().strip()
                : failed ? json.path("message").asText().strip()
                : "";
        if (error.isEmpty()) {
            return failed ? new Said.Token("ERROR", "") : null;
        }
        Said token = token(error);
        // An envelope whose error is prose is still an error; it travels as its clipped text.
        return token != null ? token : new Said.Token(clip(error), "");
    }

    private static Said.Token token(String text) {
        Matcher matcher = TOKEN.matcher(text);
        return matcher.matches() ? new Said.Token(matcher.group(1), Objects.requireNonNullElse(matcher.group(2), "").strip()) : null;
    }

    private static Said.Trouble garbage(String text) {
        return new Said.Trouble(text.isEmpty() ? "empty answer" : "garbage: " + clip(text));
    }

    /** The first characters of a text, on one line, for a reason that is read by people. */
    private static String clip(String text) {
        String line = text.replaceAll("\\p{Cntrl}", " ");
        return line.length() <= MAX_REASON_CHARS ? line : line.substring(0, MAX_REASON_CHARS);
    }

    private static Map<String, String> params(String... keysAndValues) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            params.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return params;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, UTF_8);
    }

    /** What the upstream said, with the transport and the dialects out of the way. */
    sealed interface Said {
        /** A protocol token such as {@code NO_NUMBERS}, with what follows its first colon. */
        record Token(String name, String argument) implements Said {
            String text() {
                return clip(argument.isEmpty() ? name : name + ":" + argument);
            }
        }

        /** A JSON answer that is not an error envelope. */
        record Json(JsonNode node) implements Said {
        }

        /** No protocol answer at all: a timeout, a dropped connection, a 5xx, an HTML page. */
        record Trouble(String reason) implements Said {
        }
    }

    private static final class BodyTooLarge extends IOException {
        BodyTooLarge() {
            super("answer over " + MAX_BODY_BYTES + " bytes");
        }
    }

    /**
     * Collects at most {@link #MAX_BODY_BYTES} of a body and fails the exchange beyond that, so
     * that a misbehaving upstream cannot fill the heap.
     */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

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
                if (bytes.size() + buffer.remaining() > MAX_BODY_BYTES) {
                    subscription.cancel();
                    body.completeExceptionally(new BodyTooLarge());
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
