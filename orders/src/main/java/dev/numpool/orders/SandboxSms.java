package dev.numpool.orders;

/** What happened to an SMS injected through the sandbox. */
public sealed interface SandboxSms {
    /**
     * Went through the provider intake path; the activation as it is now (empty in the rare case
     * it could not be read back after the SMS was committed: the SMS is in all the same).
     */
    record Delivered(java.util.Optional<Activation> activation, SmsIntake intake) implements SandboxSms {
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
