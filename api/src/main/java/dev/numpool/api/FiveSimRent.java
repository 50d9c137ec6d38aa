package dev.numpool.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Money;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Orders;
import dev.numpool.orders.RentOutcome;
import dev.numpool.orders.Rental;
import dev.numpool.orders.RentalChange;
import dev.numpool.orders.RentalRequest;
import dev.numpool.orders.RentalStatus;
import dev.numpool.orders.Rentals;
import dev.numpool.orders.RetryGuard;
import dev.numpool.orders.StoredResponse;
import io.helidon.common.parameters.Parameters;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * 5sim's rentals ("hosting" numbers), beside {@link FiveSimApi}'s activations and over the same
 * {@link Rentals} door as {@code /v1/rentals}: {@code /v1/user/buy/hosting/{country}/{operator}/{product}}
 * rents a whole number for the product's time ({@code 3hours}, {@code 1day}, {@code 10days},
 * {@code 1month}: 30 days), and {@code check}, {@code finish}, {@code cancel} and {@code ban} of a
 * rental's id answer for the rental (rental and activation ids never collide). A hosting order
 * reads as an activation order does: status {@code RECEIVED} while rented, {@code FINISHED} once
 * returned or over, {@code CANCELED} once refunded; {@code sms} lists every SMS. Where 5sim has no
 * word: a cancel after the refund window answers 400 {@code order not cancelable}, after an SMS
 * 400 {@code order has sms}; {@code ban} cancels.
 */
final class FiveSimRent {
    /** 5sim's hosting products and how long each rents a number. */
    static final Map<String, Duration> PRODUCTS = Map.of("3hours", Duration.ofHours(3), "1day", Duration.ofDays(1),
            "10days", Duration.ofDays(10), "1month", Duration.ofDays(30));

    private final Orders orders;
    private final Inventory inventory;
    private final CompatRetries retries;

    FiveSimRent(Orders orders, Inventory inventory, CompatRetries retries) {
        this.orders = orders;
        this.inventory = inventory;
        this.retries = retries;
    }

    private Rentals rentals() {
        return orders.rentals();
    }

    /**
     * {@code GET /v1/user/buy/hosting/{country}/{operator}/{product}}. A retry never rents twice, as
     * for an activation's {@code buy} (see {@link CompatRetries}): an {@code Idempotency-Key} replays
     * the first answer; without one, a repeat within the duplicate window answers the first rental
     * while it is active.
     */
    void buy(Accounts.Caller caller, ServerRequest req, ServerResponse res) {
        AccountId owner = caller.account();
        Parameters path = req.path().pathParameters();
        Optional<Country> country = inventory.countries().stream().filter(c -> path.get("country").equals(c.fivesimName())).findFirst();
        if (country.isEmpty()) {
            text(res, 400, "bad country");
            return;
        }
        if (!path.get("operator").equals("any")) {
            text(res, 400, "bad operator");
            return;
        }
        String product = path.get("product");
        Duration time = PRODUCTS.get(product);
        long period = rentals().period().toSeconds();
        if (time == null || time.toSeconds() % period != 0) {
            text(res, 400, "no product");
            return;
        }
        Optional<RetryGuard> guard = retries.guard(caller, req, Orders.fingerprint("GET", req.path().path(), new byte[0]));
        if (guard.isEmpty()) {
            text(res, 400, "bad idempotency key");
            return;
        }
        RentOutcome outcome = rentals().rentRetrySafe(owner, new RentalRequest(Optional.empty(), country.get(), (int) (time.toSeconds() / period),
                OptionalLong.empty()), guard.get(), r -> new StoredResponse(200, Json.bytes(order(r, product))));
        switch (outcome) {
            case RentOutcome.Rented rented -> Json.send(res, 200, order(rented.rental(), product));
            case RentOutcome.Duplicate duplicate -> Json.send(res, 200, order(duplicate.rental(), product));
            case RentOutcome.Replayed replayed -> res.status(replayed.response().status()).header(CompatRetries.REPLAYED, "true")
                    .header(HeaderNames.CONTENT_TYPE, "application/json").send(replayed.response().body());
            case RentOutcome.NoNumbers none -> text(res, 200, "no free phones");
            case RentOutcome.PriceAboveMax above -> text(res, 200, "no free phones");
            case RentOutcome.InsufficientBalance poor -> text(res, 400, "not enough user balance");
            case RentOutcome.TooManyActive many -> text(res, 400, "limit reached");
            case RentOutcome.TooManyPeriods many -> text(res, 400, "no product");
            // As for an activation's buy: the key was used for another request, or its first request still runs.
            case RentOutcome.KeyReused r -> text(res, 422, "idempotency key reused");
            case RentOutcome.InProgress r -> text(res, 409, "order in progress");
        }
    }

    /** What {@code check}, {@code finish}, {@code cancel} and {@code ban} do to an order id. */
    enum Act {
        CHECK, FINISH, CANCEL
    }

    /**
     * Answers {@code act} on the owner's rental with the path's id and returns true; false (nothing
     * answered) when the id is no rental of the owner's, so the activation handler answers it.
     */
    boolean answer(Act act, AccountId owner, ServerRequest req, ServerResponse res) {
        Optional<Integer> id = Requests.parseActivationId(req.path().pathParameters().get("id"));
        if (id.isEmpty() || rentals().rental(owner, id.get()).isEmpty()) {
            return false;
        }
        switch (act) {
            case CHECK -> Json.send(res, 200, order(rentals().rental(owner, id.get()).orElseThrow(), null));
            case FINISH -> changed(res, owner, id.get(), rentals().finish(owner, id.get()), RentalStatus.FINISHED);
            case CANCEL -> changed(res, owner, id.get(), rentals().cancel(owner, id.get()), RentalStatus.CANCELLED);
        }
        return true;
    }

    /** A retried request finds the rental as it asked: answered with the order, as for activations. */
    private void changed(ServerResponse res, AccountId owner, int id, RentalChange change, RentalStatus again) {
        switch (change) {
            case RentalChange.Changed changed -> Json.send(res, 200, order(changed.rental(), null));
            case RentalChange.NotFound nf -> text(res, 400, "order not found");
            case RentalChange.RefundWindowClosed closed -> text(res, 400, "order not cancelable");
            case RentalChange.SmsAlreadyReceived sms -> text(res, 400, "order has sms");
            case RentalChange.AlreadyEnded ended when ended.status() == again
                    || (again == RentalStatus.FINISHED && ended.status() == RentalStatus.EXPIRED) ->
                    Json.send(res, 200, order(rentals().rental(owner, id).orElseThrow(), null));
            case RentalChange.AlreadyEnded ended -> text(res, 400, "order expired");
        }
    }

    /** A hosting order as 5sim shows it; {@code product} is the one bought, else read from the rental's length. */
    private ObjectNode order(Rental r, String product) {
        Country country = inventory.country(r.country()).orElseThrow();
        String shown = product != null ? product : PRODUCTS.entrySet().stream()
                .filter(e -> e.getValue().equals(r.period().multipliedBy(r.periods()))).map(Map.Entry::getKey).findFirst().orElse("hosting");
        ObjectNode n = Json.MAPPER.createObjectNode().put("id", r.id()).put("phone", r.phone().e164()).put("operator", "any")
                .put("product", shown).put("price", new BigDecimal(Money.format(r.paidMicros())))
                .put("status", switch (r.status()) {
                    case ACTIVE -> "RECEIVED";
                    case FINISHED, EXPIRED -> "FINISHED";
                    case CANCELLED -> "CANCELED";
                })
                .put("expires", r.endsAt().toString());
        ArrayNode sms = n.putArray("sms");
        for (Rental.Message m : r.messages()) {
            sms.addObject().put("created_at", m.receivedAt().toString()).put("date", m.receivedAt().toString())
                    .put("sender", m.sender()).put("text", m.text()).put("code", m.code().orElse(""));
        }
        n.put("created_at", r.createdAt().toString()).put("forwarding", false).put("forwarding_number", "")
                .put("country", Optional.ofNullable(country.fivesimName()).orElse(country.name().toLowerCase(Locale.ROOT)));
        return n;
    }

    private static void text(ServerResponse res, int status, String message) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").send(message.getBytes(StandardCharsets.UTF_8));
    }
}
