package dev.numpool.inventory;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * An sms-activate upstream on 127.0.0.1, speaking the real wire format at
 * {@code /stubs/handler_api.php}. By default it behaves like a healthy marketplace: it checks the
 * key, has a small price table, sells valid Russian mobile numbers with increasing activation
 * ids, answers status reports with the right {@code ACCESS_} token, and tells each activation's
 * status as the test set it. A test replaces any action's behaviour with {@link #answer}, and
 * reads what was asked with {@link #requests}.
 */
public final class FakeSmsActivateUpstream implements AutoCloseable {
    public static final String PATH = "/stubs/handler_api.php";
    /** No programmed delay outlasts this, so a forgotten one cannot hang the build. */
    private static final Duration MAX_DELAY = Duration.ofSeconds(10);

    private final String apiKey;
    private final HttpServer server;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Map<String, Function<Request, Answer>> behaviours = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String> statuses = new ConcurrentHashMap<>();
    private final Map<String, String> services = new ConcurrentHashMap<>();
    private final Map<String, String> texts = new ConcurrentHashMap<>();
    private final AtomicInteger activationIds = new AtomicInteger(100_000);
    /** Per activation, when a getActiveActivations page last listed it and the longest gap between two listings. */
    private final Map<String, long[]> listings = new ConcurrentHashMap<>();
    private volatile boolean heroSmsShape;
    private volatile int maxListLimit = 100;
    private final AtomicInteger numbers = new AtomicInteger();

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

    /** One request as the upstream received it. */
    public record Request(String action, Map<String, String> params) {
        public String param(String name) {
            return params.get(name);
        }
    }

    private FakeSmsActivateUpstream(String apiKey) throws IOException {
        this.apiKey = apiKey;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(PATH, this::handle);
        server.setExecutor(handlers);
        server.start();
    }

    public static FakeSmsActivateUpstream start(String apiKey) {
        try {
            return new FakeSmsActivateUpstream(apiKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PATH);
    }

    /** Replaces what {@code action} answers, for every later request. */
    public void answer(String action, Answer answer) {
        behaviours.put(action, request -> answer);
    }

    public void answer(String action, Function<Request, Answer> behaviour) {
        behaviours.put(action, behaviour);
    }

    /** Sets what {@code getStatus} answers for one activation, e.g. {@code STATUS_OK:12345}. */
    public void status(String activationId, String token) {
        statuses.put(activationId, token);
    }

    /** Sets the text {@code getFullSms} answers for one activation. */
    public void fullSms(String activationId, String text) {
        texts.put(activationId, text);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requests(String action) {
        return requests.stream().filter(r -> r.action().equals(action)).toList();
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
            Map<String, String> params = query(exchange.getRequestURI().getRawQuery());
            Request request = new Request(params.getOrDefault("action", ""), Collections.unmodifiableMap(params));
            requests.add(request);
            Answer answer = behaviours.getOrDefault(request.action(), this::byDefault).apply(request);
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

    private Answer byDefault(Request request) {
        if (request.param("api_key") == null || request.param("api_key").isEmpty()) {
            return Answer.text("NO_KEY");
        }
        if (!apiKey.equals(request.param("api_key"))) {
            return Answer.text("BAD_KEY");
        }
        String id = request.param("id");
        return switch (request.action()) {
            case "getPrices" -> Answer.json("""
                    {"0":{"tg":{"cost":0.45,"count":2369},"wa":{"cost":"0.0044","count":"12"}},\
                    "187":{"go":{"cost":1,"count":0}}}""");
            case "getNumberV2" -> {
                Sale sale = sell(request.param("service"));
                yield Answer.json("""
                        {"activationId":%s,"phoneNumber":"%s","activationCost":"0.45","currency":840,\
                        "countryCode":"0","countryPhoneCode":7,"canGetAnotherSms":"1",\
                        "activationTime":"2026-01-01 10:00:00","activationEndTime":"2026-01-01 10:20:00",\
                        "activationOperator":"mts"}""".formatted(sale.id(), sale.phone()));
            }
            case "getNumber" -> {
                Sale sale = sell(request.param("service"));
                yield Answer.text("ACCESS_NUMBER:" + sale.id() + ":" + sale.phone());
            }
            case "setStatus" -> Answer.text(setStatus(id, request.param("status")));
            case "getStatus" -> Answer.text(statuses.getOrDefault(id, "NO_ACTIVATION"));
            case "getFullSms" -> Answer.text(texts.containsKey(id) ? "FULL_SMS:" + texts.get(id) : statuses.getOrDefault(id, "NO_ACTIVATION"));
            case "getActiveActivations" -> activeActivations(request);
            default -> Answer.text("BAD_ACTION");
        };
    }

    private record Sale(String id, String phone) {
    }

    /** What this fake answers by default, for a test that wraps it (a sale that answers late, say). */
    public Answer byDefaultFor(Request request) {
        return byDefault(request);
    }

    /**
     * Answers {@code getActiveActivations} in HeroSMS's shape from now on: the rows in
     * {@code data}, beside an {@code activeActivations} object of database counters, and an empty
     * {@code data} rather than {@code NO_ACTIVATIONS} when there are none.
     */
    public void listInHeroSmsShape() {
        heroSmsShape = true;
    }

    /** The most rows one {@code getActiveActivations} page holds, whatever {@code limit} asks (100 by default, as HeroSMS). */
    public void maxListLimit(int rows) {
        maxListLimit = rows;
    }

    /** Sells {@code count} activations at once, all waiting for a code (a load test's setup); returns their ids. */
    public List<String> sellWaiting(int count, String service) {
        List<String> ids = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(sell(service).id());
        }
        return ids;
    }

    /** How many times {@code getActiveActivations} listed this activation. */
    public long timesListed(String activationId) {
        long[] seen = listings.get(activationId);
        return seen == null ? 0 : seen[2];
    }

    /**
     * The longest time between two {@code getActiveActivations} pages that listed the same
     * activation, over every activation listed at least twice: how stale a poller's view of any
     * one activation became.
     */
    public Duration longestGapBetweenListings() {
        return Duration.ofNanos(listings.values().stream().mapToLong(seen -> seen[1]).max().orElse(0));
    }

    /**
     * The activations not cancelled, in the order of their ids, as {@code getActiveActivations}
     * lists them: a page of {@code limit} (at most {@link #maxListLimit}) from {@code start}.
     * {@code smsCode} and {@code smsText} are null until a code came, as in real answers.
     */
    private Answer activeActivations(Request request) {
        int start = parse(request.param("start"), 0);
        int limit = Math.min(parse(request.param("limit"), maxListLimit), maxListLimit);
        List<String> live = statuses.entrySet().stream().filter(e -> !e.getValue().equals("STATUS_CANCEL")).map(Map.Entry::getKey)
                .sorted(java.util.Comparator.comparingInt(String::length).thenComparing(java.util.Comparator.naturalOrder())).toList();
        List<String> page = live.subList(Math.min(start, live.size()), Math.min(live.size(), start + Math.max(0, limit)));
        long now = System.nanoTime();
        StringBuilder list = new StringBuilder();
        for (String id : page) {
            listings.compute(id, (k, seen) -> seen == null ? new long[]{now, 0, 1} : new long[]{now, Math.max(seen[1], now - seen[0]), seen[2] + 1});
            String status = statuses.get(id);
            int colon = status.indexOf(':');
            String code = colon < 0 ? null : status.substring(colon + 1);
            String text = texts.get(id);
            list.append(list.isEmpty() ? "" : ",").append("""
                    {"activationId":"%s","serviceCode":"%s","phoneNumber":"79123450000","activationCost":"0.45",                    "activationStatus":"%s","smsCode":%s,"smsText":%s,"activationTime":"2026-01-01 10:00:00",                    "discount":"0.00","repeated":"0","countryCode":"0","countryName":"Russia","canGetAnotherSms":"1","currency":840}"""
                    .formatted(id, services.getOrDefault(id, ""), code == null ? "4" : "2", quoted(code), quoted(code == null ? null : text)));
        }
        if (heroSmsShape) {
            return Answer.json("{\"status\":\"success\",\"data\":[" + list + "],\"activeActivations\":{\"affected_rows\":0,\"num_rows\":"
                    + page.size() + ",\"row\":[],\"rows\":[]}}");
        }
        return list.isEmpty() ? Answer.text("NO_ACTIVATIONS") : Answer.json("{\"status\":\"success\",\"activeActivations\":[" + list + "]}");
    }

    private static String quoted(String text) {
        return text == null ? "null" : "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static int parse(String number, int otherwise) {
        return number != null && number.matches("[0-9]{1,9}") ? Integer.parseInt(number) : otherwise;
    }

    /** A valid Russian mobile number (+7 912 …) that this fake has not sold before. */
    private Sale sell(String service) {
        String id = Integer.toString(activationIds.incrementAndGet());
        services.put(id, service == null ? "" : service);
        statuses.put(id, "STATUS_WAIT_CODE");
        return new Sale(id, "7912345%04d".formatted(numbers.incrementAndGet() % 10_000));
    }

    private String setStatus(String id, String status) {
        if (id == null || !statuses.containsKey(id)) {
            return "NO_ACTIVATION";
        }
        return switch (String.valueOf(status)) {
            case "1" -> "ACCESS_READY";
            case "3" -> "ACCESS_RETRY_GET";
            case "6" -> "ACCESS_ACTIVATION";
            case "8", "-1" -> {
                statuses.put(id, "STATUS_CANCEL");
                yield "ACCESS_CANCEL";
            }
            default -> "BAD_STATUS";
        };
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
