package dev.numpool.api;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What every request meets before its route: a request id, its client's share of this node's
 * requests, the rate limits, and for metrics the operator's credential. The filter
 * {@link ApiRouter} installs in front of every route, the website's too.
 */
final class Admission {
    private static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");
    /** The request's id in the logging context, for log lines and the operator audit. */
    static final String REQUEST_ID_KEY = "request-id";

    private final RateLimits rateLimits;
    private final Authentication authentication;

    Admission(RateLimits rateLimits, Authentication authentication) {
        this.rateLimits = rateLimits;
        this.authentication = authentication;
    }

    Filter filter() {
        return (chain, req, res) -> {
            String id = req.headers().first(REQUEST_ID).filter(v -> v.matches("[\\w.:-]{1,64}"))
                    // Unique, not secret: no need for SecureRandom's cost on every request.
                    .orElseGet(() -> new UUID(ThreadLocalRandom.current().nextLong(), ThreadLocalRandom.current().nextLong()).toString());
            res.header(REQUEST_ID, id);
            // Every log line written while serving this request carries its id (logging.properties).
            HelidonMdc.set(REQUEST_ID_KEY, id);
            try {
                withinClientsShare(req, res, () -> {
                    if (withinRateLimits(req, res) && metricsAllowed(req, res)) {
                        chain.proceed();
                    }
                });
            } finally {
                HelidonMdc.remove(REQUEST_ID_KEY);
            }
        };
    }

    /**
     * Runs {@code request} (the rate limits, then the route) unless its client already has its
     * share of this node's requests running: then 429 at once. A refused request waiting out its
     * refusal delay counts too, so a client with thousands of connections holds at most its share
     * of the node's request slots. Provider pushes and health are exempt, as from the rate limits.
     */
    private void withinClientsShare(ServerRequest req, ServerResponse res, Runnable request) {
        if (exemptFromLimits(req.path().path())) {
            request.run();
            return;
        }
        Optional<Runnable> exit = rateLimits.enter(rateLimits.client(req));
        if (exit.isEmpty()) {
            res.status(429).header(HeaderNames.RETRY_AFTER, "1").header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .send("Too many requests from your address at once: let some finish first.");
            return;
        }
        try {
            request.run();
        } finally {
            exit.get().run();
        }
    }

    private static boolean exemptFromLimits(String path) {
        return path.equals("/observe/health") || path.startsWith("/inbound/") || path.startsWith("/agent/") || path.startsWith("/webhooks/");
    }

    /**
     * Metrics say how busy the marketplace is and how its providers fare: they are the
     * operators'. With an operator token they take it as a bearer token (Prometheus's
     * {@code authorization} setting); without one, only this machine may read them.
     */
    private boolean metricsAllowed(ServerRequest req, ServerResponse res) {
        if (!req.path().path().startsWith("/observe/metrics")) {
            return true;
        }
        boolean allowed = authentication.hasOperatorToken() ? authentication.isOperator(req)
                : req.remotePeer().address() instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
        if (!allowed) {
            res.status(401).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").header(HeaderNames.WWW_AUTHENTICATE, "Bearer")
                    .send("Metrics take 'Authorization: Bearer <NUMPOOL_OPERATOR_TOKEN>'.");
        }
        return allowed;
    }

    /** The three APIs, as the rate limiter must answer each in its own terms, and every other door (pages, documents, metrics). */
    private enum Family {
        NATIVE, SMS_ACTIVATE, FIVE_SIM, OTHER
    }

    /**
     * Takes one request from the caller's buckets (its IP, and the key it presents); when one is
     * empty, answers for the API called and returns false. Native API: {@code 429} problem+json;
     * 5sim: {@code 429} with the text {@code too many requests}; the sms-activate family has no
     * standard token and its SDK fails on any non-2xx status, so: HTTP 200 {@code TOO_MANY_REQUESTS}.
     * All three carry {@code Retry-After}. Every other door (the website's pages and forms, the
     * OpenAPI document, metrics, assets) takes from the client's IP budget and answers a plain
     * {@code 429}; the website adds a session's own budget. Not limited: health (load balancers
     * poll it) and the providers' and Stripe's pushes, which are authenticated and bounded by the
     * intake's own backpressure (a provider pushes hundreds of SMS a second from one address).
     */
    private boolean withinRateLimits(ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        if (exemptFromLimits(path)) {
            return true;
        }
        Family family = path.startsWith(SmsActivateApi.PATH) ? Family.SMS_ACTIVATE
                : path.startsWith("/v1/guest/") || path.startsWith("/v1/user/") ? Family.FIVE_SIM
                : path.startsWith("/v1/") ? Family.NATIVE : Family.OTHER;
        Optional<String> key = switch (family) {
            case SMS_ACTIVATE -> req.query().first("api_key").asOptional().or(() -> req.headers().first(SmsActivateApi.KEY_HEADER));
            case NATIVE, FIVE_SIM -> Authentication.bearer(req);
            case OTHER -> Optional.empty();
        };
        Optional<Duration> wait = rateLimits.take(key.filter(k -> !k.isEmpty()), rateLimits.client(req));
        if (wait.isEmpty()) {
            return true;
        }
        try {
            Thread.sleep(rateLimits.refusalDelay(wait.get())); // a virtual thread: the wait costs the node nothing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
        res.header(HeaderNames.RETRY_AFTER, Long.toString(seconds));
        refuse(family, seconds, res);
        return false;
    }

    private static void refuse(Family family, long seconds, ServerResponse res) {
        switch (family) {
            case NATIVE -> new Problem(ProblemType.RATE_LIMITED, "Slow down: try again in " + seconds
                    + " s. Limits are per API key and per IP address.", Map.of("retryAfterSeconds", seconds)).send(res);
            case FIVE_SIM -> res.status(429).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").send("too many requests");
            case SMS_ACTIVATE -> res.status(200).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").send("TOO_MANY_REQUESTS");
            case OTHER -> res.status(429).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .send("Too many requests from your address: try again in " + seconds + " s.");
        }
    }
}
