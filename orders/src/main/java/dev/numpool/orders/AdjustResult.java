package dev.numpool.orders;

/** Every way an operator's credit or debit can end. Only {@link Adjusted} changed anything. */
public sealed interface AdjustResult {
    /** Done; {@code replayed} when this Idempotency-Key had made this same adjustment before (nothing new moved). */
    record Adjusted(long adjustmentId, LedgerEntry entry, Balance balance, boolean replayed) implements AdjustResult {
    }

    /** The Idempotency-Key was used for a different adjustment of this account. */
    record KeyReused() implements AdjustResult {
    }

    record UnknownAccount() implements AdjustResult {
    }

    /** A test account: its money is play money, which real adjustments never mix with. */
    record TestAccount() implements AdjustResult {
    }

    /** A debit larger than what is available: adjustments never make debt (a refund can). */
    record InsufficientBalance(long availableMicros) implements AdjustResult {
    }
}
