package dev.numpool.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Country;
import dev.numpool.inventory.CountryNames;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Mode;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Offer;
import dev.numpool.inventory.Service;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Activation;
import dev.numpool.orders.ActivationChange;
import dev.numpool.orders.ActivationStatus;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.Orders;
import dev.numpool.orders.PlaceResult;
import dev.numpool.orders.RetryGuard;
import dev.numpool.orders.StoredResponse;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
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
    /** Where a client may send its key instead of {@code api_key}. */
    static final HeaderName KEY_HEADER = HeaderNames.create("X-ApiKey");
    private static final Logger LOG = Logger.getLogger(SmsActivateApi.class.getName());
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    /** ISO 4217 numeric code of the account currency (USD). */
    private static final int CURRENCY = 840;
    /** The order in which this protocol has always checked getNumber's parameters: the first wrong one is answered. */
    private static final List<OrderParser.Param> ORDER_CHECKS = List.of(OrderParser.Param.SERVICE, OrderParser.Param.COUNTRY,
            OrderParser.Param.OPERATOR, OrderParser.Param.EXCLUDED_PREFIXES, OrderParser.Param.MAX_PRICE);

    /** The actions that buy, which need the key itself and the request's headers (see {@link CompatRetries}). */
    private static final Set<String> BUYING = Set.of("getNumber", "getNumberV2");
    /** getHistory's dates may span at most this (sms-activate's limit). */
    private static final Duration HISTORY_SPAN = Duration.ofDays(30);
    /** getHistory's page: 50 unless asked, at most 100. */
    private static final int HISTORY_PAGE = 50;

    private final Authentication authentication;
    private final Orders orders;
    private final Inventory inventory;
    private final CompatRetries retries;
    /** Every action by its name but the buying ones; any other name answers {@code BAD_ACTION}. */
    private final Map<String, Action> actions;
    /** The rent actions (issue 18), in their own class: {@link SmsActivateRent}. */
    private final SmsActivateRent rent;

    SmsActivateApi(Authentication authentication, Ledger ledger, Orders orders, Inventory inventory, CompatRetries retries) {
        this.authentication = authentication;
        this.orders = orders;
        this.inventory = inventory;
        this.retries = retries;
        this.rent = new SmsActivateRent(orders, inventory, retries);
        this.actions = Map.ofEntries(
                Map.entry("getBalance", (owner, p) -> Answer.token("ACCESS_BALANCE:" + Money.format(ledger.balance(owner).availableMicros()))),
                // The balance with sms-activate's cashback added; Numpool pays no cashback, so the same.
                Map.entry("getBalanceAndCashBack", (owner, p) -> Answer.token("ACCESS_BALANCE:" + Money.format(ledger.balance(owner).availableMicros()))),
                Map.entry("setStatus", this::setStatus),
                Map.entry("getStatus", (owner, p) -> withActivation(owner, p, a -> Answer.token(status(a)))),
                Map.entry("getStatusV2", (owner, p) -> withActivation(owner, p, a -> Answer.json(statusV2(a)))),
                // The full text of the latest SMS, code or not: a customer whose SMS we could not read
                // a code in can still read it (an operator may mark its code later).
                Map.entry("getFullSms", (owner, p) -> withActivation(owner, p, a -> Answer.token(a.lastCode().or(a::lastMessage)
                        .map(m -> "FULL_SMS:" + m.text()).orElseGet(() -> status(a))))),
                Map.entry("getActiveActivations", this::activeActivations),
                // The official Java SDK's getCurrentActivations asks this, not getActiveActivations.
                Map.entry("getListOfActiveActivations", this::listOfActiveActivations),
                Map.entry("getHistory", this::history),
                Map.entry("getAllSms", (owner, p) -> withActivation(owner, p, a -> allSms(a, p))),
                // A test key's catalogue is the one its orders are sold from: the simulator's.
                Map.entry("getNumbersStatus", (owner, p) -> numbersStatus(p, mode(owner))),
                Map.entry("getPrices", (owner, p) -> prices(p, mode(owner))),
                Map.entry("getTopCountriesByService", (owner, p) -> topCountries(p, mode(owner))),
                // "Rank" prices by the account's loyalty rank at sms-activate; Numpool has no ranks,
                // so every account's price is the one getTopCountriesByService shows.
                Map.entry("getTopCountriesByServiceRank", (owner, p) -> topCountries(p, mode(owner))),
                Map.entry("getCountries", (owner, p) -> countries()),
                Map.entry("getServicesList", (owner, p) -> servicesList()),
                Map.entry("getOperators", (owner, p) -> operators(p, mode(owner))),
                Map.entry("checkExtraActivation", this::reuseCost));
    }

    /** A protocol answer: a token (text/plain) or a JSON document; {@code replayed} for an order's first answer given again. */
    private record Answer(String body, boolean json, boolean replayed) {
        static Answer token(String token) {
            return new Answer(token, false, false);
        }

        static Answer json(JsonNode node) {
            return new Answer(node.toString(), true, false);
        }
    }

    /** One action of the protocol, for the account whose key the request carried. */
    @FunctionalInterface
    private interface Action {
        Answer answer(AccountId owner, Map<String, String> p);
    }

    void handle(ServerRequest req, ServerResponse res) {
        Answer answer;
        try {
            answer = answer(req);
        } catch (RequestException e) {
            throw e; // an unreadable request: Helidon answers it (400) and closes the connection
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "sms-activate action failed", e);
            answer = Answer.token("SERVER_ERROR");
        }
        if (answer.replayed()) {
            res.header(CompatRetries.REPLAYED, "true");
        }
        res.status(200).header(HeaderNames.CONTENT_TYPE, answer.json() ? "application/json" : "text/plain; charset=utf-8").send(answer.body());
    }

    /** The parameters, then the key (which may be one of them), then the action. */
    private Answer answer(ServerRequest req) {
        Optional<Map<String, String>> parsed = params(req);
        if (parsed.isEmpty()) {
            return Answer.token("BAD_ACTION");
        }
        Map<String, String> p = parsed.get();
        String key = p.getOrDefault("api_key", req.headers().first(KEY_HEADER).orElse(""));
        if (key.isEmpty()) {
            return Answer.token("NO_KEY");
        }
        Optional<Accounts.Caller> caller = authentication.caller(key);
        if (caller.isEmpty()) {
            return Answer.token("BAD_KEY");
        }
        String action = p.getOrDefault("action", "");
        if (BUYING.contains(action)) {
            return getNumber(caller.get(), p, req, action.equals("getNumberV2"));
        }
        if (action.equals("getExtraActivation")) {
            return reuse(caller.get(), p, req);
        }
        Optional<SmsActivateRent.Reply> rented = rent.answer(action, caller.get(), p, req);
        if (rented.isPresent()) {
            return new Answer(rented.get().body(), true, rented.get().replayed());
        }
        return actions.getOrDefault(action, (o, q) -> Answer.token("BAD_ACTION")).answer(caller.get().account(), p);
    }

    // Buying ---------------------------------------------------------------------------------------

    /**
     * getNumber and getNumberV2. A retry never buys twice (see {@link CompatRetries}): with an
     * {@code Idempotency-Key} the first answer is given again, byte for byte; without one, a repeat
     * within the duplicate window answers the first activation, rendered for this action.
     */
    private Answer getNumber(Accounts.Caller caller, Map<String, String> p, ServerRequest req, boolean v2) {
        AccountId owner = caller.account();
        OrderParser.Draft draft = draft(p);
        return switch (OrderParser.parse(draft, ORDER_CHECKS)) {
            case OrderParser.Parsed.Invalid invalid -> Answer.token(wrongParam(invalid.param(), draft, mode(owner)));
            case OrderParser.Parsed.Valid valid -> {
                // The key may come as a parameter or a header: it is no part of what was asked.
                Map<String, String> asked = new TreeMap<>(p);
                asked.remove("api_key");
                byte[] fingerprint = Orders.fingerprint("GET", PATH, asked.toString().getBytes(StandardCharsets.UTF_8));
                Optional<RetryGuard> guard = retries.guard(caller, req, fingerprint);
                if (guard.isEmpty()) {
                    yield Answer.token("BAD_IDEMPOTENCY_KEY");
                }
                yield placed(orders.placeRetrySafe(owner, valid.order(), guard.get(),
                        a -> new StoredResponse(200, number(a, v2).body().getBytes(StandardCharsets.UTF_8))), v2);
            }
        };
    }

    // The same number again (reactivation) ---------------------------------------------------------

    /**
     * checkExtraActivation: whether the number of a finished activation can be bought again, and
     * for how much, in sms-activate's JSON; {@code RENEW_ACTIVATION_NOT_AVAILABLE} when not.
     */
    private Answer reuseCost(AccountId owner, Map<String, String> p) {
        Optional<Integer> id = activationId(p.get("activationId"));
        if (id.isEmpty()) {
            return Answer.token("WRONG_ACTIVATION_ID");
        }
        return switch (orders.reuseOffer(owner, id.get())) {
            case Orders.ReuseOffer.NotFound none -> Answer.token("WRONG_ACTIVATION_ID");
            case Orders.ReuseOffer.NotReusable no -> Answer.token("RENEW_ACTIVATION_NOT_AVAILABLE");
            case Orders.ReuseOffer.Available offer -> Answer.json(Json.MAPPER.createObjectNode().put("status", "success")
                    .put("cost", new BigDecimal(Money.format(offer.priceMicros()))).put("service", offer.parent().service())
                    .put("phone", Long.parseLong(offer.parent().phone().digits())).put("country", offer.parent().country()));
        };
    }

    /**
     * getExtraActivation: the number of a finished activation bought again for its service, a new
     * activation ({@code ACCESS_NUMBER:<id>:<phone>}) that runs like any other. Retries are guarded
     * as getNumber's are.
     */
    private Answer reuse(Accounts.Caller caller, Map<String, String> p, ServerRequest req) {
        Optional<Integer> id = activationId(p.get("activationId"));
        if (id.isEmpty()) {
            return Answer.token("WRONG_ACTIVATION_ID");
        }
        Map<String, String> asked = new TreeMap<>(p);
        asked.remove("api_key");
        Optional<RetryGuard> guard = retries.guard(caller, req, Orders.fingerprint("GET", PATH, asked.toString().getBytes(StandardCharsets.UTF_8)));
        if (guard.isEmpty()) {
            return Answer.token("BAD_IDEMPOTENCY_KEY");
        }
        return switch (orders.reuse(caller.account(), id.get(), OptionalLong.empty(), guard.get(),
                a -> new StoredResponse(200, number(a, false).body().getBytes(StandardCharsets.UTF_8)))) {
            case Orders.ReuseResult.NotFound none -> Answer.token("WRONG_ACTIVATION_ID");
            case Orders.ReuseResult.NotReusable no -> Answer.token("RENEW_ACTIVATION_NOT_AVAILABLE");
            case Orders.ReuseResult.Ordered(PlaceResult.NoNumbers none) -> Answer.token("RENEW_ACTIVATION_NOT_AVAILABLE");
            case Orders.ReuseResult.Ordered(PlaceResult.PriceAboveMax above) -> Answer.token("RENEW_ACTIVATION_NOT_AVAILABLE");
            case Orders.ReuseResult.Ordered ordered -> placed(ordered.result(), false);
        };
    }

    /** The answer to a getNumber (v1 token) or getNumberV2 (JSON) that bought {@code a}. */
    private Answer number(Activation a, boolean v2) {
        return v2 ? Answer.json(numberV2(a)) : Answer.token("ACCESS_NUMBER:" + a.id() + ":" + a.phone().digits());
    }

    private OrderParser.Draft draft(Map<String, String> p) {
        Set<OrderParser.Param> unreadable = EnumSet.noneOf(OrderParser.Param.class);
        List<String> excluded = Optional.ofNullable(p.get("phoneException")).filter(e -> !e.isBlank())
                .map(e -> Arrays.stream(e.split(",")).map(String::strip).toList()).orElse(List.of());
        OptionalLong maxPrice = OrderParser.maxPrice(Optional.ofNullable(p.get("maxPrice")).filter(m -> !m.isBlank()), unreadable);
        return new OrderParser.Draft(Optional.ofNullable(p.get("service")).flatMap(inventory::service),
                countryParam(p.getOrDefault("country", "0")), Optional.ofNullable(p.get("operator")).filter(o -> !o.isEmpty()).orElse("any"),
                maxPrice, excluded, unreadable);
    }

    private String wrongParam(OrderParser.Param param, OrderParser.Draft draft, Mode mode) {
        return switch (param) {
            case SERVICE -> "BAD_SERVICE";
            case COUNTRY -> "BAD_COUNTRY";
            case OPERATOR -> "BAD_OPERATOR";
            case EXCLUDED_PREFIXES -> "WRONG_EXCEPTION_PHONE";
            // The protocol tells the client the lowest price it could set instead.
            case MAX_PRICE -> "WRONG_MAX_PRICE:" + inventory.offers(draft.service(), draft.country(), mode).stream().findFirst()
                    .map(o -> Money.format(o.priceMicros())).orElse("0");
        };
    }

    private Answer placed(PlaceResult result, boolean v2) {
        return switch (result) {
            case PlaceResult.Placed placed -> number(placed.activation(), v2);
            case PlaceResult.Duplicate duplicate -> number(duplicate.activation(), v2);
            case PlaceResult.Replayed replayed -> new Answer(new String(replayed.response().body(), StandardCharsets.UTF_8), v2, true);
            case PlaceResult.NoNumbers none -> Answer.token("NO_NUMBERS");
            case PlaceResult.PriceAboveMax above -> Answer.token("WRONG_MAX_PRICE:" + Money.format(above.minimumPriceMicros()));
            case PlaceResult.InsufficientBalance poor -> Answer.token("NO_BALANCE");
            case PlaceResult.TooManyLive many -> Answer.token("CHANNELS_LIMIT");
            // The Idempotency-Key was used for another request; the protocol has no word for it.
            case PlaceResult.KeyReused r -> Answer.token("IDEMPOTENCY_KEY_REUSED");
            // The first request with this key still runs after the wait: the same key again later.
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

    private Answer withActivation(AccountId owner, Map<String, String> p, Function<Activation, Answer> answer) {
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
        List<Activation> live = live(owner);
        List<Activation> page = live.subList(Math.min(start, live.size()), Math.min(start + limit, live.size()));
        if (page.isEmpty()) {
            return Answer.token("NO_ACTIVATIONS");
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "success");
        ArrayNode list = body.putArray("activeActivations");
        page.forEach(a -> list.add(activeJson(a)));
        return Answer.json(body);
    }

    /**
     * getListOfActiveActivations, the action the official Java SDK's {@code getCurrentActivations}
     * sends ({@code start}, {@code length}): the live activations, newest first, as
     * {@code {"status":"success","data":[{"id","forward","phone","createDate","finishDate","service","country","forwardNumber"}],"existNext","quant"}}
     * with the dates in Unix seconds (the end is when the activation expires) and {@code quant}
     * all of them. Unlike getActiveActivations it has no empty token: none is an empty
     * {@code data}, which the SDK reads as such.
     */
    private Answer listOfActiveActivations(AccountId owner, Map<String, String> p) {
        int start = intParam(p.get("start"), 0, 100_000).orElse(0);
        int length = intParam(p.get("length"), 1, 100).orElse(10);
        List<Activation> live = live(owner);
        List<Activation> page = live.subList(Math.min(start, live.size()), Math.min(start + length, live.size()));
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "success");
        ArrayNode data = body.putArray("data");
        for (Activation a : page) {
            data.addObject().put("id", a.id()).put("forward", 0).put("phone", a.phone().digits())
                    .put("createDate", a.createdAt().getEpochSecond()).put("finishDate", a.expiresAt().getEpochSecond())
                    .put("service", a.service()).put("country", a.country()).put("forwardNumber", "");
        }
        body.put("existNext", start + page.size() < live.size()).put("quant", live.size());
        return Answer.json(body);
    }

    /**
     * getHistory: the account's ended activations (finished, cancelled, expired), newest first,
     * {@code [{"id","date","phone","sms","cost","status","currency"}]}. {@code start} and
     * {@code end} are Unix seconds (the creation time, end exclusive) at most 30 days apart;
     * {@code offset}, and {@code limit} (or {@code size}, HeroSMS's name) of at most 100. The status is
     * {@code "3"} finished (charged: {@code cost} is the price) or {@code "4"} cancelled or expired
     * (refunded: {@code cost} 0); {@code sms} the latest SMS's text, or null.
     */
    private Answer history(AccountId owner, Map<String, String> p) {
        Optional<Optional<Instant>> start = unixTime(p.get("start"));
        Optional<Optional<Instant>> end = unixTime(p.get("end"));
        if (start.isEmpty() || end.isEmpty()) {
            return Answer.token("WRONG_DATE");
        }
        if (start.get().isPresent() && end.get().isPresent()
                && (end.get().get().isBefore(start.get().get()) || Duration.between(start.get().get(), end.get().get()).compareTo(HISTORY_SPAN) > 0)) {
            return Answer.token("WRONG_DATE");
        }
        long offset = count(p.get("offset")).orElse(0);
        long limit = Math.min(Orders.HistoryQuery.MAX_LIMIT, count(given(p, "limit") ? p.get("limit") : p.get("size")).orElse(HISTORY_PAGE));
        ArrayNode body = Json.MAPPER.createArrayNode();
        if (offset > Orders.HistoryQuery.MAX_OFFSET || limit < 1) {
            return Answer.json(body); // no history is that long; a page of nothing is nothing
        }
        Orders.HistoryPage page = orders.history(owner, new Orders.HistoryQuery(
                EnumSet.of(ActivationStatus.FINISHED, ActivationStatus.CANCELLED, ActivationStatus.EXPIRED), start.get(), end.get(),
                (int) offset, (int) limit, true));
        for (Activation a : page.items()) {
            boolean charged = a.status() == ActivationStatus.FINISHED;
            ObjectNode n = body.addObject().put("id", a.id()).put("date", TIME.format(a.createdAt())).put("phone", a.phone().digits());
            n.put("sms", a.lastCode().or(a::lastMessage).map(Activation.Message::text).orElse(null));
            n.put("cost", new BigDecimal(Money.format(charged ? a.priceMicros() : 0))).put("status", charged ? "3" : "4").put("currency", CURRENCY);
        }
        return Answer.json(body);
    }

    /** A Unix time parameter: empty when not given, no answer at all when it is no time. */
    private static Optional<Optional<Instant>> unixTime(String raw) {
        if (raw == null || raw.isBlank()) {
            return Optional.of(Optional.empty());
        }
        if (!raw.strip().matches("[0-9]{1,11}") || Long.parseLong(raw.strip()) > MAX_UNIX_SECONDS) {
            return Optional.empty();
        }
        return Optional.of(Optional.of(Instant.ofEpochSecond(Long.parseLong(raw.strip()))));
    }

    /** 9999-12-31T23:59:59Z: later than any activation, earlier than anything a timestamp column refuses. */
    private static final long MAX_UNIX_SECONDS = 253_402_300_799L;

    /**
     * getAllSms: every SMS of the activation its owner may read (not one withheld after a refund),
     * newest first, {@code {"data":[{"id","phoneFrom","text","code","date"}],"meta":{"total","service"}}},
     * {@code size} a page (at most 100, all of them unless asked) and {@code page} from 1.
     */
    private Answer allSms(Activation a, Map<String, String> p) {
        List<Activation.Message> readable = new ArrayList<>(a.messages().stream().filter(m -> !m.withheld()).toList()).reversed();
        long size = Math.max(1, Math.min(100, count(p.get("size")).orElse(100)));
        long page = Math.max(1, count(p.get("page")).orElse(1));
        long from = page > 1_000_000 ? Long.MAX_VALUE : (page - 1) * size;
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        readable.stream().skip(from).limit(size).forEach(m -> data.addObject().put("id", m.id()).put("phoneFrom", m.sender())
                .put("text", m.text()).put("code", m.code().orElse(null)).put("date", TIME.format(m.receivedAt())));
        body.putObject("meta").put("total", readable.size()).put("service", a.service());
        return Answer.json(body);
    }

    /** The account's live activations, newest first. */
    private List<Activation> live(AccountId owner) {
        List<Activation> live = new ArrayList<>();
        for (ActivationStatus s : List.of(ActivationStatus.WAITING_CODE, ActivationStatus.CODE_RECEIVED)) {
            live.addAll(orders.activations(owner, Optional.of(s), 100, Optional.empty()).items());
        }
        live.sort(Comparator.comparingInt(Activation::id).reversed());
        return live;
    }

    private static ObjectNode activeJson(Activation a) {
        ObjectNode n = Json.MAPPER.createObjectNode().put("activationId", a.id()).put("serviceCode", a.service())
                .put("phoneNumber", a.phone().digits()).put("activationCost", new BigDecimal(Money.format(a.priceMicros())))
                .put("activationStatus", a.status() == ActivationStatus.WAITING_CODE ? "1" : "2");
        Optional<Activation.Message> code = a.lastCode();
        n.put("smsCode", code.flatMap(Activation.Message::code).orElse(null));
        n.put("smsText", code.or(a::lastMessage).map(Activation.Message::text).orElse(null));
        n.put("activationTime", TIME.format(a.createdAt())).put("countryCode", Integer.toString(a.country()))
                .put("canGetAnotherSms", "1").put("currency", CURRENCY);
        return n;
    }

    // The catalogue ------------------------------------------------------------------------------------

    /** {@code {"tg_0": 139}}: live stock per service (the suffix is "forward", which Numpool does not sell). */
    private Mode mode(AccountId owner) {
        return Mode.of(authentication.isTest(owner));
    }

    private Answer numbersStatus(Map<String, String> p, Mode mode) {
        Optional<Country> country = optionalCountry(p);
        if (given(p, "country") && country.isEmpty()) {
            return Answer.token("BAD_COUNTRY");
        }
        Map<String, Long> stock = new TreeMap<>();
        inventory.services().forEach(s -> stock.put(s.code() + "_0", 0L));
        for (Offer o : inventory.offers(Optional.empty(), country, mode)) {
            stock.merge(o.service().code() + "_0", (long) o.stock(), Long::sum);
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        stock.forEach((k, v) -> body.put(k, Long.toString(v)));
        return Answer.json(body);
    }

    private Answer prices(Map<String, String> p, Mode mode) {
        Optional<Service> service = Optional.ofNullable(p.get("service")).filter(s -> !s.isEmpty()).flatMap(inventory::service);
        if (given(p, "service") && service.isEmpty()) {
            return Answer.token("BAD_SERVICE");
        }
        Optional<Country> country = optionalCountry(p);
        if (given(p, "country") && country.isEmpty()) {
            return Answer.token("BAD_COUNTRY");
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (Offer o : inventory.offers(service, country, mode)) {
            ObjectNode byCountry = body.has(Integer.toString(o.country().id())) ? (ObjectNode) body.get(Integer.toString(o.country().id()))
                    : body.putObject(Integer.toString(o.country().id()));
            byCountry.putObject(o.service().code()).put("cost", new BigDecimal(Money.format(o.priceMicros()))).put("count", o.stock());
        }
        return Answer.json(body);
    }

    private Answer topCountries(Map<String, String> p, Mode mode) {
        Optional<Service> service = Optional.ofNullable(p.get("service")).filter(s -> !s.isEmpty()).flatMap(inventory::service);
        if (service.isEmpty()) {
            return Answer.token("BAD_SERVICE");
        }
        List<Offer> offers = new ArrayList<>(inventory.offers(service, Optional.empty(), mode));
        offers.sort(Comparator.comparingLong(Offer::priceMicros).thenComparing(o -> -o.stock()));
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (int i = 0; i < offers.size(); i++) {
            Offer o = offers.get(i);
            BigDecimal price = new BigDecimal(Money.format(o.priceMicros()));
            ObjectNode row = body.putObject(Integer.toString(i)).put("country", o.country().id()).put("price", price).put("retail_price", price)
                    .put("count", o.stock());
            if ("true".equals(p.get("freePrice"))) {
                // Numpool sells an offer at one price: all of its stock is at that price.
                row.putObject("freePriceMap").put(price.toPlainString(), o.stock());
            }
        }
        return Answer.json(body);
    }

    /** Every country with its English, Russian and Chinese names (CLDR's, see {@link CountryNames}). */
    private Answer countries() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (Country c : inventory.countries()) {
            CountryNames names = inventory.countryNames(c.id()).orElse(new CountryNames(c.name(), c.name()));
            body.putObject(Integer.toString(c.id())).put("id", c.id()).put("eng", c.name()).put("rus", names.russian())
                    .put("chn", names.chinese()).put("visible", 1).put("retry", 1);
        }
        return Answer.json(body);
    }

    private Answer servicesList() {
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "success");
        ArrayNode list = body.putArray("services");
        inventory.services().forEach(s -> list.addObject().put("code", s.code()).put("name", s.name()));
        return Answer.json(body);
    }

    /**
     * Each country's operators: {@code any} (the router's choice), then the operators that upstreams
     * selling by operator have numbers of there now; a getNumber naming one is routed to them.
     */
    private Answer operators(Map<String, String> p, Mode mode) {
        Optional<Country> country = optionalCountry(p);
        if (given(p, "country") && country.isEmpty()) {
            return Answer.token("BAD_COUNTRY");
        }
        List<Country> countries = country.map(List::of).orElseGet(inventory::countries);
        Map<Integer, Set<String>> named = new java.util.HashMap<>();
        for (Inventory.OperatorOffer o : inventory.operatorOffers(Optional.empty(), country, mode)) {
            named.computeIfAbsent(o.country().id(), id -> new java.util.TreeSet<>()).add(o.operator());
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "success");
        ObjectNode map = body.putObject("countryOperators");
        for (Country c : countries) {
            ArrayNode list = map.putArray(Integer.toString(c.id())).add("any");
            named.getOrDefault(c.id(), Set.of()).forEach(list::add);
        }
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

    private static boolean given(Map<String, String> p, String name) {
        return p.get(name) != null && !p.get(name).isEmpty();
    }

    /** The {@code country} parameter's country; empty when not given, or given and unknown (see {@link #given}). */
    private Optional<Country> optionalCountry(Map<String, String> p) {
        return given(p, "country") ? countryParam(p.get("country")) : Optional.empty();
    }

    private Optional<Country> countryParam(String raw) {
        return intParam(raw, 0, 100_000).flatMap(inventory::country);
    }

    private static Optional<Integer> activationId(String raw) {
        return Requests.parseActivationId(raw);
    }

    /** A count or position parameter (up to 18 digits, so any number a bot sends is read); empty when not one. */
    private static java.util.OptionalLong count(String raw) {
        return raw != null && raw.strip().matches("[0-9]{1,18}") ? java.util.OptionalLong.of(Long.parseLong(raw.strip()))
                : java.util.OptionalLong.empty();
    }

    private static Optional<Integer> intParam(String raw, int min, int max) {
        if (raw == null || !raw.strip().matches("[0-9]{1,9}")) {
            return Optional.empty();
        }
        int value = Integer.parseInt(raw.strip());
        return value < min || value > max ? Optional.empty() : Optional.of(value);
    }
}
