package dev.numpool.inventory;

/** What became of an SMS pushed to Numpool by an inbound webhook or a SIM-bank agent. */
public sealed interface InboundResult {
    /** Handed to the orders module (which also recognises a message it has seen). */
    record Delivered() implements InboundResult {
    }

    /** Authentic and well formed, but nothing to deliver it to (an event we do not use, a number never sold). */
    record Ignored(String reason) implements InboundResult {
    }

    /** The signature, timestamp or key did not check out: nothing was read further. */
    record Unauthorized(String reason) implements InboundResult {
    }

    /** Authentic but not a message of the protocol. */
    record Malformed(String reason) implements InboundResult {
    }

    /** This kind of inbound is not configured on this deployment. */
    record NotConfigured(String what) implements InboundResult {
    }
}
