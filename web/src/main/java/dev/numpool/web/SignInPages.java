package dev.numpool.web;

import dev.numpool.api.RateLimits;
import dev.numpool.orders.Users;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.Optional;

/**
 * Sign up, sign in (sign-out is one line in {@link Website}). Errors say what to do; a failed
 * sign-in never says whether the email has an account. Attempts are limited per email and per
 * IP address before any password is checked.
 */
final class SignInPages {
    private final Users users;
    private final RateLimits rateLimits;

    SignInPages(Users users, RateLimits rateLimits) {
        this.users = users;
        this.rateLimits = rateLimits;
    }

    void signInForm(Visit visit, ServerRequest req, ServerResponse res) {
        if (visit.signedIn()) {
            Website.redirect(res, Website.safeNext(req.query().first("next").orElse("/")));
            return;
        }
        Website.send(res, 200, signInPage(visit, "", req.query().first("next").orElse("/"), Optional.empty()));
    }

    void signIn(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String email = form.text("email");
        String next = Website.safeNext(form.text("next"));
        Optional<Duration> wait = rateLimits.takeSignIn(Users.normaliseEmail(email).orElse("invalid"), rateLimits.client(req));
        if (wait.isPresent()) {
            res.header(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, wait.get().toSeconds())));
            Website.send(res, 429, signInPage(visit, email, next, Optional.of(
                    "Too many sign-in attempts. For your safety, wait " + Html.duration(wait.get()) + " and try again.")));
            return;
        }
        switch (users.signIn(email, form.text("password"))) {
            case Users.SignIn.Started started -> {
                WebSessions.startSession(res, started.token());
                Website.redirect(res, next);
            }
            case Users.SignIn.Refused refused when refused.reason() == Users.Refusal.BUSY -> {
                res.header(HeaderNames.RETRY_AFTER, "5");
                Website.send(res, 503, signInPage(visit, email, next, Optional.of("Too many people are signing in right now. Try again in a few seconds.")));
            }
            case Users.SignIn.Refused refused when refused.reason() == Users.Refusal.BLOCKED -> Website.send(res, 403, signInPage(visit, email, next,
                    Optional.of("This account is blocked. Write to support if you think this is a mistake.")));
            case Users.SignIn.Refused refused -> Website.send(res, 401, signInPage(visit, email, next, Optional.of(
                    "That email and password do not match an account. Check them and try again.")));
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
        String email = form.text("email");
        Optional<Duration> wait = rateLimits.takeSignIn(Users.normaliseEmail(email).orElse("invalid"), rateLimits.client(req));
        if (wait.isPresent()) {
            res.header(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, wait.get().toSeconds())));
            Website.send(res, 429, signUpPage(visit, email, Optional.of("Too many attempts. Wait " + Html.duration(wait.get()) + " and try again.")));
            return;
        }
        switch (users.signUp(email, form.text("password"))) {
            case Users.SignIn.Started started -> {
                WebSessions.startSession(res, started.token());
                Website.redirect(res, "/balance?done=welcome");
            }
            case Users.SignIn.Refused refused -> Website.send(res, 400, signUpPage(visit, email, Optional.of(switch (refused.reason()) {
                case INVALID_EMAIL -> "Enter an email address such as name@example.com.";
                case PASSWORD_TOO_SHORT -> "Choose a password of at least " + Users.MIN_PASSWORD_LENGTH + " characters.";
                case PASSWORD_TOO_LONG -> "Choose a password of at most " + Users.MAX_PASSWORD_LENGTH + " characters.";
                case EMAIL_TAKEN -> "This email already has an account. Sign in instead.";
                case WRONG_CREDENTIALS -> "That did not work. Try again.";
                case BUSY -> "Too many people are signing up right now. Try again in a few seconds.";
                case BLOCKED -> "This account is blocked.";
            })));
        }
    }

    private static String signInPage(Visit visit, String email, String next, Optional<String> error) {
        return Html.page(visit, "Sign in", "/sign-in", """
                <h1>Sign in</h1>
                %s
                <form class="stack narrow" method="post" action="/sign-in">
                %s
                <input type="hidden" name="next" value="%s">
                <label for="email">Email</label>
                <input id="email" name="email" type="email" value="%s" autocomplete="username" required maxlength="254">
                <label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="128">
                <button type="submit" class="primary">Sign in</button>
                </form>
                <p>New here? <a href="/sign-up">Create an account</a>.</p>
                """.formatted(error.map(e -> Html.notice("error", e)).orElse(""), Html.csrfField(visit), Html.escape(Website.safeNext(next)),
                Html.escape(email)));
    }

    private static String signUpPage(Visit visit, String email, Optional<String> error) {
        return Html.page(visit, "Create an account", "/sign-up", """
                <h1>Create an account</h1>
                %s
                %s
                <form class="stack narrow" method="post" action="/sign-up">
                %s
                <label for="email">Email</label>
                <input id="email" name="email" type="email" value="%s" autocomplete="email" required maxlength="254">
                <label for="password">Password <span class="hint">(%d to %d characters)</span></label>
                <input id="password" name="password" type="password" autocomplete="new-password" required minlength="%d" maxlength="%d">
                <button type="submit" class="primary">Create account</button>
                </form>
                <p>Already have an account? <a href="/sign-in">Sign in</a>.</p>
                """.formatted(visit.sandbox() ? "<p>In the sandbox a new account starts with 100.00 USD of play money.</p>" : "",
                error.map(e -> Html.notice("error", e)).orElse(""), Html.csrfField(visit), Html.escape(email),
                Users.MIN_PASSWORD_LENGTH, Users.MAX_PASSWORD_LENGTH, Users.MIN_PASSWORD_LENGTH, Users.MAX_PASSWORD_LENGTH));
    }
}
