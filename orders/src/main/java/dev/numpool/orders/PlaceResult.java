package dev.numpool.orders;

import dev.numpool.inventory.RoutingTrace;

/** Every way placing an order can end. Only {@link Placed} changed anything. */
public sealed interface PlaceResult {
    /** A new activation, its hold, and the response stored with the idempotency key. */
    record Placed(Activation activation, StoredResponse response) implements PlaceResult {
    }

    /** The key was used before for the same request: its first response, byte for byte. */
    record Replayed(StoredResponse response) implements PlaceResult {
    }

    /**
     * The same order again from the same key within the duplicate window, while the activation it
     * bought still waits for its code (see {@link RetryGuard.Window}): that activation, nothing new
     * bought or held. Only the compatible APIs' orders are guarded this way.
     */
    record Duplicate(Activation activation) implements PlaceResult {
    }

    /** The key was used before for a different request. */
    record KeyReused() implements PlaceResult {
    }

    /** The first request with this key is still running. */
    record InProgress() implements PlaceResult {
    }

    record NoNumbers(RoutingTrace trace) implements PlaceResult {
    }

    record PriceAboveMax(long minimumPriceMicros) implements PlaceResult {
    }

    /** {@code debtMicros}: what the account owes after a card refund or dispute (then nothing is available). */
    record InsufficientBalance(long availableMicros, long priceMicros, long debtMicros) implements PlaceResult {
    }

    /** The account has as many live activations as it may ({@code orders.max-live-activations}). */
    record TooManyLive(int limit) implements PlaceResult {
    }
}
