package dev.numpool.orders;

/** Every way renting a number can end. Only {@link Rented} changed anything. */
public sealed interface RentOutcome {
    /** A new rental, a hold per paid period, and the response stored with the idempotency key. */
    record Rented(Rental rental, StoredResponse response) implements RentOutcome {
    }

    /** The key was used before for the same request: its first response, byte for byte. */
    record Replayed(StoredResponse response) implements RentOutcome {
    }

    /**
     * The same rental again from the same API key within the duplicate window, while the rental it
     * made is still active (see {@link RetryGuard.Window}): that rental, nothing new rented or held.
     * Only the compatible APIs' rentals are guarded this way.
     */
    record Duplicate(Rental rental) implements RentOutcome {
    }

    /** The key was used before for a different request. */
    record KeyReused() implements RentOutcome {
    }

    /** The first request with this key is still running. */
    record InProgress() implements RentOutcome {
    }

    /** More periods than this node rents for at once ({@code rentals.max-periods}). */
    record TooManyPeriods(int maxPeriods) implements RentOutcome {
    }

    record NoNumbers() implements RentOutcome {
    }

    /** Numbers exist, but none at or below the price asked per period. */
    record PriceAboveMax(long minimumPriceMicros) implements RentOutcome {
    }

    /** Every period is paid for up front (held); {@code priceMicros} is all of them. */
    record InsufficientBalance(long availableMicros, long priceMicros, long debtMicros) implements RentOutcome {
    }

    /** The account has as many active rentals as it may ({@code rentals.max-active}). */
    record TooManyActive(int limit) implements RentOutcome {
    }
}
