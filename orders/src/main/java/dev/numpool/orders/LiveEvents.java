package dev.numpool.orders;

import dev.numpool.db.Redis;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Activation events for live streams, fanned out to every node through Redis pub/sub: the node
 * where a code arrives publishes it on its owner's channel, and every node hands it to the
 * streams of that owner it serves. Best effort by design: a stream that misses an event (a node
 * restarting, Redis down) still shows the truth, because each stream starts with the current
 * state and clients reconnect; the durable path is the database.
 */
final class LiveEvents implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LiveEvents.class.getName());
    private static final String PREFIX = "numpool:events:account:";
    /** Events waiting for a slow stream; past this the stream is closed and its client reconnects. */
    private static final int QUEUE = 256;

    private final Redis redis;
    private final AutoCloseable subscription;
    private final Map<Long, Set<Stream>> streams = new ConcurrentHashMap<>();

    LiveEvents(Redis redis) {
        this.redis = redis;
        this.subscription = redis.subscribe(PREFIX + "*", this::deliver);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Publishes one event for its owner's streams on every node; never throws. */
    void publish(long accountId, LiveEvent event) {
        try {
            var n = JSON.createObjectNode().put("type", event.type()).put("activationId", event.activationId())
                    .put("status", event.status().wire()).put("at", event.at().toString());
            event.code().ifPresent(c -> n.put("code", c));
            event.text().ifPresent(t -> n.put("text", t));
            // Without waiting for Redis' answer: best effort by design (see above), and the
            // request that caused the event should not spend a round trip on it.
            redis.publishQuietly(PREFIX + accountId, n.toString());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "live event not published; streams will show it on reconnect", e);
        }
    }

    /** An SMS a rental received, as its live event carries it. */
    record RentalSms(Optional<String> code, String text) {
    }

    /**
     * Publishes one rental event ({@code sms} or {@code status}) for its owner's streams on every
     * node, on the same channel as activations' (a stream reads the kind it follows); never throws.
     */
    void publishRental(long accountId, int rentalId, String type, RentalStatus status, Optional<RentalSms> sms, java.time.Instant at) {
        try {
            var n = JSON.createObjectNode().put("type", type).put("rentalId", rentalId).put("status", status.wire()).put("at", at.toString());
            sms.ifPresent(m -> {
                m.code().ifPresent(c -> n.put("code", c));
                n.put("text", m.text());
            });
            redis.publishQuietly(PREFIX + accountId, n.toString());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "live rental event not published; streams will show it on reconnect", e);
        }
    }

    /**
     * Open streams one account may hold on one node: enough for a person's tabs and a bot's
     * workers, few enough that one account cannot hold a node's threads and buffers.
     */
    static final int MAX_STREAMS_PER_ACCOUNT = 50;

    /** A live stream of one account's events (JSON), filtered by the caller; empty when the account holds too many. */
    Optional<Stream> open(long accountId) {
        Stream stream = new Stream(accountId);
        boolean[] joined = {false};
        // Added inside compute, so a concurrent close cannot drop the set this stream joins.
        streams.compute(accountId, (k, set) -> {
            Set<Stream> all = set == null ? ConcurrentHashMap.newKeySet() : set;
            if (all.size() < MAX_STREAMS_PER_ACCOUNT) {
                all.add(stream);
                joined[0] = true;
            }
            return all;
        });
        return joined[0] ? Optional.of(stream) : Optional.empty();
    }

    private void deliver(String channel, String json) {
        long accountId;
        try {
            accountId = Long.parseLong(channel.substring(PREFIX.length()));
        } catch (RuntimeException e) {
            return;
        }
        for (Stream s : streams.getOrDefault(accountId, Set.of())) {
            if (!s.queue.offer(json)) {
                s.overflowed = true; // the stream ends; its client reconnects and gets the state afresh
            }
        }
    }

    @Override
    public void close() {
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.log(Level.FINE, "closing the subscription", e);
        }
    }

    /** One open stream; close it when its client goes. */
    final class Stream implements AutoCloseable {
        private final long accountId;
        private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
        private volatile boolean overflowed;

        private Stream(long accountId) {
            this.accountId = accountId;
        }

        /** The next event, waiting at most {@code wait}; empty on timeout. Throws when the stream fell too far behind. */
        Optional<LiveEvent> next(Duration wait) throws InterruptedException {
            if (overflowed) {
                throw new IllegalStateException("stream fell behind");
            }
            String json = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (json == null) {
                return Optional.empty();
            }
            try {
                var n = JSON.readTree(json);
                if (n.has("rentalId")) {
                    return Optional.empty(); // a rental's event: its own streams read it (nextRental)
                }
                return Optional.of(new LiveEvent(n.get("type").asText(), n.get("activationId").asInt(),
                        ActivationStatus.fromWire(n.get("status").asText()).orElseThrow(),
                        Optional.ofNullable(n.get("code")).map(v -> v.asText()), Optional.ofNullable(n.get("text")).map(v -> v.asText()),
                        java.time.Instant.parse(n.get("at").asText())));
            } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
                LOG.log(Level.WARNING, "unreadable live event skipped", e);
                return Optional.empty();
            }
        }

        /** The next rental event, waiting at most {@code wait}; empty on timeout or when an activation's event came instead. */
        Optional<RentalEvent> nextRental(Duration wait) throws InterruptedException {
            if (overflowed) {
                throw new IllegalStateException("stream fell behind");
            }
            String json = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (json == null) {
                return Optional.empty();
            }
            try {
                var n = JSON.readTree(json);
                if (!n.has("rentalId")) {
                    return Optional.empty();
                }
                return Optional.of(new RentalEvent(n.get("type").asText(), n.get("rentalId").asInt(),
                        RentalStatus.fromWire(n.get("status").asText()).orElseThrow(),
                        Optional.ofNullable(n.get("code")).map(v -> v.asText()), Optional.ofNullable(n.get("text")).map(v -> v.asText()),
                        java.time.Instant.parse(n.get("at").asText())));
            } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
                LOG.log(Level.WARNING, "unreadable live event skipped", e);
                return Optional.empty();
            }
        }

        @Override
        public void close() {
            streams.computeIfPresent(accountId, (k, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }
    }
}
