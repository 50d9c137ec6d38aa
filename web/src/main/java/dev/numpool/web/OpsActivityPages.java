package dev.numpool.web;

import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Money;
import dev.numpool.orders.CodeReviewResult;
import dev.numpool.orders.CodeTemplate;
import dev.numpool.orders.OperatorRole.Permission;
import dev.numpool.orders.Operators;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Reports;
import dev.numpool.orders.SmsReview;
import dev.numpool.orders.Topups;
import dev.numpool.orders.UpstreamReport;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The console's pages about what happened: money (revenue, provider cost and margin per day,
 * provider and service, with a chart) and delivery (the SMS waiting for an operator to read
 * their code, upstream reports that need a person, the providers' report backlog), and the live
 * chart of orders and codes per minute the providers page opens with.
 */
final class OpsActivityPages {
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
    private static final int DAYS = 30;
    private static final Map<String, String> DONE = Map.of(
            "marked", "Code delivered: the customer sees it now, and is charged as for any code.",
            "dismissed", "Dismissed: no code in that SMS.",
            "template-added", "Template added: the reader tries it first from the next SMS of its service on.",
            "template-removed", "Template removed.");

    private final Reports reports;
    private final Orders orders;
    private final Topups topups;
    private final Inventory inventory;
    private final String currency;

    OpsActivityPages(Reports reports, Orders orders, Topups topups, Inventory inventory) {
        this.reports = reports;
        this.inventory = inventory;
        this.orders = orders;
        this.topups = topups;
        this.currency = inventory.currency();
    }

    /** Orders and codes per minute over the last hour, as the providers page shows it. */
    String liveChart() {
        List<Reports.Minute> minutes = reports.lastMinutes(60);
        return Charts.lines("Orders and codes per minute, last hour (UTC)", minutes.stream().map(m -> MINUTE.format(m.at())).toList(),
                List.of(new Charts.Series("orders", minutes.stream().map(Reports.Minute::orders).toList()),
                        new Charts.Series("codes", minutes.stream().map(Reports.Minute::codes).toList())), String::valueOf);
    }

    /** One provider: how each of its offers delivers (last 7 days), and its latest quote refreshes. */
    void provider(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        Inventory.ProviderHealth health = inventory.health().stream().filter(h -> h.name().equals(name)).findFirst()
                .orElseThrow(() -> new Website.NotFound("There is no provider '" + name + "'."));
        StringBuilder offers = new StringBuilder();
        for (Reports.OfferOutcome o : reports.offerOutcomes(name, 7)) {
            offers.append("<tr><td>").append(Html.escape(o.service())).append("</td><td>")
                    .append(Html.escape(inventory.country(o.country()).map(dev.numpool.inventory.Country::name).orElse(String.valueOf(o.country()))))
                    .append("</td><td class=\"num\">").append(o.orders()).append("</td><td class=\"num\">").append(o.deliveryPercent())
                    .append(" %</td><td class=\"num\">").append(o.medianTimeToCode().map(Html::duration).orElse("–")).append("</td></tr>");
        }
        StringBuilder refreshes = new StringBuilder();
        for (Inventory.Refresh r : inventory.refreshHistory(name, 20)) {
            refreshes.append("<tr><td>").append(Html.when(r.takenAt())).append("</td><td>").append(r.ok() ? "ok" : "failed").append("</td><td class=\"num\">")
                    .append(r.offers()).append("</td><td class=\"num\">").append(r.totalStock()).append("</td><td class=\"num\">")
                    .append(r.minCostMicros().map(Money::format).orElse("–")).append("</td><td>").append(Html.escape(r.error().orElse(""))).append("</td></tr>");
        }
        OpsConsole.send(res, 200, visit, operator, "Provider " + name, "/ops", """
                <h1>%s</h1>
                <p>%s; circuit %s; buy latency %d ms; %s.</p>
                <h2>Offers, last 7 days</h2>
                %s
                <h2>Quote refreshes</h2>
                %s""".formatted(Html.escape(name), Html.escape(health.kind()), Html.escape(health.circuit()), health.latencyMillis(),
                Html.escape(health.pausedReason().map(r -> "paused: " + r).orElse("in service")),
                offers.isEmpty() ? "<p class=\"empty\">No orders.</p>" : """
                        <table class="compact" id="offers"><thead><tr><th scope="col">Service</th><th scope="col">Country</th><th scope="col" class="num">Orders</th>
                        <th scope="col" class="num">With a code</th><th scope="col" class="num">Median time to code</th></tr></thead><tbody>%s</tbody></table>"""
                        .formatted(offers),
                refreshes.isEmpty() ? "<p class=\"empty\">None: its quotes are not refreshed (it lives in the process).</p>" : """
                        <table class="compact"><thead><tr><th scope="col">When</th><th scope="col">Result</th><th scope="col" class="num">Offers</th>
                        <th scope="col" class="num">Stock</th><th scope="col" class="num">Cheapest</th><th scope="col">Error</th></tr></thead><tbody>%s</tbody></table>"""
                        .formatted(refreshes)));
    }

    void money(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        List<Reports.Day> days = reports.lastDays(DAYS);
        String chart = days.isEmpty() ? "<p class=\"empty\">No orders in the last " + DAYS + " days.</p>" : Charts.lines(
                "Revenue, provider cost and margin per day (" + currency + ")", days.stream().map(d -> d.day().toString()).toList(),
                List.of(new Charts.Series("revenue", days.stream().map(Reports.Day::revenueMicros).toList()),
                        new Charts.Series("cost", days.stream().map(Reports.Day::costMicros).toList()),
                        new Charts.Series("margin", days.stream().map(Reports.Day::marginMicros).toList())), Money::format);
        OpsConsole.send(res, 200, visit, operator, "Money", "/ops/money", """
                <h1>Money</h1>
                <p>Over the last %d days. An order earns its price when its code arrives; the cost is what the provider charged for those.</p>
                %s
                <h2 id="by-provider">By provider</h2>
                %s
                <h2 id="by-service">By service</h2>
                %s
                <h2 id="owed">Accounts that owe</h2>
                %s
                <h2 id="disputes">Open card disputes</h2>
                %s
                <h2 id="stripe-waiting">Stripe events waiting</h2>
                <p>Events Numpool received but cannot apply yet (say, a refund of a payment not credited yet); they are retried for 3 days.</p>
                %s""".formatted(DAYS, chart, shares("Provider", reports.byProvider(DAYS)), shares("Service", reports.byService(DAYS)), debts(), disputes(),
                waitingEvents()));
    }

    private String debts() {
        StringBuilder rows = new StringBuilder();
        for (Reports.Debt d : reports.debts(50)) {
            rows.append("<tr><td><a href=\"/ops/accounts/").append(d.account().value()).append("\">").append(d.account().value()).append("</a></td><td class=\"num\">")
                    .append(Html.money(d.owedMicros(), d.currency())).append("</td></tr>");
        }
        return rows.isEmpty() ? "<p class=\"empty\">None.</p>" : """
                <table class="compact"><thead><tr><th scope="col">Account</th><th scope="col" class="num">Owes</th></tr></thead><tbody>%s</tbody></table>"""
                .formatted(rows);
    }

    private String disputes() {
        StringBuilder rows = new StringBuilder();
        for (Reports.Dispute d : reports.openDisputes(50)) {
            rows.append("<tr><td>").append(Html.escape(d.id())).append("</td><td><a href=\"/ops/accounts/").append(d.account().value()).append("\">")
                    .append(d.account().value()).append("</a></td><td class=\"num\">").append(Html.money(d.amountMicros(), d.currency())).append("</td><td>")
                    .append(Html.escape(d.status())).append("</td><td>").append(Html.when(d.openedAt())).append("</td></tr>");
        }
        return rows.isEmpty() ? "<p class=\"empty\">None.</p>" : """
                <table class="compact"><thead><tr><th scope="col">Dispute</th><th scope="col">Account</th><th scope="col" class="num">Amount</th>
                <th scope="col">Status</th><th scope="col">Opened</th></tr></thead><tbody>%s</tbody></table>""".formatted(rows);
    }

    private String waitingEvents() {
        StringBuilder rows = new StringBuilder();
        for (Topups.WaitingEvent e : topups.waiting(50)) {
            rows.append("<tr><td>").append(Html.escape(e.id())).append("</td><td>").append(Html.escape(e.type())).append("</td><td>")
                    .append(Html.when(e.receivedAt())).append("</td><td class=\"num\">").append(e.attempts()).append("</td><td>")
                    .append(Html.escape(e.why().orElse(""))).append("</td></tr>");
        }
        return rows.isEmpty() ? "<p class=\"empty\">None.</p>" : """
                <table class="compact"><thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Received</th>
                <th scope="col" class="num">Tries</th><th scope="col">Waiting for</th></tr></thead><tbody>%s</tbody></table>""".formatted(rows);
    }

    private String shares(String what, List<Reports.Share> shares) {
        if (shares.isEmpty()) {
            return "<p class=\"empty\">None.</p>";
        }
        StringBuilder rows = new StringBuilder();
        for (Reports.Share s : shares) {
            rows.append("<tr><th scope=\"row\">").append(Html.escape(s.key())).append("</th><td class=\"num\">").append(s.orders())
                    .append("</td><td class=\"num\">").append(s.deliveryPercent()).append(" %</td><td class=\"num\">")
                    .append(Html.money(s.revenueMicros(), currency)).append("</td><td class=\"num\">").append(Html.money(s.costMicros(), currency))
                    .append("</td><td class=\"num\">").append(Html.money(s.marginMicros(), currency)).append("</td></tr>");
        }
        return """
                <table class="compact"><thead><tr><th scope="col">%s</th><th scope="col" class="num">Orders</th><th scope="col" class="num">With a code</th>
                <th scope="col" class="num">Revenue</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Margin</th></tr></thead>
                <tbody>%s</tbody></table>""".formatted(what, rows);
    }

    void delivery(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        boolean mayReview = operator.role().may(Permission.REVIEW_CODES);
        StringBuilder queue = new StringBuilder();
        List<SmsReview> waiting = orders.reviewQueue(0, 50);
        for (SmsReview r : waiting) {
            queue.append("<li id=\"sms-").append(r.smsId()).append("\"><p>").append(Html.when(r.receivedAt())).append(", activation <a href=\"/ops/activations/")
                    .append(r.activationId()).append("\">").append(r.activationId()).append("</a> (").append(Html.escape(r.service())).append(", from ")
                    .append(Html.escape(r.sender().isEmpty() ? "no sender" : r.sender())).append(")</p><p class=\"sms\">").append(Html.escape(r.text()))
                    .append("</p>");
            if (mayReview) {
                queue.append("<form method=\"post\" action=\"/ops/delivery/sms/").append(r.smsId()).append("/code\" class=\"inline\">")
                        .append(Html.csrfField(visit)).append("<input name=\"code\" maxlength=\"16\" required aria-label=\"The code in SMS ").append(r.smsId())
                        .append("\"><button type=\"submit\" class=\"primary\">Deliver code</button></form> <form method=\"post\" action=\"/ops/delivery/sms/")
                        .append(r.smsId()).append("/dismiss\" class=\"inline\">").append(Html.csrfField(visit))
                        .append("<button type=\"submit\">No code</button></form>");
            }
            queue.append("</li>");
        }
        StringBuilder reportRows = new StringBuilder();
        for (String state : List.of("refused", "abandoned")) {
            for (UpstreamReport u : orders.upstreamReports(state, 50)) {
                reportRows.append("<tr><td>").append(Html.when(u.createdAt())).append("</td><td>").append(Html.escape(u.provider())).append("</td><td>")
                        .append(Html.escape(u.kind())).append("</td><td>").append(u.activationId().map(String::valueOf).orElse("–")).append("</td><td>")
                        .append(Html.escape(state)).append("</td><td>").append(Html.escape(u.lastError().orElse(""))).append("</td></tr>");
            }
        }
        StringBuilder backlog = new StringBuilder();
        orders.upstreamBacklog().forEach((provider, states) -> backlog.append("<li>").append(Html.escape(provider)).append(": ")
                .append(Html.escape(states.toString())).append("</li>"));
        OpsConsole.send(res, 200, visit, operator, "Delivery", "/ops/delivery", done(req) + """
                <h1>Delivery</h1>
                <h2>SMS without a code found (%s)</h2>
                <p>They reached a live activation and no code was read in them. The customer sees the text meanwhile; a code delivered here
                is delivered exactly as a read one (status, charge, webhook), once.</p>
                %s
                <h2>Webhooks</h2>
                %s
                <h2>Reports to providers that need a person</h2>
                %s
                <h2>Reports waiting per provider</h2>
                %s""".formatted(waiting.size() == 50 ? "the oldest 50" : String.valueOf(waiting.size()),
                queue.isEmpty() ? "<p class=\"empty\">Nothing to read.</p>" : "<ul class=\"messages\">" + queue + "</ul>", webhooks(),
                reportRows.isEmpty() ? "<p class=\"empty\">None.</p>" : """
                        <table class="compact"><thead><tr><th scope="col">Since</th><th scope="col">Provider</th><th scope="col">Report</th>
                        <th scope="col">Activation</th><th scope="col">State</th><th scope="col">Last error</th></tr></thead><tbody>%s</tbody></table>"""
                        .formatted(reportRows),
                backlog.isEmpty() ? "<p class=\"empty\">None.</p>" : "<ul>" + backlog + "</ul>"));
    }

    private String webhooks() {
        Reports.WebhookBacklog backlog = reports.webhookBacklog();
        StringBuilder rows = new StringBuilder();
        for (Reports.FailingEndpoint e : reports.failingEndpoints(50)) {
            rows.append("<tr><td><a href=\"/ops/accounts/").append(e.account().value()).append("\">").append(e.account().value()).append("</a></td><td>")
                    .append(Html.escape(e.url())).append("</td><td>").append(e.enabled() ? "failing since " + e.failingSince().map(Html::when).orElse("?")
                            : "disabled: " + Html.escape(e.disabledReason().orElse(""))).append("</td><td class=\"num\">").append(e.pending()).append("</td></tr>");
        }
        return "<p id=\"webhook-backlog\">" + backlog.pending() + " deliveries waiting" + backlog.oldest().map(o -> ", the oldest queued " + Html.when(o)).orElse("")
                + ".</p>" + (rows.isEmpty() ? "<p class=\"empty\">No endpoint is failing.</p>" : """
                <table class="compact"><thead><tr><th scope="col">Account</th><th scope="col">Endpoint</th><th scope="col">State</th>
                <th scope="col" class="num">Waiting</th></tr></thead><tbody>%s</tbody></table>""".formatted(rows));
    }

    void markCode(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        reviewed(visit, res, "marked", smsId(req).map(id -> orders.markCode(id, form.text("code").strip())));
    }

    void dismiss(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        reviewed(visit, res, "dismissed", smsId(req).map(orders::dismissSms));
    }

    private static void reviewed(Visit visit, ServerResponse res, String done, Optional<CodeReviewResult> result) {
        switch (result.orElseGet(CodeReviewResult.NotFound::new)) {
            case CodeReviewResult.Reviewed r -> Website.redirect(res, "/ops/delivery?done=" + done);
            case CodeReviewResult.NotFound n -> throw new Website.NotFound("There is no such SMS.");
            case CodeReviewResult.NotOpen n -> Website.errorPage(res, visit, 409, "Already reviewed",
                    "This SMS is not waiting for review any more (" + n.review() + "). Nothing was changed.");
            case CodeReviewResult.NotInText n -> Website.errorPage(res, visit, 422, "Not in the text",
                    "That code does not stand in the SMS's text. Copy it from the text and try again. Nothing was changed.");
            case CodeReviewResult.ActivationEnded e -> Website.errorPage(res, visit, 409, "The activation ended",
                    "The activation is " + e.status().wire() + ": the SMS is kept, and no code is delivered or charged.");
        }
    }

    // Code templates -----------------------------------------------------------------------------

    /**
     * The templates the code reader tries before its general rules, per service: shipped with
     * Numpool, learned from confirmed codes, or an operator's, each with its hits; support may add
     * one (a sender's new wording, without a release) or remove one that reads wrong.
     */
    void templates(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        Optional<String> service = req.query().first("service").asOptional().map(String::strip).filter(v -> !v.isEmpty());
        boolean mayChange = operator.role().may(Permission.REVIEW_CODES);
        StringBuilder rows = new StringBuilder();
        for (CodeTemplate t : orders.codeTemplates(service)) {
            rows.append("<tr id=\"template-").append(t.id()).append("\"><td>").append(Html.escape(t.service())).append("</td><td>")
                    .append(t.sender().isEmpty() ? "any" : Html.escape(t.sender())).append("</td><td class=\"sms\">").append(Html.escape(t.template()))
                    .append("</td><td>").append(Html.escape(t.origin())).append("</td><td class=\"num\">").append(t.hits()).append("</td><td>")
                    .append(t.lastHitAt().map(Html::when).orElse("never")).append("</td>");
            if (mayChange) {
                rows.append("<td><form method=\"post\" action=\"/ops/templates/").append(t.id()).append("/remove\" class=\"inline\">")
                        .append(Html.csrfField(visit))
                        // The list the operator was looking at comes back after the removal.
                        .append(service.map(v -> "<input type=\"hidden\" name=\"service\" value=\"" + Html.escape(v) + "\">").orElse(""))
                        .append("<button type=\"submit\" aria-label=\"Remove template ").append(t.id())
                        .append("\">Remove</button></form></td>");
            }
            rows.append("</tr>");
        }
        String add = mayChange ? """
                <h2>Add a template</h2>
                <p>The SMS as the service sends it, with <code>{code}</code> where a code of digits stands (<code>{code:alnum}</code> for
                letters and digits), <code>{n}</code> for a number that varies and <code>{*}</code> for any text; the rest must match as
                written (blanks as any blanks, letters in any case).</p>
                <form method="post" action="/ops/templates" class="stack">%s
                <label for="new-service">Service code</label><input id="new-service" name="service" required maxlength="16" value="%s">
                <label for="new-sender">Sender (empty for any)</label><input id="new-sender" name="sender" maxlength="64">
                <label for="new-template">Template</label><textarea id="new-template" name="template" required maxlength="1000" rows="3"></textarea>
                <button type="submit" class="primary">Add the template</button></form>""".formatted(Html.csrfField(visit), Html.escape(service.orElse(""))) : "";
        OpsConsole.send(res, 200, visit, operator, "Code templates", "/ops/templates", done(req) + """
                <h1>Code templates</h1>
                <p>The code reader tries these first for an SMS to an activation of their service, then its general rules. Learned ones
                come from codes a customer confirmed (the activation finished after the code) or an operator marked.</p>
                <form method="get" action="/ops/templates" class="inline"><label for="service">Service code</label>
                <input id="service" name="service" maxlength="16" value="%s"> <button type="submit">Show</button></form>
                %s
                %s""".formatted(Html.escape(service.orElse("")), rows.isEmpty() ? "<p class=\"empty\">No template.</p>" : """
                <table class="compact"><thead><tr><th scope="col">Service</th><th scope="col">Sender</th><th scope="col">Template</th>
                <th scope="col">Origin</th><th scope="col" class="num">Hits</th><th scope="col">Last hit</th>%s</tr></thead><tbody>%s</tbody></table>"""
                .formatted(mayChange ? "<th scope=\"col\">Change</th>" : "", rows), add));
    }

    void addTemplate(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String service = form.text("service").strip();
        String sender = form.text("sender").strip();
        switch (orders.addCodeTemplate(service, sender.isEmpty() ? null : sender, form.text("template"))) {
            case Orders.TemplateResult.Added added -> Website.redirect(res, templatesOf(added.template().service(), "template-added"));
            case Orders.TemplateResult.Invalid invalid -> Website.errorPage(res, visit, 422, "Not a template",
                    "The template was refused: " + invalid.why() + ". Nothing was added.");
            case Orders.TemplateResult.Exists exists -> Website.errorPage(res, visit, 409, "Already there",
                    "This service has this template for this sender already. Nothing was added.");
        }
    }

    void removeTemplate(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String raw = req.path().pathParameters().get("id");
        if (!raw.matches("[0-9]{1,18}") || !orders.removeCodeTemplate(Long.parseLong(raw))) {
            throw new Website.NotFound("There is no such template.");
        }
        Website.redirect(res, templatesOf(form.text("service").strip(), "template-removed"));
    }

    /** The templates page of one service (all of them for an empty one), saying what was {@code done}. */
    private static String templatesOf(String service, String done) {
        return "/ops/templates?" + (service.isEmpty() ? "" : "service=" + URLEncoder.encode(service, StandardCharsets.UTF_8) + "&") + "done=" + done;
    }

    private static Optional<Long> smsId(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        return id.matches("[0-9]{1,18}") ? Optional.of(Long.parseLong(id)) : Optional.empty();
    }

    private static String done(ServerRequest req) {
        return req.query().first("done").asOptional().map(DONE::get).map(t -> Html.notice("ok", t)).orElse("");
    }
}
