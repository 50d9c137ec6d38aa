package dev.numpool.orders;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * A {@link RetryGuard} applied to a purchase of a compatible API: an activation's order
 * ({@link OrderPlacement}) or a rental ({@link Rentals}). Both buy under an idempotency key, so the
 * guard only chooses the key and decides what a request finding it taken gets; the purchase itself
 * stays with its owner, behind {@link Purchase}.
 *
 * @param <R> the purchase's sealed outcome ({@link PlaceResult}, {@link RentOutcome})
 */
final class RetrySafe<R> {
    /**
     * The longest a retry waits for the first request of its purchase to answer (that request's
     * buy takes at most the routing deadline, 10 s by default); after it the retry is told the
     * purchase is still being made.
     */
    static final Duration RETRY_WAIT = Duration.ofSeconds(15);
    private static final Duration FIRST_PAUSE = Duration.ofMillis(10);
    private static final Duration LONGEST_PAUSE = Duration.ofMillis(200);

    /** One purchase as the guard drives it. */
    interface Purchase<R> {
        /** Buys under {@code key}, claiming it first, as the native API does. */
        R withKey(IdempotencyKey key, byte[] fingerprint);

        /**
         * Buys under {@code key}, already claimed by this request until {@code lockedUntil}, storing
         * {@link #idOnly} of what it bought as the key's response; frees the key when nothing changed.
         */
        R owned(IdempotencyKey key, Instant lockedUntil);

        /** The answer to a duplicate of the purchase that bought {@code id}, if that still counts as the purchase a retry meant. */
        Optional<R> duplicateOf(int id);

        /** The first request of this purchase is still running. */
        boolean inProgress(R outcome);

        R inProgress();

        /** The window's key is held with another fingerprint: only a native request that chose that very key string could. */
        R keyReused();
    }

    private final Stores stores;
    private final Clock clock;
    private final Duration idempotencyLock;

    RetrySafe(Stores stores, Clock clock, Duration idempotencyLock) {
        this.stores = stores;
        this.clock = clock;
        this.idempotencyLock = idempotencyLock;
    }

    /**
     * Makes {@code purchase} under {@code guard}. {@code offer} names what is bought (each part a
     * line of the window's key), so that the same offer from the same source is the same purchase
     * and another one is not; it starts with the kind of purchase, so an order and a rental never
     * share a key.
     */
    R buy(AccountId owner, RetryGuard guard, List<String> offer, Purchase<R> purchase) {
        return switch (guard) {
            case RetryGuard.None none -> {
                // A key of its own for each call: every call is a new purchase.
                IdempotencyKey once = new IdempotencyKey("once-" + UUID.randomUUID());
                yield purchase.withKey(once, Orders.fingerprint("ONCE", once.value(), new byte[0]));
            }
            case RetryGuard.Key given -> untilFirstAnswered(purchase, () -> purchase.withKey(given.key(), given.fingerprint()));
            case RetryGuard.Window window -> inWindow(owner, window, windowKey(window.source(), offer), purchase);
        };
    }

    /**
     * The duplicate window: the purchase's key is derived from its source and offer, so every
     * duplicate claims the same row of {@code idempotency_key}, and its primary key decides which
     * request buys. The stored response is the id bought, which a duplicate reads back.
     */
    private R inWindow(AccountId owner, RetryGuard.Window window, IdempotencyKey key, Purchase<R> purchase) {
        byte[] fingerprint = Orders.fingerprint("WINDOW", key.value(), new byte[0]);
        return untilFirstAnswered(purchase, () -> {
            Instant now = clock.instant();
            // Kept at the database's microsecond precision, as the key's lock is compared when read back.
            Instant lockedUntil = now.plus(idempotencyLock).truncatedTo(ChronoUnit.MICROS);
            return switch (stores.idempotencyKeys().claim(owner, key, fingerprint, now, lockedUntil)) {
                case IdempotencyStore.Claim.Owned owned -> purchase.owned(key, lockedUntil);
                case IdempotencyStore.Claim.Busy busy -> purchase.inProgress();
                case IdempotencyStore.Claim.Mismatch mismatch -> purchase.keyReused();
                case IdempotencyStore.Claim.Replay replay -> {
                    Optional<R> first = now.isBefore(replay.createdAt().plus(window.window()))
                            ? id(replay.response()).flatMap(purchase::duplicateOf) : Optional.empty();
                    if (first.isPresent()) {
                        yield first.get();
                    }
                    // The window passed, or the first purchase moved on (a code came, it ended):
                    // this is a new one. Of several requests taking the key over at once, one
                    // does; the others wait for its answer.
                    yield stores.idempotencyKeys().retake(owner, key, replay.createdAt(), fingerprint, now, lockedUntil)
                            ? purchase.owned(key, lockedUntil) : purchase.inProgress();
                }
            };
        });
    }

    /** The key of a purchase in the duplicate window: its source and offer, hashed (a key is at most 255 characters). */
    static IdempotencyKey windowKey(String source, List<String> offer) {
        String lines = source + "\n" + String.join("\n", offer);
        return new IdempotencyKey("window-" + HexFormat.of().formatHex(Orders.fingerprint("WINDOW", lines, new byte[0])));
    }

    /** What the window's key stores for the purchase that bought {@code id}. */
    static StoredResponse idOnly(int id) {
        return new StoredResponse(200, Integer.toString(id).getBytes(StandardCharsets.US_ASCII));
    }

    private static Optional<Integer> id(StoredResponse response) {
        String body = new String(response.body(), StandardCharsets.US_ASCII);
        return body.matches("[0-9]{1,10}") && Long.parseLong(body) <= Integer.MAX_VALUE ? Optional.of(Integer.parseInt(body)) : Optional.empty();
    }

    /**
     * Tries {@code attempt} until it is not in progress (another request of the same purchase is
     * running), pausing between tries, for at most {@link #RETRY_WAIT}.
     */
    private static <R> R untilFirstAnswered(Purchase<R> purchase, Supplier<R> attempt) {
        long deadline = System.nanoTime() + RETRY_WAIT.toNanos();
        long pauseMillis = FIRST_PAUSE.toMillis();
        while (true) {
            R result = attempt.get();
            if (!purchase.inProgress(result) || System.nanoTime() > deadline) {
                return result;
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return result;
            }
            pauseMillis = Math.min(LONGEST_PAUSE.toMillis(), pauseMillis * 2);
        }
    }
}
