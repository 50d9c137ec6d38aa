package dev.numpool.sandbox;

import java.util.Locale;
import java.util.Optional;

/** How a simulated upstream misbehaves, switched at run time. */
public enum Chaos {
    /** Answers as a healthy upstream of its protocol would. */
    NORMAL,
    /** Answers every request with HTTP 500, as an upstream whose backend fell over. */
    FAIL,
    /** Never answers: the request waits until the client gives up (or a bounded while). */
    STALL,
    /** Answers HTTP 200 with a body no client of the protocol can read. */
    GARBAGE;

    /** {@code normal}, {@code fail}, {@code stall} or {@code garbage}, as the operator API spells them. */
    public static Optional<Chaos> parse(String mode) {
        if (mode == null) {
            return Optional.empty();
        }
        for (Chaos c : values()) {
            if (c.wire().equals(mode.strip().toLowerCase(Locale.ROOT))) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
