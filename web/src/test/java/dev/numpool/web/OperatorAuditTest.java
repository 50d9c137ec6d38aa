package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every change made through the operator routes is in the audit log, refusals too, with who made
 * it, what it was about, the state before and after, and the request's id; reads are not; and
 * nobody, not even a database user, edits or deletes an entry.
 */
class OperatorAuditTest {
    private static final String OPERATOR = "operator-token-0123456789abcdef";

    @Test
    void changesAndRefusalsAreLoggedWithTheirStatesAndTheLogCannotBeEdited() throws SQLException {
        String databaseUrl = TestServers.freshDatabaseUrl();
        Map<String, String> config = TestNodes.baseConfig(databaseUrl);
        config.put("numpool.operator-token", OPERATOR);
        try (Numpool node = TestNodes.start(config, new TestClock())) {
            Http http = new Http(node.url());
            assertEquals(0, audit(http).size(), "nothing yet");

            Http.Response paused = http.send(http.request("/v1/operator/providers/simulator/pause", OPERATOR)
                    .header("Content-Type", "application/json").header("X-Request-Id", "ops-pause-1")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"paused\":true,\"reason\":\"maintenance\"}")));
            assertEquals(200, paused.status(), paused.text());
            http.get("/v1/operator/providers", OPERATOR);
            Http.Response refused = http.send(http.request("/v1/operator/markups", OPERATOR).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"markupPercent\":2000,\"minimumMargin\":\"0.01\",\"rules\":[]}")));
            assertEquals(400, refused.status());
            http.newSandboxAccount();
            long accountId = accountIdOf(databaseUrl);
            Http.Response credited = http.send(http.request("/v1/operator/accounts/" + accountId + "/adjustments", OPERATOR)
                    .header("Content-Type", "application/json").header("Idempotency-Key", "audit-credit-1")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"direction\":\"credit\",\"amount\":\"2.50\",\"reason\":\"goodwill\"}")));
            assertEquals(201, credited.status(), credited.text());

            JsonNode log = audit(http);
            assertEquals(3, log.size(), "three changes asked for, the read not among them: " + log);
            JsonNode credit = log.get(0);
            assertEquals("POST /v1/operator/accounts/{id}/adjustments", credit.get("action").asText());
            assertEquals(String.valueOf(accountId), credit.at("/target/id").asText());
            assertEquals(201, credit.get("status").asInt());
            assertTrue(credit.get("request").asText().contains("goodwill"), credit.toString());
            assertEquals(new java.math.BigDecimal(credit.at("/before/available").asText()).add(new java.math.BigDecimal("2.50")),
                    new java.math.BigDecimal(credit.at("/after/available").asText()), "the balance before and after: " + credit);

            JsonNode markups = log.get(1);
            assertEquals("PUT /v1/operator/markups", markups.get("action").asText());
            assertEquals(400, markups.get("status").asInt(), "a refused change is logged too");
            assertEquals(markups.get("before"), markups.get("after"), "and it changed nothing");

            JsonNode pause = log.get(2);
            assertEquals("machine:operator-token", pause.get("actor").asText());
            assertEquals("PUT /v1/operator/providers/{name}/pause", pause.get("action").asText());
            assertEquals("simulator", pause.at("/target/name").asText());
            assertEquals("ops-pause-1", pause.get("requestId").asText());
            assertEquals(false, pause.at("/before/paused").asBoolean());
            assertEquals("maintenance", pause.at("/after/reason").asText());

            JsonNode page = http.get("/v1/operator/audit?limit=2", OPERATOR).json();
            assertEquals(2, page.get("data").size());
            JsonNode rest = http.get("/v1/operator/audit?limit=2&cursor=" + page.get("nextCursor").asText(), OPERATOR).json();
            assertEquals(pause.get("id"), rest.at("/data/0/id"), "the next page goes on where the first stopped");
            assertEquals(400, http.get("/v1/operator/audit?cursor=abc", OPERATOR).status());
            assertEquals(401, http.get("/v1/operator/audit", "not-the-operator").status());

            try (Connection c = DriverManager.getConnection(databaseUrl)) {
                assertThrows(SQLException.class, () -> c.createStatement().executeUpdate("update operator_audit set actor = 'someone else'"));
                assertThrows(SQLException.class, () -> c.createStatement().executeUpdate("delete from operator_audit"));
            }
            assertEquals(3, audit(http).size(), "append-only");
        }
    }

    private static JsonNode audit(Http http) {
        Http.Response r = http.get("/v1/operator/audit", OPERATOR);
        assertEquals(200, r.status(), r.text());
        return r.json().get("data");
    }

    private static long accountIdOf(String databaseUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(databaseUrl); var rs = c.createStatement().executeQuery("select max(id) from account")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
