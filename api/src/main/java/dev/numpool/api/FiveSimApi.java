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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The 5sim compatible API: {@code /v1/guest/*} and {@code /v1/user/*}, beside the native API's
 * own {@code /v1/…} routes (the two never share a path: the native API has no {@code guest} or
 * {@code user}). Countries and products are 5sim's lowercase names, mapped through the catalogue
 * ({@code russia} ↔ 0, {@code telegram} ↔ {@code tg}); the operator is always {@code any}, since
 * Numpool routes by offer. A thin adapter over the same doors as the native API.
 *
 * <p>Errors are 5sim's plain text: {@code no free phones} with HTTP 200, others with 400, an
 * unknown order with 404, and a missing or bad key with 401 and an empty body. Where 5sim has no
 * word for a Numpool rule: cancelling within the early-cancel window answers 400
 * {@code order not cancelable yet}; the live-activation limit answers 400 {@code limit reached};
 * {@code ban} gives the number back and refunds like a cancel (the order then reads
 * {@code CANCELED}).
 */
final class FiveSimApi {
    private final Accounts accounts;
    private final Ledger ledger;
    private final Orders orders;
    private final Inventory inventory;
    private final Map<String, Service> products;
    private final Map<String, Country> countries;

    FiveSimApi(Accounts accounts, Ledger ledger, Orders orders, Inventory inventory) {
        this.accounts = accounts;
        this.ledger = ledger;
        this.orders = orders;
        this.inventory = inventory;
        this.products = inventory.services().stream().filter(s -> s.fivesimName() != null)
                .collect(Collectors.toUnmodifiableMap(Service::fivesimName, Function.identity()));
        this.countries = inventory.countries().stream().filter(c -> c.fivesimName() != null)
                .collect(Collectors.toUnmodifiableMap(Country::fivesimName, Function.identity()));
    }

    void routing(HttpRouting.Builder routing) {
        routing.get("/v1/guest/products/{country}/{operator}", this::products)
                .get("/v1/guest/prices", this::prices)
                .get("/v1/user/profile", this::profile)
                .get("/v1/user/buy/activation/{country}/{operator}/{product}", this::buy)
                .get("/v1/user/check/{id}", this::check)
                .get("/v1/user/finish/{id}", (req, res) -> change(req, res, orders::finish))
                .get("/v1/user/cancel/{id}", (req, res) -> change(req, res, orders::cancel))
                .get("/v1/user/ban/{id}", (req, res) -> change(req, res, orders::cancel));
    }

    // Guest --------------------------------------------------------------------------------------

    private void products(ServerRequest req, ServerResponse res) {
        String countryName = req.path().pathParameters().get("country");
        Optional<Country> country = countryName.equals("any") ? Optional.empty() : Optional.ofNullable(countries.get(countryName));
        if (!countryName.equals("any") && country.isEmpty()) {
            text(res, 400, "bad country");
            return;
        }
        if (!req.path().pathParameters().get("operator").equals("any")) {
            text(res, 400, "bad operator");
            return;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (Offer o : inventory.offers(Optional.empty(), country)) {
            String product = o.service().fivesimName();
            if (product == null) {
                continue;
            }
            ObjectNode n = body.has(product) ? (ObjectNode) body.get(product) : body.putObject(product);
            long qty = n.path("Qty").asLong(0) + o.stock();
            BigDecimal price = new BigDecimal(Money.format(o.priceMicros()));
            BigDecimal cheapest = n.has("Price") && n.get("Price").decimalValue().compareTo(price) < 0 ? n.get("Price").decimalValue() : price;
            n.put("Category", "activation").put("Qty", qty).put("Price", cheapest);
        }
        json(res, 200, body);
    }

    /**
     * {@code ?country=&product=} (both optional): every offer by country, product and operator,
     * with {@code rate} (the delivery percent) when the question names a country or a product.
     */
    private void prices(ServerRequest req, ServerResponse res) {
        Optional<String> countryName = Requests.query(req, "country");
        Optional<String> productName = Requests.query(req, "product");
        Optional<Country> country = countryName.map(countries::get);
        Optional<Service> product = productName.map(products::get);
        if (countryName.isPresent() && country.isEmpty()) {
            text(res, 400, "bad country");
            return;
        }
        if (productName.isPresent() && product.isEmpty()) {
            text(res, 400, "no product");
            return;
        }
        boolean withRate = country.isPresent() || product.isPresent();
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (Offer o : inventory.offers(product, country)) {
            if (o.country().fivesimName() == null || o.service().fivesimName() == null) {
                continue;
            }
            ObjectNode byCountry = body.has(o.country().fivesimName()) ? (ObjectNode) body.get(o.country().fivesimName())
                    : body.putObject(o.country().fivesimName());
            ObjectNode any = byCountry.putObject(o.service().fivesimName()).putObject("any")
                    .put("cost", new BigDecimal(Money.format(o.priceMicros()))).put("count", o.stock());
            if (withRate) {
                any.put("rate", inventory.deliveryPercent(o.service().code(), o.country().id()));
            }
        }
        json(res, 200, body);
    }

    // User ---------------------------------------------------------------------------------------

    private void profile(ServerRequest req, ServerResponse res) {
        Optional<AccountId> owner = owner(req);
        if (owner.isEmpty()) {
            unauthorized(res);
            return;
        }
        var balance = ledger.balance(owner.get());
        ObjectNode body = Json.MAPPER.createObjectNode().put("id", owner.get().value()).put("email", "")
                .put("balance", new BigDecimal(Money.format(balance.availableMicros()))).put("rating", 96);
        body.putObject("default_country").put("name", "any").put("iso", "any").put("prefix", "");
        body.putObject("default_operator").put("name", "any");
        body.put("frozen_balance", new BigDecimal(Money.format(balance.heldMicros())));
        json(res, 200, body);
    }

    private void buy(ServerRequest req, ServerResponse res) {
        Optional<AccountId> owner = owner(req);
        if (owner.isEmpty()) {
            unauthorized(res);
            return;
        }
        Country country = countries.get(req.path().pathParameters().get("country"));
        if (country == null) {
            text(res, 400, "bad country");
            return;
        }
        String operator = req.path().pathParameters().get("operator");
        if (!OrderRequest.validOperator(operator)) {
            text(res, 400, "bad operator");
            return;
        }
        Service product = products.get(req.path().pathParameters().get("product"));
        if (product == null) {
            text(res, 400, "no product");
            return;
        }
        OptionalLong maxPrice = OptionalLong.empty();
        Optional<String> rawMax = Requests.query(req, "maxPrice");
        if (rawMax.isPresent()) {
            maxPrice = Money.parseMicros(rawMax.get().strip());
            if (maxPrice.isEmpty() || !OrderRequest.validMaxPrice(maxPrice.getAsLong())) {
                text(res, 400, "bad maxPrice");
                return;
            }
        }
        OrderRequest order = new OrderRequest(product, country, operator, maxPrice, List.of());
        // 5sim has no idempotency key: every call is a new order.
        IdempotencyKey key = IdempotencyKey.of("5sim-" + UUID.randomUUID()).orElseThrow();
        byte[] fingerprint = Orders.fingerprint("GET", req.path().path() + "?" + req.query().rawValue(), new byte[0]);
        switch (orders.place(owner.get(), order, key, fingerprint, a -> new StoredResponse(200, new byte[0]))) {
            case PlaceResult.Placed placed -> json(res, 200, order(placed.activation(), Optional.empty()));
            case PlaceResult.NoNumbers none -> text(res, 200, "no free phones");
            case PlaceResult.PriceAboveMax above -> text(res, 200, "no free phones");
            case PlaceResult.InsufficientBalance poor -> text(res, 400, "not enough user balance");
            case PlaceResult.TooManyLive many -> text(res, 400, "limit reached");
            case PlaceResult.Replayed r -> text(res, 500, "server error");
            case PlaceResult.KeyReused r -> text(res, 500, "server error");
            case PlaceResult.InProgress r -> text(res, 500, "server error");
        }
    }

    private void check(ServerRequest req, ServerResponse res) {
        Optional<AccountId> owner = owner(req);
        if (owner.isEmpty()) {
            unauthorized(res);
            return;
        }
        Optional<Integer> id = id(req);
        Optional<Activation> a = id.flatMap(i -> orders.activation(owner.get(), i));
        if (a.isEmpty()) {
            text(res, 404, "order not found");
            return;
        }
        json(res, 200, order(a.get(), Optional.empty()));
    }

    private void change(ServerRequest req, ServerResponse res, java.util.function.BiFunction<AccountId, Integer, ActivationChange> action) {
        Optional<AccountId> owner = owner(req);
        if (owner.isEmpty()) {
            unauthorized(res);
            return;
        }
        Optional<Integer> id = id(req);
        if (id.isEmpty()) {
            text(res, 400, "order not found");
            return;
        }
        boolean ban = req.path().path().startsWith("/v1/user/ban/");
        switch (action.apply(owner.get(), id.get())) {
            case ActivationChange.Changed changed -> json(res, 200, order(changed.activation(), ban ? Optional.of("BANNED") : Optional.empty()));
            case ActivationChange.NotFound nf -> text(res, 400, "order not found");
            case ActivationChange.EarlyCancelDenied early -> text(res, 400, "order not cancelable yet");
            case ActivationChange.CodeAlreadyReceived code -> text(res, 400, "order has sms");
            case ActivationChange.NoCodeYet none -> text(res, 400, "order no sms");
            case ActivationChange.AlreadyEnded ended -> {
                // A retried finish or cancel gets the order as it is; the other way round is expired.
                Activation a = orders.activation(owner.get(), id.get()).orElseThrow();
                boolean sameAgain = req.path().path().startsWith("/v1/user/finish/") ? ended.status() == ActivationStatus.FINISHED
                        : ended.status() == ActivationStatus.CANCELLED;
                if (sameAgain) {
                    json(res, 200, order(a, Optional.empty()));
                } else {
                    text(res, 400, "order expired");
                }
            }
        }
    }

    /** An order as 5sim shows it. */
    private ObjectNode order(Activation a, Optional<String> statusOverride) {
        Country country = inventory.country(a.country()).orElseThrow();
        Service service = inventory.service(a.service()).orElseThrow();
        ObjectNode n = Json.MAPPER.createObjectNode().put("id", a.id()).put("phone", a.phone().e164())
                .put("operator", a.operator()).put("product", Optional.ofNullable(service.fivesimName()).orElse(service.code()))
                .put("price", new BigDecimal(Money.format(a.priceMicros())))
                .put("status", statusOverride.orElseGet(() -> status(a.status())))
                .put("expires", a.expiresAt().toString());
        ArrayNode sms = n.putArray("sms");
        for (Activation.Message m : a.liveMessages()) { // with a code or not: the text is the customer's either way
            sms.addObject().put("created_at", m.receivedAt().toString()).put("date", m.receivedAt().toString())
                    .put("sender", m.sender()).put("text", m.text()).put("code", m.code().orElse(""));
        }
        n.put("created_at", a.createdAt().toString()).put("forwarding", false).put("forwarding_number", "")
                .put("country", Optional.ofNullable(country.fivesimName()).orElse(country.name().toLowerCase(Locale.ROOT)));
        return n;
    }

    private static String status(ActivationStatus status) {
        return switch (status) {
            case WAITING_CODE, CODE_RECEIVED -> "RECEIVED";
            case FINISHED -> "FINISHED";
            case CANCELLED -> "CANCELED";
            case EXPIRED -> "TIMEOUT";
        };
    }

    private Optional<AccountId> owner(ServerRequest req) {
        return Requests.bearer(req).flatMap(accounts::authenticate);
    }

    private static Optional<Integer> id(ServerRequest req) {
        return Requests.parseActivationId(req.path().pathParameters().get("id"));
    }

    private static void unauthorized(ServerResponse res) {
        res.status(401).send();
    }

    private static void text(ServerResponse res, int status, String message) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").send(message.getBytes(StandardCharsets.UTF_8));
    }

    private static void json(ServerResponse res, int status, ObjectNode body) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "application/json").send(Json.bytes(body));
    }
}
