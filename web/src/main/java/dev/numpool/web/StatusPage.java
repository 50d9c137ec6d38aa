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
        StringBuilder rows = new StringBuilder();
        for (Reports.ServiceOutcome o : reading.outcomes()) {
            String name = inventory.service(o.service()).map(Service::name).orElse(null);
            if (name == null) {
                continue; // off sale
            }
            boolean enough = o.orders() >= ENOUGH;
            rows.append("<tr><th scope=\"row\">").append(Html.escape(name)).append("</th><td class=\"num\">").append(o.orders())
                    .append("</td><td class=\"num\">").append(enough ? o.deliveryPercent() + " %" : "too few to say")
                    .append("</td><td class=\"num\">").append(enough ? o.medianTimeToCode().map(Html::duration).orElse("–") : "–").append("</td></tr>");
        }
        Website.send(res, 200, Html.page(visit, "Status", "/status", """
                <h1>Status</h1>
                <p>How the last %d hours went, from our own orders: for each service, the share of numbers that got their code and the
                median time from purchase to code. Numbers still waiting for their code are not counted yet. Updated every minute.</p>
                %s""".formatted(HOURS, rows.isEmpty() ? "<p class=\"empty\">No finished orders in the last " + HOURS + " hours.</p>" : """
                <table id="status"><thead><tr><th scope="col">Service</th><th scope="col" class="num">Orders</th>
                <th scope="col" class="num">Got their code</th><th scope="col" class="num">Median time to code</th></tr></thead>
                <tbody>%s</tbody></table>""".formatted(rows))));
    }
}
