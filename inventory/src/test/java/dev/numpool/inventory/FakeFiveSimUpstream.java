package dev.numpool.inventory;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A 5sim upstream on 127.0.0.1, speaking the real wire format under {@code /v1}. By default it
 * behaves like a healthy marketplace: {@code /v1/user/*} wants the Bearer key (a bare 401
 * otherwise), the guest price table lists a few offers, a purchase sells a valid Russian mobile
 * number (+7 912 …) with increasing order ids, a check returns the order with the SMS the test
 * gave it, and finish and cancel answer the order in its new status ({@code order has sms} for a
 * cancel after an SMS, {@code order not found} for an id it never sold). A test replaces any
 * route's behaviour with {@link #answer}, and reads what was asked with {@link #requests}.
 *
 * <p>Routes are named by their place in the API: {@link #PRICES}, {@link #BUY}, {@link #CHECK},
 * {@link #FINISH}, {@link #CANCEL}, {@link #ORDERS}.
 */
public final class FakeFiveSimUpstream implements AutoCloseable {
    public static final String PRICES = "guest/prices";
    public static final String BUY = "user/buy";
    public static final String CHECK = "user/check";
    public static final String FINISH = "user/finish";
    public static final String CANCEL = "user/cancel";
    /** The order history, {@code GET /v1/user/orders?category=&limit=&offset=&order=id&reverse=true}. */
    public static final String ORDERS = "user/orders";
    /** When every order of this fake was created, and the SMS times tests use are after it. */
    public static final String CREATED_AT = "2026-01-01T10:00:00.000000Z";
    /** No programmed delay outlasts this, so a forgotten one cannot hang the build. */
    private static final Duration MAX_DELAY = Duration.ofSeconds(10);
    private static final JsonMapper JSON = new JsonMapper();

    private final String apiKey;
    private final HttpServer server;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Map<String, Function<Request, Answer>> behaviours = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Order> orders = new ConcurrentHashMap<>();
    private final AtomicLong orderIds = new AtomicLong(500_000_000L);
    private final AtomicInteger numbers = new AtomicInteger();
    private volatile String price = "0.21";

    /** What the upstream answers to one request. */
    public record Answer(int status, String contentType, String body, Duration delay, Duration stall, boolean drop) {
        public static Answer text(String body) {
            return new Answer(200, "text/plain; charset=utf-8", body, Duration.ZERO, Duration.ZERO, false);
        }

        public static Answer json(String body) {
            return new Answer(200, "application/json", body, Duration.ZERO, Duration.ZERO, false);
        }

        public static Answer html(int status, String body) {
            return new Answer(status, "text/html", body, Duration.ZERO, Duration.ZERO, false);
        }

        /** A status with no body at all, as 5sim answers a missing or wrong key (401). */
        public static Answer empty(int status) {
            return new Answer(status, "text/plain", "", Duration.ZERO, Duration.ZERO, false);
        }

        /** The connection is closed without any answer, as a crashing upstream would. */
        public static Answer dropConnection() {
            return new Answer(200, "text/plain", "", Duration.ZERO, Duration.ZERO, true);
        }

        public Answer withStatus(int status) {
            return new Answer(status, contentType, body, delay, stall, drop);
        }

        /** Waits this long before answering at all. */
        public Answer after(Duration delay) {
            return new Answer(status, contentType, body, delay, stall, drop);
        }

        /** Sends the headers and half the body, then waits this long before the rest. */
        public Answer stallingMidBody(Duration stall) {
            return new Answer(status, contentType, body, delay, stall, drop);
        }
    }

    /** One request as the upstream received it: {@code route} such as {@link #BUY}, the rest of the path split. */
    public record Request(String method, String path, String route, List<String> arguments, Map<String, String> query,
                          String authorization, String accept) {
        public String param(String name) {
            return query.get(name);
        }

        /** The last path segment: the order id of check, finish and cancel, the product of a purchase. */
        public String lastArgument() {
            return arguments.isEmpty() ? "" : arguments.getLast();
        }
    }

    /** One SMS in an order's {@code sms} list, as 5sim spells it. */
    public record Sms(String createdAt, String sender, String text, String code) {
    }

    private record Order(long id, String phone, String operator, String product, String price, String status,
                         String country, List<Sms> sms) {
        Order withStatus(String status) {
            return new Order(id, phone, operator, product, price, status, country, sms);
        }

        Order with(Sms message) {
            List<Sms> more = new ArrayList<>(sms);
            more.add(message);
            return new Order(id, phone, operator, product, price, status, country, List.copyOf(more));
        }
    }

    private FakeFiveSimUpstream(String apiKey) throws IOException {
        this.apiKey = apiKey;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(handlers);
        server.start();
    }

    public static FakeFiveSimUpstream start(String apiKey) {
        try {
            return new FakeFiveSimUpstream(apiKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The API root; routes are under {@code /v1}. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Replaces what {@code route} answers, for every later request. */
    public void answer(String route, Answer answer) {
        behaviours.put(route, request -> answer);
    }

    public void answer(String route, Function<Request, Answer> behaviour) {
        behaviours.put(route, behaviour);
    }

    /** The price later purchases are sold at, as 5sim writes it (e.g. {@code 0.21}). */
    public void price(String decimal) {
        this.price = decimal;
    }

    /** Adds an SMS to an order this fake sold, as the upstream would when one arrives. */
    public void receive(String orderId, Sms sms) {
        if (orders.computeIfPresent(orderId, (id, order) -> order.with(sms)) == null) {
            throw new IllegalArgumentException("no order " + orderId);
        }
    }

    /** The status of an order this fake sold: RECEIVED, FINISHED or CANCELED. */
    public Optional<String> status(String orderId) {
        return Optional.ofNullable(orders.get(orderId)).map(Order::status);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requests(String route) {
        return requests.stream().filter(r -> r.route().equals(route)).toList();
    }

    @Override
    public void close() {
        if (closing.getCount() == 0) {
            return;
        }
        closing.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        try {
            Request request = request(exchange);
            requests.add(request);
            Answer answer = request.route().startsWith("user/") && !("Bearer " + apiKey).equals(request.authorization())
                    ? Answer.empty(401)
                    : behaviours.getOrDefault(request.route(), this::byDefault).apply(request);
            pause(answer.delay());
            if (answer.drop()) {
                return; // closed below before any header was sent: the client sees the connection drop
            }
            byte[] body = answer.body().getBytes(UTF_8);
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                int half = answer.stall().isZero() ? 0 : body.length / 2;
                out.write(body, 0, half);
                out.flush();
                pause(answer.stall());
                out.write(body, half, body.length - half);
            }
        } catch (IOException | InterruptedException e) {
            // The client gave up (a timeout test) or the fake is closing: nothing to answer.
        } finally {
            exchange.close();
        }
    }

    /** Waits on the closing latch, so that closing the fake ends every delay at once. */
    private void pause(Duration delay) throws InterruptedException {
        if (!delay.isZero()) {
            closing.await(Math.min(delay.toMillis(), MAX_DELAY.toMillis()), TimeUnit.MILLISECONDS);
        }
    }

    private static Request request(HttpExchange exchange) {
        String path = exchange.getRequestURI().getRawPath();
        List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s, UTF_8)).toList();
        // /v1/<area>/<action>/<arguments...>; /v1/user/buy/activation/... has "activation" as a kind, skipped.
        String route = segments.size() >= 3 && segments.getFirst().equals("v1") ? segments.get(1) + "/" + segments.get(2) : path;
        int from = route.equals(BUY) && segments.size() > 3 && segments.get(3).equals("activation") ? 4 : Math.min(3, segments.size());
        return new Request(exchange.getRequestMethod(), path, route, List.copyOf(segments.subList(from, segments.size())),
                Collections.unmodifiableMap(query(exchange.getRequestURI().getRawQuery())),
                exchange.getRequestHeaders().getFirst("Authorization"), exchange.getRequestHeaders().getFirst("Accept"));
    }

    /** What this fake answers by default, for a test that wraps it or puts it back. */
    public Answer byDefaultFor(Request request) {
        return byDefault(request);
    }

    private Answer byDefault(Request request) {
        return switch (request.route()) {
            case PRICES -> Answer.json("""
                    {"russia":{"telegram":{"beeline":{"cost":0.18,"count":0,"rate":12.5},\
                    "mts":{"cost":0.21,"count":900,"rate":45.3},"virtual21":{"cost":0.09,"count":35}},\
                    "whatsapp":{"any":{"cost":"0.5","count":7},"megafon":{"cost":0.4,"count":3}}},\
                    "england":{"telegram":{"virtual4":{"cost":1,"count":12,"rate":90}}}}""");
            case BUY -> buy(request);
            case CHECK -> known(request, order -> Answer.json(json(order)), 404);
            case FINISH -> known(request, order -> Answer.json(json(update(order.withStatus("FINISHED")))), 400);
            case ORDERS -> history(request);
            case CANCEL -> known(request, order -> order.sms().isEmpty()
                    ? Answer.json(json(update(order.withStatus("CANCELED"))))
                    : Answer.text("order has sms").withStatus(400), 400);
            default -> Answer.text("404 page not found").withStatus(404);
        };
    }

    /**
     * The order history as 5sim answers it: {@code {"Data":[orders],"ProductNames":[],
     * "Statuses":[],"Total":n}}, the orders of {@code category} (this fake sells activations
     * only) ordered by id, newest first with {@code reverse=true}, a page of {@code limit} from
     * {@code offset}.
     */
    private Answer history(Request request) {
        if (!"activation".equals(request.param("category")) && !"hosting".equals(request.param("category"))) {
            return Answer.text("bad category").withStatus(400);
        }
        List<Order> all = "hosting".equals(request.param("category")) ? List.of()
                : orders.values().stream().sorted(java.util.Comparator.comparingLong(Order::id)).toList();
        if ("true".equals(request.param("reverse"))) {
            all = all.reversed();
        }
        int offset = parse(request.param("offset"), 0);
        int limit = parse(request.param("limit"), 15);
        List<Order> page = all.subList(Math.min(offset, all.size()), Math.min(all.size(), offset + limit));
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode data = answer.putArray("Data");
        for (Order order : page) {
            try {
                data.add(JSON.readTree(json(order)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        answer.putArray("ProductNames");
        answer.putArray("Statuses");
        answer.put("Total", all.size());
        return Answer.json(answer.toString());
    }

    private static int parse(String number, int otherwise) {
        return number != null && number.matches("[0-9]{1,9}") ? Integer.parseInt(number) : otherwise;
    }

    /** Sells a valid Russian mobile number (+7 912 …) that this fake has not sold before. */
    private Answer buy(Request request) {
        if (request.arguments().size() != 3) {
            return Answer.text("no product").withStatus(400);
        }
        String operator = request.arguments().get(1).equals("any") ? "mts" : request.arguments().get(1);
        Order order = new Order(orderIds.incrementAndGet(), "+7912345%04d".formatted(numbers.incrementAndGet() % 10_000),
                operator, request.arguments().get(2), price, "RECEIVED", request.arguments().get(0), List.of());
        update(order);
        return Answer.json(json(order));
    }

    private Answer known(Request request, Function<Order, Answer> then, int notFoundStatus) {
        Order order = orders.get(request.lastArgument());
        return order == null ? Answer.text("order not found").withStatus(notFoundStatus) : then.apply(order);
    }

    private Order update(Order order) {
        orders.put(Long.toString(order.id()), order);
        return order;
    }

    private static String json(Order order) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", order.id());
        node.put("phone", order.phone());
        node.put("operator", order.operator());
        node.put("product", order.product());
        node.put("price", new BigDecimal(order.price()));
        node.put("status", order.status());
        node.put("expires", "2026-01-01T10:15:00.000000Z");
        ArrayNode sms = node.putArray("sms");
        for (Sms s : order.sms()) {
            sms.addObject().put("created_at", s.createdAt()).put("date", s.createdAt())
                    .put("sender", s.sender()).put("text", s.text()).put("code", s.code());
        }
        node.put("created_at", CREATED_AT);
        node.put("forwarding", false);
        node.put("forwarding_number", "");
        node.put("country", order.country());
        return node.toString();
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), UTF_8);
            params.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), UTF_8));
        }
        return params;
    }
}
