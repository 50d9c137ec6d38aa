package dev.numpool.api;

import dev.numpool.inventory.Country;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Service;
import dev.numpool.orders.OrderRequest;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The one place where the order a bot asks for becomes the orders module's {@link OrderRequest},
 * whichever bot API it came through: the native {@code POST /v1/activations}, sms-activate's
 * {@code getNumber} and {@code getNumberV2}, 5sim's {@code buy}. Each adapter reads the parameters
 * as its protocol spells them (a JSON body, a query or form, a path) and looks the service and
 * country up by its own names; the rules of an order are checked here, once. A protocol checks its
 * parameters in an order of its own, which decides the error a request with several wrong ones
 * gets, so the adapter says that order and maps the parameter named here to its own words.
 */
final class OrderParser {
    /** A parameter of an order, as every protocol has it (under its own name). */
    enum Param {
        SERVICE, COUNTRY, OPERATOR, MAX_PRICE, EXCLUDED_PREFIXES
    }

    /**
     * An order's parameters as a protocol read them. {@code service} and {@code country} are empty
     * when missing or unknown; {@code operator} is {@code any} when not given; {@code maxPriceMicros}
     * is empty when not given. {@code unreadable} names what was given in a form the protocol could
     * not read at all (a number where a string belongs, a price that is no decimal): wrong whatever
     * the rules say.
     */
    record Draft(Optional<Service> service, Optional<Country> country, String operator, OptionalLong maxPriceMicros,
                 List<String> excludedPrefixes, Set<Param> unreadable) {
    }

    /** The order, or the first parameter in the protocol's order of checking that is wrong. */
    sealed interface Parsed {
        record Valid(OrderRequest order) implements Parsed {
        }

        record Invalid(Param param) implements Parsed {
        }
    }

    private OrderParser() {
    }

    /** Checks {@code draft}'s parameters in the order {@code checks} gives, which names every {@link Param}. */
    static Parsed parse(Draft draft, List<Param> checks) {
        for (Param p : checks) {
            if (draft.unreadable().contains(p) || !valid(draft, p)) {
                return new Parsed.Invalid(p);
            }
        }
        return new Parsed.Valid(new OrderRequest(draft.service().orElseThrow(), draft.country().orElseThrow(), draft.operator(),
                draft.maxPriceMicros(), draft.excludedPrefixes()));
    }

    private static boolean valid(Draft draft, Param p) {
        return switch (p) {
            case SERVICE -> draft.service().isPresent();
            case COUNTRY -> draft.country().isPresent();
            case OPERATOR -> OrderRequest.validOperator(draft.operator());
            case MAX_PRICE -> draft.maxPriceMicros().isEmpty() || OrderRequest.validMaxPrice(draft.maxPriceMicros().getAsLong());
            case EXCLUDED_PREFIXES -> OrderRequest.validPrefixes(draft.excludedPrefixes());
        };
    }

    /**
     * A price cap sent as text ({@code "0.50"}), as the two compatible protocols send it: empty
     * when {@code raw} is; when it is no decimal of at most 6 places, {@link Param#MAX_PRICE} is
     * added to {@code unreadable}.
     */
    static OptionalLong maxPrice(Optional<String> raw, Set<Param> unreadable) {
        OptionalLong micros = raw.map(r -> Money.parseMicros(r.strip())).orElse(OptionalLong.empty());
        if (raw.isPresent() && micros.isEmpty()) {
            unreadable.add(Param.MAX_PRICE);
        }
        return micros;
    }
}
