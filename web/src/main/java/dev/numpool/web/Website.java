package dev.numpool.web;

import dev.numpool.inventory.Inventory;
import dev.numpool.orders.Favourites;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.Accounts;
import dev.numpool.orders.OperatorAudit;
import dev.numpool.orders.Operators;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Reports;
import dev.numpool.orders.Topups;
import dev.numpool.orders.Users;
import dev.numpool.orders.Webhooks;
import dev.numpool.api.RateLimits;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The website: server-rendered pages over the same doors as the APIs ({@link Users},
 * {@link Accounts}, {@link Ledger}, {@link Topups}, {@link Orders}, {@link Inventory}, {@link Webhooks}), with no
 * business rules of its own. This class holds what every page shares: the security headers, the
 * session and CSRF check in front of every form, sign-in redirects, and error pages in words a
 * person understands. The pages themselves live in one class per area.
 */
final class Website {
    private static final Logger LOG = Logger.getLogger(Website.class.getName());
    /** The text of the 404 of an address with no page (the console answers customers with it too). */
    static final String NO_PAGE = "errors.no-page";
    /** No form of the website needs more. */
    private static final int MAX_FORM_BYTES = 16 * 1024;
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'";

    private final WebSessions sessions;
    private final CataloguePages catalogue;
    private final SignInPages signIn;
    private final PasswordResetPages passwordReset;
    private final AccountPages account;
    private final TwoStepPages twoStep;
    private final ActivationPages activations;
    private final RentalPages rentals;
    private final BalancePage balance;
    private final DeveloperPages developers;
    private final ApiDocsPage docs;
    private final OpsConsole console;
    private final ShopPages shop;
    private final StatusPage status;
    private final RateLimits rateLimits;

    Website(Users users, Accounts accounts, Ledger ledger, Orders orders, Orders.Settings orderSettings, Inventory inventory, Webhooks webhooks,
            Topups topups, Operators operators, OperatorAudit audit, Reports reports, Favourites favourites, RateLimits rateLimits, boolean sandbox, Optional<String> contactEmail,
            java.time.Clock clock, AccountMails mails) {
        this.sessions = new WebSessions(users, accounts, sandbox);
        this.rentals = new RentalPages(orders, inventory, ledger, sessions, clock);
        this.catalogue = new CataloguePages(inventory, orders, reports, favourites, rentals, orderSettings.window(), clock);
        this.signIn = new SignInPages(users, rateLimits, mails);
        this.passwordReset = new PasswordResetPages(users, rateLimits, mails);
        this.account = new AccountPages(users, rateLimits, mails);
        this.twoStep = new TwoStepPages(users, rateLimits);
        this.activations = new ActivationPages(orders, orderSettings, inventory, ledger, sessions, clock);
        this.balance = new BalancePage(ledger, topups);
        this.developers = new DeveloperPages(accounts, webhooks);
        this.docs = new ApiDocsPage();
        this.shop = new ShopPages(orderSettings.window(), orderSettings.earlyCancel(), contactEmail);
        this.status = new StatusPage(reports, inventory, clock);
        OpsActivityPages activity = new OpsActivityPages(reports, orders, topups, inventory);
        this.console = new OpsConsole(operators, audit, new OpsPages(operators, inventory, ledger, orders, audit, activity), activity,
                new OpsPoolPage(inventory, clock), new OpsCataloguePage(inventory), new OpsSecondFactor(operators, audit, rateLimits));
        this.rateLimits = rateLimits;
    }

    void routing(HttpRouting.Builder routing) {
        Assets.routing(routing);
        routing.get("/", page(false, catalogue::services));
        routing.get("/services/{code}", page(false, catalogue::service));
        routing.get("/offers", page(false, catalogue::offers));
        routing.post("/favourites", form(true, catalogue::star));
        routing.get("/sign-in", page(false, signIn::signInForm));
        routing.post("/sign-in", form(false, signIn::signIn));
        routing.get("/sign-up", page(false, signIn::signUpForm));
        routing.post("/sign-up", form(false, signIn::signUp));
        routing.get("/forgot-password", page(false, passwordReset::forgotForm));
        routing.post("/forgot-password", form(false, passwordReset::forgot));
        routing.get("/reset-password", page(false, passwordReset::resetForm));
        routing.post("/reset-password", form(false, passwordReset::reset));
        routing.get("/verify-email", page(false, account::verifyEmail));
        routing.get("/account", page(true, account::account));
        routing.get("/sign-in/code", page(false, twoStep::codeForm));
        routing.post("/sign-in/code", form(false, twoStep::pass));
        routing.get("/account/two-step", page(true, twoStep::setupForm));
        routing.post("/account/two-step", form(true, twoStep::confirm));
        routing.post("/account/two-step/new", form(true, twoStep::restart));
        routing.post("/account/two-step/off", form(true, twoStep::turnOff));
        routing.post("/account/verify-email", form(true, account::resendVerification));
        routing.post("/sign-out", form(false, (visit, f, req, res) -> {
            sessions.signOut(req, res);
            redirect(res, "/");
        }));
        routing.post("/test-mode", form(true, (visit, f, req, res) -> {
            sessions.testMode(visit, f.text("on").equals("1"), res);
            redirect(res, "/");
        }));
        routing.get("/buy", page(true, activations::confirm));
        routing.post("/buy", form(true, activations::buy));
        routing.get("/activations", page(true, activations::history));
        routing.get("/activations/{id}", page(true, activations::activation));
        routing.get("/activations/{id}/events", page(true, activations::events));
        routing.post("/activations/{id}/cancel", form(true, activations::cancel));
        routing.post("/activations/{id}/finish", form(true, activations::finish));
        routing.post("/activations/{id}/retry", form(true, activations::retry));
        routing.get("/activations/{id}/again", page(true, activations::again));
        routing.post("/activations/{id}/again", form(true, activations::buyAgain));
        routing.post("/activations/{id}/sandbox-sms", form(true, activations::sandboxSms));
        routing.post("/activations/{id}/messages/{messageId}/buy", form(true, activations::buyLateSms));
        routing.get("/rent", page(false, rentals::offers));
        routing.get("/rent/new", page(true, rentals::form));
        routing.post("/rent", form(true, rentals::rent));
        routing.get("/rentals", page(true, rentals::list));
        routing.get("/rentals/{id}", page(true, rentals::rental));
        routing.get("/rentals/{id}/events", page(true, rentals::events));
        routing.post("/rentals/{id}/extend", form(true, rentals::extend));
        routing.post("/rentals/{id}/cancel", form(true, rentals::cancel));
        routing.post("/rentals/{id}/finish", form(true, rentals::finish));
        routing.post("/rentals/{id}/sandbox-sms", form(true, rentals::sandboxSms));
        routing.get("/balance", page(true, balance::balance));
        routing.post("/balance/sandbox-credit", form(true, balance::sandboxCredit));
        routing.post("/balance/topup", form(true, balance::topUp));
        routing.get("/balance/transactions.csv", page(true, balance::transactionsCsv));
        routing.get("/developers/keys", page(true, developers::keys));
        routing.post("/developers/keys", form(true, developers::createKey));
        routing.post("/developers/keys/{id}/revoke", form(true, developers::revokeKey));
        routing.get("/developers/webhooks", page(true, developers::webhooks));
        routing.post("/developers/webhooks", form(true, developers::createEndpoint));
        routing.get("/developers/webhooks/{id}", page(true, developers::endpoint));
        routing.post("/developers/webhooks/{id}/test", form(true, developers::testEvent));
        routing.post("/developers/webhooks/{id}/rotate", form(true, developers::rotateSecret));
        routing.post("/developers/webhooks/{id}/delete", form(true, developers::deleteEndpoint));
        routing.post("/developers/webhooks/{id}/deliveries/{messageId}/replay", form(true, developers::replay));
        routing.get("/developers/docs", page(false, docs::docs));
        routing.get(ApiDocsPage.SCHEMAS_PATH, page(false, docs::schemas));
        shop.paths().forEach(path -> routing.get(path, page(false, shop::show)));
        routing.get("/status", page(false, status::status));
        routing.get("/language", page(false, Website::chooseLanguage));
        console.routing(routing, this);
        // Last: any other page address is a 404 in words. The APIs' routes come before this; the
        // observability feature's (/observe/...) come after, so those are passed on.
        routing.get("/*", (req, res) -> {
            if (req.path().path().startsWith("/observe/")) {
                res.next();
                return;
            }
            guarded(req, res, () -> {
                Visit visit = sessions.visit(req, res, false);
                errorPage(res, visit, 404, visit.texts().get("errors.not-found"), visit.texts().get(NO_PAGE));
            });
        });
    }

    /**
     * {@code /language?to=ru}: remembers the choice and goes back to the page it was made on
     * (the {@code Referer}, which our Referrer-Policy sends for this site's pages only).
     */
    private static void chooseLanguage(Visit visit, ServerRequest req, ServerResponse res) {
        Optional<Texts.Language> language = req.query().first("to").asOptional().flatMap(Texts.Language::of);
        if (language.isEmpty()) {
            throw new NotFound(visit.texts().get("errors.no-language"));
        }
        WebSessions.chooseLanguage(res, language.get());
        String back = req.headers().first(HeaderNames.REFERER).map(Website::pathOf).orElse("/");
        redirect(res, safeNext(back));
    }

    /** The path and query of a URL (a Referer), for sending the visitor back on this site only. */
    private static String pathOf(String url) {
        try {
            java.net.URI uri = java.net.URI.create(url);
            return uri.getRawPath() == null ? "/" : uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        } catch (IllegalArgumentException e) {
            return "/";
        }
    }

    /** A GET page. */
    @FunctionalInterface
    interface Page {
        void handle(Visit visit, ServerRequest req, ServerResponse res);
    }

    /** A form's POST, run only once its CSRF token checked out. */
    @FunctionalInterface
    interface Action {
        void handle(Visit visit, Form form, ServerRequest req, ServerResponse res);
    }

    /** A url-encoded form body: the first value of each field. */
    record Form(Map<String, String> fields) {
        Optional<String> get(String name) {
            return Optional.ofNullable(fields.get(name));
        }

        String text(String name) {
            return fields.getOrDefault(name, "");
        }

        /** Whether any field holds a control character other than a tab or a line break (NUL, say): no field of ours takes one. */
        boolean hasControlCharacters() {
            return fields.entrySet().stream().anyMatch(f -> CONTROL.matcher(f.getKey()).find() || CONTROL.matcher(f.getValue()).find());
        }

        private static final java.util.regex.Pattern CONTROL = java.util.regex.Pattern.compile("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]");
    }

    /** A request for something that is not there, or not this visitor's: answered 404 in words. */
    static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A session's own budget (its address's is taken in front of every route): past it, a 429
     * page rather than the page, so one session cannot take the node's time from others. Counted
     * by the session cookie before the session is looked up, so that a refused request costs no
     * query; a visitor who makes up cookies gets nothing from it but its address's budget.
     */
    private boolean withinSessionBudget(ServerRequest req, ServerResponse res) {
        String token = WebSessions.cookies(req).get(WebSessions.SESSION_COOKIE);
        if (token == null) {
            return true;
        }
        // An export reads every movement of the account: it costs as much as ten pages.
        long cost = req.path().path().endsWith(".csv") ? 10 : 1;
        Optional<java.time.Duration> wait = rateLimits.takeSession(token, cost);
        if (wait.isEmpty()) {
            return true;
        }
        try {
            Thread.sleep(rateLimits.refusalDelay(wait.get())); // as the APIs do: a fast refusal would invite a faster flood
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
        res.header(HeaderNames.RETRY_AFTER, Long.toString(seconds));
        Texts t = WebSessions.texts(req);
        errorPage(res, Visit.anonymous(t), 429, t.get("errors.slow-down"), t.get("errors.slow-down.text", seconds));
        return false;
    }

    Handler page(boolean signedInOnly, Page page) {
        return (req, res) -> guarded(req, res, () -> {
            if (!withinSessionBudget(req, res)) {
                return;
            }
            Visit visit = sessions.visit(req, res);
            if (signedInOnly && !visit.signedIn()) {
                if (sessions.twoStepPending(req)) {
                    String next = req.path().rawPath() + (req.query().rawValue().isEmpty() ? "" : "?" + req.query().rawValue());
                    redirect(res, "/sign-in/code?next=" + java.net.URLEncoder.encode(next, StandardCharsets.UTF_8));
                    return;
                }
                if (req.path().path().endsWith("/events")) {
                    res.status(Status.UNAUTHORIZED_401).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").send("Sign in first.");
                    return;
                }
                String next = req.path().rawPath() + (req.query().rawValue().isEmpty() ? "" : "?" + req.query().rawValue());
                redirect(res, "/sign-in?next=" + java.net.URLEncoder.encode(next, StandardCharsets.UTF_8));
                return;
            }
            try {
                page.handle(visit, req, res);
            } catch (NotFound e) {
                notFound(res, visit, e);
            }
        });
    }

    Handler form(boolean signedInOnly, Action action) {
        return (req, res) -> guarded(req, res, () -> {
            if (!withinSessionBudget(req, res)) {
                return;
            }
            Visit visit = sessions.visit(req, res);
            Optional<Form> form = readForm(req);
            if (!visit.signedIn() && req.path().path().equals("/sign-out")) {
                sessions.signOut(req, res); // a session still waiting for its two-step code ends too
                redirect(res, "/"); // no live session to end: the visitor is signed out already
                return;
            }
            if (form.isEmpty() || !WebSessions.csrfValid(visit, form.get().get("csrf"))) {
                if (!visit.signedIn() && sessions.hadSession(req)) {
                    // The session ended (signed out elsewhere, or expired) since the page was shown:
                    // a new sign-in is what is needed, not a 403.
                    redirect(res, "/sign-in");
                    return;
                }
                errorPage(res, visit, 403, visit.texts().get("errors.form-expired"), visit.texts().get("errors.form-expired.text"));
                return;
            }
            if (signedInOnly && !visit.signedIn()) {
                redirect(res, "/sign-in");
                return;
            }
            if (form.get().hasControlCharacters()) {
                errorPage(res, visit, 400, visit.texts().get("errors.control-character"), visit.texts().get("errors.control-character.text"));
                return;
            }
            try {
                action.handle(visit, form.get(), req, res);
            } catch (NotFound e) {
                notFound(res, visit, e);
            }
        });
    }

    /** Security headers on every page, and errors shown as pages rather than stack traces. */
    private static void guarded(ServerRequest req, ServerResponse res, Runnable page) {
        res.header(HeaderNames.create("Content-Security-Policy"), CSP);
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.header(HeaderNames.create("Referrer-Policy"), "same-origin");
        res.header(HeaderNames.create("X-Frame-Options"), "DENY");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        try {
            page.run();
        } catch (NotFound e) {
            if (!res.isSent()) {
                Texts t = WebSessions.texts(req);
                errorPage(res, Visit.anonymous(t), 404, t.get("errors.not-found"), e.getMessage());
            }
        } catch (io.helidon.http.RequestException | io.helidon.webserver.ServerConnectionException e) {
            // An unreadable request (Helidon answers 400 and closes) or a client that went away
            // mid-answer: neither is a failure of ours, and neither leaves a response to write.
            throw e;
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "website failure on " + req.prologue().method().text() + " " + req.path().path(), e);
            if (!res.isSent()) {
                Texts t = WebSessions.texts(req);
                errorPage(res, Visit.anonymous(t), 500, t.get("errors.ours"), t.get("errors.ours.text"));
            }
        }
    }

    private static void notFound(ServerResponse res, Visit visit, NotFound e) {
        if (!res.isSent()) {
            errorPage(res, visit, 404, visit.texts().get("errors.not-found"), e.getMessage());
        }
    }

    /** An error as a page: {@code title} and {@code explanation} are already in the visitor's language (not escaped). */
    static void errorPage(ServerResponse res, Visit visit, int status, String title, String explanation) {
        send(res, status, Html.page(visit, title, "", "<h1>" + Html.escape(title) + "</h1>" + Html.notice("error", explanation)
                + "<p><a href=\"/\">" + Html.escape(visit.texts().get("errors.to-catalogue")) + "</a></p>"));
    }

    static void send(ServerResponse res, int status, String html) {
        res.status(Status.create(status)).header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .send(html.getBytes(StandardCharsets.UTF_8));
    }

    /** 303 See Other: after a POST, the browser GETs the result (a reload never repeats the POST). */
    static void redirect(ServerResponse res, String location) {
        res.status(Status.SEE_OTHER_303).header(HeaderNames.LOCATION, location).send();
    }

    /** A safe place to go after signing in: a path on this site, never another site. */
    static String safeNext(String next) {
        return next != null && next.matches("/(?![/\\\\])[\\w\\-./?=&%+]{0,200}") ? next : "/";
    }

    private static Optional<Form> readForm(ServerRequest req) {
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("").toLowerCase();
        if (!type.startsWith("application/x-www-form-urlencoded")) {
            return Optional.empty();
        }
        Optional<byte[]> read = dev.numpool.api.UnreadableBody.read(req, MAX_FORM_BYTES);
        if (read.isEmpty()) {
            return Optional.empty();
        }
        byte[] body = read.get();
        Map<String, String> fields = new LinkedHashMap<>();
        String text = new String(body, StandardCharsets.UTF_8);
        if (!text.isEmpty()) {
            try {
                for (String pair : text.split("&", 200)) {
                    int eq = pair.indexOf('=');
                    String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    fields.putIfAbsent(name, value);
                }
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        return Optional.of(new Form(fields));
    }
}
