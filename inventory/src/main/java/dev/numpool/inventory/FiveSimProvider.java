package dev.numpool.inventory;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.numpool.inventory.UpstreamHttp.Reply;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import static dev.numpool.inventory.UpstreamHttp.JSON;
import static dev.numpool.inventory.UpstreamHttp.MAX_REASON_CHARS;
import static dev.numpool.inventory.UpstreamHttp.clip;
import static dev.numpool.inventory.UpstreamHttp.count;
import static dev.numpool.inventory.UpstreamHttp.micros;
import static dev.numpool.inventory.UpstreamHttp.scalar;
import static dev.numpool.inventory.UpstreamHttp.unreadable;
import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A client of an upstream marketplace that speaks the 5sim REST API ({@code /v1/...}, a Bearer
 * key, JSON orders, plain-text errors).
 *
 * <p>5sim names countries and products by lowercase words ({@code russia}, {@code telegram})
 * where Numpool uses sms-activate country ids and 2-letter service codes, so the adapter holds
 * the catalogue's translation both ways; anything the catalogue cannot name is skipped on the
 * way in and never asked for on the way out.
 *
 * <p>Every answer is first reduced to one of three shapes: a JSON object, a plain-text message
 * ({@code no free phones}, {@code order not found}) or trouble (a timeout, a dropped connection,
 * a 5xx, a refused key, an HTML page); each call maps those shapes to its sealed result. Nothing
 * here throws for upstream trouble, and every exchange is bounded in time and in size.
 */
final class FiveSimProvider implements Provider {
    /** No order or error answer comes near this size; a bigger one is refused, not buffered. */
    static final int MAX_BODY_BYTES = 1 << 20;
    /**
     * The whole price table of a big marketplace runs to a few megabytes, so it alone may be this
     * large; it is read as a stream so that only the offers the catalogue knows become objects.
     */
    static final int MAX_PRICES_BYTES = 16 << 20;
    /** More named operators than this for one offer is not a real table; the rest are not kept. */
    static final int MAX_OPERATORS_PER_OFFER = 64;
    /** An activation receives a handful of SMS; a longer list is cut rather than trusted. */
    static final int MAX_SMS_PER_ORDER = 20;

    /** Orders asked per page of the order history; 5sim's own site pages by far fewer. */
    static final int PAGE_SIZE = 100;
    /** A sweep reads at most this many pages in one pass: 50,000 orders. */
    static final int MAX_PAGES_PER_PASS = 500;
    /**
     * The history lists every order, newest first, and an activation lives 15 to 20 minutes; a
     * pass ends at the first page that reaches an order older than this, since all below it are
     * older still.
     */
    static final Duration LIVE_HORIZON = Duration.ofHours(1);
    /** An upstream whose history could not be read as a list is offered it again after this long. */
    static final Duration BULK_RETRY = Duration.ofHours(1);
    /** The statuses of an order that is still receiving: only these are read for SMS. */
    private static final Set<String> LIVE = Set.of("PENDING", "RECEIVED");

    private static final Logger LOG = Logger.getLogger(FiveSimProvider.class.getName());
    // One product's operators are read out of the middle of the price table, so what follows
    // them is not trailing garbage.
    private static final ObjectReader OPERATORS = JSON.readerFor(JsonNode.class)
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** Countries, products and operators: 5sim spells them all in lowercase words. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,32}");
    /** 5sim order ids are numbers; anything path-safe is accepted in case a clone uses strings. */
    private static final Pattern ORDER_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /**
     * What a plain-text error of this protocol looks like (a few words); an HTML page, a stack
     * trace or a paragraph does not. It is no longer than {@link UpstreamHttp#MAX_REASON_CHARS},
     * so a message is never cut.
     */
    private static final Pattern MESSAGE = Pattern.compile("[A-Za-z][A-Za-z0-9 ,.:;'_()/-]{0,59}");
    private static final String ANY = "any";
    private static final String NO_FREE_PHONES = "no free phones";
    private static final String ORDER_NOT_FOUND = "order not found";
    // Answers about one order's state that will never change by asking again. A refused key is
    // not among them (it is trouble): an operator can fix a key, and a number given back must
    // reach the provider after that, so a key error is retried like an outage.
    private static final Set<String> REFUSALS = Set.of(
            ORDER_NOT_FOUND, "order expired", "order has sms", "order no sms", "hosting order");

    private final String name;
    private final URI baseUrl;
    private final Clock clock;
    private final UpstreamHttp http;
    private final Map<String, String> productsByService;
    /** The {@code any} cost of each offer (service:country) in the last price table read: what a reuse costs, as 5sim quotes none. */
    private final Map<String, Long> anyCosts = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, String> servicesByProduct;
    private final Map<String, Integer> countriesByName;
    // The sweep's place in the history; only sweep() touches these, under its lock.
    private int offset;
    private int passListed;
    private int passPages;
    /** Until when the history is not asked for (it was no list); null while it works. */
    private volatile Instant listRefusedUntil;

    FiveSimProvider(String name, URI baseUrl, String apiKey, Duration timeout, Clock clock,
                    List<Service> services, List<Country> countries) {
        this.name = Objects.requireNonNull(name, "name");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.baseUrl = apiRoot(name, Objects.requireNonNull(baseUrl, "baseUrl"));
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(name + ": the timeout must be positive");
        }
        // A key that could not travel in a header would fail every call; better to say so at start.
        if (apiKey.isBlank() || apiKey.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException(name + ": the API key must be printable ASCII without spaces");
        }
        this.productsByService = new HashMap<>();
        this.servicesByProduct = new HashMap<>();
        for (Service s : services) {
            // A service 5sim has no name for is simply not bought here.
            if (s.fivesimName() != null && NAME.matcher(s.fivesimName()).matches()) {
                productsByService.put(s.code(), s.fivesimName());
                if (servicesByProduct.put(s.fivesimName(), s.code()) != null) {
                    throw new IllegalArgumentException(name + ": two services are called '" + s.fivesimName() + "' on 5sim");
                }
            }
        }
        this.countriesByName = new HashMap<>();
        for (Country c : countries) {
            if (c.fivesimName() != null && NAME.matcher(c.fivesimName()).matches()
                    && countriesByName.put(c.fivesimName(), c.id()) != null) {
                throw new IllegalArgumentException(name + ": two countries are called '" + c.fivesimName() + "' on 5sim");
            }
        }
        this.http = new UpstreamHttp(timeout, apiKey, "Authorization", "Bearer " + apiKey, "Accept", "application/json");
    }

    /**
     * The API root without a trailing slash. Client libraries commonly configure
     * {@code https://5sim.net/v1}, so a root that already ends in {@code /v1} is taken as meant.
     */
    private static URI apiRoot(String name, URI baseUrl) {
        if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
            throw new IllegalArgumentException(name + ": the base URL must be http or https");
        }
        if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
            throw new IllegalArgumentException(name + ": the base URL must not have a query or a fragment");
        }
        String root = baseUrl.toString().replaceAll("/+$", "");
        return URI.create(root.endsWith("/v1") ? root.substring(0, root.length() - 3) : root);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "5sim";
    }

    /**
     * The guest price table, {@code country → product → operator → {cost, count}}. Each known
     * operator becomes an offer; the {@code any} offer is the upstream's own {@code any} entry when
     * it has one, and otherwise the cheapest operator in stock with the stock of all of them,
     * which is what buying with operator {@code any} gets.
     */
    @Override
    public Fetched fetchQuotes() {
        return switch (ask("/v1/guest/prices", MAX_PRICES_BYTES)) {
            case Said.Json(byte[] table) -> {
                Fetched fetched = quotes(table);
                if (fetched instanceof Fetched.Quotes(List<OfferQuote> quotes)) {
                    // 5sim quotes no price for a reuse: it is the offer's, as last read.
                    quotes.stream().filter(q -> q.operator().equals(ANY))
                            .forEach(q -> anyCosts.put(q.service() + ":" + q.country(), q.costMicros()));
                }
                yield fetched;
            }
            case Said.Message(String text) -> new Fetched.Failed(text);
            case Said.Trouble(String reason) -> new Fetched.Failed(reason);
        };
    }

    @Override
    public Purchase buy(Order order) {
        String product = productsByService.get(order.service());
        String country = order.country().fivesimName();
        String operator = order.operator() == null || order.operator().isBlank() ? ANY : order.operator().toLowerCase(Locale.ROOT);
        // Nothing unnamed is sent: the names go into the path, and 5sim would only refuse them.
        if (product == null) {
            return new Purchase.Failed("no 5sim product for service " + clip(String.valueOf(order.service())));
        }
        if (country == null || !NAME.matcher(country).matches()) {
            return new Purchase.Failed("no 5sim name for country " + order.country().id());
        }
        if (!NAME.matcher(operator).matches()) {
            return new Purchase.Failed("operator not a 5sim name: " + clip(operator));
        }
        // reuse=1: the number may be bought again later (see #reuse); 5sim charges nothing for it.
        String path = "/v1/user/buy/activation/" + country + "/" + operator + "/" + product
                + "?maxPrice=" + Money.format(order.maxCostMicros()) + "&reuse=1";
        return switch (ask(path, MAX_BODY_BYTES)) {
            case Said.Json(byte[] sale) -> bought(sale, order);
            // 5sim says this with HTTP 200, and also when maxPrice is below every offer.
            case Said.Message(String text) when text.equals(NO_FREE_PHONES) -> new Purchase.Empty();
            case Said.Message(String text) -> new Purchase.Failed(text);
            case Said.Trouble(String reason) -> new Purchase.Failed(reason);
        };
    }

    /** 5sim has no call for a reuse's price: the offer's, from the last price table read. */
    @Override
    public ReuseCost reuseCost(ReuseOrder order) {
        Long cost = anyCosts.get(order.service() + ":" + order.country().id());
        return productsByService.get(order.service()) == null || cost == null
                ? new ReuseCost.Unavailable("no 5sim price for it") : new ReuseCost.Known(cost);
    }

    /**
     * {@code /v1/user/reuse/{product}/{number}} (the number bought with {@code reuse=1}): a new
     * order on it; {@code reuse not possible}, {@code reuse false} or {@code reuse expired} when not.
     */
    @Override
    public Purchase reuse(ReuseOrder order) {
        String product = productsByService.get(order.service());
        if (product == null) {
            return new Purchase.Failed("no 5sim product for service " + clip(order.service()));
        }
        Order asOrder = new Order(order.service(), order.country(), ANY, order.maxCostMicros(), List.of());
        return switch (ask("/v1/user/reuse/" + product + "/" + order.phone().digits(), MAX_BODY_BYTES)) {
            case Said.Json(byte[] sale) -> bought(sale, asOrder);
            case Said.Message(String text) when text.equals(NO_FREE_PHONES) || text.startsWith("reuse ") -> new Purchase.Empty();
            case Said.Message(String text) -> new Purchase.Failed(text);
            case Said.Trouble(String reason) -> new Purchase.Failed(reason);
        };
    }

    @Override
    public Confirmation release(String providerRef, Release how) {
        return report(switch (how) {
            case CODE_USED -> "finish";
            case NOT_USED -> "cancel";
        }, providerRef);
    }

    /**
     * 5sim has no call for another code: an order keeps receiving SMS for as long as it lives,
     * and each one appears in its {@code sms} list, which {@link #poll} reads. So there is nothing
     * to ask, and the number is already listening.
     */
    @Override
    public Confirmation requestAnotherCode(String providerRef) {
        return new Confirmation.Confirmed();
    }

    /**
     * Checks each order and returns every SMS in it. The message id is the order, the SMS's time
     * and its code, so the same SMS polled twice is recognised by intake, while a second SMS with
     * the same code at another time is a new message.
     */
    @Override
    public List<InboundSms> poll(List<String> providerRefs) {
        if (providerRefs.size() > MAX_REFS_PER_POLL) {
            throw new IllegalArgumentException("at most " + MAX_REFS_PER_POLL + " orders per poll, got " + providerRefs.size());
        }
        List<InboundSms> received = new ArrayList<>();
        for (String ref : providerRefs) {
            if (ref == null || !ORDER_ID.matcher(ref).matches()) {
                continue; // no 5sim order has such an id
            }
            Said said = ask("/v1/user/check/" + ref, MAX_BODY_BYTES);
            JsonNode order = said instanceof Said.Json(byte[] body) ? object(body) : null;
            if (said instanceof Said.Trouble || (said instanceof Said.Json && order == null)) {
                // The upstream is slow, down or confused: the others would most likely cost a
                // timeout each. They are asked again on the next round.
                break;
            }
            if (order != null) {
                received.addAll(messages(ref, order.path("sms")));
            }
            // A message ("order not found") is about this one order: nothing for it this round.
        }
        return List.copyOf(received);
    }

    /**
     * Reads the activation order history ({@code GET /v1/user/orders?category=activation}, newest
     * first) a page at a time, each page answering for up to {@link #PAGE_SIZE} orders with
     * their {@code sms} lists, where {@link #poll} would check one order per request. Only
     * orders still receiving are read; the message id is the one {@link #poll} makes, so an SMS
     * seen both ways is one message to intake.
     *
     * <p>A 2xx answer that is no order list, or a plain-text message (the route is not there),
     * means this upstream cannot list: it is checked per order for {@link #BULK_RETRY}. Other
     * trouble (a timeout, a 5xx, a refused key) ends the step; the next one asks that page again.
     */
    @Override
    public synchronized Sweep sweep(int maxRequests) {
        Instant refusedUntil = listRefusedUntil;
        if (refusedUntil != null && clock.instant().isBefore(refusedUntil)) {
            return new Sweep.Unsupported("the upstream's order history is not a list", 0);
        }
        List<InboundSms> received = new ArrayList<>();
        int requests = 0;
        Instant horizon = clock.instant().minus(LIVE_HORIZON);
        while (requests < maxRequests) {
            Said said = ask("/v1/user/orders?category=activation&limit=" + PAGE_SIZE + "&offset=" + offset + "&order=id&reverse=true",
                    MAX_BODY_BYTES);
            requests++;
            JsonNode page = said instanceof Said.Json(byte[] body) ? object(body) : null;
            JsonNode orders = page == null ? null : page.get("Data");
            // A timeout, a 5xx, a refused key: this page again next step. A 2xx that is no
            // answer, or a 404 (no such route), means the history cannot be read here.
            if (said instanceof Said.Trouble(String reason) && !reason.startsWith("garbage") && !reason.equals("empty answer")
                    && !reason.equals("http 404")) {
                return new Sweep.Listed(List.copyOf(received), requests, false, passListed);
            }
            if (orders == null || !(orders.isArray() || orders.isNull())) {
                return refuseList(said, requests);
            }
            listRefusedUntil = null;
            boolean pastHorizon = false;
            int read = 0;
            for (JsonNode order : orders) {
                if (read++ == PAGE_SIZE) {
                    break; // more than asked for: the rest is not trusted
                }
                String ref = scalar(order.get("id"));
                if (instant(text(order.get("created_at"))).isBefore(horizon)) {
                    pastHorizon = true;
                }
                if (ref != null && ORDER_ID.matcher(ref).matches() && LIVE.contains(text(order.get("status")))) {
                    passListed++;
                    received.addAll(messages(ref, order.path("sms")));
                }
            }
            offset += orders.size();
            passPages++;
            OptionalInt total = count(page.get("Total"));
            if (pastHorizon || orders.size() < PAGE_SIZE || (total.isPresent() && offset >= total.getAsInt())
                    || passPages >= MAX_PAGES_PER_PASS) {
                int listed = passListed;
                offset = 0;
                passListed = 0;
                passPages = 0;
                return new Sweep.Listed(List.copyOf(received), requests, true, listed);
            }
        }
        return new Sweep.Listed(List.copyOf(received), requests, false, passListed);
    }

    private Sweep refuseList(Said said, int requests) {
        String reason = switch (said) {
            case Said.Json(byte[] body) -> garbage(body);
            case Said.Message(String text) -> text;
            case Said.Trouble(String why) -> why;
        };
        listRefusedUntil = clock.instant().plus(BULK_RETRY);
        offset = 0;
        passListed = 0;
        passPages = 0;
        LOG.warning(() -> name + ": order history unreadable (" + reason + "); checking per order for " + BULK_RETRY);
        return new Sweep.Unsupported(reason, requests);
    }

    /** Upstreams of this protocol do not push; they are polled through {@link #poll}. */
    @Override
    public void listen(SmsListener listener) {
    }

    @Override
    public void close() {
        http.close();
    }

    private List<InboundSms> messages(String ref, JsonNode list) {
        List<InboundSms> messages = new ArrayList<>();
        if (!list.isArray()) {
            return messages; // 5sim sends null until the first SMS
        }
        for (JsonNode sms : list) {
            if (messages.size() == MAX_SMS_PER_ORDER) {
                break;
            }
            String code = text(sms.get("code"));
            String text = text(sms.get("text"));
            if (text.isBlank() && code.isBlank()) {
                continue;
            }
            String createdAt = text(sms.get("created_at"));
            messages.add(new InboundSms(name, ref, text(sms.get("sender")), text.isBlank() ? code : text,
                    ref + ":" + createdAt + ":" + code, instant(createdAt), code.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(code)));
        }
        return messages;
    }

    /** The upstream's time of the SMS; ours when it sent none we can read. */
    private Instant instant(String timestamp) {
        try {
            return OffsetDateTime.parse(timestamp).toInstant();
        } catch (DateTimeParseException e) {
            return clock.instant();
        }
    }

    private Confirmation report(String action, String providerRef) {
        if (providerRef == null || !ORDER_ID.matcher(providerRef).matches()) {
            return new Confirmation.Refused("not a 5sim order id");
        }
        return switch (ask("/v1/user/" + action + "/" + providerRef, MAX_BODY_BYTES)) {
            // Any order back means the upstream took the report; its status field says what it
            // did, and 5sim answers a report already made with the order as it stands.
            case Said.Json(byte[] body) when object(body) != null -> new Confirmation.Confirmed();
            case Said.Json(byte[] body) -> new Confirmation.Unavailable(garbage(body));
            case Said.Message(String text) when REFUSALS.contains(text) -> new Confirmation.Refused(text);
            // An unknown message may be passing trouble ("server offline"): try again later.
            case Said.Message(String text) -> new Confirmation.Unavailable(text);
            case Said.Trouble(String reason) -> new Confirmation.Unavailable(reason);
        };
    }

    private Purchase bought(byte[] body, Order order) {
        JsonNode sale = object(body);
        String ref = sale == null ? null : scalar(sale.get("id"));
        if (ref == null || !ORDER_ID.matcher(ref).matches()) {
            return new Purchase.Failed(garbage(body));
        }
        // Without a readable price we assume the most the upstream may charge: maxPrice.
        long costMicros = micros(sale.get("price")).orElse(order.maxCostMicros());
        return accept(ref, scalar(sale.get("phone")), costMicros, order);
    }

    /** See {@link Order#sold}; a cancel gives back an order we did not ask for. */
    private Purchase accept(String ref, String phoneText, long costMicros, Order order) {
        Purchase purchase = order.sold(ref, phoneText, costMicros);
        if (purchase instanceof Purchase.Failed(String problem) && !(report("cancel", ref) instanceof Confirmation.Confirmed)) {
            LOG.warning(() -> name + ": order " + ref + " refused (" + problem + ") but could not be cancelled");
        }
        return purchase;
    }

    /**
     * Reads the price table as a stream: countries and products the catalogue does not know are
     * skipped unread, and only one product's operators at a time become a tree.
     */
    private Fetched quotes(byte[] table) {
        List<OfferQuote> quotes = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(table)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return new Fetched.Failed(garbage(table));
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                Integer country = countriesByName.get(parser.currentName());
                if (parser.nextToken() != JsonToken.START_OBJECT || country == null) {
                    parser.skipChildren();
                    continue;
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String service = servicesByProduct.get(parser.currentName());
                    if (parser.nextToken() != JsonToken.START_OBJECT || service == null) {
                        parser.skipChildren();
                        continue;
                    }
                    quotes.addAll(offers(service, country, OPERATORS.readValue(parser)));
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                return new Fetched.Failed(garbage(table));
            }
        } catch (IOException e) {
            return new Fetched.Failed(garbage(table));
        }
        return new Fetched.Quotes(List.copyOf(quotes));
    }

    /** One product in one country: an offer per operator, and the {@code any} offer last. */
    private static List<OfferQuote> offers(String service, int country, JsonNode operators) {
        List<OfferQuote> offers = new ArrayList<>();
        OfferQuote any = null;
        long cheapestInStock = Long.MAX_VALUE;
        long stock = 0;
        for (Map.Entry<String, JsonNode> operator : operators.properties()) {
            OptionalLong cost = micros(operator.getValue().get("cost"));
            OptionalInt count = count(operator.getValue().get("count"));
            if (!NAME.matcher(operator.getKey()).matches() || cost.isEmpty() || count.isEmpty()) {
                continue;
            }
            OfferQuote offer = new OfferQuote(service, country, operator.getKey(), cost.getAsLong(), count.getAsInt());
            if (offer.operator().equals(ANY)) {
                any = offer;
                continue;
            }
            if (offers.size() < MAX_OPERATORS_PER_OFFER) {
                offers.add(offer);
            }
            if (offer.stock() > 0) {
                cheapestInStock = Math.min(cheapestInStock, offer.costMicros());
                stock += offer.stock();
            }
        }
        // With no operator in stock there is no price "any" would pay, so no "any" offer: the
        // router reads a missing offer as no stock.
        if (any == null && stock > 0) {
            any = new OfferQuote(service, country, ANY, cheapestInStock, (int) Math.min(stock, Integer.MAX_VALUE));
        }
        if (any != null) {
            offers.add(any);
        }
        return offers;
    }

    /** A string field as text, a number as its digits, anything else (null, absent) as "". */
    private static String text(JsonNode node) {
        if (node != null && (node.isTextual() || node.isNumber())) {
            return node.asText();
        }
        return "";
    }

    /** The body as a JSON object; null when it is not one. */
    private static JsonNode object(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code GET /v1/user/profile}: its {@code balance}. */
    @Override
    public Optional<AccountBalance> accountBalance() {
        return Optional.of(switch (ask("/v1/user/profile", MAX_BODY_BYTES)) {
            case Said.Json json -> {
                try {
                    OptionalLong balance = micros(JSON.readTree(json.body()).get("balance"));
                    yield balance.isPresent() ? new AccountBalance.Known(balance.getAsLong()) : new AccountBalance.Unknown("a profile without a balance");
                } catch (java.io.IOException e) {
                    yield new AccountBalance.Unknown("unreadable profile");
                }
            }
            case Said.Message message -> new AccountBalance.Unknown(message.text());
            case Said.Trouble trouble -> new AccountBalance.Unknown(trouble.reason());
        });
    }

    private Said ask(String pathAndQuery, int maxBytes) {
        return switch (http.get(URI.create(baseUrl + pathAndQuery), maxBytes)) {
            case Reply.Answered(int status, byte[] body) -> interpret(status, body);
            case Reply.Failed(String reason) -> new Said.Trouble(reason);
        };
    }

    /**
     * Reduces an answer to a JSON object, a message or trouble. 5sim answers errors as plain text
     * with HTTP 200 ({@code no free phones}) or 4xx, and a refused key as a bare 401; a 5xx, a
     * redirect or an unreadable body is trouble whatever it says.
     */
    static Said interpret(int status, byte[] body) {
        if (status == 401) {
            return new Said.Trouble("unauthorized");
        }
        boolean ok = status >= 200 && status < 300;
        if (!ok && (status < 400 || status >= 500)) {
            return new Said.Trouble("http " + status);
        }
        String text = new String(body, UTF_8).strip();
        if (ok && text.startsWith("{")) {
            // Parsed by the caller: the price table as a stream, an order as a tree.
            return new Said.Json(body);
        }
        if (text.startsWith("\"") && text.endsWith("\"")) {
            // Some gateways quote the message as a JSON string; it is the same message.
            try {
                JsonNode quoted = JSON.readTree(text);
                text = quoted.isTextual() ? quoted.textValue().strip() : text;
            } catch (IOException e) {
                // Not a JSON string after all: judged as it stands below.
            }
        }
        if (MESSAGE.matcher(text).matches()) {
            return new Said.Message(text.toLowerCase(Locale.ROOT).replaceAll("\\s+", " "));
        }
        if (!ok) {
            return new Said.Trouble("http " + status);
        }
        return new Said.Trouble(unreadable(text));
    }

    private static String garbage(byte[] body) {
        return unreadable(new String(body, 0, Math.min(body.length, 4 * MAX_REASON_CHARS), UTF_8).strip());
    }

    /** What the upstream said, with the transport out of the way. */
    sealed interface Said {
        /** A 2xx answer whose body looks like a JSON object; the caller parses it. */
        record Json(byte[] body) implements Said {
        }

        /** A plain-text protocol message such as {@code no free phones}, lowercased. */
        record Message(String text) implements Said {
        }

        /** No protocol answer at all: a timeout, a dropped connection, a 5xx, a 401, an HTML page. */
        record Trouble(String reason) implements Said {
        }
    }
}
