package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Server-sent events: a client connected to one node sees a code that arrived through another
 * node (Redis pub/sub between them), both on the activation's stream and the account's.
 */
class LiveEventsTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    /** An SSE client: each event as "name data" lines, read off the stream on a thread of its own. */
    private record Stream(BlockingQueue<String> events, InputStream body) implements AutoCloseable {
        static Stream open(String url, String key) throws Exception {
            HttpResponse<InputStream> r = CLIENT.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key)
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    String name = "message";
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith("event:")) {
                            name = line.substring(6).strip();
                        } else if (line.startsWith("data:")) {
                            events.add(name + " " + line.substring(5).strip());
                            name = "message";
                        }
                    }
                } catch (Exception closed) {
                    // the test closed the stream
                }
            });
            return new Stream(events, r.body());
        }

        JsonNode next(String name) throws Exception {
            while (true) {
                String event = events.poll(20, TimeUnit.SECONDS);
                assertNotNull(event, "no '" + name + "' event within 20 s");
                if (event.startsWith(name + " ")) {
                    return Http.JSON.readTree(event.substring(name.length() + 1));
                }
            }
        }

        @Override
        public void close() throws Exception {
            body.close();
        }
    }

    @Test
    void aCodeReceivedOnOneNodeReachesStreamsOnAnother() throws Exception {
        String databaseUrl = TestServers.freshDatabaseUrl();
        TestClock clock = new TestClock();
        try (Numpool a = TestNodes.start(TestNodes.baseConfig(databaseUrl), clock);
             Numpool b = TestNodes.start(TestNodes.baseConfig(databaseUrl), clock)) {
            Http atA = new Http(a.url());
            Http atB = new Http(b.url());
            String key = atA.newSandboxAccount();
            try (Stream account = Stream.open(a.url() + "/v1/events", key)) {
                int id = atB.order(key, "live-1", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
                assertEquals(id, account.next("created").get("activationId").asInt(), "bought on B, seen on A");

                try (Stream one = Stream.open(a.url() + "/v1/activations/" + id + "/events", key)) {
                    JsonNode first = one.next("activation");
                    assertEquals("waiting_code", first.get("status").asText(), "the stream starts with the current state");

                    atB.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: 70707\"}");
                    JsonNode code = one.next("code");
                    assertEquals("70707", code.get("code").asText());
                    assertEquals("Telegram code: 70707", code.get("text").asText());
                    assertEquals("code_received", code.get("status").asText());
                    assertEquals("70707", account.next("code").get("code").asText());

                    atB.post("/v1/activations/" + id + "/finish", key, null);
                    assertEquals("finished", one.next("status").get("status").asText());
                }
                // Another account's activation never shows on this stream.
                String other = atB.newSandboxAccount();
                int theirs = atB.order(other, "live-2", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
                atB.post("/v1/sandbox/sms", other, "{\"activationId\":" + theirs + ",\"text\":\"Telegram code: 11111\"}");
                int mine = atA.order(key, "live-3", "{\"service\":\"tg\",\"country\":0}").json().get("id").asInt();
                JsonNode next = account.next("created");
                assertEquals(mine, next.get("activationId").asInt(), "the other account's events were not on this stream");
            }
            assertEquals(404, atA.get("/v1/activations/999999/events", key).status());
            assertEquals(401, atA.get("/v1/events", null).status());
        }
    }
}
