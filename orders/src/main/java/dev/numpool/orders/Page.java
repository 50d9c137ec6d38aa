package dev.numpool.orders;

import java.util.List;
import java.util.Optional;

/** One page of a list, newest first; {@code nextCursor} is present when there is more. */
public record Page<T>(List<T> items, Optional<String> nextCursor) {
    public Page {
        items = List.copyOf(items);
    }
}
