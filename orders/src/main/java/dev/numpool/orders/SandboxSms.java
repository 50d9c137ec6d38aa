package dev.numpool.orders;

/** What happened to an SMS injected through the sandbox. */
public sealed interface SandboxSms {
    /** Went through the provider intake path; the activation as it is now. */
    record Delivered(Activation activation, SmsIntake intake) implements SandboxSms {
    }

    record NotFound() implements SandboxSms {
    }

    /** The activation's number is real, not simulated: nothing may be injected into it. */
    record NotSimulated() implements SandboxSms {
    }
}
