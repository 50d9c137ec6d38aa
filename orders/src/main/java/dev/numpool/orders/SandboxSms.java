package dev.numpool.orders;

/** What happened to an SMS injected through the sandbox. */
public sealed interface SandboxSms {
    /**
     * Went through the provider intake path; the activation as it is now (empty in the rare case
     * it could not be read back after the SMS was committed: the SMS is in all the same).
     */
    record Delivered(java.util.Optional<Activation> activation, SmsIntake intake) implements SandboxSms {
    }

    /**
     * Handed to the simulated upstream that sold the number (see {@link SandboxRelay}), which
     * delivers it as its protocol does; {@code activation} once it shows the SMS, within a short
     * wait, empty if it does not yet (it will, as the upstream's next poll or push brings it).
     */
    record Relayed(String upstream, java.util.Optional<Activation> activation) implements SandboxSms {
    }

    record NotFound() implements SandboxSms {
    }

    /** The node is taking in as many SMS as it can; nothing was written, try again in a moment. */
    record Busy() implements SandboxSms {
    }

    /** The activation's number is real, not simulated: nothing may be injected into it. */
    record NotSimulated() implements SandboxSms {
    }
}
