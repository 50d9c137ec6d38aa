package dev.numpool.orders;

/**
 * A fault, not an outcome: a bug or an infrastructure failure. Expected outcomes (no numbers,
 * no balance, early cancel) are the sealed results of the facades instead.
 */
public final class OrdersException extends RuntimeException {
    public enum Reason {
        /** The database refused something the code believed valid. */
        INCONSISTENT_STATE,
        /** A configured value is unusable. */
        BAD_CONFIGURATION,
        /** The node takes in as much as it can right now; nothing was written, and trying again is safe. */
        SATURATED
    }

    private final Reason reason;

    public OrdersException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public OrdersException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
