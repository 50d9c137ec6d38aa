package dev.numpool.web;

import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.PoolCsv;
import dev.numpool.orders.OperatorRole.Permission;
import dev.numpool.orders.Operators;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The console's pool of own rented numbers: every number with its lease, those whose lease ends
 * within a week marked (renew them with the vendor and import them again with the new end, or let
 * them go), and the import form (the operator API's CSV).
 */
final class OpsPoolPage {
    /** A lease ending sooner than this is worth a look. */
    static final Duration NEAR_END = Duration.ofDays(7);
    private static final int SHOWN = 1_000;

    private final Inventory inventory;
    private final Clock clock;

    OpsPoolPage(Inventory inventory, Clock clock) {
        this.inventory = inventory;
        this.clock = clock;
    }

    void pool(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        show(res, 200, visit, operator, req.query().first("done").isPresent() ? Html.notice("ok", "Imported: the numbers are on sale now.") : "", "");
    }

    void importNumbers(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String csv = form.text("csv");
        switch (PoolCsv.parse(csv)) {
            case PoolCsv.Parsed.Malformed malformed -> show(res, 400, visit, operator, Html.notice("error", malformed.problem() + " Nothing was imported."), csv);
            case PoolCsv.Parsed.Entries entries -> {
                switch (inventory.importPool(entries.entries())) {
                    case Inventory.PoolImportResult.Imported imported -> Website.redirect(res, "/ops/pool?done=" + imported.numbers());
                    case Inventory.PoolImportResult.Refused refused -> show(res, 400, visit, operator, Html.notice("error",
                            "Nothing was imported: " + String.join("; ", refused.problems().subList(0, Math.min(20, refused.problems().size())))
                                    + (refused.problems().size() > 20 ? "; …" : "") + "."), csv);
                }
            }
        }
    }

    private void show(ServerResponse res, int status, Visit visit, Operators.Operator operator, String notice, String csv) {
        Instant now = clock.instant();
        List<Inventory.PoolNumberView> numbers = inventory.poolNumbers(SHOWN);
        long near = numbers.stream().filter(n -> n.releasedAt().isEmpty() && n.leaseEndsAt().isBefore(now.plus(NEAR_END))).count();
        StringBuilder rows = new StringBuilder();
        for (Inventory.PoolNumberView n : numbers) {
            boolean ending = n.releasedAt().isEmpty() && n.leaseEndsAt().isBefore(now.plus(NEAR_END));
            rows.append("<tr><td>").append(Html.escape(n.phone())).append("</td><td>").append(Html.escape(country(n.country()))).append("</td><td>")
                    .append(Html.escape(n.rentedFrom())).append("</td><td>").append(ending ? "<strong class=\"low\">" : "").append(Html.when(n.leaseEndsAt()))
                    .append(ending ? " (soon)</strong>" : "").append("</td><td>").append(Html.escape(n.gatewayDevice().map(d -> d + n.gatewaySim()
                            .map(s -> " SIM " + s).orElse("")).orElse("–"))).append("</td><td>")
                    .append(n.releasedAt().map(r -> "released " + Html.when(r)).orElse(n.inUse() ? "in use" : "free")).append("</td></tr>");
        }
        String form = !operator.role().may(Permission.IMPORT_POOL) ? "" : """
                <h2>Import</h2>
                <form class="stack" method="post" action="/ops/pool">
                %s
                <label for="csv">CSV: <code>phone,rented_from,lease_ends_at[,gateway_device,gateway_sim]</code>, one number per line;
                a number already in the pool gets the new lease end</label>
                <textarea id="csv" name="csv" rows="6" required maxlength="15000">%s</textarea>
                <button type="submit" class="primary">Import numbers</button>
                </form>""".formatted(Html.csrfField(visit), Html.escape(csv));
        OpsConsole.send(res, status, visit, operator, "Pool", "/ops/pool", notice + """
                <h1>Pool</h1>
                <p>%d numbers%s; %d with a lease ending within %d days.</p>
                %s
                <table class="compact" id="pool"><thead><tr><th scope="col">Number</th><th scope="col">Country</th><th scope="col">Rented from</th>
                <th scope="col">Lease ends</th><th scope="col">Gateway</th><th scope="col">State</th></tr></thead><tbody>%s</tbody></table>
                """.formatted(numbers.size(), numbers.size() == SHOWN ? " shown (the first " + SHOWN + ")" : "", near, NEAR_END.toDays(), form, rows));
    }

    private String country(int id) {
        return inventory.country(id).map(dev.numpool.inventory.Country::name).orElse(String.valueOf(id));
    }
}
