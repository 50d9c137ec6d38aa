package dev.numpool.web;

import dev.numpool.inventory.Money;
import dev.numpool.orders.Balance;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.LedgerEntry;
import dev.numpool.orders.Page;
import dev.numpool.orders.Topups;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * The balance: what is available, what live activations hold and what is owed; money in (a card
 * top-up through Stripe Checkout when this node has Stripe keys, play money in sandbox mode); and
 * every movement of the money, a page at a time or as CSV. Adapters over {@link Ledger} and
 * {@link Topups}.
 */
final class BalancePage {
    /** The sandbox credits a person can pick (USD): small, fixed amounts, so a form cannot mint anything else. */
    static final Map<String, Long> SANDBOX_AMOUNTS = Map.of("10", 10_000_000L, "50", 50_000_000L, "100", 100_000_000L);
    static final int ENTRIES_PER_PAGE = 25;
    private static final Map<String, String> DONE = Map.of(
            "welcome", "Welcome! Your account is ready.",
            "credited", "Sandbox credit added.");
    /** The words for each kind of movement, as a person reads a statement. */
    private static final Map<String, String> KINDS = Map.ofEntries(
            Map.entry("sandbox_credit", "Sandbox credit"),
            Map.entry("hold", "Held for a purchase"),
            Map.entry("post", "Charged (code received)"),
            Map.entry("void", "Hold returned"),
            Map.entry("topup", "Card top-up"),
            Map.entry("refund", "Card payment refunded"),
            Map.entry("dispute", "Card payment disputed"),
            Map.entry("dispute_won", "Dispute closed in your favour"),
            Map.entry("debt", "Owed (refund beyond the balance)"),
            Map.entry("debt_payment", "Paid what was owed"),
            Map.entry("operator_credit", "Credit from support"),
            Map.entry("operator_debit", "Debit by support"));

    private final Ledger ledger;
    private final Topups topups;

    BalancePage(Ledger ledger, Topups topups) {
        this.ledger = ledger;
        this.topups = topups;
    }

    void balance(Visit visit, ServerRequest req, ServerResponse res) {
        Balance b = ledger.balance(visit.owner());
        String done = req.query().first("done").asOptional().map(DONE::get).map(t -> Html.notice("ok", t)).orElse("");
        String debt = b.debtMicros() == 0 ? "" : """
                <dt>Owed</dt><dd id="debt">%s</dd>
                """.formatted(Html.money(b.debtMicros(), b.currency()));
        String owing = b.debtMicros() == 0 ? "" : Html.notice("error", "A card payment was refunded or disputed after its money was spent, so "
                + Money.format(b.debtMicros()) + " " + b.currency() + " is owed. New purchases wait until it is paid; the next top-up pays it first.");
        String main = """
                <h1>Balance</h1>
                %s%s%s
                <dl class="facts">
                <dt>Available</dt><dd id="available" class="price">%s</dd>
                <dt>Held by running activations</dt><dd id="held">%s</dd>
                %s</dl>
                <p class="hint">A purchase holds its price; the hold is charged when a code arrives, and goes back to
                “Available” on cancel or when no code came.</p>
                %s
                %s
                """.formatted(done, topUpReturn(visit, req), owing, Html.money(b.availableMicros(), b.currency()),
                Html.money(b.heldMicros(), b.currency()), debt, topUpSection(visit), transactionsSection(visit, req));
        Website.send(res, 200, Html.page(visit, "Balance", "/balance", main));
    }

    /** Where Stripe sends the customer back: {@code ?topup=<id>&result=paid|cancelled}, said in words. */
    private String topUpReturn(Visit visit, ServerRequest req) {
        Optional<String> raw = req.query().first("topup").asOptional().filter(v -> v.matches("[1-9][0-9]{0,17}"));
        Optional<Topups.Topup> topup = raw.flatMap(id -> topups.topup(visit.owner(), Long.parseLong(id)));
        if (topup.isEmpty()) {
            return "";
        }
        Topups.Topup t = topup.get();
        String amount = Money.format(t.amountMicros()) + " " + t.currency();
        return switch (t.status()) {
            case PAID -> Html.notice("ok", "Your top-up of " + amount + " is in your balance.");
            case OPEN, CREATING -> "cancelled".equals(req.query().first("result").orElse(""))
                    ? Html.notice("ok", "Top-up of " + amount + " cancelled; nothing was charged.")
                    : Html.notice("ok", "Thank you. Your top-up of " + amount + " appears here as soon as the card payment is confirmed, "
                    + "usually within seconds: reload this page.");
            case FAILED -> Html.notice("error", "The payment for your top-up of " + amount + " did not go through; nothing was charged.");
            case EXPIRED -> Html.notice("error", "The payment page for your top-up of " + amount + " expired; nothing was charged.");
            case MISMATCH -> Html.notice("error", "We received a payment for your top-up of " + amount
                    + " that does not match it. Support has been told and will credit it by hand.");
        };
    }

    /**
     * Where money comes in: a card top-up form when this node has Stripe keys; play money in
     * sandbox mode; otherwise a plain sentence that card top-ups are not available here.
     */
    String topUpSection(Visit visit) {
        StringBuilder out = new StringBuilder();
        if (topups.enabled() && !visit.testMode()) {
            Topups.Settings bounds = topups.settings();
            out.append("""
                    <h2>Add money by card</h2>
                    <form method="post" action="/balance/topup" class="search">
                    %s
                    <input type="hidden" name="key" value="%s">
                    <label for="topup-amount">Amount (USD)</label>
                    <input id="topup-amount" name="amount" inputmode="decimal" required pattern="[0-9]{1,7}([.][0-9]{1,2})?"
                     aria-describedby="topup-bounds" value="20.00">
                    <button type="submit" class="primary">Pay by card</button>
                    <p id="topup-bounds" class="hint">From %s to %s. You pay on Stripe's secure page and come back here.</p>
                    </form>
                    """.formatted(Html.csrfField(visit), UUID.randomUUID(), Html.escape(Money.format(bounds.minMicros())),
                    Html.escape(Money.format(bounds.maxMicros()))));
        } else if (!visit.playMoney()) {
            out.append("<h2>Add money</h2><p>Card top-ups are not available on this server.</p>");
        }
        if (visit.playMoney()) {
            out.append("""
                    <h2>Add sandbox credit</h2>
                    <form method="post" action="/balance/sandbox-credit" class="search">
                    %s
                    <label for="amount">Amount</label>
                    <select id="amount" name="amount"><option value="10">10.00 USD</option><option value="50">50.00 USD</option>
                    <option value="100">100.00 USD</option></select>
                    <button type="submit">Add sandbox credit</button>
                    </form>
                    """.formatted(Html.csrfField(visit)));
        }
        return out.toString();
    }

    /** The movements of the money, newest first, a page at a time, filterable by kind; and the CSV of all of them. */
    String transactionsSection(Visit visit, ServerRequest req) {
        Optional<String> kind = req.query().first("kind").asOptional().filter(LedgerEntry.TYPES::contains);
        Optional<String> cursor = req.query().first("cursor").asOptional().filter(Ledger::validCursor);
        Page<LedgerEntry> page = ledger.transactions(visit.owner(),
                new Ledger.TransactionQuery(kind.map(Set::of).orElse(Set.of()), Optional.empty(), Optional.empty(), cursor, ENTRIES_PER_PAGE));
        StringBuilder options = new StringBuilder("<option value=\"\">Everything</option>");
        KINDS.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(k -> options.append("<option value=\"").append(k.getKey())
                .append('"').append(kind.equals(Optional.of(k.getKey())) ? " selected" : "").append('>').append(Html.escape(k.getValue())).append("</option>"));
        StringBuilder rows = new StringBuilder();
        for (LedgerEntry e : page.items()) {
            rows.append("<tr><td data-label=\"When\">").append(Html.escape(Html.when(e.createdAt())))
                    .append("</td><td data-label=\"What\">").append(Html.escape(KINDS.getOrDefault(e.type(), e.type())))
                    .append("</td><td data-label=\"Available\" class=\"num\">").append(Html.escape(signed(e.availableChangeMicros())))
                    .append("</td><td data-label=\"Held\" class=\"num\">").append(Html.escape(signed(e.heldChangeMicros())))
                    .append("</td><td data-label=\"For\">").append(reference(e.reference())).append("</td></tr>");
        }
        String more = page.nextCursor().map(c -> "<nav class=\"pager\" aria-label=\"Pages\"><a href=\"/balance?"
                + kind.map(k -> "kind=" + k + "&amp;").orElse("") + "cursor=" + Html.escape(c) + "#movements\">Older movements →</a></nav>").orElse("");
        return """
                <h2 id="movements">Movements</h2>
                <form class="search" method="get" action="/balance#movements">
                <label for="kind">Show</label>
                <select id="kind" name="kind">%s</select>
                <button type="submit">Filter</button>
                <a href="/balance/transactions.csv%s" download>Download all as CSV</a>
                </form>
                %s
                %s
                """.formatted(options, kind.map(k -> "?type=" + k).orElse(""), page.items().isEmpty()
                ? "<p class=\"empty\">No movements" + (kind.isPresent() ? " of this kind" : "") + ".</p>"
                : "<table class=\"offers\" id=\"transactions\"><thead><tr><th scope=\"col\">When</th><th scope=\"col\">What</th>"
                + "<th scope=\"col\" class=\"num\">Available</th><th scope=\"col\" class=\"num\">Held</th><th scope=\"col\">For</th></tr></thead><tbody>"
                + rows + "</tbody></table>", more);
    }

    private static String signed(long micros) {
        return micros == 0 ? "–" : (micros > 0 ? "+" : "") + Money.format(micros);
    }

    /** {@code activation:42} links to the activation; other references are shown as they are. */
    private static String reference(String reference) {
        if (reference.matches("activation:[0-9]{1,10}")) {
            String id = reference.substring("activation:".length());
            return "<a href=\"/activations/" + id + "\">Activation " + id + "</a>";
        }
        return Html.escape(reference);
    }

    /** Every movement (of one kind, with {@code ?type=}) as CSV, through the same export as the API's. */
    void transactionsCsv(Visit visit, ServerRequest req, ServerResponse res) {
        Optional<String> kind = req.query().first("type").asOptional().filter(LedgerEntry.TYPES::contains);
        res.header(HeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8")
                .header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"numpool-transactions.csv\"");
        try (OutputStream out = res.outputStream()) {
            ledger.exportCsv(visit.owner(), new Ledger.TransactionQuery(kind.map(Set::of).orElse(Set.of()), Optional.empty(), Optional.empty(),
                    Optional.empty(), Ledger.MAX_PAGE), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A card top-up: a Checkout Session through the top-up door, then off to Stripe's page. */
    void topUp(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String raw = form.text("amount").strip();
        OptionalLong amount = raw.matches("[0-9]{1,7}([.][0-9]{1,2})?") ? Money.parseMicros(raw) : OptionalLong.empty();
        if (amount.isEmpty()) {
            Website.errorPage(res, visit, 400, "Top-up not started", "Enter an amount in dollars and cents, such as 20.00.");
            return;
        }
        // Each rendering of the form has its own key: a double click opens one Checkout session.
        Optional<String> key = Optional.of(form.text("key")).filter(k -> k.matches("[0-9a-f-]{36}")).map(k -> "web-" + k);
        switch (topups.start(visit.owner(), amount.getAsLong(), key)) {
            case Topups.StartResult.Created created -> Website.redirect(res, created.topup().checkoutUrl().orElseThrow());
            case Topups.StartResult.Replayed replayed -> Website.redirect(res, replayed.topup().checkoutUrl()
                    .orElse("/balance?topup=" + replayed.topup().id()));
            case Topups.StartResult.KeyReused reused -> Website.errorPage(res, visit, 422, "Top-up not started",
                    "This form already started a top-up of another amount. Reload the Balance page and try again.");
            case Topups.StartResult.OutOfBounds out -> Website.errorPage(res, visit, 422, "Top-up not started",
                    "A top-up is from " + Money.format(out.minMicros()) + " to " + Money.format(out.maxMicros()) + " USD.");
            case Topups.StartResult.Disabled off -> Website.errorPage(res, visit, 503, "Top-ups are not available", off.why());
            case Topups.StartResult.TestAccount test -> Website.errorPage(res, visit, 403, "Top-up not started",
                    "A test account has play money only; nothing was charged.");
            case Topups.StartResult.StripeUnavailable down -> Website.errorPage(res, visit, 502, "Top-up not started", down.why());
        }
    }

    /** Sandbox only: one of the fixed amounts of play money, through the ledger door. */
    void sandboxCredit(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Long amount = SANDBOX_AMOUNTS.get(form.text("amount"));
        if (!visit.playMoney() || amount == null) {
            Website.errorPage(res, visit, 400, "Credit not added", "Pick one of the amounts offered on the Balance page.");
            return;
        }
        ledger.creditSandbox(visit.owner(), amount, "web-sandbox:" + UUID.randomUUID().toString().substring(0, 18));
        Website.redirect(res, "/balance?done=credited");
    }
}
