package dev.numpool.web;

import dev.numpool.api.RateLimits;
import dev.numpool.orders.Users;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.Optional;

/**
 * "Forgot your password?": a form that asks for the email, then a mail with a link to
 * {@code /reset-password?token=…}, where the new password is set. The answer to the first form
 * is the same whether or not the email has an account (the mail goes out on the mailer's
 * thread, so the answer never waits for a mail server); requests are limited per email and per
 * address. A link that does not work (unknown, replaced, expired, used) gets a page saying
 * which, and changes nothing.
 */
final class PasswordResetPages {
    private final Users users;
    private final RateLimits rateLimits;
    private final AccountMails mails;

    PasswordResetPages(Users users, RateLimits rateLimits, AccountMails mails) {
        this.users = users;
        this.rateLimits = rateLimits;
        this.mails = mails;
    }

    void forgotForm(Visit visit, ServerRequest req, ServerResponse res) {
        Website.send(res, 200, forgotPage(visit, "", Optional.empty()));
    }

    void forgot(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        String email = form.text("email");
        Optional<String> normalised = Users.normaliseEmail(email);
        if (normalised.isEmpty()) {
            Website.send(res, 400, forgotPage(visit, email, Optional.of(t.get("signin.up.invalid-email"))));
            return;
        }
        Optional<Duration> wait = rateLimits.takeAccountMail(normalised.get(), rateLimits.client(req));
        if (wait.isPresent()) {
            SignInPages.retryAfter(res, wait.get());
            Website.send(res, 429, forgotPage(visit, email, Optional.of(t.get("signin.forgot.too-many", SignInPages.minutes(wait.get())))));
            return;
        }
        switch (users.requestPasswordReset(normalised.get())) {
            case Users.ResetRequest.Send send -> mails.passwordReset(t, send.link());
            case Users.ResetRequest.NoAccount none -> { } // answered exactly as a sent link is
            case Users.ResetRequest.InvalidEmail invalid -> {
                Website.send(res, 400, forgotPage(visit, email, Optional.of(t.get("signin.up.invalid-email"))));
                return;
            }
        }
        Website.send(res, 200, Html.page(visit, t.get("signin.forgot.sent-title"), "", "<h1>" + Html.escape(t.get("signin.forgot.sent-title")) + "</h1>"
                + Html.notice("ok", t.get("signin.forgot.sent", normalised.get(), Users.RESET_LINK_LIFETIME.toMinutes()))
                + "<p><a href=\"/sign-in\">" + Html.escape(t.get("signin.forgot.back")) + "</a></p>"));
    }

    void resetForm(Visit visit, ServerRequest req, ServerResponse res) {
        String token = req.query().first("token").orElse("");
        switch (users.resetLink(token)) {
            case Users.ResetLink.Open open -> Website.send(res, 200, resetPage(visit, token, open.email(), Optional.empty()));
            case Users.ResetLink.Closed closed -> badLink(visit, res, closed.problem());
        }
    }

    void reset(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String token = form.text("token");
        switch (users.resetPassword(token, form.text("password"))) {
            case Users.PasswordReset.Done done -> {
                WebSessions.startSession(res, done.token());
                Website.redirect(res, "/account?done=password");
            }
            case Users.PasswordReset.BadLink bad -> badLink(visit, res, bad.problem());
            case Users.PasswordReset.Refused refused -> {
                if (refused.reason() == Users.Refusal.BUSY) {
                    res.header(HeaderNames.RETRY_AFTER, "5");
                }
                String email = users.resetLink(token) instanceof Users.ResetLink.Open open ? open.email() : "";
                Website.send(res, refused.reason() == Users.Refusal.BUSY ? 503 : 400,
                        resetPage(visit, token, email, Optional.of(SignInPages.refusal(visit.texts(), refused.reason()))));
            }
        }
    }

    /** A reset link that does nothing: what happened, and the way to a new one. */
    private static void badLink(Visit visit, ServerResponse res, Users.LinkProblem problem) {
        Texts t = visit.texts();
        String title = switch (problem) {
            case UNKNOWN -> t.get("signin.link.unknown-title");
            case EXPIRED -> t.get("signin.link.expired-title");
            case USED -> t.get("signin.link.used-title");
        };
        String text = switch (problem) {
            case UNKNOWN -> t.get("signin.link.unknown");
            case EXPIRED -> t.get("signin.link.reset-expired", Users.RESET_LINK_LIFETIME.toMinutes());
            case USED -> t.get("signin.link.reset-used");
        };
        Website.send(res, problem == Users.LinkProblem.UNKNOWN ? 404 : 410, Html.page(visit, title, "", "<h1>" + Html.escape(title) + "</h1>"
                + Html.notice("error", text) + "<p><a href=\"/forgot-password\">" + Html.escape(t.get("signin.link.ask-again")) + "</a></p>"));
    }

    private static String forgotPage(Visit visit, String email, Optional<String> error) {
        Texts t = visit.texts();
        return Html.page(visit, t.get("signin.forgot.title"), "", """
                <h1>%s</h1>
                %s
                <p>%s</p>
                <form class="stack narrow" method="post" action="/forgot-password">
                %s
                <label for="email">%s</label>
                <input id="email" name="email" type="email" value="%s" autocomplete="email" required maxlength="254">
                <button type="submit" class="primary">%s</button>
                </form>
                <p><a href="/sign-in">%s</a></p>
                """.formatted(Html.escape(t.get("signin.forgot.title")), error.map(e -> Html.notice("error", e)).orElse(""),
                Html.escape(t.get("signin.forgot.intro")), Html.csrfField(visit), Html.escape(t.get("signin.email")), Html.escape(email),
                Html.escape(t.get("signin.forgot.submit")), Html.escape(t.get("signin.forgot.back"))));
    }

    private static String resetPage(Visit visit, String token, String email, Optional<String> error) {
        Texts t = visit.texts();
        // The email in a read-only username field lets a password manager file the new password under the right account.
        return Html.page(visit, t.get("signin.reset.title"), "", """
                <h1>%s</h1>
                %s
                <p>%s</p>
                <form class="stack narrow" method="post" action="/reset-password">
                %s
                <input type="hidden" name="token" value="%s">
                <label for="username">%s</label>
                <input id="username" type="email" value="%s" autocomplete="username" readonly>
                <label for="password">%s <span class="hint">%s</span></label>
                <input id="password" name="password" type="password" autocomplete="new-password" required minlength="%d" maxlength="%d">
                <button type="submit" class="primary">%s</button>
                </form>
                """.formatted(Html.escape(t.get("signin.reset.title")), error.map(e -> Html.notice("error", e)).orElse(""),
                Html.escape(t.get("signin.reset.intro", email)), Html.csrfField(visit), Html.escape(token), Html.escape(t.get("signin.email")),
                Html.escape(email), Html.escape(t.get("signin.reset.password")),
                Html.escape(t.get("signin.up.password-hint", Users.MIN_PASSWORD_LENGTH, Users.MAX_PASSWORD_LENGTH)),
                Users.MIN_PASSWORD_LENGTH, Users.MAX_PASSWORD_LENGTH, Html.escape(t.get("signin.reset.submit"))));
    }
}
