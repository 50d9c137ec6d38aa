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
import dev.numpool.orders.RetryGuard;
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
import java.util.function.Function;
import java.util.function.Supplier;
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
    /** What a button did ({@code ?done=}, a wire token) → the text that says so. */
    private static final Map<String, String> DONE = Map.of(
            "cancelled", "activation.done.cancelled",
            "finished", "activation.done.finished",
            "retry", "activation.done.retry",
            "sms", "activation.done.sms",
            "late-sms", "activation.done.late-sms",
            "late-sms-shown", "activation.done.late-sms-shown");
    /** Why a button did nothing ({@code ?error=}, a wire token) → the text that says so. */
    private static final Map<String, String> ERRORS = Map.of(
            "early-cancel", "activation.error.early-cancel",
            "code-received", "activation.error.code-received",
            "no-code", "activation.error.no-code",
            "ended", "activation.error.ended",
            "late-sms-balance", "activation.error.late-sms-balance",
            "sms", "activation.error.sms",
            "busy", "activation.error.busy");

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
            throw new Website.NotFound(visit.texts().get("activation.no-such-service"));
        }
        Website.send(res, 200, confirmPage(visit, service.get(), country.get(), Optional.empty()));
    }

    private String confirmPage(Visit visit, Service service, Country country, Optional<String> error) {
        Optional<Offer> offer = inventory.offers(Optional.of(service), Optional.of(country), Mode.of(visit.testMode())).stream().findFirst();
        Texts t = visit.texts();
        String countryName = countryName(t, country);
        String title = t.get("activation.confirm.heading", service.name(), countryName);
        String back = "<p><a href=\"/\">" + Html.escape(t.get("activation.back-to-catalogue")) + "</a></p>";
        String body;
        if (offer.isEmpty()) {
            body = Html.notice("error", t.get("activation.confirm.no-numbers", service.name(), countryName)) + back;
        } else {
            Offer o = offer.get();
            Balance balance = ledger.balance(visit.owner());
            body = purchaseForm(visit, balance, "", o.priceMicros(), o.currency(), fact(t.get("activation.confirm.in-stock"), t.get("activation.confirm.stock", o.stock())),
                    t.get("activation.confirm.terms", t.duration(settings.window()), t.duration(settings.earlyCancel())), "/buy", offerFields(service, country),
                    t.get("activation.confirm.buy", t.money(o.priceMicros(), o.currency()))) + operators(visit, balance, service, country) + back;
        }
        return Html.page(visit, t.get("activation.confirm.title", title), "/", "<h1>" + Html.escape(title) + "</h1>"
                + error.map(e -> Html.notice("error", e)).orElse("") + body);
    }

    /**
     * A price to confirm: the facts around it and the visitor's balance, the terms, and the one
     * button that buys at that price, disabled with a notice when the balance falls short.
     * {@code fields} are the form's own hidden fields.
     */
    private static String purchaseForm(Visit visit, Balance balance, String factsBefore, long priceMicros, String currency, String factsAfter,
                                       String terms, String action, String fields, String button) {
        Texts t = visit.texts();
        boolean enough = balance.availableMicros() >= priceMicros;
        return """
                <dl class="facts">
                %s<dt>%s</dt><dd class="price">%s</dd>
                %s<dt>%s</dt><dd>%s</dd>
                </dl>
                <p>%s</p>
                %s
                """.formatted(factsBefore, Html.escape(t.get("activation.confirm.price")), Html.escape(t.money(priceMicros, currency)),
                factsAfter, Html.escape(t.get("activation.confirm.your-balance")), Html.escape(t.money(balance.availableMicros(), balance.currency())),
                Html.escape(terms), enough ? "" : Html.notice("error", t.get("activation.confirm.too-low")))
                + buyForm(visit, action, "stack", fields, priceMicros, enough, "primary", button);
    }

    /**
     * A form of one button that buys at {@code priceMicros} at most under a fresh order key, so a
     * double click buys once.
     */
    private static String buyForm(Visit visit, String action, String formClass, String fields, long priceMicros, boolean enabled,
                                  String buttonClass, String label) {
        return """
                <form method="post" action="%s" class="%s">%s
                %s<input type="hidden" name="price" value="%d">
                <input type="hidden" name="key" value="%s">
                <button type="submit"%s%s>%s</button></form>
                """.formatted(action, formClass, Html.csrfField(visit), fields, priceMicros, UUID.randomUUID(),
                buttonClass.isEmpty() ? "" : " class=\"" + buttonClass + "\"", enabled ? "" : " disabled", Html.escape(label));
    }

    /** The hidden fields that name an offer in a buy form. */
    private static String offerFields(Service service, Country country) {
        return "<input type=\"hidden\" name=\"service\" value=\"" + Html.escape(service.code()) + "\">\n"
                + "<input type=\"hidden\" name=\"country\" value=\"" + country.id() + "\">\n";
    }

    /**
     * The operators that upstreams quote this offer through, each with its own price and a button
     * that buys through it (a bot names one with {@code operator}; a person picks it here). Empty
     * when no provider sells by operator.
     */
    private String operators(Visit visit, Balance balance, Service service, Country country) {
        List<Inventory.OperatorOffer> offers = inventory.operatorOffers(Optional.of(service), Optional.of(country), Mode.of(visit.testMode()));
        if (offers.isEmpty()) {
            return "";
        }
        Texts t = visit.texts();
        StringBuilder rows = new StringBuilder();
        for (Inventory.OperatorOffer o : offers) {
            String price = t.money(o.priceMicros(), o.currency());
            rows.append("<tr><td data-label=\"").append(Html.escape(t.get("activation.confirm.operator"))).append("\">").append(Html.escape(o.operator()))
                    .append("</td><td data-label=\"").append(Html.escape(t.get("activation.confirm.price"))).append("\" class=\"num\">").append(Html.escape(price))
                    .append("</td><td data-label=\"").append(Html.escape(t.get("activation.confirm.in-stock"))).append("\" class=\"num\">").append(o.stock())
                    .append("</td><td class=\"act\">")
                    .append(buyForm(visit, "/buy", "inline", offerFields(service, country) + "<input type=\"hidden\" name=\"operator\" value=\""
                            + Html.escape(o.operator()) + "\">\n", o.priceMicros(), balance.availableMicros() >= o.priceMicros(), "",
                            t.get("activation.confirm.buy-from", o.operator(), price)))
                    .append("</td></tr>");
        }
        return """
                <section aria-labelledby="operators-title">
                <h2 id="operators-title">%s</h2>
                <table class="offers"><caption>%s</caption><thead><tr><th scope="col">%s</th><th scope="col" class="num">%s</th>
                <th scope="col" class="num">%s</th><th scope="col">%s</th></tr></thead><tbody>%s</tbody></table>
                </section>
                """.formatted(Html.escape(t.get("activation.confirm.operators")),
                Html.escape(t.get("activation.confirm.operators.caption", service.name(), countryName(t, country))),
                Html.escape(t.get("activation.confirm.operator")), Html.escape(t.get("activation.confirm.price")),
                Html.escape(t.get("activation.confirm.in-stock")), Html.escape(t.get("activation.confirm.operators.buy")), rows);
    }

    /** One line of a purchase's facts. */
    private static String fact(String label, String value) {
        return "<dt>" + Html.escape(label) + "</dt><dd>" + Html.escape(value) + "</dd>\n";
    }

    /** Places the order at most at the confirmed price, under the form's idempotency key (a double click buys once). */
    void buy(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Optional<Service> service = form.get("service").flatMap(inventory::service);
        Optional<Country> country = form.get("country").filter(c -> c.matches("[0-9]{1,6}")).flatMap(c -> inventory.country(Integer.parseInt(c)));
        OptionalLong price = form.text("price").matches("[0-9]{1,13}") ? OptionalLong.of(Long.parseLong(form.text("price"))) : OptionalLong.empty();
        Optional<IdempotencyKey> key = form.get("key").filter(k -> k.matches("[0-9a-f-]{36}")).flatMap(k -> IdempotencyKey.of("web-" + k));
        String operator = form.get("operator").orElse("any");
        if (service.isEmpty() || country.isEmpty() || price.isEmpty() || !OrderRequest.validMaxPrice(price.getAsLong()) || key.isEmpty()
                || !OrderRequest.validOperator(operator)) {
            throw new Website.NotFound(visit.texts().get("activation.no-such-offer"));
        }
        OrderRequest order = new OrderRequest(service.get(), country.get(), operator, price, List.of());
        byte[] fingerprint = Orders.fingerprint("POST", "/buy", (service.get().code() + "&" + country.get().id() + "&" + price.getAsLong()
                + (operator.equals("any") ? "" : "&" + operator)).getBytes(StandardCharsets.UTF_8));
        Supplier<PlaceResult> place = () -> orders.place(visit.owner(), order, key.get(), fingerprint, ActivationPages::goToActivation);
        Optional<String> error = answerPlacement(visit, res, place.get(), () -> Optional.of(place.get()), t -> t.get("activation.buy.sold-out"));
        if (error.isPresent()) {
            Website.send(res, 409, confirmPage(visit, service.get(), country.get(), error));
        }
    }

    private static StoredResponse goToActivation(Activation a) {
        return new StoredResponse(303, ("/activations/" + a.id()).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Answers a form's order with its activation, or returns why it was not placed. A double
     * click: the browser shows the answer to the second POST, so that answer must be the first
     * one's activation, not an error with a fresh button; while the first is in progress it asks
     * {@code again}, bounded, and stops when that can no longer reach the order (empty): then the
     * page says the order is still being placed, which it is.
     */
    private Optional<String> answerPlacement(Visit visit, ServerResponse res, PlaceResult first, Supplier<Optional<PlaceResult>> again,
                                             Function<Texts, String> noNumbers) {
        PlaceResult result = first;
        for (int wait = 0; result instanceof PlaceResult.InProgress && wait < DOUBLE_CLICK_WAITS; wait++) {
            try {
                Thread.sleep(DOUBLE_CLICK_PAUSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            Optional<PlaceResult> next = again.get();
            if (next.isEmpty()) {
                break;
            }
            result = next.get();
        }
        Texts t = visit.texts();
        if (result instanceof PlaceResult.InProgress) {
            Website.send(res, 409, Html.page(visit, t.get("activation.placing.title"), "/activations",
                    "<h1>" + Html.escape(t.get("activation.placing.heading")) + "</h1>" + Html.notice("ok", t.get("activation.placing.text"))
                    + "<p><a href=\"/activations\">" + Html.escape(t.get("activation.placing.open")) + "</a></p>"));
            return Optional.empty();
        }
        return Optional.ofNullable(switch (result) {
            case PlaceResult.Placed placed -> {
                Website.redirect(res, "/activations/" + placed.activation().id());
                yield null;
            }
            case PlaceResult.Replayed replayed -> {
                Website.redirect(res, new String(replayed.response().body(), StandardCharsets.UTF_8));
                yield null;
            }
            case PlaceResult.PriceAboveMax above -> t.get("activation.buy.price-changed", t.money(above.minimumPriceMicros(), inventory.currency()));
            case PlaceResult.NoNumbers none -> noNumbers.apply(t);
            case PlaceResult.InsufficientBalance poor -> t.get("activation.buy.too-poor", t.money(poor.priceMicros(), inventory.currency()),
                    t.money(poor.availableMicros(), inventory.currency())); // a balance is compared with prices in their currency
            case PlaceResult.TooManyLive many -> t.get("activation.buy.too-many-live", many.limit());
            case PlaceResult.InProgress busy -> throw new IllegalStateException("answered above");
            case PlaceResult.Duplicate duplicate -> throw new IllegalStateException("the website's orders have no duplicate window");
            case PlaceResult.KeyReused reused -> t.get("activation.buy.form-reused");
        });
    }

    // The same number again ---------------------------------------------------------------------

    /** The price of a finished activation's number bought again, from its provider, with the button that buys it at that price. */
    void again(Visit visit, ServerRequest req, ServerResponse res) {
        Website.send(res, 200, againPage(visit, activationId(visit, req), Optional.empty()));
    }

    private String againPage(Visit visit, int id, Optional<String> error) {
        Texts t = visit.texts();
        String back = "<p><a href=\"/activations/" + id + "\">" + Html.escape(t.get("activation.again.back")) + "</a></p>";
        String body = switch (orders.reuseOffer(visit.owner(), id)) {
            case Orders.ReuseOffer.NotFound none -> throw new Website.NotFound(t.get("activation.not-found", String.valueOf(id)));
            case Orders.ReuseOffer.NotReusable no -> Html.notice("error", t.get("activation.again.unavailable")) + back;
            case Orders.ReuseOffer.Available a -> purchaseForm(visit, ledger.balance(visit.owner()), fact(t.get("activation.your-number"), a.parent().phone().international()),
                    a.priceMicros(), a.currency(), "", t.get("activation.again.terms", t.duration(settings.window())), "/activations/" + id + "/again", "",
                    t.get("activation.again.buy", t.money(a.priceMicros(), a.currency()))) + back;
        };
        String title = t.get("activation.again.title", String.valueOf(id));
        return Html.page(visit, title, "/activations", "<h1>" + Html.escape(t.get("activation.again.heading")) + "</h1>"
                + error.map(e -> Html.notice("error", e)).orElse("") + body);
    }

    /** Buys the number again at most at the confirmed price, under the form's idempotency key (a double click buys once). */
    void buyAgain(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        int id = activationId(visit, req);
        OptionalLong price = form.text("price").matches("[0-9]{1,13}") ? OptionalLong.of(Long.parseLong(form.text("price"))) : OptionalLong.empty();
        Optional<IdempotencyKey> key = form.get("key").filter(k -> k.matches("[0-9a-f-]{36}")).flatMap(k -> IdempotencyKey.of("web-" + k));
        if (price.isEmpty() || !OrderRequest.validMaxPrice(price.getAsLong()) || key.isEmpty()) {
            throw new Website.NotFound(visit.texts().get("activation.no-such-offer"));
        }
        RetryGuard guard = new RetryGuard.Key(key.get(), Orders.fingerprint("POST", "/activations/" + id + "/again",
                String.valueOf(price.getAsLong()).getBytes(StandardCharsets.UTF_8)));
        Optional<String> error = switch (orders.reuse(visit.owner(), id, price, guard, ActivationPages::goToActivation)) {
            case Orders.ReuseResult.NotFound none -> throw new Website.NotFound(visit.texts().get("activation.not-found", String.valueOf(id)));
            case Orders.ReuseResult.NotReusable no -> Optional.of(visit.texts().get("activation.again.unavailable"));
            // A double click's second POST waits for the first's order (its key is claimed), like
            // Buy's; if the number stops being offered meanwhile (its window closed), it cannot ask.
            case Orders.ReuseResult.Ordered ordered -> answerPlacement(visit, res, ordered.result(),
                    () -> orders.reuse(visit.owner(), id, price, guard, ActivationPages::goToActivation) instanceof Orders.ReuseResult.Ordered o
                            ? Optional.of(o.result()) : Optional.empty(),
                    t -> t.get("activation.again.not-sold"));
        };
        if (error.isPresent()) {
            Website.send(res, 409, againPage(visit, id, error));
        }
    }

    // One activation ----------------------------------------------------------------------------

    void activation(Visit visit, ServerRequest req, ServerResponse res) {
        Activation a = owned(visit, req);
        Texts t = visit.texts();
        String service = inventory.service(a.service()).map(Service::name).orElse(a.service());
        String country = inventory.country(a.country()).map(c -> countryName(t, c)).orElse(String.valueOf(a.country()));
        String done = req.query().first("done").asOptional().map(DONE::get).map(k -> Html.notice("ok", t.get(k))).orElse("");
        String error = req.query().first("error").asOptional().map(ERRORS::get).map(k -> Html.notice("error", t.get(k))).orElse("");
        String sandboxForm = visit.playMoney() && a.status().live() ? """
                <details class="sandbox-tools"><summary>%s</summary>
                <form method="post" action="/activations/%d/sandbox-sms" class="stack">%s
                <label for="sms-text">%s</label>
                <input id="sms-text" name="text" value="%s" maxlength="500">
                <button type="submit">%s</button></form></details>
                """.formatted(Html.escape(t.get("activation.sandbox.summary")), a.id(), Html.csrfField(visit),
                Html.escape(t.get("activation.sandbox.text")), Html.escape(t.get("activation.sandbox.sample", service)),
                Html.escape(t.get("activation.sandbox.send"))) : "";
        String phone = a.phone().international();
        // Only the offer page asks the provider (an upstream's price check is a call of its own).
        String again = orders.mayBuyAgain(a)
                ? "<p><a href=\"/activations/" + a.id() + "/again\" id=\"again\">" + Html.escape(t.get("activation.again.link")) + "</a></p>" : "";
        // The page's script writes these as the activation changes (see site.js): in the page's
        // language, from here, with {0} where it puts the countdown.
        String liveTexts = Map.of("expires-in", "activation.live.expires-in", "window-ended", "activation.live.window-ended",
                        "cancel-in", "activation.live.cancel-in", "ended", "activation.live.ended", "withheld", "activation.live.withheld",
                        "no-code", "activation.codes.no-code").entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> " data-t-" + e.getKey() + "=\"" + Html.escape(t.get(e.getValue(), "{0}")) + "\"").collect(java.util.stream.Collectors.joining());
        String main = """
                <div id="activation" data-id="%d" data-events="/activations/%d/events" data-now="%d" data-cancellable-at="%d" data-expires-at="%d"
                 data-live="%s" data-can-finish="%s" data-can-retry="%s" data-cancel-when-due="%s"
                %s>
                <h1>%s</h1>
                %s%s
                <section class="number" aria-label="%s">
                <p class="phone"><span id="phone" data-e164="%s">%s</span>
                <button type="button" id="copy" data-copy="%s">%s</button></p>
                <p id="copied" class="hint" role="status"></p>
                <p>%s</p>
                <p class="timers"><span id="expires">%s</span> <span id="cancel-timer">%s</span></p>
                </section>
                <section aria-labelledby="codes-title">
                <h2 id="codes-title">%s</h2>
                <div id="codes" aria-live="polite">%s</div>
                </section>
                <div class="actions">
                <form method="post" action="/activations/%d/retry">%s<button type="submit" id="retry"%s>%s</button></form>
                <form method="post" action="/activations/%d/finish">%s<button type="submit" id="finish" class="primary"%s>%s</button></form>
                <form method="post" action="/activations/%d/cancel">%s<button type="submit" id="cancel"%s>%s</button></form>
                </div>
                %s
                <section aria-labelledby="routing-title">
                <h2 id="routing-title">%s</h2>
                %s
                </section>
                </div>
                """.formatted(a.id(), a.id(), clock.millis(), a.cancellableAt().toEpochMilli(), a.expiresAt().toEpochMilli(),
                a.status().live(), a.canFinish(), a.canRequestAnotherCode(), a.status() == ActivationStatus.WAITING_CODE, liveTexts,
                Html.escape(t.get("activation.heading", service, country)), done, error,
                Html.escape(t.get("activation.your-number")),
                Html.escape(a.phone().e164()), Html.escape(phone), Html.escape(a.phone().e164()),
                Html.escape(t.get("activation.copy-number")),
                // The status sits in the sentence where the language puts it, in the element the script updates.
                Html.escape(t.get("activation.status-line", STATUS_MARK, t.money(a.priceMicros(), a.currency())))
                        .replace(STATUS_MARK, "<strong id=\"status\">" + Html.escape(statusText(t, a)) + "</strong>"),
                Html.escape(a.status().live() ? t.get("activation.expires-at", t.when(a.expiresAt()))
                        : t.get("activation.ended-at", a.endedAt().map(t::when).orElse(""))),
                a.status() == ActivationStatus.WAITING_CODE && clock.instant().isBefore(a.cancellableAt())
                        ? Html.escape(t.get("activation.cancel-from", t.when(a.cancellableAt()))) : "",
                Html.escape(t.get("activation.codes")), codes(visit, a),
                a.id(), Html.csrfField(visit), disabled(a.canRequestAnotherCode()), Html.escape(t.get("activation.another-code")),
                a.id(), Html.csrfField(visit), disabled(a.canFinish()), Html.escape(t.get("activation.finish")),
                a.id(), Html.csrfField(visit), disabled(a.canCancel(clock.instant())), Html.escape(t.get("activation.cancel")),
                sandboxForm + again, Html.escape(t.get("activation.where-from")), PlainTrace.words(t, a.routing(), inventory::displayName));
        Website.send(res, 200, Html.page(visit, t.get("activation.title", String.valueOf(a.id())), "/activations", main));
    }

    /** Where a text's argument becomes markup: a private-use character no text or escaping produces. */
    private static final String STATUS_MARK = "\uE000";

    private static String disabled(boolean enabled) {
        return enabled ? "" : " disabled";
    }

    /**
     * A country as the visitor's language names it (CLDR, from its ISO code); in English, the
     * catalogue's own name, which is the one the catalogue and search show.
     */
    static String countryName(Texts t, Country country) {
        return t.language() == Texts.Language.EN ? country.name() : t.countryName(country.iso2());
    }

    private static String statusText(Texts t, Activation a) {
        return t.get(switch (a.status()) {
            case WAITING_CODE -> "activation.status.waiting-code";
            case CODE_RECEIVED -> a.awaitingAnotherCode() ? "activation.status.awaiting-another" : "activation.status.code-received";
            case FINISHED -> "activation.status.finished";
            case CANCELLED -> "activation.status.cancelled";
            case EXPIRED -> "activation.status.expired";
        });
    }

    /** "From Telegram at …", with "(after the end)" for an SMS that came after the activation ended. */
    private static String from(Texts t, Activation.Message m) {
        return t.get(m.late() ? "activation.codes.from-late" : "activation.codes.from", m.sender(), t.when(m.receivedAt()));
    }

    private static String codes(Visit visit, Activation a) {
        Texts t = visit.texts();
        if (a.messages().isEmpty()) {
            return "<p class=\"empty\">" + Html.escape(t.get(a.status().live() ? "activation.codes.waiting" : "activation.codes.none")) + "</p>";
        }
        StringBuilder out = new StringBuilder("<ol class=\"messages\">");
        for (Activation.Message m : a.messages()) {
            if (m.withheld()) {
                // It came after the refund: reading it is a purchase of its own, never free.
                String price = t.money(a.priceMicros(), a.currency());
                out.append("<li class=\"withheld\"><p>").append(Html.escape(t.get("activation.withheld.text", price)))
                        .append("</p><form method=\"post\" action=\"/activations/")
                        .append(a.id()).append("/messages/").append(m.id()).append("/buy\">").append(Html.csrfField(visit))
                        .append("<button type=\"submit\" class=\"buy-late\">").append(Html.escape(t.get("activation.withheld.pay", price)))
                        .append("</button></form><p class=\"hint\">")
                        .append(Html.escape(t.get("activation.codes.from", m.sender(), t.when(m.receivedAt())))).append("</p></li>");
                continue;
            }
            out.append("<li><p class=\"code\">").append(Html.escape(m.code().orElse(t.get("activation.codes.no-code"))))
                    .append("</p><p class=\"sms\">").append(Html.escape(m.text())).append("</p><p class=\"hint\">")
                    .append(Html.escape(from(t, m))).append("</p></li>");
        }
        return out.append("</ol>").toString();
    }

    /** The raw trace in words and tables, for the operators' console (written in English only, as the whole console is). */
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
        int id = activationId(visit, req);
        Optional<Orders.Follow> opened = orders.follow(visit.owner(), Optional.of(id));
        if (opened.isEmpty()) {
            // Too many open tabs or streams: the page still works, it just does not update by itself.
            res.status(io.helidon.http.Status.TOO_MANY_REQUESTS_429).header(io.helidon.http.HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .send(visit.texts().get("activation.live.too-many"));
            return;
        }
        try (Orders.Follow follow = opened.get()) {
            Activation now = orders.activation(visit.owner(), id).orElseThrow(() -> new Website.NotFound(visit.texts().get("activation.no-such")));
            long until = System.nanoTime() + STREAM_LIFETIME.toNanos();
            try (SseSink sink = res.sink(SseSink.TYPE)) {
                sink.emit(SseEvent.builder().name("state").data(state(visit.texts(), now).toString()).build());
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
                        sink.emit(SseEvent.builder().name("state").data(state(visit.texts(), current.get()).toString()).build());
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

    /** The state the page's script renders: its visible texts ({@code statusText}, each message's {@code from}) in the visitor's language. */
    private ObjectNode state(Texts t, Activation a) {
        ObjectNode n = JSON.createObjectNode().put("status", a.status().wire()).put("statusText", statusText(t, a))
                .put("live", a.status().live()).put("canFinish", a.canFinish()).put("canRetry", a.canRequestAnotherCode())
                .put("cancelWhenDue", a.status() == ActivationStatus.WAITING_CODE)
                .put("now", clock.millis()).put("cancellableAt", a.cancellableAt().toEpochMilli()).put("expiresAt", a.expiresAt().toEpochMilli());
        ArrayNode messages = n.putArray("messages");
        for (Activation.Message m : a.messages()) {
            messages.addObject().put("code", m.code().orElse(null)).put("text", m.text()).put("sender", m.sender())
                    .put("at", t.when(m.receivedAt())).put("from", from(t, m)).put("late", m.late()).put("withheld", m.withheld());
        }
        return n;
    }

    /** Pays for an SMS that came after the refund, then shows the page with it (a second click pays nothing). */
    void buyLateSms(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        int id = activationId(visit, req);
        String raw = req.path().pathParameters().get("messageId");
        if (!raw.matches("[0-9]{1,18}")) {
            throw new Website.NotFound(visit.texts().get("activation.no-such-message", String.valueOf(id)));
        }
        String outcome = switch (orders.buyLateSms(visit.owner(), id, Long.parseLong(raw))) {
            case LateSmsPurchase.Bought bought -> "done=late-sms";
            case LateSmsPurchase.AlreadyShown shown -> "done=late-sms-shown";
            case LateSmsPurchase.InsufficientBalance poor -> "error=late-sms-balance";
            case LateSmsPurchase.NotFound nf -> throw new Website.NotFound(visit.texts().get("activation.no-such-message", String.valueOf(id)));
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
        int id = activationId(visit, req);
        String outcome = switch (action.apply(visit.owner(), id)) {
            case ActivationChange.Changed c -> "done=" + done;
            case ActivationChange.NotFound nf -> throw new Website.NotFound(visit.texts().get("activation.not-yours", String.valueOf(id)));
            case ActivationChange.EarlyCancelDenied early -> "error=early-cancel";
            case ActivationChange.CodeAlreadyReceived code -> "error=code-received";
            case ActivationChange.NoCodeYet none -> "error=no-code";
            case ActivationChange.AlreadyEnded ended -> "error=ended";
        };
        Website.redirect(res, "/activations/" + id + "?" + outcome);
    }

    /** Sandbox only: an SMS into the owner's simulated number, through the same intake a provider's SMS takes. */
    void sandboxSms(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        int id = activationId(visit, req);
        String text = form.text("text").strip();
        if (!visit.playMoney()) {
            throw new Website.NotFound(visit.texts().get("activation.sandbox-only"));
        }
        if (text.isEmpty() || text.length() > 500 || text.chars().anyMatch(c -> c < 0x20 && c != '\n')) {
            Website.redirect(res, "/activations/" + id + "?error=sms");
            return;
        }
        switch (orders.injectSandboxSms(visit.owner(), id, "Sandbox", text)) {
            case SandboxSms.Delivered d -> Website.redirect(res, "/activations/" + id + "?done=sms");
            // Through the simulated upstream that sold the number: the page shows it when it comes back.
            case SandboxSms.Relayed r -> Website.redirect(res, "/activations/" + id + "?done=sms");
            case SandboxSms.NotFound nf -> throw new Website.NotFound(visit.texts().get("activation.not-yours", String.valueOf(id)));
            case SandboxSms.NotSimulated ns -> Website.redirect(res, "/activations/" + id + "?error=sms");
            case SandboxSms.Busy busy -> Website.redirect(res, "/activations/" + id + "?error=busy");
        }
    }

    // History -----------------------------------------------------------------------------------

    void history(Visit visit, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        Optional<ActivationStatus> status = req.query().first("status").asOptional().flatMap(ActivationStatus::fromWire);
        Optional<String> cursor = req.query().first("cursor").asOptional().filter(Orders::validCursor);
        Page<Activation> page = orders.activations(visit.owner(), status, 25, cursor);
        String[] columns = {t.get("activation.history.activation"), t.get("activation.history.service"), t.get("activation.history.country"),
                t.get("activation.history.number"), t.get("activation.history.status"), t.get("activation.history.price"), t.get("activation.history.bought")};
        StringBuilder rows = new StringBuilder();
        for (Activation a : page.items()) {
            rows.append("<tr><td data-label=\"").append(Html.escape(columns[0])).append("\"><a href=\"/activations/").append(a.id()).append("\">#").append(a.id())
                    .append("</a></td><td data-label=\"").append(Html.escape(columns[1])).append("\">")
                    .append(Html.escape(inventory.service(a.service()).map(Service::name).orElse(a.service())))
                    .append("</td><td data-label=\"").append(Html.escape(columns[2])).append("\">")
                    .append(Html.escape(inventory.country(a.country()).map(c -> countryName(t, c)).orElse("")))
                    .append("</td><td data-label=\"").append(Html.escape(columns[3])).append("\">").append(Html.escape(a.phone().international()))
                    .append("</td><td data-label=\"").append(Html.escape(columns[4])).append("\">").append(Html.escape(statusText(t, a)))
                    .append("</td><td data-label=\"").append(Html.escape(columns[5])).append("\" class=\"num\">")
                    .append(Html.escape(t.money(a.priceMicros(), a.currency())))
                    .append("</td><td data-label=\"").append(Html.escape(columns[6])).append("\">").append(Html.escape(t.when(a.createdAt()))).append("</td></tr>");
        }
        StringBuilder options = new StringBuilder("<option value=\"\">" + Html.escape(t.get("activation.history.all")) + "</option>");
        for (ActivationStatus s : ActivationStatus.values()) {
            options.append("<option value=\"").append(s.wire()).append("\"").append(status.filter(s::equals).isPresent() ? " selected" : "")
                    .append(">").append(Html.escape(t.get(switch (s) {
                        case WAITING_CODE -> "activation.filter.waiting-code";
                        case CODE_RECEIVED -> "activation.filter.code-received";
                        case FINISHED -> "activation.filter.finished";
                        case CANCELLED -> "activation.filter.cancelled";
                        case EXPIRED -> "activation.filter.expired";
                    }))).append("</option>");
        }
        String more = page.nextCursor().map(c -> "<nav class=\"pager\" aria-label=\"" + Html.escape(t.get("activation.history.pages")) + "\"><a href=\"/activations?"
                + status.map(s -> "status=" + s.wire() + "&amp;").orElse("") + "cursor=" + Html.escape(c) + "\">"
                + Html.escape(t.get("activation.history.older")) + "</a></nav>").orElse("");
        StringBuilder head = new StringBuilder();
        for (int i = 0; i < columns.length; i++) {
            head.append("<th scope=\"col\"").append(i == 5 ? " class=\"num\"" : "").append(">").append(Html.escape(columns[i])).append("</th>");
        }
        String main = """
                <h1>%s</h1>
                <form class="search" method="get" action="/activations">
                <label for="status">%s</label>
                <select id="status" name="status">%s</select>
                <button type="submit">%s</button>
                </form>
                %s
                %s
                """.formatted(Html.escape(t.get("activation.history.heading")), Html.escape(t.get("activation.history.show")), options,
                Html.escape(t.get("activation.history.filter")), page.items().isEmpty()
                        ? "<p class=\"empty\">" + Html.escape(t.get(status.isPresent() ? "activation.history.none-with-status" : "activation.history.none-yet"))
                        + " <a href=\"/\">" + Html.escape(t.get("activation.history.buy-one")) + "</a></p>"
                        : "<table class=\"offers\"><thead><tr>" + head + "</tr></thead><tbody>" + rows + "</tbody></table>", more);
        Website.send(res, 200, Html.page(visit, t.get("activation.history.title"), "/activations", main));
    }

    private Activation owned(Visit visit, ServerRequest req) {
        int id = activationId(visit, req);
        return orders.activation(visit.owner(), id)
                .orElseThrow(() -> new Website.NotFound(visit.texts().get("activation.not-found", String.valueOf(id))));
    }

    private static int activationId(Visit visit, ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        if (raw == null || !raw.matches("[0-9]{1,10}") || Long.parseLong(raw) > Integer.MAX_VALUE) {
            throw new Website.NotFound(visit.texts().get("activation.no-such-id"));
        }
        return Integer.parseInt(raw);
    }
}
