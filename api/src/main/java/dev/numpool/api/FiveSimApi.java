package dev.numpool.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Offer;
import dev.numpool.inventory.Service;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Activation;
import dev.numpool.orders.ActivationChange;
import dev.numpool.orders.ActivationStatus;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.Orders;
import dev.numpool.orders.PlaceResult;
import dev.numpool.orders.StoredResponse;
import io.helidon.common.parameters.Parameters;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BiFunction;
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
 * unknown order with 404, and a missing or bad key with 401 and an empty body (answered by
 * {@link Authentication#fiveSim} before any handler here runs). Where 5sim has no
 * word for a Numpool rule: cancelling within the early-cancel window answers 400
 * {@code order not cancelable yet}; the live-activation limit answers 400 {@code limit reached};
 * {@code ban} gives the number back and refunds like a cancel (the order then reads
 * {@code CANCELED}).
 */
final class FiveSimApi {
    /** The order in which this protocol has always checked buy's parameters: the first wrong one is answered. */
    private static final List<OrderParser.Param> ORDER_CHECKS = List.of(OrderParser.Param.COUNTRY, OrderParser.Param.OPERATOR,
            OrderParser.Param.SERVICE, OrderParser.Param.MAX_PRICE, OrderParser.Param.EXCLUDED_PREFIXES);

    private final Ledger ledger;
    private final Orders orders;
    private final Inventory inventory;
    private final Map<String, Service> products;
    private final Map<String, Country> countries;

    FiveSimApi(Ledger ledger, Orders orders, Inventory inventory) {
        this.ledger = ledger;
        this.orders = orders;
        this.inventory = inventory;
        this.products = inventory.services().stream().filter(s -> s.fivesimName() != null)
                .collect(Collectors.toUnmodifiableMap(Service::fivesimName, Function.identity()));
        this.countries = inventory.countries().stream().filter(c -> c.fivesimName() != null)
                .collect(Collectors.toUnmodifiableMap(Country::fivesimName, Function.identity()));
    }

    // Guest --------------------------------------------------------------------------------------

    void products(ServerRequest req, ServerResponse res) {
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
        Json.send(res, 200, productsJson(inventory.offers(Optional.empty(), country)));
    }

    /** Stock summed and the cheapest price per product, over every offer that has a 5sim name. */
    private static ObjectNode productsJson(List<Offer> offers) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (Offer o : offers) {
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
        return body;
    }

    /**
     * {@code ?country=&product=} (both optional): every offer by country, product and operator,
     * with {@code rate} (the delivery percent) when the question names a country or a product.
     */
    void prices(ServerRequest req, ServerResponse res) {
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
        Json.send(res, 200, pricesJson(inventory.offers(product, country), country.isPresent() || product.isPresent()));
    }

    private ObjectNode pricesJson(List<Offer> offers, boolean withRate) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (Offer o : offers) {
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
        return body;
    }

    // User ---------------------------------------------------------------------------------------

    void profile(AccountId owner, ServerRequest req, ServerResponse res) {
        var balance = ledger.balance(owner);
        ObjectNode body = Json.MAPPER.createObjectNode().put("id", owner.value()).put("email", "")
                .put("balance", new BigDecimal(Money.format(balance.availableMicros()))).put("rating", 96);
        body.putObject("default_country").put("name", "any").put("iso", "any").put("prefix", "");
        body.putObject("default_operator").put("name", "any");
        body.put("frozen_balance", new BigDecimal(Money.format(balance.heldMicros())));
        Json.send(res, 200, body);
    }

    void buy(AccountId owner, ServerRequest req, ServerResponse res) {
        Parameters path = req.path().pathParameters();
        Set<OrderParser.Param> unreadable = EnumSet.noneOf(OrderParser.Param.class);
        OptionalLong maxPrice = OrderParser.maxPrice(Requests.query(req, "maxPrice"), unreadable);
        OrderParser.Draft draft = new OrderParser.Draft(Optional.ofNullable(products.get(path.get("product"))),
                Optional.ofNullable(countries.get(path.get("country"))), path.get("operator"), maxPrice, List.of(), unreadable);
        switch (OrderParser.parse(draft, ORDER_CHECKS)) {
            case OrderParser.Parsed.Invalid invalid -> text(res, 400, wrongParam(invalid.param()));
            case OrderParser.Parsed.Valid valid -> placed(res, orders.place(owner, valid.order(), OrderParser.oneOffKey("5sim"),
                    Orders.fingerprint("GET", req.path().path() + "?" + req.query().rawValue(), new byte[0]),
                    a -> new StoredResponse(200, new byte[0])));
        }
    }

    private static String wrongParam(OrderParser.Param param) {
        return switch (param) {
            case COUNTRY -> "bad country";
            case OPERATOR -> "bad operator";
            case SERVICE -> "no product";
            case MAX_PRICE -> "bad maxPrice";
            case EXCLUDED_PREFIXES -> throw new IllegalStateException("5sim sends no excluded prefixes");
        };
    }

    private void placed(ServerResponse res, PlaceResult result) {
        switch (result) {
            case PlaceResult.Placed placed -> Json.send(res, 200, order(placed.activation(), Optional.empty()));
            case PlaceResult.NoNumbers none -> text(res, 200, "no free phones");
            case PlaceResult.PriceAboveMax above -> text(res, 200, "no free phones");
            case PlaceResult.InsufficientBalance poor -> text(res, 400, "not enough user balance");
            case PlaceResult.TooManyLive many -> text(res, 400, "limit reached");
            // A fresh key is never replayed, reused or busy.
            case PlaceResult.Replayed r -> text(res, 500, "server error");
            case PlaceResult.KeyReused r -> text(res, 500, "server error");
            case PlaceResult.InProgress r -> text(res, 500, "server error");
        }
    }

    void check(AccountId owner, ServerRequest req, ServerResponse res) {
        Optional<Activation> a = id(req).flatMap(i -> orders.activation(owner, i));
        if (a.isEmpty()) {
            text(res, 404, "order not found");
            return;
        }
        Json.send(res, 200, order(a.get(), Optional.empty()));
    }

    void finish(AccountId owner, ServerRequest req, ServerResponse res) {
        change(owner, req, res, orders::finish, ActivationStatus.FINISHED, Optional.empty());
    }

    void cancel(AccountId owner, ServerRequest req, ServerResponse res) {
        change(owner, req, res, orders::cancel, ActivationStatus.CANCELLED, Optional.empty());
    }

    /** Gives the number back and refunds like a cancel; the answer alone reads {@code BANNED}. */
    void ban(AccountId owner, ServerRequest req, ServerResponse res) {
        change(owner, req, res, orders::cancel, ActivationStatus.CANCELLED, Optional.of("BANNED"));
    }

    /**
     * {@code again} is the state a retried request finds the order in (bots retry on timeouts): it
     * gets the order as it is; an order ended the other way round is expired.
     */
    private void change(AccountId owner, ServerRequest req, ServerResponse res, BiFunction<AccountId, Integer, ActivationChange> action,
                        ActivationStatus again, Optional<String> shownAs) {
        Optional<Integer> id = id(req);
        if (id.isEmpty()) {
            text(res, 400, "order not found");
            return;
        }
        switch (action.apply(owner, id.get())) {
            case ActivationChange.Changed changed -> Json.send(res, 200, order(changed.activation(), shownAs));
            case ActivationChange.NotFound nf -> text(res, 400, "order not found");
            case ActivationChange.EarlyCancelDenied early -> text(res, 400, "order not cancelable yet");
            case ActivationChange.CodeAlreadyReceived code -> text(res, 400, "order has sms");
            case ActivationChange.NoCodeYet none -> text(res, 400, "order no sms");
            case ActivationChange.AlreadyEnded ended when ended.status() == again ->
                    Json.send(res, 200, order(orders.activation(owner, id.get()).orElseThrow(), Optional.empty()));
            case ActivationChange.AlreadyEnded ended -> text(res, 400, "order expired");
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

    private static Optional<Integer> id(ServerRequest req) {
        return Requests.parseActivationId(req.path().pathParameters().get("id"));
    }

    private static void text(ServerResponse res, int status, String message) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").send(message.getBytes(StandardCharsets.UTF_8));
    }
}
