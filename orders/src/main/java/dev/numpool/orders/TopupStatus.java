package dev.numpool.orders;

import java.util.Arrays;

/** Where a card top-up is. Only {@link #PAID} put money in the wallet. */
public enum TopupStatus {
    /** The row exists; Stripe is being asked for a Checkout Session. */
    CREATING("creating"),
    /** The Checkout page is open for payment. */
    OPEN("open"),
    /** Paid and credited, once. */
    PAID("paid"),
    /** Stripe refused or failed the session, or the asynchronous payment failed. */
    FAILED("failed"),
    /** The customer never paid and the session expired. */
    EXPIRED("expired"),
    /** Stripe reported a payment of another amount or currency: not credited, left to an operator. */
    MISMATCH("mismatch");

    private final String wire;

    TopupStatus(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    static TopupStatus fromWire(String wire) {
        return Arrays.stream(values()).filter(s -> s.wire.equals(wire)).findFirst()
                .orElseThrow(() -> new OrdersException(OrdersException.Reason.INCONSISTENT_STATE, "unknown top-up status " + wire));
    }
}
