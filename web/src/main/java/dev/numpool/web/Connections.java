package dev.numpool.web;

import io.helidon.config.Config;
import io.helidon.webserver.WebServerConfig;

import java.time.Duration;

/**
 * How many connections a node holds and for how long, so that clients that open connections and
 * then send nothing (or half a request) cannot hold the node's sockets: a read that waits longer
 * than {@code read-timeout-seconds} (default 10) for a request's headers (from the end of its
 * request line) or its body ends the connection; a connection idle between requests for
 * {@code idle-timeout-seconds} (default 75, longer than the pools of common clients and load
 * balancers, so that a pooled connection is not closed under a request being sent on it) is closed,
 * and so is one that sent part of a request line and stopped; at most {@code max-connections} (default
 * 10,000) are open at once and {@code max-concurrent-requests} (default 10,000, live event streams
 * included) run at once.
 */
record Connections(Duration readTimeout, Duration idleTimeout, int maxConnections, int maxConcurrentRequests) {
    Connections {
        if (readTimeout.isNegative() || readTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()
                || maxConnections < 1 || maxConcurrentRequests < 1) {
            throw new IllegalArgumentException("server connection limits must be positive");
        }
    }

    static Connections from(Config server) {
        return new Connections(Duration.ofSeconds(server.get("read-timeout-seconds").asLong().orElse(10L)),
                Duration.ofSeconds(server.get("idle-timeout-seconds").asLong().orElse(75L)),
                server.get("max-connections").asInt().orElse(10_000),
                server.get("max-concurrent-requests").asInt().orElse(10_000));
    }

    void apply(WebServerConfig.Builder server) {
        // (Helidon's socket read timeout does not reach its NIO sockets: ReadTimeouts enforces readTimeout.)
        server.idleConnectionTimeout(idleTimeout)
                // How often idle connections are looked for: a tenth of the timeout, at least every second.
                .idleConnectionPeriod(Duration.ofMillis(Math.max(1000, idleTimeout.toMillis() / 10)))
                .maxTcpConnections(maxConnections)
                .maxConcurrentRequests(maxConcurrentRequests);
    }
}
