package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The review queue and code templates over HTTP: an SMS with no code readable is shown in full to
 * its owner on every protocol, listed for the operator, and a marked code reaches the customer
 * like any other; bad input is refused and changes nothing.
 */
class CodeReviewTest {
    private static final String OPERATOR = "operator-token-0123456789abcdef";
    private static final String ODD = "Your sign-in word is k7xq9p, enjoy the sunshine today in our lovely app";

    @Test
    void anSmsWithNoReadableCodeIsShownInFullListedForReviewAndItsMarkedCodeReachesTheCustomer() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("numpool.operator-token", OPERATOR);
        try (Numpool node = TestNodes.start(config, new TestClock())) {
            Http http = new Http(node.url());
            String key = http.newSandboxAccount();
            int id = http.order(key, "review-1", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
            Http.Response injected = http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"" + ODD + "\"}");
            assertEquals(200, injected.status(), injected.text());

            // The owner reads the text everywhere while no code is known.
            assertEquals("STATUS_WAIT_CODE", compat(http, key, "getStatus", id));
            assertEquals("FULL_SMS:" + ODD, compat(http, key, "getFullSms", id));
            assertTrue(compat(http, key, "getStatusV2", id).contains(ODD));
            JsonNode fiveSim = http.get("/v1/user/check/" + id, key).json();
            assertEquals(ODD, fiveSim.at("/sms/0/text").asText(), fiveSim.toString());

            // The operator's queue.
            assertEquals(401, http.get("/v1/operator/sms-reviews", "wrong-token-0123456789abcdef").status());
            JsonNode queue = http.get("/v1/operator/sms-reviews", OPERATOR).json();
            assertEquals(1, queue.get("reviews").size(), queue.toString());
            long sms = queue.at("/reviews/0/smsId").asLong();
            assertEquals(ODD, queue.at("/reviews/0/text").asText());

            // Bad input: a clear error, nothing changes.
            assertEquals(404, http.post("/v1/operator/sms-reviews/999999/code", OPERATOR, "{\"code\":\"123456\"}").status());
            assertEquals(404, http.post("/v1/operator/sms-reviews/x/code", OPERATOR, "{\"code\":\"123456\"}").status());
            assertEquals(422, http.post("/v1/operator/sms-reviews/" + sms + "/code", OPERATOR, "{\"code\":\"123456\"}").status());
            assertEquals(400, http.post("/v1/operator/sms-reviews/" + sms + "/code", OPERATOR, "{\"code\":123456}").status());
            assertEquals(400, http.post("/v1/operator/sms-reviews/" + sms + "/code", OPERATOR, "{\"code\":").status());
            assertEquals(400, http.post("/v1/operator/sms-reviews/" + sms + "/code", OPERATOR, "{\"code\":\"k7xq9p\",\"extra\":1}").status());
            assertEquals("STATUS_WAIT_CODE", compat(http, key, "getStatus", id));

            Http.Response marked = http.post("/v1/operator/sms-reviews/" + sms + "/code", OPERATOR, "{\"code\":\"k7xq9p\"}");
            assertEquals(200, marked.status(), marked.text());
            assertEquals("code_received", marked.json().get("status").asText());
            assertEquals("STATUS_OK:k7xq9p", compat(http, key, "getStatus", id));
            assertEquals(409, http.post("/v1/operator/sms-reviews/" + sms + "/code", OPERATOR, "{\"code\":\"k7xq9p\"}").status(),
                    "marked once");
            assertEquals(0, http.get("/v1/operator/sms-reviews", OPERATOR).json().get("reviews").size());

            // What it learned, and the operator's own templates.
            JsonNode templates = http.get("/v1/operator/code-templates?service=tg", OPERATOR).json().get("templates");
            assertTrue(templates.toString().contains("\"origin\":\"learned\""), templates.toString());
            assertEquals(422, http.post("/v1/operator/code-templates", OPERATOR, "{\"service\":\"tg\",\"template\":\"no code here\"}").status());
            assertEquals(422, http.post("/v1/operator/code-templates", OPERATOR, "{\"service\":\"zz\",\"template\":\"Code {code}\"}").status());
            assertEquals(400, http.post("/v1/operator/code-templates", OPERATOR, "{\"service\":\"tg\"").status());
            Http.Response added = http.post("/v1/operator/code-templates", OPERATOR, "{\"service\":\"tg\",\"template\":\"Hello {code} there{*}\"}");
            assertEquals(201, added.status(), added.text());
            assertEquals(409, http.post("/v1/operator/code-templates", OPERATOR, "{\"service\":\"tg\",\"template\":\"Hello {code} there{*}\"}").status());
            long templateId = added.json().get("id").asLong();
            assertEquals(204, http.send(http.request("/v1/operator/code-templates/" + templateId, OPERATOR).DELETE()).status());
            assertEquals(404, http.send(http.request("/v1/operator/code-templates/" + templateId, OPERATOR).DELETE()).status());
        }
    }

    private static String compat(Http http, String key, String action, int id) {
        return http.get("/stubs/handler_api.php?api_key=" + URLEncoder.encode(key, StandardCharsets.UTF_8) + "&action=" + action + "&id=" + id, null).text();
    }
}
