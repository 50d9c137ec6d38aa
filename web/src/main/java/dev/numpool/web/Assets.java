package dev.numpool.web;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The website's one style sheet and its script (with the rent pages' own, which only they load),
 * served from the jar by Numpool itself (no CDN,
 * no external fonts). Their URLs carry a digest of the content, so browsers may cache them for a
 * year and still see a new version the moment it ships.
 */
final class Assets {
    private static final byte[] CSS = read("assets/site.css");
    private static final byte[] JS = read("assets/site.js");
    private static final byte[] RENT_JS = read("assets/rent.js");
    static final String CSS_URL = "/assets/site.css?v=" + digest(CSS);
    static final String JS_URL = "/assets/site.js?v=" + digest(JS);
    static final String RENT_JS_URL = "/assets/rent.js?v=" + digest(RENT_JS);

    private Assets() {
    }

    static void routing(HttpRouting.Builder routing) {
        routing.get("/assets/site.css", (req, res) -> send(req, res, "text/css; charset=utf-8", CSS, CSS_URL));
        routing.get("/assets/site.js", (req, res) -> send(req, res, "text/javascript; charset=utf-8", JS, JS_URL));
        routing.get("/assets/rent.js", (req, res) -> send(req, res, "text/javascript; charset=utf-8", RENT_JS, RENT_JS_URL));
    }

    private static void send(ServerRequest req, ServerResponse res, String type, byte[] body, String url) {
        boolean current = url.endsWith("=" + req.query().first("v").orElse(""));
        res.header(HeaderNames.CONTENT_TYPE, type)
                .header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff")
                .header(HeaderNames.CACHE_CONTROL, current ? "public, max-age=31536000, immutable" : "no-cache")
                .send(body);
    }

    private static byte[] read(String name) {
        try (InputStream in = Assets.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String digest(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
