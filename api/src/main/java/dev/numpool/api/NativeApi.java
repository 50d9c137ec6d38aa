package dev.numpool.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Mode;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Service;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Activation;
import dev.numpool.orders.ActivationChange;
import dev.numpool.orders.ActivationStatus;
import dev.numpool.orders.IdempotencyKey;
import dev.numpool.orders.LateSmsPurchase;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.LiveEvent;
import dev.numpool.orders.NewApiKey;
import dev.numpool.orders.OrderRequest;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Page;
import dev.numpool.orders.PlaceResult;
import dev.numpool.orders.RetryGuard;
import dev.numpool.orders.SandboxSms;
import dev.numpool.orders.StoredResponse;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The native API v1's handlers for the catalogue, activations, live streams, API keys and the
 * sandbox ({@link ApiRouter} registers them). Each parses its request, calls one facade, and maps
 * the sealed result to a status and a body; the problems it answers are rows of
 * {@link ProblemType}.
 */
final class NativeApi {
    private static final Logger LOG = Logger.getLogger(NativeApi.class.getName());
    private static final Set<String> ORDER_FIELDS = Set.of("service", "country", "operator", "maxPrice", "excludePrefixes");
    private static final Set<String> SANDBOX_SMS_FIELDS = Set.of("activationId", "text", "sender");
    private static final Set<String> KEY_FIELDS = Set.of("label", "mode", "duplicateWindow");
    /** The order in which this API has always checked an order's fields: the first wrong one is answered. */
    private static final List<OrderParser.Param> ORDER_CHECKS = List.of(OrderParser.Param.OPERATOR, OrderParser.Param.MAX_PRICE,
            OrderParser.Param.EXCLUDED_PREFIXES, OrderParser.Param.SERVICE, OrderParser.Param.COUNTRY);
    /** How long one stream stays open; the client reconnects (EventSource does so by itself). */
    private static final Duration STREAM_LIFETIME = Duration.ofMinutes(30);
    /** A comment this often keeps proxies from closing an idle stream and finds clients that left. */
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final Accounts accounts;
    private final Ledger ledger;
    private final Orders orders;
    private final Inventory inventory;
    private final boolean sandbox;

    NativeApi(Accounts accounts, Ledger ledger, Orders orders, Inventory inventory, boolean sandbox) {
        this.accounts = accounts;
        this.ledger = ledger;
        this.orders = orders;
        this.inventory = inventory;
        this.sandbox = sandbox;
    }

    // Catalogue -------------------------------------------------------------------------------------

    /** Everyone's offers; with a test key, the offers its orders are sold from (the simulator's). */
    void catalog(Optional<AccountId> caller, ServerRequest req, ServerResponse res) {
        Mode mode = Mode.of(caller.filter(accounts::isTest).isPresent());
        Optional<Service> service = Requests.query(req, "service").map(this::service);
        Optional<Country> country = Requests.intQuery(req, "country", 0, Integer.MAX_VALUE).map(this::country);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode offers = body.putArray("offers");
        // Each offer with the operators upstreams quote it through by name; ordering with one of
        // them ("operator") routes to those upstreams, "any" (the offer's own price) to every provider.
        Map<String, List<Inventory.OperatorOffer>> byOperator = new java.util.HashMap<>();
        for (Inventory.OperatorOffer o : inventory.operatorOffers(service, country, mode)) {
            byOperator.computeIfAbsent(o.service().code() + ":" + o.country().id(), k -> new ArrayList<>()).add(o);
        }
        for (var o : inventory.offers(service, country, mode)) {
            ObjectNode offer = Json.offer(o);
            ArrayNode operators = offer.putArray("operators");
            for (Inventory.OperatorOffer through : byOperator.getOrDefault(o.service().code() + ":" + o.country().id(), List.of())) {
                operators.addObject().put("operator", through.operator()).put("price", Money.format(through.priceMicros()))
                        .put("priceMicros", through.priceMicros()).put("stock", through.stock());
            }
            offers.add(offer);
        }
        Json.send(res, 200, body);
    }

    void services(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("services");
        inventory.services().forEach(s -> list.add(Json.service(s)));
        Json.send(res, 200, body);
    }

    void countries(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("countries");
        inventory.countries().forEach(c -> list.add(Json.country(c)));
        Json.send(res, 200, body);
    }

    private Service service(String code) {
        return inventory.service(code).orElseThrow(() -> unknownService(code));
    }

    private Country country(int id) {
        return inventory.country(id).orElseThrow(() -> unknownCountry(id));
    }

    private static Problem unknownService(String code) {
        return new Problem(ProblemType.UNKNOWN_SERVICE, "No service '" + code + "'. GET /v1/services lists them.");
    }

    private static Problem unknownCountry(int id) {
        return new Problem(ProblemType.UNKNOWN_COUNTRY, "No country " + id + ". GET /v1/countries lists them.");
    }

    // Buying ----------------------------------------------------------------------------------------

    void placeOrder(AccountId owner, ServerRequest req, ServerResponse res) {
        IdempotencyKey key = IdempotencyKey.of(req.headers().first(HeaderNames.create("Idempotency-Key")).orElse(null))
                .orElseThrow(() -> new Problem(ProblemType.IDEMPOTENCY_KEY_REQUIRED,
                        "Send an 'Idempotency-Key' header of 1 to 255 visible ASCII characters, unique per order."));
        byte[] body = Requests.jsonBody(req);
        OrderRequest order = orderRequest(Json.object(body, ORDER_FIELDS));
        PlaceResult result = orders.place(owner, order, key, Orders.fingerprint("POST", "/v1/activations", body),
                a -> new StoredResponse(201, Json.bytes(Json.activation(a))));
        placed(res, order, result);
    }

    /**
     * {@code GET /v1/activations/{id}/reuse}: whether the number of a finished activation can be
     * bought again for its service, and its price (asked of the provider that sold it).
     */
    void reuseQuote(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = Requests.activationId(req);
        ObjectNode body = Json.MAPPER.createObjectNode();
        switch (orders.reuseOffer(owner, id)) {
            case Orders.ReuseOffer.NotFound none -> throw noActivation(id);
            case Orders.ReuseOffer.NotReusable no -> body.put("available", false).put("reason", no.reason());
            case Orders.ReuseOffer.Available offer -> body.put("available", true).put("price", Money.format(offer.priceMicros()))
                    .put("priceMicros", offer.priceMicros()).put("currency", offer.currency())
                    .put("phone", offer.parent().phone().e164()).put("service", offer.parent().service()).put("country", offer.parent().country());
        }
        Json.send(res, 200, body);
    }

    /**
     * {@code POST /v1/activations/{id}/reuse}: the number of a finished activation bought again for
     * its service, a new activation (201) like any other; an {@code Idempotency-Key} as for
     * {@code POST /v1/activations}, and an optional {@code {"maxPrice": "0.50"}}.
     */
    void reuse(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = Requests.activationId(req);
        IdempotencyKey key = IdempotencyKey.of(req.headers().first(HeaderNames.create("Idempotency-Key")).orElse(null))
                .orElseThrow(() -> new Problem(ProblemType.IDEMPOTENCY_KEY_REQUIRED,
                        "Send an 'Idempotency-Key' header of 1 to 255 visible ASCII characters, unique per order."));
        byte[] body = req.content().hasEntity() ? Requests.jsonBody(req) : "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Set<OrderParser.Param> unreadable = EnumSet.noneOf(OrderParser.Param.class);
        OptionalLong maxPrice = maxPrice(Json.object(body, Set.of("maxPrice")), unreadable);
        if (!unreadable.isEmpty()) {
            throw Problem.badRequest("'maxPrice' must be a positive decimal string such as \"0.50\".");
        }
        RetryGuard guard = new RetryGuard.Key(key, Orders.fingerprint("POST", "/v1/activations/" + id + "/reuse", body));
        switch (orders.reuse(owner, id, maxPrice, guard, a -> new StoredResponse(201, Json.bytes(Json.activation(a))))) {
            case Orders.ReuseResult.NotFound none -> throw noActivation(id);
            case Orders.ReuseResult.NotReusable no -> throw new Problem(ProblemType.NOT_REUSABLE, "This number cannot be bought again: " + no.reason() + ".");
            case Orders.ReuseResult.Ordered(PlaceResult.NoNumbers none) -> throw new Problem(ProblemType.NOT_REUSABLE,
                    "The number's provider did not sell it again.", Map.of("routing", Json.routing(none.trace())));
            // Its no-numbers answer is the one above: the order is only named there.
            case Orders.ReuseResult.Ordered ordered -> placed(res, null, ordered.result());
        }
    }

    /** The order's answer: the stored response (the first one again for a replay), or the problem of a refusal. */
    private static void placed(ServerResponse res, OrderRequest order, PlaceResult result) {
        switch (result) {
            case PlaceResult.Placed placed -> stored(res, placed.response());
            case PlaceResult.Replayed replayed -> {
                res.header("Idempotent-Replayed", "true");
                stored(res, replayed.response());
            }
            case PlaceResult.Duplicate duplicate -> throw new IllegalStateException("native orders have no duplicate window");
            case PlaceResult.KeyReused reused -> throw new Problem(ProblemType.IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key was used for a different request. Use a new key for a new order.");
            case PlaceResult.InProgress busy -> throw new Problem(ProblemType.IDEMPOTENCY_KEY_IN_USE,
                    "A request with this Idempotency-Key is still running. Retry shortly with the same key.");
            case PlaceResult.NoNumbers none -> throw new Problem(ProblemType.NO_NUMBERS,
                    "No provider has a number for " + order.service().code() + " in country " + order.country().id() + " right now.",
                    Map.of("routing", Json.routing(none.trace())));
            case PlaceResult.PriceAboveMax above -> throw new Problem(ProblemType.PRICE_ABOVE_MAX,
                    "The cheapest number costs " + Money.format(above.minimumPriceMicros()) + ", above your maxPrice.",
                    Map.of("minimumPrice", Money.format(above.minimumPriceMicros()), "minimumPriceMicros", above.minimumPriceMicros()));
            case PlaceResult.InsufficientBalance poor -> throw insufficientBalance("This number costs " + Money.format(poor.priceMicros())
                    + " and " + Money.format(poor.availableMicros()) + " is available." + (poor.debtMicros() > 0 ? " The account owes "
                    + Money.format(poor.debtMicros()) + " after a card refund or dispute; the next top-up pays it first." : ""),
                    poor.availableMicros(), poor.priceMicros(), poor.debtMicros());
            case PlaceResult.TooManyLive many -> throw new Problem(ProblemType.TOO_MANY_LIVE_ACTIVATIONS,
                    "An account may have " + many.limit() + " live activations at once; finish or cancel some first.",
                    Map.of("limit", many.limit()));
        }
    }

    private static Problem insufficientBalance(String detail, long availableMicros, long priceMicros, long debtMicros) {
        return new Problem(ProblemType.INSUFFICIENT_BALANCE, detail, Map.of("available", Money.format(availableMicros),
                "price", Money.format(priceMicros), "debt", Money.format(debtMicros)));
    }

    private static void stored(ServerResponse res, StoredResponse response) {
        res.status(Status.create(response.status())).header(HeaderNames.CONTENT_TYPE, "application/json").send(response.body());
    }

    /**
     * The body of {@code POST /v1/activations} as an order. A missing service or country is
     * answered first; the other fields are read here and judged by {@link OrderParser}.
     */
    private OrderRequest orderRequest(ObjectNode body) {
        JsonNode service = body.get("service");
        if (service == null || !service.isTextual()) {
            throw Problem.badRequest("'service' is required: a 2-letter service code such as \"tg\".");
        }
        JsonNode country = body.get("country");
        if (country == null || !country.isIntegralNumber() || !country.canConvertToInt()) {
            throw Problem.badRequest("'country' is required: a numeric country id such as 0 (Russia) or 187 (USA).");
        }
        Set<OrderParser.Param> unreadable = EnumSet.noneOf(OrderParser.Param.class);
        OrderParser.Draft draft = new OrderParser.Draft(inventory.service(service.asText()), inventory.country(country.asInt()),
                operator(body, unreadable), maxPrice(body, unreadable), excludedPrefixes(body, unreadable), unreadable);
        return switch (OrderParser.parse(draft, ORDER_CHECKS)) {
            case OrderParser.Parsed.Valid valid -> valid.order();
            case OrderParser.Parsed.Invalid invalid -> throw wrongField(invalid.param(), body);
        };
    }

    private static String operator(ObjectNode body, Set<OrderParser.Param> unreadable) {
        if (body.has("operator") && !body.get("operator").isTextual()) {
            unreadable.add(OrderParser.Param.OPERATOR);
        }
        return body.has("operator") && body.get("operator").isTextual() ? body.get("operator").asText() : "any";
    }

    private static OptionalLong maxPrice(ObjectNode body, Set<OrderParser.Param> unreadable) {
        if (!body.has("maxPrice") || body.get("maxPrice").isNull()) {
            return OptionalLong.empty();
        }
        OptionalLong micros = Json.micros(body.get("maxPrice"));
        if (micros.isEmpty()) {
            unreadable.add(OrderParser.Param.MAX_PRICE);
        }
        return micros;
    }

    private static List<String> excludedPrefixes(ObjectNode body, Set<OrderParser.Param> unreadable) {
        List<String> excluded = new ArrayList<>();
        JsonNode list = body.path("excludePrefixes");
        if (body.has("excludePrefixes") && !excludedShapeRight(list)) {
            unreadable.add(OrderParser.Param.EXCLUDED_PREFIXES);
            return excluded;
        }
        for (JsonNode p : list) {
            if (!p.isTextual()) {
                unreadable.add(OrderParser.Param.EXCLUDED_PREFIXES);
            }
            excluded.add(p.asText());
        }
        return excluded;
    }

    private static boolean excludedShapeRight(JsonNode list) {
        return list.isArray() && list.size() <= OrderRequest.MAX_EXCLUDED_PREFIXES;
    }

    private static Problem wrongField(OrderParser.Param param, ObjectNode body) {
        return switch (param) {
            case OPERATOR -> Problem.badRequest("'operator' must be a lowercase operator name such as \"any\".");
            case MAX_PRICE -> Problem.badRequest("'maxPrice' must be a positive decimal of at most 6 decimal places and at most "
                    + Money.format(Money.MAX_MICROS) + ", e.g. \"0.50\".");
            case EXCLUDED_PREFIXES -> Problem.badRequest(excludedShapeRight(body.path("excludePrefixes"))
                    ? "'excludePrefixes' entries are digit strings with the country code, e.g. \"7900\"."
                    : "'excludePrefixes' must be an array of at most " + OrderRequest.MAX_EXCLUDED_PREFIXES + " digit strings.");
            case SERVICE -> unknownService(body.get("service").asText());
            case COUNTRY -> unknownCountry(body.get("country").asInt());
        };
    }

    /** Pays to read an SMS that arrived after a refund; answers the activation with it shown. */
    void buyLateSms(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = Requests.activationId(req);
        long messageId = Requests.messageId(req);
        switch (orders.buyLateSms(owner, id, messageId)) {
            case LateSmsPurchase.Shown shown -> Json.send(res, 200, Json.activation(shown.activation()));
            case LateSmsPurchase.NotFound nf -> throw Problem.notFound("No message " + messageId + " on activation " + id + ".");
            case LateSmsPurchase.InsufficientBalance poor -> throw insufficientBalance("Reading this message costs "
                    + Money.format(poor.priceMicros()) + " and " + Money.format(poor.availableMicros()) + " is available.",
                    poor.availableMicros(), poor.priceMicros(), poor.debtMicros());
        }
    }

    // Activations -----------------------------------------------------------------------------------

    void getActivation(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = Requests.activationId(req);
        Activation a = orders.activation(owner, id).orElseThrow(() -> noActivation(id));
        Json.send(res, 200, Json.activation(a));
    }

    void listActivations(AccountId owner, ServerRequest req, ServerResponse res) {
        Optional<ActivationStatus> status = Requests.query(req, "status").map(s -> ActivationStatus.fromWire(s)
                .orElseThrow(() -> Problem.badRequest("'status' must be one of waiting_code, code_received, finished, cancelled, expired.")));
        int limit = Requests.intQuery(req, "limit", 1, 100).orElse(20);
        Optional<String> cursor = Requests.query(req, "cursor");
        if (cursor.isPresent() && !Orders.validCursor(cursor.get())) {
            throw Problem.badRequest("'cursor' must be the nextCursor of a previous page.");
        }
        Page<Activation> page = orders.activations(owner, status, limit, cursor);
        Json.send(res, 200, Json.page(page, Json::activation));
    }

    void cancel(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = Requests.activationId(req);
        changed(res, id, orders.cancel(owner, id));
    }

    void finish(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = Requests.activationId(req);
        changed(res, id, orders.finish(owner, id));
    }

    void retry(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = Requests.activationId(req);
        changed(res, id, orders.requestAnotherCode(owner, id));
    }

    private static void changed(ServerResponse res, int id, ActivationChange change) {
        switch (change) {
            case ActivationChange.Changed changed -> Json.send(res, 200, Json.activation(changed.activation()));
            case ActivationChange.NotFound nf -> throw noActivation(id);
            case ActivationChange.EarlyCancelDenied early -> throw new Problem(ProblemType.EARLY_CANCEL_DENIED,
                    "An activation can be cancelled from " + early.cancellableAt() + ".", Map.of("cancellableAt", early.cancellableAt().toString()));
            case ActivationChange.CodeAlreadyReceived code -> throw new Problem(ProblemType.CODE_ALREADY_RECEIVED,
                    "A code arrived for this activation, so it can no longer be cancelled; finish it instead.");
            case ActivationChange.NoCodeYet none -> throw new Problem(ProblemType.NO_CODE_YET, "No code has arrived for this activation yet.");
            case ActivationChange.AlreadyEnded ended -> throw new Problem(ProblemType.ACTIVATION_ENDED,
                    "This activation is already " + ended.status().wire() + ".", Map.of("activationStatus", ended.status().wire()));
        }
    }

    private static Problem noActivation(int id) {
        return Problem.notFound("No activation with id " + id + ".");
    }

    // Live streams ----------------------------------------------------------------------------------

    /**
     * Server-sent events for one activation: first its current state ({@code activation}), then
     * each {@code code} and {@code status} as it happens, on whichever node it happens.
     */
    void activationEvents(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = Requests.activationId(req);
        try (Orders.Follow follow = orders.follow(owner, Optional.of(id)).orElseThrow(NativeApi::tooManyStreams)) {
            Activation now = orders.activation(owner, id).orElseThrow(() -> noActivation(id));
            stream(res, follow, SseEvent.builder().name("activation").data(Json.activation(now).toString()).build());
        }
    }

    /** Server-sent events for every activation of the account, from now on. */
    void accountEvents(AccountId owner, ServerRequest req, ServerResponse res) {
        try (Orders.Follow follow = orders.follow(owner, Optional.empty()).orElseThrow(NativeApi::tooManyStreams)) {
            stream(res, follow, SseEvent.builder().comment("connected").build());
        }
    }

    private static Problem tooManyStreams() {
        return new Problem(ProblemType.TOO_MANY_STREAMS,
                "This account has as many live streams open as it may; close one (the account-wide /v1/events stream serves every activation).");
    }

    private void stream(ServerResponse res, Orders.Follow follow, SseEvent first) {
        long until = System.nanoTime() + STREAM_LIFETIME.toNanos();
        try (SseSink sink = res.sink(SseSink.TYPE)) {
            sink.emit(first);
            while (System.nanoTime() < until) {
                sink.emit(follow.next(KEEP_ALIVE).map(NativeApi::event).orElseGet(() -> SseEvent.builder().comment("keep-alive").build()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // The client went away, or fell too far behind: either way it reconnects if it wants.
            LOG.log(Level.FINE, "live stream ended", e);
        }
    }

    private static SseEvent event(LiveEvent e) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("activationId", e.activationId()).put("status", e.status().wire())
                .put("at", e.at().toString());
        e.code().ifPresent(c -> data.put("code", c));
        e.text().ifPresent(t -> data.put("text", t));
        return SseEvent.builder().name(e.type()).data(data.toString()).build();
    }

    // Balance and keys ------------------------------------------------------------------------------

    void balance(AccountId owner, ServerRequest req, ServerResponse res) {
        Json.send(res, 200, Json.balance(ledger.balance(owner)));
    }

    void listKeys(AccountId owner, ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        accounts.keys(owner).forEach(k -> data.add(Json.apiKey(k)));
        Json.send(res, 200, body);
    }

    /**
     * {@code {"label", "mode": "live" | "test"}}: without a mode, a key of the caller's own kind; a
     * test key opens the caller's test account (created with play money the first time).
     */
    void createKey(AccountId owner, ServerRequest req, ServerResponse res) {
        byte[] body = Requests.jsonBody(req);
        String label = "";
        Optional<String> mode = Optional.empty();
        // On unless turned off: a compatible API's repeated order from this key within the window is a retry.
        boolean duplicateWindow = true;
        if (body.length > 0) {
            ObjectNode fields = Json.object(body, KEY_FIELDS);
            JsonNode raw = fields.get("label");
            if (raw != null && (!raw.isTextual() || raw.asText().length() > 64 || Requests.hasControlCharacters(raw.asText(), false))) {
                throw Problem.badRequest("'label' must be a string of at most 64 printable characters.");
            }
            label = raw == null ? "" : raw.asText();
            JsonNode rawMode = fields.get("mode");
            if (rawMode != null && !(rawMode.isTextual() && (rawMode.asText().equals("live") || rawMode.asText().equals("test")))) {
                throw Problem.badRequest("'mode' is \"live\" or \"test\".");
            }
            mode = Optional.ofNullable(rawMode).map(JsonNode::asText);
            JsonNode rawWindow = fields.get("duplicateWindow");
            if (rawWindow != null && !rawWindow.isBoolean()) {
                throw Problem.badRequest("'duplicateWindow' is true or false.");
            }
            duplicateWindow = rawWindow == null || rawWindow.asBoolean();
        }
        if (mode.equals(Optional.of("live")) && accounts.isTest(owner)) {
            throw new Problem(ProblemType.TEST_MODE_MISMATCH, "A test key creates test keys only: create live keys with a live key or on the website.");
        }
        NewApiKey created = mode.equals(Optional.of("test")) ? accounts.createTestKey(owner, label, duplicateWindow)
                : accounts.createKey(owner, label, duplicateWindow);
        Json.send(res, 201, Json.newApiKey(created));
    }

    void revokeKey(AccountId owner, ServerRequest req, ServerResponse res) {
        String raw = req.path().pathParameters().get("id");
        if (Requests.parseId(raw).filter(id -> accounts.revoke(owner, id)).isEmpty()) {
            throw Problem.notFound("No live API key with id '" + raw + "'.");
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    // Sandbox ---------------------------------------------------------------------------------------

    void createSandboxAccount(ServerRequest req, ServerResponse res) {
        Json.send(res, 201, Json.newApiKey(accounts.createSandboxAccount("sandbox")));
    }

    /** On a sandbox node any key's; on a production node a test key's only (live activations are never simulated). */
    void injectSms(AccountId owner, ServerRequest req, ServerResponse res) {
        if (!sandbox && !accounts.isTest(owner)) {
            throw new Problem(ProblemType.TEST_MODE_MISMATCH, "SMS can be injected with a test key (np_test_…) only.");
        }
        ObjectNode body = Json.object(Requests.jsonBody(req), SANDBOX_SMS_FIELDS);
        int id = sandboxActivationId(body.get("activationId"));
        String text = sandboxText(body.get("text"));
        String sender = sandboxSender(body.get("sender"));
        switch (orders.injectSandboxSms(owner, id, sender, text)) {
            // Committed either way: without the activation read back, the answer still says so.
            case SandboxSms.Delivered delivered -> delivered.activation().ifPresentOrElse(a -> Json.send(res, 200, Json.activation(a)),
                    () -> Json.send(res, 202, Json.MAPPER.createObjectNode().put("id", id).put("smsAccepted", true)));
            // A simulated upstream's number: back by now through its protocol, or on its next poll or push.
            case SandboxSms.Relayed relayed -> relayed.activation().ifPresentOrElse(a -> Json.send(res, 200, Json.activation(a)),
                    () -> Json.send(res, 202, Json.MAPPER.createObjectNode().put("id", id).put("smsAccepted", true).put("via", relayed.upstream())));
            case SandboxSms.Busy busy -> throw saturated();
            case SandboxSms.NotFound nf -> throw noActivation(id);
            case SandboxSms.NotSimulated real -> throw new Problem(ProblemType.NOT_SIMULATED,
                    "SMS can only be injected into activations on simulated numbers.");
        }
    }

    private static int sandboxActivationId(JsonNode id) {
        if (id == null || !id.isIntegralNumber() || !id.canConvertToInt()) {
            throw Problem.badRequest("'activationId' is required: the id of one of your sandbox activations.");
        }
        return id.asInt();
    }

    private static String sandboxText(JsonNode text) {
        if (text == null || !text.isTextual() || text.asText().isEmpty() || text.asText().length() > 4096
                || Requests.hasControlCharacters(text.asText(), true)) {
            throw Problem.badRequest("'text' is required: the SMS text, 1 to 4096 characters, no control characters but line breaks and tabs.");
        }
        return text.asText();
    }

    private static String sandboxSender(JsonNode sender) {
        if (sender != null && (!sender.isTextual() || sender.asText().length() > 64 || Requests.hasControlCharacters(sender.asText(), false))) {
            throw Problem.badRequest("'sender' must be a string of at most 64 printable characters.");
        }
        return sender == null ? "Sandbox" : sender.asText();
    }

    /** The node takes in as many SMS as it can: nothing was written, and the sender may simply retry. */
    private static Problem saturated() {
        return new Problem(ProblemType.SATURATED,
                "This node is taking in as many SMS as it can right now. Nothing was stored; send it again in a second.");
    }
}
