package dev.numpool.web;

import dev.numpool.api.RateLimits;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.Users;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Sign up, sign in (sign-out is one line in {@link Website}). Errors say what to do; a failed
 * sign-in never says whether the email has an account. Attempts are limited per email and per
 * IP address before any password is checked; accounts created per IP address too, and a form
 * whose hidden trap field is filled (a bot's) is refused as a stale form is, creating nothing.
 * A new account is mailed its email-verification link.
 */
final class SignInPages {
    private static final Logger LOG = Logger.getLogger(SignInPages.class.getName());
    /** The sign-up form's trap: hidden from people (and screen readers), filled by bots that fill every field. */
    static final String TRAP_FIELD = "website";

    private final Users users;
    private final RateLimits rateLimits;
    private final AccountMails mails;

    SignInPages(Users users, RateLimits rateLimits, AccountMails mails) {
        this.users = users;
        this.rateLimits = rateLimits;
        this.mails = mails;
    }

    void signInForm(Visit visit, ServerRequest req, ServerResponse res) {
        if (visit.signedIn()) {
            Website.redirect(res, Website.safeNext(req.query().first("next").orElse("/")));
            return;
        }
        Website.send(res, 200, signInPage(visit, "", req.query().first("next").orElse("/"), Optional.empty()));
    }

    void signIn(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        String email = form.text("email");
        String next = Website.safeNext(form.text("next"));
        Optional<Duration> wait = rateLimits.takeSignIn(Users.normaliseEmail(email).orElse("invalid"), rateLimits.client(req));
        if (wait.isPresent()) {
            retryAfter(res, wait.get());
            Website.send(res, 429, signInPage(visit, email, next, Optional.of(t.get("signin.too-many", minutes(wait.get())))));
            return;
        }
        switch (users.signIn(email, form.text("password"))) {
            case Users.SignIn.Started started -> {
                WebSessions.startSession(res, started.token());
                Website.redirect(res, started.session().twoStepPending()
                        ? "/sign-in/code?next=" + java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8) : next);
            }
            case Users.SignIn.Refused refused when refused.reason() == Users.Refusal.BUSY -> {
                res.header(HeaderNames.RETRY_AFTER, "5");
                Website.send(res, 503, signInPage(visit, email, next, Optional.of(t.get("signin.busy"))));
            }
            case Users.SignIn.Refused refused when refused.reason() == Users.Refusal.BLOCKED ->
                    Website.send(res, 403, signInPage(visit, email, next, Optional.of(t.get("signin.blocked"))));
            case Users.SignIn.Refused refused -> Website.send(res, 401, signInPage(visit, email, next, Optional.of(t.get("signin.wrong"))));
        }
    }

    void signUpForm(Visit visit, ServerRequest req, ServerResponse res) {
        if (visit.signedIn()) {
            Website.redirect(res, "/");
            return;
        }
        Website.send(res, 200, signUpPage(visit, "", Optional.empty()));
    }

    void signUp(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        String email = form.text("email");
        if (!form.text(TRAP_FIELD).isEmpty()) {
            LOG.info("sign-up refused: its hidden trap field was filled (a bot) from " + rateLimits.client(req));
            Website.errorPage(res, visit, 403, t.get("errors.form-expired"), t.get("errors.form-expired.text"));
            return;
        }
        String client = rateLimits.client(req);
        Optional<Duration> wait = rateLimits.takeSignIn(Users.normaliseEmail(email).orElse("invalid"), client);
        if (wait.isPresent()) {
            retryAfter(res, wait.get());
            Website.send(res, 429, signUpPage(visit, email, Optional.of(t.get("signin.up.too-many", minutes(wait.get())))));
            return;
        }
        // Only a form that can create an account spends the address's budget of accounts: a typo costs nothing.
        Optional<Duration> budget = Users.checkSignUp(email, form.text("password")).isEmpty() ? rateLimits.takeSignUp(client) : Optional.empty();
        if (budget.isPresent()) {
            LOG.info("sign-up refused: the sign-up budget of " + client + " is spent");
            retryAfter(res, budget.get());
            Website.send(res, 429, signUpPage(visit, email, Optional.of(t.get("signin.up.too-many-accounts", minutes(budget.get())))));
            return;
        }
        switch (users.signUp(email, form.text("password"))) {
            case Users.SignIn.Started started -> {
                users.emailVerificationLink(started.session().account()).ifPresent(link -> mails.emailVerification(t, link));
                WebSessions.startSession(res, started.token());
                Website.redirect(res, "/balance?done=welcome");
            }
            case Users.SignIn.Refused refused -> Website.send(res, 400, signUpPage(visit, email, Optional.of(refusal(t, refused.reason()))));
        }
    }

    /** What to do about a refused sign-up (or new password), in the visitor's words. */
    static String refusal(Texts t, Users.Refusal reason) {
        return switch (reason) {
            case INVALID_EMAIL -> t.get("signin.up.invalid-email");
            case PASSWORD_TOO_SHORT -> t.get("signin.up.password-too-short", Users.MIN_PASSWORD_LENGTH);
            case PASSWORD_TOO_LONG -> t.get("signin.up.password-too-long", Users.MAX_PASSWORD_LENGTH);
            case EMAIL_TAKEN -> t.get("signin.up.email-taken");
            case WRONG_CREDENTIALS -> t.get("signin.up.failed");
            case BUSY -> t.get("signin.up.busy");
            case BLOCKED -> t.get("signin.up.blocked");
        };
    }

    static void retryAfter(ServerResponse res, Duration wait) {
        res.header(HeaderNames.RETRY_AFTER, Long.toString(roundUp(wait).toSeconds()));
    }

    /** A wait in whole seconds, at least one: people are told "1 second", never "0 seconds". */
    static Duration roundUp(Duration wait) {
        return Duration.ofSeconds(Math.max(1, (wait.toMillis() + 999) / 1000));
    }

    /** A limiter's wait in whole minutes, rounded up: what the texts tell people (in each language's plural). */
    static long minutes(Duration wait) {
        return Math.max(1, (wait.toSeconds() + 59) / 60);
    }

    private static String signInPage(Visit visit, String email, String next, Optional<String> error) {
        Texts t = visit.texts();
        return Html.page(visit, t.get("signin.title"), "/sign-in", """
                <h1>%s</h1>
                %s
                <form class="stack narrow" method="post" action="/sign-in">
                %s
                <input type="hidden" name="next" value="%s">
                <label for="email">%s</label>
                <input id="email" name="email" type="email" value="%s" autocomplete="username" required maxlength="254">
                <label for="password">%s</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="128">
                <button type="submit" class="primary">%s</button>
                </form>
                <p><a href="/forgot-password">%s</a></p>
                <p>%s <a href="/sign-up">%s</a></p>
                """.formatted(Html.escape(t.get("signin.title")), error.map(e -> Html.notice("error", e)).orElse(""), Html.csrfField(visit),
                Html.escape(Website.safeNext(next)), Html.escape(t.get("signin.email")), Html.escape(email), Html.escape(t.get("signin.password")),
                Html.escape(t.get("signin.submit")), Html.escape(t.get("signin.forgot")), Html.escape(t.get("signin.new-here")),
                Html.escape(t.get("signin.create-account"))));
    }

    private static String signUpPage(Visit visit, String email, Optional<String> error) {
        Texts t = visit.texts();
        return Html.page(visit, t.get("signin.up.title"), "/sign-up", """
                <h1>%s</h1>
                %s
                %s
                <form class="stack narrow" method="post" action="/sign-up">
                %s
                <label for="email">%s</label>
                <input id="email" name="email" type="email" value="%s" autocomplete="email" required maxlength="254">
                <label for="password">%s <span class="hint">%s</span></label>
                <input id="password" name="password" type="password" autocomplete="new-password" required minlength="%d" maxlength="%d">
                <div class="trap" aria-hidden="true"><label for="%s">%s</label>
                <input id="%s" name="%s" type="text" value="" tabindex="-1" autocomplete="off"></div>
                <button type="submit" class="primary">%s</button>
                </form>
                <p>%s <a href="/sign-in">%s</a></p>
                """.formatted(Html.escape(t.get("signin.up.title")),
                visit.sandbox() ? "<p>" + Html.escape(t.get("signin.up.sandbox", t.money(Accounts.SANDBOX_CREDIT_MICROS, "USD"))) + "</p>" : "",
                error.map(e -> Html.notice("error", e)).orElse(""), Html.csrfField(visit),
                Html.escape(t.get("signin.email")), Html.escape(email), Html.escape(t.get("signin.password")),
                Html.escape(t.get("signin.up.password-hint", Users.MIN_PASSWORD_LENGTH, Users.MAX_PASSWORD_LENGTH)),
                Users.MIN_PASSWORD_LENGTH, Users.MAX_PASSWORD_LENGTH, TRAP_FIELD, Html.escape(t.get("signin.up.trap")), TRAP_FIELD, TRAP_FIELD,
                Html.escape(t.get("signin.up.submit")), Html.escape(t.get("signin.up.have-account")), Html.escape(t.get("signin.up.sign-in"))));
    }
}
