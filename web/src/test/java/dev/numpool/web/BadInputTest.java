package dev.numpool.web;

import dev.numpool.db.TestClock;
import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpRequest;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad input gets a clear problem+json answer and changes nothing. */
class BadInputTest {
    private static Numpool node;
    private static Http http;
    private static String alice;
    private static String bob;
    private static int bobsActivation;

    @BeforeAll
    static void start() {
        node = TestNodes.start(TestNodes.baseConfig(TestServers.freshDatabaseUrl()), new TestClock());
        http = new Http(node.url());
        alice = http.newSandboxAccount();
        bob = http.newSandboxAccount();
        bobsActivation = http.order(bob, "bob-1", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @BeforeEach
    void aliceIsUntouched() {
        assertNothingChangedForAlice();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "malformed JSON                | `{\"service\":\"tg\",`                               | 400 | invalid-request",
            "not an object                 | `[1,2]`                                              | 400 | invalid-request",
            "empty body                    | ``                                                   | 400 | invalid-request",
            "unknown field                 | `{\"service\":\"tg\",\"country\":0,\"colour\":1}`    | 400 | invalid-request",
            "missing service               | `{\"country\":0}`                                    | 400 | invalid-request",
            "service of the wrong type     | `{\"service\":7,\"country\":0}`                      | 400 | invalid-request",
            "country of the wrong type     | `{\"service\":\"tg\",\"country\":\"russia\"}`        | 400 | invalid-request",
            "country overflowing int       | `{\"service\":\"tg\",\"country\":99999999999}`       | 400 | invalid-request",
            "unknown service               | `{\"service\":\"zz\",\"country\":0}`                 | 400 | unknown-service",
            "unknown country               | `{\"service\":\"tg\",\"country\":999}`               | 400 | unknown-country",
            "negative maxPrice             | `{\"service\":\"tg\",\"country\":0,\"maxPrice\":-1}` | 400 | invalid-request",
            "zero maxPrice                 | `{\"service\":\"tg\",\"country\":0,\"maxPrice\":0}`  | 400 | invalid-request",
            "absurd maxPrice               | `{\"service\":\"tg\",\"country\":0,\"maxPrice\":1e300}` | 400 | invalid-request",
            "maxPrice of a billion digits  | `{\"service\":\"tg\",\"country\":0,\"maxPrice\":1e999999999}` | 400 | invalid-request",
            "too precise maxPrice          | `{\"service\":\"tg\",\"country\":0,\"maxPrice\":\"0.0000001\"}` | 400 | invalid-request",
            "maxPrice below the price      | `{\"service\":\"tg\",\"country\":0,\"maxPrice\":\"0.01\"}` | 409 | price-above-max",
            "bad operator                  | `{\"service\":\"tg\",\"country\":0,\"operator\":\"DROP TABLE\"}` | 400 | invalid-request",
    })
    void badOrderBodiesAreRefused(String name, String body, int status, String type) {
        Http.Response r = http.order(alice, "bad-" + name.hashCode(), body == null ? "" : body);
        assertProblem(r, status, type);
        assertFalse(r.json().get("detail").asText().isBlank(), "says what is wrong");
    }

    @Test
    void priceAboveMaxNamesTheMinimumPrice() {
        Http.Response r = http.order(alice, "cheap", "{\"service\":\"tg\",\"country\":0,\"maxPrice\":\"0.01\"}");
        JsonNode offer = http.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0");
        assertEquals(offer.get("price").asText(), r.json().get("minimumPrice").asText());
    }

    @Test
    void methodsAndPathsWithNoRouteAreTheClientsMistakeNotOurs() {
        for (String method : List.of("HEAD", "OPTIONS", "TRACE")) {
            for (String path : List.of("/", "/sign-up", "/no-such-page", "/webhooks/stripe")) {
                Http.Response r = http.send(http.request(path, null).method(method, java.net.http.HttpRequest.BodyPublishers.noBody()));
                assertTrue(r.status() >= 400 && r.status() < 500, method + " " + path + " answered " + r.status());
            }
        }
        Http.Response v1 = http.send(http.request("/v1/nothing-here", null).method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody()));
        assertEquals(404, v1.status());
    }

    @Test
    void aHugeBodyIsRefusedWithoutBeingRead() {
        String huge = "{\"service\":\"tg\",\"country\":0,\"operator\":\"" + "a".repeat(200_000) + "\"}";
        assertProblem(http.order(alice, "huge", huge), 413, "body-too-large");
    }

    @Test
    void aMissingOrBadKeyIsUnauthorized() {
        assertProblem(http.order(null, "k", "{\"service\":\"tg\",\"country\":0}"), 401, "unauthorized");
        assertProblem(http.order("np_not-a-real-key", "k", "{\"service\":\"tg\",\"country\":0}"), 401, "unauthorized");
        Http.Response basic = http.send(http.request("/v1/balance", null).header("Authorization", "Basic YTpi").GET());
        assertProblem(basic, 401, "unauthorized");
    }

    @Test
    void aMissingIdempotencyKeyIsRefused() {
        assertProblem(http.order(alice, null, "{\"service\":\"tg\",\"country\":0}"), 400, "idempotency-key-required");
    }

    @Test
    void anotherAccountsActivationLooksExactlyLikeAnUnknownOne() {
        Http.Response others = http.get("/v1/activations/" + bobsActivation, alice);
        Http.Response unknown = http.get("/v1/activations/2000000000", alice);
        assertProblem(others, 404, "not-found");
        assertProblem(unknown, 404, "not-found");
        assertEquals(others.json().get("detail").asText().replace(String.valueOf(bobsActivation), "N"),
                unknown.json().get("detail").asText().replace("2000000000", "N"));
        for (String action : new String[] {"cancel", "finish", "retry"}) {
            assertProblem(http.post("/v1/activations/" + bobsActivation + "/" + action, alice, null), 404, "not-found");
        }
        assertProblem(http.post("/v1/sandbox/sms", alice, "{\"activationId\":" + bobsActivation + ",\"text\":\"code 1234\"}"), 404, "not-found");
        JsonNode bobs = http.get("/v1/activations/" + bobsActivation, bob).json();
        assertEquals("waiting_code", bobs.get("status").asText(), "Bob's activation untouched");
        assertEquals(0, bobs.get("messages").size());
    }

    @Test
    void nonsenseIdsAndQueriesAreClearErrors() {
        assertProblem(http.get("/v1/activations/abc", alice), 404, "not-found");
        assertProblem(http.get("/v1/activations/99999999999999", alice), 404, "not-found");
        assertProblem(http.get("/v1/activations?limit=0", alice), 400, "invalid-request");
        assertProblem(http.get("/v1/activations?limit=abc", alice), 400, "invalid-request");
        assertProblem(http.get("/v1/activations?status=done", alice), 400, "invalid-request");
        assertProblem(http.get("/v1/activations?cursor=-5", alice), 400, "invalid-request");
        assertProblem(http.get("/v1/catalog?service=zz", null), 400, "unknown-service");
        assertProblem(http.get("/v1/catalog?country=x", null), 400, "invalid-request");
        assertProblem(http.get("/v1/nothing-here", alice), 404, "not-found");
    }

    @Test
    void badSandboxSmsIsRefused() {
        assertProblem(http.post("/v1/sandbox/sms", alice, "{\"activationId\":\"1\",\"text\":\"x\"}"), 400, "invalid-request");
        assertProblem(http.post("/v1/sandbox/sms", alice, "{\"activationId\":1}"), 400, "invalid-request");
        assertProblem(http.post("/v1/sandbox/sms", alice, "{\"activationId\":1,\"text\":\"" + "x".repeat(5000) + "\"}"), 400, "invalid-request");
        assertProblem(http.post("/v1/sandbox/sms", alice, "{\"activationId\":1,\"text\":\"code \\u0000 1234\"}"), 400, "invalid-request");
        assertProblem(http.post("/v1/api-keys", alice, "{\"label\":\"a\\u0007b\"}"), 400, "invalid-request");
    }

    @Test
    void anXmlBodyIsAnUnsupportedMediaType() {
        Http.Response r = http.send(http.request("/v1/activations", alice).header("Content-Type", "application/xml")
                .header("Idempotency-Key", "xml").POST(HttpRequest.BodyPublishers.ofString("<order/>")));
        assertProblem(r, 415, "unsupported-media-type");
    }

    private static void assertProblem(Http.Response r, int status, String type) {
        assertEquals(status, r.status(), r.text());
        assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
        assertEquals("/problems/" + type, r.json().get("type").asText(), r.text());
        assertEquals(status, r.json().get("status").asInt());
        assertNothingChangedForAlice();
    }

    private static void assertNothingChangedForAlice() {
        JsonNode balance = http.get("/v1/balance", alice).json();
        assertEquals(100_000_000L, balance.get("availableMicros").asLong());
        assertEquals(0, balance.get("heldMicros").asLong());
        assertEquals(0, http.get("/v1/activations", alice).json().get("data").size());
    }
}
