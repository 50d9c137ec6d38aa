package dev.numpool.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.inventory.SmsActivateWire.Said;
import dev.numpool.inventory.UpstreamHttp.Reply;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

import static dev.numpool.inventory.SmsActivateWire.interpret;
import static dev.numpool.inventory.SmsActivateWire.isActivationId;
import static dev.numpool.inventory.SmsActivateWire.messageId;
import static dev.numpool.inventory.SmsActivateWire.orderParams;
import static dev.numpool.inventory.SmsActivateWire.params;
import static dev.numpool.inventory.SmsActivateWire.quotes;
import static dev.numpool.inventory.SmsActivateWire.rows;
import static dev.numpool.inventory.SmsActivateWire.strings;
import static dev.numpool.inventory.UpstreamHttp.clip;
import static dev.numpool.inventory.UpstreamHttp.micros;
import static dev.numpool.inventory.UpstreamHttp.scalar;
import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A client of an upstream marketplace that speaks the sms-activate protocol
 * ({@code /stubs/handler_api.php}). Dozens of vendors clone that protocol, so this one adapter
 * covers all of them; each is configured with its own handler URL and key.
 *
 * <p>The clones disagree in small ways, so {@link SmsActivateWire} first reduces every answer to
 * one of three shapes, a token, a JSON document or trouble, and each action here maps those
 * shapes to its sealed result. Nothing here throws for upstream trouble, and every exchange is
 * bounded in time and in size.
 */
final class SmsActivateProvider implements Provider {
    /** No answer of this protocol comes near this size; a bigger one is refused, not buffered. */
    static final int MAX_BODY_BYTES = 1 << 20;

    /**
     * Activations asked per {@code getActiveActivations} page unless configured: the most HeroSMS
     * documents ({@code limit} up to 100); a larger page needs an upstream that allows it.
     */
    static final int DEFAULT_PAGE_SIZE = 100;
    /** A sweep reads at most this many pages in one pass: 100,000 live activations at 100 a page. */
    static final int MAX_PAGES_PER_PASS = 1_000;
    /**
     * A clone that ignores {@code start} and {@code limit} sends its whole list in one answer; no
     * more rows than this are read from one answer (the 1 MiB body limit stops a longer one anyway).
     */
    static final int MAX_ROWS_PER_ANSWER = 10_000;
    /**
     * An upstream that refused the list (BAD_ACTION, or an answer that is no list) is polled per
     * activation; it is offered the list again after this long, in case it was passing trouble
     * or the vendor added the action.
     */
    static final Duration BULK_RETRY = Duration.ofHours(1);

    private static final Logger LOG = Logger.getLogger(SmsActivateProvider.class.getName());
    private static final Set<String> OUT_OF_STOCK = Set.of("NO_NUMBERS", "WRONG_MAX_PRICE");
    // A refused key is not among these: an operator can fix a key, and a number given back must
    // reach the provider after that, so a key error is retried like an outage.
    private static final Set<String> REFUSALS = Set.of(
            "BAD_STATUS", "NO_ACTIVATION", "WRONG_ACTIVATION_ID", "BAD_ACTION");

    private final String name;
    private final URI handlerUrl;
    private final String apiKey;
    private final Clock clock;
    private final UpstreamHttp http;
    private final int pageSize;
    private final Push push;
    private final SmsActivateRenting renting;
    private volatile SmsListener listener = sms -> {
    };
    // The sweep's place in the upstream's list; only sweep() touches these, under its lock.
    private int cursor;
    private int passListed;
    private int passPages;
    private String firstIdOfLastPage;
    /** Until when the list is not asked for (the upstream refused it); null while it works. */
    private volatile Instant listRefusedUntil;

    /**
     * How this upstream may push SMS to {@code POST /inbound/sms-activate/{name}/{secret}}: the
     * secret of the path, and the source addresses allowed (empty: any). Without a secret the
     * route is off for this upstream.
     */
    record Push(Optional<String> secret, Set<String> allowedSources) {
        static final Push OFF = new Push(Optional.empty(), Set.of());

        Push {
            secret.filter(s -> s.length() < 16).ifPresent(s -> {
                throw new IllegalArgumentException("a webhook secret must be at least 16 characters");
            });
            allowedSources = Set.copyOf(allowedSources);
        }
    }

    SmsActivateProvider(String name, URI handlerUrl, String apiKey, Duration timeout, Clock clock) {
        this(name, handlerUrl, apiKey, timeout, clock, DEFAULT_PAGE_SIZE, Push.OFF, Duration.ofHours(1));
    }

    /** {@code rentalPeriod}: Numpool's rental period ({@code inventory.rental-period-minutes}), which rent prices are quoted per. */
    SmsActivateProvider(String name, URI handlerUrl, String apiKey, Duration timeout, Clock clock, int pageSize, Push push, Duration rentalPeriod) {
        this.name = Objects.requireNonNull(name, "name");
        this.renting = new SmsActivateRenting(name, clock, rentalPeriod, this::ask);
        if (pageSize < 10 || pageSize > 1_000) {
            throw new IllegalArgumentException(name + ": list-page-size is 10 to 1000");
        }
        this.pageSize = pageSize;
        this.push = Objects.requireNonNull(push, "push");
        this.handlerUrl = Objects.requireNonNull(handlerUrl, "handlerUrl");
        this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!"http".equals(handlerUrl.getScheme()) && !"https".equals(handlerUrl.getScheme())) {
            throw new IllegalArgumentException(name + ": the handler URL must be http or https");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(name + ": the timeout must be positive");
        }
        // The key goes into every query string (see SmsActivateWire.uri); it is given here so no reason repeats it.
        this.http = new UpstreamHttp(timeout, apiKey);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "sms-activate";
    }

    @Override
    public Fetched fetchQuotes() {
        return switch (ask("getPrices", Map.of())) {
            case Said.Json(JsonNode table) when table.isObject() -> new Fetched.Quotes(quotes(table));
            // PHP encodes an empty table as [] rather than {}: both mean "nothing on sale".
            case Said.Json(JsonNode table) when table.isArray() && table.isEmpty() -> new Fetched.Quotes(List.of());
            case Said.Json(JsonNode other) -> new Fetched.Failed("unexpected answer: " + clip(other.toString()));
            case Said.Token token -> new Fetched.Failed(token.text());
            case Said.Trouble(String reason) -> new Fetched.Failed(reason);
        };
    }

    @Override
    public Purchase buy(Order order) {
        Map<String, String> params = orderParams(order);
        Said said = ask("getNumberV2", params);
        if (said instanceof Said.Token(String token, String argument) && token.equals("BAD_ACTION")) {
            // An upstream without V2 still sells through V1, which does not tell the cost.
            said = ask("getNumber", params);
        }
        return switch (said) {
            case Said.Json(JsonNode sale) -> boughtV2(sale, order);
            case Said.Token(String token, String argument) when token.equals("ACCESS_NUMBER") -> boughtV1(argument, order);
            case Said.Token token when OUT_OF_STOCK.contains(token.name()) -> new Purchase.Empty();
            case Said.Token token -> new Purchase.Failed(token.text());
            // A refused connection sold nothing; any other trouble may have come after the sale.
            case Said.Trouble(String reason) when reason.equals("connection refused") -> new Purchase.Failed(reason);
            case Said.Trouble(String reason) -> new Purchase.Unknown(reason);
        };
    }

    /**
     * {@code checkExtraActivation&activationId=}: {@code {"status":"success","cost":…,"service":…,
     * "phone":…,"country":…}} when the upstream can sell the number again, a token
     * ({@code RENEW_ACTIVATION_NOT_AVAILABLE}, {@code WRONG_ACTIVATION_ID}, {@code SIM_OFFLINE}) when not.
     */
    @Override
    public ReuseCost reuseCost(ReuseOrder order) {
        if (!isActivationId(order.providerRef())) {
            return new ReuseCost.Unavailable("not an activation of this upstream");
        }
        return switch (ask("checkExtraActivation", params("activationId", order.providerRef()))) {
            case Said.Json(JsonNode answer) when "success".equals(scalar(answer.get("status"))) && micros(answer.get("cost")).isPresent() ->
                    new ReuseCost.Known(micros(answer.get("cost")).getAsLong());
            case Said.Json(JsonNode answer) -> new ReuseCost.Unavailable("garbage: " + clip(answer.toString()));
            case Said.Token token -> new ReuseCost.Unavailable(token.text());
            case Said.Trouble(String reason) -> new ReuseCost.Unavailable(reason);
        };
    }

    /**
     * {@code getExtraActivation&activationId=}: {@code ACCESS_NUMBER:<new id>:<phone>}, a new
     * activation of the same number. It does not say what it cost: the price just quoted is assumed.
     */
    @Override
    public Purchase reuse(ReuseOrder order) {
        if (!isActivationId(order.providerRef())) {
            return new Purchase.Failed("not an activation of this upstream");
        }
        return switch (ask("getExtraActivation", params("activationId", order.providerRef()))) {
            case Said.Token(String token, String argument) when token.equals("ACCESS_NUMBER") ->
                    boughtV1(argument, new Order(order.service(), order.country(), "any", order.maxCostMicros(), List.of()));
            case Said.Token token when token.name().equals("NO_BALANCE") -> new Purchase.Failed(token.text());
            case Said.Token token -> new Purchase.Empty();
            case Said.Json(JsonNode answer) -> new Purchase.Failed("garbage: " + clip(answer.toString()));
            case Said.Trouble(String reason) when reason.equals("connection refused") -> new Purchase.Failed(reason);
            case Said.Trouble(String reason) -> new Purchase.Unknown(reason);
        };
    }

    /**
     * {@code getActiveActivations}, page by page (at most 10 pages of 100): the ids of every
     * activation the upstream counts as live; {@code NO_ACTIVATIONS} is none.
     */
    @Override
    public Optional<List<LiveSale>> liveAtProvider() {
        List<LiveSale> refs = new ArrayList<>();
        for (int page = 0; page < 10; page++) {
            Said said = ask("getActiveActivations", params("start", Integer.toString(page * 100), "limit", "100"));
            if (said instanceof Said.Token(String token, String argument) && token.equals("NO_ACTIVATIONS")) {
                return Optional.of(List.copyOf(refs));
            }
            JsonNode list = said instanceof Said.Json(JsonNode json) ? rows(json) : null;
            if (list == null) {
                return Optional.empty();
            }
            for (JsonNode a : list) {
                String ref = scalar(a.get("activationId"));
                String service = scalar(a.get("serviceCode"));
                if (isActivationId(ref)) {
                    refs.add(new LiveSale(ref, service == null ? "" : service));
                }
            }
            if (list.size() < 100) {
                return Optional.of(List.copyOf(refs));
            }
        }
        return Optional.of(List.copyOf(refs));
    }

    /**
     * Reads {@code getActiveActivations} a page at a time ({@code start}, {@code limit}), each
     * page answering for up to a page of live activations with their {@code smsCode} and
     * {@code smsText}, where {@link #poll} would ask one {@code getStatus} per activation. The
     * message id is the activation and the code, as {@link #poll} makes it, so an SMS seen both
     * ways (or pushed) is one message to intake.
     *
     * <p>{@code BAD_ACTION}, or a 2xx answer that is no list, means this upstream cannot list:
     * it is polled per activation for {@link #BULK_RETRY}. Other trouble (a timeout, a 5xx, a
     * refused key) ends the step, and the next step asks the same page again.
     */
    @Override
    public synchronized Sweep sweep(int maxRequests) {
        Instant refusedUntil = listRefusedUntil;
        if (refusedUntil != null && clock.instant().isBefore(refusedUntil)) {
            return new Sweep.Unsupported("the upstream refused getActiveActivations", 0);
        }
        List<InboundSms> received = new ArrayList<>();
        int requests = 0;
        // A step that began mid-list may go on past the end into the next pass, up to where it
        // began: otherwise a pass that ends early in a tick would leave the rest of the tick's
        // budget unused and the pages after it a tick late. No page is read twice in one step.
        int stepStart = cursor;
        boolean wrapped = false;
        int completedPass = -1;
        while (requests < maxRequests && !(wrapped && cursor >= stepStart)) {
            Said said = ask("getActiveActivations", params("start", Integer.toString(cursor), "limit", Integer.toString(pageSize)));
            requests++;
            JsonNode rows;
            switch (said) {
                case Said.Token(String token, String argument) when token.equals("NO_ACTIVATIONS") -> rows = UpstreamHttp.JSON.createArrayNode();
                case Said.Token(String token, String argument) when token.contains("ACTION") -> {
                    return refuseList(token, requests);
                }
                case Said.Json(JsonNode json) when rows(json) == null -> {
                    return refuseList("unexpected answer: " + clip(json.toString()), requests);
                }
                case Said.Json(JsonNode json) -> rows = rows(json);
                case Said.Trouble(String reason) when reason.startsWith("garbage") || reason.equals("empty answer") -> {
                    // A 2xx answer that is no protocol answer: what some clones send for an
                    // action they do not have. (Both reasons are UpstreamHttp.unreadable's.)
                    return refuseList(reason, requests);
                }
                // A refused key, a timeout, a 5xx: this page again on the next step.
                case Said.Token token -> {
                    return listed(received, requests, completedPass);
                }
                case Said.Trouble trouble -> {
                    return listed(received, requests, completedPass);
                }
            }
            listRefusedUntil = null;
            String firstId = rows.isEmpty() ? null : scalar(rows.get(0).get("activationId"));
            // A clone that ignores start answers the first page again: the pass has been read.
            boolean repeated = cursor > 0 && firstId != null && firstId.equals(firstIdOfLastPage);
            if (!repeated) {
                int read = 0;
                for (JsonNode row : rows) {
                    if (read++ == MAX_ROWS_PER_ANSWER) {
                        break;
                    }
                    received.addAll(messages(row));
                }
                passListed += Math.min(rows.size(), MAX_ROWS_PER_ANSWER);
            }
            firstIdOfLastPage = firstId;
            cursor += rows.size();
            passPages++;
            // A short page is the last; so is a page longer than asked (a clone without paging).
            if (repeated || rows.size() != pageSize || passPages >= MAX_PAGES_PER_PASS) {
                completedPass = passListed;
                cursor = 0;
                passListed = 0;
                passPages = 0;
                firstIdOfLastPage = null;
                if (wrapped || stepStart == 0) {
                    break;
                }
                wrapped = true;
            }
        }
        return listed(received, requests, completedPass);
    }

    /** A step's result: the pass it completed, if any ({@code completedPass} activations; -1 for none). */
    private Sweep.Listed listed(List<InboundSms> received, int requests, int completedPass) {
        return completedPass < 0
                ? new Sweep.Listed(List.copyOf(received), requests, false, passListed)
                : new Sweep.Listed(List.copyOf(received), requests, true, completedPass);
    }

    private Sweep refuseList(String reason, int requests) {
        listRefusedUntil = clock.instant().plus(BULK_RETRY);
        cursor = 0;
        passListed = 0;
        passPages = 0;
        firstIdOfLastPage = null;
        LOG.warning(() -> name + ": getActiveActivations refused (" + clip(reason) + "); polling per activation for " + BULK_RETRY);
        return new Sweep.Unsupported(reason, requests);
    }

    /**
     * The SMS of one listed activation. {@code smsCode} and {@code smsText} come as null, as a
     * string (also "null"), as a number, or as arrays of them (one entry per SMS, after another
     * code was asked for): each code becomes a message whose id is the activation and the code,
     * as {@link #poll} makes it; a text without a code is told apart by a digest of the text.
     */
    private List<InboundSms> messages(JsonNode row) {
        String ref = scalar(row.get("activationId"));
        if (!isActivationId(ref)) {
            return List.of();
        }
        List<String> codes = strings(row.get("smsCode"));
        List<String> texts = strings(row.get("smsText"));
        List<InboundSms> messages = new ArrayList<>();
        for (int i = 0; i < Math.max(codes.size(), texts.size()); i++) {
            String code = i < codes.size() ? codes.get(i) : "";
            String text = i < texts.size() ? texts.get(i) : "";
            if (code.isEmpty() && text.isEmpty()) {
                continue;
            }
            messages.add(new InboundSms(name, ref, "", text.isEmpty() ? code : text, messageId(ref, code, text), clock.instant(),
                    code.isEmpty() ? Optional.empty() : Optional.of(code)));
        }
        return messages;
    }

    @Override
    public Confirmation release(String providerRef, Release how) {
        if (SmsActivateRenting.isRental(providerRef)) {
            return renting.release(providerRef, how);
        }
        return setStatus(providerRef, switch (how) {
            case CODE_USED -> "6";
            case NOT_USED -> "8";
        });
    }

    @Override
    public Confirmation requestAnotherCode(String providerRef) {
        return setStatus(providerRef, "3");
    }

    /**
     * Asks the status of each activation and returns its SMS when a code arrived. The message id
     * is the activation and the code, so the same SMS polled twice is recognised by intake.
     */
    @Override
    public List<InboundSms> poll(List<String> providerRefs) {
        if (providerRefs.size() > MAX_REFS_PER_POLL) {
            throw new IllegalArgumentException("at most " + MAX_REFS_PER_POLL + " activations per poll, got " + providerRefs.size());
        }
        List<InboundSms> received = new ArrayList<>();
        for (String ref : providerRefs) {
            if (SmsActivateRenting.isRental(ref)) {
                received.addAll(renting.poll(ref));
                continue;
            }
            Said said = ask("getStatus", params("id", ref));
            if (said instanceof Said.Trouble) {
                // The upstream is slow or down: the others would most likely cost a timeout each.
                // They are asked again on the next round.
                break;
            }
            if (said instanceof Said.Token(String token, String code) && token.equals("STATUS_OK") && !code.isBlank()) {
                received.add(new InboundSms(name, ref, "", fullText(ref, code), ref + ":" + code, clock.instant(), Optional.of(code)));
            }
            // Waiting, cancelled, or an error about this one activation: nothing for it this round.
        }
        return List.copyOf(received);
    }

    // Rentals: the protocol's rent API (see SmsActivateRenting); a rented number's SMS are polled.

    @Override
    public List<OfferQuote> rentQuotes(List<String> services, List<Country> countries) {
        return renting.quotes(services, countries);
    }

    @Override
    public Purchase rent(RentOrder order) {
        return renting.rent(order);
    }

    @Override
    public Confirmation extendRental(String providerRef, Instant until) {
        return renting.extend(providerRef, until);
    }

    /**
     * Upstreams of this protocol are polled (through {@link #sweep} or {@link #poll}); those whose
     * customer webhook is pointed at Numpool also push (see {@link #receivePush}), and polling
     * stays as the safety net, so {@link #pushes()} stays false.
     */
    @Override
    public void listen(SmsListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** True when this upstream's SMS may be pushed to Numpool (a webhook secret is configured). */
    boolean acceptsPush() {
        return push.secret().isPresent();
    }

    /**
     * A customer webhook of the HeroSMS / sms-activate family:
     * {@code {activationId, service, text, code, country, receivedAt}}, unsigned in the
     * originals. So the secret travels in the URL the operator gives the upstream, and is
     * compared in constant time; with {@code allowedSources}, only those addresses may post.
     * Nothing is read before both check out. The message id is the one polling makes, so an SMS
     * both pushed and polled, or pushed twice, reaches the activation once; an activation intake
     * does not know is parked by intake and acknowledged here. A delivery failure throws: the
     * upstream retries anything but a 200.
     */
    InboundResult receivePush(String secret, String source, JsonNode body) {
        if (push.secret().isEmpty()) {
            return new InboundResult.NotConfigured("pushes from " + name);
        }
        // Both checks run whatever the first says, so the answer's timing tells nothing.
        boolean secretOk = Signatures.sameKey(push.secret().get(), secret);
        boolean sourceOk = push.allowedSources().isEmpty() || push.allowedSources().contains(source);
        if (!secretOk || !sourceOk) {
            return new InboundResult.Unauthorized(secretOk ? "source not allowed" : "wrong secret");
        }
        String ref = body == null || !body.isObject() ? null : scalar(body.get("activationId"));
        if (!isActivationId(ref)) {
            return new InboundResult.Malformed("needs an activationId");
        }
        List<String> codes = strings(body.get("code"));
        List<String> texts = strings(body.get("text"));
        String code = codes.isEmpty() ? "" : codes.getFirst();
        String text = texts.isEmpty() ? "" : texts.getFirst();
        if (code.isEmpty() && text.isEmpty()) {
            return new InboundResult.Ignored("no text and no code");
        }
        listener.onSms(new InboundSms(name, ref, "", text.isEmpty() ? code : text, messageId(ref, code, text),
                SmsActivateWire.receivedAt(body.get("receivedAt"), clock.instant()), code.isEmpty() ? Optional.empty() : Optional.of(code)));
        return new InboundResult.Delivered();
    }

    @Override
    public void close() {
        http.close();
    }

    /** The upstream's text of the SMS; its code alone when the text cannot be had. */
    private String fullText(String ref, String code) {
        if (ask("getFullSms", params("id", ref)) instanceof Said.Token(String token, String text)
                && token.equals("FULL_SMS") && !text.isBlank()) {
            return text;
        }
        return code;
    }

    private Confirmation setStatus(String providerRef, String status) {
        return switch (ask("setStatus", params("id", providerRef, "status", status))) {
            case Said.Token token when token.name().startsWith("ACCESS_") -> new Confirmation.Confirmed();
            case Said.Token token when REFUSALS.contains(token.name()) -> new Confirmation.Refused(token.text());
            // EARLY_CANCEL_DENIED says "not yet"; an unknown token may be passing trouble too.
            case Said.Token token -> new Confirmation.Unavailable(token.text());
            case Said.Json(JsonNode other) -> new Confirmation.Unavailable("unexpected answer: " + clip(other.toString()));
            case Said.Trouble(String reason) -> new Confirmation.Unavailable(reason);
        };
    }

    private Purchase boughtV2(JsonNode sale, Order order) {
        String ref = scalar(sale.get("activationId"));
        if (!isActivationId(ref)) {
            return new Purchase.Failed("garbage: " + clip(sale.toString()));
        }
        // Without a readable cost we assume the most the upstream may charge: maxPrice.
        long costMicros = micros(sale.get("activationCost")).orElse(order.maxCostMicros());
        return accept(ref, scalar(sale.get("phoneNumber")), costMicros, order);
    }

    private Purchase boughtV1(String idAndPhone, Order order) {
        String[] parts = idAndPhone.split(":", 2);
        if (parts.length != 2 || !isActivationId(parts[0])) {
            return new Purchase.Failed("garbage: " + clip("ACCESS_NUMBER:" + idAndPhone));
        }
        // V1 does not say what the number cost; maxPrice is what the upstream may have charged.
        return accept(parts[0], parts[1], order.maxCostMicros(), order);
    }

    /** See {@link Order#sold}; status 8 gives back a number we did not ask for. */
    private Purchase accept(String ref, String phoneText, long costMicros, Order order) {
        Purchase purchase = order.sold(ref, phoneText, costMicros);
        if (purchase instanceof Purchase.Failed(String problem) && !(setStatus(ref, "8") instanceof Confirmation.Confirmed)) {
            LOG.warning(() -> name + ": activation " + ref + " refused (" + problem + ") but could not be cancelled");
        }
        return purchase;
    }

    /** {@code getBalance} answers {@code ACCESS_BALANCE:<decimal>}. */
    @Override
    public Optional<AccountBalance> accountBalance() {
        return Optional.of(switch (ask("getBalance", Map.of())) {
            case Said.Token(String token, String argument) when token.equals("ACCESS_BALANCE") && argument.strip().matches("-?[0-9]{1,12}(\\.[0-9]{1,6})?") ->
                    new AccountBalance.Known(new java.math.BigDecimal(argument.strip()).movePointRight(6).longValueExact());
            case Said.Token token -> new AccountBalance.Unknown(token.text());
            case Said.Json json -> new AccountBalance.Unknown("JSON where ACCESS_BALANCE was expected");
            case Said.Trouble trouble -> new AccountBalance.Unknown(trouble.reason());
        });
    }

    private Said ask(String action, Map<String, String> params) {
        return switch (http.get(SmsActivateWire.uri(handlerUrl, apiKey, action, params), MAX_BODY_BYTES)) {
            case Reply.Answered(int status, byte[] body) -> interpret(status, new String(body, UTF_8));
            case Reply.Failed(String reason) -> new Said.Trouble(reason);
        };
    }
}
