package dev.numpool.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 in front of a real server (Redis, PostgreSQL) that can be made slow
 * (every chunk a client sends waits {@code delay} before it is passed on) or down (every
 * connection is cut and new ones are closed at once): the faults of a network, for a real client
 * library. It also counts the chunks clients send: a client library writes a request (a
 * statement with its Sync, a Redis command or pipeline) at once and then waits, so each chunk is
 * one trip over the network.
 */
final class FaultyProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Duration delay = Duration.ZERO;
    private volatile boolean down;
    private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();

    FaultyProxy(String targetUrl) throws IOException {
        URI uri = URI.create(targetUrl.replaceFirst("^jdbc:", ""));
        this.target = new InetSocketAddress(uri.getHost(), uri.getPort());
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    /** The target's URL with this proxy's address instead (same scheme and path). */
    String url(String targetUrl) {
        boolean jdbc = targetUrl.startsWith("jdbc:");
        URI uri = URI.create(targetUrl.replaceFirst("^jdbc:", ""));
        return (jdbc ? "jdbc:" : "") + uri.getScheme() + "://127.0.0.1:" + server.getLocalPort()
                + (uri.getRawPath() == null ? "" : uri.getRawPath()) + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    /** Chunks clients have sent through this proxy so far. */
    long sent() {
        return sent.get();
    }

    void slow(Duration delay) {
        this.delay = delay;
    }

    void down(boolean down) {
        this.down = down;
        if (down) {
            open.forEach(FaultyProxy::closeQuietly);
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (down) {
                    client.close();
                    continue;
                }
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                open.add(client);
                open.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream, true));
                Thread.ofVirtual().start(() -> pump(upstream, client, false));
            } catch (IOException e) {
                // closed, or the target refused: the client sees its connection end
            }
        }
    }

    private void pump(Socket from, Socket to, boolean delayed) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (delayed) {
                    sent.incrementAndGet();
                }
                Duration d = delay;
                if (delayed && !d.isZero()) {
                    Thread.sleep(d); // the fault being simulated: a slow network, not a wait for a result
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        open.forEach(FaultyProxy::closeQuietly);
    }
}
