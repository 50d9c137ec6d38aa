package dev.numpool.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.sandbox.HttpFront.Answer;
import dev.numpool.sandbox.HttpFront.Request;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A SIM-bank agent of the hub protocol: it answers the hub's JSON POSTs ({@code GET_SERVICES},
 * {@code GET_NUMBER}, {@code FINISH_ACTIVATION}) that carry its key, and pushes each SMS its
 * numbers receive to the hub ({@code PUSH_SMS} with the same key), retried every
 * {@code pushRetry} until the hub answers {@code SUCCESS}, as agents do, at most
 * {@code pushAttempts} times.
 *
 * <p>Pushes wait on one small scheduler; at most {@code maxPending} are waiting at once, and one
 * more is dropped (and logged), so a hub that never answers cannot make this agent grow.
 */
final class AgentUpstream implements HttpFront.Protocol, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AgentUpstream.class.getName());
    private static final JsonMapper JSON = new JsonMapper();

    private final String name;
    private final Market market;
    private final String key;
    private final Clock clock;
    private final Duration pushRetry;
    private final int pushAttempts;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    // Two threads: a push that waits for a slow hub (up to its timeout) does not hold up the others for long.
    private final ScheduledExecutorService pushes = Executors.newScheduledThreadPool(2, Thread.ofPlatform().daemon().name("sandbox-agent-push-", 0).factory());
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    private volatile URI hub;

    AgentUpstream(String name, Market market, String key, Clock clock, Duration pushRetry, int pushAttempts, int maxPending) {
        this.name = name;
        this.market = market;
        this.key = key;
        this.clock = clock;
        this.pushRetry = pushRetry;
        this.pushAttempts = pushAttempts;
        this.maxPending = maxPending;
    }

    /** Where SMS are pushed: the hub's endpoint for this agent, e.g. {@code http://127.0.0.1:8080/agent/<name>}. */
    void hub(URI endpoint) {
        this.hub = endpoint;
    }

    @Override
    public Answer answer(Request request) {
        JsonNode ask;
        try {
            ask = JSON.readTree(request.body());
        } catch (IOException e) {
            ask = null;
        }
        if (!request.method().equals("POST") || ask == null || !ask.isObject()) {
            return error("BAD_REQUEST").withStatus(400);
        }
        if (!key.equals(ask.path("key").asText(null))) {
            return error("BAD_KEY");
        }
        return switch (ask.path("action").asText("")) {
            case "GET_SERVICES" -> services();
            case "GET_NUMBER" -> sell(ask);
            case "FINISH_ACTIVATION" -> finish(ask);
            default -> error("UNKNOWN_ACTION");
        };
    }

    /** {@code countryList[].operatorMap.any.<service> = count}: the protocol prices nothing here. */
    private Answer services() {
        Map<Integer, ObjectNode> byCountry = new LinkedHashMap<>();
        ObjectNode answer = JSON.createObjectNode().put("status", "SUCCESS");
        ArrayNode list = answer.putArray("countryList");
        for (Market.Offer o : market.offers()) {
            ObjectNode counts = byCountry.computeIfAbsent(o.country(), c -> {
                ObjectNode entry = list.addObject().put("country", Names.country(c).orElseThrow().fiveSim());
                return entry.putObject("operatorMap").putObject("any");
            });
            counts.put(o.service(), o.stock());
        }
        return Answer.json(answer.toString());
    }

    /** {@code GET_NUMBER {country, operator, service, sum, currency, exceptionPhoneSet}}: sold only for at least its price. */
    private Answer sell(JsonNode ask) {
        Optional<Names.Country> country = Names.countryNamed(ask.path("country").asText(null));
        String service = ask.path("service").asText("");
        if (country.isEmpty() || !market.sells(service, country.get().id())) {
            return Answer.json("{\"status\":\"NO_NUMBERS\"}");
        }
        long sumMicros;
        try {
            sumMicros = new BigDecimal(ask.path("sum").asText("0")).movePointRight(6).setScale(0, RoundingMode.DOWN).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            return error("BAD_SUM");
        }
        List<String> excluded = new ArrayList<>();
        ask.path("exceptionPhoneSet").forEach(p -> {
            if (excluded.size() < 50 && p.asText("").matches("[0-9]{1,15}")) {
                excluded.add(p.asText());
            }
        });
        return switch (market.sell(service, country.get().id(), sumMicros, excluded)) {
            case Market.Sale.Sold(Market.View a, List<Market.Sms> planned) -> {
                for (int i = 0; i < planned.size(); i++) {
                    schedule(a.id(), planned.get(i), a.id() * 16 + i, Duration.between(clock.instant(), planned.get(i).at()), 1);
                }
                yield Answer.json(JSON.createObjectNode().put("status", "SUCCESS").put("number", Long.parseLong(a.phone()))
                        .put("activationId", a.id()).toString());
            }
            // An offered sum below the agent's price buys nothing, as no number at all.
            case Market.Sale.NoNumbers none -> Answer.json("{\"status\":\"NO_NUMBERS\"}");
            case Market.Sale.TooCheap cheap -> Answer.json("{\"status\":\"NO_NUMBERS\"}");
            case Market.Sale.Failed failed -> error("INTERNAL_ERROR");
        };
    }

    /** Pushes an SMS the number just received (see {@link Market#receive}) to the hub now, retried as any push. */
    void pushNow(Market.Received received) {
        schedule(received.activationId(), received.sms(), received.activationId() * 16 + received.index(), Duration.ZERO, 1);
    }

    /** {@code FINISH_ACTIVATION {activationId, status}}: 3 sold, 4 cancelled (no SMS), 5 refunded. */
    private Answer finish(JsonNode ask) {
        long id = ask.path("activationId").asLong(-1);
        Market.State to = switch (ask.path("status").asInt(-1)) {
            case 3 -> Market.State.FINISHED;
            case 4, 5 -> Market.State.CANCELLED;
            default -> null;
        };
        if (to == null) {
            return error("BAD_STATUS");
        }
        return switch (market.end(id, to)) {
            case Market.Ending.Ended ended -> Answer.json("{\"status\":\"SUCCESS\"}");
            case Market.Ending.NotFound none -> error("NO_ACTIVATION");
            case Market.Ending.Refused(String reason, Market.View a) -> error(reason.toUpperCase(java.util.Locale.ROOT).replace(' ', '_'));
        };
    }

    private static Answer error(String error) {
        return Answer.json(JSON.createObjectNode().put("status", "ERROR").put("error", error).toString());
    }

    private void schedule(long activationId, Market.Sms sms, long smsId, Duration in, int attempt) {
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            LOG.warning(() -> name + ": too many SMS waiting to be pushed; one for activation " + activationId + " is dropped");
            return;
        }
        try {
            pushes.schedule(() -> {
                pending.decrementAndGet();
                push(activationId, sms, smsId, attempt);
            }, Math.max(0, in.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            pending.decrementAndGet();
        }
    }

    private void push(long activationId, Market.Sms sms, long smsId, int attempt) {
        if (!market.deliverable(activationId)) {
            return; // the number was given back before the SMS came
        }
        URI to = hub;
        if (to != null && delivered(to, sms, smsId, activationId)) {
            return;
        }
        if (attempt < pushAttempts) {
            schedule(activationId, sms, smsId, pushRetry, attempt + 1);
        } else {
            LOG.warning(() -> name + ": SMS " + smsId + " not taken by the hub after " + attempt + " pushes; given up");
        }
    }

    /** One PUSH_SMS; true when the hub answered {@code SUCCESS}. */
    private boolean delivered(URI to, Market.Sms sms, long smsId, long activationId) {
        String phone = market.find(activationId).map(Market.View::phone).orElse(null);
        if (phone == null) {
            return true; // forgotten: nothing left to push
        }
        String body = JSON.createObjectNode().put("action", "PUSH_SMS").put("key", key).put("smsId", smsId)
                .put("phone", Long.parseLong(phone)).put("phoneFrom", sms.sender()).put("text", sms.text()).toString();
        try {
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(to).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return answer.statusCode() == 200 && "SUCCESS".equals(JSON.readTree(answer.body()).path("status").asText());
        } catch (IOException e) {
            LOG.log(Level.FINE, name + ": PUSH_SMS " + smsId + " failed; retrying", e);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        pushes.shutdownNow();
        client.close();
    }
}
