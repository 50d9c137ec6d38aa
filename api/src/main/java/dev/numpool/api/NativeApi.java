package dev.numpool.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Service;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Activation;
import dev.numpool.orders.LateSmsPurchase;
import dev.numpool.orders.ActivationChange;
import dev.numpool.orders.ActivationStatus;
import dev.numpool.orders.IdempotencyKey;
import dev.numpool.orders.LiveEvent;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.OrderRequest;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Page;
import dev.numpool.orders.PlaceResult;
import dev.numpool.orders.SandboxSms;
import dev.numpool.orders.StoredResponse;
import dev.numpool.orders.WebhookDelivery;
import dev.numpool.orders.Topups;
import dev.numpool.orders.Webhooks;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The native API v1. {@link #routing} registers every route; each handler parses its request,
 * calls one facade, and maps the sealed result to a status and a body.
 */
public final class NativeApi {
    private static final Logger LOG = Logger.getLogger(NativeApi.class.getName());
    private static final io.helidon.http.HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");
    private static final String JSON = "application/json";
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final Set<String> ORDER_FIELDS = Set.of("service", "country", "operator", "maxPrice", "excludePrefixes");
    private static final Set<String> SANDBOX_SMS_FIELDS = Set.of("activationId", "text", "sender");
    private static final Set<String> KEY_FIELDS = Set.of("label");
    private static final byte[] OPENAPI = openApiDocument();

    private final Accounts accounts;
    private final Ledger ledger;
    private final Orders orders;
    private final Inventory inventory;
    private final boolean sandbox;
    private final Requests requests;
    private final Optional<OperatorHandlers> operator;
    private final InboundHandlers inbound;
    private final RateLimits rateLimits;
    private final Optional<String> operatorToken;
    private final Webhooks webhooks;
    private final MoneyHandlers money;

    /**
     * The API over the facades. {@code operatorToken}, when present, enables the operator routes
     * under {@code /v1/operator} for that credential (at least 24 characters).
     */
    public NativeApi(Accounts accounts, Ledger ledger, Orders orders, Inventory inventory, boolean sandbox, Optional<String> operatorToken) {
        this(accounts, ledger, orders, inventory, null, null, sandbox, operatorToken, Optional.empty(), RateLimits.off());
    }

    /**
     * As above; {@code publicUrl} is how webhook senders reach this deployment (Twilio signs the
     * URL it posted to, see {@link InboundHandlers}), and {@code rateLimits} the request budgets
     * per key and IP shared through Redis.
     */
    public NativeApi(Accounts accounts, Ledger ledger, Orders orders, Inventory inventory, Webhooks webhooks, Topups topups,
                     boolean sandbox, Optional<String> operatorToken, Optional<String> publicUrl, RateLimits rateLimits) {
        this.rateLimits = rateLimits;
        this.operatorToken = operatorToken;
        this.webhooks = webhooks;
        this.accounts = accounts;
        this.ledger = ledger;
        this.orders = orders;
        this.inventory = inventory;
        this.sandbox = sandbox;
        this.requests = new Requests(accounts);
        operatorToken.filter(t -> t.length() < 24).ifPresent(t -> {
            throw new IllegalArgumentException("the operator token must be at least 24 characters");
        });
        this.operator = operatorToken.map(t -> new OperatorHandlers(inventory, orders, ledger, topups, t));
        this.money = new MoneyHandlers(ledger, topups, requests);
        this.inbound = new InboundHandlers(inventory, publicUrl, rateLimits::client);
    }

    /** Registers the native API's routes, its request-id filter and its problem+json error mapping. */
    public void routing(HttpRouting.Builder routing) {
        routing.addFilter((chain, req, res) -> {
            String id = req.headers().first(REQUEST_ID).filter(v -> v.matches("[\\w.:-]{1,64}"))
                    // Unique, not secret: no need for SecureRandom's cost on every request.
                    .orElseGet(() -> new UUID(java.util.concurrent.ThreadLocalRandom.current().nextLong(),
                            java.util.concurrent.ThreadLocalRandom.current().nextLong()).toString());
            res.header(REQUEST_ID, id);
            // Every log line written while serving this request carries its id (logging.properties).
            HelidonMdc.set("request-id", id);
            try {
                withinClientsShare(req, res, () -> {
                    if (withinRateLimits(req, res) && metricsAllowed(req, res)) {
                        chain.proceed();
                    }
                });
            } finally {
                HelidonMdc.remove("request-id");
            }
        });
        routes().forEach(r -> routing.route(Method.create(r.method()), r.path(), r.handler()));
        routing.get("/openapi.yaml", this::openApi);
        inbound.routing(routing);
        money.routing(routing);
        new SmsActivateApi(accounts, ledger, orders, inventory).routing(routing);
        new FiveSimApi(accounts, ledger, orders, inventory).routing(routing);
        routing.any("/v1/*", (req, res) -> {
            throw Problem.notFound("No route " + req.prologue().method().text() + " " + req.path().path() + ".");
        });
        routing.error(Problem.class, (req, res, p) -> problem(res, p))
                // Helidon's own answers (no route for this method and path, a malformed request)
                // keep their status; they are the client's doing, not a failure of ours.
                .error(io.helidon.http.HttpException.class, (req, res, e) -> {
                    int status = e.status().code();
                    if (req.prologue().method() == Method.HEAD) {
                        res.status(Status.create(status)).send();
                    } else {
                        send(res, status, "text/plain; charset=utf-8",
                                (status == 404 ? "Not found" : e.status().reasonPhrase()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    }
                })
                .error(Exception.class, (req, res, e) -> {
                    LOG.log(Level.SEVERE, "unexpected failure on " + req.prologue().method().text() + " " + req.path().path(), e);
                    problem(res, new Problem(500, "server-error", "Internal server error",
                            "Something failed on our side. Retrying is safe: an order retried with the same Idempotency-Key is never placed twice."));
                });
    }

    /** One route of the native API. */
    record Route(String method, String path, Handler handler) {
    }

    /**
     * Every route of the native API on this node (operator routes with a token, sandbox routes in
     * sandbox mode): the one table the router is built from, which a test holds against the
     * OpenAPI document at {@code /openapi.yaml}.
     */
    List<Route> routes() {
        List<Route> routes = new ArrayList<>(List.of(
                new Route("GET", "/v1/catalog", this::catalog),
                new Route("GET", "/v1/services", this::services),
                new Route("GET", "/v1/countries", this::countries),
                new Route("POST", "/v1/activations", this::placeOrder),
                new Route("GET", "/v1/activations", this::listActivations),
                new Route("GET", "/v1/activations/{id}", this::getActivation),
                new Route("POST", "/v1/activations/{id}/cancel", (req, res) -> change(req, res, orders::cancel)),
                new Route("POST", "/v1/activations/{id}/finish", (req, res) -> change(req, res, orders::finish)),
                new Route("POST", "/v1/activations/{id}/retry", (req, res) -> change(req, res, orders::requestAnotherCode)),
                new Route("POST", "/v1/activations/{id}/messages/{messageId}/buy", this::buyLateSms),
                new Route("GET", "/v1/activations/{id}/events", this::activationEvents),
                new Route("GET", "/v1/events", this::accountEvents),
                new Route("GET", "/v1/balance", this::balance),
                new Route("GET", "/v1/api-keys", this::listKeys),
                new Route("POST", "/v1/api-keys", this::createKey),
                new Route("DELETE", "/v1/api-keys/{id}", this::revokeKey),
                new Route("POST", "/v1/webhook-endpoints", this::createEndpoint),
                new Route("GET", "/v1/webhook-endpoints", this::listEndpoints),
                new Route("DELETE", "/v1/webhook-endpoints/{id}", this::deleteEndpoint),
                new Route("PATCH", "/v1/webhook-endpoints/{id}", this::updateEndpoint),
                new Route("GET", "/v1/webhook-endpoints/{id}/deliveries", this::listDeliveries),
                new Route("POST", "/v1/webhook-endpoints/{id}/rotate-secret", this::rotateSecret),
                new Route("POST", "/v1/webhook-endpoints/{id}/test", this::testEvent),
                new Route("POST", "/v1/webhook-endpoints/{id}/deliveries/{messageId}/replay", this::replay)));
        routes.addAll(money.routes());
        operator.ifPresent(o -> routes.addAll(o.routes()));
        if (sandbox) {
            routes.add(new Route("POST", "/v1/sandbox/accounts", this::createSandboxAccount));
            routes.add(new Route("POST", "/v1/sandbox/sms", this::injectSms));
        }
        return routes;
    }

    /** "METHOD /path" of every route in {@link #routes()}, for documentation checks. */
    public List<String> routeNames() {
        return routes().stream().map(r -> r.method() + " " + r.path()).toList();
    }

    /** The OpenAPI 3.1 document of this API, served as it is in the jar. */
    private void openApi(ServerRequest req, ServerResponse res) {
        send(res, 200, "application/yaml", OPENAPI);
    }

    /**
     * Runs {@code request} (the rate limits, then the route) unless its client already has its
     * share of this node's requests running: then 429 at once. A refused request waiting out its
     * refusal delay counts too, so a client with thousands of connections holds at most its share
     * of the node's request slots. Provider pushes and health are exempt, as from the rate limits.
     */
    private void withinClientsShare(ServerRequest req, ServerResponse res, Runnable request) {
        if (exemptFromLimits(req.path().path())) {
            request.run();
            return;
        }
        Optional<Runnable> exit = rateLimits.enter(rateLimits.client(req));
        if (exit.isEmpty()) {
            res.status(429).header(HeaderNames.RETRY_AFTER, "1").header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .send("Too many requests from your address at once: let some finish first.");
            return;
        }
        try {
            request.run();
        } finally {
            exit.get().run();
        }
    }

    private static boolean exemptFromLimits(String path) {
        return path.equals("/observe/health") || path.startsWith("/inbound/") || path.startsWith("/agent/") || path.startsWith("/webhooks/");
    }

    /**
     * Metrics say how busy the marketplace is and how its providers fare: they are the
     * operators'. With an operator token they take it as a bearer token (Prometheus's
     * {@code authorization} setting); without one, only this machine may read them.
     */
    private boolean metricsAllowed(ServerRequest req, ServerResponse res) {
        if (!req.path().path().startsWith("/observe/metrics")) {
            return true;
        }
        boolean allowed = operatorToken.isPresent()
                ? MessageDigest.isEqual(Requests.bearer(req).orElse("").getBytes(StandardCharsets.UTF_8),
                        operatorToken.get().getBytes(StandardCharsets.UTF_8))
                : req.remotePeer().address() instanceof java.net.InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
        if (!allowed) {
            res.status(401).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").header(HeaderNames.WWW_AUTHENTICATE, "Bearer")
                    .send("Metrics take 'Authorization: Bearer <NUMPOOL_OPERATOR_TOKEN>'.");
        }
        return allowed;
    }

    /** The three APIs, as the rate limiter must answer each in its own terms, and every other door (pages, documents, metrics). */
    private enum Family {
        NATIVE, SMS_ACTIVATE, FIVE_SIM, OTHER
    }

    /**
     * Takes one request from the caller's buckets (its IP, and the key it presents); when one is
     * empty, answers for the API called and returns false. Native API: {@code 429} problem+json;
     * 5sim: {@code 429} with the text {@code too many requests}; the sms-activate family has no
     * standard token and its SDK fails on any non-2xx status, so: HTTP 200 {@code TOO_MANY_REQUESTS}.
     * All three carry {@code Retry-After}. Every other door (the website's pages and forms, the
     * OpenAPI document, metrics, assets) takes from the client's IP budget and answers a plain
     * {@code 429}; the website adds a session's own budget. Not limited: health (load balancers
     * poll it) and the providers' and Stripe's pushes, which are authenticated and bounded by the
     * intake's own backpressure (a provider pushes hundreds of SMS a second from one address).
     */
    private boolean withinRateLimits(ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        if (exemptFromLimits(path)) {
            return true;
        }
        Family family = path.startsWith(SmsActivateApi.PATH) ? Family.SMS_ACTIVATE
                : path.startsWith("/v1/guest/") || path.startsWith("/v1/user/") ? Family.FIVE_SIM
                : path.startsWith("/v1/") ? Family.NATIVE : Family.OTHER;
        Optional<String> key = switch (family) {
            case SMS_ACTIVATE -> req.query().first("api_key").asOptional().or(() -> req.headers().first(HeaderNames.create("X-ApiKey")));
            case NATIVE, FIVE_SIM -> Requests.bearer(req);
            case OTHER -> Optional.empty();
        };
        Optional<java.time.Duration> wait = rateLimits.take(key.filter(k -> !k.isEmpty()), rateLimits.client(req));
        if (wait.isEmpty()) {
            return true;
        }
        try {
            Thread.sleep(rateLimits.refusalDelay(wait.get())); // a virtual thread: the wait costs the node nothing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
        res.header(HeaderNames.RETRY_AFTER, Long.toString(seconds));
        switch (family) {
            case NATIVE -> problem(res, new Problem(429, "rate-limited", "Too many requests",
                    "Slow down: try again in " + seconds + " s. Limits are per API key and per IP address.", Map.of("retryAfterSeconds", seconds)));
            case FIVE_SIM -> res.status(429).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").send("too many requests");
            case SMS_ACTIVATE -> res.status(200).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").send("TOO_MANY_REQUESTS");
            case OTHER -> res.status(429).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .send("Too many requests from your address: try again in " + seconds + " s.");
        }
        return false;
    }

    // Catalogue -------------------------------------------------------------------------------------

    private void catalog(ServerRequest req, ServerResponse res) {
        Optional<Service> service = Requests.query(req, "service").map(this::service);
        Optional<Country> country = Requests.intQuery(req, "country", 0, Integer.MAX_VALUE).map(this::country);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode offers = body.putArray("offers");
        inventory.offers(service, country).forEach(o -> offers.add(Json.offer(o)));
        json(res, 200, body);
    }

    private void services(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("services");
        inventory.services().forEach(s -> list.add(Json.service(s)));
        json(res, 200, body);
    }

    private void countries(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("countries");
        inventory.countries().forEach(c -> list.add(Json.country(c)));
        json(res, 200, body);
    }

    // Activations -----------------------------------------------------------------------------------

    private void placeOrder(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        IdempotencyKey key = IdempotencyKey.of(req.headers().first(HeaderNames.create("Idempotency-Key")).orElse(null))
                .orElseThrow(() -> new Problem(400, "idempotency-key-required", "Idempotency-Key required",
                        "Send an 'Idempotency-Key' header of 1 to 255 visible ASCII characters, unique per order."));
        byte[] body = Requests.jsonBody(req);
        OrderRequest order = orderRequest(Json.object(body, ORDER_FIELDS));
        PlaceResult result = orders.place(owner, order, key, Orders.fingerprint("POST", "/v1/activations", body),
                a -> new StoredResponse(201, Json.bytes(Json.activation(a))));
        switch (result) {
            case PlaceResult.Placed placed -> send(res, placed.response().status(), JSON, placed.response().body());
            case PlaceResult.Replayed replayed -> {
                res.header("Idempotent-Replayed", "true");
                send(res, replayed.response().status(), JSON, replayed.response().body());
            }
            case PlaceResult.KeyReused reused -> throw new Problem(422, "idempotency-key-reused", "Idempotency-Key reused",
                    "This Idempotency-Key was used for a different request. Use a new key for a new order.");
            case PlaceResult.InProgress busy -> throw new Problem(409, "idempotency-key-in-use", "Request in progress",
                    "A request with this Idempotency-Key is still running. Retry shortly with the same key.");
            case PlaceResult.NoNumbers none -> throw new Problem(409, "no-numbers", "No numbers available",
                    "No provider has a number for " + order.service().code() + " in country " + order.country().id() + " right now.",
                    Map.of("routing", Json.routing(none.trace())));
            case PlaceResult.PriceAboveMax above -> throw new Problem(409, "price-above-max", "Price above maxPrice",
                    "The cheapest number costs " + Money.format(above.minimumPriceMicros()) + ", above your maxPrice.",
                    Map.of("minimumPrice", Money.format(above.minimumPriceMicros()), "minimumPriceMicros", above.minimumPriceMicros()));
            case PlaceResult.InsufficientBalance poor -> {
                long owed = poor.debtMicros();
                throw new Problem(402, "insufficient-balance", "Insufficient balance",
                        "This number costs " + Money.format(poor.priceMicros()) + " and " + Money.format(poor.availableMicros()) + " is available."
                                + (owed > 0 ? " The account owes " + Money.format(owed) + " after a card refund or dispute; the next top-up pays it first." : ""),
                        Map.of("available", Money.format(poor.availableMicros()), "price", Money.format(poor.priceMicros()),
                                "debt", Money.format(owed)));
            }
            case PlaceResult.TooManyLive many -> throw new Problem(409, "too-many-live-activations", "Too many live activations",
                    "An account may have " + many.limit() + " live activations at once; finish or cancel some first.",
                    Map.of("limit", many.limit()));
        }
    }

    private OrderRequest orderRequest(ObjectNode body) {
        JsonNode service = body.get("service");
        if (service == null || !service.isTextual()) {
            throw Problem.badRequest("'service' is required: a 2-letter service code such as \"tg\".");
        }
        JsonNode country = body.get("country");
        if (country == null || !country.isIntegralNumber() || !country.canConvertToInt()) {
            throw Problem.badRequest("'country' is required: a numeric country id such as 0 (Russia) or 187 (USA).");
        }
        String operator = "any";
        if (body.has("operator")) {
            if (!body.get("operator").isTextual() || !OrderRequest.validOperator(body.get("operator").asText())) {
                throw Problem.badRequest("'operator' must be a lowercase operator name such as \"any\".");
            }
            operator = body.get("operator").asText();
        }
        OptionalLong maxPrice = OptionalLong.empty();
        if (body.has("maxPrice") && !body.get("maxPrice").isNull()) {
            JsonNode raw = body.get("maxPrice");
            // 1e999999999 is a valid JSON number whose plain spelling has a billion digits: look
            // at its magnitude before spelling it out.
            OptionalLong micros = Json.micros(raw);
            if (micros.isEmpty() || !OrderRequest.validMaxPrice(micros.getAsLong())) {
                throw Problem.badRequest("'maxPrice' must be a positive decimal of at most 6 decimal places and at most "
                        + Money.format(Money.MAX_MICROS) + ", e.g. \"0.50\".");
            }
            maxPrice = micros;
        }
        List<String> excluded = new ArrayList<>();
        if (body.has("excludePrefixes")) {
            JsonNode list = body.get("excludePrefixes");
            if (!list.isArray() || list.size() > OrderRequest.MAX_EXCLUDED_PREFIXES) {
                throw Problem.badRequest("'excludePrefixes' must be an array of at most " + OrderRequest.MAX_EXCLUDED_PREFIXES + " digit strings.");
            }
            for (JsonNode p : list) {
                if (!p.isTextual() || !OrderRequest.validPrefixes(List.of(p.asText()))) {
                    throw Problem.badRequest("'excludePrefixes' entries are digit strings with the country code, e.g. \"7900\".");
                }
                excluded.add(p.asText());
            }
        }
        return new OrderRequest(service(service.asText()), country(country.asInt()), operator, maxPrice, excluded);
    }

    private void getActivation(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        int id = Requests.activationId(req);
        Activation a = orders.activation(owner, id).orElseThrow(() -> Problem.notFound("No activation with id " + id + "."));
        json(res, 200, Json.activation(a));
    }

    private void listActivations(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        Optional<ActivationStatus> status = Requests.query(req, "status").map(s -> ActivationStatus.fromWire(s)
                .orElseThrow(() -> Problem.badRequest("'status' must be one of waiting_code, code_received, finished, cancelled, expired.")));
        int limit = Requests.intQuery(req, "limit", 1, 100).orElse(20);
        Optional<String> cursor = Requests.query(req, "cursor");
        if (cursor.isPresent() && !Orders.validCursor(cursor.get())) {
            throw Problem.badRequest("'cursor' must be the nextCursor of a previous page.");
        }
        Page<Activation> page = orders.activations(owner, status, limit, cursor);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        page.items().forEach(a -> data.add(Json.activation(a)));
        body.put("nextCursor", page.nextCursor().orElse(null));
        json(res, 200, body);
    }

    private void change(ServerRequest req, ServerResponse res, BiFunction<AccountId, Integer, ActivationChange> action) {
        AccountId owner = requests.account(req);
        int id = Requests.activationId(req);
        switch (action.apply(owner, id)) {
            case ActivationChange.Changed changed -> json(res, 200, Json.activation(changed.activation()));
            case ActivationChange.NotFound nf -> throw Problem.notFound("No activation with id " + id + ".");
            case ActivationChange.EarlyCancelDenied early -> throw new Problem(409, "early-cancel-denied", "Too early to cancel",
                    "An activation can be cancelled from " + early.cancellableAt() + ".",
                    Map.of("cancellableAt", early.cancellableAt().toString()));
            case ActivationChange.CodeAlreadyReceived code -> throw new Problem(409, "code-already-received", "Code already received",
                    "A code arrived for this activation, so it can no longer be cancelled; finish it instead.");
            case ActivationChange.NoCodeYet none -> throw new Problem(409, "no-code-yet", "No code yet",
                    "No code has arrived for this activation yet.");
            case ActivationChange.AlreadyEnded ended -> throw new Problem(409, "activation-ended", "Activation already ended",
                    "This activation is already " + ended.status().wire() + ".", Map.of("status", ended.status().wire()));
        }
    }

    /** Pays to read an SMS that arrived after a refund; answers the activation with it shown. */
    private void buyLateSms(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        int id = Requests.activationId(req);
        long messageId = Requests.messageId(req);
        switch (orders.buyLateSms(owner, id, messageId)) {
            case LateSmsPurchase.Shown shown -> json(res, 200, Json.activation(shown.activation()));
            case LateSmsPurchase.NotFound nf -> throw Problem.notFound("No message " + messageId + " on activation " + id + ".");
            case LateSmsPurchase.InsufficientBalance poor -> throw new Problem(402, "insufficient-balance", "Insufficient balance",
                    "Reading this message costs " + Money.format(poor.priceMicros()) + " and " + Money.format(poor.availableMicros()) + " is available.",
                    Map.of("available", Money.format(poor.availableMicros()), "price", Money.format(poor.priceMicros()),
                            "debt", Money.format(poor.debtMicros())));
        }
    }

    // Live streams ----------------------------------------------------------------------------------

    /** How long one stream stays open; the client reconnects (EventSource does so by itself). */
    private static final java.time.Duration STREAM_LIFETIME = java.time.Duration.ofMinutes(30);
    /** A comment this often keeps proxies from closing an idle stream and finds clients that left. */
    private static final java.time.Duration KEEP_ALIVE = java.time.Duration.ofSeconds(15);

    /**
     * Server-sent events for one activation: first its current state ({@code activation}), then
     * each {@code code} and {@code status} as it happens, on whichever node it happens.
     */
    private void activationEvents(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        int id = Requests.activationId(req);
        try (Orders.Follow follow = orders.follow(owner, Optional.of(id)).orElseThrow(NativeApi::tooManyStreams)) {
            Activation now = orders.activation(owner, id).orElseThrow(() -> Problem.notFound("No activation with id " + id + "."));
            stream(res, follow, io.helidon.http.sse.SseEvent.builder().name("activation").data(Json.activation(now).toString()).build());
        }
    }

    /** Server-sent events for every activation of the account, from now on. */
    private void accountEvents(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        try (Orders.Follow follow = orders.follow(owner, Optional.empty()).orElseThrow(NativeApi::tooManyStreams)) {
            stream(res, follow, io.helidon.http.sse.SseEvent.builder().comment("connected").build());
        }
    }

    private static Problem tooManyStreams() {
        return new Problem(429, "too-many-streams", "Too many live streams",
                "This account has as many live streams open as it may; close one (the account-wide /v1/events stream serves every activation).");
    }

    private void stream(ServerResponse res, Orders.Follow follow, io.helidon.http.sse.SseEvent first) {
        long until = System.nanoTime() + STREAM_LIFETIME.toNanos();
        try (io.helidon.webserver.sse.SseSink sink = res.sink(io.helidon.webserver.sse.SseSink.TYPE)) {
            sink.emit(first);
            while (System.nanoTime() < until) {
                Optional<LiveEvent> event = follow.next(KEEP_ALIVE);
                if (event.isEmpty()) {
                    sink.emit(io.helidon.http.sse.SseEvent.builder().comment("keep-alive").build());
                    continue;
                }
                LiveEvent e = event.get();
                ObjectNode data = Json.MAPPER.createObjectNode().put("activationId", e.activationId()).put("status", e.status().wire())
                        .put("at", e.at().toString());
                e.code().ifPresent(c -> data.put("code", c));
                e.text().ifPresent(t -> data.put("text", t));
                sink.emit(io.helidon.http.sse.SseEvent.builder().name(e.type()).data(data.toString()).build());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // The client went away, or fell too far behind: either way it reconnects if it wants.
            LOG.log(Level.FINE, "live stream ended", e);
        }
    }

    // Balance and keys ------------------------------------------------------------------------------

    private void balance(ServerRequest req, ServerResponse res) {
        json(res, 200, Json.balance(ledger.balance(requests.account(req))));
    }

    private void listKeys(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        accounts.keys(owner).forEach(k -> data.add(Json.apiKey(k)));
        json(res, 200, body);
    }

    private void createKey(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        byte[] body = Requests.jsonBody(req);
        String label = "";
        if (body.length > 0) {
            JsonNode raw = Json.object(body, KEY_FIELDS).get("label");
            if (raw != null && (!raw.isTextual() || raw.asText().length() > 64 || Requests.hasControlCharacters(raw.asText(), false))) {
                throw Problem.badRequest("'label' must be a string of at most 64 printable characters.");
            }
            label = raw == null ? "" : raw.asText();
        }
        json(res, 201, Json.newApiKey(accounts.createKey(owner, label)));
    }

    private void revokeKey(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        String raw = req.path().pathParameters().get("id");
        if (Requests.parseId(raw).filter(id -> accounts.revoke(owner, id)).isEmpty()) {
            throw Problem.notFound("No live API key with id '" + raw + "'.");
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    // Webhook endpoints ------------------------------------------------------------------------------

    private static final Set<String> ENDPOINT_FIELDS = Set.of("url", "eventTypes");

    private void createEndpoint(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        ObjectNode body = Json.object(Requests.jsonBody(req), ENDPOINT_FIELDS);
        JsonNode url = body.get("url");
        JsonNode types = body.get("eventTypes");
        if (url == null || !url.isTextual() || types == null || !types.isArray() || types.size() > 10) {
            throw Problem.badRequest("Send {\"url\": \"https://…\", \"eventTypes\": [\"activation.code_received\", …]}.");
        }
        List<String> eventTypes = new ArrayList<>();
        for (JsonNode t : types) {
            if (!t.isTextual()) {
                throw Problem.badRequest("'eventTypes' holds strings.");
            }
            eventTypes.add(t.asText());
        }
        switch (webhooks.create(owner, url.asText(), eventTypes)) {
            case Webhooks.Created.Endpoint e -> {
                ObjectNode n = endpointJson(webhooks.endpoints(owner).stream().filter(x -> x.id() == e.id()).findFirst().orElseThrow());
                n.put("secret", e.secret());
                json(res, 201, n);
            }
            case Webhooks.Created.Refused r -> throw new Problem(400, "webhook-endpoint-refused", "Webhook endpoint refused", r.reason() + ".");
        }
    }

    private void updateEndpoint(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        long id = endpointId(req);
        ObjectNode body = Json.object(Requests.jsonBody(req), ENDPOINT_FIELDS);
        JsonNode url = body.get("url");
        JsonNode types = body.get("eventTypes");
        if ((url != null && !url.isTextual()) || (types != null && (!types.isArray() || types.size() > 10)) || (url == null && types == null)) {
            throw Problem.badRequest("Send 'url' (a string) and/or 'eventTypes' (an array of event types).");
        }
        Optional<List<String>> eventTypes = Optional.empty();
        if (types != null) {
            List<String> list = new ArrayList<>();
            for (JsonNode t : types) {
                if (!t.isTextual()) {
                    throw Problem.badRequest("'eventTypes' holds strings.");
                }
                list.add(t.asText());
            }
            eventTypes = Optional.of(list);
        }
        switch (webhooks.update(owner, id, Optional.ofNullable(url).map(JsonNode::asText), eventTypes)) {
            case Webhooks.Updated.Changed c -> json(res, 200,
                    endpointJson(webhooks.endpoints(owner).stream().filter(e -> e.id() == id).findFirst().orElseThrow()));
            case Webhooks.Updated.Refused r -> throw new Problem(400, "webhook-endpoint-refused", "Webhook endpoint refused", r.reason() + ".");
            case Webhooks.Updated.NotFound nf -> throw Problem.notFound("No webhook endpoint with id " + id + ".");
        }
    }

    private void listEndpoints(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        webhooks.endpoints(owner).forEach(e -> data.add(endpointJson(e)));
        json(res, 200, body);
    }

    private void deleteEndpoint(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        String raw = req.path().pathParameters().get("id");
        if (Requests.parseId(raw).filter(id -> webhooks.delete(owner, id)).isEmpty()) {
            throw Problem.notFound("No webhook endpoint with id '" + raw + "'.");
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    private void listDeliveries(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        String raw = req.path().pathParameters().get("id");
        long endpoint = Requests.parseId(raw).filter(id -> webhooks.endpoints(owner).stream().anyMatch(e -> e.id() == id))
                .orElseThrow(() -> Problem.notFound("No webhook endpoint with id '" + raw + "'."));
        int limit = Requests.intQuery(req, "limit", 1, 100).orElse(20);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        for (WebhookDelivery d : webhooks.deliveries(owner, endpoint, limit)) {
            ObjectNode n = data.addObject().put("messageId", d.messageId()).put("eventType", d.eventType()).put("state", d.state())
                    .put("attempts", d.attemptCount()).put("createdAt", d.createdAt().toString());
            ArrayNode log = n.putArray("attemptLog");
            for (WebhookDelivery.Attempt a : d.attempts()) {
                ObjectNode e = log.addObject().put("at", a.at().toString()).put("latencyMillis", a.latencyMillis());
                e.put("status", a.status().orElse(null));
                e.put("error", a.error().orElse(null));
                e.put("response", a.response().orElse(null));
            }
            n.put("lastStatus", d.lastStatus().orElse(null));
            n.put("lastError", d.lastError().orElse(null));
            n.put("lastResponse", d.lastResponse().orElse(null));
            n.put("lastLatencyMillis", d.lastLatencyMillis().orElse(null));
            n.put("deliveredAt", d.deliveredAt().map(Object::toString).orElse(null));
            n.put("payload", d.payload());
        }
        json(res, 200, body);
    }

    private void rotateSecret(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        long id = endpointId(req);
        String secret = webhooks.rotateSecret(owner, id).orElseThrow(() ->
                webhooks.endpoints(owner).stream().anyMatch(e -> e.id() == id && e.enabled())
                        ? new Problem(409, "rotation-in-progress", "Rotation in progress",
                        "The previous secret still signs for up to 24 h after the last rotation; rotate again after that.")
                        : Problem.notFound("No webhook endpoint with id " + id + "."));
        json(res, 200, Json.MAPPER.createObjectNode().put("id", id).put("secret", secret)
                .put("previousSecretValidFor", "PT24H"));
    }

    private void testEvent(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        long id = endpointId(req);
        if (!webhooks.sendTestEvent(owner, id)) {
            throw Problem.notFound("No webhook endpoint with id " + id + ".");
        }
        json(res, 202, Json.MAPPER.createObjectNode().put("queued", true));
    }

    private void replay(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        long id = endpointId(req);
        String messageId = req.path().pathParameters().get("messageId");
        if (!messageId.matches("[A-Za-z0-9_]{1,64}") || !webhooks.replay(owner, id, messageId)) {
            throw Problem.notFound("No delivery '" + messageId + "' of webhook endpoint " + id + ".");
        }
        json(res, 202, Json.MAPPER.createObjectNode().put("queued", true));
    }

    private static long endpointId(ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        return Requests.parseId(raw).orElseThrow(() -> Problem.notFound("No webhook endpoint with id '" + raw + "'."));
    }

    private static ObjectNode endpointJson(Webhooks.Endpoint e) {
        ObjectNode n = Json.MAPPER.createObjectNode().put("id", e.id()).put("url", e.url()).put("enabled", e.enabled())
                .put("createdAt", e.createdAt().toString());
        ArrayNode types = n.putArray("eventTypes");
        e.eventTypes().stream().sorted().forEach(types::add);
        n.put("disabledReason", e.disabledReason().orElse(null));
        return n;
    }

    // Sandbox ---------------------------------------------------------------------------------------

    private void createSandboxAccount(ServerRequest req, ServerResponse res) {
        json(res, 201, Json.newApiKey(accounts.createSandboxAccount("sandbox")));
    }

    private void injectSms(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        ObjectNode body = Json.object(Requests.jsonBody(req), SANDBOX_SMS_FIELDS);
        JsonNode id = body.get("activationId");
        JsonNode text = body.get("text");
        JsonNode sender = body.get("sender");
        if (id == null || !id.isIntegralNumber() || !id.canConvertToInt()) {
            throw Problem.badRequest("'activationId' is required: the id of one of your sandbox activations.");
        }
        if (text == null || !text.isTextual() || text.asText().isEmpty() || text.asText().length() > 4096
                || Requests.hasControlCharacters(text.asText(), true)) {
            throw Problem.badRequest("'text' is required: the SMS text, 1 to 4096 characters, no control characters but line breaks and tabs.");
        }
        if (sender != null && (!sender.isTextual() || sender.asText().length() > 64 || Requests.hasControlCharacters(sender.asText(), false))) {
            throw Problem.badRequest("'sender' must be a string of at most 64 printable characters.");
        }
        switch (orders.injectSandboxSms(owner, id.asInt(), sender == null ? "Sandbox" : sender.asText(), text.asText())) {
            // Committed either way: without the activation read back, the answer still says so.
            case SandboxSms.Delivered delivered -> delivered.activation().ifPresentOrElse(a -> json(res, 200, Json.activation(a)),
                    () -> json(res, 202, Json.MAPPER.createObjectNode().put("id", id.asInt()).put("smsAccepted", true)));
            case SandboxSms.Busy busy -> throw saturated();
            case SandboxSms.NotFound nf -> throw Problem.notFound("No activation with id " + id.asInt() + ".");
            case SandboxSms.NotSimulated real -> throw new Problem(409, "not-simulated", "Not a sandbox number",
                    "SMS can only be injected into activations on simulated numbers.");
        }
    }

    // ------------------------------------------------------------------------------------------------

    static byte[] openApiDocument() {
        try (var in = NativeApi.class.getResourceAsStream("openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is missing from the jar");
            }
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Service service(String code) {
        return inventory.service(code).orElseThrow(() -> new Problem(400, "unknown-service", "Unknown service",
                "No service '" + code + "'. GET /v1/services lists them."));
    }

    private Country country(int id) {
        return inventory.country(id).orElseThrow(() -> new Problem(400, "unknown-country", "Unknown country",
                "No country " + id + ". GET /v1/countries lists them."));
    }

    static void json(ServerResponse res, int status, JsonNode body) {
        send(res, status, JSON, Json.bytes(body));
    }

    private static void send(ServerResponse res, int status, String contentType, byte[] body) {
        res.status(Status.create(status)).header(HeaderNames.CONTENT_TYPE, contentType).send(body);
    }

    /** The node takes in as many SMS as it can: nothing was written, and the sender may simply retry. */
    static Problem saturated() {
        return new Problem(503, "saturated", "Busy, try again",
                "This node is taking in as many SMS as it can right now. Nothing was stored; send it again in a second.");
    }

    private static void problem(ServerResponse res, Problem p) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("type", "/problems/" + p.type());
        body.put("title", p.title());
        body.put("status", p.status());
        body.put("detail", p.getMessage());
        p.extensions().forEach((k, v) -> body.set(k, Json.MAPPER.valueToTree(v)));
        if (p.status() == 401) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        if (p.status() == 503 && !p.type().endsWith("-disabled")) {
            // A 503 here means "nothing happened, try again": say when. A feature switched off
            // (top-ups without Stripe) is not worth retrying in a second.
            res.header(HeaderNames.RETRY_AFTER, "1");
        }
        send(res, p.status(), PROBLEM_JSON, Json.bytes(body));
    }
}
