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
import dev.numpool.orders.ExtendOutcome;
import dev.numpool.orders.IdempotencyKey;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Page;
import dev.numpool.orders.RentOutcome;
import dev.numpool.orders.Rental;
import dev.numpool.orders.RentalChange;
import dev.numpool.orders.RentalEvent;
import dev.numpool.orders.RentalRequest;
import dev.numpool.orders.RentalStatus;
import dev.numpool.orders.Rentals;
import dev.numpool.orders.StoredResponse;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The native API's rentals ({@code /v1/rentals}, {@code /v1/rental-offers}, and the sandbox's
 * {@code /v1/sandbox/rentals/{id}/sms}): each handler parses its request, calls the
 * {@link Rentals} door once, and maps the sealed outcome to a status and a body; the problems are
 * rows of {@link ProblemType}. Renting and extending take an {@code Idempotency-Key} as orders do.
 */
final class RentalApi {
    private static final Logger LOG = Logger.getLogger(RentalApi.class.getName());
    private static final Set<String> RENT_FIELDS = Set.of("service", "country", "periods", "maxPrice");
    private static final Set<String> EXTEND_FIELDS = Set.of("periods");
    private static final Set<String> SMS_FIELDS = Set.of("text", "sender");
    private static final Duration STREAM_LIFETIME = Duration.ofMinutes(30);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final Accounts accounts;
    private final Orders orders;
    private final Inventory inventory;
    private final boolean sandbox;

    RentalApi(Accounts accounts, Orders orders, Inventory inventory, boolean sandbox) {
        this.accounts = accounts;
        this.orders = orders;
        this.inventory = inventory;
        this.sandbox = sandbox;
    }

    /** The door, asked at each request (the router's route table is built before any). */
    private Rentals rentals() {
        return orders.rentals();
    }

    // Offers ----------------------------------------------------------------------------------------

    /** {@code GET /v1/rental-offers?service=&country=}: price per period and stock; a test key sees the simulator's. */
    void offers(AccountId owner, ServerRequest req, ServerResponse res) {
        Optional<String> service = Requests.query(req, "service");
        boolean any = service.filter(Inventory.ANY_SERVICE::equals).isPresent();
        Optional<Service> known = service.filter(s -> !any).map(this::service);
        Optional<Country> country = Requests.intQuery(req, "country", 0, Integer.MAX_VALUE).map(this::country);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("periodSeconds", rentals().period().toSeconds());
        ArrayNode offers = body.putArray("offers");
        for (Inventory.RentOffer o : rentals().offers(owner, known, any, country)) {
            offers.addObject().put("service", o.service()).put("country", o.country().id()).put("countryName", o.country().name())
                    .put("pricePerPeriod", Money.format(o.priceMicros())).put("pricePerPeriodMicros", o.priceMicros())
                    .put("currency", o.currency()).put("stock", o.stock());
        }
        Json.send(res, 200, body);
    }

    private Service service(String code) {
        return inventory.service(code).orElseThrow(() -> new Problem(ProblemType.UNKNOWN_SERVICE,
                "No service '" + code + "'. GET /v1/services lists them; \"any\" rents the number for every service."));
    }

    private Country country(int id) {
        return inventory.country(id).orElseThrow(() -> new Problem(ProblemType.UNKNOWN_COUNTRY, "No country " + id + ". GET /v1/countries lists them."));
    }

    // Renting ---------------------------------------------------------------------------------------

    /** {@code POST /v1/rentals}: {@code {"service": "tg" | "any", "country": 0, "periods": 4, "maxPrice": "0.10"}}. */
    void rent(AccountId owner, ServerRequest req, ServerResponse res) {
        IdempotencyKey key = idempotencyKey(req);
        byte[] body = Requests.jsonBody(req);
        ObjectNode fields = Json.object(body, RENT_FIELDS);
        RentalRequest request = rentalRequest(fields);
        RentOutcome outcome = rentals().rent(owner, request, key, Orders.fingerprint("POST", "/v1/rentals", body),
                r -> new StoredResponse(201, Json.bytes(rental(r))));
        switch (outcome) {
            case RentOutcome.Rented rented -> stored(res, rented.response());
            case RentOutcome.Replayed replayed -> {
                res.header("Idempotent-Replayed", "true");
                stored(res, replayed.response());
            }
            case RentOutcome.Duplicate duplicate -> throw new IllegalStateException("native rentals have no duplicate window");
            case RentOutcome.KeyReused reused -> throw keyReused();
            case RentOutcome.InProgress busy -> throw keyInUse();
            case RentOutcome.TooManyPeriods many -> throw tooManyPeriods(many.maxPeriods());
            case RentOutcome.NoNumbers none -> throw new Problem(ProblemType.NO_NUMBERS, "No provider has a number to rent for "
                    + request.serviceCode() + " in country " + request.country().id() + " right now.");
            case RentOutcome.PriceAboveMax above -> throw new Problem(ProblemType.PRICE_ABOVE_MAX,
                    "The cheapest number costs " + Money.format(above.minimumPriceMicros()) + " a period, above your maxPrice.",
                    Map.of("minimumPrice", Money.format(above.minimumPriceMicros()), "minimumPriceMicros", above.minimumPriceMicros()));
            case RentOutcome.InsufficientBalance poor -> throw insufficientBalance(poor.availableMicros(), poor.priceMicros(), poor.debtMicros());
            case RentOutcome.TooManyActive many -> throw new Problem(ProblemType.TOO_MANY_ACTIVE_RENTALS,
                    "An account may have " + many.limit() + " active rentals at once; return some first.", Map.of("limit", many.limit()));
        }
    }

    private RentalRequest rentalRequest(ObjectNode body) {
        JsonNode service = body.get("service");
        if (service != null && !service.isTextual()) {
            throw Problem.badRequest("'service' must be a 2-letter service code such as \"tg\", or \"any\" (the default) for every service.");
        }
        Optional<Service> known = service == null || service.asText().equals(Inventory.ANY_SERVICE) ? Optional.empty()
                : Optional.of(service(service.asText()));
        JsonNode country = body.get("country");
        if (country == null || !country.isIntegralNumber() || !country.canConvertToInt()) {
            throw Problem.badRequest("'country' is required: a numeric country id such as 0 (Russia) or 16 (United Kingdom).");
        }
        Country c = country(country.asInt());
        int periods = periods(body.get("periods"));
        OptionalLong maxPrice = OptionalLong.empty();
        if (body.has("maxPrice") && !body.get("maxPrice").isNull()) {
            maxPrice = Json.micros(body.get("maxPrice"));
            if (maxPrice.isEmpty() || maxPrice.getAsLong() == 0) {
                throw Problem.badRequest("'maxPrice' (per period) must be a positive decimal of at most 6 decimal places and at most "
                        + Money.format(Money.MAX_MICROS) + ", e.g. \"0.50\".");
            }
        }
        return new RentalRequest(known, c, periods, maxPrice);
    }

    /** A whole number of periods, at least one; too many is answered by the door, which knows this node's maximum. */
    private static int periods(JsonNode raw) {
        if (raw == null || !raw.isIntegralNumber() || raw.asLong() < 1) {
            throw Problem.badRequest("'periods' is required: how many periods (an hour each, see GET /v1/rental-offers) to pay for, at least 1.");
        }
        return raw.canConvertToInt() ? raw.asInt() : Integer.MAX_VALUE;
    }

    // Extending, cancelling, returning --------------------------------------------------------------

    /** {@code POST /v1/rentals/{id}/extend}: {@code {"periods": 2}}, under an Idempotency-Key. */
    void extend(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = rentalId(req);
        IdempotencyKey key = idempotencyKey(req);
        byte[] body = Requests.jsonBody(req);
        int periods = periods(Json.object(body, EXTEND_FIELDS).get("periods"));
        ExtendOutcome outcome = rentals().extend(owner, id, periods, key, Orders.fingerprint("POST", "/v1/rentals/" + id + "/extend", body),
                r -> new StoredResponse(200, Json.bytes(rental(r))));
        switch (outcome) {
            case ExtendOutcome.Extended extended -> stored(res, extended.response());
            case ExtendOutcome.Replayed replayed -> {
                res.header("Idempotent-Replayed", "true");
                stored(res, replayed.response());
            }
            case ExtendOutcome.KeyReused reused -> throw keyReused();
            case ExtendOutcome.InProgress busy -> throw keyInUse();
            case ExtendOutcome.NotFound nf -> throw noRental(id);
            case ExtendOutcome.AlreadyEnded ended -> throw ended(ended.status());
            case ExtendOutcome.TooManyPeriods many -> throw tooManyPeriods(many.maxPeriods());
            case ExtendOutcome.NotExtendable no -> throw new Problem(ProblemType.NOT_EXTENDABLE, "This number cannot be kept that long: "
                    + no.reason() + ".");
            case ExtendOutcome.TryAgain later -> throw new Problem(ProblemType.TRY_AGAIN,
                    "The number's provider could not be asked just now. Nothing was charged; retry with the same Idempotency-Key.");
            case ExtendOutcome.InsufficientBalance poor -> throw insufficientBalance(poor.availableMicros(), poor.priceMicros(), poor.debtMicros());
        }
    }

    /** {@code POST /v1/rentals/{id}/cancel}: a full refund, within the refund window and before any SMS. */
    void cancel(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = rentalId(req);
        changed(res, id, rentals().cancel(owner, id));
    }

    /** {@code POST /v1/rentals/{id}/finish}: return it early; the current period is paid, later ones refunded. */
    void finish(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = rentalId(req);
        changed(res, id, rentals().finish(owner, id));
    }

    private static void changed(ServerResponse res, int id, RentalChange change) {
        switch (change) {
            case RentalChange.Changed changed -> Json.send(res, 200, rental(changed.rental()));
            case RentalChange.NotFound nf -> throw noRental(id);
            case RentalChange.AlreadyEnded ended -> throw ended(ended.status());
            case RentalChange.RefundWindowClosed closed -> throw new Problem(ProblemType.REFUND_WINDOW_CLOSED,
                    "A rental can be cancelled for a refund until " + closed.refundableUntil() + "; return it instead (POST /v1/rentals/" + id
                            + "/finish).", Map.of("refundableUntil", closed.refundableUntil().toString()));
            case RentalChange.SmsAlreadyReceived sms -> throw new Problem(ProblemType.SMS_ALREADY_RECEIVED,
                    "This number has received an SMS, so the rental is paid for; return it instead (POST /v1/rentals/" + id + "/finish).");
        }
    }

    // Reading ---------------------------------------------------------------------------------------

    void get(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = rentalId(req);
        Json.send(res, 200, rental(rentals().rental(owner, id).orElseThrow(() -> noRental(id))));
    }

    void list(AccountId owner, ServerRequest req, ServerResponse res) {
        Optional<RentalStatus> status = Requests.query(req, "status").map(s -> RentalStatus.fromWire(s)
                .orElseThrow(() -> Problem.badRequest("'status' must be one of active, finished, cancelled, expired.")));
        int limit = Requests.intQuery(req, "limit", 1, 100).orElse(20);
        Optional<String> cursor = Requests.query(req, "cursor");
        if (cursor.isPresent() && !Orders.validCursor(cursor.get())) {
            throw Problem.badRequest("'cursor' must be the nextCursor of a previous page.");
        }
        Page<Rental> page = rentals().rentals(owner, status, limit, cursor);
        Json.send(res, 200, Json.page(page, RentalApi::rental));
    }

    /**
     * {@code GET /v1/rentals/{id}/events}: server-sent events, first the rental as it is
     * ({@code rental}), then each {@code sms} and {@code status} change, from whichever node.
     */
    void events(AccountId owner, ServerRequest req, ServerResponse res) {
        int id = rentalId(req);
        try (Rentals.Follow follow = rentals().follow(owner, Optional.of(id)).orElseThrow(() -> new Problem(ProblemType.TOO_MANY_STREAMS,
                "This account has as many live streams open as it may; close one."))) {
            Rental now = rentals().rental(owner, id).orElseThrow(() -> noRental(id));
            long until = System.nanoTime() + STREAM_LIFETIME.toNanos();
            try (SseSink sink = res.sink(SseSink.TYPE)) {
                sink.emit(SseEvent.builder().name("rental").data(rental(now).toString()).build());
                while (System.nanoTime() < until) {
                    sink.emit(follow.next(KEEP_ALIVE).map(RentalApi::event).orElseGet(() -> SseEvent.builder().comment("keep-alive").build()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "rental stream ended", e);
            }
        }
    }

    private static SseEvent event(RentalEvent e) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("rentalId", e.rentalId()).put("status", e.status().wire()).put("at", e.at().toString());
        e.code().ifPresent(c -> data.put("code", c));
        e.text().ifPresent(t -> data.put("text", t));
        return SseEvent.builder().name(e.type()).data(data.toString()).build();
    }

    // Sandbox ---------------------------------------------------------------------------------------

    /** {@code POST /v1/sandbox/rentals/{id}/sms}: an SMS to a rented simulated number, through the provider intake path. */
    void injectSms(AccountId owner, ServerRequest req, ServerResponse res) {
        if (!sandbox && !accounts.isTest(owner)) {
            throw new Problem(ProblemType.TEST_MODE_MISMATCH, "SMS can be injected with a test key (np_test_…) only.");
        }
        int id = rentalId(req);
        ObjectNode body = Json.object(Requests.jsonBody(req), SMS_FIELDS);
        JsonNode text = body.get("text");
        if (text == null || !text.isTextual() || text.asText().isEmpty() || text.asText().length() > 4096
                || Requests.hasControlCharacters(text.asText(), true)) {
            throw Problem.badRequest("'text' is required: the SMS text, 1 to 4096 characters, no control characters but line breaks and tabs.");
        }
        JsonNode sender = body.get("sender");
        if (sender != null && (!sender.isTextual() || sender.asText().length() > 64 || Requests.hasControlCharacters(sender.asText(), false))) {
            throw Problem.badRequest("'sender' must be a string of at most 64 printable characters.");
        }
        switch (rentals().injectSandboxSms(owner, id, sender == null ? "Sandbox" : sender.asText(), text.asText())) {
            case Rentals.SandboxSms.Delivered delivered -> Json.send(res, 200, rental(delivered.rental()));
            // A simulated upstream's rental: back by now through its rent API, or on its next poll.
            case Rentals.SandboxSms.Relayed relayed -> {
                if (relayed.arrived()) {
                    Json.send(res, 200, rental(relayed.rental()));
                } else {
                    Json.send(res, 202, Json.MAPPER.createObjectNode().put("id", id).put("smsAccepted", true).put("via", relayed.upstream()));
                }
            }
            case Rentals.SandboxSms.NotFound nf -> throw noRental(id);
            case Rentals.SandboxSms.Busy busy -> throw new Problem(ProblemType.SATURATED,
                    "This node is taking in as many SMS as it can right now. Nothing was stored; send it again in a second.");
            case Rentals.SandboxSms.NotSimulated real -> throw new Problem(ProblemType.NOT_SIMULATED,
                    "SMS can only be injected into rentals of simulated numbers.");
        }
    }

    // The JSON of a rental --------------------------------------------------------------------------

    static ObjectNode rental(Rental r) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", r.id());
        n.put("service", r.service());
        n.put("country", r.country());
        n.put("phone", r.phone().e164());
        n.put("status", r.status().wire());
        n.put("periodSeconds", r.period().toSeconds());
        n.put("pricePerPeriod", Money.format(r.periodPriceMicros()));
        n.put("pricePerPeriodMicros", r.periodPriceMicros());
        n.put("periods", r.periods());
        n.put("chargedPeriods", r.chargedPeriods());
        n.put("refundedPeriods", r.refundedPeriods());
        n.put("paid", Money.format(r.paidMicros()));
        n.put("paidMicros", r.paidMicros());
        n.put("refunded", Money.format(r.periodPriceMicros() * r.refundedPeriods()));
        n.put("currency", r.currency());
        n.put("createdAt", r.createdAt().toString());
        n.put("refundableUntil", r.refundableUntil().toString());
        n.put("endsAt", r.endsAt().toString());
        n.put("endedAt", r.endedAt().map(Object::toString).orElse(null));
        n.put("livemode", !r.test());
        ArrayNode messages = n.putArray("messages");
        for (Rental.Message m : r.messages()) {
            messages.addObject().put("id", m.id()).put("sender", m.sender()).put("text", m.text()).put("code", m.code().orElse(null))
                    .put("receivedAt", m.receivedAt().toString());
        }
        return n;
    }

    // Shared answers --------------------------------------------------------------------------------

    private static int rentalId(ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        return Requests.parseActivationId(raw).orElseThrow(() -> Problem.notFound("No rental with id '" + raw + "'."));
    }

    private static IdempotencyKey idempotencyKey(ServerRequest req) {
        return IdempotencyKey.of(req.headers().first(HeaderNames.create("Idempotency-Key")).orElse(null))
                .orElseThrow(() -> new Problem(ProblemType.IDEMPOTENCY_KEY_REQUIRED,
                        "Send an 'Idempotency-Key' header of 1 to 255 visible ASCII characters, unique per rental or extension."));
    }

    private static Problem noRental(int id) {
        return Problem.notFound("No rental with id " + id + ".");
    }

    private static Problem ended(RentalStatus status) {
        return new Problem(ProblemType.RENTAL_ENDED, "This rental is already " + status.wire() + ".", Map.of("rentalStatus", status.wire()));
    }

    private static Problem tooManyPeriods(int max) {
        return new Problem(ProblemType.TOO_MANY_PERIODS, "A rental is paid for at most " + max + " periods, extensions included.",
                Map.of("maxPeriods", max));
    }

    private static Problem keyReused() {
        return new Problem(ProblemType.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key was used for a different request. Use a new key.");
    }

    private static Problem keyInUse() {
        return new Problem(ProblemType.IDEMPOTENCY_KEY_IN_USE, "A request with this Idempotency-Key is still running. Retry shortly with the same key.");
    }

    private static Problem insufficientBalance(long availableMicros, long priceMicros, long debtMicros) {
        return new Problem(ProblemType.INSUFFICIENT_BALANCE, "These periods cost " + Money.format(priceMicros) + " and "
                + Money.format(availableMicros) + " is available." + (debtMicros > 0 ? " The account owes " + Money.format(debtMicros)
                + " after a card refund or dispute; the next top-up pays it first." : ""),
                Map.of("available", Money.format(availableMicros), "price", Money.format(priceMicros), "debt", Money.format(debtMicros)));
    }

    private static void stored(ServerResponse res, StoredResponse response) {
        res.status(Status.create(response.status())).header(HeaderNames.CONTENT_TYPE, "application/json").send(response.body());
    }
}
