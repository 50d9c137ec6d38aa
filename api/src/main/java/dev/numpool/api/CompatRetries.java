package dev.numpool.api;

import dev.numpool.orders.Accounts;
import dev.numpool.orders.IdempotencyKey;
import dev.numpool.orders.RetryGuard;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.time.Duration;
import java.util.Optional;

/**
 * How an order of the two compatible APIs (sms-activate's {@code getNumber}/{@code getNumberV2},
 * 5sim's {@code buy}), or a rental ({@code getRentNumber}, 5sim's {@code buy/hosting}), is kept
 * from being bought twice when a bot retries it, in one place for both:
 * an {@code Idempotency-Key} header replays the first answer, as on the native API; without one, a
 * repeat of the same offer from the same key within {@code compat.duplicate-window-seconds} is the
 * first order, unless the key was created with its duplicate window off (or the window is 0).
 */
final class CompatRetries {
    static final HeaderName IDEMPOTENCY_KEY = HeaderNames.create("Idempotency-Key");
    static final HeaderName REPLAYED = HeaderNames.create("Idempotent-Replayed");
    /** The default window: a bot's retry after a timeout comes within seconds. */
    static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

    private final Duration window;

    /** {@code window}: zero turns the duplicate window off for every key. */
    CompatRetries(Duration window) {
        if (window.isNegative()) {
            throw new IllegalArgumentException("compat.duplicate-window-seconds is zero or more");
        }
        this.window = window;
    }

    /**
     * The guard of one order; empty when the request carries an {@code Idempotency-Key} that is no
     * key (1 to 255 visible ASCII characters). {@code fingerprint} is what makes two requests with
     * the same key "the same".
     */
    Optional<RetryGuard> guard(Accounts.Caller caller, ServerRequest req, byte[] fingerprint) {
        Optional<String> header = req.headers().first(IDEMPOTENCY_KEY);
        if (header.isPresent()) {
            return IdempotencyKey.of(header.get()).map(k -> new RetryGuard.Key(k, fingerprint));
        }
        if (window.isZero() || !caller.duplicateWindow()) {
            return Optional.of(new RetryGuard.None());
        }
        return Optional.of(new RetryGuard.Window("key:" + caller.keyId(), window));
    }
}
