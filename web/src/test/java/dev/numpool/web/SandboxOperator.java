package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** An operator of a sandbox node in tests: waits for its simulated upstreams' quotes and pauses providers. */
final class SandboxOperator {
    /** The simulated upstreams of {@code application.yaml}, in their order there. */
    static final List<String> UPSTREAMS = List.of("sandbox-sms-activate", "sandbox-5sim", "sandbox-agent");

    private final Http http;
    private final String token;

    SandboxOperator(Http http, String token) {
        this.http = http;
        this.token = token;
    }

    /** Waits until every upstream's prices and stock were refreshed into the node. */
    void allQuoted() {
        Await.until("quotes of the three upstreams", () -> {
            JsonNode providers = http.get("/v1/operator/providers", token).json().get("providers");
            int quoted = 0;
            for (JsonNode p : providers) {
                if (UPSTREAMS.contains(p.get("name").asText()) && p.get("cachedStock").asLong() > 0 && p.get("circuit").asText().equals("closed")) {
                    quoted++;
                }
            }
            return quoted == UPSTREAMS.size() ? true : null;
        });
    }

    /** Pauses (or resumes) the simulator and every upstream but {@code upstream}, so orders go to that one. */
    void pauseAllBut(String upstream, boolean paused) {
        setPaused("simulator", paused);
        UPSTREAMS.stream().filter(u -> !u.equals(upstream)).forEach(u -> setPaused(u, paused));
    }

    /**
     * Buys WhatsApp in Brazil with the simulator and every other upstream paused, so from
     * {@code upstream} alone, and checks it came from there; the pauses are lifted after.
     */
    Http.Response buyFrom(String key, String upstream) {
        pauseAllBut(upstream, true);
        try {
            Http.Response bought = http.order(key, java.util.UUID.randomUUID().toString(), "{\"service\":\"wa\",\"country\":16}");
            assertEquals(201, bought.status(), bought.text());
            JsonNode attempts = bought.json().at("/routing/attempts");
            assertEquals(upstream, attempts.get(attempts.size() - 1).get("provider").asText(), attempts.toString());
            return bought;
        } finally {
            pauseAllBut(upstream, false);
        }
    }

    /**
     * Buys the number of a finished activation again, at once: the upstream that sold it sells it
     * again in its own protocol, except an agent, whose protocol cannot.
     */
    void assertSoldAgain(String key, String upstream, Http.Response bought) {
        Http.Response again = http.postIdempotent("/v1/activations/" + bought.json().get("id").asInt() + "/reuse", key, null, "{}");
        if (upstream.equals("sandbox-agent")) {
            assertEquals(409, again.status(), again.text());
            assertEquals("/problems/not-reusable", again.json().get("type").asText());
        } else {
            assertEquals(201, again.status(), upstream + ": " + again.text());
            assertEquals(bought.json().get("phone").asText(), again.json().get("phone").asText());
            assertEquals(upstream, again.json().at("/routing/attempts/0/provider").asText());
        }
    }

    void setPaused(String provider, boolean paused) {
        Http.Response r = http.send(http.request("/v1/operator/providers/" + provider + "/pause", token)
                .header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"paused\":" + paused + ",\"reason\":\"test\"}")));
        assertEquals(200, r.status(), r.text());
    }
}
