package dev.numpool.api;

import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1ConnectionListener;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Deadlines for reading a request: its headers from the end of its request line, and its body
 * while a handler reads it. Helidon's socket read timeout does not apply to its NIO sockets and
 * its idle timeout spares a connection once the request line is in, so a client sending half a
 * header block (or a body shorter than it said) would hold a connection for as long as it likes.
 * A connection's thread that passes its deadline is interrupted, which closes its channel.
 *
 * <p>A handler's own time is never limited: only the reading of what the client sends.
 */
public final class ReadTimeouts implements AutoCloseable {
    private final Duration timeout;
    /** Threads reading a request, and until when (nanoTime) they may. */
    private final Map<Thread, Long> reading = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "numpool-read-timeouts");
        t.setDaemon(true);
        return t;
    });

    public ReadTimeouts(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a read timeout must be positive");
        }
        this.timeout = timeout;
        long period = Math.max(50, Math.min(1000, timeout.toMillis() / 10));
        watchdog.scheduleWithFixedDelay(this::interruptOverdue, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * The listener that puts each request's headers, from the end of its request line, under the
     * deadline (register it for HTTP/1 receives). Before that line is in, a connection is Helidon's
     * idle timeout's, which cuts a half-sent request line as it does an idle connection.
     */
    public Http1ConnectionListener headers() {
        return new Http1ConnectionListener() {
            @Override
            public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
                reading.put(Thread.currentThread(), System.nanoTime() + timeout.toNanos());
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                disarm();
            }
        };
    }

    /** The deadlines of the node serving {@code req}, if it has them (see {@link #register}). */
    static Optional<ReadTimeouts> of(ServerRequest req) {
        return req.context().get(ReadTimeouts.class);
    }

    /** Makes these deadlines known to every request's handlers (called by a routing filter). */
    public void register(ServerRequest req) {
        req.context().register(this);
    }

    /** Reads under the deadline; an overdue read ends in an exception (its connection is closed). */
    <T> T reading(IoRead<T> read) throws IOException {
        reading.put(Thread.currentThread(), System.nanoTime() + timeout.toNanos());
        try {
            return read.read();
        } finally {
            disarm();
        }
    }

    /** A read of the request's body. */
    @FunctionalInterface
    interface IoRead<T> {
        T read() throws IOException;
    }

    private void disarm() {
        if (reading.remove(Thread.currentThread()) == null) {
            // The watchdog took this thread's deadline: its interrupt is on the way. End the
            // connection now rather than let the interrupt land in a handler.
            throw new CloseConnectionException("request read timed out");
        }
    }

    private void interruptOverdue() {
        long now = System.nanoTime();
        reading.forEach((thread, deadline) -> {
            if (now - deadline > 0 && reading.remove(thread, deadline)) {
                thread.interrupt(); // a thread blocked reading a channel: the channel is closed, the read fails
            }
        });
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
