package dev.numpool.inventory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.inventory.Provider.OfferQuote;
import dev.numpool.inventory.Provider.Order;

import java.net.URI;
import java.net.URLEncoder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.numpool.inventory.UpstreamHttp.JSON;
import static dev.numpool.inventory.UpstreamHttp.clip;
import static dev.numpool.inventory.UpstreamHttp.count;
import static dev.numpool.inventory.UpstreamHttp.micros;
import static dev.numpool.inventory.UpstreamHttp.unreadable;
import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The wire of the sms-activate protocol ({@code /stubs/handler_api.php}): how a request is
 * written (the action and its parameters in the handler URL's query string, with the key) and
 * how its answers are read.
 *
 * <p>The clones disagree in small ways (plain tokens or JSON envelopes, numbers as strings,
 * trailing newlines, HTTP 200 or 4xx for errors), so every answer is first reduced to one of
 * three shapes, a token, a JSON document or trouble, which {@link SmsActivateProvider} maps to
 * each action's sealed result. Nothing here sends a request, keeps state or throws for what an
 * upstream sent.
 */
final class SmsActivateWire {
    /** An activation receives a handful of SMS; a longer list of codes is cut rather than trusted. */
    static final int MAX_SMS_PER_ACTIVATION = 20;

    private static final Pattern TOKEN = Pattern.compile("([A-Z][A-Z0-9_]*)(?::(.*))?", Pattern.DOTALL);
    private static final Pattern SERVICE = Pattern.compile("[a-z0-9]{2}");
    private static final Pattern COUNTRY_ID = Pattern.compile("[0-9]{1,6}");
    private static final Pattern ACTIVATION_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private SmsActivateWire() {
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

    static URI uri(URI handlerUrl, String apiKey, String action, Map<String, String> params) {
        StringBuilder query = new StringBuilder("api_key=").append(encode(apiKey)).append("&action=").append(encode(action));
        params.forEach((key, value) -> query.append('&').append(key).append('=').append(encode(value)));
        return URI.create(handlerUrl + (handlerUrl.getRawQuery() == null ? "?" : "&") + query);
    }

    static Map<String, String> params(String... keysAndValues) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            params.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return params;
    }

    static Map<String, String> orderParams(Order order) {
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

    private static String encode(String value) {
        return URLEncoder.encode(value, UTF_8);
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
                return new Said.Trouble(unreadable(text));
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
        return new Said.Trouble(status < 300 ? unreadable(text) : "http " + status);
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

    /** True for an activation id as upstreams write them; anything else is not taken from an answer. */
    static boolean isActivationId(String ref) {
        return ref != null && ACTIVATION_ID.matcher(ref).matches();
    }

    /** The offers of a {@code getPrices} table: country id, then service code, then cost and count. */
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

    /**
     * The rows of a {@code getActiveActivations} answer, null when it has none: sms-activate puts
     * them in {@code activeActivations}, HeroSMS in {@code data} (and an
     * {@code activeActivations} object of database counters beside it, with its own
     * {@code rows}); a bare array is taken too.
     */
    static JsonNode rows(JsonNode answer) {
        if (answer.isArray()) {
            return answer;
        }
        JsonNode data = answer.path("data");
        JsonNode active = answer.path("activeActivations");
        if (data.isArray() && !data.isEmpty()) {
            return data;
        }
        if (active.isArray()) {
            return active;
        }
        if (active.path("rows").isArray()) {
            return active.get("rows");
        }
        return data.isArray() ? data : null;
    }

    /** Non-blank strings and numbers of a field that is a value or an array of them; "null" is none. */
    static List<String> strings(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node == null) {
            return values;
        }
        for (JsonNode value : node.isArray() ? node : List.of(node)) {
            if (values.size() == MAX_SMS_PER_ACTIVATION) {
                break;
            }
            String text = value.isTextual() || value.isNumber() ? value.asText().strip() : "";
            values.add(text.equalsIgnoreCase("null") ? "" : text);
        }
        return values;
    }

    /** The same SMS has the same id however it came (getStatus, the list, a push). */
    static String messageId(String ref, String code, String text) {
        if (!code.isEmpty()) {
            return ref + ":" + code;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(UTF_8));
            return ref + ":text:" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The upstream's time of the SMS (ISO 8601, or {@code yyyy-MM-dd HH:mm:ss} taken as UTC);
     * {@code now} when it sent none we can read, or one in our future.
     */
    static Instant receivedAt(JsonNode value, Instant now) {
        String text = value != null && value.isTextual() ? value.textValue().strip() : "";
        Instant at;
        try {
            at = text.contains("T") ? OffsetDateTime.parse(text).toInstant()
                    : LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return now;
        }
        return at.isAfter(now) ? now : at;
    }
}
