package dev.numpool.web;

import dev.numpool.api.RateLimits;
import dev.numpool.orders.OperatorAudit;
import dev.numpool.orders.Operators;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.nayuki.qrcodegen.QrCode;

import java.time.Duration;
import java.util.Optional;

/**
 * The console's second factor: enrolling an authenticator app (a QR code of the
 * {@code otpauth://} URI, drawn here as SVG, and the secret in text for apps that take it typed),
 * and the code asked for once per session. Attempts are limited per operator and address like
 * sign-ins, so six digits cannot be guessed at speed.
 */
final class OpsSecondFactor {
    private final Operators operators;
    private final OperatorAudit audit;
    private final RateLimits rateLimits;

    OpsSecondFactor(Operators operators, OperatorAudit audit, RateLimits rateLimits) {
        this.operators = operators;
        this.audit = audit;
        this.rateLimits = rateLimits;
    }

    void enrolForm(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        String next = Website.safeNext(req.query().first("next").orElse("/ops"));
        if (operator.enrolled()) {
            Website.redirect(res, "/ops/verify?next=" + java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        String secret = operators.enrolment(operator.account(), false).orElseThrow(() -> new Website.NotFound(visit.texts().get(Website.NO_PAGE)));
        Website.send(res, 200, enrolPage(visit, operator, secret, next, Optional.empty()));
    }

    void enrol(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String next = Website.safeNext(form.text("next"));
        if (limited(operator, req, res, visit)) {
            return;
        }
        Operators.SecondFactor result = operators.confirmEnrolment(operator.account(), WebSessions.sessionToken(req), form.text("code"));
        written(operator, "POST /ops/enrol", result);
        switch (result) {
            case PASSED -> Website.redirect(res, next.startsWith("/ops") ? next : "/ops");
            case WRONG_CODE -> Website.send(res, 400, enrolPage(visit, operator, operators.enrolment(operator.account(), false).orElse(""), next,
                    Optional.of("That code did not match. Check the time on your phone, wait for the next code and enter it.")));
            case NOT_ENROLLING -> Website.redirect(res, "/ops/verify");
        }
    }

    /** A new key in place of the one not confirmed yet (a POST: a link fetched ahead of time must not replace the key being scanned). */
    void restartEnrolment(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        operators.enrolment(operator.account(), true);
        Website.redirect(res, "/ops/enrol");
    }

    void verifyForm(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        String next = Website.safeNext(req.query().first("next").orElse("/ops"));
        if (!operator.enrolled()) {
            Website.redirect(res, "/ops/enrol?next=" + java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        Website.send(res, 200, verifyPage(visit, next, Optional.empty()));
    }

    void verify(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String next = Website.safeNext(form.text("next"));
        if (limited(operator, req, res, visit)) {
            return;
        }
        Operators.SecondFactor result = operators.verify(operator.account(), WebSessions.sessionToken(req), form.text("code"));
        written(operator, "POST /ops/verify", result);
        switch (result) {
            case PASSED -> Website.redirect(res, next.startsWith("/ops") ? next : "/ops");
            case WRONG_CODE -> Website.send(res, 401, verifyPage(visit, next, Optional.of(
                    "That code did not match, or was used already. Wait for the next code in your app and enter it.")));
            case NOT_ENROLLING -> Website.redirect(res, "/ops/enrol");
        }
    }

    /** An enrolment, and every wrong code, go to the audit log: a run of wrong codes is someone who has the password. */
    private void written(Operators.Operator operator, String action, Operators.SecondFactor result) {
        if (result == Operators.SecondFactor.PASSED && action.equals("POST /ops/verify")) {
            return; // a sign-in's code, as a sign-in, is not an action
        }
        int status = switch (result) {
            case PASSED -> 303;
            case WRONG_CODE -> 401;
            case NOT_ENROLLING -> 409;
        };
        audit.record(operator.actor(), action, "{}", Optional.empty(), Optional.empty(), Optional.empty(), status,
                HelidonMdc.get(OpsConsole.REQUEST_ID_KEY));
    }

    private boolean limited(Operators.Operator operator, ServerRequest req, ServerResponse res, Visit visit) {
        Optional<Duration> wait = rateLimits.takeSecondFactor(operator.account().value() + ":" + operator.email());
        if (wait.isEmpty()) {
            return false;
        }
        res.header(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, wait.get().toSeconds())));
        Website.errorPage(res, visit, 429, "Too many codes tried", "For your safety, wait " + Html.duration(wait.get()) + " and try again.");
        return true;
    }

    private static String enrolPage(Visit visit, Operators.Operator operator, String secret, String next, Optional<String> error) {
        String uri = Operators.otpauthUri(operator.email(), secret);
        return Html.page(visit, "Set up your second factor", "/ops", """
                <h1>Set up your second factor</h1>
                %s
                <p>Your role (%s) needs a code from an authenticator app each time you open the console.
                Scan this code with the app, or type the key below into it, then enter the 6 digits it shows.</p>
                <figure class="qr">%s<figcaption>Key: <code class="secret" id="totp-secret">%s</code></figcaption></figure>
                <form class="stack narrow" method="post" action="/ops/enrol">
                %s
                <input type="hidden" name="next" value="%s">
                <label for="code">Code from the app</label>
                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
                <button type="submit" class="primary">Confirm</button>
                </form>
                <form method="post" action="/ops/enrol/new" class="inline">%s<button type="submit" class="link">Start again with a new key</button></form>
                """.formatted(error.map(e -> Html.notice("error", e)).orElse(""), Html.escape(operator.role().wire()), qrSvg(uri),
                Html.escape(secret), Html.csrfField(visit), Html.escape(next), Html.csrfField(visit)));
    }

    private static String verifyPage(Visit visit, String next, Optional<String> error) {
        return Html.page(visit, "Enter your code", "/ops", """
                <h1>Enter your code</h1>
                %s
                <p>The console needs the 6-digit code your authenticator app shows for Numpool.</p>
                <form class="stack narrow" method="post" action="/ops/verify">
                %s
                <input type="hidden" name="next" value="%s">
                <label for="code">Code</label>
                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
                <button type="submit" class="primary">Continue</button>
                </form>
                """.formatted(error.map(e -> Html.notice("error", e)).orElse(""), Html.csrfField(visit), Html.escape(next)));
    }

    /** The QR code of {@code text} as an SVG of one path (no script, no outside image). */
    static String qrSvg(String text) {
        QrCode qr = QrCode.encodeText(text, QrCode.Ecc.MEDIUM);
        int border = 4;
        int size = qr.size + border * 2;
        StringBuilder path = new StringBuilder();
        for (int y = 0; y < qr.size; y++) {
            for (int x = 0; x < qr.size; x++) {
                if (qr.getModule(x, y)) {
                    path.append('M').append(x + border).append(',').append(y + border).append("h1v1h-1z");
                }
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + size + " " + size + "\" width=\"200\" height=\"200\" role=\"img\" "
                + "aria-label=\"QR code to scan with an authenticator app\" shape-rendering=\"crispEdges\">"
                + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"" + path + "\" fill=\"#000\"/></svg>";
    }
}
