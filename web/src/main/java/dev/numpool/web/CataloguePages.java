package dev.numpool.web;

import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Mode;
import dev.numpool.inventory.Offer;
import dev.numpool.inventory.Service;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Favourites;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Reports;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The catalogue as buyers shop (issue 17): the home page lists services (searchable, popular
 * first, each with its mark, lowest price and stock), a service's page lists its countries (flag,
 * price, stock, our published outcomes, a Buy button, a star), and a signed-in buyer's favourites
 * and recent choices sit at the top of the home page. Every offer in one table stays at
 * {@code /offers}. Prices and stock come live from the inventory, as the native
 * {@code /v1/catalog} shows them; popularity from the last week's sales, then the best-known
 * services and countries. Searches are done here, so the pages work without JavaScript; the
 * site's script filters the same lists as the visitor types.
 */
final class CataloguePages {
    static final int PAGE_SIZE = 50;
    /** Before any sale, "popular" falls back to how widely these services are asked for. */
    private static final List<String> KNOWN_FIRST = List.of("wa", "tg", "go", "fb", "ig", "tw", "dr", "ds", "mm", "wx", "am", "lf", "vi", "wb");
    /** ...and the countries numbers are most bought for (ISO 3166 codes). */
    private static final List<String> KNOWN_COUNTRIES = List.of("US", "GB", "IN", "ID", "BR", "RU", "DE", "FR", "PH", "VN", "NL", "PL", "CA", "ES");
    private static final Duration POPULAR_WINDOW = Duration.ofDays(7);
    private static final Duration POPULAR_CACHE = Duration.ofSeconds(60);
    /** How far back the published success rate and time to code look. */
    static final int OUTCOME_DAYS = 7;
    /** How many of a buyer's latest activations are looked at for their recent choices, and how many choices are shown. */
    private static final int RECENT_LOOKBACK = 50;
    private static final int RECENT_SHOWN = 5;
    /** The longest search kept; longer ones are cut here. */
    private static final int MAX_QUERY = 64;
    /** The monograms' colours: site.css has one class per index ({@code .mark.c0} … {@code .mark.c11}). */
    static final int MARK_COLOURS = 12;
    /** A starred offer as a form sends it: service code, colon, country id. */
    private static final Pattern OFFER = Pattern.compile("([a-z0-9]{2}):([0-9]{1,6})");

    private final Inventory inventory;
    private final Orders orders;
    private final Reports reports;
    private final Favourites favourites;
    private final RentalPages rentals;
    private final Duration window;
    private final Clock clock;
    /** Per offer ("tg:0"), what our own outcomes say, read at most once a minute per node. */
    private volatile Map<String, Reports.OfferOutcome> outcomes = Map.of();
    private volatile long outcomesReadAt = System.nanoTime() - POPULAR_CACHE.toNanos() - 1;
    private volatile Map<String, Integer> sales = Map.of();
    private volatile long salesReadAt = System.nanoTime() - POPULAR_CACHE.toNanos() - 1;

    CataloguePages(Inventory inventory, Orders orders, Reports reports, Favourites favourites, RentalPages rentals, Duration window, Clock clock) {
        this.inventory = inventory;
        this.rentals = rentals;
        this.orders = orders;
        this.reports = reports;
        this.favourites = favourites;
        this.window = window;
        this.clock = clock;
    }

    /** One service as the home page lists it: its cheapest offer, its stock over all countries, and its sales. */
    record ServiceSummary(Service service, long fromMicros, String currency, long stock, int countries, int sold) {
    }

    // ---- The home page: favourites, recent choices, the service list ----------------------------

    void services(Visit visit, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        String q = query(req);
        List<Offer> offers = offers(visit);
        List<ServiceSummary> all = summaries(offers);
        List<ServiceSummary> shown = all.stream().filter(s -> matches(serviceWords(s.service()), q)).toList();

        StringBuilder items = new StringBuilder();
        for (ServiceSummary s : shown) {
            items.append("<li data-search=\"").append(Html.escape(serviceWords(s.service()))).append("\"><a href=\"/services/")
                    .append(Html.escape(s.service().code())).append("\">").append(mark(s.service()))
                    .append("<span class=\"what\"><span class=\"name\">").append(Html.escape(s.service().name())).append("</span><span class=\"facts\">")
                    .append(Html.escape(t.get("catalogue.services.from", t.money(s.fromMicros(), s.currency())))).append(" · ")
                    .append(Html.escape(t.get("catalogue.services.stock", s.stock()))).append(" · ")
                    .append(Html.escape(t.get("catalogue.services.countries", s.countries()))).append("</span></span></a></li>\n");
        }
        String list;
        if (all.isEmpty()) {
            list = "<p class=\"empty\">" + Html.escape(t.get("catalogue.services.nothing-on-sale")) + "</p>";
        } else if (shown.isEmpty()) {
            list = "<p class=\"empty\">" + Html.escape(t.get("catalogue.services.none", q)) + " <a href=\"/offers?q="
                    + Html.escape(URLEncoder.encode(q, StandardCharsets.UTF_8)) + "\">" + Html.escape(t.get("catalogue.services.search-offers"))
                    + "</a></p>";
        } else {
            list = """
                    <ul id="services" class="services" aria-label="%s">
                    %s</ul>
                    <p id="services-none" class="empty" hidden>%s</p>""".formatted(Html.escape(t.get("catalogue.services.heading")), items,
                    Html.escape(t.get("catalogue.services.none-live")));
        }
        String picks = picks(visit, offers);
        String main = """
                <h1>%s</h1>
                <p class="lead">%s</p>
                %s%s
                <form class="search" method="get" action="/" role="search">
                <div class="field grow"><label for="q">%s</label>
                <input id="q" name="q" type="search" value="%s" maxlength="%d" placeholder="%s" autocomplete="off" data-filter="services" data-shown="%s"></div>
                <button type="submit">%s</button>
                </form>
                <p id="filter-status" class="hint" role="status"></p>
                %s
                <p><a href="/offers">%s</a></p>
                """.formatted(Html.escape(t.get("catalogue.heading")), Html.escape(t.get("catalogue.lead", t.duration(window))), done(req, t), picks,
                Html.escape(t.get("catalogue.search.label")), Html.escape(q), MAX_QUERY, Html.escape(t.get("catalogue.search.placeholder")),
                Html.escape(t.get("catalogue.services.shown", "{0}")), Html.escape(t.get("catalogue.search.submit")), list,
                Html.escape(t.get("catalogue.all-offers")));
        Website.send(res, 200, Html.page(visit, t.get("catalogue.title"), "/", main));
    }

    /** The services on sale, popular first: the last week's sales, then the best-known services, then the most stock. */
    private List<ServiceSummary> summaries(List<Offer> offers) {
        Map<String, Integer> sold = sales();
        Map<String, ServiceSummary> byCode = new LinkedHashMap<>();
        for (Offer o : offers) {
            int offerSales = sold.getOrDefault(key(o), 0);
            byCode.merge(o.service().code(), new ServiceSummary(o.service(), o.priceMicros(), o.currency(), o.stock(), 1, offerSales),
                    (a, b) -> new ServiceSummary(a.service(), Math.min(a.fromMicros(), b.fromMicros()), a.currency(), a.stock() + b.stock(),
                            a.countries() + 1, a.sold() + b.sold()));
        }
        return byCode.values().stream()
                .sorted(Comparator.comparingInt((ServiceSummary s) -> -s.sold())
                        .thenComparingInt(s -> rank(KNOWN_FIRST, s.service().code()))
                        .thenComparing(Comparator.comparingLong(ServiceSummary::stock).reversed())
                        .thenComparing(s -> s.service().name()))
                .toList();
    }

    /**
     * A signed-in buyer's favourites (with a one-click buy at today's price, and a star to
     * remove them) beside their recent choices. Favourites are the signed-in person's, not the
     * test account's: a preference of theirs, the same in test mode, where the buy then acts on
     * the test account as every page does.
     */
    private String picks(Visit visit, List<Offer> offers) {
        if (!visit.signedIn()) {
            return "";
        }
        Texts t = visit.texts();
        Map<String, Offer> byKey = new HashMap<>();
        offers.forEach(o -> byKey.put(key(o), o));
        StringBuilder items = new StringBuilder();
        for (Favourites.Favourite f : favourites.of(visit.session().orElseThrow().account())) {
            Optional<Service> service = inventory.service(f.service());
            Optional<Country> country = inventory.country(f.country());
            if (service.isEmpty() || country.isEmpty()) {
                continue; // off sale: kept, shown again when it is back
            }
            String countryName = ActivationPages.countryName(t, country.get());
            String offerName = t.get("catalogue.offer", service.get().name(), countryName);
            Offer offer = byKey.get(f.service() + ":" + f.country());
            items.append("<li>").append(mark(service.get())).append("<span class=\"what\"><span class=\"name\">")
                    .append(Html.escape(service.get().name())).append("</span><span class=\"facts\">").append(flag(country.get().iso2()))
                    .append(' ').append(Html.escape(countryName));
            if (offer == null) {
                items.append(" · ").append(Html.escape(t.get("catalogue.favourites.sold-out"))).append("</span></span>");
            } else {
                String price = t.money(offer.priceMicros(), offer.currency());
                items.append(" · ").append(Html.escape(t.get("catalogue.services.stock", offer.stock()))).append("</span></span>")
                        .append("<form method=\"post\" action=\"/buy\" class=\"inline\">").append(Html.csrfField(visit))
                        .append("<input type=\"hidden\" name=\"service\" value=\"").append(Html.escape(f.service()))
                        .append("\"><input type=\"hidden\" name=\"country\" value=\"").append(f.country())
                        .append("\"><input type=\"hidden\" name=\"price\" value=\"").append(offer.priceMicros())
                        .append("\"><input type=\"hidden\" name=\"key\" value=\"").append(UUID.randomUUID())
                        .append("\"><button type=\"submit\" class=\"primary\" aria-label=\"")
                        .append(Html.escape(t.get("catalogue.favourites.buy-label", price, offerName))).append("\">")
                        .append(Html.escape(t.get("catalogue.favourites.buy", price))).append("</button></form>");
            }
            items.append("<form method=\"post\" action=\"/favourites\" class=\"inline\">").append(Html.csrfField(visit))
                    .append("<input type=\"hidden\" name=\"next\" value=\"/\">")
                    .append(starButton(t, service.get(), country.get(), true)).append("</form></li>\n");
        }
        String favouritesSection = "<section aria-labelledby=\"favourites-title\" class=\"favourites\"><h2 id=\"favourites-title\">"
                + Html.escape(t.get("catalogue.favourites.heading")) + "</h2>"
                + (items.isEmpty() ? "<p class=\"hint\">" + Html.escape(t.get("catalogue.favourites.none")) + "</p>"
                                   : "<ul class=\"picks\">\n" + items + "</ul>")
                + "</section>";
        return "<div class=\"mine\">" + favouritesSection + recent(visit) + "</div>";
    }

    /**
     * A signed-in buyer's recent choices (issue 17): the last few offers they bought, still on
     * sale, one click from the confirm page. Read from their own activations.
     */
    private String recent(Visit visit) {
        Texts t = visit.texts();
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        StringBuilder links = new StringBuilder();
        for (var a : orders.activations(visit.owner(), Optional.empty(), RECENT_LOOKBACK, Optional.empty()).items()) {
            if (seen.size() == RECENT_SHOWN || !seen.add(a.service() + ":" + a.country())) {
                continue;
            }
            var service = inventory.service(a.service());
            var country = inventory.country(a.country());
            if (service.isEmpty() || country.isEmpty()) {
                continue; // off sale now
            }
            links.append("<li><a href=\"/buy?service=").append(Html.escape(a.service())).append("&amp;country=").append(a.country()).append("\">")
                    .append(Html.escape(t.get("catalogue.offer", service.get().name(), ActivationPages.countryName(t, country.get()))))
                    .append("</a></li>");
        }
        return links.isEmpty() ? "" : "<section aria-labelledby=\"recent-title\" class=\"recent\"><h2 id=\"recent-title\">"
                + Html.escape(t.get("catalogue.recent.heading")) + "</h2><ul>" + links + "</ul></section>";
    }

    // ---- A service's page: its countries ----------------------------------------------------------

    void service(Visit visit, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        String code = req.path().pathParameters().first("code").orElse("");
        Service service = (code.matches("[a-z0-9]{2}") ? inventory.service(code) : Optional.<Service>empty())
                .orElseThrow(() -> new Website.NotFound(t.get("catalogue.service.unknown", code.length() > 16 ? code.substring(0, 16) + "…" : code)));
        String q = query(req);
        String sort = sort(req);
        List<Offer> all = inventory.offers(Optional.of(service), Optional.empty(), Mode.of(visit.testMode()));
        List<Offer> shown = all.stream().filter(o -> matches(countryWords(t, o.country()), q)).sorted(order(sort)).toList();
        Set<String> starred = new HashSet<>();
        if (visit.signedIn()) {
            favourites.of(visit.session().orElseThrow().account()).forEach(f -> starred.add(f.service() + ":" + f.country()));
        }
        String here = "/services/" + service.code() + "?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&sort=" + sort;

        Map<String, Reports.OfferOutcome> known = outcomes();
        StringBuilder rows = new StringBuilder();
        for (Offer o : shown) {
            Reports.OfferOutcome outcome = known.get(key(o));
            boolean enough = outcome != null && outcome.orders() >= StatusPage.ENOUGH;
            String countryName = ActivationPages.countryName(t, o.country());
            rows.append("<tr data-search=\"").append(Html.escape(countryWords(t, o.country()))).append("\"><td data-label=\"")
                    .append(Html.escape(t.get("catalogue.column.country"))).append("\">").append(flag(o.country().iso2())).append(' ')
                    .append(Html.escape(countryName)).append("</td><td data-label=\"").append(Html.escape(t.get("catalogue.column.price")))
                    .append("\" class=\"num\">").append(Html.escape(t.money(o.priceMicros(), o.currency())))
                    .append("</td><td data-label=\"").append(Html.escape(t.get("catalogue.column.stock"))).append("\" class=\"num\">")
                    .append(Html.escape(t.number(o.stock())))
                    .append("</td><td data-label=\"").append(Html.escape(t.get("catalogue.column.got-code"))).append("\" class=\"num\">")
                    .append(enough ? Html.escape(t.percent(outcome.deliveryPercent() / 100.0)) : "–")
                    .append("</td><td data-label=\"").append(Html.escape(t.get("catalogue.column.time-to-code"))).append("\" class=\"num\">")
                    .append(enough ? outcome.medianTimeToCode().map(t::duration).map(Html::escape).orElse("–") : "–")
                    .append("</td><td class=\"act\">");
            if (visit.signedIn()) {
                rows.append(starButton(t, service, o.country(), starred.contains(key(o))));
            }
            rows.append("<a class=\"button\" href=\"/buy?service=").append(Html.escape(service.code())).append("&amp;country=")
                    .append(o.country().id()).append("\" aria-label=\"").append(Html.escape(t.get("catalogue.buy.label", service.name(), countryName)))
                    .append("\">").append(Html.escape(t.get("catalogue.buy"))).append("</a></td></tr>\n");
        }
        String table;
        if (all.isEmpty()) {
            table = "<p class=\"empty\">" + Html.escape(t.get("catalogue.service.sold-out", service.name())) + "</p>";
        } else if (shown.isEmpty()) {
            table = "<p class=\"empty\">" + Html.escape(t.get("catalogue.service.none", q)) + "</p>";
        } else {
            table = """
                    %s<table id="countries" class="offers countries"><caption class="visually-hidden">%s</caption>
                    <thead><tr><th scope="col">%s</th><th scope="col" class="num">%s</th><th scope="col" class="num">%s</th>
                    <th scope="col" class="num">%s <span class="hint">%s</span></th><th scope="col" class="num">%s</th>
                    <th scope="col"><span class="visually-hidden">%s</span></th></tr></thead>
                    <tbody>
                    %s</tbody></table>%s
                    <p id="countries-none" class="empty" hidden>%s</p>
                    <p class="hint">%s</p>""".formatted(
                    visit.signedIn() ? "<form method=\"post\" action=\"/favourites\">" + Html.csrfField(visit)
                            + "<input type=\"hidden\" name=\"next\" value=\"" + Html.escape(here) + "\">" : "",
                    Html.escape(t.get("catalogue.service.caption", service.name())), Html.escape(t.get("catalogue.column.country")),
                    Html.escape(t.get("catalogue.column.price")), Html.escape(t.get("catalogue.column.stock")),
                    Html.escape(t.get("catalogue.column.got-code")), Html.escape(t.get("catalogue.column.days", OUTCOME_DAYS)),
                    Html.escape(t.get("catalogue.column.median")), Html.escape(t.get("catalogue.column.actions")), rows,
                    visit.signedIn() ? "</form>" : "", Html.escape(t.get("catalogue.service.none-live")),
                    Html.escape(t.get("catalogue.outcomes", OUTCOME_DAYS, StatusPage.ENOUGH)));
        }
        String main = """
                <p><a href="/">%s</a></p>
                <h1 class="with-mark">%s<span>%s</span></h1>
                <p class="lead">%s</p>
                %s%s
                <form class="search" method="get" action="/services/%s" role="search">
                <div class="field grow"><label for="q">%s</label>
                <input id="q" name="q" type="search" value="%s" maxlength="%d" placeholder="%s" autocomplete="off" data-filter="countries" data-shown="%s"></div>
                %s
                <button type="submit">%s</button>
                </form>
                <p id="filter-status" class="hint" role="status"></p>
                %s
                """.formatted(Html.escape(t.get("catalogue.service.back")), mark(service), Html.escape(service.name()),
                Html.escape(t.get("catalogue.service.lead", t.duration(window))), done(req, t),
                rentals.rentable(service, visit) ? "<p><a href=\"" + Html.escape(RentalPages.offersLink(service)) + "\">"
                        + Html.escape(t.get("catalogue.service.rent", service.name())) + "</a></p>" : "",
                Html.escape(service.code()),
                Html.escape(t.get("catalogue.service.filter")), Html.escape(q), MAX_QUERY, Html.escape(t.get("catalogue.service.placeholder")),
                Html.escape(t.get("catalogue.service.shown", "{0}")), sortField(t, sort), Html.escape(t.get("catalogue.service.submit")), table);
        Website.send(res, 200, Html.page(visit, t.get("catalogue.service.title", service.name()), "/", main));
    }

    private static String starButton(Texts t, Service service, Country country, boolean starred) {
        String label = t.get(starred ? "catalogue.star.remove" : "catalogue.star.add", service.name(), ActivationPages.countryName(t, country));
        return "<button type=\"submit\" name=\"" + (starred ? "unstar" : "star") + "\" value=\"" + Html.escape(service.code()) + ":" + country.id()
                + "\" class=\"star" + (starred ? " on" : "") + "\" aria-label=\"" + Html.escape(label) + "\" title=\"" + Html.escape(label) + "\">"
                + (starred ? "★" : "☆") + "</button>";
    }

    // ---- Starring: POST /favourites --------------------------------------------------------------

    /**
     * Stars ({@code star=tg:0}) or unstars ({@code unstar=tg:0}) an offer for the signed-in
     * person, then goes back to the page it was done on ({@code next}, on this site only).
     */
    void star(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        boolean add = form.get("star").isPresent();
        Matcher offer = OFFER.matcher(form.get("star").or(() -> form.get("unstar")).orElse(""));
        if (!offer.matches()) {
            throw new Website.NotFound(t.get("catalogue.star.unknown"));
        }
        AccountId person = visit.session().orElseThrow().account();
        String service = offer.group(1);
        int country = Integer.parseInt(offer.group(2));
        String next = Website.safeNext(form.text("next"));
        String back = next + (next.contains("?") ? "&" : "?") + "done=";
        if (add) {
            switch (favourites.add(person, service, country)) {
                case Favourites.Added.Starred starred -> Website.redirect(res, back + "starred");
                case Favourites.Added.Full full -> Website.errorPage(res, visit, 409, t.get("catalogue.star.full.title"),
                        t.get("catalogue.star.full", full.limit()));
                case Favourites.Added.UnknownOffer unknown -> throw new Website.NotFound(t.get("catalogue.star.unknown"));
            }
            return;
        }
        switch (favourites.remove(person, service, country)) {
            case UNSTARRED, WAS_NOT_STARRED -> Website.redirect(res, back + "unstarred");
            case UNKNOWN_OFFER -> throw new Website.NotFound(t.get("catalogue.star.unknown"));
        }
    }

    /** The word a starring leaves on the page it went back to. */
    private static String done(ServerRequest req, Texts t) {
        return switch (req.query().first("done").orElse("")) {
            case "starred" -> Html.notice("ok", t.get("catalogue.star.added"));
            case "unstarred" -> Html.notice("ok", t.get("catalogue.star.removed"));
            default -> "";
        };
    }

    // ---- Every offer in one table: /offers -------------------------------------------------------

    void offers(Visit visit, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        String q = query(req);
        String sort = sort(req);
        int page = req.query().first("page").filter(p -> p.matches("[1-9][0-9]{0,3}")).map(Integer::parseInt).orElse(1);

        List<Offer> offers = search(t, offers(visit), q).stream().sorted(order(sort)).toList();
        int pages = Math.max(1, (offers.size() + PAGE_SIZE - 1) / PAGE_SIZE);
        page = Math.min(page, pages);
        List<Offer> shown = offers.subList((page - 1) * PAGE_SIZE, Math.min(offers.size(), page * PAGE_SIZE));

        StringBuilder rows = new StringBuilder();
        Map<String, Reports.OfferOutcome> known = outcomes();
        for (Offer o : shown) {
            Reports.OfferOutcome outcome = known.get(key(o));
            boolean enough = outcome != null && outcome.orders() >= StatusPage.ENOUGH;
            String countryName = ActivationPages.countryName(t, o.country());
            rows.append("<tr><td data-label=\"").append(Html.escape(t.get("catalogue.column.service"))).append("\">").append(Html.escape(o.service().name()))
                    .append("</td><td data-label=\"").append(Html.escape(t.get("catalogue.column.country"))).append("\">").append(Html.escape(countryName))
                    .append("</td><td data-label=\"").append(Html.escape(t.get("catalogue.column.price"))).append("\" class=\"num\">")
                    .append(Html.escape(t.money(o.priceMicros(), o.currency())))
                    .append("</td><td data-label=\"").append(Html.escape(t.get("catalogue.column.stock"))).append("\" class=\"num\">").append(Html.escape(t.number(o.stock())))
                    .append("</td><td data-label=\"").append(Html.escape(t.get("catalogue.column.got-code"))).append("\" class=\"num\">")
                    .append(enough ? Html.escape(t.percent(outcome.deliveryPercent() / 100.0)) : "–")
                    .append("</td><td data-label=\"").append(Html.escape(t.get("catalogue.column.time-to-code"))).append("\" class=\"num\">")
                    .append(enough ? outcome.medianTimeToCode().map(t::duration).map(Html::escape).orElse("–") : "–")
                    .append("</td><td class=\"act\"><a class=\"button\" href=\"/buy?service=").append(Html.escape(o.service().code()))
                    .append("&amp;country=").append(o.country().id()).append("\" aria-label=\"")
                    .append(Html.escape(t.get("catalogue.buy.label", o.service().name(), countryName))).append("\">")
                    .append(Html.escape(t.get("catalogue.buy"))).append("</a></td></tr>\n");
        }
        String table = shown.isEmpty()
                ? "<p class=\"empty\">" + Html.escape(t.get("catalogue.offers.none", q)) + "</p>"
                : """
                  <table class="offers catalogue"><caption class="visually-hidden">%s</caption>
                  <thead><tr><th scope="col">%s</th><th scope="col">%s</th><th scope="col" class="num">%s</th>
                  <th scope="col" class="num">%s</th><th scope="col" class="num">%s <span class="hint">%s</span></th>
                  <th scope="col" class="num">%s</th><th scope="col"><span class="visually-hidden">%s</span></th></tr></thead>
                  <tbody>
                  %s</tbody></table>
                  """.formatted(Html.escape(t.get("catalogue.offers.caption")), Html.escape(t.get("catalogue.column.service")),
                  Html.escape(t.get("catalogue.column.country")), Html.escape(t.get("catalogue.column.price")),
                  Html.escape(t.get("catalogue.column.stock")), Html.escape(t.get("catalogue.column.got-code")),
                  Html.escape(t.get("catalogue.column.days", OUTCOME_DAYS)), Html.escape(t.get("catalogue.column.median")),
                  Html.escape(t.get("catalogue.column.actions")), rows);
        StringBuilder pager = new StringBuilder("<nav class=\"pager\" aria-label=\"").append(Html.escape(t.get("catalogue.pager.label"))).append("\">");
        // Plain '&' here: the one Html.escape below makes it '&amp;' in the attribute.
        String base = "/offers?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&sort=" + sort + "&page=";
        if (page > 1) {
            pager.append("<a href=\"").append(Html.escape(base)).append(page - 1).append("\">").append(Html.escape(t.get("catalogue.pager.previous"))).append("</a>");
        }
        pager.append("<span>").append(Html.escape(t.get("catalogue.pager.position", page, pages, offers.size()))).append("</span>");
        if (page < pages) {
            pager.append("<a href=\"").append(Html.escape(base)).append(page + 1).append("\">").append(Html.escape(t.get("catalogue.pager.next"))).append("</a>");
        }
        pager.append("</nav>");

        String main = """
                <p><a href="/">%s</a></p>
                <h1>%s</h1>
                <p class="lead">%s</p>
                <form class="search" method="get" action="/offers" role="search">
                <div class="field grow"><label for="q">%s</label>
                <input id="q" name="q" type="search" value="%s" maxlength="%d" placeholder="%s" autocomplete="off"></div>
                %s
                <button type="submit">%s</button>
                </form>
                %s
                %s
                """.formatted(Html.escape(t.get("catalogue.service.back")), Html.escape(t.get("catalogue.offers.heading")),
                Html.escape(t.get("catalogue.lead", t.duration(window))), Html.escape(t.get("catalogue.offers.search")), Html.escape(q), MAX_QUERY,
                Html.escape(t.get("catalogue.offers.placeholder")), sortField(t, sort), Html.escape(t.get("catalogue.offers.submit")), table, pager);
        Website.send(res, 200, Html.page(visit, t.get("catalogue.offers.title"), "/", main));
    }

    // ---- Shared --------------------------------------------------------------------------------

    private List<Offer> offers(Visit visit) {
        return inventory.offers(Optional.empty(), Optional.empty(), Mode.of(visit.testMode()));
    }

    private static String query(ServerRequest req) {
        String q = req.query().first("q").orElse("").strip();
        return q.length() > MAX_QUERY ? q.substring(0, MAX_QUERY) : q;
    }

    private static String sort(ServerRequest req) {
        return req.query().first("sort").filter(s -> s.matches("popular|price|stock")).orElse("popular");
    }

    private static String sortField(Texts t, String sort) {
        return """
                <div class="field"><label for="sort">%s</label>
                <select id="sort" name="sort">
                <option value="popular"%s>%s</option><option value="price"%s>%s</option><option value="stock"%s>%s</option>
                </select></div>""".formatted(Html.escape(t.get("catalogue.sort.label")),
                sort.equals("popular") ? " selected" : "", Html.escape(t.get("catalogue.sort.popular")),
                sort.equals("price") ? " selected" : "", Html.escape(t.get("catalogue.sort.price")),
                sort.equals("stock") ? " selected" : "", Html.escape(t.get("catalogue.sort.stock")));
    }

    private static String key(Offer o) {
        return o.service().code() + ":" + o.country().id();
    }

    /** What a service is found by, lower-cased (the script matches the same words): its name and code. */
    static String serviceWords(Service s) {
        return (s.name() + " " + s.code()).toLowerCase(Locale.ROOT);
    }

    /** What a country is found by: its name as we list it, in the visitor's language and in English, and its ISO code. */
    static String countryWords(Texts t, Country c) {
        Set<String> names = new LinkedHashSet<>(List.of(c.name(), t.countryName(c.iso2()), c.iso2()));
        return String.join(" ", names).toLowerCase(Locale.ROOT);
    }

    /** Whether every word of {@code q} is in {@code words} (any case); an empty search matches everything. */
    static boolean matches(String words, String q) {
        for (String w : q.toLowerCase(Locale.ROOT).split("\\s+")) {
            if (!w.isEmpty() && !words.contains(w)) {
                return false;
            }
        }
        return true;
    }

    /** Offers whose service or country matches every word of {@code q} (name or code, any case). */
    static List<Offer> search(Texts t, List<Offer> offers, String q) {
        return offers.stream().filter(o -> matches(serviceWords(o.service()) + " " + countryWords(t, o.country()), q)).toList();
    }

    /**
     * A service's mark, drawn here rather than fetched: one or two letters of its name on a
     * colour that follows from its code, so it is the same on every page and every node. The
     * name is written beside it, so the mark is decoration to assistive technology.
     */
    static String mark(Service s) {
        return "<span class=\"mark c" + Math.floorMod(s.code().hashCode(), MARK_COLOURS) + "\" aria-hidden=\"true\">" + Html.escape(monogram(s.name()))
                + "</span>";
    }

    /**
     * "Google Voice" → "GV", "WhatsApp" → "WA" (a word's own capital), "Telegram" → "T": the
     * initials of the first two words, else the first letter and the next capital of the one.
     */
    static String monogram(String name) {
        List<String> words = new ArrayList<>();
        for (String w : name.split("[^\\p{L}\\p{N}]+")) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
        if (words.isEmpty()) {
            return "?";
        }
        String first = words.get(0);
        String initial = new String(Character.toChars(first.codePointAt(0)));
        if (words.size() > 1) {
            return (initial + new String(Character.toChars(words.get(1).codePointAt(0)))).toUpperCase(Locale.ROOT);
        }
        int[] rest = first.codePoints().skip(1).filter(Character::isUpperCase).limit(1).toArray();
        return (initial + (rest.length == 0 ? "" : new String(rest, 0, 1))).toUpperCase(Locale.ROOT);
    }

    /**
     * A country's flag as the two regional-indicator letters of its ISO 3166 code, which
     * systems draw as the flag (or as the two letters where they have no flag font). Hidden
     * from assistive technology: the country's name is written beside it.
     */
    static String flag(String iso2) {
        if (iso2 == null || !iso2.matches("[A-Z]{2}")) {
            return "";
        }
        return "<span class=\"flag\" aria-hidden=\"true\">" + new String(Character.toChars(0x1F1E6 + iso2.charAt(0) - 'A'))
                + new String(Character.toChars(0x1F1E6 + iso2.charAt(1) - 'A')) + "</span>";
    }

    private Comparator<Offer> order(String sort) {
        return switch (sort) {
            case "price" -> Comparator.comparingLong(Offer::priceMicros).thenComparing(o -> o.service().name());
            case "stock" -> Comparator.comparingInt(Offer::stock).reversed().thenComparingLong(Offer::priceMicros);
            default -> {
                Map<String, Integer> sold = sales();
                yield Comparator.comparingInt((Offer o) -> -sold.getOrDefault(key(o), 0))
                        // Before sales tell, the well-known services in the well-known countries, mixed (not every country of the first service).
                        .thenComparingInt(o -> rank(KNOWN_FIRST, o.service().code()) + rank(KNOWN_COUNTRIES, o.country().iso2()))
                        .thenComparing(Comparator.comparingInt(Offer::stock).reversed())
                        .thenComparingLong(Offer::priceMicros);
            }
        };
    }

    private static int rank(List<String> known, String code) {
        int i = known.indexOf(code);
        return i < 0 ? 100 : i;
    }

    /** Our own outcomes per offer (finished orders of the last {@value #OUTCOME_DAYS} days), read at most once a minute per node. */
    private Map<String, Reports.OfferOutcome> outcomes() {
        if (System.nanoTime() - outcomesReadAt > POPULAR_CACHE.toNanos()) {
            Map<String, Reports.OfferOutcome> fresh = new HashMap<>();
            reports.allOfferOutcomes(OUTCOME_DAYS).forEach(o -> fresh.put(o.service() + ":" + o.country(), o));
            outcomes = fresh;
            outcomesReadAt = System.nanoTime();
        }
        return outcomes;
    }

    /** Recent sales per offer, read at most once a minute per node. */
    private Map<String, Integer> sales() {
        if (System.nanoTime() - salesReadAt > POPULAR_CACHE.toNanos()) {
            Map<String, Integer> fresh = new HashMap<>();
            orders.bestSellers(clock.instant().minus(POPULAR_WINDOW), 500).forEach(s -> fresh.put(s.service() + ":" + s.country(), s.sold()));
            sales = fresh;
            salesReadAt = System.nanoTime();
        }
        return sales;
    }
}
