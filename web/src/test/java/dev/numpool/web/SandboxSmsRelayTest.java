package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An SMS injected with {@code POST /v1/sandbox/sms} for a number a simulated upstream sold goes
 * through that upstream and comes back by its protocol (polled at once, or pushed by the agent),
 * so the upstream knows the number got it: it lets the activation finish and sells the number
 * again. Before, the SMS reached Numpool alone: the upstream refused to finish ("no sms") and the
 * number could not be bought again. Here the upstreams send no code of their own.
 */
class SandboxSmsRelayTest {
    private static final String OPERATOR = "operator-token-relay-0123456789";
    private static Numpool node;
    private static Http http;
    private static SandboxOperator operator;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("sandbox.upstreams-enabled", "true");
        config.put("numpool.operator-token", OPERATOR);
        config.put("workers.enabled", "true");
        config.put("workers.quotes-refresh-seconds", "1");
        // Rentals come from the sms-activate upstream alone: the simulator rents nothing, the pool is off.
        config.put("inventory.simulator.rent-stock", "0");
        config.put("inventory.pool.enabled", "false");
        for (int i = 0; i < SandboxOperator.UPSTREAMS.size(); i++) {
            config.put("sandbox.upstreams." + i + ".delivery-rate", "0");
            config.put("sandbox.upstreams." + i + ".failure-rate", "0");
        }
        node = TestNodes.start(config, Clock.systemUTC(), Map.of());
        http = new Http(node.url());
        operator = new SandboxOperator(http, OPERATOR);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void anInjectedSmsGoesThroughTheUpstreamThatSoldTheNumberWhichThenSellsItAgain() {
        operator.allQuoted();
        String key = http.newSandboxAccount();
        for (String upstream : SandboxOperator.UPSTREAMS) {
            Http.Response bought = operator.buyFrom(key, upstream);
            int id = bought.json().get("id").asInt();
            Http.Response injected = http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Your WhatsApp code: 731904\"}");
            assertEquals(200, injected.status(), upstream + ": back through its protocol within the answer: " + injected.text());
            List<String> codes = new ArrayList<>();
            injected.json().get("codes").forEach(c -> codes.add(c.get("code").asText()));
            assertEquals(List.of("731904"), codes, upstream + ": " + injected.text());
            assertEquals(200, http.post("/v1/activations/" + id + "/finish", key, null).status());
            // Before, the upstream had seen no SMS: it refused to finish, and so to sell the number again.
            operator.assertSoldAgain(key, upstream, bought);
        }
    }

    @Test
    void aRentalFromTheSmsActivateUpstreamGetsItsSmsThroughItsRentApi() {
        operator.allQuoted();
        String key = http.newSandboxAccount();
        JsonNode offers = Await.until("the upstream's rent offers", () -> {
            JsonNode o = http.get("/v1/rental-offers?service=wa&country=16", key).json();
            return o.at("/offers/0").isMissingNode() ? null : o;
        });
        assertEquals(20, offers.at("/offers/0/stock").asInt(), offers.toString());
        Http.Response rented = http.postIdempotent("/v1/rentals", key, null, "{\"service\":\"wa\",\"country\":16,\"periods\":2}");
        assertEquals(201, rented.status(), rented.text());
        int id = rented.json().get("id").asInt();

        Http.Response injected = http.post("/v1/sandbox/rentals/" + id + "/sms", key, "{\"text\":\"Your WhatsApp code: 402913\",\"sender\":\"WhatsApp\"}");
        assertEquals(200, injected.status(), "back through getRentStatus within the answer: " + injected.text());
        assertEquals(1, injected.json().get("messages").size(), injected.text());
        assertEquals("402913", injected.json().at("/messages/0/code").asText(), injected.text());
        assertEquals("WhatsApp", injected.json().at("/messages/0/sender").asText(), injected.text());

        assertEquals(200, http.postIdempotent("/v1/rentals/" + id + "/extend", key, null, "{\"periods\":5}").status(), "extended upstream too");
        assertEquals(200, http.post("/v1/rentals/" + id + "/finish", key, null).status());
        assertEquals(404, http.post("/v1/sandbox/rentals/" + id + "/sms", http.newSandboxAccount(), "{\"text\":\"Code 555123\"}").status(),
                "another account's rental");
    }

    @Test
    void aTextTheSmsActivateProtocolCannotCarryIsStillDeliveredAndOtherAccountsCannotInject() {
        operator.allQuoted();
        String key = http.newSandboxAccount();
        Http.Response bought = operator.buyFrom(key, "sandbox-sms-activate");
        int id = bought.json().get("id").asInt();
        // getStatus carries a code, not a text: a text without one goes straight to Numpool.
        Http.Response injected = http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Welcome to WhatsApp\"}");
        assertEquals(200, injected.status(), injected.text());
        assertEquals("Welcome to WhatsApp", injected.json().at("/messages/0/text").asText(), injected.text());

        String stranger = http.newSandboxAccount();
        assertEquals(404, http.post("/v1/sandbox/sms", stranger, "{\"activationId\":" + id + ",\"text\":\"Your WhatsApp code: 555123\"}").status());
        assertEquals(1, http.get("/v1/activations/" + id, key).json().get("messages").size(), "nothing reached the number");
    }
}
