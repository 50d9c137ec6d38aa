package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.numpool.api.ApiRouter;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.orders.FakeStripe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAPI document at {@code /openapi.yaml} against the API: every route the router has is
 * documented and nothing else is, and every response this test provokes, success or problem,
 * matches the schema the document gives for its path, method, status and content type.
 */
class OpenApiTest {
    private static final String OPERATOR = "operator-token-0123456789abcdef";
    private static final TestClock CLOCK = new TestClock();
    private static Numpool node;
    private static FakeStripe stripe;
    private static Http http;
    private static JsonNode document;
    private static final List<String> checked = new ArrayList<>();

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("numpool.operator-token", OPERATOR);
        stripe = new FakeStripe();
        config.put("topups.stripe-api-base", stripe.apiBase());
        node = TestNodes.start(config, CLOCK, Map.of("STRIPE_SECRET_KEY", FakeStripe.SECRET_KEY, "STRIPE_WEBHOOK_SECRET", FakeStripe.WEBHOOK_SECRET));
        http = new Http(node.url());
        Http.Response served = http.get("/openapi.yaml", null);
        assertEquals(200, served.status());
        document = Http.JSON.valueToTree(new Yaml().load(served.text()));
    }

    @AfterAll
    static void stop() {
        node.close();
        stripe.close();
    }

    @Test
    void theDocumentHasExactlyTheRoutesOfTheRouter() {
        List<String> routed = new ApiRouter(null, null, null, null, true, Optional.of(OPERATOR)).routeNames();
        TreeSet<String> documented = new TreeSet<>();
        document.get("paths").properties().forEach(path -> path.getValue().properties()
                .forEach(op -> documented.add(op.getKey().toUpperCase() + " " + path.getKey())));
        assertEquals(new TreeSet<>(routed), documented);
        assertEquals("3.1.0", document.get("openapi").asText());
        assertEquals("Idempotency-Key", document.at("/components/parameters/IdempotencyKey/name").asText());
    }

    @Test
    void everyResponseMatchesItsDocumentedSchema() {
        String key = http.newSandboxAccount();
        check("POST", "/v1/sandbox/accounts", http.post("/v1/sandbox/accounts", null, null));
        check("GET", "/v1/catalog", http.get("/v1/catalog?service=tg&country=0", null));
        check("GET", "/v1/catalog", http.get("/v1/catalog?country=x", null));
        check("GET", "/v1/services", http.get("/v1/services", null));
        check("GET", "/v1/countries", http.get("/v1/countries", null));

        Http.Response bought = http.order(key, "openapi-1", "{\"service\":\"tg\",\"country\":0,\"maxPrice\":\"5\",\"excludePrefixes\":[\"7999\"]}");
        check("POST", "/v1/activations", bought);
        check("POST", "/v1/activations", http.order(key, "openapi-1", "{\"service\":\"tg\",\"country\":0,\"maxPrice\":\"5\",\"excludePrefixes\":[\"7999\"]}"));
        check("POST", "/v1/activations", http.order(key, "openapi-1", "{\"service\":\"wa\",\"country\":0}"));
        check("POST", "/v1/activations", http.order(key, null, "{\"service\":\"tg\",\"country\":0}"));
        check("POST", "/v1/activations", http.order(key, "openapi-2", "{\"service\":\"tg\",\"country\":0,\"maxPrice\":\"0.000001\"}"));
        check("POST", "/v1/activations", http.order(key, "openapi-3", "{\"service\":\"zz\",\"country\":0}"));
        check("POST", "/v1/activations", http.order("bad-key", "openapi-4", "{\"service\":\"tg\",\"country\":0}"));
        int id = bought.json().get("id").asInt();

        check("GET", "/v1/activations", http.get("/v1/activations?limit=1", key));
        check("GET", "/v1/activations", http.get("/v1/activations?status=lost", key));
        check("GET", "/v1/activations/{id}", http.get("/v1/activations/" + id, key));
        check("GET", "/v1/activations/{id}", http.get("/v1/activations/999999", key));
        check("POST", "/v1/activations/{id}/cancel", http.post("/v1/activations/" + id + "/cancel", key, null));
        check("POST", "/v1/activations/{id}/finish", http.post("/v1/activations/" + id + "/finish", key, null));
        check("POST", "/v1/activations/{id}/retry", http.post("/v1/activations/" + id + "/retry", key, null));
        check("POST", "/v1/sandbox/sms", http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Code 12345\"}"));
        check("POST", "/v1/sandbox/sms", http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + "}"));
        check("POST", "/v1/activations/{id}/retry", http.post("/v1/activations/" + id + "/retry", key, null));
        check("POST", "/v1/activations/{id}/finish", http.post("/v1/activations/" + id + "/finish", key, null));
        Http.Response second = http.order(key, "openapi-5", "{\"service\":\"wa\",\"country\":0}");
        CLOCK.advance(Duration.ofMinutes(3));
        check("POST", "/v1/activations/{id}/cancel", http.post("/v1/activations/" + second.json().get("id").asInt() + "/cancel", key, null));
        int cancelled = second.json().get("id").asInt();
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + cancelled + ",\"text\":\"Code 54321\"}");
        Http.Response withheld = http.get("/v1/activations/" + cancelled, key);
        check("GET", "/v1/activations/{id}", withheld);
        String buyLate = withheld.json().at("/messages/0/buy").asText();
        check("POST", "/v1/activations/{id}/messages/{messageId}/buy", http.post(buyLate, key, null));
        check("POST", "/v1/activations/{id}/messages/{messageId}/buy", http.post(buyLate + "x", key, null));

        check("GET", "/v1/balance", http.get("/v1/balance", key));
        check("GET", "/v1/balance", http.get("/v1/balance", null));
        Http.Response topup = http.post("/v1/topups", key, "{\"amount\":\"20.00\"}");
        check("POST", "/v1/topups", topup);
        check("POST", "/v1/topups", http.post("/v1/topups", key, "{\"amount\":\"0.50\"}"));
        check("POST", "/v1/topups", http.postIdempotent("/v1/topups", key, "openapi-topup", "{\"amount\":\"20.00\"}"));
        check("POST", "/v1/topups", http.postIdempotent("/v1/topups", key, "openapi-topup", "{\"amount\":\"20.00\"}"));
        check("POST", "/v1/topups", http.post("/v1/topups", key, "{\"amount\":true}"));
        check("GET", "/v1/topups", http.get("/v1/topups", key));
        check("GET", "/v1/topups/{id}", http.get("/v1/topups/" + topup.json().get("id").asLong(), key));
        check("GET", "/v1/topups/{id}", http.get("/v1/topups/999999", key));
        check("GET", "/v1/balance/transactions", http.get("/v1/balance/transactions?limit=2", key));
        check("GET", "/v1/balance/transactions", http.get("/v1/balance/transactions?type=hold,void&from=2020-01-01T00:00:00Z", key));
        check("GET", "/v1/balance/transactions", http.get("/v1/balance/transactions?type=gift", key));
        Http.Response csv = http.get("/v1/balance/transactions.csv", key);
        assertEquals("text/csv", csv.contentType().split(";")[0]);
        checked.add("GET /v1/balance/transactions.csv 200");
        check("GET", "/v1/balance/transactions.csv", http.get("/v1/balance/transactions.csv?from=yesterday", key));
        long accountId = http.accountId(key);
        check("GET", "/v1/operator/accounts/{id}/balance", http.get("/v1/operator/accounts/" + accountId + "/balance", OPERATOR));
        check("GET", "/v1/operator/accounts/{id}/balance", http.get("/v1/operator/accounts/999999999/balance", OPERATOR));
        check("POST", "/v1/operator/accounts/{id}/adjustments", http.postIdempotent("/v1/operator/accounts/" + accountId + "/adjustments", OPERATOR, null,
                "{\"direction\":\"credit\",\"amount\":\"1.50\",\"reason\":\"openapi check\"}"));
        check("POST", "/v1/operator/accounts/{id}/adjustments", http.postIdempotent("/v1/operator/accounts/" + accountId + "/adjustments", OPERATOR, null,
                "{\"direction\":\"debit\",\"amount\":\"100000.00\",\"reason\":\"too much\"}"));
        check("POST", "/v1/operator/accounts/{id}/adjustments", http.postIdempotent("/v1/operator/accounts/" + accountId + "/adjustments", OPERATOR, null,
                "{\"direction\":\"sideways\",\"amount\":\"1.00\",\"reason\":\"x\"}"));
        check("POST", "/v1/operator/accounts/{id}/adjustments", http.postIdempotent("/v1/operator/accounts/" + accountId + "/adjustments", OPERATOR, "same",
                "{\"direction\":\"credit\",\"amount\":\"0.10\",\"reason\":\"once\"}"));
        check("POST", "/v1/operator/accounts/{id}/adjustments", http.postIdempotent("/v1/operator/accounts/" + accountId + "/adjustments", OPERATOR, "same",
                "{\"direction\":\"credit\",\"amount\":\"0.10\",\"reason\":\"once\"}"));
        check("POST", "/v1/operator/accounts/{id}/adjustments", http.postIdempotent("/v1/operator/accounts/" + accountId + "/adjustments", OPERATOR, "same",
                "{\"direction\":\"credit\",\"amount\":\"0.20\",\"reason\":\"twice\"}"));
        check("GET", "/v1/operator/stripe-events/waiting", http.get("/v1/operator/stripe-events/waiting", OPERATOR));
        check("GET", "/v1/operator/stripe-events/waiting", http.get("/v1/operator/stripe-events/waiting?limit=0", OPERATOR));
        check("POST", "/v1/operator/accounts/{id}/adjustments", http.postIdempotent("/v1/operator/accounts/999999999/adjustments", OPERATOR, null,
                "{\"direction\":\"credit\",\"amount\":\"1.00\",\"reason\":\"nobody\"}"));
        Http.Response created = http.post("/v1/api-keys", key, "{\"label\":\"ci\"}");
        check("POST", "/v1/api-keys", created);
        check("POST", "/v1/api-keys", http.post("/v1/api-keys", key, "{\"label\":5}"));
        check("GET", "/v1/api-keys", http.get("/v1/api-keys", key));
        check("DELETE", "/v1/api-keys/{id}", http.send(http.request("/v1/api-keys/" + created.json().get("id").asLong(), key).DELETE()));
        check("DELETE", "/v1/api-keys/{id}", http.send(http.request("/v1/api-keys/999999", key).DELETE()));

        Http.Response endpoint = http.post("/v1/webhook-endpoints", key, "{\"url\":\"https://example.com/hook\",\"eventTypes\":[\"activation.finished\"]}");
        check("POST", "/v1/webhook-endpoints", endpoint);
        check("POST", "/v1/webhook-endpoints", http.post("/v1/webhook-endpoints", key, "{\"url\":\"http://10.0.0.1/\",\"eventTypes\":[\"activation.finished\"]}"));
        check("GET", "/v1/webhook-endpoints", http.get("/v1/webhook-endpoints", key));
        if (endpoint.status() == 201) {
            long endpointId = endpoint.json().get("id").asLong();
            check("GET", "/v1/webhook-endpoints/{id}/deliveries", http.get("/v1/webhook-endpoints/" + endpointId + "/deliveries", key));
            check("DELETE", "/v1/webhook-endpoints/{id}", http.send(http.request("/v1/webhook-endpoints/" + endpointId, key).DELETE()));
        }
        check("GET", "/v1/webhook-endpoints/{id}/deliveries", http.get("/v1/webhook-endpoints/999999/deliveries", key));
        check("GET", "/v1/operator/providers", http.get("/v1/operator/providers", OPERATOR));
        check("GET", "/v1/operator/providers", http.get("/v1/operator/providers", key));
        check("GET", "/v1/operator/providers/{name}/refreshes", http.get("/v1/operator/providers/simulator/refreshes", OPERATOR));
        check("GET", "/v1/operator/providers/{name}/refreshes", http.get("/v1/operator/providers/nobody/refreshes", OPERATOR));
        check("GET", "/v1/operator/providers/{name}/offer-history",
                http.get("/v1/operator/providers/simulator/offer-history?service=tg&country=0", OPERATOR));
        check("GET", "/v1/operator/providers/{name}/offer-history", http.get("/v1/operator/providers/simulator/offer-history", OPERATOR));
        check("POST", "/v1/operator/pool", http.send(http.request("/v1/operator/pool", OPERATOR).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString("phone,rented_from,lease_ends_at\n+447400123456,twilio,2030-01-01T00:00:00Z\n"))));
        check("POST", "/v1/operator/pool", http.post("/v1/operator/pool", OPERATOR, "{\"numbers\":[{\"phone\":\"+1\",\"rentedFrom\":\"x\",\"leaseEndsAt\":\"soon\"}]}"));
        check("POST", "/v1/operator/pool", http.post("/v1/operator/pool", OPERATOR, "{\"numbers\":5}"));
        check("GET", "/v1/operator/pool", http.get("/v1/operator/pool", OPERATOR));
        check("GET", "/v1/operator/markups", http.get("/v1/operator/markups", OPERATOR));
        check("PUT", "/v1/operator/markups", http.send(http.request("/v1/operator/markups", OPERATOR).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"markupPercent\":25,\"minimumMargin\":\"0.01\",\"rules\":[{\"service\":\"wa\",\"percent\":30}]}"))));
        check("PUT", "/v1/operator/markups", http.send(http.request("/v1/operator/markups", OPERATOR).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"markupPercent\":2500,\"minimumMargin\":\"0.01\",\"rules\":[]}"))));
        check("PUT", "/v1/operator/providers/{name}/pause", http.send(http.request("/v1/operator/providers/pool/pause", OPERATOR)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"paused\":false}"))));
        check("PUT", "/v1/operator/providers/{name}/pause", http.send(http.request("/v1/operator/providers/nobody/pause", OPERATOR)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"paused\":true}"))));
        check("GET", "/v1/operator/upstream-reports", http.get("/v1/operator/upstream-reports?state=pending", OPERATOR));
        check("GET", "/v1/operator/upstream-reports", http.get("/v1/operator/upstream-reports?state=lost", OPERATOR));
        assertTrue(checked.size() >= 73, "responses checked: " + checked.size());
    }

    /** Fails when the response's status or content type is undocumented, or its body breaks the schema. */
    @Test
    void everyRentalResponseMatchesItsDocumentedSchema() {
        String key = http.newSandboxAccount();
        check("GET", "/v1/rental-offers", http.get("/v1/rental-offers?service=any&country=0", key));
        check("GET", "/v1/rental-offers", http.get("/v1/rental-offers?service=zz", key));
        Http.Response rented = http.postIdempotent("/v1/rentals", key, "openapi-rent", "{\"country\":0,\"periods\":2}");
        check("POST", "/v1/rentals", rented);
        check("POST", "/v1/rentals", http.postIdempotent("/v1/rentals", key, "openapi-rent", "{\"country\":0,\"periods\":2}"));
        check("POST", "/v1/rentals", http.postIdempotent("/v1/rentals", key, "openapi-rent", "{\"country\":0,\"periods\":3}"));
        check("POST", "/v1/rentals", http.postIdempotent("/v1/rentals", key, null, "{\"country\":0,\"periods\":9999}"));
        check("POST", "/v1/rentals", http.postIdempotent("/v1/rentals", key, null, "{\"country\":0,\"periods\":700}"));
        check("POST", "/v1/rentals", http.postIdempotent("/v1/rentals", key, null, "{\"country\":0}"));
        int id = rented.json().get("id").asInt();
        check("POST", "/v1/sandbox/rentals/{id}/sms", http.post("/v1/sandbox/rentals/" + id + "/sms", key, "{\"text\":\"Code 12345\",\"sender\":\"Bank\"}"));
        check("POST", "/v1/sandbox/rentals/{id}/sms", http.post("/v1/sandbox/rentals/" + id + "/sms", key, "{}"));
        check("GET", "/v1/rentals", http.get("/v1/rentals?limit=1", key));
        check("GET", "/v1/rentals", http.get("/v1/rentals?status=lost", key));
        check("GET", "/v1/rentals/{id}", http.get("/v1/rentals/" + id, key));
        check("GET", "/v1/rentals/{id}", http.get("/v1/rentals/999999", key));
        check("POST", "/v1/rentals/{id}/extend", http.postIdempotent("/v1/rentals/" + id + "/extend", key, null, "{\"periods\":1}"));
        check("POST", "/v1/rentals/{id}/extend", http.postIdempotent("/v1/rentals/" + id + "/extend", key, null, "{\"periods\":800}"));
        check("POST", "/v1/rentals/{id}/cancel", http.post("/v1/rentals/" + id + "/cancel", key, null));
        check("POST", "/v1/rentals/{id}/finish", http.post("/v1/rentals/" + id + "/finish", key, null));
        check("POST", "/v1/rentals/{id}/finish", http.post("/v1/rentals/" + id + "/finish", key, null));
        check("POST", "/v1/rentals/{id}/extend", http.postIdempotent("/v1/rentals/" + id + "/extend", key, null, "{\"periods\":1}"));
    }

    private static void check(String method, String path, Http.Response response) {
        JsonNode operation = document.path("paths").path(path).path(method.toLowerCase());
        assertTrue(operation.isObject(), method + " " + path + " is not documented");
        String status = Integer.toString(response.status());
        JsonNode documented = operation.path("responses").path(status);
        assertTrue(documented.isObject(), method + " " + path + " answered " + status + ", which is not documented: " + response.text());
        String pointer = "/paths/" + escape(path) + "/" + method.toLowerCase() + "/responses/" + status;
        if (documented.has("$ref")) {
            pointer = documented.get("$ref").asText().substring(1);
            documented = document.at(pointer);
        }
        checked.add(method + " " + path + " " + status);
        if (!documented.has("content")) {
            assertEquals(0, response.body().length, method + " " + path + " " + status + " has no documented body");
            return;
        }
        String type = response.contentType().split(";")[0].strip();
        assertTrue(documented.path("content").has(type), method + " " + path + " " + status + " answered " + type);
        ObjectNode schema = document.deepCopy();
        schema.put("$ref", "#" + encode(pointer + "/content/" + escape(type) + "/schema"));
        Schema validator = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(schema.toString(), InputFormat.JSON);
        List<Error> errors = validator.validate(response.text(), InputFormat.JSON);
        assertTrue(errors.isEmpty(), method + " " + path + " " + status + ": " + errors + "\n" + response.text());
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static String encode(String pointer) {
        return pointer.replace("{", "%7B").replace("}", "%7D");
    }
}
