package dev.numpool.web;

import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Service;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.AccountSummary;
import dev.numpool.orders.Activation;
import dev.numpool.orders.AdjustResult;
import dev.numpool.orders.Balance;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.LedgerEntry;
import dev.numpool.orders.OperatorAudit;
import dev.numpool.orders.OperatorRole.Permission;
import dev.numpool.orders.Operators;
import dev.numpool.orders.Orders;
import dev.numpool.orders.Page;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * The console's pages: providers (health, pause and resume), markups (with a preview of the
 * prices they make), accounts (search, balance, movements, credits and debits), activations
 * (found by number, with their trace and SMS) and the audit log. Adapters over the same doors as
 * the operator API; {@link OpsConsole} checks who may see and send them. A form is shown only to
 * a role that may send it.
 */
final class OpsPages {
    private static final int ROWS = 25;
    private static final Map<String, String> DONE = Map.of(
            "paused", "Provider paused: routing passes it by from the next order.",
            "resumed", "Provider back in service.",
            "saved", "Markups saved: the catalogue shows the new prices now on this node, within seconds on the others.",
            "adjusted", "Balance adjusted. The customer's statement shows it.",
            "blocked", "Account blocked: its keys stop working within seconds, its sign-ins at once.",
            "unblocked", "Account unblocked.");

    private final Operators operators;
    private final Inventory inventory;
    private final Ledger ledger;
    private final Orders orders;
    private final OperatorAudit audit;
    private final OpsActivityPages activity;

    OpsPages(Operators operators, Inventory inventory, Ledger ledger, Orders orders, OperatorAudit audit, OpsActivityPages activity) {
        this.operators = operators;
        this.inventory = inventory;
        this.ledger = ledger;
        this.orders = orders;
        this.audit = audit;
        this.activity = activity;
    }

    // Providers ----------------------------------------------------------------------------------

    void providers(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        boolean mayPause = operator.role().may(Permission.PAUSE_PROVIDERS);
        Map<String, Inventory.ProviderBalance> balances = new LinkedHashMap<>();
        inventory.providerBalances().forEach(b -> balances.put(b.provider(), b));
        StringBuilder warnings = new StringBuilder();
        balances.values().stream().filter(Inventory.ProviderBalance::low).forEach(b -> warnings.append(Html.notice("error", "Low balance at "
                + b.provider() + ": " + Money.format(b.micros().orElseThrow()) + " left (warning below " + Money.format(b.lowMicros())
                + "). Top it up there: an account that runs dry fails every purchase, and orders go to other providers.")));
        StringBuilder rows = new StringBuilder();
        for (Inventory.ProviderHealth h : inventory.health()) {
            String state = h.pausedReason().map(r -> "Paused: " + (r.isEmpty() ? "no reason given" : r)).orElse("In service");
            rows.append("<tr><th scope=\"row\"><a href=\"/ops/providers/").append(Html.escape(h.name())).append("\">").append(Html.escape(h.name()))
                    .append("</a></th><td>").append(Html.escape(h.kind()))
                    .append("</td><td>").append(Html.escape(h.circuit())).append("</td><td class=\"num\">").append(h.latencyMillis())
                    .append(" ms</td><td class=\"num\">").append(h.offers()).append("</td><td class=\"num\">").append(h.stock())
                    .append("</td><td class=\"num\">").append(h.deliveredToday()).append(" / ").append(h.endedToday())
                    .append("</td><td class=\"num\">").append(h.medianTimeToCode().map(Html::duration).orElse("–"))
                    .append("</td><td class=\"num\">").append(balance(balances.get(h.name())))
                    .append("</td><td>").append(Html.escape(state)).append("</td>");
            if (mayPause) {
                rows.append("<td class=\"act\">").append(pauseForm(visit, h)).append("</td>");
            }
            rows.append("</tr>");
        }
        send(res, visit, operator, "Providers", "/ops", done(req) + """
                <h1>Providers</h1>
                %s%s
                <table id="providers"><caption>Every provider this node routes to. Codes today: activations that got a code / that ended.</caption>
                <thead><tr><th scope="col">Provider</th><th scope="col">Kind</th><th scope="col">Circuit</th><th scope="col" class="num">Buy latency</th>
                <th scope="col" class="num">Offers</th><th scope="col" class="num">Stock</th><th scope="col" class="num">Codes today</th>
                <th scope="col" class="num">Median time to code</th><th scope="col" class="num">Balance there</th><th scope="col">Status</th>%s</tr></thead>
                <tbody>%s</tbody></table>
                """.formatted(warnings, activity.liveChart(), mayPause ? "<th scope=\"col\">Change</th>" : "", rows));
    }

    /** A provider's balance there (its own currency), "–" for providers without one, or why it is unknown. */
    private static String balance(Inventory.ProviderBalance b) {
        if (b == null) {
            return "–";
        }
        return b.micros().map(m -> (b.low() ? "<strong class=\"low\">" : "") + Html.escape(Money.format(m)) + (b.low() ? " (low)</strong>" : ""))
                .orElse("<span title=\"" + Html.escape(b.problem().orElse("")) + "\">unknown</span>");
    }

    private static String pauseForm(Visit visit, Inventory.ProviderHealth h) {
        String action = "/ops/providers/" + Html.escape(h.name()) + "/pause";
        if (h.pausedReason().isPresent()) {
            return "<form method=\"post\" action=\"" + action + "\" class=\"inline\">" + Html.csrfField(visit)
                    + "<input type=\"hidden\" name=\"paused\" value=\"false\"><button type=\"submit\">Resume " + Html.escape(h.name()) + "</button></form>";
        }
        return "<form method=\"post\" action=\"" + action + "\" class=\"inline\">" + Html.csrfField(visit)
                + "<input type=\"hidden\" name=\"paused\" value=\"true\"><input name=\"reason\" maxlength=\"200\" required placeholder=\"Reason\" "
                + "aria-label=\"Why pause " + Html.escape(h.name()) + "\"><button type=\"submit\" class=\"danger\">Pause " + Html.escape(h.name())
                + "</button></form>";
    }

    void pause(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        boolean pause = form.text("paused").equals("true");
        String reason = pause ? form.text("reason").strip() : "";
        if (pause && (reason.isEmpty() || reason.length() > 200)) {
            Website.errorPage(res, visit, 400, "Say why", "A pause needs a reason of 1 to 200 characters, so the next operator knows. Nothing was changed.");
            return;
        }
        if (!inventory.pause(name, pause, reason)) {
            throw new Website.NotFound("There is no provider '" + name + "'.");
        }
        Website.redirect(res, "/ops?done=" + (pause ? "paused" : "resumed"));
    }

    Optional<Object> providerState(ServerRequest req) {
        String name = req.path().pathParameters().get("name");
        return inventory.health().stream().filter(h -> h.name().equals(name)).findFirst()
                .map(h -> map("paused", h.pausedReason().isPresent(), "reason", h.pausedReason().orElse(null)));
    }

    // Markups ------------------------------------------------------------------------------------

    /** The markups in force; with {@code percent} in the query, a preview of proposed ones (nothing is saved). */
    void markups(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        Inventory.Markups now = inventory.markups();
        Proposal shown = new Proposal(String.valueOf(now.defaultPercent()), Money.format(now.minimumMarginMicros()), rulesText(now.rules()));
        String preview = "";
        int status = 200;
        if (req.query().first("percent").isPresent()) {
            shown = new Proposal(req.query().first("percent").orElse(""), req.query().first("margin").orElse(""), req.query().first("rules").orElse(""));
            Object parsed = shown.parse();
            if (parsed instanceof String error) {
                preview = Html.notice("error", error);
                status = 400;
            } else {
                Parsed p = (Parsed) parsed;
                preview = switch (inventory.previewMarkups(p.percent(), p.margin(), p.rules(), req.query().first("service").asOptional().filter(code -> !code.isBlank()), 200)) {
                    case Inventory.MarkupPreview.Refused refused -> {
                        status = 400;
                        yield Html.notice("error", "These markups would be refused: " + refused.reason() + ".");
                    }
                    case Inventory.MarkupPreview.Prices prices -> previewTable(prices.rows());
                };
            }
        }
        send(res, status, visit, operator, "Markups", "/ops/markups", done(req) + markupsPage(visit, operator, now, shown) + preview);
    }

    private String markupsPage(Visit visit, Operators.Operator operator, Inventory.Markups now, Proposal shown) {
        boolean maySave = operator.role().may(Permission.CHANGE_MARKUPS);
        return """
                <h1>Markups</h1>
                <p>A sell price is the provider's cost plus a markup: the most specific rule that matches the offer, else the default;
                never less than the minimum margin above cost. In force now: %d %%, minimum margin %s, %d rules%s.</p>
                <form class="stack" method="%s" action="/ops/markups">
                %s
                <label for="percent">Default markup (%%)</label>
                <input id="percent" name="percent" inputmode="numeric" value="%s" required maxlength="4">
                <label for="margin">Minimum margin (%s)</label>
                <input id="margin" name="margin" value="%s" required maxlength="20">
                <label for="rules">Rules, one per line: <code>service=tg country=0 provider=simulator percent=40</code> (leave out what any may match)</label>
                <textarea id="rules" name="rules" rows="6" maxlength="8000">%s</textarea>
                <label for="service">Preview one service only (code, optional)</label>
                <input id="service" name="service" maxlength="8">
                <div class="actions"><button type="submit" formmethod="get" formaction="/ops/markups">Preview prices</button>%s</div>
                </form>
                """.formatted(now.defaultPercent(), Html.escape(Money.format(now.minimumMarginMicros())), now.rules().size(),
                now.setByOperator() ? " (set by an operator)" : " (from the configuration)", maySave ? "post" : "get",
                maySave ? Html.csrfField(visit) : "", Html.escape(shown.percent()), Html.escape(inventory.currency()), Html.escape(shown.margin()),
                Html.escape(shown.rules()), maySave ? "<button type=\"submit\" class=\"primary\">Save markups</button>" : "");
    }

    private String previewTable(List<Inventory.PricePreview> rows) {
        if (rows.isEmpty()) {
            return Html.notice("ok", "No provider offers anything to price yet.");
        }
        StringBuilder out = new StringBuilder("""
                <h2 id="preview">Preview</h2>
                <table class="compact" aria-labelledby="preview"><thead><tr><th scope="col">Service</th><th scope="col">Country</th>
                <th scope="col">Provider</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Price now</th>
                <th scope="col" class="num">Price then</th><th scope="col" class="num">Margin then</th></tr></thead><tbody>""");
        for (Inventory.PricePreview r : rows) {
            out.append("<tr><td>").append(Html.escape(r.service())).append("</td><td>").append(Html.escape(countryName(r.country())))
                    .append("</td><td>").append(Html.escape(r.provider())).append("</td><td class=\"num\">").append(Html.escape(Money.format(r.costMicros())))
                    .append("</td><td class=\"num\">").append(Html.escape(Money.format(r.priceNowMicros())))
                    .append("</td><td class=\"num preview-price\">").append(Html.escape(Money.format(r.priceThenMicros())))
                    .append("</td><td class=\"num\">").append(Html.escape(Money.format(r.marginThenMicros()))).append("</td></tr>");
        }
        return out.append("</tbody></table>").toString();
    }

    void setMarkups(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Proposal proposal = new Proposal(form.text("percent"), form.text("margin"), form.text("rules"));
        Object parsed = proposal.parse();
        Optional<String> refused = parsed instanceof Parsed p ? inventory.setMarkups(p.percent(), p.margin(), p.rules()) : Optional.of((String) parsed);
        if (refused.isPresent()) {
            send(res, 400, visit, operator, "Markups", "/ops/markups", Html.notice("error", "Markups not saved: " + refused.get() + ".")
                    + markupsPage(visit, operator, inventory.markups(), proposal));
            return;
        }
        Website.redirect(res, "/ops/markups?done=saved");
    }

    Optional<Object> markupState(ServerRequest req) {
        Inventory.Markups m = inventory.markups();
        return Optional.of(map("markupPercent", m.defaultPercent(), "minimumMargin", Money.format(m.minimumMarginMicros()), "rules", rulesText(m.rules())));
    }

    /** Markups as typed into the form. */
    private record Proposal(String percent, String margin, String rules) {
        /** {@link Parsed}, or what is wrong (a String). */
        Object parse() {
            if (!percent.strip().matches("[0-9]{1,4}")) {
                return "The default markup is a whole percent from 0 to 1000.";
            }
            OptionalLong m = Money.parseMicros(margin.strip());
            if (m.isEmpty() || m.getAsLong() < 0) {
                return "The minimum margin is an amount such as 0.01.";
            }
            List<Inventory.MarkupRule> parsed = new ArrayList<>();
            String[] lines = rules.split("\\R", 202);
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) {
                    continue;
                }
                Map<String, String> fields = new LinkedHashMap<>();
                for (String token : lines[i].strip().split("\\s+", 10)) {
                    int eq = token.indexOf('=');
                    if (eq <= 0 || !Set.of("service", "country", "provider", "percent").contains(token.substring(0, eq))
                            || fields.putIfAbsent(token.substring(0, eq), token.substring(eq + 1)) != null) {
                        return "Line " + (i + 1) + " of the rules: write service=, country=, provider= and percent= once each, as in the example.";
                    }
                }
                if (!fields.getOrDefault("percent", "").matches("[0-9]{1,4}") || !fields.getOrDefault("country", "0").matches("[0-9]{1,6}")) {
                    return "Line " + (i + 1) + " of the rules: percent= is a whole percent, country= a country id.";
                }
                parsed.add(new Inventory.MarkupRule(Optional.ofNullable(fields.get("service")), Optional.ofNullable(fields.get("country")).map(Integer::parseInt),
                        Optional.ofNullable(fields.get("provider")), Long.parseLong(fields.get("percent"))));
            }
            return new Parsed(Long.parseLong(percent.strip()), m.getAsLong(), parsed);
        }
    }

    private record Parsed(long percent, long margin, List<Inventory.MarkupRule> rules) {
    }

    private static String rulesText(List<Inventory.MarkupRule> rules) {
        StringBuilder out = new StringBuilder();
        for (Inventory.MarkupRule r : rules) {
            r.service().ifPresent(s -> out.append("service=").append(s).append(' '));
            r.country().ifPresent(c -> out.append("country=").append(c).append(' '));
            r.provider().ifPresent(p -> out.append("provider=").append(p).append(' '));
            out.append("percent=").append(r.percent()).append('\n');
        }
        return out.toString();
    }

    // Accounts -----------------------------------------------------------------------------------

    void accounts(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        String q = req.query().first("q").orElse("");
        StringBuilder rows = new StringBuilder();
        for (AccountSummary a : operators.findAccounts(q)) {
            rows.append("<tr><td><a href=\"/ops/accounts/").append(a.id().value()).append("\">").append(a.id().value()).append("</a></td><td>")
                    .append(Html.escape(a.email().orElse("(API only)"))).append("</td><td>").append(a.sandbox() ? "sandbox" : "live")
                    .append(a.blockedReason().isPresent() ? ", blocked" : "")
                    .append("</td><td>").append(Html.when(a.createdAt())).append("</td></tr>");
        }
        String results = q.isBlank() ? "" : rows.isEmpty() ? "<p class=\"empty\">No account matches.</p>" : """
                <table><thead><tr><th scope="col">Account</th><th scope="col">Email</th><th scope="col">Kind</th><th scope="col">Since</th></tr></thead>
                <tbody>%s</tbody></table>""".formatted(rows);
        send(res, visit, operator, "Accounts", "/ops/accounts", """
                <h1>Accounts</h1>
                <form class="search" method="get" action="/ops/accounts"><div class="field grow"><label for="q">Email (or its start) or account id</label>
                <input id="q" name="q" value="%s" maxlength="254"></div><button type="submit">Find</button></form>
                %s""".formatted(Html.escape(q), results));
    }

    void account(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        AccountSummary a = summary(req);
        Balance b = ledger.balance(a.id());
        StringBuilder moves = new StringBuilder();
        Page<LedgerEntry> entries = ledger.transactions(a.id(), new Ledger.TransactionQuery(Set.of(), Optional.empty(), Optional.empty(), Optional.empty(), ROWS));
        for (LedgerEntry e : entries.items()) {
            moves.append("<tr><td>").append(Html.when(e.createdAt())).append("</td><td>").append(Html.escape(e.type())).append("</td><td class=\"num\">")
                    .append(Html.escape(Money.format(e.availableChangeMicros()))).append("</td><td>").append(Html.escape(e.reference())).append("</td></tr>");
        }
        String adjust = !operator.role().may(Permission.ADJUST_BALANCES) ? "" : """
                <h2>Credit or debit</h2>
                <form class="stack narrow" method="post" action="/ops/accounts/%d/adjustments">
                %s
                <input type="hidden" name="key" value="%s">
                <label for="direction">Direction</label>
                <select id="direction" name="direction"><option value="credit">Credit (add to the balance)</option><option value="debit">Debit (take from it)</option></select>
                <label for="amount">Amount (%s)</label>
                <input id="amount" name="amount" inputmode="decimal" required maxlength="20">
                <label for="reason">Reason (the customer's statement shows the kind, the audit log the reason)</label>
                <input id="reason" name="reason" required maxlength="500">
                <button type="submit" class="primary">Adjust balance</button>
                </form>""".formatted(a.id().value(), Html.csrfField(visit), UUID.randomUUID(), Html.escape(b.currency()));
        String block = !operator.role().may(Permission.BLOCK_ACCOUNTS) ? "" : a.blockedReason().isPresent() ? """
                <form method="post" action="/ops/accounts/%d/block" class="inline">%s<input type="hidden" name="blocked" value="false">
                <button type="submit">Unblock the account</button></form>""".formatted(a.id().value(), Html.csrfField(visit)) : """
                <form method="post" action="/ops/accounts/%d/block" class="search">%s<input type="hidden" name="blocked" value="true">
                <div class="field grow"><label for="block-reason">Block: its keys and sign-ins stop working (live activations run their course)</label>
                <input id="block-reason" name="reason" required maxlength="200" placeholder="Reason"></div>
                <button type="submit" class="danger">Block the account</button></form>""".formatted(a.id().value(), Html.csrfField(visit));
        send(res, visit, operator, "Account " + a.id().value(), "/ops/accounts", done(req) + """
                <h1>Account %d</h1>
                %s
                <dl class="facts"><dt>Status</dt><dd id="account-status">%s</dd><dt>Email</dt><dd>%s</dd><dt>Kind</dt><dd>%s</dd><dt>Since</dt><dd>%s</dd>
                <dt>Available</dt><dd id="available">%s</dd><dt>Held</dt><dd>%s</dd><dt>Owed</dt><dd>%s</dd></dl>
                %s
                <h2>Latest movements</h2>
                <table class="compact"><thead><tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col" class="num">Available change</th>
                <th scope="col">Reference</th></tr></thead><tbody>%s</tbody></table>
                <h2>Latest activations</h2>
                %s""".formatted(a.id().value(), block, Html.escape(a.blockedReason().map(r -> "Blocked: " + r).orElse("Active")),
                Html.escape(a.email().orElse("(API only)")), a.sandbox() ? "sandbox" : "live", Html.when(a.createdAt()),
                Html.money(b.availableMicros(), b.currency()), Html.money(b.heldMicros(), b.currency()), Html.money(b.debtMicros(), b.currency()),
                adjust, moves, activationTable(orders.activations(a.id(), Optional.empty(), ROWS, Optional.empty()).items())));
    }

    void adjust(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        AccountSummary a = summary(req);
        OptionalLong amount = Money.parseMicros(form.text("amount").strip());
        String reason = form.text("reason").strip();
        String key = form.text("key");
        if (amount.isEmpty() || amount.getAsLong() <= 0 || amount.getAsLong() > Money.MAX_MICROS || reason.isEmpty() || reason.length() > 500
                || !Set.of("credit", "debit").contains(form.text("direction")) || key.isEmpty() || key.length() > 200) {
            Website.errorPage(res, visit, 400, "Check the adjustment", "An adjustment needs a direction, a positive amount such as 5.00 and a reason "
                    + "(at most 500 characters). Nothing was changed.");
            return;
        }
        switch (ledger.adjust(a.id(), form.text("direction").equals("credit"), amount.getAsLong(), reason, operator.ledgerActor(), "console:" + key)) {
            case AdjustResult.Adjusted done -> Website.redirect(res, "/ops/accounts/" + a.id().value() + "?done=adjusted");
            case AdjustResult.InsufficientBalance short_ -> Website.errorPage(res, visit, 409, "Not enough balance", "The account has only "
                    + Money.format(short_.availableMicros()) + " available, less than the debit. Nothing was changed.");
            case AdjustResult.KeyReused reused -> Website.errorPage(res, visit, 409, "Form sent twice with changes",
                    "This form was sent before with other values. Reload the account and fill in a new form. Nothing was changed.");
            case AdjustResult.UnknownAccount unknown -> throw new Website.NotFound("There is no account " + a.id().value() + ".");
            case AdjustResult.TestAccount test -> Website.errorPage(res, visit, 403, "A test account",
                    "This account holds play money for a customer's test keys; adjustments move real money only. Nothing was changed.");
        }
    }

    void block(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        AccountSummary a = summary(req);
        boolean blocking = form.text("blocked").equals("true");
        String reason = form.text("reason").strip();
        if (blocking && (reason.isEmpty() || reason.length() > 200)) {
            Website.errorPage(res, visit, 400, "Say why", "A block needs a reason of 1 to 200 characters, so the next operator knows. Nothing was changed.");
            return;
        }
        switch (blocking ? operators.block(a.id(), reason) : operators.unblock(a.id())) {
            case DONE -> Website.redirect(res, "/ops/accounts/" + a.id().value() + "?done=" + (blocking ? "blocked" : "unblocked"));
            case NO_SUCH_ACCOUNT -> throw new Website.NotFound("There is no such account.");
            case IS_OPERATOR -> Website.errorPage(res, visit, 409, "An operator's account",
                    "An operator is not blocked from the console: take the role away with the operator token first. Nothing was changed.");
        }
    }

    Optional<Object> blockState(ServerRequest req) {
        return accountId(req).flatMap(operators::account).map(a -> map("blocked", a.blockedReason().isPresent(), "reason", a.blockedReason().orElse(null)));
    }

    Optional<Object> balanceState(ServerRequest req) {
        return accountId(req).filter(ledger::exists).map(ledger::balance)
                .map(b -> map("available", Money.format(b.availableMicros()), "held", Money.format(b.heldMicros()), "debt", Money.format(b.debtMicros())));
    }

    private AccountSummary summary(ServerRequest req) {
        return accountId(req).flatMap(operators::account).orElseThrow(() -> new Website.NotFound("There is no such account."));
    }

    private static Optional<AccountId> accountId(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        return id.matches("[0-9]{1,18}") ? Optional.of(new AccountId(Long.parseLong(id))) : Optional.empty();
    }

    // Activations --------------------------------------------------------------------------------

    void activations(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        String phone = req.query().first("phone").orElse("");
        List<Activation> found = operators.activationsOnNumber(phone);
        String results = phone.isBlank() ? "" : found.isEmpty() ? "<p class=\"empty\">No activation on that number.</p>" : activationTable(found);
        send(res, visit, operator, "Activations", "/ops/activations", """
                <h1>Activations</h1>
                <form class="search" method="get" action="/ops/activations"><div class="field grow"><label for="phone">Phone number, with its country code</label>
                <input id="phone" name="phone" type="tel" value="%s" maxlength="32"></div><button type="submit">Find</button></form>
                %s""".formatted(Html.escape(phone), results));
    }

    void activation(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Activation a = (id.matches("[0-9]{1,9}") ? operators.activation(Integer.parseInt(id)) : Optional.<Activation>empty())
                .orElseThrow(() -> new Website.NotFound("There is no activation " + id + "."));
        StringBuilder messages = new StringBuilder();
        for (Activation.Message m : a.messages()) {
            messages.append("<li><p>").append(Html.when(m.receivedAt())).append(" from ").append(Html.escape(m.sender().isEmpty() ? "(no sender)" : m.sender()))
                    .append(m.late() ? " (late)" : "").append(": <strong>").append(Html.escape(m.code().orElse("no code found"))).append("</strong></p><p class=\"sms\">")
                    .append(Html.escape(m.withheld() ? "(withheld until bought)" : m.text())).append("</p></li>");
        }
        send(res, visit, operator, "Activation " + a.id(), "/ops/activations", """
                <h1>Activation %d</h1>
                <dl class="facts"><dt>Account</dt><dd><a href="/ops/accounts/%d">%d</a></dd><dt>Number</dt><dd>%s</dd><dt>Offer</dt><dd>%s in %s</dd>
                <dt>Status</dt><dd>%s</dd><dt>Price</dt><dd>%s</dd><dt>Bought</dt><dd>%s</dd><dt>Ends</dt><dd>%s</dd></dl>
                <h2>SMS</h2>
                %s
                <h2>Routing trace</h2>
                %s""".formatted(a.id(), a.owner().value(), a.owner().value(), Html.escape(a.phone().e164()), Html.escape(serviceName(a.service())),
                Html.escape(countryName(a.country())), Html.escape(a.status().wire()), Html.money(a.priceMicros(), a.currency()), Html.when(a.createdAt()),
                Html.when(a.endedAt().orElse(a.expiresAt())),
                messages.isEmpty() ? "<p class=\"empty\">No SMS yet.</p>" : "<ul class=\"messages\">" + messages + "</ul>", ActivationPages.routing(a.routing())));
    }

    private String activationTable(List<Activation> activations) {
        if (activations.isEmpty()) {
            return "<p class=\"empty\">None.</p>";
        }
        StringBuilder rows = new StringBuilder();
        for (Activation a : activations) {
            rows.append("<tr><td><a href=\"/ops/activations/").append(a.id()).append("\">").append(a.id()).append("</a></td><td>")
                    .append(a.owner().value()).append("</td><td>").append(Html.escape(a.phone().e164())).append("</td><td>")
                    .append(Html.escape(serviceName(a.service()))).append(", ").append(Html.escape(countryName(a.country()))).append("</td><td>")
                    .append(Html.escape(a.status().wire())).append("</td><td>").append(Html.when(a.createdAt())).append("</td></tr>");
        }
        return """
                <table class="compact"><thead><tr><th scope="col">Activation</th><th scope="col">Account</th><th scope="col">Number</th>
                <th scope="col">Offer</th><th scope="col">Status</th><th scope="col">Bought</th></tr></thead><tbody>%s</tbody></table>""".formatted(rows);
    }

    // Audit --------------------------------------------------------------------------------------

    void audit(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        Optional<String> cursor = req.query().first("cursor").asOptional().filter(c -> c.matches("[0-9]{1,18}"));
        Page<OperatorAudit.Entry> page = audit.entries(50, cursor);
        StringBuilder rows = new StringBuilder();
        for (OperatorAudit.Entry e : page.items()) {
            OperatorAudit.Action a = e.action();
            rows.append("<tr><td>").append(Html.when(a.at())).append("</td><td>").append(Html.escape(a.actor())).append("</td><td>")
                    .append(Html.escape(a.action())).append(" <code class=\"small\">").append(Html.escape(a.target())).append("</code></td><td class=\"num\">")
                    .append(a.status()).append("</td><td><code class=\"small wrap\">").append(Html.escape(a.before().orElse("–"))).append(" → ")
                    .append(Html.escape(a.after().orElse("–"))).append("</code></td><td><code class=\"small\">")
                    .append(Html.escape(a.requestId().orElse(""))).append("</code></td></tr>");
        }
        String more = page.nextCursor().map(c -> "<p class=\"pager\"><a href=\"/ops/audit?cursor=" + Html.escape(c) + "\">Older →</a></p>").orElse("");
        send(res, visit, operator, "Audit log", "/ops/audit", """
                <h1>Audit log</h1>
                <p>Every change asked for through the console or the operator API, allowed or not. Entries cannot be edited or deleted.</p>
                <table class="compact"><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col" class="num">Status</th>
                <th scope="col">Before → after</th><th scope="col">Request</th></tr></thead><tbody>%s</tbody></table>
                %s""".formatted(rows, more));
    }

    // Shared -------------------------------------------------------------------------------------

    private String serviceName(String code) {
        return inventory.service(code).map(Service::name).orElse(code);
    }

    private String countryName(int id) {
        return inventory.country(id).map(Country::name).orElse(String.valueOf(id));
    }

    private static String done(ServerRequest req) {
        return req.query().first("done").asOptional().map(DONE::get).map(t -> Html.notice("ok", t)).orElse("");
    }

    private static Map<String, Object> map(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private static void send(ServerResponse res, Visit visit, Operators.Operator operator, String title, String current, String main) {
        OpsConsole.send(res, 200, visit, operator, title, current, main);
    }

    private static void send(ServerResponse res, int status, Visit visit, Operators.Operator operator, String title, String current, String main) {
        OpsConsole.send(res, status, visit, operator, title, current, main);
    }
}
