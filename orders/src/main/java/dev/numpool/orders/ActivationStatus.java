package dev.numpool.orders;

import java.util.Optional;

/**
 * The activation state machine: {@code WAITING_CODE → CODE_RECEIVED} (more codes allowed) →
 * {@code FINISHED}; {@code WAITING_CODE → CANCELLED | EXPIRED}.
 */
public enum ActivationStatus {
    WAITING_CODE("waiting_code"),
    CODE_RECEIVED("code_received"),
    FINISHED("finished"),
    CANCELLED("cancelled"),
    EXPIRED("expired");

    private final String wire;

    ActivationStatus(String wire) {
        this.wire = wire;
    }

    /** The lowercase name used in the database and in the native API. */
    public String wire() {
        return wire;
    }

    public boolean live() {
        return this == WAITING_CODE || this == CODE_RECEIVED;
    }

    public static Optional<ActivationStatus> fromWire(String wire) {
        for (ActivationStatus s : values()) {
            if (s.wire.equals(wire)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
