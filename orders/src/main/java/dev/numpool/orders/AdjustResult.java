package dev.numpool.orders;

/** Every way an operator's credit or debit can end. Only {@link Adjusted} changed anything. */
public sealed interface AdjustResult {
    record Adjusted(long adjustmentId, LedgerEntry entry, Balance balance) implements AdjustResult {
    }

    record UnknownAccount() implements AdjustResult {
    }

    /** A debit larger than what is available: adjustments never make debt (a refund can). */
    record InsufficientBalance(long availableMicros) implements AdjustResult {
    }
}
