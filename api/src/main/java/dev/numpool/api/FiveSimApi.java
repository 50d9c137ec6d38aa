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
import dev.numpool.inventory.PhoneNumber;
import dev.numpool.inventory.Service;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Activation;
import dev.numpool.orders.ActivationChange;
import dev.numpool.orders.ActivationStatus;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.OrderRequest;
import dev.numpool.orders.Orders;
import dev.numpool.orders.PlaceResult;
import dev.numpool.orders.RetryGuard;
import dev.numpool.orders.StoredResponse;
import io.helidon.common.parameters.Parameters;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
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

    /** 5sim's page of orders and payments: 15 unless asked, at most 100. */
    private static final int PAGE = 15;
    private static final int MAX_PAGE = 100;
    /** The fields of a price limit's POST and DELETE body. */
    private static final Set<String> LIMIT_FIELDS = Set.of("product_name", "price");

    private final Ledger ledger;
    private final Orders orders;
    private final Inventory inventory;
    private final Accounts accounts;
    private final CompatRetries retries;
    private final Map<String, Service> products;
    private final Map<String, Country> countries;

    FiveSimApi(Ledger ledger, Orders orders, Inventory inventory, Accounts accounts, CompatRetries retries) {
        this.ledger = ledger;
        this.orders = orders;
        this.inventory = inventory;
        this.accounts = accounts;
        this.retries = retries;
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
        String operator = req.path().pathParameters().get("operator");
        if (operator.equals("any")) {
            Json.send(res, 200, productsJson(inventory.offers(Optional.empty(), country)));
            return;
        }
        // One operator's products: the offers of the upstreams that sell through it.
        List<Offer> through = inventory.operatorOffers(Optional.empty(), country, Mode.LIVE).stream()
                .filter(o -> o.operator().equals(operator)).map(Inventory.OperatorOffer::offer).toList();
        if (through.isEmpty()) {
            // No provider sells through it here now: as 5sim answers an operator it does not know.
            text(res, 400, "bad operator");
            return;
        }
        Json.send(res, 200, productsJson(through));
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
        Json.send(res, 200, pricesJson(inventory.offers(product, country), inventory.operatorOffers(product, country, Mode.LIVE),
                country.isPresent() || product.isPresent()));
    }

    /** {@code any} (the router's choice, the lowest price) and beside it each operator upstreams quote by name. */
    private ObjectNode pricesJson(List<Offer> offers, List<Inventory.OperatorOffer> byOperator, boolean withRate) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (Offer o : offers) {
            if (o.country().fivesimName() == null || o.service().fivesimName() == null) {
                continue;
            }
            ObjectNode byCountry = body.has(o.country().fivesimName()) ? (ObjectNode) body.get(o.country().fivesimName())
                    : body.putObject(o.country().fivesimName());
            ObjectNode product = byCountry.putObject(o.service().fivesimName());
            operatorPrice(product, "any", o.priceMicros(), o.stock(), withRate ? OptionalDouble.of(inventory.deliveryPercent(o.service().code(),
                    o.country().id())) : OptionalDouble.empty());
        }
        for (Inventory.OperatorOffer o : byOperator) {
            JsonNode product = body.path(String.valueOf(o.country().fivesimName())).path(String.valueOf(o.service().fivesimName()));
            if (product instanceof ObjectNode listed) {
                operatorPrice(listed, o.operator(), o.priceMicros(), o.stock(), withRate
                        ? OptionalDouble.of(inventory.deliveryPercent(o.service().code(), o.country().id())) : OptionalDouble.empty());
            }
        }
        return body;
    }

    private static void operatorPrice(ObjectNode product, String operator, long priceMicros, int stock, OptionalDouble rate) {
        ObjectNode n = product.putObject(operator).put("cost", new BigDecimal(Money.format(priceMicros))).put("count", stock);
        rate.ifPresent(r -> n.put("rate", r));
    }

    /**
     * {@code GET /v1/guest/countries}: every country by its 5sim name, {@code {"russia": {"iso":
     * {"ru": 1}, "prefix": {"+7": 1}, "text_en": "Russia", "text_ru": "Россия", "any": {"activation": 1}}}}
     * (5sim lists its operators beside the names: {@code any}, and those upstreams quote by name).
     */
    void countries(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (Country c : inventory.countries()) {
            if (c.fivesimName() == null) {
                continue;
            }
            ObjectNode n = body.putObject(c.fivesimName());
            n.putObject("iso").put(c.iso2().toLowerCase(Locale.ROOT), 1);
            n.putObject("prefix").put("+" + c.callingCode(), 1);
            n.put("text_en", c.name()).put("text_ru", inventory.countryNames(c.id()).map(CountryNames::russian).orElse(c.name()));
            n.putObject("any").put("activation", 1);
        }
        for (Inventory.OperatorOffer o : inventory.operatorOffers(Optional.empty(), Optional.empty(), Mode.LIVE)) {
            if (body.get(String.valueOf(o.country().fivesimName())) instanceof ObjectNode listed) {
                listed.putObject(o.operator()).put("activation", 1);
            }
        }
        Json.send(res, 200, body);
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

    /**
     * Buys under the account's price limit for the product, if it set one ({@code /v1/user/max-prices}),
     * and the request's {@code maxPrice}, whichever is lower. A retry never buys twice (see
     * {@link CompatRetries}): an {@code Idempotency-Key} replays the first answer; without one, a
     * repeat within the duplicate window answers the first order.
     */
    void buy(Accounts.Caller caller, ServerRequest req, ServerResponse res) {
        AccountId owner = caller.account();
        Parameters path = req.path().pathParameters();
        Set<OrderParser.Param> unreadable = EnumSet.noneOf(OrderParser.Param.class);
        OptionalLong asked = OrderParser.maxPrice(Requests.query(req, "maxPrice"), unreadable);
        Optional<Service> product = Optional.ofNullable(products.get(path.get("product")));
        OptionalLong limit = product.map(p -> accounts.maxPrice(owner, p.code())).orElse(OptionalLong.empty());
        OptionalLong maxPrice = asked.isPresent() && limit.isPresent() ? OptionalLong.of(Math.min(asked.getAsLong(), limit.getAsLong()))
                : asked.isPresent() ? asked : limit;
        OrderParser.Draft draft = new OrderParser.Draft(product, Optional.ofNullable(countries.get(path.get("country"))), path.get("operator"),
                maxPrice, List.of(), unreadable);
        switch (OrderParser.parse(draft, ORDER_CHECKS)) {
            case OrderParser.Parsed.Invalid invalid -> text(res, 400, wrongParam(invalid.param()));
            case OrderParser.Parsed.Valid valid -> {
                Optional<RetryGuard> guard = retries.guard(caller, req,
                        Orders.fingerprint("GET", req.path().path() + "?" + req.query().rawValue(), new byte[0]));
                if (guard.isEmpty()) {
                    text(res, 400, "bad idempotency key");
                    return;
                }
                placed(res, orders.placeRetrySafe(owner, valid.order(), guard.get(), a -> new StoredResponse(200, Json.bytes(order(a, Optional.empty())))));
            }
        }
    }

    /**
     * {@code /v1/user/reuse/{product}/{number}}: the number of the account's latest order on it for
     * the product bought again (5sim's re-buy), an order like any other. 5sim's words when it
     * cannot be: {@code reuse not possible} (no such finished order of the account's, or its
     * provider cannot sell the number again), {@code reuse expired} (the order ended too long ago).
     */
    void reuse(Accounts.Caller caller, ServerRequest req, ServerResponse res) {
        Parameters path = req.path().pathParameters();
        Optional<Service> product = Optional.ofNullable(products.get(path.get("product")));
        if (product.isEmpty()) {
            text(res, 400, "no product");
            return;
        }
        Optional<PhoneNumber> number = PhoneNumber.of("+" + path.get("number").replaceFirst("^\\+", ""));
        Optional<Activation> latest = number.flatMap(n -> orders.latestOnNumber(caller.account(), product.get().code(), n));
        if (latest.isEmpty()) {
            text(res, 400, "reuse not possible");
            return;
        }
        Optional<RetryGuard> guard = retries.guard(caller, req, Orders.fingerprint("GET", req.path().path(), new byte[0]));
        if (guard.isEmpty()) {
            text(res, 400, "bad idempotency key");
            return;
        }
        switch (orders.reuse(caller.account(), latest.get().id(), accounts.maxPrice(caller.account(), product.get().code()), guard.get(),
                a -> new StoredResponse(200, Json.bytes(order(a, Optional.empty()))))) {
            case Orders.ReuseResult.NotFound none -> text(res, 400, "reuse not possible");
            case Orders.ReuseResult.NotReusable no -> text(res, 400, no.reason().contains("hours ago") ? "reuse expired" : "reuse not possible");
            case Orders.ReuseResult.Ordered(PlaceResult.NoNumbers none) -> text(res, 400, "reuse not possible");
            case Orders.ReuseResult.Ordered ordered -> placed(res, ordered.result());
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
            case PlaceResult.Duplicate duplicate -> Json.send(res, 200, order(duplicate.activation(), Optional.empty()));
            case PlaceResult.Replayed replayed -> res.status(replayed.response().status()).header(CompatRetries.REPLAYED, "true")
                    .header(HeaderNames.CONTENT_TYPE, "application/json").send(replayed.response().body());
            case PlaceResult.NoNumbers none -> text(res, 200, "no free phones");
            case PlaceResult.PriceAboveMax above -> text(res, 200, "no free phones");
            case PlaceResult.InsufficientBalance poor -> text(res, 400, "not enough user balance");
            case PlaceResult.TooManyLive many -> text(res, 400, "limit reached");
            case PlaceResult.KeyReused r -> text(res, 422, "idempotency key reused");
            // The first request with this key still runs after the wait: the same key again later.
            case PlaceResult.InProgress r -> text(res, 409, "order in progress");
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

    /**
     * {@code GET /v1/user/orders?category=activation&limit=&offset=&order=id&reverse=}: the account's
     * orders by id, oldest first ({@code reverse=true}: newest first), 15 a page unless asked (at most
     * 100), {@code {"Data":[orders],"ProductNames":[],"Statuses":[],"Total":n}}. Numpool sells
     * activations only: {@code hosting} is an empty list; another category is 400 {@code bad category}.
     * Orders sort by id whatever {@code order} says.
     */
    void orders(AccountId owner, ServerRequest req, ServerResponse res) {
        Optional<String> category = Requests.query(req, "category");
        if (category.isEmpty() || !(category.get().equals("activation") || category.get().equals("hosting"))) {
            text(res, 400, "bad category");
            return;
        }
        long offset = count(req, "offset").orElse(0);
        long limit = Math.min(MAX_PAGE, count(req, "limit").orElse(PAGE));
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("Data");
        int total = 0;
        if (category.get().equals("activation") && limit > 0 && offset <= Orders.HistoryQuery.MAX_OFFSET) {
            Orders.HistoryPage page = orders.history(owner, new Orders.HistoryQuery(Set.of(), Optional.empty(), Optional.empty(),
                    (int) offset, (int) limit, reverse(req)));
            page.items().forEach(a -> data.add(order(a, Optional.empty())));
            total = page.total();
        } else if (category.get().equals("activation")) {
            total = orders.history(owner, new Orders.HistoryQuery(Set.of(), Optional.empty(), Optional.empty(), 0, 1, true)).total();
        }
        body.putArray("ProductNames");
        body.putArray("Statuses");
        body.put("Total", total);
        Json.send(res, 200, body);
    }

    /**
     * {@code GET /v1/user/payments?limit=&offset=&order=id&reverse=}: every movement of the account's
     * money, {@code {"Data":[{"ID","TypeName","ProviderName","Amount","Balance","CreatedAt"}],
     * "PaymentTypes":[{"Name"}],"PaymentProviders":[{"Name"}],"Total":n}}: {@code TypeName} is the
     * ledger's kind ({@code hold}, {@code post}, {@code void}, {@code topup}, …), {@code ProviderName}
     * what caused it ({@code activation}, {@code topup}, {@code adjustment}, {@code sandbox}),
     * {@code Amount} what it did to the available balance (a post moves held money: 0) and
     * {@code Balance} the available balance after it.
     */
    void payments(AccountId owner, ServerRequest req, ServerResponse res) {
        long offset = count(req, "offset").orElse(0);
        long limit = Math.min(MAX_PAGE, count(req, "limit").orElse(PAGE));
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("Data");
        Set<String> types = new java.util.TreeSet<>();
        Set<String> causes = new java.util.TreeSet<>();
        int total;
        if (limit > 0 && offset <= Ledger.MAX_MOVEMENT_OFFSET) {
            Ledger.MovementPage page = ledger.movements(owner, (int) offset, (int) limit, reverse(req));
            for (Ledger.Movement m : page.items()) {
                String cause = m.entry().reference().contains(":") ? m.entry().reference().substring(0, m.entry().reference().indexOf(':'))
                        : m.entry().reference();
                types.add(m.entry().type());
                causes.add(cause);
                data.addObject().put("ID", m.entry().id()).put("TypeName", m.entry().type()).put("ProviderName", cause)
                        .put("Amount", new BigDecimal(Money.format(m.entry().availableChangeMicros())))
                        .put("Balance", new BigDecimal(Money.format(m.availableAfterMicros())))
                        .put("CreatedAt", m.entry().createdAt().toString());
            }
            total = page.total();
        } else {
            total = ledger.movements(owner, 0, 1, true).total();
        }
        ArrayNode typeNames = body.putArray("PaymentTypes");
        types.forEach(t -> typeNames.addObject().put("Name", t));
        ArrayNode causeNames = body.putArray("PaymentProviders");
        causes.forEach(c -> causeNames.addObject().put("Name", c));
        body.put("Total", total);
        Json.send(res, 200, body);
    }

    /** {@code GET /v1/user/max-prices}: {@code [{"id","product","price","created_at"}]}, by product. */
    void maxPrices(AccountId owner, ServerRequest req, ServerResponse res) {
        ArrayNode body = Json.MAPPER.createArrayNode();
        for (Accounts.MaxPrice limit : accounts.maxPrices(owner)) {
            Optional<Service> service = inventory.service(limit.service());
            body.addObject().put("id", limit.id())
                    .put("product", service.map(Service::fivesimName).filter(n -> n != null).orElse(limit.service()))
                    .put("price", new BigDecimal(Money.format(limit.priceMicros()))).put("created_at", limit.createdAt().toString());
        }
        Json.send(res, 200, body);
    }

    /**
     * {@code POST /v1/user/max-prices {"product_name": "telegram", "price": 0.5}}: sets (or replaces)
     * the limit; 200 with an empty body. 400 {@code no product} for a product not sold, {@code bad price}
     * for a price that is no positive amount of at most 6 decimals.
     */
    void setMaxPrice(AccountId owner, ServerRequest req, ServerResponse res) {
        Optional<ObjectNode> body = limitBody(req);
        if (body.isEmpty()) {
            text(res, 400, "bad request");
            return;
        }
        Optional<Service> product = product(body.get());
        OptionalLong price = Json.micros(body.get().get("price"));
        if (product.isEmpty()) {
            text(res, 400, "no product");
        } else if (price.isEmpty() || !OrderRequest.validMaxPrice(price.getAsLong())) {
            text(res, 400, "bad price");
        } else {
            accounts.setMaxPrice(owner, product.get().code(), price.getAsLong());
            res.status(200).send();
        }
    }

    /** {@code DELETE /v1/user/max-prices {"product_name": "telegram"}}: removes the limit (200 also when there was none). */
    void removeMaxPrice(AccountId owner, ServerRequest req, ServerResponse res) {
        Optional<ObjectNode> body = limitBody(req);
        if (body.isEmpty()) {
            text(res, 400, "bad request");
            return;
        }
        Optional<Service> product = product(body.get());
        if (product.isEmpty()) {
            text(res, 400, "no product");
            return;
        }
        accounts.removeMaxPrice(owner, product.get().code());
        res.status(200).send();
    }

    /** A price limit's body: JSON, whatever the content type says (5sim's own examples send it as a form type). */
    private static Optional<ObjectNode> limitBody(ServerRequest req) {
        Optional<byte[]> raw = Requests.boundedBody(req, Requests.MAX_BODY_BYTES);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonNode node = Json.MAPPER.readTree(raw.get());
            if (node == null || !node.isObject()) {
                return Optional.empty();
            }
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                if (!LIMIT_FIELDS.contains(names.next())) {
                    return Optional.empty();
                }
            }
            return Optional.of((ObjectNode) node);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private Optional<Service> product(ObjectNode body) {
        JsonNode name = body.get("product_name");
        return name != null && name.isTextual() ? Optional.ofNullable(products.get(name.asText())) : Optional.empty();
    }

    /**
     * {@code GET /v1/user/sms/inbox/{id}}: the order's SMS, oldest first,
     * {@code {"Data":[{"ID","created_at","date","sender","text","code","is_wave","wave_uuid"}],"Total":n}};
     * 404 {@code order not found} as {@code check} answers.
     */
    void inbox(AccountId owner, ServerRequest req, ServerResponse res) {
        Optional<Activation> a = id(req).flatMap(i -> orders.activation(owner, i));
        if (a.isEmpty()) {
            text(res, 404, "order not found");
            return;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("Data");
        List<Activation.Message> messages = a.get().liveMessages();
        for (Activation.Message m : messages) {
            data.addObject().put("ID", m.id()).put("created_at", m.receivedAt().toString()).put("date", m.receivedAt().toString())
                    .put("sender", m.sender()).put("text", m.text()).put("code", m.code().orElse("")).put("is_wave", false)
                    .put("wave_uuid", "");
        }
        body.put("Total", messages.size());
        Json.send(res, 200, body);
    }

    /** {@code reverse=true}: newest first, as 5sim's clients ask for the latest orders. */
    private static boolean reverse(ServerRequest req) {
        return Requests.query(req, "reverse").map(r -> r.equals("true") || r.equals("1")).orElse(false);
    }

    /** A count or position in the query (digits; anything else is not given). */
    private static OptionalLong count(ServerRequest req, String name) {
        return Requests.query(req, name).filter(v -> v.matches("[0-9]{1,18}")).map(v -> OptionalLong.of(Long.parseLong(v)))
                .orElse(OptionalLong.empty());
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
