package dev.numpool.orders;

/** Every way paying to read an SMS that arrived after a refund can end. Only {@link Bought} charged. */
public sealed interface LateSmsPurchase {
    /** Paid now, once: the activation's price was charged and {@code activation} shows the SMS. */
    record Bought(Activation activation, long priceMicros) implements Shown {
    }

    /** Nothing to pay: the SMS is shown already (paid before, or it never was withheld). Nothing changed. */
    record AlreadyShown(Activation activation) implements Shown {
    }

    /** No such activation of the owner's, or no such SMS on it. */
    record NotFound() implements LateSmsPurchase {
    }

    /** The wallet does not cover the price; nothing changed. */
    record InsufficientBalance(long availableMicros, long priceMicros, long debtMicros) implements LateSmsPurchase {
    }

    /** The outcomes after which the owner reads the SMS. */
    sealed interface Shown extends LateSmsPurchase {
        Activation activation();
    }
}
