package dev.numpool.orders;

import java.time.Instant;

/** Every way asking an activation to cancel, finish or send another code can end. */
public sealed interface ActivationChange {
    /** The change happened; the activation as it is now. */
    record Changed(Activation activation) implements ActivationChange {
    }

    /** No such activation for this account (another account's id answers the same). */
    record NotFound() implements ActivationChange {
    }

    /** Cancel asked for inside the early window; allowed from {@code cancellableAt}. */
    record EarlyCancelDenied(Instant cancellableAt) implements ActivationChange {
    }

    /** Cancel asked for after a code arrived: the code was delivered, so it is paid for. */
    record CodeAlreadyReceived() implements ActivationChange {
    }

    /** Finish or another code asked for before any code arrived. */
    record NoCodeYet() implements ActivationChange {
    }

    /** The activation already ended (finished, cancelled or expired). */
    record AlreadyEnded(ActivationStatus status) implements ActivationChange {
    }
}
