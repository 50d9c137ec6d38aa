package dev.numpool.inventory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.UpstreamHttp.Reply;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import static dev.numpool.inventory.UpstreamHttp.JSON;
import static dev.numpool.inventory.UpstreamHttp.clip;
import static dev.numpool.inventory.UpstreamHttp.count;
import static dev.numpool.inventory.UpstreamHttp.scalar;
import static dev.numpool.inventory.UpstreamHttp.unreadable;

/**
 * The hub side of the agent protocol that SIM-bank owners plug into (smshub and its kin): every
 * call is a JSON POST {@code {action, key, …}} to the agent. Numpool asks {@code GET_SERVICES}
 * for stock, {@code GET_NUMBER} to buy (offering {@code sum} in {@code currency}), and
 * {@code FINISH_ACTIVATION} to say how a sale ended (3 sold, 4 cancelled); the agent pushes
 * each SMS to Numpool ({@code PUSH_SMS}, naming the phone, retried every 10 s until it hears
 * {@code SUCCESS}), with the same key.
 *
 * <p>The protocol prices nothing in {@code GET_SERVICES}: the hub names the price per number in
 * {@code GET_NUMBER}, so the cost of an agent's numbers is the operator's configured {@code price}.
 * An SMS names the phone, not the sale, so each sale is recorded by phone the moment the agent
 * answers (before the order commits) and a push goes to the phone's newest sale.
 */
final class AgentProvider implements Provider {
    static final int MAX_BODY_BYTES = 4 << 20;
    private static final Logger LOG = Logger.getLogger(AgentProvider.class.getName());
    private static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,32}");
    private static final Pattern SERVICE = Pattern.compile("[a-z0-9]{2}");
    private static final Pattern ACTIVATION_ID = Pattern.compile("[0-9]{1,19}");
    private static final Pattern SMS_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final String ANY = "any";

    private final String name;
    private final URI url;
    private final String key;
    private final long priceMicros;
    private final int currency;
    private final InventoryStore store;
    private final Clock clock;
    private final UpstreamHttp http;
    private final Map<String, Integer> countriesByName = new HashMap<>();
    private final Map<Integer, String> namesByCountry = new HashMap<>();
    private final java.util.Set<String> services;
    private volatile SmsListener listener = sms -> {
    };

    AgentProvider(String name, URI url, String key, Duration timeout, long priceMicros, int currency, InventoryStore store, Clock clock,
                  List<Service> services, List<Country> countries) {
        this.name = Objects.requireNonNull(name, "name");
        this.url = Objects.requireNonNull(url, "url");
        this.key = Objects.requireNonNull(key, "key");
        if (key.isBlank()) {
            throw new IllegalArgumentException(name + ": the agent key must not be blank");
        }
        if (priceMicros <= 0) {
            throw new IllegalArgumentException(name + ": an agent needs a positive price");
        }
        // The offered sum is Numpool's cost of the number, so it must be in the account currency.
        if (currency != 840) {
            throw new IllegalArgumentException(name + ": currency-code must be 840 (USD, the account currency)");
        }
        this.priceMicros = priceMicros;
        this.currency = currency;
        this.store = store;
        this.clock = clock;
        this.http = new UpstreamHttp(timeout, key);
        for (Country c : countries) {
            if (c.fivesimName() != null && NAME.matcher(c.fivesimName()).matches()) {
                countriesByName.put(c.fivesimName(), c.id());
                namesByCountry.put(c.id(), c.fivesimName());
            }
        }
        this.services = services.stream().map(Service::code).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "agent";
    }

    @Override
    public boolean pushes() {
        return true;
    }

    /** {@code countryList[].operatorMap.<operator>.<service> = count}; operator "any" sums them. */
    @Override
    public Fetched fetchQuotes() {
        return switch (call(request("GET_SERVICES"))) {
            case Said.Success(JsonNode json) -> {
                JsonNode list = json.get("countryList");
                if (list == null || !list.isArray()) {
                    yield new Fetched.Failed("garbage: no countryList");
                }
                Map<String, Integer> any = new HashMap<>();
                List<OfferQuote> quotes = new ArrayList<>();
                for (JsonNode entry : list) {
                    Integer country = countriesByName.get(entry.path("country").asText(""));
                    JsonNode operators = entry.get("operatorMap");
                    if (country == null || operators == null || !operators.isObject()) {
                        continue; // a country the catalogue cannot name is not sold here
                    }
                    for (Map.Entry<String, JsonNode> operator : operators.properties()) {
                        if (!NAME.matcher(operator.getKey()).matches() || !operator.getValue().isObject()) {
                            continue;
                        }
                        for (Map.Entry<String, JsonNode> service : operator.getValue().properties()) {
                            OptionalInt n = count(service.getValue());
                            if (!services.contains(service.getKey()) || !SERVICE.matcher(service.getKey()).matches() || n.isEmpty()) {
                                continue;
                            }
                            if (!operator.getKey().equals(ANY)) {
                                quotes.add(new OfferQuote(service.getKey(), country, operator.getKey(), priceMicros, n.getAsInt()));
                            }
                            any.merge(service.getKey() + ":" + country, n.getAsInt(), (a, b) -> (int) Math.min(Integer.MAX_VALUE, (long) a + b));
                        }
                    }
                }
                any.forEach((offer, n) -> {
                    int colon = offer.indexOf(':');
                    quotes.add(new OfferQuote(offer.substring(0, colon), Integer.parseInt(offer.substring(colon + 1)), ANY, priceMicros, n));
                });
                yield new Fetched.Quotes(List.copyOf(quotes));
            }
            case Said.NoNumbers none -> new Fetched.Quotes(List.of());
            case Said.Error(String error) -> new Fetched.Failed("agent error: " + error);
            case Said.Trouble(String reason) -> new Fetched.Failed(reason);
        };
    }

    @Override
    public Purchase buy(Order order) {
        String country = namesByCountry.get(order.country().id());
        if (country == null || priceMicros > order.maxCostMicros()) {
            return new Purchase.Empty();
        }
        ObjectNode ask = request("GET_NUMBER")
                .put("country", country)
                .put("operator", order.operator() == null || order.operator().isBlank() ? ANY : order.operator())
                .put("service", order.service())
                .put("sum", new java.math.BigDecimal(Money.format(priceMicros)))
                .put("currency", currency);
        order.excludedPrefixes().forEach(ask.putArray("exceptionPhoneSet")::add);
        return switch (call(ask)) {
            case Said.Success(JsonNode json) -> {
                String ref = scalar(json.get("activationId"));
                if (ref == null || !ACTIVATION_ID.matcher(ref).matches()) {
                    yield new Purchase.Failed("garbage: " + clip(json.toString()));
                }
                Purchase purchase = order.sold(ref, scalar(json.get("number")), priceMicros);
                if (purchase instanceof Purchase.Got got) {
                    try {
                        store.insertLease(name, ref, got.phone(), order.service(), clock.instant());
                    } catch (RuntimeException e) {
                        // Without the record its SMS could not be routed: give it back.
                        LOG.log(Level.WARNING, name + ": sale " + ref + " not recorded; giving it back", e);
                        finish(ref, 4);
                        yield new Purchase.Failed("sale not recorded");
                    }
                } else if (!(finish(ref, 4) instanceof Confirmation.Confirmed)) {
                    LOG.warning(() -> name + ": activation " + ref + " refused (" + purchase + ") but could not be cancelled");
                }
                yield purchase;
            }
            case Said.NoNumbers none -> new Purchase.Empty();
            case Said.Error(String error) -> new Purchase.Failed("agent error: " + error);
            // No answer may still mean a sale; the protocol cannot list sales, so the agent's own
            // timeout (it frees a number nobody finished) is what gives such a number back.
            case Said.Trouble(String reason) when reason.equals("connection refused") -> new Purchase.Failed(reason);
            case Said.Trouble(String reason) -> new Purchase.Unknown(reason);
        };
    }

    @Override
    public Confirmation release(String providerRef, Release how) {
        Confirmation said = finish(providerRef, switch (how) {
            case CODE_USED -> 3;
            case NOT_USED -> 4;
        });
        if (!(said instanceof Confirmation.Unavailable)) {
            store.endLease(name, providerRef, clock.instant());
        }
        return said;
    }

    /** The protocol has no "another SMS": the SIM bank pushes every message the number gets. */
    @Override
    public Confirmation requestAnotherCode(String providerRef) {
        return new Confirmation.Confirmed();
    }

    @Override
    public List<InboundSms> poll(List<String> providerRefs) {
        return List.of();
    }

    @Override
    public void listen(SmsListener listener) {
        this.listener = listener;
    }

    @Override
    public void close() {
        http.close();
    }

    /**
     * An agent's {@code PUSH_SMS}: {@code {action, key, smsId, phone, phoneFrom, text}}. A push
     * seen before is delivered again and recognised by intake (by {@code smsId}), so the agent
     * gets its {@code SUCCESS} and stops. A delivery failure throws: the agent retries in 10 s.
     */
    InboundResult receivePush(JsonNode push) {
        if (!Signatures.sameKey(key, push.path("key").isTextual() ? push.path("key").textValue() : null)) {
            return new InboundResult.Unauthorized("BAD_KEY");
        }
        if (!"PUSH_SMS".equals(push.path("action").asText())) {
            return new InboundResult.Malformed("action must be PUSH_SMS");
        }
        String smsId = scalar(push.get("smsId"));
        String phone = scalar(push.get("phone"));
        JsonNode text = push.get("text");
        if (smsId == null || !SMS_ID.matcher(smsId).matches() || phone == null || text == null || !text.isTextual()) {
            return new InboundResult.Malformed("needs smsId, phone and text");
        }
        Optional<PhoneNumber> number = PhoneNumber.of(phone.startsWith("+") ? phone : "+" + phone);
        if (number.isEmpty()) {
            return new InboundResult.Malformed("phone is not a valid number");
        }
        Optional<String> ref = store.newestLeaseRef(name, number.get());
        if (ref.isEmpty()) {
            // Acknowledged: the agent would push it every 10 s forever, and nobody bought the number.
            LOG.info(() -> name + ": SMS pushed for " + number.get() + ", a number never bought from it");
            return new InboundResult.Ignored("number never bought from this agent");
        }
        String sender = push.path("phoneFrom").isValueNode() ? push.path("phoneFrom").asText() : "";
        listener.onSms(new InboundSms(name, ref.get(), sender, text.textValue(), "agent:" + smsId, clock.instant()));
        return new InboundResult.Delivered();
    }

    private Confirmation finish(String activationId, int status) {
        ObjectNode ask = request("FINISH_ACTIVATION").put("status", status);
        if (ACTIVATION_ID.matcher(activationId).matches()) {
            ask.put("activationId", Long.parseLong(activationId));
        } else {
            return new Confirmation.Refused("not an agent activation id");
        }
        return switch (call(ask)) {
            case Said.Success ok -> new Confirmation.Confirmed();
            // A refused key is trouble an operator can fix; the report must reach the agent then.
            case Said.Error(String error) when error.toUpperCase(java.util.Locale.ROOT).contains("KEY") -> new Confirmation.Unavailable(error);
            case Said.Error(String error) -> new Confirmation.Refused(error);
            case Said.NoNumbers none -> new Confirmation.Refused("NO_NUMBERS");
            case Said.Trouble(String reason) -> new Confirmation.Unavailable(reason);
        };
    }

    private ObjectNode request(String action) {
        return JSON.createObjectNode().put("action", action).put("key", key);
    }

    private Said call(ObjectNode request) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return switch (http.postJson(url, body, MAX_BODY_BYTES)) {
            case Reply.Answered(int status, byte[] answer) -> interpret(status, new String(answer, java.nio.charset.StandardCharsets.UTF_8));
            case Reply.Failed(String reason) -> new Said.Trouble(reason);
        };
    }

    /** {@code {"status":"SUCCESS",…}}, {@code {"status":"NO_NUMBERS"}}, an error status, or trouble. */
    static Said interpret(int status, String body) {
        if (status >= 500 || status < 200 || (status >= 300 && status < 400)) {
            return new Said.Trouble("http " + status);
        }
        JsonNode json;
        try {
            json = JSON.readTree(body.strip());
        } catch (JsonProcessingException e) {
            return new Said.Trouble(unreadable(body.strip()));
        }
        if (json == null || !json.isObject() || !json.path("status").isTextual()) {
            return new Said.Trouble(unreadable(body.strip()));
        }
        String said = json.get("status").textValue();
        if (status >= 400) {
            return new Said.Error(clip(json.path("error").asText(said)));
        }
        return switch (said) {
            case "SUCCESS" -> new Said.Success(json);
            case "NO_NUMBERS" -> new Said.NoNumbers();
            default -> new Said.Error(clip(json.hasNonNull("error") ? said + ": " + json.get("error").asText() : said));
        };
    }

    sealed interface Said {
        record Success(JsonNode json) implements Said {
        }

        record NoNumbers() implements Said {
        }

        record Error(String error) implements Said {
        }

        record Trouble(String reason) implements Said {
        }
    }
}
