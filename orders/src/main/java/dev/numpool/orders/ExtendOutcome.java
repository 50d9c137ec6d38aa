package dev.numpool.orders;

/** Every way extending a rental can end. Only {@link Extended} changed anything. */
public sealed interface ExtendOutcome {
    /** The rental now ends later; one more hold per period, and the response stored with the key. */
    record Extended(Rental rental, StoredResponse response) implements ExtendOutcome {
    }

    record Replayed(StoredResponse response) implements ExtendOutcome {
    }

    record KeyReused() implements ExtendOutcome {
    }

    record InProgress() implements ExtendOutcome {
    }

    /** No such rental for this account (another account's id answers the same). */
    record NotFound() implements ExtendOutcome {
    }

    /** The rental already ended (or its time ran out just now). */
    record AlreadyEnded(RentalStatus status) implements ExtendOutcome {
    }

    /** The rental would then be paid for more periods than a rental may be ({@code rentals.max-periods}). */
    record TooManyPeriods(int maxPeriods) implements ExtendOutcome {
    }

    /** The provider cannot keep the number that long (a pool number's own lease ends sooner). */
    record NotExtendable(String reason) implements ExtendOutcome {
    }

    /** The provider could not be asked now; nothing changed, and trying again is safe. */
    record TryAgain() implements ExtendOutcome {
    }

    record InsufficientBalance(long availableMicros, long priceMicros, long debtMicros) implements ExtendOutcome {
    }
}
