package dev.numpool.orders;

/** What an operator's review of an SMS came to (see {@link Orders#markCode} and {@link Orders#dismissSms}). */
public sealed interface CodeReviewResult {
    /** Done: the code was delivered as an extracted one would be (or, when dismissed, nothing was). */
    record Reviewed(Activation activation) implements CodeReviewResult {
    }

    /** No such SMS. */
    record NotFound() implements CodeReviewResult {
    }

    /** The SMS is not waiting for review: it had a code, or was reviewed already ({@code review} says how). */
    record NotOpen(String review) implements CodeReviewResult {
    }

    /** The code given does not stand in the SMS's text (digits of any script, dashes and blanks inside allowed). */
    record NotInText() implements CodeReviewResult {
    }

    /** The activation ended meanwhile: the SMS is kept, and no code is delivered or charged. */
    record ActivationEnded(ActivationStatus status) implements CodeReviewResult {
    }
}
