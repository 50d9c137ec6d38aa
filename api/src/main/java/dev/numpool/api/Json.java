package dev.numpool.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Country;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Offer;
import dev.numpool.inventory.RoutingTrace;
import dev.numpool.inventory.Service;
import dev.numpool.orders.Activation;
import dev.numpool.orders.ApiKeyInfo;
import dev.numpool.orders.Balance;
import dev.numpool.orders.LedgerEntry;
import dev.numpool.orders.Topups;
import dev.numpool.orders.NewApiKey;
import dev.numpool.orders.Page;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.util.Iterator;
import java.util.Set;
import java.util.function.Function;

/**
 * The JSON shapes of the native API, written field by field so that the wire format is a
 * deliberate choice here and not a side effect of a Java record's shape.
 */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxStringLength(16_384).build())
            .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    /** Parses a request body that must be one JSON object with only {@code allowed} fields. */
    static ObjectNode object(byte[] body, Set<String> allowed) {
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (IOException e) {
            throw Problem.badRequest("The body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            throw Problem.badRequest("The body must be a JSON object.");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw Problem.badRequest("Unknown field '" + name + "'; allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ".");
            }
        }
        return (ObjectNode) node;
    }

    /** Answers {@code body} as {@code application/json} with {@code status}. */
    static void send(ServerResponse res, int status, JsonNode body) {
        res.status(Status.create(status)).header(HeaderNames.CONTENT_TYPE, "application/json").send(bytes(body));
    }

    /** JSON Numpool wrote itself (the audit log's states): unreadable only if the database was edited by hand. */
    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON unreadable: " + json, e);
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }

    /** A page of a list: its items under {@code data}, and the cursor of the next page (null on the last). */
    static <T> ObjectNode page(Page<T> page, Function<T, ? extends JsonNode> item) {
        ObjectNode body = MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        page.items().forEach(i -> data.add(item.apply(i)));
        body.put("nextCursor", page.nextCursor().orElse(null));
        return body;
    }

    static ObjectNode activation(Activation a) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", a.id());
        n.put("service", a.service());
        n.put("country", a.country());
        n.put("operator", a.operator());
        n.put("phone", a.phone().e164());
        n.put("status", a.status().wire());
        n.put("price", Money.format(a.priceMicros()));
        n.put("priceMicros", a.priceMicros());
        n.put("currency", a.currency());
        n.put("createdAt", a.createdAt().toString());
        n.put("cancellableAt", a.cancellableAt().toString());
        n.put("expiresAt", a.expiresAt().toString());
        n.put("endedAt", a.endedAt().map(Object::toString).orElse(null));
        n.put("awaitingAnotherCode", a.awaitingAnotherCode());
        n.put("livemode", !a.test());
        ArrayNode codes = n.putArray("codes");
        for (Activation.Message m : a.codes()) {
            codes.addObject().put("code", m.code().orElseThrow()).put("text", m.text()).put("receivedAt", m.receivedAt().toString());
        }
        ArrayNode messages = n.putArray("messages");
        for (Activation.Message m : a.messages()) {
            // A withheld message (it came after a refund) shows only that it came; buying it shows it.
            ObjectNode message = messages.addObject().put("id", m.id()).put("code", m.code().orElse(null))
                    .put("text", m.withheld() ? null : m.text()).put("sender", m.sender())
                    .put("receivedAt", m.receivedAt().toString()).put("late", m.late()).put("withheld", m.withheld());
            if (m.withheld()) {
                message.put("price", Money.format(a.priceMicros())).put("priceMicros", a.priceMicros())
                        .put("buy", "/v1/activations/" + a.id() + "/messages/" + m.id() + "/buy");
            }
        }
        n.set("routing", routing(a.routing()));
        return n;
    }

    static ObjectNode routing(RoutingTrace trace) {
        ObjectNode n = MAPPER.createObjectNode();
        ArrayNode considered = n.putArray("considered");
        for (RoutingTrace.Candidate c : trace.considered()) {
            considered.addObject().put("provider", c.provider()).put("price", Money.format(c.priceMicros())).put("stock", c.stock())
                    .put("deliveryRatePercent", c.deliveryRatePercent()).put("circuit", c.circuit());
        }
        ArrayNode attempts = n.putArray("attempts");
        for (RoutingTrace.Attempt t : trace.attempts()) {
            attempts.addObject().put("provider", t.provider()).put("outcome", t.outcome()).put("durationMillis", t.durationMillis());
        }
        n.put("decision", trace.decision());
        return n;
    }

    static ObjectNode balance(Balance b) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("currency", b.currency());
        n.put("available", Money.format(b.availableMicros()));
        n.put("availableMicros", b.availableMicros());
        n.put("held", Money.format(b.heldMicros()));
        n.put("heldMicros", b.heldMicros());
        n.put("debt", Money.format(b.debtMicros()));
        n.put("debtMicros", b.debtMicros());
        return n;
    }

    /**
     * A money amount sent as a decimal string ({@code "10.00"}) or a JSON number, in micros; empty
     * when it is neither, negative, has more than 6 decimal places or exceeds the maximum.
     */
    static java.util.OptionalLong micros(JsonNode raw) {
        // 1e999999999 is a valid JSON number whose plain spelling has a billion digits: look at its
        // magnitude before spelling it out.
        String decimal = raw == null ? "" : raw.isNumber() && plausible(raw.decimalValue()) ? raw.decimalValue().toPlainString()
                : raw.isTextual() ? raw.asText() : "";
        return Money.parseMicros(decimal);
    }

    private static boolean plausible(java.math.BigDecimal d) {
        return d.scale() <= 12 && d.precision() - d.scale() <= 13;
    }

    static ObjectNode ledgerEntry(LedgerEntry e) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", e.id());
        n.put("type", e.type());
        n.put("amount", Money.format(e.amountMicros()));
        n.put("amountMicros", e.amountMicros());
        n.put("currency", e.currency());
        n.put("availableChange", Money.format(e.availableChangeMicros()));
        n.put("heldChange", Money.format(e.heldChangeMicros()));
        n.put("debtChange", Money.format(e.debtChangeMicros()));
        n.put("reference", e.reference());
        n.put("createdAt", e.createdAt().toString());
        return n;
    }

    static ObjectNode topup(Topups.Topup t) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", t.id());
        n.put("amount", Money.format(t.amountMicros()));
        n.put("amountMicros", t.amountMicros());
        n.put("currency", t.currency());
        n.put("status", t.status().wire());
        n.put("checkoutUrl", t.checkoutUrl().orElse(null));
        n.put("refunded", Money.format(t.refundedMicros()));
        n.put("createdAt", t.createdAt().toString());
        n.put("paidAt", t.paidAt().map(Object::toString).orElse(null));
        return n;
    }

    static ObjectNode offer(Offer o) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("service", o.service().code());
        n.put("serviceName", o.service().name());
        n.put("country", o.country().id());
        n.put("countryName", o.country().name());
        n.put("countryIso", o.country().iso2());
        n.put("price", Money.format(o.priceMicros()));
        n.put("priceMicros", o.priceMicros());
        n.put("currency", o.currency());
        n.put("stock", o.stock());
        return n;
    }

    static ObjectNode service(Service s) {
        return MAPPER.createObjectNode().put("code", s.code()).put("name", s.name());
    }

    static ObjectNode country(Country c) {
        return MAPPER.createObjectNode().put("id", c.id()).put("name", c.name()).put("iso", c.iso2())
                .put("callingCode", c.callingCode());
    }

    static ObjectNode apiKey(ApiKeyInfo k) {
        return MAPPER.createObjectNode().put("id", k.id()).put("label", k.label()).put("prefix", k.prefix())
                .put("createdAt", k.createdAt().toString()).put("revokedAt", k.revokedAt().map(Object::toString).orElse(null))
                .put("mode", k.test() ? "test" : "live").put("duplicateWindow", k.duplicateWindow());
    }

    static ObjectNode newApiKey(NewApiKey k) {
        return MAPPER.createObjectNode().put("id", k.id()).put("label", k.label()).put("prefix", k.prefix())
                .put("key", k.secret()).put("accountId", k.owner().value()).put("mode", k.test() ? "test" : "live")
                .put("duplicateWindow", k.duplicateWindow());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
