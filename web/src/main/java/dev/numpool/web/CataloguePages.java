package dev.numpool.web;

import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Mode;
import dev.numpool.inventory.Offer;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Reports;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The catalogue, for everyone: every offer with its live price and stock (from the inventory,
 * as the native {@code /v1/catalog} shows them), searchable by service and country, sorted by
 * popularity (sales over the last week, then the best-known services), price or stock.
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

    private final Inventory inventory;
    private final Orders orders;
    private final Reports reports;
    /** Per offer ("tg:0"), what our own outcomes say, read at most once a minute per node. */
    private volatile Map<String, Reports.OfferOutcome> outcomes = Map.of();
    private volatile long outcomesReadAt = System.nanoTime() - POPULAR_CACHE.toNanos() - 1;
    private volatile Map<String, Integer> sales = Map.of();
    private volatile long salesReadAt = System.nanoTime() - POPULAR_CACHE.toNanos() - 1;

    private final java.time.Clock clock;

    private final Duration window;

    CataloguePages(Inventory inventory, Orders orders, Reports reports, Duration window, java.time.Clock clock) {
        this.reports = reports;
        this.window = window;
        this.inventory = inventory;
        this.orders = orders;
        this.clock = clock;
    }

    void catalogue(Visit visit, ServerRequest req, ServerResponse res) {
        String q = req.query().first("q").orElse("").strip();
        if (q.length() > 64) {
            q = q.substring(0, 64);
        }
        String sort = req.query().first("sort").filter(s -> s.matches("popular|price|stock")).orElse("popular");
        int page = req.query().first("page").filter(p -> p.matches("[1-9][0-9]{0,3}")).map(Integer::parseInt).orElse(1);

        List<Offer> offers = search(inventory.offers(java.util.Optional.empty(), java.util.Optional.empty(), Mode.of(visit.testMode())), q);
        offers = offers.stream().sorted(order(sort)).toList();
        int pages = Math.max(1, (offers.size() + PAGE_SIZE - 1) / PAGE_SIZE);
        page = Math.min(page, pages);
        List<Offer> shown = offers.subList((page - 1) * PAGE_SIZE, Math.min(offers.size(), page * PAGE_SIZE));

        StringBuilder rows = new StringBuilder();
        Map<String, Reports.OfferOutcome> known = outcomes();
        for (Offer o : shown) {
            Reports.OfferOutcome outcome = known.get(o.service().code() + ":" + o.country().id());
            boolean enough = outcome != null && outcome.orders() >= StatusPage.ENOUGH;
            rows.append("<tr><td data-label=\"Service\">").append(Html.escape(o.service().name()))
                    .append("</td><td data-label=\"Country\">").append(Html.escape(o.country().name()))
                    .append("</td><td data-label=\"Price\" class=\"num\">").append(Html.money(o.priceMicros(), o.currency()))
                    .append("</td><td data-label=\"In stock\" class=\"num\">").append(o.stock())
                    .append("</td><td data-label=\"Got their code\" class=\"num\">").append(enough ? outcome.deliveryPercent() + " %" : "–")
                    .append("</td><td data-label=\"Time to code\" class=\"num\">")
                    .append(enough ? outcome.medianTimeToCode().map(Html::duration).orElse("–") : "–")
                    .append("</td><td class=\"act\"><a class=\"button\" href=\"/buy?service=").append(Html.escape(o.service().code()))
                    .append("&amp;country=").append(o.country().id()).append("\" aria-label=\"Buy ").append(Html.escape(o.service().name()))
                    .append(" in ").append(Html.escape(o.country().name())).append("\">Buy</a></td></tr>\n");
        }
        String table = shown.isEmpty()
                ? "<p class=\"empty\">No offer matches “" + Html.escape(q) + "”. Try a service such as Telegram, or a country such as Brazil.</p>"
                : """
                  <table class="offers catalogue"><caption class="visually-hidden">Offers</caption>
                  <thead><tr><th scope="col">Service</th><th scope="col">Country</th><th scope="col" class="num">Price</th>
                  <th scope="col" class="num">In stock</th><th scope="col" class="num">Got their code <span class="hint">(last %d days)</span></th>
                  <th scope="col" class="num">Median time to code</th><th scope="col"><span class="visually-hidden">Buy</span></th></tr></thead>
                  <tbody>
                  %s</tbody></table>
                  """.formatted(OUTCOME_DAYS, rows);
        StringBuilder pager = new StringBuilder("<nav class=\"pager\" aria-label=\"Pages\">");
        // Plain '&' here: the one Html.escape below makes it '&amp;' in the attribute.
        String base = "/?q=" + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8) + "&sort=" + sort + "&page=";
        if (page > 1) {
            pager.append("<a href=\"").append(Html.escape(base)).append(page - 1).append("\">← Previous</a>");
        }
        pager.append("<span>Page ").append(page).append(" of ").append(pages).append(" · ").append(offers.size()).append(" offers</span>");
        if (page < pages) {
            pager.append("<a href=\"").append(Html.escape(base)).append(page + 1).append("\">Next →</a>");
        }
        pager.append("</nav>");

        String main = """
                <h1>Buy a number, get the code</h1>
                <p class="lead">Pick a service and a country. You pay only if a code arrives within %s; otherwise the money goes back.</p>
                <form class="search" method="get" action="/" role="search">
                <div class="field grow"><label for="q">Service or country</label>
                <input id="q" name="q" type="search" value="%s" maxlength="64" placeholder="e.g. Telegram Brazil" autocomplete="off"></div>
                <div class="field"><label for="sort">Sort by</label>
                <select id="sort" name="sort">
                <option value="popular"%s>Popular first</option><option value="price"%s>Lowest price</option><option value="stock"%s>Most in stock</option>
                </select></div>
                <button type="submit">Show offers</button>
                </form>
                %s
                %s
                %s
                """.formatted(Html.escape(Html.duration(window)), Html.escape(q), sort.equals("popular") ? " selected" : "", sort.equals("price") ? " selected" : "",
                sort.equals("stock") ? " selected" : "", recent(visit), table, pager);
        Website.send(res, 200, Html.page(visit, "Catalogue", "/", main));
    }

    /**
     * A signed-in buyer's recent choices (issue 17): the last few offers they bought, still on
     * sale, with their live price, one click from buying again. Read from their own activations.
     */
    private String recent(Visit visit) {
        if (!visit.signedIn()) {
            return "";
        }
        java.util.LinkedHashSet<String> seen = new java.util.LinkedHashSet<>();
        StringBuilder links = new StringBuilder();
        for (var a : orders.activations(visit.owner(), java.util.Optional.empty(), RECENT_LOOKBACK, java.util.Optional.empty()).items()) {
            if (seen.size() == RECENT_SHOWN || !seen.add(a.service() + ":" + a.country())) {
                continue;
            }
            var service = inventory.service(a.service());
            var country = inventory.country(a.country());
            if (service.isEmpty() || country.isEmpty()) {
                continue; // off sale now
            }
            links.append("<li><a href=\"/buy?service=").append(Html.escape(a.service())).append("&amp;country=").append(a.country()).append("\">")
                    .append(Html.escape(service.get().name())).append(", ").append(Html.escape(country.get().name())).append("</a></li>");
        }
        return links.isEmpty() ? "" : "<section aria-labelledby=\"recent-title\" class=\"recent\"><h2 id=\"recent-title\">Buy again</h2><ul>"
                + links + "</ul></section>";
    }

    /** Offers whose service or country matches every word of {@code q} (name or code, any case). */
    static List<Offer> search(List<Offer> offers, String q) {
        String[] words = q.toLowerCase(Locale.ROOT).split("\\s+");
        return offers.stream().filter(o -> {
            String hay = (o.service().name() + " " + o.service().code() + " " + o.country().name() + " " + o.country().iso2())
                    .toLowerCase(Locale.ROOT);
            for (String w : words) {
                if (!w.isEmpty() && !hay.contains(w)) {
                    return false;
                }
            }
            return true;
        }).toList();
    }

    private Comparator<Offer> order(String sort) {
        return switch (sort) {
            case "price" -> Comparator.comparingLong(Offer::priceMicros).thenComparing(o -> o.service().name());
            case "stock" -> Comparator.comparingInt(Offer::stock).reversed().thenComparingLong(Offer::priceMicros);
            default -> {
                Map<String, Integer> sold = sales();
                yield Comparator.comparingInt((Offer o) -> -sold.getOrDefault(o.service().code() + ":" + o.country().id(), 0))
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
