package dev.numpool.inventory;

import java.util.List;
import java.util.Optional;

/**
 * A source of numbers and SMS. Every provider (the simulator, and the protocol adapters that
 * follow it) sits behind this one interface; the router sees nothing else.
 */
interface Provider extends AutoCloseable {
    String name();

    /** Live cost and stock for an offer, or empty when this provider does not serve it. */
    Optional<Quote> quote(String service, Country country, String operator);

    /** Buys one number. Must not throw for upstream trouble: that is {@link Purchase.Failed}. */
    Purchase buy(Order order);

    /** Gives the number back; {@code how} tells the provider whether it earned its fee. */
    void release(String providerRef, Release how);

    /** Asks for one more SMS on a number whose first code already arrived. */
    void requestAnotherCode(String providerRef);

    /** Installs the listener that receives every SMS this provider gets. */
    void listen(SmsListener listener);

    @Override
    void close();

    record Quote(long costMicros, int stock) {
    }

    record Order(String service, Country country, String operator, long maxCostMicros, List<String> excludedPrefixes) {
    }

    sealed interface Purchase {
        record Got(String providerRef, PhoneNumber phone, long costMicros) implements Purchase {
        }

        record Empty() implements Purchase {
        }

        record Failed(String reason) implements Purchase {
        }
    }
}
