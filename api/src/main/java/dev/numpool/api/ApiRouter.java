package dev.numpool.api;

import dev.numpool.inventory.Inventory;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.OperatorAudit;
import dev.numpool.orders.Operators;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Topups;
import dev.numpool.orders.Webhooks;
import dev.numpool.sandbox.SandboxUpstreams;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every route Numpool's API answers, in one place: the native API v1 (with the operator's, money
 * and sandbox routes), the sms-activate and 5sim compatible protocols, the SMS pushed by
 * providers, and Stripe's webhook; in front of them {@link Admission}, and behind them the one
 * mapping of failures to answers. Routes that need a caller are wrapped by
 * {@link Authentication} here, so no handler authenticates itself.
 */
public final class ApiRouter {
    private static final Logger LOG = Logger.getLogger(ApiRouter.class.getName());
    private static final byte[] OPENAPI = openApiDocument();

    /** The MDC key of the request id {@link Admission} gives every request (and answers in {@code X-Request-Id}). */
    public static final String REQUEST_ID_KEY = Admission.REQUEST_ID_KEY;

    private final Accounts accounts;
    private final Ledger ledger;
    private final Orders orders;
    private final Inventory inventory;
    private final boolean sandbox;
    private final Authentication authentication;
    private final Admission admission;
    private final NativeApi nativeApi;
    private final WebhookEndpointHandlers webhookEndpoints;
    private final MoneyHandlers money;
    private final Optional<OperatorHandlers> operator;
    private final OperatorRoleHandlers operatorRoles;
    private final AuditedOperator audited;
    private final SandboxHandlers sandboxUpstreams;
    private final InboundHandlers inbound;
    private final CompatRetries retries;
    private final RentalApi rentals;

    /**
     * The API over the facades. {@code operatorToken}, when present, enables the operator routes
     * under {@code /v1/operator} for that credential (at least 24 characters).
     */
    public ApiRouter(Accounts accounts, Ledger ledger, Orders orders, Inventory inventory, boolean sandbox, Optional<String> operatorToken) {
        this(accounts, ledger, orders, inventory, null, null, null, null, sandbox, operatorToken, Optional.empty(), RateLimits.off(), Optional.empty(),
                CompatRetries.DEFAULT_WINDOW);
    }

    /**
     * As above; {@code publicUrl} is how webhook senders reach this deployment (Twilio signs the
     * URL it posted to, see {@link InboundHandlers}), and {@code rateLimits} the request budgets
     * per key and IP shared through Redis; every change made through an operator route is written
     * to {@code audit}; {@code operators} are the website accounts the token gives a role; {@code upstreams} are the sandbox's simulated upstream marketplaces, when
     * this node started them (their chaos switches are operator routes in sandbox mode); a
     * compatible API's order repeated within {@code duplicateWindow} from the same key is the first
     * one ({@code compat.duplicate-window-seconds}, zero for never; see {@link CompatRetries}).
     */
    public ApiRouter(Accounts accounts, Ledger ledger, Orders orders, Inventory inventory, Webhooks webhooks, Topups topups,
                     OperatorAudit audit, Operators operators, boolean sandbox, Optional<String> operatorToken, Optional<String> publicUrl, RateLimits rateLimits,
                     Optional<SandboxUpstreams> upstreams, Duration duplicateWindow) {
        operatorToken.filter(t -> t.length() < 24).ifPresent(t -> {
            throw new IllegalArgumentException("the operator token must be at least 24 characters");
        });
        this.accounts = accounts;
        this.ledger = ledger;
        this.orders = orders;
        this.retries = new CompatRetries(duplicateWindow);
        this.inventory = inventory;
        this.sandbox = sandbox;
        this.authentication = new Authentication(accounts, operatorToken);
        this.admission = new Admission(rateLimits, authentication);
        this.nativeApi = new NativeApi(accounts, ledger, orders, inventory, sandbox);
        this.webhookEndpoints = new WebhookEndpointHandlers(webhooks);
        this.money = new MoneyHandlers(ledger, topups);
        this.operator = operatorToken.map(t -> new OperatorHandlers(inventory, orders, ledger, topups, audit));
        this.audited = new AuditedOperator(audit);
        this.operatorRoles = new OperatorRoleHandlers(operators);
        this.sandboxUpstreams = new SandboxHandlers(sandbox ? upstreams : Optional.empty());
        this.inbound = new InboundHandlers(inventory, publicUrl, rateLimits::client);
        this.rentals = new RentalApi(accounts, orders, inventory, sandbox);
    }

    /** Registers the filter in front of every route, every route of the API, and its error mapping. */
    public void routing(HttpRouting.Builder routing) {
        routing.addFilter(admission.filter());
        routes().forEach(r -> routing.route(Method.create(r.method()), r.path(), r.handler()));
        routing.get("/openapi.yaml", (req, res) -> send(res, 200, "application/yaml", OPENAPI));
        smsActivateRoutes(routing);
        fiveSimRoutes(routing);
        pushRoutes(routing);
        routing.any("/v1/*", (req, res) -> {
            throw Problem.notFound("No route " + req.prologue().method().text() + " " + req.path().path() + ".");
        });
        errors(routing);
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
                new Route("GET", "/v1/catalog", authentication.anyone(nativeApi::catalog)),
                new Route("GET", "/v1/services", nativeApi::services),
                new Route("GET", "/v1/countries", nativeApi::countries),
                new Route("POST", "/v1/activations", authentication.customer(nativeApi::placeOrder)),
                new Route("GET", "/v1/activations", authentication.customer(nativeApi::listActivations)),
                new Route("GET", "/v1/activations/{id}", authentication.customer(nativeApi::getActivation)),
                new Route("POST", "/v1/activations/{id}/cancel", authentication.customer(nativeApi::cancel)),
                new Route("POST", "/v1/activations/{id}/finish", authentication.customer(nativeApi::finish)),
                new Route("POST", "/v1/activations/{id}/retry", authentication.customer(nativeApi::retry)),
                new Route("GET", "/v1/activations/{id}/reuse", authentication.customer(nativeApi::reuseQuote)),
                new Route("POST", "/v1/activations/{id}/reuse", authentication.customer(nativeApi::reuse)),
                new Route("POST", "/v1/activations/{id}/messages/{messageId}/buy", authentication.customer(nativeApi::buyLateSms)),
                new Route("GET", "/v1/activations/{id}/events", authentication.customer(nativeApi::activationEvents)),
                new Route("GET", "/v1/events", authentication.customer(nativeApi::accountEvents)),
                new Route("GET", "/v1/balance", authentication.customer(nativeApi::balance)),
                new Route("GET", "/v1/api-keys", authentication.customer(nativeApi::listKeys)),
                new Route("POST", "/v1/api-keys", authentication.customer(nativeApi::createKey)),
                new Route("DELETE", "/v1/api-keys/{id}", authentication.customer(nativeApi::revokeKey)),
                new Route("POST", "/v1/webhook-endpoints", authentication.customer(webhookEndpoints::create)),
                new Route("GET", "/v1/webhook-endpoints", authentication.customer(webhookEndpoints::list)),
                new Route("DELETE", "/v1/webhook-endpoints/{id}", authentication.customer(webhookEndpoints::delete)),
                new Route("PATCH", "/v1/webhook-endpoints/{id}", authentication.customer(webhookEndpoints::update)),
                new Route("GET", "/v1/webhook-endpoints/{id}/deliveries", authentication.customer(webhookEndpoints::deliveries)),
                new Route("POST", "/v1/webhook-endpoints/{id}/rotate-secret", authentication.customer(webhookEndpoints::rotateSecret)),
                new Route("POST", "/v1/webhook-endpoints/{id}/test", authentication.customer(webhookEndpoints::sendTestEvent)),
                new Route("POST", "/v1/webhook-endpoints/{id}/deliveries/{messageId}/replay", authentication.customer(webhookEndpoints::replay)),
                new Route("POST", "/v1/topups", authentication.customer(money::createTopup)),
                new Route("GET", "/v1/topups", authentication.customer(money::listTopups)),
                new Route("GET", "/v1/topups/{id}", authentication.customer(money::getTopup)),
                new Route("GET", "/v1/balance/transactions", authentication.customer(money::transactions)),
                new Route("GET", "/v1/balance/transactions.csv", authentication.customer(money::transactionsCsv))));
        routes.addAll(rentalRoutes());
        operator.ifPresent(o -> routes.addAll(operatorRoutes(o)));
        // Test keys simulate SMS on every node; on a production node live keys are refused.
        routes.add(new Route("POST", "/v1/sandbox/sms", authentication.customer(nativeApi::injectSms)));
        if (sandbox) {
            routes.add(new Route("POST", "/v1/sandbox/accounts", nativeApi::createSandboxAccount));
        }
        return routes;
    }

    /** Numbers rented for hours to weeks (issue 18); the sandbox's SMS injection works as {@code /v1/sandbox/sms} does. */
    private List<Route> rentalRoutes() {
        return List.of(
                new Route("GET", "/v1/rental-offers", authentication.customer(rentals::offers)),
                new Route("POST", "/v1/rentals", authentication.customer(rentals::rent)),
                new Route("GET", "/v1/rentals", authentication.customer(rentals::list)),
                new Route("GET", "/v1/rentals/{id}", authentication.customer(rentals::get)),
                new Route("POST", "/v1/rentals/{id}/extend", authentication.customer(rentals::extend)),
                new Route("POST", "/v1/rentals/{id}/cancel", authentication.customer(rentals::cancel)),
                new Route("POST", "/v1/rentals/{id}/finish", authentication.customer(rentals::finish)),
                new Route("GET", "/v1/rentals/{id}/events", authentication.customer(rentals::events)),
                new Route("POST", "/v1/sandbox/rentals/{id}/sms", authentication.customer(rentals::injectSms)));
    }

    private List<Route> operatorRoutes(OperatorHandlers o) {
        List<Route> routes = new ArrayList<>(List.of(
                new Route("GET", "/v1/operator/providers", o::providers),
                new Route("GET", "/v1/operator/audit", o::audit),
                new Route("GET", "/v1/operator/providers/{name}/refreshes", o::refreshes),
                new Route("GET", "/v1/operator/providers/{name}/offer-history", o::offerHistory),
                new Route("PUT", "/v1/operator/providers/{name}/pause", o::pause),
                new Route("GET", "/v1/operator/markups", o::markups),
                new Route("PUT", "/v1/operator/markups", o::setMarkups),
                new Route("GET", "/v1/operator/pool", o::pool),
                new Route("POST", "/v1/operator/pool", o::importPool),
                new Route("GET", "/v1/operator/upstream-reports", o::reports),
                new Route("GET", "/v1/operator/accounts/{id}/balance", o::accountBalance),
                new Route("POST", "/v1/operator/accounts/{id}/adjustments", o::adjust),
                new Route("GET", "/v1/operator/stripe-events/waiting", o::waitingStripeEvents),
                new Route("GET", "/v1/operator/sms-reviews", o::smsReviews),
                new Route("POST", "/v1/operator/sms-reviews/{id}/code", o::markCode),
                new Route("POST", "/v1/operator/sms-reviews/{id}/dismiss", o::dismissSms),
                new Route("GET", "/v1/operator/code-templates", o::codeTemplates),
                new Route("POST", "/v1/operator/code-templates", o::addCodeTemplate),
                new Route("DELETE", "/v1/operator/code-templates/{id}", o::removeCodeTemplate),
                new Route("GET", "/v1/operator/operators", operatorRoles::list),
                new Route("PUT", "/v1/operator/operators/{email}", operatorRoles::grant),
                new Route("DELETE", "/v1/operator/operators/{email}", operatorRoles::revoke)));
        if (sandbox) {
            // Only a sandbox has simulated upstreams to break; in production these paths do not exist.
            routes.add(new Route("GET", "/v1/operator/sandbox/upstreams", sandboxUpstreams::list));
            routes.add(new Route("POST", "/v1/operator/sandbox/upstreams/{name}/chaos", sandboxUpstreams::chaos));
        }
        // What each change is about, read before and after it for the audit log.
        Map<String, AuditedOperator.State> states = Map.of(
                "/v1/operator/providers/{name}/pause", o::providerState,
                "/v1/operator/markups", o::markupState,
                "/v1/operator/accounts/{id}/adjustments", o::balanceState,
                "/v1/operator/operators/{email}", operatorRoles::state);
        return routes.stream().map(r -> new Route(r.method(), r.path(), authentication.operator(r.method().equals("GET") ? r.handler()
                : audited.audited(r.method() + " " + r.path(), states.getOrDefault(r.path(), AuditedOperator.State.NONE), r.handler()))))
                .toList();
    }

    /** "METHOD /path" of every route in {@link #routes()}, for documentation checks. */
    public List<String> routeNames() {
        return routes().stream().map(r -> r.method() + " " + r.path()).toList();
    }

    /** sms-activate's one path, for GET and POST alike; it authenticates by its own parameters. */
    private void smsActivateRoutes(HttpRouting.Builder routing) {
        SmsActivateApi smsActivate = new SmsActivateApi(authentication, ledger, orders, inventory, retries);
        routing.get(SmsActivateApi.PATH, smsActivate::handle).post(SmsActivateApi.PATH, smsActivate::handle);
    }

    /** 5sim's routes, beside the native API's (which has no {@code /v1/guest} or {@code /v1/user}). */
    private void fiveSimRoutes(HttpRouting.Builder routing) {
        FiveSimApi fiveSim = new FiveSimApi(ledger, orders, inventory, accounts, retries);
        // Rentals ("hosting" numbers): an order id that is one of the caller's rentals is answered for the rental.
        FiveSimRent hosting = new FiveSimRent(orders, inventory, retries);
        routing.get("/v1/guest/products/{country}/{operator}", fiveSim::products)
                .get("/v1/guest/prices", fiveSim::prices)
                .get("/v1/guest/countries", fiveSim::countries)
                .get("/v1/user/profile", authentication.fiveSim(fiveSim::profile))
                .get("/v1/user/orders", authentication.fiveSim(fiveSim::orders))
                .get("/v1/user/payments", authentication.fiveSim(fiveSim::payments))
                .get("/v1/user/max-prices", authentication.fiveSim(fiveSim::maxPrices))
                .post("/v1/user/max-prices", authentication.fiveSim(fiveSim::setMaxPrice))
                .delete("/v1/user/max-prices", authentication.fiveSim(fiveSim::removeMaxPrice))
                .get("/v1/user/sms/inbox/{id}", authentication.fiveSim(fiveSim::inbox))
                .get("/v1/user/buy/activation/{country}/{operator}/{product}", authentication.fiveSimCaller(fiveSim::buy))
                .get("/v1/user/reuse/{product}/{number}", authentication.fiveSimCaller(fiveSim::reuse))
                .get("/v1/user/buy/hosting/{country}/{operator}/{product}", authentication.fiveSimCaller(hosting::buy))
                .get("/v1/user/check/{id}", authentication.fiveSim(orRental(hosting, FiveSimRent.Act.CHECK, fiveSim::check)))
                .get("/v1/user/finish/{id}", authentication.fiveSim(orRental(hosting, FiveSimRent.Act.FINISH, fiveSim::finish)))
                .get("/v1/user/cancel/{id}", authentication.fiveSim(orRental(hosting, FiveSimRent.Act.CANCEL, fiveSim::cancel)))
                .get("/v1/user/ban/{id}", authentication.fiveSim(orRental(hosting, FiveSimRent.Act.CANCEL, fiveSim::ban)));
    }

    /** 5sim's order routes: the caller's rental of that id answers, else its activation handler. */
    private static Authentication.AccountHandler orRental(FiveSimRent hosting, FiveSimRent.Act act, Authentication.AccountHandler activation) {
        return (owner, req, res) -> {
            if (!hosting.answer(act, owner, req, res)) {
                activation.handle(owner, req, res);
            }
        };
    }

    /** What providers and Stripe push: each authenticated by its sender's own signature or secret, not an API key. */
    private void pushRoutes(HttpRouting.Builder routing) {
        routing.post("/inbound/twilio", inbound::twilio)
                .post("/inbound/sms-gate", inbound::smsGate)
                .post("/agent/{provider}", inbound::agentPush)
                .post("/inbound/sms-activate/{provider}/{secret}", inbound::smsActivatePush)
                .post("/webhooks/stripe", money::stripeEvent);
    }

    private static void errors(HttpRouting.Builder routing) {
        routing.error(Problem.class, (req, res, p) -> p.send(res))
                // Helidon's own answers (no route for this method and path, a malformed request)
                // keep their status; they are the client's doing, not a failure of ours.
                .error(HttpException.class, (req, res, e) -> {
                    int status = e.status().code();
                    if (req.prologue().method() == Method.HEAD) {
                        res.status(Status.create(status)).send();
                    } else {
                        send(res, status, "text/plain; charset=utf-8",
                                (status == 404 ? "Not found" : e.status().reasonPhrase()).getBytes(StandardCharsets.UTF_8));
                    }
                })
                .error(Exception.class, (req, res, e) -> {
                    LOG.log(Level.SEVERE, "unexpected failure on " + req.prologue().method().text() + " " + req.path().path(), e);
                    new Problem(ProblemType.SERVER_ERROR, "Something failed on our side. Retrying is safe: "
                            + "an order retried with the same Idempotency-Key is never placed twice.").send(res);
                });
    }

    private static void send(ServerResponse res, int status, String contentType, byte[] body) {
        res.status(Status.create(status)).header(HeaderNames.CONTENT_TYPE, contentType).send(body);
    }

    /** The OpenAPI 3.1 document of this API, served as it is in the jar. */
    static byte[] openApiDocument() {
        try (var in = ApiRouter.class.getResourceAsStream("openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
