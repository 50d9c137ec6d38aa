package dev.numpool.orders;

/**
 * The sandbox's simulated upstream marketplaces, as the sandbox's SMS injection reaches them: an
 * SMS for a number one of them sold goes to that upstream, and comes back the way its protocol
 * delivers SMS, so the upstream knows the number got it (it then finishes the activation and sells
 * the number again, as a real one would).
 */
@FunctionalInterface
public interface SandboxRelay {
    /** No simulated upstream: every SMS is injected straight into the intake. */
    SandboxRelay NONE = (provider, providerRef, sender, text) -> false;

    /**
     * Hands the SMS to simulated upstream {@code provider} for its activation {@code providerRef};
     * false when {@code provider} is not one, or the number there no longer receives.
     */
    boolean relay(String provider, String providerRef, String sender, String text);
}
