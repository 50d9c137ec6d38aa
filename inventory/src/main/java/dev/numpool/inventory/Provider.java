package dev.numpool.inventory;

import java.util.List;
import java.util.Optional;

/**
 * A source of numbers and SMS. Every provider (the simulator, and the protocol adapters for
 * upstream marketplaces) sits behind this one interface; the router sees nothing else.
 *
 * <p>Network providers are never asked for quotes on the order path: a refresher calls
 * {@link #fetchQuotes()} on an interval and the router reads the cached snapshot. Only an
 * in-process provider (the simulator) answers {@link #quote} live.
 */
interface Provider extends AutoCloseable {
    /** One {@link #poll} asks about this many leases at most, an upstream request or two each. */
    int MAX_REFS_PER_POLL = 100;

    String name();

    /** The protocol family, for operators: {@code simulator}, {@code sms-activate}, {@code 5sim}, {@code agent}, {@code pool}. */
    String kind();

    /** True when this provider lives in the process and {@link #quote} is cheap (the simulator). */
    default boolean inProcess() {
        return false;
    }

    /** True when this provider pushes its SMS (through {@link #listen}) and is never polled. */
    default boolean pushes() {
        return false;
    }

    /** What is left on our account at the provider, in micro-units of the provider's own currency. */
    sealed interface AccountBalance {
        record Known(long micros) implements AccountBalance {
        }

        /** The provider did not answer, or not in a form we read. */
        record Unknown(String reason) implements AccountBalance {
        }
    }

    /**
     * Our account's balance at the provider (sms-activate {@code getBalance}, 5sim's profile), a
     * network call; empty for providers that have no account to run dry (the simulator, the pool, agents).
     */
    default Optional<AccountBalance> accountBalance() {
        return Optional.empty();
    }

    /** Live cost and stock of one offer; only in-process providers answer, others return empty. */
    default Optional<Quote> quote(String service, Country country, String operator) {
        return Optional.empty();
    }

    /**
     * Every offer's cost and stock, asked of the provider itself (a network call for upstreams).
     * Must not throw for upstream trouble: that is {@link Fetched.Failed}.
     */
    Fetched fetchQuotes();

    /** Buys one number. Must not throw for upstream trouble: that is {@link Purchase.Failed}. */
    Purchase buy(Order order);

    /** Gives the number back; {@code how} tells the provider whether it earned its fee. */
    Confirmation release(String providerRef, Release how);

    /** Asks for one more SMS on a number whose first code already arrived. */
    Confirmation requestAnotherCode(String providerRef);

    /**
     * The SMS received so far for these leases, for providers that are polled; providers that
     * push (through {@link #listen}) return an empty list. Repeats are fine: intake dedupes.
     * At most {@link #MAX_REFS_PER_POLL} refs per call; callers split.
     */
    List<InboundSms> poll(List<String> providerRefs);

    /**
     * One step of a sweep through the provider's own list of its live activations, with the SMS
     * each has received: at most {@code maxRequests} list requests (a page each), going on from
     * where the last step stopped and never past the end of the list, so one step is at most one
     * pass. A provider whose protocol can list them answers for every live activation with a
     * page per request, instead of a request per activation; one that cannot (or whose upstream
     * refused the list) says {@link Sweep.Unsupported}, and is polled through {@link #poll}.
     * Repeats are fine: intake dedupes. Must not throw for upstream trouble.
     */
    default Sweep sweep(int maxRequests) {
        return new Sweep.Unsupported("the protocol cannot list live activations", 0);
    }

    /** What one step of a {@link #sweep} found, and what it cost. */
    sealed interface Sweep {
        /** How many requests the step sent: each is one unit of the provider's request budget. */
        int requests();

        /**
         * The SMS on the pages read; {@code passEnded} when the step reached the end of the list
         * (the next step starts a new pass), with {@code listed} activations in the pass.
         */
        record Listed(List<InboundSms> received, int requests, boolean passEnded, int listed) implements Sweep {
        }

        /** The provider cannot list (any longer, or for now): poll it per activation. */
        record Unsupported(String reason, int requests) implements Sweep {
        }
    }

    /**
     * The refs of the activations the provider itself counts as live, to find sales Numpool never
     * heard of (a buy that timed out after the provider sold); empty when the protocol cannot
     * list them or the provider did not answer.
     */
    default Optional<List<LiveSale>> liveAtProvider() {
        return Optional.empty();
    }

    /** A live activation as the provider lists it: its ref and the service it was sold for. */
    record LiveSale(String providerRef, String service) {
    }

    // Rentals (issue 18) ----------------------------------------------------------------------

    /**
     * What renting a number costs per period ({@link Inventory#rentalPeriod}) and how many could be
     * rented now, for each of {@code services} (codes, and {@value Inventory#ANY_SERVICE} for every
     * service) in each of {@code countries}; offers without stock may be left out. Providers that do
     * not rent answer nothing (the default). Asked live on the rent path: only in-process providers
     * (the simulator, the pool) rent today, and their answers are cheap.
     */
    default List<OfferQuote> rentQuotes(List<String> services, List<Country> countries) {
        return List.of();
    }

    /**
     * Rents a number for {@code order.service()} until {@code order.until()}. Must not throw for
     * upstream trouble: that is {@link Purchase.Failed}. The default: no numbers to rent.
     */
    default Purchase rent(RentOrder order) {
        return new Purchase.Empty();
    }

    /**
     * Whether a rented number may stay rented until {@code until} (an extension): confirmed, or
     * refused for good (its own lease ends sooner, say). Giving it back is {@link #release}.
     */
    default Confirmation extendRental(String providerRef, java.time.Instant until) {
        return new Confirmation.Refused("this provider does not rent numbers");
    }

    /** A rental asked of a provider: the service (or {@value Inventory#ANY_SERVICE}), until when, and the most it may cost per period. */
    record RentOrder(String service, Country country, java.time.Instant until, long maxCostMicros) {
    }

    // Reuse (issue 18) ------------------------------------------------------------------------

    /**
     * What selling the number of an ended activation ({@code order.providerRef()}) again for the
     * same service would cost, asked of this provider (a network call for upstreams: sms-activate's
     * {@code checkExtraActivation}), or why it cannot be. The default: it cannot.
     */
    default ReuseCost reuseCost(ReuseOrder order) {
        return new ReuseCost.Unavailable("this provider does not sell a number again");
    }

    /**
     * Sells the number again (sms-activate's {@code getExtraActivation}): a new lease of the same
     * number for the same service, at most {@code order.maxCostMicros()}. Must not throw for
     * upstream trouble. The default: nothing to sell.
     */
    default Purchase reuse(ReuseOrder order) {
        return new Purchase.Empty();
    }

    /** A number to sell again: the ended activation's lease, its number, the service and the most it may cost. */
    record ReuseOrder(String providerRef, PhoneNumber phone, String service, Country country, long maxCostMicros) {
    }

    /** What a provider says of selling a number again. */
    sealed interface ReuseCost {
        record Known(long costMicros) implements ReuseCost {
        }

        /** Not now or never (the number went back to its owner, the service refuses it, the provider cannot). */
        record Unavailable(String reason) implements ReuseCost {
        }
    }

    /** Installs the listener that receives every SMS this provider pushes. */
    void listen(SmsListener listener);

    @Override
    void close();

    record Quote(long costMicros, int stock) {
    }

    /** One offer as a provider reports it; {@code country} is the sms-activate country id. */
    record OfferQuote(String service, int country, String operator, long costMicros, int stock) {
    }

    sealed interface Fetched {
        record Quotes(List<OfferQuote> quotes) implements Fetched {
        }

        record Failed(String reason) implements Fetched {
        }
    }

    record Order(String service, Country country, String operator, long maxCostMicros, List<String> excludedPrefixes) {
        /**
         * Keeps a number an upstream sold against this order only if it is one we asked for.
         * Anything else was still sold to us, so the adapter cancels it at once (best effort) to
         * get the money back, and the sale counts as a failure that says why.
         */
        Purchase sold(String providerRef, String phoneText, long costMicros) {
            PhoneNumber phone = phoneText == null ? null : PhoneNumber.of(phoneText.replaceAll("[\\s()-]", "")).orElse(null);
            if (phone == null) {
                return new Purchase.Failed("invalid number from provider");
            }
            // Calling codes are prefix-free, so a prefix test is exact.
            if (!phone.digits().startsWith(Integer.toString(country.callingCode()))) {
                return new Purchase.Failed("number from another country");
            }
            if (excludedPrefixes.stream().anyMatch(p -> phone.digits().startsWith(p))) {
                return new Purchase.Failed("number with an excluded prefix");
            }
            if (costMicros > maxCostMicros) {
                return new Purchase.Failed("cost above maxPrice");
            }
            return new Purchase.Got(providerRef, phone, costMicros);
        }
    }

    sealed interface Purchase {
        record Got(String providerRef, PhoneNumber phone, long costMicros) implements Purchase {
        }

        /** The provider has no number (for this price): try the next one. */
        record Empty() implements Purchase {
        }

        /** Garbage, a refused key, a refused connection: nothing was sold. Try the next one, and count it against the provider. */
        record Failed(String reason) implements Purchase {
        }

        /**
         * The request reached the provider but no answer came back (a timeout, a dropped
         * connection, a 5xx): it may have sold a number. Like {@link Failed} for the order, and
         * the provider's live activations are reconciled against Numpool's sales.
         */
        record Unknown(String reason) implements Purchase {
        }
    }

    /** What a provider said to a status report. */
    sealed interface Confirmation {
        record Confirmed() implements Confirmation {
        }

        /** The provider refused for good (unknown activation, wrong state): record it, do not retry. */
        record Refused(String reason) implements Confirmation {
        }

        /** Could not be delivered or the provider said "not yet": retry later with backoff. */
        record Unavailable(String reason) implements Confirmation {
        }
    }
}
