package dev.numpool.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Offer;
import dev.numpool.inventory.Service;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Activation;
import dev.numpool.orders.ActivationChange;
import dev.numpool.orders.ActivationStatus;
import dev.numpool.orders.IdempotencyKey;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.OrderRequest;
import dev.numpool.orders.Orders;
import dev.numpool.orders.PlaceResult;
import dev.numpool.orders.StoredResponse;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sms-activate compatible API at {@code /stubs/handler_api.php}, so that a bot written for
 * sms-activate (or any of its clones) works by changing only its base URL and key. A thin
 * adapter: every action maps onto the same {@link Orders}, {@link Inventory} and {@link Ledger}
 * doors as the native API.
 *
 * <p>The protocol answers everything, errors included, with HTTP 200 and a token or a JSON body:
 * its official Java SDK reads any other status's body as gzip and fails. So does this adapter,
 * server errors too ({@code SERVER_ERROR}, never internals). Its choices where clones differ:
 * cancelling an activation whose code arrived answers {@code BAD_STATUS}; repeating a finish or a
 * cancel answers the same success again (bots retry on timeouts); an empty
 * {@code getActiveActivations} answers {@code NO_ACTIVATIONS}.
 */
final class SmsActivateApi {
    static final String PATH = "/stubs/handler_api.php";
    private static final Logger LOG = Logger.getLogger(SmsActivateApi.class.getName());
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    /** ISO 4217 numeric code of the account currency (USD). */
    private static final int CURRENCY = 840;

    private final Accounts accounts;
    private final Ledger ledger;
    private final Orders orders;
    private final Inventory inventory;

    SmsActivateApi(Accounts accounts, Ledger ledger, Orders orders, Inventory inventory) {
        this.accounts = accounts;
        this.ledger = ledger;
        this.orders = orders;
        this.inventory = inventory;
    }

    void routing(HttpRouting.Builder routing) {
        routing.get(PATH, this::handle).post(PATH, this::handle);
    }

    /** A protocol answer: a token (text/plain) or a JSON document. */
    private record Answer(String body, boolean json) {
        static Answer token(String token) {
            return new Answer(token, false);
        }

        static Answer json(com.fasterxml.jackson.databind.JsonNode node) {
            return new Answer(node.toString(), true);
        }
    }

    private void handle(ServerRequest req, ServerResponse res) {
        Answer answer;
        try {
            answer = answer(req);
        } catch (io.helidon.http.RequestException e) {
            throw e; // an unreadable request: Helidon answers it (400) and closes the connection
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "sms-activate action failed", e);
            answer = Answer.token("SERVER_ERROR");
        }
        res.status(200).header(HeaderNames.CONTENT_TYPE, answer.json() ? "application/json" : "text/plain; charset=utf-8").send(answer.body());
    }

    private Answer answer(ServerRequest req) {
        Optional<Map<String, String>> parsed = params(req);
        if (parsed.isEmpty()) {
            return Answer.token("BAD_ACTION");
        }
        Map<String, String> p = parsed.get();
        String key = p.getOrDefault("api_key", req.headers().first(HeaderNames.create("X-ApiKey")).orElse(""));
        if (key.isEmpty()) {
            return Answer.token("NO_KEY");
        }
        Optional<AccountId> owner = accounts.authenticate(key);
        if (owner.isEmpty()) {
            return Answer.token("BAD_KEY");
        }
        return switch (p.getOrDefault("action", "")) {
            case "getBalance" -> Answer.token("ACCESS_BALANCE:" + Money.format(ledger.balance(owner.get()).availableMicros()));
            case "getNumber" -> getNumber(owner.get(), p, false);
            case "getNumberV2" -> getNumber(owner.get(), p, true);
            case "setStatus" -> setStatus(owner.get(), p);
            case "getStatus" -> withActivation(owner.get(), p, a -> Answer.token(status(a)));
            case "getStatusV2" -> withActivation(owner.get(), p, a -> Answer.json(statusV2(a)));
            // The full text of the latest SMS, code or not: a customer whose SMS we could not read
            // a code in can still read it (an operator may mark its code later).
            case "getFullSms" -> withActivation(owner.get(), p, a -> Answer.token(a.lastCode().or(a::lastMessage)
                    .map(m -> "FULL_SMS:" + m.text()).orElseGet(() -> status(a))));
            case "getActiveActivations" -> activeActivations(owner.get(), p);
            case "getNumbersStatus" -> numbersStatus(p);
            case "getPrices" -> prices(p);
            case "getTopCountriesByService" -> topCountries(p);
            case "getCountries" -> countries();
            case "getServicesList" -> servicesList();
            case "getOperators" -> operators(p);
            default -> Answer.token("BAD_ACTION");
        };
    }

    // Buying ---------------------------------------------------------------------------------------

    private Answer getNumber(AccountId owner, Map<String, String> p, boolean v2) {
        Optional<Service> service = Optional.ofNullable(p.get("service")).flatMap(inventory::service);
        if (service.isEmpty()) {
            return Answer.token("BAD_SERVICE");
        }
        Optional<Country> country = countryParam(p.getOrDefault("country", "0"));
        if (country.isEmpty()) {
            return Answer.token("BAD_COUNTRY");
        }
        String operator = Optional.ofNullable(p.get("operator")).filter(o -> !o.isEmpty()).orElse("any");
        if (!OrderRequest.validOperator(operator)) {
            return Answer.token("BAD_OPERATOR");
        }
        List<String> excluded = Optional.ofNullable(p.get("phoneException")).filter(e -> !e.isBlank())
                .map(e -> Arrays.stream(e.split(",")).map(String::strip).toList()).orElse(List.of());
        if (!OrderRequest.validPrefixes(excluded)) {
            return Answer.token("WRONG_EXCEPTION_PHONE");
        }
        OptionalLong maxPrice = OptionalLong.empty();
        if (p.get("maxPrice") != null && !p.get("maxPrice").isBlank()) {
            maxPrice = Money.parseMicros(p.get("maxPrice").strip());
            if (maxPrice.isEmpty() || !OrderRequest.validMaxPrice(maxPrice.getAsLong())) {
                return Answer.token("WRONG_MAX_PRICE:" + inventory.offers(service, country).stream().findFirst()
                        .map(o -> Money.format(o.priceMicros())).orElse("0"));
            }
        }
        OrderRequest order = new OrderRequest(service.get(), country.get(), operator, maxPrice, excluded);
        // The protocol has no idempotency key: every call is a new order.
        IdempotencyKey key = IdempotencyKey.of("sms-activate-" + UUID.randomUUID()).orElseThrow();
        byte[] fingerprint = Orders.fingerprint("GET", PATH, new TreeMap<>(p).toString().getBytes(StandardCharsets.UTF_8));
        PlaceResult result = orders.place(owner, order, key, fingerprint, a -> new StoredResponse(200, new byte[0]));
        return switch (result) {
            case PlaceResult.Placed placed -> v2 ? Answer.json(numberV2(placed.activation()))
                    : Answer.token("ACCESS_NUMBER:" + placed.activation().id() + ":" + placed.activation().phone().digits());
            case PlaceResult.NoNumbers none -> Answer.token("NO_NUMBERS");
            case PlaceResult.PriceAboveMax above -> Answer.token("WRONG_MAX_PRICE:" + Money.format(above.minimumPriceMicros()));
            case PlaceResult.InsufficientBalance poor -> Answer.token("NO_BALANCE");
            case PlaceResult.TooManyLive many -> Answer.token("CHANNELS_LIMIT");
            // A fresh key is never replayed, reused or busy.
            case PlaceResult.Replayed r -> Answer.token("SERVER_ERROR");
            case PlaceResult.KeyReused r -> Answer.token("SERVER_ERROR");
            case PlaceResult.InProgress r -> Answer.token("SERVER_ERROR");
        };
    }

    private ObjectNode numberV2(Activation a) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("activationId", a.id()).put("phoneNumber", a.phone().digits())
                .put("activationCost", new BigDecimal(Money.format(a.priceMicros()))).put("currency", CURRENCY)
                .put("countryCode", Integer.toString(a.country()))
                .put("countryPhoneCode", inventory.country(a.country()).map(Country::callingCode).orElse(0))
                .put("canGetAnotherSms", true)
                .put("activationTime", TIME.format(a.createdAt())).put("activationEndTime", TIME.format(a.expiresAt()))
                .put("activationOperator", a.operator());
        return n;
    }

    // The state machine -----------------------------------------------------------------------------

    private Answer setStatus(AccountId owner, Map<String, String> p) {
        Optional<Integer> id = activationId(p.get("id"));
        if (id.isEmpty()) {
            return Answer.token("WRONG_ACTIVATION_ID");
        }
        String status = p.getOrDefault("status", "");
        return switch (status) {
            case "1" -> orders.activation(owner, id.get())
                    .map(a -> Answer.token(a.status().live() ? "ACCESS_READY" : "BAD_STATUS")).orElse(Answer.token("NO_ACTIVATION"));
            case "3" -> change(orders.requestAnotherCode(owner, id.get()), "ACCESS_RETRY_GET", null);
            case "6" -> change(orders.finish(owner, id.get()), "ACCESS_ACTIVATION", ActivationStatus.FINISHED);
            case "8", "-1" -> change(orders.cancel(owner, id.get()), "ACCESS_CANCEL", null);
            default -> Answer.token("BAD_STATUS");
        };
    }

    /** {@code repeatOk}: an activation already in this state answers {@code ok} again (a retried request). */
    private static Answer change(ActivationChange change, String ok, ActivationStatus repeatOk) {
        return Answer.token(switch (change) {
            case ActivationChange.Changed c -> ok;
            case ActivationChange.NotFound nf -> "NO_ACTIVATION";
            case ActivationChange.EarlyCancelDenied early -> "EARLY_CANCEL_DENIED";
            case ActivationChange.CodeAlreadyReceived code -> "BAD_STATUS";
            case ActivationChange.NoCodeYet none -> "BAD_STATUS";
            case ActivationChange.AlreadyEnded ended when ended.status() == repeatOk -> ok;
            case ActivationChange.AlreadyEnded ended when ok.equals("ACCESS_CANCEL")
                    && (ended.status() == ActivationStatus.CANCELLED || ended.status() == ActivationStatus.EXPIRED) -> ok;
            case ActivationChange.AlreadyEnded ended -> "BAD_STATUS";
        });
    }

    private Answer withActivation(AccountId owner, Map<String, String> p, java.util.function.Function<Activation, Answer> answer) {
        Optional<Integer> id = activationId(p.get("id"));
        if (id.isEmpty()) {
            return Answer.token("WRONG_ACTIVATION_ID");
        }
        // Another account's id answers exactly as an unknown one.
        return orders.activation(owner, id.get()).map(answer).orElse(Answer.token("NO_ACTIVATION"));
    }

    /** getStatus's token: waiting, waiting for another code (with the last one), cancelled, or the last code. */
    private static String status(Activation a) {
        Optional<String> last = a.lastCode().flatMap(Activation.Message::code);
        return switch (a.status()) {
            case WAITING_CODE -> "STATUS_WAIT_CODE";
            case CANCELLED, EXPIRED -> "STATUS_CANCEL";
            case CODE_RECEIVED -> a.awaitingAnotherCode() ? "STATUS_WAIT_RETRY:" + last.orElse("") : "STATUS_OK:" + last.orElse("");
            case FINISHED -> last.map(c -> "STATUS_OK:" + c).orElse("STATUS_CANCEL");
        };
    }

    private static ObjectNode statusV2(Activation a) {
        ObjectNode n = Json.MAPPER.createObjectNode().put("verificationType", 0);
        // The latest SMS with a code, else the latest SMS at all (its code empty), so the text is never hidden.
        Optional<Activation.Message> last = a.lastCode().or(a::lastMessage);
        if (last.isPresent()) {
            n.putObject("sms").put("dateTime", TIME.format(last.get().receivedAt())).put("code", last.get().code().orElse(""))
                    .put("text", last.get().text());
        } else {
            n.putNull("sms");
        }
        n.putNull("call");
        return n;
    }

    private Answer activeActivations(AccountId owner, Map<String, String> p) {
        int start = intParam(p.get("start"), 0, 100_000).orElse(0);
        int limit = intParam(p.get("limit"), 1, 100).orElse(100);
        List<Activation> live = new ArrayList<>();
        for (ActivationStatus s : List.of(ActivationStatus.WAITING_CODE, ActivationStatus.CODE_RECEIVED)) {
            live.addAll(orders.activations(owner, Optional.of(s), 100, Optional.empty()).items());
        }
        live.sort(Comparator.comparingInt(Activation::id).reversed());
        List<Activation> page = live.subList(Math.min(start, live.size()), Math.min(start + limit, live.size()));
        if (page.isEmpty()) {
            return Answer.token("NO_ACTIVATIONS");
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "success");
        ArrayNode list = body.putArray("activeActivations");
        for (Activation a : page) {
            ObjectNode n = list.addObject().put("activationId", a.id()).put("serviceCode", a.service())
                    .put("phoneNumber", a.phone().digits()).put("activationCost", new BigDecimal(Money.format(a.priceMicros())))
                    .put("activationStatus", a.status() == ActivationStatus.WAITING_CODE ? "1" : "2");
            Optional<Activation.Message> code = a.lastCode();
            n.put("smsCode", code.flatMap(Activation.Message::code).orElse(null));
            n.put("smsText", code.or(a::lastMessage).map(Activation.Message::text).orElse(null));
            n.put("activationTime", TIME.format(a.createdAt())).put("countryCode", Integer.toString(a.country()))
                    .put("canGetAnotherSms", "1").put("currency", CURRENCY);
        }
        return Answer.json(body);
    }

    // The catalogue ------------------------------------------------------------------------------------

    /** {@code {"tg_0": 139}}: live stock per service (the suffix is "forward", which Numpool does not sell). */
    private Answer numbersStatus(Map<String, String> p) {
        Optional<Country> country = Optional.empty();
        if (p.get("country") != null && !p.get("country").isEmpty()) {
            country = countryParam(p.get("country"));
            if (country.isEmpty()) {
                return Answer.token("BAD_COUNTRY");
            }
        }
        Map<String, Long> stock = new TreeMap<>();
        inventory.services().forEach(s -> stock.put(s.code() + "_0", 0L));
        for (Offer o : inventory.offers(Optional.empty(), country)) {
            stock.merge(o.service().code() + "_0", (long) o.stock(), Long::sum);
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        stock.forEach((k, v) -> body.put(k, Long.toString(v)));
        return Answer.json(body);
    }

    private Answer prices(Map<String, String> p) {
        Optional<Service> service = Optional.empty();
        if (p.get("service") != null && !p.get("service").isEmpty()) {
            service = inventory.service(p.get("service"));
            if (service.isEmpty()) {
                return Answer.token("BAD_SERVICE");
            }
        }
        Optional<Country> country = Optional.empty();
        if (p.get("country") != null && !p.get("country").isEmpty()) {
            country = countryParam(p.get("country"));
            if (country.isEmpty()) {
                return Answer.token("BAD_COUNTRY");
            }
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (Offer o : inventory.offers(service, country)) {
            ObjectNode byCountry = body.has(Integer.toString(o.country().id())) ? (ObjectNode) body.get(Integer.toString(o.country().id()))
                    : body.putObject(Integer.toString(o.country().id()));
            byCountry.putObject(o.service().code()).put("cost", new BigDecimal(Money.format(o.priceMicros()))).put("count", o.stock());
        }
        return Answer.json(body);
    }

    private Answer topCountries(Map<String, String> p) {
        Optional<Service> service = Optional.ofNullable(p.get("service")).filter(s -> !s.isEmpty()).flatMap(inventory::service);
        if (service.isEmpty()) {
            return Answer.token("BAD_SERVICE");
        }
        List<Offer> offers = new ArrayList<>(inventory.offers(service, Optional.empty()));
        offers.sort(Comparator.comparingLong(Offer::priceMicros).thenComparing(o -> -o.stock()));
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (int i = 0; i < offers.size(); i++) {
            Offer o = offers.get(i);
            BigDecimal price = new BigDecimal(Money.format(o.priceMicros()));
            body.putObject(Integer.toString(i)).put("country", o.country().id()).put("price", price).put("retail_price", price)
                    .put("count", o.stock());
        }
        return Answer.json(body);
    }

    private Answer countries() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (Country c : inventory.countries()) {
            // The catalogue holds English names only; they stand in for the Russian and Chinese ones.
            body.putObject(Integer.toString(c.id())).put("id", c.id()).put("eng", c.name()).put("rus", c.name()).put("chn", c.name())
                    .put("visible", 1).put("retry", 1);
        }
        return Answer.json(body);
    }

    private Answer servicesList() {
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "success");
        ArrayNode list = body.putArray("services");
        inventory.services().forEach(s -> list.addObject().put("code", s.code()).put("name", s.name()));
        return Answer.json(body);
    }

    /** Numpool routes by offer, not by operator, so every country has the one operator {@code any}. */
    private Answer operators(Map<String, String> p) {
        List<Country> countries = inventory.countries();
        if (p.get("country") != null && !p.get("country").isEmpty()) {
            Optional<Country> country = countryParam(p.get("country"));
            if (country.isEmpty()) {
                return Answer.token("BAD_COUNTRY");
            }
            countries = List.of(country.get());
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "success");
        ObjectNode map = body.putObject("countryOperators");
        countries.forEach(c -> map.putArray(Integer.toString(c.id())).add("any"));
        return Answer.json(body);
    }

    // Parameters -----------------------------------------------------------------------------------------

    /** Query parameters, then form-body parameters of a POST (the body wins); empty when unreadable. */
    private static Optional<Map<String, String>> params(ServerRequest req) {
        Map<String, String> p = new LinkedHashMap<>();
        for (String name : req.query().names()) {
            p.put(name, req.query().first(name).orElse(""));
        }
        if (req.content().hasEntity()) {
            byte[] body;
            try {
                body = Requests.body(req, Requests.MAX_BODY_BYTES);
            } catch (Problem tooLarge) {
                return Optional.empty();
            }
            Optional<Map<String, String>> form = Requests.form(new String(body, StandardCharsets.UTF_8));
            if (form.isEmpty()) {
                return Optional.empty();
            }
            p.putAll(form.get());
        }
        return Optional.of(p);
    }

    private Optional<Country> countryParam(String raw) {
        return intParam(raw, 0, 100_000).flatMap(inventory::country);
    }

    private static Optional<Integer> activationId(String raw) {
        return Requests.parseActivationId(raw);
    }

    private static Optional<Integer> intParam(String raw, int min, int max) {
        if (raw == null || !raw.strip().matches("[0-9]{1,9}")) {
            return Optional.empty();
        }
        int value = Integer.parseInt(raw.strip());
        return value < min || value > max ? Optional.empty() : Optional.of(value);
    }
}
