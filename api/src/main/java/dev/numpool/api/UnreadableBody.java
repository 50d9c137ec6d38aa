package dev.numpool.api;

import io.helidon.http.DirectHandler;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * What a request body whose framing cannot be read (a chunk size of {@code ZZ}, a chunk shorter
 * than it said, a body shorter than its Content-Length) is answered with, on every route and in
 * every protocol: 400 at once, and the connection closed, since nothing after a broken frame can
 * be trusted. Helidon answers a {@link RequestException} itself, before any route's error
 * handling; a handler that answered on the same connection would first wait for the rest of a
 * body that never comes.
 */
public final class UnreadableBody {
    /** The request context's mark of a request whose body could not be read. */
    private static final String SEEN = "numpool.unreadable-body";
    /** The body's stream once {@link #read} opened it: Helidon hands a request's stream out once. */
    private static final String STREAM = "numpool.body-stream";

    private UnreadableBody() {
    }

    /**
     * Whether {@code req}'s body turned out unreadable. Helidon's answer to the exception keeps
     * the connection open despite asking otherwise, so the server's outermost filter ends the
     * connection when this is true.
     */
    public static boolean seen(ServerRequest req) {
        return req.context().get(SEEN, Boolean.class).orElse(false);
    }

    /**
     * The request's body, or empty when it is longer than {@code maxBytes}. Throws what
     * {@link #answer} makes when the framing is broken. The stream is not closed after a failed
     * read: closing drains the rest of the body, and a broken chunk's "rest" never arrives.
     */
    public static Optional<byte[]> read(ServerRequest req, int maxBytes) {
        InputStream in = req.content().inputStream();
        req.context().register(STREAM, in);
        byte[] body;
        try {
            // Under the node's read deadline: a client that stops sending mid-body loses its connection.
            Optional<ReadTimeouts> deadline = ReadTimeouts.of(req);
            body = deadline.isPresent() ? deadline.get().reading(() -> in.readNBytes(maxBytes + 1)) : in.readNBytes(maxBytes + 1);
        } catch (CloseConnectionException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            req.context().register(SEEN, Boolean.TRUE);
            throw answer(e);
        }
        if (body.length > maxBytes) {
            return Optional.empty(); // the rest is drained after the answer (see drained)
        }
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            req.context().register(SEEN, Boolean.TRUE);
            throw answer(e);
        }
        return Optional.of(body);
    }

    /**
     * After an answer given without reading the whole body (a 429 or 401 before the handler, a
     * 413, a route that takes none): reads the rest under the read deadline and throws it away,
     * so that the connection can serve the next request and the client, still sending, gets its
     * answer (closing with its bytes unread would reset the connection under the answer). False
     * when the connection should be closed instead: a broken body, one that does not come within
     * the deadline (Helidon would otherwise wait for it with no deadline at all), or one past the
     * server's payload limit.
     */
    public static boolean drained(ServerRequest req) {
        if (seen(req)) {
            return false;
        }
        if (!req.content().hasEntity() || req.content().consumed()) {
            return true;
        }
        // A body read in part (longer than its API takes) goes on from the same stream: asking
        // Helidon for a second one fails, and the connection used to be closed under the client.
        InputStream in = req.context().get(STREAM, InputStream.class).orElseGet(() -> req.content().inputStream());
        try {
            Optional<ReadTimeouts> deadline = ReadTimeouts.of(req);
            if (deadline.isPresent()) {
                deadline.get().reading(() -> in.transferTo(OutputStream.nullOutputStream()));
            } else {
                in.transferTo(OutputStream.nullOutputStream());
            }
            in.close();
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The exception to throw from wherever reading the body failed with {@code cause}. */
    public static RequestException answer(Exception cause) {
        return RequestException.builder().type(DirectHandler.EventType.BAD_REQUEST)
                .status(Status.BAD_REQUEST_400).setKeepAlive(false).safeMessage(true)
                .message("The request body is malformed: its framing (Content-Length or chunked encoding) could not be read.")
                .cause(cause).build();
    }
}
