package dev.numpool.orders;

import java.time.Instant;

/** Every way asking a rental to be cancelled (refunded) or returned early can end. */
public sealed interface RentalChange {
    /** It happened; the rental as it is now. */
    record Changed(Rental rental) implements RentalChange {
    }

    /** No such rental for this account (another account's id answers the same). */
    record NotFound() implements RentalChange {
    }

    /** The rental already ended (or its time ran out just now). */
    record AlreadyEnded(RentalStatus status) implements RentalChange {
    }

    /** A refund asked for after its window (which closed at {@code refundableUntil}): return it instead. */
    record RefundWindowClosed(Instant refundableUntil) implements RentalChange {
    }

    /** A refund asked for after an SMS arrived: the number was used, so it is paid for. */
    record SmsAlreadyReceived() implements RentalChange {
    }
}
