package dev.numpool.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Mode;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Offer;
import dev.numpool.inventory.RoutingTrace;
import dev.numpool.inventory.Service;
import dev.numpool.orders.Activation;
import dev.numpool.orders.ActivationChange;
import dev.numpool.orders.ActivationStatus;
import dev.numpool.orders.Balance;
import dev.numpool.orders.IdempotencyKey;
import dev.numpool.orders.LateSmsPurchase;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.LiveEvent;
import dev.numpool.orders.OrderRequest;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Page;
import dev.numpool.orders.PlaceResult;
import dev.numpool.orders.SandboxSms;
import dev.numpool.orders.StoredResponse;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Buying and watching activations: the price confirmation, the order, the activation page with
 * its live code (server-sent events over the session), its buttons, and the history. Every
 * lookup is by (owner, id): another account's activation is "not found", exactly like an
 * unknown one. The state machine's rules are the {@link Orders} door's; this page only shows
 * which buttons the current state allows.
 */
final class ActivationPages {
    /** How long a second click on Buy waits for the first one's order: 20 × 250 ms. */
    private static final int DOUBLE_CLICK_WAITS = 20;
    private static final java.time.Duration DOUBLE_CLICK_PAUSE = java.time.Duration.ofMillis(250);
    private static final Logger LOG = Logger.getLogger(ActivationPages.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STREAM_LIFETIME = Duration.ofMinutes(30);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final Map<String, String> DONE = Map.of(
            "cancelled", "Cancelled. The price went back to your balance.",
            "finished", "Finished. Thank you!",
            "retry", "Asked for another code. It is free; it will appear here when it arrives.",
            "sms", "Sandbox SMS sent.",
            "late-sms", "Paid. The SMS that arrived after the refund is shown below.",
            "late-sms-shown", "This SMS was already paid for; nothing more was charged.");
    private static final Map<String, String> ERRORS = Map.of(
            "early-cancel", "It is too early to cancel: numbers can be cancelled once the countdown below ends.",
            "code-received", "A code already arrived, so this activation can no longer be cancelled. Finish it instead.",
            "no-code", "No code has arrived yet. Wait for the code, or cancel once the countdown ends.",
            "ended", "This activation has already ended.",
            "late-sms-balance", "Your balance is too low to read this SMS. Add credit on the Balance page, then try again.",
            "sms", "The sandbox SMS could not be sent: write 1 to 500 characters.",
            "busy", "Numpool is taking in as many SMS as it can right now, so this one was not sent. Send it again in a moment.");

    private final Orders orders;
    private final Inventory inventory;
    private final Ledger ledger;
    private final Clock clock;

    private final Orders.Settings settings;
    private final WebSessions sessions;

    ActivationPages(Orders orders, Orders.Settings settings, Inventory inventory, Ledger ledger, WebSessions sessions, Clock clock) {
        this.orders = orders;
        this.sessions = sessions;
        this.settings = settings;
        this.inventory = inventory;
        this.ledger = ledger;
        this.clock = clock;
    }

    // Buying ------------------------------------------------------------------------------------

    /** The price, stock and terms of one offer, with the button that buys it at that price. */
    void confirm(Visit visit, ServerRequest req, ServerResponse res) {
        Optional<Service> service = req.query().first("service").asOptional().flatMap(inventory::service);
        Optional<Country> country = req.query().first("country").asOptional().filter(c -> c.matches("[0-9]{1,6}"))
                .flatMap(c -> inventory.country(Integer.parseInt(c)));
        if (service.isEmpty() || country.isEmpty()) {
            throw new Website.NotFound("We do not sell that service or country. Pick an offer from the catalogue.");
        }
        Website.send(res, 200, confirmPage(visit, service.get(), country.get(), Optional.empty()));
    }

    private String confirmPage(Visit visit, Service service, Country country, Optional<String> error) {
        Optional<Offer> offer = inventory.offers(Optional.of(service), Optional.of(country), Mode.of(visit.testMode())).stream().findFirst();
        Balance balance = ledger.balance(visit.owner());
        String title = service.name() + " number in " + country.name();
        String body;
        if (offer.isEmpty()) {
            body = Html.notice("error", "No numbers for " + service.name() + " in " + country.name()
                    + " right now. Try another country, or come back in a few minutes.") + "<p><a href=\"/\">Back to the catalogue</a></p>";
        } else {
            Offer o = offer.get();
            boolean enough = balance.availableMicros() >= o.priceMicros();
            body = """
                    <dl class="facts">
                    <dt>Price</dt><dd class="price">%s</dd>
                    <dt>In stock</dt><dd>%d numbers</dd>
                    <dt>Your balance</dt><dd>%s</dd>
                    </dl>
                    <p>The price is held from your balance now and charged only if a code arrives. The number is yours for %s;
                    you can cancel it (and get the money back) from %s after buying until a code arrives, and with no code in time
                    the money goes back by itself.</p>
                    %s
                    <form method="post" action="/buy" class="stack">
                    %s
                    <input type="hidden" name="service" value="%s">
                    <input type="hidden" name="country" value="%d">
                    <input type="hidden" name="price" value="%d">
                    <input type="hidden" name="key" value="%s">
                    <button type="submit" class="primary"%s>Buy for %s</button>
                    </form>
                    <p><a href="/">Back to the catalogue</a></p>
                    """.formatted(Html.money(o.priceMicros(), o.currency()), o.stock(), Html.money(balance.availableMicros(), balance.currency()),
                    Html.duration(settings.window()), Html.duration(settings.earlyCancel()), enough ? "" : Html.notice("error", "Your balance is too low for this number. Add credit on the Balance page."),
                    Html.csrfField(visit), Html.escape(service.code()), country.id(), o.priceMicros(), UUID.randomUUID(),
                    enough ? "" : " disabled", Html.money(o.priceMicros(), o.currency()));
        }
        return Html.page(visit, "Confirm: " + title, "/", "<h1>" + Html.escape(title) + "</h1>"
                + error.map(e -> Html.notice("error", e)).orElse("") + body);
    }

    /** Places the order at most at the confirmed price, under the form's idempotency key (a double click buys once). */
    void buy(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Optional<Service> service = form.get("service").flatMap(inventory::service);
        Optional<Country> country = form.get("country").filter(c -> c.matches("[0-9]{1,6}")).flatMap(c -> inventory.country(Integer.parseInt(c)));
        OptionalLong price = form.text("price").matches("[0-9]{1,13}") ? OptionalLong.of(Long.parseLong(form.text("price"))) : OptionalLong.empty();
        Optional<IdempotencyKey> key = form.get("key").filter(k -> k.matches("[0-9a-f-]{36}")).flatMap(k -> IdempotencyKey.of("web-" + k));
        if (service.isEmpty() || country.isEmpty() || price.isEmpty() || !OrderRequest.validMaxPrice(price.getAsLong()) || key.isEmpty()) {
            throw new Website.NotFound("That offer does not exist. Pick one from the catalogue.");
        }
        OrderRequest order = new OrderRequest(service.get(), country.get(), "any", price, List.of());
        byte[] fingerprint = Orders.fingerprint("POST", "/buy",
                (service.get().code() + "&" + country.get().id() + "&" + price.getAsLong()).getBytes(StandardCharsets.UTF_8));
        PlaceResult result = orders.place(visit.owner(), order, key.get(), fingerprint,
                a -> new StoredResponse(303, ("/activations/" + a.id()).getBytes(StandardCharsets.UTF_8)));
        // A double click: the browser shows the answer to the second POST, so that answer must be
        // the first one's activation, not an error with a fresh Buy button. Wait for it, bounded.
        for (int wait = 0; result instanceof PlaceResult.InProgress && wait < DOUBLE_CLICK_WAITS; wait++) {
            try {
                Thread.sleep(DOUBLE_CLICK_PAUSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            result = orders.place(visit.owner(), order, key.get(), fingerprint,
                    a -> new StoredResponse(303, ("/activations/" + a.id()).getBytes(StandardCharsets.UTF_8)));
        }
        if (result instanceof PlaceResult.InProgress) {
            Website.send(res, 409, Html.page(visit, "Order being placed", "/activations", "<h1>Your order is being placed</h1>"
                    + Html.notice("ok", "It is taking longer than usual. Nothing more is needed from you: it appears among your activations in a moment.")
                    + "<p><a href=\"/activations\">Open your activations</a></p>"));
            return;
        }
        String error = switch (result) {
            case PlaceResult.Placed placed -> {
                Website.redirect(res, "/activations/" + placed.activation().id());
                yield null;
            }
            case PlaceResult.Replayed replayed -> {
                Website.redirect(res, new String(replayed.response().body(), StandardCharsets.UTF_8));
                yield null;
            }
            case PlaceResult.PriceAboveMax above -> "The price has just changed to " + Money.format(above.minimumPriceMicros()) + " "
                    + inventory.currency() + ". Nothing was bought: check the new price and confirm again.";
            case PlaceResult.NoNumbers none -> "The last numbers for this offer were just sold. Nothing was charged: try again in a moment or pick another country.";
            case PlaceResult.InsufficientBalance poor -> "This number costs " + Money.format(poor.priceMicros()) + " and your balance is "
                    + Money.format(poor.availableMicros()) + ". Add credit on the Balance page, then try again.";
            case PlaceResult.TooManyLive many -> "You already have " + many.limit() + " activations running. Finish or cancel some first.";
            case PlaceResult.InProgress busy -> throw new IllegalStateException("answered above");
            case PlaceResult.KeyReused reused -> "This form was already used for another order. Go back to the catalogue and start again.";
        };
        if (error != null) {
            Website.send(res, 409, confirmPage(visit, service.get(), country.get(), Optional.of(error)));
        }
    }

    // One activation ----------------------------------------------------------------------------

    void activation(Visit visit, ServerRequest req, ServerResponse res) {
        Activation a = owned(visit, req);
        String service = inventory.service(a.service()).map(Service::name).orElse(a.service());
        String country = inventory.country(a.country()).map(Country::name).orElse(String.valueOf(a.country()));
        String done = req.query().first("done").asOptional().map(DONE::get).map(t -> Html.notice("ok", t)).orElse("");
        String error = req.query().first("error").asOptional().map(ERRORS::get).map(t -> Html.notice("error", t)).orElse("");
        String sandboxForm = visit.playMoney() && a.status().live() ? """
                <details class="sandbox-tools"><summary>Sandbox: simulate an SMS</summary>
                <form method="post" action="/activations/%d/sandbox-sms" class="stack">%s
                <label for="sms-text">SMS text</label>
                <input id="sms-text" name="text" value="Your %s code is 482913" maxlength="500">
                <button type="submit">Send this SMS to the number</button></form></details>
                """.formatted(a.id(), Html.csrfField(visit), Html.escape(service)) : "";
        String main = """
                <div id="activation" data-id="%d" data-events="/activations/%d/events" data-now="%d" data-cancellable-at="%d" data-expires-at="%d"
                 data-live="%s" data-can-finish="%s" data-can-retry="%s" data-cancel-when-due="%s">
                <h1>%s in %s</h1>
                %s%s
                <section class="number" aria-label="Your number">
                <p class="phone"><span id="phone" data-e164="%s">%s</span>
                <button type="button" id="copy" data-copy="%s">Copy number</button></p>
                <p id="copied" class="hint" role="status"></p>
                <p>Status: <strong id="status">%s</strong> · Price %s</p>
                <p class="timers"><span id="expires">%s</span> <span id="cancel-timer">%s</span></p>
                </section>
                <section aria-labelledby="codes-title">
                <h2 id="codes-title">Codes</h2>
                <div id="codes" aria-live="polite">%s</div>
                </section>
                <div class="actions">
                <form method="post" action="/activations/%d/retry">%s<button type="submit" id="retry"%s>Another code</button></form>
                <form method="post" action="/activations/%d/finish">%s<button type="submit" id="finish" class="primary"%s>Finish</button></form>
                <form method="post" action="/activations/%d/cancel">%s<button type="submit" id="cancel"%s>Cancel and refund</button></form>
                </div>
                %s
                <section aria-labelledby="routing-title">
                <h2 id="routing-title">Where your number came from</h2>
                %s
                </section>
                </div>
                """.formatted(a.id(), a.id(), clock.millis(), a.cancellableAt().toEpochMilli(), a.expiresAt().toEpochMilli(),
                a.status().live(), a.canFinish(), a.canRequestAnotherCode(), a.status() == ActivationStatus.WAITING_CODE,
                Html.escape(service), Html.escape(country), done, error,
                Html.escape(a.phone().e164()), Html.escape(a.phone().international()), Html.escape(a.phone().e164()),
                Html.escape(statusText(a)), Html.money(a.priceMicros(), a.currency()),
                a.status().live() ? "Expires at " + Html.when(a.expiresAt()) + "." : "Ended " + a.endedAt().map(Html::when).orElse("") + ".",
                a.status() == ActivationStatus.WAITING_CODE && clock.instant().isBefore(a.cancellableAt())
                        ? "Cancel possible from " + Html.when(a.cancellableAt()) + "." : "",
                codes(visit, a),
                a.id(), Html.csrfField(visit), disabled(a.canRequestAnotherCode()),
                a.id(), Html.csrfField(visit), disabled(a.canFinish()),
                a.id(), Html.csrfField(visit), disabled(a.canCancel(clock.instant())),
                sandboxForm, PlainTrace.words(a.routing(), inventory::displayName));
        Website.send(res, 200, Html.page(visit, "Activation " + a.id(), "/activations", main));
    }

    private static String disabled(boolean enabled) {
        return enabled ? "" : " disabled";
    }


    private static String statusText(Activation a) {
        return switch (a.status()) {
            case WAITING_CODE -> "Waiting for the SMS";
            case CODE_RECEIVED -> a.awaitingAnotherCode() ? "Code received; waiting for another" : "Code received";
            case FINISHED -> "Finished";
            case CANCELLED -> "Cancelled and refunded";
            case EXPIRED -> "Expired without a code and refunded";
        };
    }

    private static String codes(Visit visit, Activation a) {
        if (a.messages().isEmpty()) {
            return "<p class=\"empty\">" + (a.status().live() ? "Waiting for the SMS… the code appears here by itself." : "No SMS arrived.") + "</p>";
        }
        StringBuilder out = new StringBuilder("<ol class=\"messages\">");
        for (Activation.Message m : a.messages()) {
            if (m.withheld()) {
                // It came after the refund: reading it is a purchase of its own, never free.
                out.append("<li class=\"withheld\"><p>An SMS arrived after the refund. Its text is kept for you: pay ")
                        .append(Html.money(a.priceMicros(), a.currency())).append(" to read it.</p><form method=\"post\" action=\"/activations/")
                        .append(a.id()).append("/messages/").append(m.id()).append("/buy\">").append(Html.csrfField(visit))
                        .append("<button type=\"submit\" class=\"buy-late\">Pay ").append(Html.money(a.priceMicros(), a.currency()))
                        .append(" and read it</button></form><p class=\"hint\">From ").append(Html.escape(m.sender())).append(" at ")
                        .append(Html.when(m.receivedAt())).append("</p></li>");
                continue;
            }
            out.append("<li><p class=\"code\">").append(Html.escape(m.code().orElse("no code found")))
                    .append("</p><p class=\"sms\">").append(Html.escape(m.text())).append("</p><p class=\"hint\">From ")
                    .append(Html.escape(m.sender())).append(" at ").append(Html.when(m.receivedAt())).append(m.late() ? " (after the end)" : "")
                    .append("</p></li>");
        }
        return out.append("</ol>").toString();
    }

    /** The trace in words and tables (the console shows it too). */
    static String routing(RoutingTrace trace) {
        StringBuilder out = new StringBuilder("<p>").append(Html.escape(trace.decision())).append("</p>");
        if (!trace.attempts().isEmpty()) {
            out.append("<table class=\"compact\"><thead><tr><th scope=\"col\">Provider</th><th scope=\"col\">Outcome</th><th scope=\"col\" class=\"num\">Time</th></tr></thead><tbody>");
            for (RoutingTrace.Attempt t : trace.attempts()) {
                out.append("<tr><td>").append(Html.escape(t.provider())).append("</td><td>").append(Html.escape(t.outcome()))
                        .append("</td><td class=\"num\">").append(t.durationMillis()).append(" ms</td></tr>");
            }
            out.append("</tbody></table>");
        }
        if (!trace.considered().isEmpty()) {
            out.append("<details><summary>Providers considered (").append(trace.considered().size()).append(")</summary><ul>");
            for (RoutingTrace.Candidate c : trace.considered()) {
                out.append("<li>").append(Html.escape(c.provider())).append(": ").append(Html.escape(Money.format(c.priceMicros())))
                        .append(", ").append(c.stock()).append(" in stock, delivery ").append(c.deliveryRatePercent()).append(" %, circuit ")
                        .append(Html.escape(c.circuit())).append("</li>");
            }
            out.append("</ul></details>");
        }
        return out.toString();
    }

    /**
     * The activation's live state as server-sent events over the session: a {@code state} event
     * now, and again after every change (from any node). The page's script renders each one.
     */
    void events(Visit visit, ServerRequest req, ServerResponse res) {
        int id = activationId(req);
        Optional<Orders.Follow> opened = orders.follow(visit.owner(), Optional.of(id));
        if (opened.isEmpty()) {
            // Too many open tabs or streams: the page still works, it just does not update by itself.
            res.status(io.helidon.http.Status.TOO_MANY_REQUESTS_429).header(io.helidon.http.HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .send("Too many live pages are open; reload to see changes.");
            return;
        }
        try (Orders.Follow follow = opened.get()) {
            Activation now = orders.activation(visit.owner(), id).orElseThrow(() -> new Website.NotFound("No such activation."));
            long until = System.nanoTime() + STREAM_LIFETIME.toNanos();
            try (SseSink sink = res.sink(SseSink.TYPE)) {
                sink.emit(SseEvent.builder().name("state").data(state(now).toString()).build());
                boolean live = now.status().live();
                // The session was checked when the stream opened; it is checked again at every
                // event and keep-alive, so a sign-out elsewhere or an expiry ends the stream too.
                while (live && System.nanoTime() < until && sessions.stillSignedIn(req)) {
                    Optional<LiveEvent> event = follow.next(KEEP_ALIVE);
                    if (event.isEmpty()) {
                        sink.emit(SseEvent.builder().comment("keep-alive").build());
                        continue;
                    }
                    Optional<Activation> current = orders.activation(visit.owner(), id);
                    if (current.isPresent()) {
                        sink.emit(SseEvent.builder().name("state").data(state(current.get()).toString()).build());
                        live = current.get().status().live(); // an ended activation has nothing more to say
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "website live stream ended", e); // the page went away; EventSource reconnects if it is still open
            }
        }
    }

    private ObjectNode state(Activation a) {
        ObjectNode n = JSON.createObjectNode().put("status", a.status().wire()).put("statusText", statusText(a))
                .put("live", a.status().live()).put("canFinish", a.canFinish()).put("canRetry", a.canRequestAnotherCode())
                .put("cancelWhenDue", a.status() == ActivationStatus.WAITING_CODE)
                .put("now", clock.millis()).put("cancellableAt", a.cancellableAt().toEpochMilli()).put("expiresAt", a.expiresAt().toEpochMilli());
        ArrayNode messages = n.putArray("messages");
        for (Activation.Message m : a.messages()) {
            messages.addObject().put("code", m.code().orElse(null)).put("text", m.text()).put("sender", m.sender())
                    .put("at", Html.when(m.receivedAt())).put("late", m.late()).put("withheld", m.withheld());
        }
        return n;
    }

    /** Pays for an SMS that came after the refund, then shows the page with it (a second click pays nothing). */
    void buyLateSms(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        int id = activationId(req);
        String raw = req.path().pathParameters().get("messageId");
        if (!raw.matches("[0-9]{1,18}")) {
            throw new Website.NotFound("We found no such message on your activation " + id + ".");
        }
        String outcome = switch (orders.buyLateSms(visit.owner(), id, Long.parseLong(raw))) {
            case LateSmsPurchase.Bought bought -> "done=late-sms";
            case LateSmsPurchase.AlreadyShown shown -> "done=late-sms-shown";
            case LateSmsPurchase.InsufficientBalance poor -> "error=late-sms-balance";
            case LateSmsPurchase.NotFound nf -> throw new Website.NotFound("We found no such message on your activation " + id + ".");
        };
        Website.redirect(res, "/activations/" + id + "?" + outcome);
    }

    void cancel(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        change(visit, req, res, orders::cancel, "cancelled");
    }

    void finish(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        change(visit, req, res, orders::finish, "finished");
    }

    void retry(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        change(visit, req, res, orders::requestAnotherCode, "retry");
    }

    private void change(Visit visit, ServerRequest req, ServerResponse res,
                        BiFunction<dev.numpool.orders.AccountId, Integer, ActivationChange> action, String done) {
        int id = activationId(req);
        String outcome = switch (action.apply(visit.owner(), id)) {
            case ActivationChange.Changed c -> "done=" + done;
            case ActivationChange.NotFound nf -> throw new Website.NotFound("We found no activation " + id + " on your account.");
            case ActivationChange.EarlyCancelDenied early -> "error=early-cancel";
            case ActivationChange.CodeAlreadyReceived code -> "error=code-received";
            case ActivationChange.NoCodeYet none -> "error=no-code";
            case ActivationChange.AlreadyEnded ended -> "error=ended";
        };
        Website.redirect(res, "/activations/" + id + "?" + outcome);
    }

    /** Sandbox only: an SMS into the owner's simulated number, through the same intake a provider's SMS takes. */
    void sandboxSms(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        int id = activationId(req);
        String text = form.text("text").strip();
        if (!visit.playMoney()) {
            throw new Website.NotFound("SMS can be simulated in the sandbox or in test mode only.");
        }
        if (text.isEmpty() || text.length() > 500 || text.chars().anyMatch(c -> c < 0x20 && c != '\n')) {
            Website.redirect(res, "/activations/" + id + "?error=sms");
            return;
        }
        switch (orders.injectSandboxSms(visit.owner(), id, "Sandbox", text)) {
            case SandboxSms.Delivered d -> Website.redirect(res, "/activations/" + id + "?done=sms");
            case SandboxSms.NotFound nf -> throw new Website.NotFound("We found no activation " + id + " on your account.");
            case SandboxSms.NotSimulated ns -> Website.redirect(res, "/activations/" + id + "?error=sms");
            case SandboxSms.Busy busy -> Website.redirect(res, "/activations/" + id + "?error=busy");
        }
    }

    // History -----------------------------------------------------------------------------------

    void history(Visit visit, ServerRequest req, ServerResponse res) {
        Optional<ActivationStatus> status = req.query().first("status").asOptional().flatMap(ActivationStatus::fromWire);
        Optional<String> cursor = req.query().first("cursor").asOptional().filter(Orders::validCursor);
        Page<Activation> page = orders.activations(visit.owner(), status, 25, cursor);
        StringBuilder rows = new StringBuilder();
        for (Activation a : page.items()) {
            rows.append("<tr><td data-label=\"Activation\"><a href=\"/activations/").append(a.id()).append("\">#").append(a.id())
                    .append("</a></td><td data-label=\"Service\">").append(Html.escape(inventory.service(a.service()).map(Service::name).orElse(a.service())))
                    .append("</td><td data-label=\"Country\">").append(Html.escape(inventory.country(a.country()).map(Country::name).orElse("")))
                    .append("</td><td data-label=\"Number\">").append(Html.escape(a.phone().international()))
                    .append("</td><td data-label=\"Status\">").append(Html.escape(statusText(a)))
                    .append("</td><td data-label=\"Price\" class=\"num\">").append(Html.money(a.priceMicros(), a.currency()))
                    .append("</td><td data-label=\"Bought\">").append(Html.when(a.createdAt())).append("</td></tr>");
        }
        StringBuilder options = new StringBuilder("<option value=\"\">All</option>");
        for (ActivationStatus s : ActivationStatus.values()) {
            options.append("<option value=\"").append(s.wire()).append("\"").append(status.filter(s::equals).isPresent() ? " selected" : "")
                    .append(">").append(Html.escape(switch (s) {
                        case WAITING_CODE -> "Waiting for the SMS";
                        case CODE_RECEIVED -> "Code received";
                        case FINISHED -> "Finished";
                        case CANCELLED -> "Cancelled";
                        case EXPIRED -> "Expired";
                    })).append("</option>");
        }
        String more = page.nextCursor().map(c -> "<nav class=\"pager\" aria-label=\"Pages\"><a href=\"/activations?"
                + status.map(s -> "status=" + s.wire() + "&amp;").orElse("") + "cursor=" + Html.escape(c) + "\">Older activations →</a></nav>").orElse("");
        String main = """
                <h1>Your activations</h1>
                <form class="search" method="get" action="/activations">
                <label for="status">Show</label>
                <select id="status" name="status">%s</select>
                <button type="submit">Filter</button>
                </form>
                %s
                %s
                """.formatted(options, page.items().isEmpty()
                        ? "<p class=\"empty\">No activations" + (status.isPresent() ? " with this status" : " yet") + ". <a href=\"/\">Buy one in the catalogue</a>.</p>"
                        : "<table class=\"offers\"><thead><tr><th scope=\"col\">Activation</th><th scope=\"col\">Service</th><th scope=\"col\">Country</th>"
                        + "<th scope=\"col\">Number</th><th scope=\"col\">Status</th><th scope=\"col\" class=\"num\">Price</th><th scope=\"col\">Bought</th></tr></thead><tbody>"
                        + rows + "</tbody></table>", more);
        Website.send(res, 200, Html.page(visit, "Activations", "/activations", main));
    }

    private Activation owned(Visit visit, ServerRequest req) {
        int id = activationId(req);
        return orders.activation(visit.owner(), id)
                .orElseThrow(() -> new Website.NotFound("We found no activation " + id + " on your account. Check the link, or open your activations."));
    }

    private static int activationId(ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        if (raw == null || !raw.matches("[0-9]{1,10}") || Long.parseLong(raw) > Integer.MAX_VALUE) {
            throw new Website.NotFound("We found no activation with that number.");
        }
        return Integer.parseInt(raw);
    }
}
