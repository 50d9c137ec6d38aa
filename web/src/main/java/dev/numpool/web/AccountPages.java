package dev.numpool.web;

import dev.numpool.api.RateLimits;
import dev.numpool.orders.Users;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The signed-in person's own account: their email and whether it is verified (with a button
 * that mails a new verification link, limited like reset links), and the way to a new
 * password; and {@code /verify-email}, where a verification link lands. An unverified email
 * is shown, never held against anyone: buying works the same.
 */
final class AccountPages {
    /** What a finished action says at the top of the page, by its {@code done} parameter. */
    private static final Map<String, String> DONE = Map.of("password", "account.done.password", "verification-sent", "account.done.verification-sent",
            "two-step-on", "twostep.done-on", "two-step-off", "twostep.done-off");

    private final Users users;
    private final RateLimits rateLimits;
    private final AccountMails mails;

    AccountPages(Users users, RateLimits rateLimits, AccountMails mails) {
        this.users = users;
        this.rateLimits = rateLimits;
        this.mails = mails;
    }

    void account(Visit visit, ServerRequest req, ServerResponse res) {
        Users.Session session = visit.session().orElseThrow();
        Optional<Instant> verified = users.emailVerifiedAt(session.account());
        Optional<String> done = req.query().first("done").asOptional().map(DONE::get);
        Website.send(res, 200, page(visit, session.email(), verified, users.twoStepOn(session.account()), done.map(key -> Html.notice("ok",
                visit.texts().get(key, session.email(), Users.VERIFICATION_LINK_LIFETIME.toHours()))).orElse("")));
    }

    void resendVerification(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        Users.Session session = visit.session().orElseThrow();
        Optional<Duration> wait = rateLimits.takeAccountMail(session.email(), rateLimits.client(req));
        if (wait.isPresent()) {
            SignInPages.retryAfter(res, wait.get());
            Website.send(res, 429, page(visit, session.email(), users.emailVerifiedAt(session.account()), users.twoStepOn(session.account()),
                    Html.notice("error", t.get("account.resend-too-many", SignInPages.minutes(wait.get())))));
            return;
        }
        users.emailVerificationLink(session.account()).ifPresent(link -> mails.emailVerification(t, link));
        Website.redirect(res, "/account?done=verification-sent");
    }

    void verifyEmail(Visit visit, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        switch (users.verifyEmail(req.query().first("token").orElse(""))) {
            case Users.EmailVerification.Verified verified -> Website.send(res, 200, Html.page(visit, t.get("account.verify.done-title"), "",
                    "<h1>" + Html.escape(t.get("account.verify.done-title")) + "</h1>" + Html.notice("ok", t.get("account.verify.done", verified.email()))
                    + "<p><a href=\"" + (visit.signedIn() ? "/" : "/sign-in") + "\">"
                    + Html.escape(t.get(visit.signedIn() ? "errors.to-catalogue" : "signin.title")) + "</a></p>"));
            case Users.EmailVerification.BadLink bad -> {
                String title = switch (bad.problem()) {
                    case UNKNOWN -> t.get("signin.link.unknown-title");
                    case EXPIRED -> t.get("signin.link.expired-title");
                    case USED -> t.get("signin.link.used-title");
                };
                String text = bad.problem() == Users.LinkProblem.EXPIRED
                        ? t.get("account.verify.expired", Users.VERIFICATION_LINK_LIFETIME.toHours()) : t.get("account.verify.unknown");
                Website.send(res, bad.problem() == Users.LinkProblem.UNKNOWN ? 404 : 410, Html.page(visit, title, "", "<h1>" + Html.escape(title)
                        + "</h1>" + Html.notice("error", text) + "<p><a href=\"/account\">" + Html.escape(t.get("account.title")) + "</a></p>"));
            }
        }
    }

    private static String page(Visit visit, String email, Optional<Instant> verified, boolean twoStepOn, String notice) {
        Texts t = visit.texts();
        String status = verified.map(at -> "<p>" + Html.escape(t.get("account.verified", t.when(at))) + "</p>").orElseGet(() -> """
                <p>%s</p>
                <form method="post" action="/account/verify-email">
                %s
                <button type="submit">%s</button>
                </form>
                """.formatted(Html.escape(t.get("account.unverified")), Html.csrfField(visit), Html.escape(t.get("account.resend"))));
        return Html.page(visit, t.get("account.title"), "/account", """
                <h1>%s</h1>
                %s
                <h2>%s</h2>
                <p><strong>%s</strong></p>
                %s
                <h2>%s</h2>
                <p>%s <a href="/forgot-password">%s</a></p>
                %s
                """.formatted(Html.escape(t.get("account.title")), notice, Html.escape(t.get("signin.email")), Html.escape(email), status,
                Html.escape(t.get("signin.password")), Html.escape(t.get("account.password-change")), Html.escape(t.get("account.password-link")),
                TwoStepPages.section(visit, twoStepOn)));
    }
}
