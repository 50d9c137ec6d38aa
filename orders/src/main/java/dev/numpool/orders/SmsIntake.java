package dev.numpool.orders;

import java.util.Optional;

/** What happened to an SMS handed to {@link Orders#receiveSms}. */
public sealed interface SmsIntake {
    /** Stored; {@code code} is what was found in it, if anything. The first code posts the hold. */
    record Accepted(int activationId, Optional<String> code) implements SmsIntake {
    }

    /** The same message was received before: acknowledged, not delivered again. */
    record Duplicate(int activationId) implements SmsIntake {
    }

    /** The activation had already ended: stored and shown as late, never charged. */
    record Late(int activationId) implements SmsIntake {
    }

    /**
     * No committed activation holds this provider's number reference (yet): the SMS is parked
     * and applied when the order that bought the number commits.
     */
    record Parked() implements SmsIntake {
    }
}
