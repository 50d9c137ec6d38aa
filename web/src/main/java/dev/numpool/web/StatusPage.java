package dev.numpool.web;

import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Service;
import dev.numpool.orders.Reports;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The public status page (issue 17): for each service, how many of the last day's orders got
 * their code and how long the code took (the median), from Numpool's own outcomes. Read at most
 * once a minute per node, however often the page is asked for: it is public.
 */
final class StatusPage {
    static final int HOURS = 24;
    /** Below this many finished orders a rate says little: the row says so instead. */
    static final int ENOUGH = 5;
    private static final Duration KEPT = Duration.ofMinutes(1);

    private final Reports reports;
    private final Inventory inventory;
    private final Clock clock;
    private volatile Reading last = new Reading(Instant.MIN, List.of());

    private record Reading(Instant at, List<Reports.ServiceOutcome> outcomes) {
    }

    StatusPage(Reports reports, Inventory inventory, Clock clock) {
        this.reports = reports;
        this.inventory = inventory;
        this.clock = clock;
    }

    void status(Visit visit, ServerRequest req, ServerResponse res) {
        Reading reading = last;
        if (!clock.instant().isBefore(reading.at().plus(KEPT))) {
            reading = new Reading(clock.instant(), reports.serviceOutcomes(HOURS));
            last = reading;
        }
        Texts t = visit.texts();
        StringBuilder rows = new StringBuilder();
        for (Reports.ServiceOutcome o : reading.outcomes()) {
            String name = inventory.service(o.service()).map(Service::name).orElse(null);
            if (name == null) {
                continue; // off sale
            }
            boolean enough = o.orders() >= ENOUGH;
            rows.append("<tr><th scope=\"row\">").append(Html.escape(name)).append("</th><td class=\"num\">").append(Html.escape(t.number(o.orders())))
                    .append("</td><td class=\"num\">").append(Html.escape(enough ? t.percent(o.deliveryPercent() / 100.0) : t.get("status.too-few")))
                    .append("</td><td class=\"num\">").append(enough ? o.medianTimeToCode().map(t::duration).map(Html::escape).orElse("–") : "–").append("</td></tr>");
        }
        String title = t.get("status.title");
        Website.send(res, 200, Html.page(visit, title, "/status", """
                <h1>%s</h1>
                <p>%s</p>
                %s""".formatted(Html.escape(title), Html.escape(t.get("status.intro", HOURS)),
                rows.isEmpty() ? "<p class=\"empty\">" + Html.escape(t.get("status.none", HOURS)) + "</p>" : """
                <table id="status"><thead><tr><th scope="col">%s</th><th scope="col" class="num">%s</th>
                <th scope="col" class="num">%s</th><th scope="col" class="num">%s</th></tr></thead>
                <tbody>%s</tbody></table>""".formatted(Html.escape(t.get("status.service")), Html.escape(t.get("status.orders")),
                        Html.escape(t.get("status.got-code")), Html.escape(t.get("status.median")), rows))));
    }
}
