package dev.numpool.orders;

import java.util.Arrays;
import java.util.Optional;

/** Where a rental stands: active until it is finished (returned early), cancelled (refunded) or expired (its time ran out). */
public enum RentalStatus {
    ACTIVE, FINISHED, CANCELLED, EXPIRED;

    /** As the API and the database spell it: lower case. */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Optional<RentalStatus> fromWire(String wire) {
        return Arrays.stream(values()).filter(s -> s.wire().equals(wire)).findFirst();
    }
}
