package dev.numpool.db;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.time.Duration;

/**
 * One shared Lettuce connection to Redis. Lettuce connections are thread-safe and pipelined, so
 * one per process is the recommended shape; every command has a timeout.
 */
public final class Redis implements AutoCloseable {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private volatile StatefulRedisConnection<String, byte[]> binary;

    private Redis(RedisClient client, StatefulRedisConnection<String, String> connection) {
        this.client = client;
        this.connection = connection;
    }

    public static Redis connect(String url) {
        RedisURI uri = RedisURI.create(url);
        uri.setTimeout(Duration.ofSeconds(2));
        RedisClient client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
                .build());
        return new Redis(client, client.connect());
    }

    public RedisCommands<String, String> commands() {
        return connection.sync();
    }

    /**
     * The same connection's commands without waiting for their answers: for writes whose answer
     * nobody needs (counters, best-effort messages), so a request does not spend a round trip on
     * each. Lettuce pipelines them; a failure is logged by the caller's future, not thrown.
     */
    public io.lettuce.core.api.async.RedisAsyncCommands<String, String> async() {
        return connection.async();
    }

    /** A second shared connection with binary values, opened on first use (rate-limit state). */
    public StatefulRedisConnection<String, byte[]> binaryConnection() {
        StatefulRedisConnection<String, byte[]> c = binary;
        if (c == null) {
            synchronized (this) {
                if (binary == null) {
                    binary = client.connect(io.lettuce.core.codec.RedisCodec.of(io.lettuce.core.codec.StringCodec.UTF8,
                            io.lettuce.core.codec.ByteArrayCodec.INSTANCE));
                }
                c = binary;
            }
        }
        return c;
    }

    /**
     * Subscribes to every channel matching {@code pattern} on a connection of its own (a
     * subscribed connection can do nothing else) and hands each message to {@code onMessage}
     * (channel, message) on Lettuce's event thread, so the callback must not block. Lettuce
     * re-subscribes by itself after a reconnect.
     */
    public AutoCloseable subscribe(String pattern, java.util.function.BiConsumer<String, String> onMessage) {
        io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub();
        pubSub.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
            @Override
            public void message(String p, String channel, String message) {
                onMessage.accept(channel, message);
            }
        });
        pubSub.sync().psubscribe(pattern);
        return pubSub::close;
    }

    /**
     * Publishes {@code message} without waiting for Redis to answer, and only while connected:
     * for wake-ups whose loss a slower safety net covers, where neither a caller's latency nor a
     * queue of commands piling up during an outage is worth the delivery.
     */
    public void publishQuietly(String channel, String message) {
        if (!connection.isOpen()) {
            return;
        }
        try {
            connection.async().publish(channel, message);
        } catch (RuntimeException e) {
            // Dropped: the caller's safety net (a poll) picks up what this would have hastened.
        }
    }

    public boolean ping() {
        try {
            return "PONG".equals(connection.sync().ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (binary != null) {
            binary.close();
        }
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
