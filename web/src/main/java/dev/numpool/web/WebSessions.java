package dev.numpool.web;

import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Users;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The website's cookies and CSRF tokens.
 *
 * <p>The session cookie {@code __Host-numpool_session} holds the session token ({@link Users}
 * stores only its hash): {@code Secure; HttpOnly; SameSite=Lax; Path=/}, no {@code Domain}, as
 * the {@code __Host-} prefix demands, so no subdomain can set or read it. Visitors who are not
 * signed in get {@code __Host-numpool_csrf}, a random value with no meaning but this one.
 *
 * <p>CSRF: every form carries {@code csrf} = HMAC-SHA256 keyed with that visitor's secret (the
 * session token, or the pre-session cookie), so the token is tied to the session, needs no
 * storage, and reveals nothing about the secret. A POST whose token is missing or does not match
 * is refused before anything happens. A new session (sign-in) means new tokens.
 */
final class WebSessions {
    static final String SESSION_COOKIE = "__Host-numpool_session";
    static final String CSRF_COOKIE = "__Host-numpool_csrf";
    /** {@code test} while a signed-in visitor works in their test account; it means nothing without a session. */
    static final String MODE_COOKIE = "__Host-numpool_mode";
    /** The visitor's chosen language ({@link Texts.Language} code): not part of any session, so it survives signing out. */
    static final String LANGUAGE_COOKIE = "__Host-numpool_lang";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Users users;
    private final Accounts accounts;
    private final boolean sandbox;

    WebSessions(Users users, Accounts accounts, boolean sandbox) {
        this.users = users;
        this.accounts = accounts;
        this.sandbox = sandbox;
    }

    /** The visit of this request; gives an anonymous visitor their pre-session cookie when they have none. */
    Visit visit(ServerRequest req, ServerResponse res) {
        return visit(req, res, true);
    }

    /**
     * As above; with {@code issue} false an anonymous visitor gets no new cookie (for answers
     * that carry no form, such as a missing page: the browser may fetch one, say a favicon, while
     * another page is loading, and a new cookie then would outdate that page's forms).
     */
    Visit visit(ServerRequest req, ServerResponse res, boolean issue) {
        Map<String, String> cookies = cookies(req);
        String token = cookies.get(SESSION_COOKIE);
        Optional<Users.Session> session = users.session(token);
        if (session.isPresent() && session.get().twoStepPending()) {
            // The password was right but the code is still to come: signed out for every page but
            // the code's, whose form this token signs.
            return new Visit(Optional.empty(), csrfToken(token), sandbox, texts(req));
        }
        if (session.isPresent()) {
            // Test mode shows the session's own test account, and no other: the cookie only picks the mode.
            Optional<AccountId> test = "test".equals(cookies.get(MODE_COOKIE)) ? accounts.testAccountOf(session.get().account()) : Optional.empty();
            return new Visit(session, csrfToken(token), sandbox, test, texts(req));
        }
        String pre = cookies.get(CSRF_COOKIE);
        if (!issue && (pre == null || !pre.matches("[A-Za-z0-9_-]{43}"))) {
            return new Visit(Optional.empty(), "", sandbox, texts(req));
        }
        if (pre == null || !pre.matches("[A-Za-z0-9_-]{43}")) {
            pre = randomToken();
            res.headers().add(HeaderNames.SET_COOKIE, CSRF_COOKIE + "=" + pre + "; Path=/; Secure; HttpOnly; SameSite=Lax");
        }
        if (token != null) {
            // An expired or signed-out session: forget the cookie too.
            res.headers().add(HeaderNames.SET_COOKIE, expired(SESSION_COOKIE));
        }
        return new Visit(Optional.empty(), csrfToken(pre), sandbox, texts(req));
    }

    /**
     * The language this request's pages are written in: the one the visitor chose (a cookie that
     * outlives their sessions, so signing out keeps it), else the best match for their browser's
     * {@code Accept-Language}, else English.
     */
    static Texts texts(ServerRequest req) {
        Texts.Language language = Optional.ofNullable(cookies(req).get(LANGUAGE_COOKIE)).flatMap(Texts.Language::of)
                .orElseGet(() -> Texts.Language.forAcceptLanguage(req.headers().first(HeaderNames.ACCEPT_LANGUAGE).orElse(null)));
        return Texts.of(language);
    }

    /** Remembers the visitor's choice of language for a year, signed in or not. */
    static void chooseLanguage(ServerResponse res, Texts.Language language) {
        res.headers().add(HeaderNames.SET_COOKIE, LANGUAGE_COOKIE + "=" + language.code + "; Path=/; Max-Age=" + 365L * 24 * 3600
                + "; Secure; HttpOnly; SameSite=Lax");
    }

    /** True while the request's session waits for its two-step sign-in code. */
    boolean twoStepPending(ServerRequest req) {
        return users.session(cookies(req).get(SESSION_COOKIE)).map(Users.Session::twoStepPending).orElse(false);
    }

    /** The session cookie's token, as the forms that act on the session itself need it. */
    static String sessionToken(ServerRequest req) {
        return cookies(req).get(SESSION_COOKIE);
    }

    /** True when the request carries a session cookie at all (live or not). */
    boolean hadSession(ServerRequest req) {
        return cookies(req).containsKey(SESSION_COOKIE);
    }

    /** True while the request's session cookie still names a live session (not signed out, not expired). */
    boolean stillSignedIn(ServerRequest req) {
        return users.session(cookies(req).get(SESSION_COOKIE)).isPresent();
    }

    /** True when the POST's {@code csrf} field matches this visitor's token (compared in constant time). */
    static boolean csrfValid(Visit visit, Optional<String> submitted) {
        return submitted.isPresent() && !visit.csrfToken().isEmpty()
                && MessageDigest.isEqual(submitted.get().getBytes(StandardCharsets.UTF_8), visit.csrfToken().getBytes(StandardCharsets.UTF_8));
    }

    /** Puts a new session's token in the cookie (replacing any other). */
    static void startSession(ServerResponse res, String token) {
        res.headers().add(HeaderNames.SET_COOKIE, SESSION_COOKIE + "=" + token + "; Path=/; Max-Age=" + Users.SESSION_LIFETIME.toSeconds()
                + "; Secure; HttpOnly; SameSite=Lax");
    }

    /** Ends the session server-side and clears the cookie (and test mode, so the next sign-in starts live). */
    void signOut(ServerRequest req, ServerResponse res) {
        users.signOut(cookies(req).get(SESSION_COOKIE));
        res.headers().add(HeaderNames.SET_COOKIE, expired(SESSION_COOKIE));
        res.headers().add(HeaderNames.SET_COOKIE, expired(MODE_COOKIE));
    }

    /**
     * Switches the signed-in visitor into test mode (its test account is created with play money
     * the first time) or back to live.
     */
    void testMode(Visit visit, boolean on, ServerResponse res) {
        if (on) {
            accounts.testAccount(visit.session().orElseThrow().account());
            res.headers().add(HeaderNames.SET_COOKIE, MODE_COOKIE + "=test; Path=/; Secure; HttpOnly; SameSite=Lax");
        } else {
            res.headers().add(HeaderNames.SET_COOKIE, expired(MODE_COOKIE));
        }
    }

    private static String expired(String name) {
        return name + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax";
    }

    private static String csrfToken(String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal("numpool csrf v1".getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The request's cookies by name (the first of each name; at most 50, each bounded). */
    static Map<String, String> cookies(ServerRequest req) {
        Map<String, String> cookies = new HashMap<>();
        for (String header : req.headers().all(HeaderNames.COOKIE, java.util.List::of)) {
            for (String pair : header.split(";", 50)) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.length() < 4096) {
                    cookies.putIfAbsent(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
                }
            }
        }
        return cookies;
    }
}
