package dev.numpool.orders;

import dev.numpool.db.Redis;

/**
 * "A commit queued webhook deliveries", told to every node's dispatcher through Redis pub/sub, so
 * a delivery leaves within milliseconds of its commit instead of at the next poll. Best effort by
 * design: a lost wake-up (Redis down, a node restarting) only delays a delivery until the
 * dispatcher's poll, which stays as the safety net for retries and crashes.
 */
final class WebhookSignal {
    private static final String CHANNEL = "numpool:webhooks:due";
    /** For doors built without Redis (tests of one door): deliveries wait for the poll. */
    static final WebhookSignal NONE = new WebhookSignal(null);

    private final Redis redis;

    WebhookSignal(Redis redis) {
        this.redis = redis;
    }

    /** After a commit that queued deliveries; never blocks and never throws. */
    void queued() {
        if (redis != null) {
            redis.publishQuietly(CHANNEL, "");
        }
    }

    /** Runs {@code wake} (on Redis' event thread, so it must not block) at every signal, from any node. */
    AutoCloseable listen(Runnable wake) {
        return redis == null ? () -> { } : redis.subscribe(CHANNEL, (channel, message) -> wake.run());
    }
}
