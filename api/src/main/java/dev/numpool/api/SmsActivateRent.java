package dev.numpool.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Service;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.ExtendOutcome;
import dev.numpool.orders.Orders;
import dev.numpool.orders.RentOutcome;
import dev.numpool.orders.Rental;
import dev.numpool.orders.RentalChange;
import dev.numpool.orders.RentalRequest;
import dev.numpool.orders.RentalStatus;
import dev.numpool.orders.Rentals;
import dev.numpool.orders.RetryGuard;
import dev.numpool.orders.StoredResponse;
import io.helidon.webserver.http.ServerRequest;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * sms-activate's rent actions on {@code /stubs/handler_api.php}, beside {@link SmsActivateApi}'s
 * activation actions and over the same {@link Rentals} door as {@code /v1/rentals}. The rent API
 * answers JSON: {@code {"status":"success",…}}, and its refusals as
 * {@code {"status":"error","message":"<TOKEN>"}} with HTTP 200 (the official SDK reads the token
 * from {@code message}); a bad key or action is answered by the handler's plain tokens first.
 *
 * <p>Its rules, where the protocol leaves them to the server: {@code rent_time} is in hours
 * (default 4) and must be a whole number of Numpool's periods (an hour by default), else
 * {@code INVALID_TIME}; more than a rental's most periods is {@code MAX_HOURS_EXCEED}; service
 * {@code full} (or {@code any}, or none) rents the whole number for every service; the rental
 * ids are the activations' kind of id (signed 32 bits); a cancel after the refund window or after
 * an SMS is {@code CANT_CANCEL}; an expired rental answers as a finished one ({@code STATUS_FINISH},
 * {@code ALREADY_FINISH}); {@code getRentStatus} lists every SMS, newest first, under keys "0",
 * "1", … with {@code quantity} as a string, and names as each SMS's {@code service} the rental's
 * ({@code ot} for a whole number).
 */
final class SmsActivateRent {
    /** The protocol's name of a rental for every service. */
    static final String FULL = "full";
    private static final int DEFAULT_HOURS = 4;
    /** ISO 4217 numeric code of the account currency (USD). */
    private static final int CURRENCY = 840;
    private static final DateTimeFormatter END_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SMS_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    /** A rent action's answer: always JSON; {@code replayed} for a rental's first answer given again. */
    record Reply(String body, boolean replayed) {
        Reply(String body) {
            this(body, false);
        }
    }

    @FunctionalInterface
    private interface Action {
        Reply answer(AccountId owner, Map<String, String> p);
    }

    private final Rentals rentals;
    private final Inventory inventory;
    private final CompatRetries retries;
    private final Map<String, Action> actions;

    SmsActivateRent(Orders orders, Inventory inventory, CompatRetries retries) {
        this.rentals = orders.rentals();
        this.inventory = inventory;
        this.retries = retries;
        this.actions = Map.of(
                "getRentServicesAndCountries", this::servicesAndCountries,
                "getRentStatus", this::status,
                "setRentStatus", this::setStatus,
                "getRentList", this::list,
                "continueRentNumber", this::extend);
    }

    /**
     * The answer of a rent action; empty for any other action (the activation actions answer those).
     * {@code getRentNumber} needs the key itself and the request's headers (see {@link CompatRetries}).
     */
    Optional<Reply> answer(String action, Accounts.Caller caller, Map<String, String> p, ServerRequest req) {
        if (action.equals("getRentNumber")) {
            return Optional.of(rent(caller, p, req));
        }
        return Optional.ofNullable(actions.get(action)).map(a -> a.answer(caller.account(), p));
    }

    private static Reply error(String token) {
        return new Reply(Json.MAPPER.createObjectNode().put("status", "error").put("message", token).toString());
    }

    private static Reply success(ObjectNode body) {
        ObjectNode n = Json.MAPPER.createObjectNode().put("status", "success");
        n.setAll(body);
        return new Reply(n.toString());
    }

    // getRentServicesAndCountries ----------------------------------------------------------------------

    /** {@code {"countries":{"0":0},"operators":{"0":"any"},"services":{"full":{"cost":0.48,"quant":20},…},"currency":840}}. */
    private Reply servicesAndCountries(AccountId owner, Map<String, String> p) {
        Optional<Integer> periods = periods(p);
        if (periods.isEmpty()) {
            return error("INVALID_TIME");
        }
        Optional<Country> country = countryParam(p);
        if (country.isEmpty()) {
            return error("BAD_COUNTRY");
        }
        List<Inventory.RentOffer> everywhere = rentals.offers(owner, Optional.empty(), false, Optional.empty());
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode countries = body.putObject("countries");
        List<Integer> ids = everywhere.stream().map(o -> o.country().id()).distinct().sorted().toList();
        for (int i = 0; i < ids.size(); i++) {
            countries.put(Integer.toString(i), ids.get(i));
        }
        body.putObject("operators").put("0", "any");
        ObjectNode services = body.putObject("services");
        for (Inventory.RentOffer o : everywhere) {
            if (o.country().id() == country.get().id()) {
                services.putObject(o.service().equals(Inventory.ANY_SERVICE) ? FULL : o.service())
                        .put("cost", new BigDecimal(Money.format(o.priceMicros() * periods.get()))).put("quant", o.stock());
            }
        }
        body.put("currency", CURRENCY);
        return new Reply(body.toString());
    }

    // getRentNumber ------------------------------------------------------------------------------------

    /**
     * {@code {"status":"success","phone":{"id":1049,"endDate":"2026-01-31T12:01:52","number":"79959707564"}}}.
     * A retry never rents twice, as for {@code getNumber}: with an {@code Idempotency-Key} the first
     * answer is given again, byte for byte; without one, a repeat within the duplicate window answers
     * the first rental while it is active.
     */
    private Reply rent(Accounts.Caller caller, Map<String, String> p, ServerRequest req) {
        String code = p.getOrDefault("service", FULL);
        Optional<Service> service = Optional.empty();
        if (!code.isEmpty() && !code.equals(FULL) && !code.equals(Inventory.ANY_SERVICE)) {
            service = inventory.service(code);
            if (service.isEmpty()) {
                return error("BAD_SERVICE");
            }
        }
        Optional<Country> country = countryParam(p);
        if (country.isEmpty()) {
            return error("BAD_COUNTRY");
        }
        Optional<Integer> periods = periods(p);
        if (periods.isEmpty()) {
            return error("INVALID_TIME");
        }
        // The key may come as a parameter or a header: it is no part of what was asked.
        Map<String, String> asked = new TreeMap<>(p);
        asked.remove("api_key");
        byte[] fingerprint = Orders.fingerprint("GET", SmsActivateApi.PATH, asked.toString().getBytes(StandardCharsets.UTF_8));
        Optional<RetryGuard> guard = retries.guard(caller, req, fingerprint);
        if (guard.isEmpty()) {
            return error("BAD_IDEMPOTENCY_KEY");
        }
        RentOutcome outcome = rentals.rentRetrySafe(caller.account(), new RentalRequest(service, country.get(), periods.get(), OptionalLong.empty()),
                guard.get(), r -> new StoredResponse(200, success(phone(r)).body().getBytes(StandardCharsets.UTF_8)));
        return switch (outcome) {
            case RentOutcome.Rented rented -> success(phone(rented.rental()));
            case RentOutcome.Duplicate duplicate -> success(phone(duplicate.rental()));
            case RentOutcome.Replayed replayed -> new Reply(new String(replayed.response().body(), StandardCharsets.UTF_8), true);
            case RentOutcome.NoNumbers none -> error("NO_NUMBERS");
            case RentOutcome.PriceAboveMax above -> error("NO_NUMBERS"); // this protocol sets no price cap on a rental
            case RentOutcome.InsufficientBalance poor -> error("NO_BALANCE");
            case RentOutcome.TooManyPeriods many -> error("MAX_HOURS_EXCEED");
            case RentOutcome.TooManyActive many -> error("CHANNELS_LIMIT");
            // The Idempotency-Key was used for another request, as getNumber answers it.
            case RentOutcome.KeyReused r -> error("IDEMPOTENCY_KEY_REUSED");
            // The first request with this key still runs after the wait: the same key again later.
            case RentOutcome.InProgress r -> error("SERVER_ERROR");
        };
    }

    private static ObjectNode phone(Rental r) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("phone").put("id", r.id()).put("endDate", END_DATE.format(r.endsAt())).put("number", r.phone().digits());
        return body;
    }

    // getRentStatus --------------------------------------------------------------------------------------

    /** {@code {"status":"success","quantity":"2","values":{"0":{"phoneFrom","text","service","date"},…}}}, newest first. */
    private Reply status(AccountId owner, Map<String, String> p) {
        Optional<Rental> found = rental(owner, p);
        if (found.isEmpty()) {
            return error(idGiven(p) ? "INVALID_PHONE" : "NO_ID_RENT");
        }
        Rental r = found.get();
        switch (r.status()) {
            case CANCELLED -> {
                return error("STATUS_CANCEL");
            }
            case FINISHED, EXPIRED -> {
                return error("STATUS_FINISH");
            }
            case ACTIVE -> {
                // below
            }
        }
        if (r.messages().isEmpty()) {
            return error("STATUS_WAIT_CODE");
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("quantity", Integer.toString(r.messages().size()));
        ObjectNode values = body.putObject("values");
        List<Rental.Message> newestFirst = new ArrayList<>(r.messages()).reversed();
        String service = Inventory.smsActivateService(r.service());
        for (int i = 0; i < newestFirst.size(); i++) {
            Rental.Message m = newestFirst.get(i);
            values.putObject(Integer.toString(i)).put("phoneFrom", m.sender()).put("text", m.text()).put("service", service)
                    .put("date", SMS_DATE.format(m.receivedAt()));
        }
        return success(body);
    }

    // setRentStatus --------------------------------------------------------------------------------------

    /** {@code status} 1 finishes (returns) the rental, 2 cancels it for a refund: {@code {"status":"success"}}. */
    private Reply setStatus(AccountId owner, Map<String, String> p) {
        Optional<Integer> id = Requests.parseActivationId(p.get("id"));
        if (id.isEmpty()) {
            return error(idGiven(p) ? "INVALID_PHONE" : "NO_ID_RENT");
        }
        RentalChange change = switch (p.getOrDefault("status", "")) {
            case "1" -> rentals.finish(owner, id.get());
            case "2" -> rentals.cancel(owner, id.get());
            default -> null;
        };
        if (change == null) {
            return error("INCORECT_STATUS"); // sic: the protocol's spelling
        }
        return switch (change) {
            case RentalChange.Changed changed -> success(Json.MAPPER.createObjectNode());
            case RentalChange.NotFound nf -> error("INVALID_PHONE");
            case RentalChange.AlreadyEnded ended -> error(ended.status() == RentalStatus.CANCELLED ? "ALREADY_CANCEL" : "ALREADY_FINISH");
            case RentalChange.RefundWindowClosed closed -> error("CANT_CANCEL");
            case RentalChange.SmsAlreadyReceived sms -> error("CANT_CANCEL");
        };
    }

    // getRentList ----------------------------------------------------------------------------------------

    /** The active rentals, newest first: {@code {"status":"success","values":{"0":{"id":"1049","phone":"79959707564"},…}}}. */
    private Reply list(AccountId owner, Map<String, String> p) {
        List<Rental> active = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        do {
            var page = rentals.rentals(owner, Optional.of(RentalStatus.ACTIVE), 100, cursor);
            active.addAll(page.items());
            cursor = page.nextCursor();
        } while (cursor.isPresent() && active.size() < 1000);
        if (active.isEmpty()) {
            return error("NO_NUMBERS");
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode values = body.putObject("values");
        for (int i = 0; i < active.size(); i++) {
            values.putObject(Integer.toString(i)).put("id", Integer.toString(active.get(i).id())).put("phone", active.get(i).phone().digits());
        }
        return success(body);
    }

    // continueRentNumber -----------------------------------------------------------------------------------

    /** {@code rent_time} more hours: the same answer as {@code getRentNumber}, with the new {@code endDate}. */
    private Reply extend(AccountId owner, Map<String, String> p) {
        Optional<Integer> id = Requests.parseActivationId(p.get("id"));
        if (id.isEmpty()) {
            return error(idGiven(p) ? "INVALID_PHONE" : "NO_ID_RENT");
        }
        Optional<Integer> periods = periods(p);
        if (periods.isEmpty()) {
            return error("INVALID_TIME");
        }
        return switch (rentals.extend(owner, id.get(), periods.get())) {
            case ExtendOutcome.Extended extended -> success(phone(extended.rental()));
            case ExtendOutcome.NotFound nf -> error("INVALID_PHONE");
            case ExtendOutcome.AlreadyEnded ended -> error(ended.status() == RentalStatus.CANCELLED ? "STATUS_CANCEL" : "STATUS_FINISH");
            case ExtendOutcome.TooManyPeriods many -> error("MAX_HOURS_EXCEED");
            case ExtendOutcome.NotExtendable no -> error("MAX_HOURS_EXCEED");
            case ExtendOutcome.InsufficientBalance poor -> error("NO_BALANCE");
            case ExtendOutcome.TryAgain later -> error("SERVER_ERROR");
            // Without a key nothing is replayed, reused or busy.
            case ExtendOutcome.Replayed r -> error("SERVER_ERROR");
            case ExtendOutcome.KeyReused r -> error("SERVER_ERROR");
            case ExtendOutcome.InProgress r -> error("SERVER_ERROR");
        };
    }

    // Parameters -------------------------------------------------------------------------------------------

    private Optional<Rental> rental(AccountId owner, Map<String, String> p) {
        return Requests.parseActivationId(p.get("id")).flatMap(id -> rentals.rental(owner, id));
    }

    private static boolean idGiven(Map<String, String> p) {
        return p.get("id") != null && !p.get("id").isEmpty();
    }

    /** {@code country}, 0 when not given; empty when unknown. */
    private Optional<Country> countryParam(Map<String, String> p) {
        String raw = p.getOrDefault("country", "0").strip();
        if (raw.isEmpty()) {
            raw = "0";
        }
        if (!raw.matches("[0-9]{1,6}")) {
            return Optional.empty();
        }
        return inventory.country(Integer.parseInt(raw));
    }

    /**
     * {@code rent_time} in hours (4 when not given) as a number of periods: empty when it is not a
     * positive whole number of hours or not a whole number of periods. At most a few thousand
     * periods fit in what any node allows; more is left to the door's maximum.
     */
    private Optional<Integer> periods(Map<String, String> p) {
        String raw = p.getOrDefault("rent_time", "").strip();
        long hours;
        if (raw.isEmpty()) {
            hours = DEFAULT_HOURS;
        } else if (raw.matches("[0-9]{1,6}")) {
            hours = Long.parseLong(raw);
        } else {
            return Optional.empty();
        }
        long seconds = Duration.ofHours(hours).toSeconds();
        long period = rentals.period().toSeconds();
        if (hours < 1 || seconds % period != 0) {
            return Optional.empty();
        }
        return Optional.of((int) Math.min(Integer.MAX_VALUE, seconds / period));
    }
}
