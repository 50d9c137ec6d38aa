package dev.numpool.web;

import dev.numpool.api.RateLimits;
import dev.numpool.orders.Users;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.Optional;

/**
 * Customers' optional two-step sign-in: setting it up from the account page (a QR code and key
 * for an authenticator app, confirmed with a code), the code asked after the password at every
 * sign-in, and turning it off with a current code. Codes are limited per session (at sign-in)
 * and per account (on the account page), like the console's, before any is checked.
 */
final class TwoStepPages {
    private final Users users;
    private final RateLimits rateLimits;

    TwoStepPages(Users users, RateLimits rateLimits) {
        this.users = users;
        this.rateLimits = rateLimits;
    }

    /** The code's page, for a session whose password was right; anyone else has nothing to enter here. */
    void codeForm(Visit visit, ServerRequest req, ServerResponse res) {
        String next = Website.safeNext(req.query().first("next").orElse("/"));
        if (visit.signedIn()) {
            Website.redirect(res, next);
            return;
        }
        if (!users.session(WebSessions.sessionToken(req)).map(Users.Session::twoStepPending).orElse(false)) {
            Website.redirect(res, "/sign-in");
            return;
        }
        Website.send(res, 200, codePage(visit, next, Optional.empty()));
    }

    void pass(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String next = Website.safeNext(form.text("next"));
        String token = WebSessions.sessionToken(req);
        if (token == null) {
            Website.redirect(res, "/sign-in");
            return;
        }
        if (limited("session:" + token, visit, res, () -> codePage(visit, next, Optional.of(tooMany(visit))))) {
            return;
        }
        switch (users.passTwoStep(token, form.text("code"))) {
            case PASSED -> Website.redirect(res, next);
            case WRONG_CODE -> Website.send(res, 401, codePage(visit, next, Optional.of(visit.texts().get("twostep.wrong-code"))));
            case NOT_SET_UP -> Website.redirect(res, "/sign-in");
        }
    }

    void setupForm(Visit visit, ServerRequest req, ServerResponse res) {
        Users.Session session = visit.session().orElseThrow();
        Optional<String> secret = users.twoStepSetup(session.account(), false);
        if (secret.isEmpty()) {
            Website.redirect(res, "/account"); // on already
            return;
        }
        Website.send(res, 200, setupPage(visit, session.email(), secret.get(), Optional.empty()));
    }

    void confirm(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Users.Session session = visit.session().orElseThrow();
        Optional<String> secret = users.twoStepSetup(session.account(), false);
        if (secret.isEmpty()) {
            Website.redirect(res, "/account");
            return;
        }
        if (limited("account:" + session.account().value(), visit, res,
                () -> setupPage(visit, session.email(), secret.get(), Optional.of(tooMany(visit))))) {
            return;
        }
        switch (users.confirmTwoStep(session.account(), WebSessions.sessionToken(req), form.text("code"))) {
            case PASSED -> Website.redirect(res, "/account?done=two-step-on");
            case WRONG_CODE -> Website.send(res, 422, setupPage(visit, session.email(), secret.get(),
                    Optional.of(visit.texts().get("twostep.wrong-code"))));
            case NOT_SET_UP -> Website.redirect(res, "/account");
        }
    }

    /** A new key, for whoever lost the first one before confirming it. */
    void restart(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        users.twoStepSetup(visit.session().orElseThrow().account(), true);
        Website.redirect(res, "/account/two-step");
    }

    void turnOff(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Users.Session session = visit.session().orElseThrow();
        if (limited("account:" + session.account().value(), visit, res, () -> Html.page(visit, visit.texts().get("twostep.not-turned-off"), "/account",
                "<h1>" + Html.escape(visit.texts().get("twostep.not-turned-off")) + "</h1>" + Html.notice("error", tooMany(visit))))) {
            return;
        }
        switch (users.turnOffTwoStep(session.account(), form.text("code"))) {
            case PASSED -> Website.redirect(res, "/account?done=two-step-off");
            case WRONG_CODE -> Website.errorPage(res, visit, 422, visit.texts().get("twostep.not-turned-off"), visit.texts().get("twostep.wrong-code"));
            case NOT_SET_UP -> Website.redirect(res, "/account");
        }
    }

    /** The account page's part: on or off, and the way to change it. */
    static String section(Visit visit, boolean on) {
        Texts t = visit.texts();
        if (!on) {
            return "<h2>" + Html.escape(t.get("twostep.title")) + "</h2><p>" + Html.escape(t.get("twostep.off")) + " <a href=\"/account/two-step\">"
                    + Html.escape(t.get("twostep.turn-on")) + "</a></p>";
        }
        return """
                <h2>%s</h2>
                <p>%s</p>
                <form class="stack narrow" method="post" action="/account/two-step/off">
                %s
                <label for="off-code">%s</label>
                <input id="off-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
                <button type="submit">%s</button>
                </form>
                """.formatted(Html.escape(t.get("twostep.title")), Html.escape(t.get("twostep.on")), Html.csrfField(visit),
                Html.escape(t.get("twostep.code")), Html.escape(t.get("twostep.turn-off")));
    }

    private boolean limited(String who, Visit visit, ServerResponse res, java.util.function.Supplier<String> page) {
        Optional<Duration> wait = rateLimits.takeSecondFactor("customer:" + who);
        if (wait.isEmpty()) {
            return false;
        }
        SignInPages.retryAfter(res, wait.get());
        Website.send(res, 429, page.get());
        return true;
    }

    private static String tooMany(Visit visit) {
        return visit.texts().get("twostep.too-many");
    }

    private static String codePage(Visit visit, String next, Optional<String> error) {
        Texts t = visit.texts();
        return Html.page(visit, t.get("twostep.code-title"), "/sign-in", """
                <h1>%s</h1>
                %s
                <p>%s</p>
                <form class="stack narrow" method="post" action="/sign-in/code">
                %s
                <input type="hidden" name="next" value="%s">
                <label for="code">%s</label>
                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
                <button type="submit" class="primary">%s</button>
                </form>
                <form method="post" action="/sign-out" class="inline">%s<button type="submit" class="link">%s</button></form>
                """.formatted(Html.escape(t.get("twostep.code-title")), error.map(e -> Html.notice("error", e)).orElse(""),
                Html.escape(t.get("twostep.code-explained")), Html.csrfField(visit), Html.escape(next), Html.escape(t.get("twostep.code")),
                Html.escape(t.get("twostep.continue")), Html.csrfField(visit), Html.escape(t.get("twostep.cancel"))));
    }

    private static String setupPage(Visit visit, String email, String secret, Optional<String> error) {
        Texts t = visit.texts();
        return Html.page(visit, t.get("twostep.setup-title"), "/account", """
                <h1>%s</h1>
                %s
                <p>%s</p>
                <figure class="qr">%s<figcaption>%s <code class="secret" id="totp-secret">%s</code></figcaption></figure>
                <form class="stack narrow" method="post" action="/account/two-step">
                %s
                <label for="code">%s</label>
                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
                <button type="submit" class="primary">%s</button>
                </form>
                <form method="post" action="/account/two-step/new" class="inline">%s<button type="submit" class="link">%s</button></form>
                """.formatted(Html.escape(t.get("twostep.setup-title")), error.map(e -> Html.notice("error", e)).orElse(""),
                Html.escape(t.get("twostep.setup-explained")), OpsSecondFactor.qrSvg(Users.twoStepUri(email, secret)), Html.escape(t.get("twostep.key")),
                Html.escape(secret), Html.csrfField(visit), Html.escape(t.get("twostep.code")), Html.escape(t.get("twostep.turn-on")),
                Html.csrfField(visit), Html.escape(t.get("twostep.new-key"))));
    }
}
