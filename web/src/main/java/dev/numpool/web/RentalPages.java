package dev.numpool.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Mode;
import dev.numpool.inventory.Service;
import dev.numpool.orders.Balance;
import dev.numpool.orders.ExtendOutcome;
import dev.numpool.orders.IdempotencyKey;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Page;
import dev.numpool.orders.RentOutcome;
import dev.numpool.orders.Rental;
import dev.numpool.orders.RentalChange;
import dev.numpool.orders.RentalEvent;
import dev.numpool.orders.RentalRequest;
import dev.numpool.orders.RentalStatus;
import dev.numpool.orders.Rentals;
import dev.numpool.orders.StoredResponse;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Renting numbers on the website, over the same {@link Rentals} door as the APIs: where to rent
 * ({@code /rent}: a service's, or any service's, countries with the price per period and stock),
 * the form that chooses how long (hours, days or weeks, each a whole number of periods) and shows
 * the total before anything is held, the customer's rentals ({@code /rentals}, active first), and
 * a rental's own page with its number, every SMS (arriving live, as the activation page's code
 * does), and its buttons: extend, cancel within the refund window, return early. Every lookup is
 * by (owner, id): another account's rental is "not found", exactly like an unknown one.
 */
final class RentalPages {
    private static final Logger LOG = Logger.getLogger(RentalPages.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STREAM_LIFETIME = Duration.ofMinutes(30);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    /** Earlier (ended) rentals shown a page at a time. */
    private static final int HISTORY_PAGE = 25;
    /** The most a count field takes: far past any node's maximum, so that the door's limit is the one a customer meets. */
    private static final int MAX_COUNT_DIGITS = 6;
    /** What a button did ({@code ?done=}) → the text that says so. */
    private static final Map<String, String> DONE = Map.of(
            "rented", "rentals.done.rented",
            "extended", "rentals.done.extended",
            "cancelled", "rentals.done.cancelled",
            "finished", "rentals.done.finished",
            "sms", "rentals.done.sms");
    /** Why a button did nothing ({@code ?error=}) → the text that says so. */
    private static final Map<String, String> ERRORS = Map.of(
            "ended", "rentals.error.ended",
            "refund-window", "rentals.error.refund-window",
            "sms-received", "rentals.error.sms-received",
            "sms", "rentals.error.sms",
            "busy", "rentals.error.busy");

    /**
     * The lengths a rental is chosen in. A unit is offered only when it is a whole number of
     * periods (with the default hour-long period: all three); a node whose period fits none of
     * them rents by the period.
     */
    enum Unit {
        HOURS(Duration.ofHours(1)), DAYS(Duration.ofDays(1)), WEEKS(Duration.ofDays(7)), PERIODS(Duration.ZERO);

        private final Duration length;

        Unit(Duration length) {
            this.length = length;
        }

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** How many periods one of this unit is. */
        long periods(Duration period) {
            return this == PERIODS ? 1 : length.toSeconds() / period.toSeconds();
        }

        static List<Unit> offered(Duration period) {
            long seconds = period.toSeconds();
            List<Unit> units = new ArrayList<>();
            for (Unit u : List.of(HOURS, DAYS, WEEKS)) {
                if (seconds > 0 && u.length.toSeconds() >= seconds && u.length.toSeconds() % seconds == 0) {
                    units.add(u);
                }
            }
            return units.isEmpty() ? List.of(PERIODS) : units;
        }
    }

    /** A length as a form sends it: a count of a unit, and the periods that makes. */
    record Length(long count, Unit unit, long periods) {
    }

    private final Orders orders;
    private final Inventory inventory;
    private final Ledger ledger;
    private final WebSessions sessions;
    private final Clock clock;

    RentalPages(Orders orders, Inventory inventory, Ledger ledger, WebSessions sessions, Clock clock) {
        this.orders = orders;
        this.inventory = inventory;
        this.ledger = ledger;
        this.sessions = sessions;
        this.clock = clock;
    }

    /** The door, asked at each request, as the API's handlers do. */
    private Rentals rentals() {
        return orders.rentals();
    }

    // Where to rent ---------------------------------------------------------------------------------

    /** {@code /rent?service=}: one service's (default: any service's) countries with numbers to rent, price per period and stock. */
    void offers(Visit visit, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        String code = req.query().first("service").asOptional().filter(s -> s.matches("[a-z0-9]{2,3}")).orElse(Inventory.ANY_SERVICE);
        Optional<Service> service = code.equals(Inventory.ANY_SERVICE) ? Optional.empty() : inventory.service(code);
        if (!code.equals(Inventory.ANY_SERVICE) && service.isEmpty()) {
            throw new Website.NotFound(t.get("rentals.no-such-service"));
        }
        String serviceName = service.map(Service::name).orElse(t.get("rentals.any-service"));
        Duration period = rentals().period();
        List<Inventory.RentOffer> offers = inventory.rentOffers(Optional.of(code), Optional.empty(), Mode.of(visit.testMode())).stream()
                .filter(o -> o.stock() > 0).toList();
        String lengths = t.get("rentals.offers.lengths", t.longDuration(period), t.longDuration(period.multipliedBy(rentals().settings().maxPeriods())));
        StringBuilder rows = new StringBuilder();
        for (Inventory.RentOffer o : offers) {
            String country = ActivationPages.countryName(t, o.country());
            rows.append("<tr><td data-label=\"").append(Html.escape(t.get("rentals.column.country"))).append("\">")
                    .append(CataloguePages.flag(o.country().iso2())).append(' ').append(Html.escape(country))
                    .append("</td><td data-label=\"").append(Html.escape(t.get("rentals.column.price"))).append("\" class=\"num\">")
                    .append(Html.escape(t.money(o.priceMicros(), o.currency())))
                    .append("</td><td data-label=\"").append(Html.escape(t.get("rentals.column.lengths"))).append("\">").append(Html.escape(lengths))
                    .append("</td><td data-label=\"").append(Html.escape(t.get("rentals.column.stock"))).append("\" class=\"num\">")
                    .append(Html.escape(t.number(o.stock())))
                    .append("</td><td class=\"act\"><a class=\"button\" href=\"/rent/new?service=").append(Html.escape(code))
                    .append("&amp;country=").append(o.country().id()).append("\" aria-label=\"")
                    .append(Html.escape(t.get("rentals.offers.rent-label", serviceName, country))).append("\">")
                    .append(Html.escape(t.get("rentals.offers.rent"))).append("</a></td></tr>\n");
        }
        StringBuilder options = new StringBuilder("<option value=\"any\"" + (service.isEmpty() ? " selected" : "") + ">"
                + Html.escape(t.get("rentals.any-service")) + "</option>");
        // The services with numbers to rent now (and the one asked for), not the whole catalogue.
        Set<String> rentable = inventory.rentOffers(Optional.empty(), Optional.empty(), Mode.of(visit.testMode())).stream()
                .filter(o -> o.stock() > 0).map(Inventory.RentOffer::service).collect(Collectors.toSet());
        for (Service s : inventory.services()) {
            if (!rentable.contains(s.code()) && !s.code().equals(code)) {
                continue;
            }
            options.append("<option value=\"").append(Html.escape(s.code())).append("\"").append(s.code().equals(code) ? " selected" : "")
                    .append(">").append(Html.escape(s.name())).append("</option>");
        }
        String table = offers.isEmpty() ? "<p class=\"empty\">" + Html.escape(t.get("rentals.offers.none", serviceName)) + "</p>" : """
                <table class="offers"><caption>%s</caption>
                <thead><tr><th scope="col">%s</th><th scope="col" class="num">%s</th><th scope="col">%s</th><th scope="col" class="num">%s</th>
                <th scope="col"><span class="visually-hidden">%s</span></th></tr></thead>
                <tbody>
                %s</tbody></table>""".formatted(Html.escape(t.get("rentals.offers.caption", serviceName)), Html.escape(t.get("rentals.column.country")),
                Html.escape(t.get("rentals.column.price")), Html.escape(t.get("rentals.column.lengths")), Html.escape(t.get("rentals.column.stock")),
                Html.escape(t.get("rentals.column.actions")), rows);
        String main = """
                <h1>%s</h1>
                <p class="lead">%s</p>
                <form class="search" method="get" action="/rent">
                <div class="field"><label for="rent-service">%s</label>
                <select id="rent-service" name="service">%s</select></div>
                <button type="submit">%s</button>
                </form>
                %s
                %s
                """.formatted(Html.escape(t.get("rentals.offers.heading")),
                Html.escape(t.get("rentals.offers.lead", per(t, period), t.duration(rentals().settings().refundWindow()))),
                Html.escape(t.get("rentals.offers.service")), options, Html.escape(t.get("rentals.offers.show")), table,
                visit.signedIn() ? "<p><a href=\"/rentals\">" + Html.escape(t.get("rentals.offers.mine")) + "</a></p>" : "");
        Website.send(res, 200, Html.page(visit, t.get("rentals.offers.title"), "/rent", main));
    }

    /** Whether a service has numbers to rent now, for its catalogue page's link here. */
    boolean rentable(Service service, Visit visit) {
        return inventory.rentOffers(Optional.of(service.code()), Optional.empty(), Mode.of(visit.testMode())).stream().anyMatch(o -> o.stock() > 0);
    }

    // Renting ---------------------------------------------------------------------------------------

    /** {@code /rent/new?service=&country=&count=&unit=}: the price per period, the length chosen and its total, and the button that rents. */
    void form(Visit visit, ServerRequest req, ServerResponse res) {
        String code = req.query().first("service").orElse("");
        Optional<Country> country = country(req.query().first("country").orElse(""));
        if (!knownService(code) || country.isEmpty()) {
            throw new Website.NotFound(visit.texts().get("rentals.no-such-offer"));
        }
        Length length = length(req.query().first("count").orElse("1"), req.query().first("unit").orElse(""))
                .filter(l -> l.periods() <= rentals().settings().maxPeriods()).orElseGet(() -> defaultLength());
        Website.send(res, 200, formPage(visit, code, country.get(), length, Optional.empty()));
    }

    /**
     * {@code POST /rent}: a preview ({@code preview=1}, the no-script way to see a new total) or the
     * rental itself, at most at the price per period the form showed, under the form's key (a
     * double click rents once). Whatever refuses it, nothing is held.
     */
    void rent(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        String code = form.text("service");
        Optional<Country> country = country(form.text("country"));
        OptionalLong price = form.text("price").matches("[0-9]{1,13}") ? OptionalLong.of(Long.parseLong(form.text("price"))) : OptionalLong.empty();
        Optional<IdempotencyKey> key = form.get("key").filter(k -> k.matches("[0-9a-f-]{36}")).flatMap(k -> IdempotencyKey.of("web-rent-" + k));
        if (!knownService(code) || country.isEmpty() || price.isEmpty() || price.getAsLong() < 1 || price.getAsLong() > dev.numpool.inventory.Money.MAX_MICROS
                || key.isEmpty()) {
            throw new Website.NotFound(t.get("rentals.no-such-offer"));
        }
        Optional<Length> length = length(form.text("count"), form.text("unit"));
        int max = rentals().settings().maxPeriods();
        if (length.isEmpty() || length.get().periods() > max) {
            Website.send(res, 400, formPage(visit, code, country.get(), defaultLength(), Optional.of(badLength(t))));
            return;
        }
        if (form.text("preview").equals("1")) {
            Website.send(res, 200, formPage(visit, code, country.get(), length.get(), Optional.empty()));
            return;
        }
        int periods = (int) length.get().periods();
        Optional<Service> service = code.equals(Inventory.ANY_SERVICE) ? Optional.empty() : inventory.service(code);
        RentalRequest request = new RentalRequest(service, country.get(), periods, price);
        byte[] fingerprint = Orders.fingerprint("POST", "/rent", (code + "&" + country.get().id() + "&" + periods + "&" + price.getAsLong())
                .getBytes(StandardCharsets.UTF_8));
        RentOutcome outcome = rentals().rent(visit.owner(), request, key.get(), fingerprint,
                r -> new StoredResponse(303, ("/rentals/" + r.id()).getBytes(StandardCharsets.UTF_8)));
        String currency = inventory.currency();
        String error = switch (outcome) {
            case RentOutcome.Rented rented -> {
                Website.redirect(res, "/rentals/" + rented.rental().id() + "?done=rented");
                yield null;
            }
            case RentOutcome.Replayed replayed -> {
                Website.redirect(res, new String(replayed.response().body(), StandardCharsets.UTF_8));
                yield null;
            }
            // Only the compatible APIs' rentals have a duplicate window; shown as the rental it is, all the same.
            case RentOutcome.Duplicate duplicate -> {
                Website.redirect(res, "/rentals/" + duplicate.rental().id());
                yield null;
            }
            case RentOutcome.InsufficientBalance poor -> t.get("rentals.rent.too-poor", t.money(poor.priceMicros(), currency),
                    t.money(poor.availableMicros(), currency));
            case RentOutcome.NoNumbers none -> t.get("rentals.rent.sold-out");
            case RentOutcome.PriceAboveMax above -> t.get("rentals.rent.price-changed", t.money(above.minimumPriceMicros(), currency));
            case RentOutcome.TooManyPeriods many -> badLength(t);
            case RentOutcome.TooManyActive many -> t.get("rentals.rent.too-many-active", many.limit());
            case RentOutcome.KeyReused reused -> t.get("rentals.rent.form-reused");
            case RentOutcome.InProgress busy -> t.get("rentals.rent.in-progress");
        };
        if (error != null) {
            Website.send(res, outcome instanceof RentOutcome.InsufficientBalance ? 402 : 409,
                    formPage(visit, code, country.get(), length.get(), Optional.of(error)));
        }
    }

    private String formPage(Visit visit, String code, Country country, Length length, Optional<String> error) {
        Texts t = visit.texts();
        String serviceName = serviceName(t, code);
        String countryName = ActivationPages.countryName(t, country);
        String title = t.get("rentals.rent.heading", serviceName, countryName);
        Optional<Inventory.RentOffer> offer = inventory.rentOffers(Optional.of(code), Optional.of(country), Mode.of(visit.testMode())).stream()
                .filter(o -> o.stock() > 0).findFirst();
        String back = "<p><a href=\"/rent?service=" + Html.escape(code) + "\">" + Html.escape(t.get("rentals.rent.back")) + "</a></p>";
        String notice = error.map(e -> Html.notice("error", e)
                + "<p><a href=\"/balance\">" + Html.escape(t.get("rentals.top-up")) + "</a></p>").orElse("");
        if (offer.isEmpty()) {
            return Html.page(visit, t.get("rentals.rent.title", title), "/rent", "<h1>" + Html.escape(title) + "</h1>" + notice
                    + Html.notice("error", t.get("rentals.rent.no-numbers", serviceName, countryName)) + back);
        }
        Inventory.RentOffer o = offer.get();
        Duration period = rentals().period();
        Balance balance = ledger.balance(visit.owner());
        long total = o.priceMicros() * length.periods();
        String body = """
                <dl class="facts">
                <dt>%s</dt><dd class="price">%s</dd>
                <dt>%s</dt><dd>%s</dd>
                <dt>%s</dt><dd>%s</dd>
                </dl>
                <p>%s</p>
                <form method="post" action="/rent" class="stack" id="rent-form" data-price="%d" data-currency="%s" data-locale="%s">
                %s
                <input type="hidden" name="service" value="%s">
                <input type="hidden" name="country" value="%d">
                <input type="hidden" name="price" value="%d">
                <input type="hidden" name="key" value="%s">
                %s
                <p>%s <strong id="rent-total" class="price" aria-live="polite">%s</strong></p>
                <div class="actions">
                <button type="submit" name="preview" value="1" id="rent-preview">%s</button>
                <button type="submit" class="primary" id="rent-submit">%s</button>
                </div>
                </form>
                %s
                """.formatted(Html.escape(t.get("rentals.rent.price", t.longDuration(period))), Html.escape(t.money(o.priceMicros(), o.currency())),
                Html.escape(t.get("rentals.column.stock")), Html.escape(t.get("rentals.rent.stock", o.stock())),
                Html.escape(t.get("rentals.rent.your-balance")), Html.escape(t.money(balance.availableMicros(), balance.currency())),
                Html.escape(t.get("rentals.rent.terms", t.duration(rentals().settings().refundWindow()))),
                o.priceMicros(), Html.escape(o.currency()), Html.escape(t.language().formats.toLanguageTag()),
                Html.csrfField(visit), Html.escape(code), country.id(), o.priceMicros(), UUID.randomUUID(),
                lengthFields(t, "rent", length, period), Html.escape(t.get("rentals.rent.total")), Html.escape(t.money(total, o.currency())),
                Html.escape(t.get("rentals.rent.preview")), Html.escape(t.get("rentals.rent.submit")), back);
        return Html.page(visit, t.get("rentals.rent.title", title), "/rent", "<h1>" + Html.escape(title) + "</h1>" + notice + body,
                Optional.of(Assets.RENT_JS_URL));
    }

    /** The count and unit fields of a length, as the rent and extend forms share them; each unit says how many periods it is. */
    private String lengthFields(Texts t, String prefix, Length length, Duration period) {
        StringBuilder units = new StringBuilder();
        for (Unit u : Unit.offered(period)) {
            units.append("<option value=\"").append(u.wire()).append("\" data-periods=\"").append(u.periods(period)).append("\"")
                    .append(u == length.unit() ? " selected" : "").append(">")
                    .append(Html.escape(u == Unit.PERIODS ? t.get("rentals.unit.periods", t.longDuration(period)) : t.get("rentals.unit." + u.wire())))
                    .append("</option>");
        }
        return """
                <div class="length">
                <div class="field"><label for="%s-count">%s</label>
                <input id="%s-count" name="count" type="number" inputmode="numeric" min="1" max="%d" value="%d" required></div>
                <div class="field"><label for="%s-unit">%s</label>
                <select id="%s-unit" name="unit">%s</select></div>
                </div>""".formatted(prefix, Html.escape(t.get("rentals.length.count")), prefix, rentals().settings().maxPeriods(), length.count(),
                prefix, Html.escape(t.get("rentals.length.unit")), prefix, units);
    }

    /** A count and unit as a form sends them; empty when either is not one we take. */
    private Optional<Length> length(String count, String unit) {
        Duration period = rentals().period();
        Optional<Unit> u = Unit.offered(period).stream().filter(x -> x.wire().equals(unit)).findFirst();
        if (!count.matches("[0-9]{1," + MAX_COUNT_DIGITS + "}") || u.isEmpty()) {
            return Optional.empty();
        }
        long n = Long.parseLong(count);
        return n < 1 ? Optional.empty() : Optional.of(new Length(n, u.get(), n * u.get().periods(period)));
    }

    private Length defaultLength() {
        Unit first = Unit.offered(rentals().period()).getFirst();
        return new Length(1, first, first.periods(rentals().period()));
    }

    private String badLength(Texts t) {
        Duration period = rentals().period();
        return t.get("rentals.error.length", t.longDuration(period), t.longDuration(period.multipliedBy(rentals().settings().maxPeriods())));
    }

    // The customer's rentals ------------------------------------------------------------------------

    /** {@code /rentals}: every active rental first, then the ended ones, newest first, a page at a time. */
    void list(Visit visit, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        Optional<String> cursor = req.query().first("cursor").asOptional().filter(Orders::validCursor);
        List<Rental> active = cursor.isPresent() ? List.of()
                : rentals().rentals(visit.owner(), Optional.of(RentalStatus.ACTIVE), 100, Optional.empty()).items();
        Page<Rental> page = rentals().rentals(visit.owner(), Optional.empty(), HISTORY_PAGE, cursor);
        List<Rental> ended = page.items().stream().filter(r -> r.status() != RentalStatus.ACTIVE).toList();
        String more = page.nextCursor().map(c -> "<nav class=\"pager\" aria-label=\"" + Html.escape(t.get("rentals.list.pages")) + "\"><a href=\"/rentals?cursor="
                + Html.escape(c) + "\">" + Html.escape(t.get("rentals.list.older")) + "</a></nav>").orElse("");
        String main = "<h1>" + Html.escape(t.get("rentals.list.heading")) + "</h1>"
                + "<p><a class=\"button primary\" href=\"/rent\">" + Html.escape(t.get("rentals.list.rent")) + "</a></p>"
                + (cursor.isPresent() ? "" : "<h2>" + Html.escape(t.get("rentals.list.active")) + "</h2>"
                   + (active.isEmpty() ? "<p class=\"empty\">" + Html.escape(t.get("rentals.list.none-active")) + "</p>" : table(t, active, "active")))
                + "<h2>" + Html.escape(t.get("rentals.list.ended")) + "</h2>"
                + (ended.isEmpty() ? "<p class=\"empty\">" + Html.escape(t.get("rentals.list.none-ended")) + "</p>" : table(t, ended, "ended")) + more;
        Website.send(res, 200, Html.page(visit, t.get("rentals.list.title"), "/rentals", main));
    }

    private String table(Texts t, List<Rental> rentals, String id) {
        String[] columns = {t.get("rentals.column.rental"), t.get("rentals.column.number"), t.get("rentals.column.service"), t.get("rentals.column.country"),
                t.get("rentals.column.status"), t.get("rentals.column.ends"), t.get("rentals.column.sms"), t.get("rentals.column.paid")};
        StringBuilder head = new StringBuilder();
        for (int i = 0; i < columns.length; i++) {
            head.append("<th scope=\"col\"").append(i >= 6 ? " class=\"num\"" : "").append(">").append(Html.escape(columns[i])).append("</th>");
        }
        StringBuilder rows = new StringBuilder();
        Instant now = clock.instant();
        for (Rental r : rentals) {
            String[] cells = {"<a href=\"/rentals/" + r.id() + "\">#" + r.id() + "</a>", Html.escape(r.phone().international()),
                    Html.escape(serviceName(t, r.service())), Html.escape(inventory.country(r.country()).map(c -> ActivationPages.countryName(t, c)).orElse("")),
                    Html.escape(statusText(t, r, now)),
                    Html.escape(live(r, now) ? t.get("rentals.left", t.longDuration(Duration.between(now, r.endsAt())))
                            : r.endedAt().map(t::when).orElse(t.when(r.endsAt()))),
                    Html.escape(t.number(r.messages().size())), Html.escape(t.money(r.paidMicros() - refundedMicros(r), r.currency()))};
            rows.append("<tr>");
            for (int i = 0; i < cells.length; i++) {
                rows.append("<td data-label=\"").append(Html.escape(columns[i])).append("\"").append(i >= 6 ? " class=\"num\"" : "").append(">")
                        .append(cells[i]).append("</td>");
            }
            rows.append("</tr>\n");
        }
        return "<table class=\"offers\" id=\"rentals-" + id + "\"><thead><tr>" + head + "</tr></thead><tbody>" + rows + "</tbody></table>";
    }

    // One rental ------------------------------------------------------------------------------------

    void rental(Visit visit, ServerRequest req, ServerResponse res) {
        Rental r = owned(visit, req);
        Texts t = visit.texts();
        String done = req.query().first("done").asOptional().map(DONE::get).map(k -> Html.notice("ok", t.get(k))).orElse("");
        String error = req.query().first("error").asOptional().map(ERRORS::get).map(k -> Html.notice("error", t.get(k))).orElse("");
        Website.send(res, 200, rentalPage(visit, r, done + error, defaultLength()));
    }

    /** {@code error} and {@code done} are notices already in markup; {@code extendBy} fills the extend form. */
    private String rentalPage(Visit visit, Rental r, String notices, Length extendBy) {
        Texts t = visit.texts();
        Instant now = clock.instant();
        boolean live = live(r, now);
        String serviceName = serviceName(t, r.service());
        String country = inventory.country(r.country()).map(c -> ActivationPages.countryName(t, c)).orElse(String.valueOf(r.country()));
        long refunded = refundedMicros(r);
        String liveTexts = Map.of("no-sms", "rentals.sms.waiting", "no-code", "rentals.sms.no-code", "ended", "rentals.live.ended").entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> " data-t-" + e.getKey() + "=\"" + Html.escape(t.get(e.getValue())) + "\"").collect(Collectors.joining());
        String actions = "";
        if (live) {
            actions = """
                    <section aria-labelledby="actions-title">
                    <h2 id="actions-title">%s</h2>
                    <form method="post" action="/rentals/%d/extend" class="search" id="extend-form">%s
                    <input type="hidden" name="key" value="%s">
                    %s
                    <button type="submit">%s</button>
                    </form>
                    <p class="hint">%s</p>
                    <div class="actions">
                    <form method="post" action="/rentals/%d/finish">%s<button type="submit" id="finish">%s</button></form>
                    %s
                    </div>
                    <p class="hint">%s</p>
                    </section>
                    """.formatted(Html.escape(t.get("rentals.actions")), r.id(), Html.csrfField(visit), UUID.randomUUID(),
                    lengthFields(t, "extend", extendBy, r.period()), Html.escape(t.get("rentals.extend")),
                    Html.escape(t.get("rentals.extend.hint", t.money(r.periodPriceMicros(), r.currency()), per(t, r.period()))),
                    r.id(), Html.csrfField(visit), Html.escape(t.get("rentals.finish")),
                    r.refundable(now) ? "<form method=\"post\" action=\"/rentals/" + r.id() + "/cancel\">" + Html.csrfField(visit)
                            + "<button type=\"submit\" id=\"cancel\" class=\"danger\">" + Html.escape(t.get("rentals.cancel")) + "</button></form>" : "",
                    Html.escape(r.refundable(now) ? t.get("rentals.cancel.hint", t.when(r.refundableUntil())) : t.get("rentals.finish.hint")));
        }
        String sandboxForm = visit.playMoney() && live ? """
                <details class="sandbox-tools"><summary>%s</summary>
                <form method="post" action="/rentals/%d/sandbox-sms" class="stack">%s
                <label for="sms-text">%s</label>
                <input id="sms-text" name="text" value="%s" maxlength="500">
                <button type="submit">%s</button></form></details>
                """.formatted(Html.escape(t.get("rentals.sandbox.summary")), r.id(), Html.csrfField(visit), Html.escape(t.get("rentals.sandbox.text")),
                Html.escape(t.get("rentals.sandbox.sample")), Html.escape(t.get("rentals.sandbox.send"))) : "";
        String main = """
                <div id="rental" data-events="/rentals/%d/events" data-now="%d" data-ends-at="%d" data-live="%s"%s>
                <p><a href="/rentals">%s</a></p>
                <h1>%s</h1>
                %s
                <section class="number" aria-label="%s">
                <p class="phone"><span id="phone">%s</span>
                <button type="button" id="copy" data-copy="%s">%s</button></p>
                <p id="copied" class="hint" role="status"></p>
                </section>
                <dl class="facts">
                <dt>%s</dt><dd id="status">%s</dd>
                <dt>%s</dt><dd>%s</dd>
                <dt>%s</dt><dd>%s</dd>
                <dt>%s</dt><dd>%s</dd>
                </dl>
                <section aria-labelledby="sms-title">
                <h2 id="sms-title">%s</h2>
                %s
                <div id="messages" aria-live="polite">%s</div>
                </section>
                %s%s
                </div>
                """.formatted(r.id(), now.toEpochMilli(), r.endsAt().toEpochMilli(), live, liveTexts, Html.escape(t.get("rentals.back")),
                Html.escape(t.get("rentals.heading", serviceName, country)), notices, Html.escape(t.get("rentals.your-number")),
                Html.escape(r.phone().international()), Html.escape(r.phone().e164()), Html.escape(t.get("rentals.copy-number")),
                Html.escape(t.get("rentals.column.status")), Html.escape(statusText(t, r, now)),
                Html.escape(t.get(live ? "rentals.time-left" : "rentals.ended-at")),
                live ? "<span id=\"time-left\">" + Html.escape(t.longDuration(Duration.between(now, r.endsAt()))) + "</span> "
                        + Html.escape(t.get("rentals.until", t.when(r.endsAt())))
                        : Html.escape(t.when(r.endedAt().orElse(r.endsAt()))),
                Html.escape(t.get("rentals.paid")), Html.escape(t.get("rentals.paid.line", t.money(r.paidMicros(), r.currency()),
                        t.longDuration(r.period().multipliedBy(r.periods())), t.money(r.periodPriceMicros(), r.currency()), per(t, r.period()))),
                Html.escape(t.get("rentals.refunded")), Html.escape(t.money(refunded, r.currency())),
                Html.escape(t.get("rentals.sms")), live ? "<noscript><p class=\"hint\">" + Html.escape(t.get("rentals.sms.reload")) + "</p></noscript>" : "",
                messages(t, r, live), actions, sandboxForm);
        return Html.page(visit, t.get("rentals.title", String.valueOf(r.id())), "/rentals", main, Optional.of(Assets.RENT_JS_URL));
    }

    private static String messages(Texts t, Rental r, boolean live) {
        if (r.messages().isEmpty()) {
            return "<p class=\"empty\">" + Html.escape(t.get(live ? "rentals.sms.waiting" : "rentals.sms.none")) + "</p>";
        }
        StringBuilder out = new StringBuilder("<ol class=\"messages\">");
        // Newest first: the code a customer is waiting for is the one at the top.
        for (Rental.Message m : r.messages().reversed()) {
            out.append("<li><p class=\"code\">").append(Html.escape(m.code().orElse(t.get("rentals.sms.no-code"))))
                    .append("</p><p class=\"sms\">").append(Html.escape(m.text())).append("</p><p class=\"hint\">")
                    .append(Html.escape(t.get("rentals.sms.from", m.sender(), t.when(m.receivedAt())))).append("</p></li>");
        }
        return out.append("</ol>").toString();
    }

    /**
     * The rental's live state as server-sent events over the session, as the activation page's:
     * a {@code state} event now and after every SMS or change (from any node); the page's script
     * renders each one.
     */
    void events(Visit visit, ServerRequest req, ServerResponse res) {
        int id = rentalId(visit, req);
        Optional<Rentals.Follow> opened = rentals().follow(visit.owner(), Optional.of(id));
        if (opened.isEmpty()) {
            // Too many open tabs or streams: the page still works, it just does not update by itself.
            res.status(io.helidon.http.Status.TOO_MANY_REQUESTS_429).header(io.helidon.http.HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .send(visit.texts().get("rentals.live.too-many"));
            return;
        }
        try (Rentals.Follow follow = opened.get()) {
            Rental now = rentals().rental(visit.owner(), id).orElseThrow(() -> new Website.NotFound(visit.texts().get("rentals.not-found", String.valueOf(id))));
            long until = System.nanoTime() + STREAM_LIFETIME.toNanos();
            try (SseSink sink = res.sink(SseSink.TYPE)) {
                sink.emit(SseEvent.builder().name("state").data(state(visit.texts(), now).toString()).build());
                boolean live = live(now, clock.instant());
                // The session is checked again at every event and keep-alive, so a sign-out elsewhere ends the stream too.
                while (live && System.nanoTime() < until && sessions.stillSignedIn(req)) {
                    Optional<RentalEvent> event = follow.next(KEEP_ALIVE);
                    if (event.isEmpty()) {
                        sink.emit(SseEvent.builder().comment("keep-alive").build());
                        continue;
                    }
                    Optional<Rental> current = rentals().rental(visit.owner(), id);
                    if (current.isPresent()) {
                        sink.emit(SseEvent.builder().name("state").data(state(visit.texts(), current.get()).toString()).build());
                        live = live(current.get(), clock.instant());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "website rental stream ended", e); // the page went away; EventSource reconnects if it is still open
            }
        }
    }

    /** What the page's script renders, its visible texts in the visitor's language; messages newest first, as the page lists them. */
    private ObjectNode state(Texts t, Rental r) {
        Instant now = clock.instant();
        ObjectNode n = JSON.createObjectNode().put("status", r.status().wire()).put("statusText", statusText(t, r, now))
                .put("live", live(r, now)).put("now", now.toEpochMilli()).put("endsAt", r.endsAt().toEpochMilli());
        ArrayNode messages = n.putArray("messages");
        for (Rental.Message m : r.messages().reversed()) {
            messages.addObject().put("code", m.code().orElse(null)).put("text", m.text()).put("from", t.get("rentals.sms.from", m.sender(), t.when(m.receivedAt())));
        }
        return n;
    }

    // The buttons -----------------------------------------------------------------------------------

    /** {@code POST /rentals/{id}/extend}: more periods under the form's key; a refusal shows the page again with why, nothing held. */
    void extend(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Rental r = owned(visit, req);
        Texts t = visit.texts();
        Optional<IdempotencyKey> key = form.get("key").filter(k -> k.matches("[0-9a-f-]{36}")).flatMap(k -> IdempotencyKey.of("web-extend-" + k));
        Optional<Length> length = length(form.text("count"), form.text("unit"));
        if (key.isEmpty() || length.isEmpty() || length.get().periods() > rentals().settings().maxPeriods()) {
            Website.send(res, 400, rentalPage(visit, r, Html.notice("error", badLength(t)), defaultLength()));
            return;
        }
        int periods = (int) length.get().periods();
        byte[] fingerprint = Orders.fingerprint("POST", "/rentals/" + r.id() + "/extend", String.valueOf(periods).getBytes(StandardCharsets.UTF_8));
        ExtendOutcome outcome = rentals().extend(visit.owner(), r.id(), periods, key.get(), fingerprint,
                x -> new StoredResponse(303, ("/rentals/" + x.id() + "?done=extended").getBytes(StandardCharsets.UTF_8)));
        String error = switch (outcome) {
            case ExtendOutcome.Extended extended -> {
                Website.redirect(res, "/rentals/" + r.id() + "?done=extended");
                yield null;
            }
            case ExtendOutcome.Replayed replayed -> {
                Website.redirect(res, new String(replayed.response().body(), StandardCharsets.UTF_8));
                yield null;
            }
            case ExtendOutcome.NotFound nf -> throw new Website.NotFound(t.get("rentals.not-found", String.valueOf(r.id())));
            case ExtendOutcome.InsufficientBalance poor -> t.get("rentals.extend.too-poor", t.money(poor.priceMicros(), r.currency()),
                    t.money(poor.availableMicros(), r.currency()));
            case ExtendOutcome.AlreadyEnded ended -> t.get("rentals.error.ended");
            case ExtendOutcome.TooManyPeriods many -> t.get("rentals.extend.too-long", t.longDuration(r.period().multipliedBy(many.maxPeriods())));
            case ExtendOutcome.NotExtendable no -> t.get("rentals.extend.not-extendable");
            case ExtendOutcome.TryAgain later -> t.get("rentals.extend.try-again");
            case ExtendOutcome.KeyReused reused -> t.get("rentals.rent.form-reused");
            case ExtendOutcome.InProgress busy -> t.get("rentals.rent.in-progress");
        };
        if (error != null) {
            String topUp = outcome instanceof ExtendOutcome.InsufficientBalance
                    ? "<p><a href=\"/balance\">" + Html.escape(t.get("rentals.top-up")) + "</a></p>" : "";
            Rental now = rentals().rental(visit.owner(), r.id()).orElse(r);
            Website.send(res, outcome instanceof ExtendOutcome.InsufficientBalance ? 402 : 409,
                    rentalPage(visit, now, Html.notice("error", error) + topUp, length.get()));
        }
    }

    void cancel(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        change(visit, req, res, rentals()::cancel, "cancelled");
    }

    void finish(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        change(visit, req, res, rentals()::finish, "finished");
    }

    private void change(Visit visit, ServerRequest req, ServerResponse res, BiFunction<dev.numpool.orders.AccountId, Integer, RentalChange> action,
                        String done) {
        int id = rentalId(visit, req);
        String outcome = switch (action.apply(visit.owner(), id)) {
            case RentalChange.Changed c -> "done=" + done;
            case RentalChange.NotFound nf -> throw new Website.NotFound(visit.texts().get("rentals.not-found", String.valueOf(id)));
            case RentalChange.AlreadyEnded ended -> "error=ended";
            case RentalChange.RefundWindowClosed closed -> "error=refund-window";
            case RentalChange.SmsAlreadyReceived sms -> "error=sms-received";
        };
        Website.redirect(res, "/rentals/" + id + "?" + outcome);
    }

    /** Play money only: an SMS into the rented simulated number, through the same intake a provider's SMS takes. */
    void sandboxSms(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        int id = rentalId(visit, req);
        String text = form.text("text").strip();
        if (!visit.playMoney()) {
            throw new Website.NotFound(visit.texts().get("rentals.sandbox-only"));
        }
        if (text.isEmpty() || text.length() > 500) {
            Website.redirect(res, "/rentals/" + id + "?error=sms");
            return;
        }
        switch (rentals().injectSandboxSms(visit.owner(), id, "Sandbox", text)) {
            case Rentals.SandboxSms.Delivered d -> Website.redirect(res, "/rentals/" + id + "?done=sms");
            case Rentals.SandboxSms.Relayed r -> Website.redirect(res, "/rentals/" + id + "?done=sms");
            case Rentals.SandboxSms.NotFound nf -> throw new Website.NotFound(visit.texts().get("rentals.not-found", String.valueOf(id)));
            case Rentals.SandboxSms.NotSimulated ns -> Website.redirect(res, "/rentals/" + id + "?error=sms");
            case Rentals.SandboxSms.Busy busy -> Website.redirect(res, "/rentals/" + id + "?error=busy");
        }
    }

    // Shared ----------------------------------------------------------------------------------------

    /** Active and not yet past its end (the worker ends it within a second; the page does not wait for that). */
    private static boolean live(Rental r, Instant now) {
        return r.status() == RentalStatus.ACTIVE && now.isBefore(r.endsAt());
    }

    private static long refundedMicros(Rental r) {
        return r.periodPriceMicros() * r.refundedPeriods();
    }

    private static String statusText(Texts t, Rental r, Instant now) {
        return t.get(switch (r.status()) {
            case ACTIVE -> now.isBefore(r.endsAt()) ? "rentals.status.active" : "rentals.status.expired";
            case FINISHED -> "rentals.status.finished";
            case CANCELLED -> "rentals.status.cancelled";
            case EXPIRED -> "rentals.status.expired";
        });
    }

    private String serviceName(Texts t, String code) {
        return code.equals(Inventory.ANY_SERVICE) ? t.get("rentals.any-service") : inventory.service(code).map(Service::name).orElse(code);
    }

    private boolean knownService(String code) {
        return code.equals(Inventory.ANY_SERVICE) || code.matches("[a-z0-9]{2}") && inventory.service(code).isPresent();
    }

    private Optional<Country> country(String raw) {
        return raw.matches("[0-9]{1,6}") ? inventory.country(Integer.parseInt(raw)) : Optional.empty();
    }

    private Rental owned(Visit visit, ServerRequest req) {
        int id = rentalId(visit, req);
        return rentals().rental(visit.owner(), id).orElseThrow(() -> new Website.NotFound(visit.texts().get("rentals.not-found", String.valueOf(id))));
    }

    private static int rentalId(Visit visit, ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        if (raw == null || !raw.matches("[0-9]{1,10}") || Long.parseLong(raw) > Integer.MAX_VALUE) {
            throw new Website.NotFound(visit.texts().get("rentals.no-such-id"));
        }
        return Integer.parseInt(raw);
    }

    /** {@code /rent?service=} for a service's catalogue page. */
    static String offersLink(Service service) {
        return "/rent?service=" + URLEncoder.encode(service.code(), StandardCharsets.UTF_8);
    }

    /** A period as a price is "per" it: "hour" rather than "1 hour" for one hour or one day, as people say it. */
    private static String per(Texts t, Duration period) {
        if (period.equals(Duration.ofHours(1))) {
            return t.get("rentals.per.hour");
        }
        return period.equals(Duration.ofDays(1)) ? t.get("rentals.per.day") : t.longDuration(period);
    }
}
