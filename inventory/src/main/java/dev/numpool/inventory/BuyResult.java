package dev.numpool.inventory;

/** Every way a purchase from inventory can end; callers must handle each. */
public sealed interface BuyResult {
    /** A number was bought; the caller owns the lease and must release it. */
    record Bought(Lease lease, RoutingTrace trace) implements BuyResult {
    }

    /** No provider had a number (or every provider that had one failed). */
    record NoNumbers(RoutingTrace trace) implements BuyResult {
    }

    /** Numbers exist, but none at or below the customer's maximum price. */
    record PriceAboveMax(long minimumPriceMicros) implements BuyResult {
    }
}
