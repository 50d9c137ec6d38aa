package dev.numpool.web;

import com.ibm.icu.number.NumberFormatter;
import com.ibm.icu.number.Precision;
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
import java.math.BigDecimal;
import java.text.Collator;
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
    /** {@code ?done=} (a wire token) → the text that says what happened. */
    private static final Map<String, String> DONE = Map.of(
            "welcome", "balance.done.welcome",
            "credited", "balance.done.credited");
    /** Each kind of movement (its wire name, as in URLs and the CSV) → the words for it, as a person reads a statement. */
    private static final Map<String, String> KINDS = Map.ofEntries(
            Map.entry("sandbox_credit", "balance.kind.sandbox-credit"),
            Map.entry("hold", "balance.kind.hold"),
            Map.entry("post", "balance.kind.post"),
            Map.entry("void", "balance.kind.void"),
            Map.entry("topup", "balance.kind.topup"),
            Map.entry("refund", "balance.kind.refund"),
            Map.entry("dispute", "balance.kind.dispute"),
            Map.entry("dispute_won", "balance.kind.dispute-won"),
            Map.entry("debt", "balance.kind.debt"),
            Map.entry("debt_payment", "balance.kind.debt-payment"),
            Map.entry("operator_credit", "balance.kind.operator-credit"),
            Map.entry("operator_debit", "balance.kind.operator-debit"));
    /**
     * The words of the top-up door's refusals ({@code why}, written in English for the API and the
     * logs) → the same in the visitor's language; a refusal not listed is said in general words.
     */
    private static final Map<String, String> REFUSALS = Map.of(
            "Card top-ups are not configured on this Numpool (no Stripe keys).", "balance.topup.not-configured",
            "The card processor refused the request; nothing was charged. We have been told.", "balance.topup.processor-refused",
            "The card processor did not answer; nothing was charged. Try again in a minute.", "balance.topup.processor-silent");
    /** The currency of card top-ups and sandbox credit (the form asks for dollars and cents). */
    private static final String USD = "USD";

    private final Ledger ledger;
    private final Topups topups;

    BalancePage(Ledger ledger, Topups topups) {
        this.ledger = ledger;
        this.topups = topups;
    }

    void balance(Visit visit, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        Balance b = ledger.balance(visit.owner());
        String done = req.query().first("done").asOptional().map(DONE::get).map(k -> Html.notice("ok", t.get(k))).orElse("");
        String debt = b.debtMicros() == 0 ? "" : """
                <dt>%s</dt><dd id="debt">%s</dd>
                """.formatted(Html.escape(t.get("balance.owed")), Html.escape(t.money(b.debtMicros(), b.currency())));
        String owing = b.debtMicros() == 0 ? "" : Html.notice("error", t.get("balance.owing", t.money(b.debtMicros(), b.currency())));
        String main = """
                <h1>%s</h1>
                %s%s%s
                <dl class="facts">
                <dt>%s</dt><dd id="available" class="price">%s</dd>
                <dt>%s</dt><dd id="held">%s</dd>
                %s</dl>
                <p class="hint">%s</p>
                %s
                %s
                """.formatted(Html.escape(t.get("balance.title")), done, topUpReturn(visit, req), owing,
                Html.escape(t.get("balance.available")), Html.escape(t.money(b.availableMicros(), b.currency())),
                Html.escape(t.get("balance.held")), Html.escape(t.money(b.heldMicros(), b.currency())), debt,
                Html.escape(t.get("balance.hint")), topUpSection(visit), transactionsSection(visit, req));
        Website.send(res, 200, Html.page(visit, t.get("balance.title"), "/balance", main));
    }

    /** Where Stripe sends the customer back: {@code ?topup=<id>&result=paid|cancelled}, said in words. */
    private String topUpReturn(Visit visit, ServerRequest req) {
        Optional<String> raw = req.query().first("topup").asOptional().filter(v -> v.matches("[1-9][0-9]{0,17}"));
        Optional<Topups.Topup> topup = raw.flatMap(id -> topups.topup(visit.owner(), Long.parseLong(id)));
        if (topup.isEmpty()) {
            return "";
        }
        Texts t = visit.texts();
        Topups.Topup top = topup.get();
        String amount = t.money(top.amountMicros(), top.currency());
        return switch (top.status()) {
            case PAID -> Html.notice("ok", t.get("balance.topup.paid", amount));
            case OPEN, CREATING -> "cancelled".equals(req.query().first("result").orElse(""))
                    ? Html.notice("ok", t.get("balance.topup.cancelled", amount))
                    : Html.notice("ok", t.get("balance.topup.pending", amount));
            case FAILED -> Html.notice("error", t.get("balance.topup.failed", amount));
            case EXPIRED -> Html.notice("error", t.get("balance.topup.expired", amount));
            case MISMATCH -> Html.notice("error", t.get("balance.topup.mismatch", amount));
        };
    }

    /**
     * Where money comes in: a card top-up form when this node has Stripe keys; play money in
     * sandbox mode; otherwise a plain sentence that card top-ups are not available here.
     */
    String topUpSection(Visit visit) {
        Texts t = visit.texts();
        StringBuilder out = new StringBuilder();
        if (topups.enabled() && !visit.testMode()) {
            Topups.Settings bounds = topups.settings();
            out.append("""
                    <h2>%s</h2>
                    <form method="post" action="/balance/topup" class="search">
                    %s
                    <input type="hidden" name="key" value="%s">
                    <label for="topup-amount">%s</label>
                    <input id="topup-amount" name="amount" inputmode="decimal" required pattern="[0-9]{1,7}([.][0-9]{1,2})?"
                     aria-describedby="topup-bounds" value="20.00">
                    <button type="submit" class="primary">%s</button>
                    <p id="topup-bounds" class="hint">%s</p>
                    </form>
                    """.formatted(Html.escape(t.get("balance.card.heading")), Html.csrfField(visit), UUID.randomUUID(),
                    Html.escape(t.get("balance.card.amount")), Html.escape(t.get("balance.card.pay")),
                    Html.escape(t.get("balance.card.bounds", t.money(bounds.minMicros(), USD), t.money(bounds.maxMicros(), USD)))));
        } else if (!visit.playMoney()) {
            out.append("<h2>").append(Html.escape(t.get("balance.no-card.heading"))).append("</h2><p>")
                    .append(Html.escape(t.get("balance.no-card.text"))).append("</p>");
        }
        if (visit.playMoney()) {
            StringBuilder amounts = new StringBuilder();
            SANDBOX_AMOUNTS.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(a -> amounts.append("<option value=\"")
                    .append(a.getKey()).append("\">").append(Html.escape(t.money(a.getValue(), USD))).append("</option>"));
            out.append("""
                    <h2>%s</h2>
                    <form method="post" action="/balance/sandbox-credit" class="search">
                    %s
                    <label for="amount">%s</label>
                    <select id="amount" name="amount">%s</select>
                    <button type="submit">%s</button>
                    </form>
                    """.formatted(Html.escape(t.get("balance.sandbox.heading")), Html.csrfField(visit), Html.escape(t.get("balance.sandbox.amount")),
                    amounts, Html.escape(t.get("balance.sandbox.add"))));
        }
        return out.toString();
    }

    /** The movements of the money, newest first, a page at a time, filterable by kind; and the CSV of all of them. */
    String transactionsSection(Visit visit, ServerRequest req) {
        Texts t = visit.texts();
        Optional<String> kind = req.query().first("kind").asOptional().filter(LedgerEntry.TYPES::contains);
        Optional<String> cursor = req.query().first("cursor").asOptional().filter(Ledger::validCursor);
        Page<LedgerEntry> page = ledger.transactions(visit.owner(),
                new Ledger.TransactionQuery(kind.map(Set::of).orElse(Set.of()), Optional.empty(), Optional.empty(), cursor, ENTRIES_PER_PAGE));
        StringBuilder options = new StringBuilder("<option value=\"\">" + Html.escape(t.get("balance.everything")) + "</option>");
        Collator order = Collator.getInstance(t.locale());
        KINDS.entrySet().stream().map(k -> Map.entry(k.getKey(), t.get(k.getValue()))).sorted(Map.Entry.comparingByValue(order))
                .forEach(k -> options.append("<option value=\"").append(k.getKey()).append('"')
                        .append(kind.equals(Optional.of(k.getKey())) ? " selected" : "").append('>').append(Html.escape(k.getValue())).append("</option>"));
        String when = t.get("balance.when");
        String what = t.get("balance.what");
        String available = t.get("balance.col.available");
        String held = t.get("balance.col.held");
        String reference = t.get("balance.for");
        StringBuilder rows = new StringBuilder();
        for (LedgerEntry e : page.items()) {
            rows.append("<tr><td data-label=\"").append(Html.escape(when)).append("\">").append(Html.escape(t.when(e.createdAt())))
                    .append("</td><td data-label=\"").append(Html.escape(what)).append("\">")
                    .append(Html.escape(KINDS.containsKey(e.type()) ? t.get(KINDS.get(e.type())) : e.type()))
                    .append("</td><td data-label=\"").append(Html.escape(available)).append("\" class=\"num\">")
                    .append(Html.escape(signed(t, e.availableChangeMicros(), e.currency())))
                    .append("</td><td data-label=\"").append(Html.escape(held)).append("\" class=\"num\">")
                    .append(Html.escape(signed(t, e.heldChangeMicros(), e.currency())))
                    .append("</td><td data-label=\"").append(Html.escape(reference)).append("\">").append(reference(t, e.reference())).append("</td></tr>");
        }
        String more = page.nextCursor().map(c -> "<nav class=\"pager\" aria-label=\"" + Html.escape(t.get("balance.pages")) + "\"><a href=\"/balance?"
                + kind.map(k -> "kind=" + k + "&amp;").orElse("") + "cursor=" + Html.escape(c) + "#movements\">"
                + Html.escape(t.get("balance.older")) + "</a></nav>").orElse("");
        return """
                <h2 id="movements">%s</h2>
                <form class="search" method="get" action="/balance#movements">
                <label for="kind">%s</label>
                <select id="kind" name="kind">%s</select>
                <button type="submit">%s</button>
                <a href="/balance/transactions.csv%s" download>%s</a>
                </form>
                %s
                %s
                """.formatted(Html.escape(t.get("balance.movements")), Html.escape(t.get("balance.show")), options,
                Html.escape(t.get("balance.filter")), kind.map(k -> "?type=" + k).orElse(""), Html.escape(t.get("balance.csv")), page.items().isEmpty()
                ? "<p class=\"empty\">" + Html.escape(t.get(kind.isPresent() ? "balance.none-of-kind" : "balance.none")) + "</p>"
                : "<table class=\"offers\" id=\"transactions\"><thead><tr><th scope=\"col\">" + Html.escape(when) + "</th><th scope=\"col\">"
                + Html.escape(what) + "</th><th scope=\"col\" class=\"num\">" + Html.escape(available) + "</th><th scope=\"col\" class=\"num\">"
                + Html.escape(held) + "</th><th scope=\"col\">" + Html.escape(reference) + "</th></tr></thead><tbody>"
                + rows + "</tbody></table>", more);
    }

    /**
     * A change of money in a statement's column: signed, without the currency (the column has
     * one), in this language's digits ("+1.50", "−0,25"); a dash for no change.
     */
    private static String signed(Texts t, long micros, String currency) {
        if (micros == 0) {
            return "–";
        }
        return NumberFormatter.withLocale(t.language().formats).precision(Precision.minMaxFraction(Texts.currencyDigits(currency), 6))
                .sign(NumberFormatter.SignDisplay.ALWAYS).format(BigDecimal.valueOf(micros, 6)).toString();
    }

    /** {@code activation:42} links to the activation; other references are shown as they are. */
    private static String reference(Texts t, String reference) {
        if (reference.matches("activation:[0-9]{1,10}")) {
            String id = reference.substring("activation:".length());
            return "<a href=\"/activations/" + id + "\">" + Html.escape(t.get("balance.activation", id)) + "</a>";
        }
        return Html.escape(reference);
    }

    /**
     * Every movement (of one kind, with {@code ?type=}) as CSV, through the same export as the
     * API's. Its column names and values stay in English whatever the page's language: the file
     * is a machine format for spreadsheets and scripts, the same from the website and the API.
     */
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
        Texts t = visit.texts();
        String raw = form.text("amount").strip();
        OptionalLong amount = raw.matches("[0-9]{1,7}([.][0-9]{1,2})?") ? Money.parseMicros(raw) : OptionalLong.empty();
        if (amount.isEmpty()) {
            Website.errorPage(res, visit, 400, t.get("balance.topup.not-started"), t.get("balance.topup.bad-amount"));
            return;
        }
        // Each rendering of the form has its own key: a double click opens one Checkout session.
        Optional<String> key = Optional.of(form.text("key")).filter(k -> k.matches("[0-9a-f-]{36}")).map(k -> "web-" + k);
        switch (topups.start(visit.owner(), amount.getAsLong(), key)) {
            case Topups.StartResult.Created created -> Website.redirect(res, created.topup().checkoutUrl().orElseThrow());
            case Topups.StartResult.Replayed replayed -> Website.redirect(res, replayed.topup().checkoutUrl()
                    .orElse("/balance?topup=" + replayed.topup().id()));
            case Topups.StartResult.KeyReused reused -> Website.errorPage(res, visit, 422, t.get("balance.topup.not-started"),
                    t.get("balance.topup.form-reused"));
            case Topups.StartResult.OutOfBounds out -> Website.errorPage(res, visit, 422, t.get("balance.topup.not-started"),
                    t.get("balance.topup.out-of-bounds", t.money(out.minMicros(), USD), t.money(out.maxMicros(), USD)));
            case Topups.StartResult.Disabled off -> Website.errorPage(res, visit, 503, t.get("balance.topup.unavailable"),
                    t.get(REFUSALS.getOrDefault(off.why(), "balance.topup.not-configured")));
            case Topups.StartResult.TestAccount test -> Website.errorPage(res, visit, 403, t.get("balance.topup.not-started"),
                    t.get("balance.topup.test-account"));
            case Topups.StartResult.StripeUnavailable down -> Website.errorPage(res, visit, 502, t.get("balance.topup.not-started"),
                    t.get(REFUSALS.getOrDefault(down.why(), "balance.topup.processor-silent")));
        }
    }

    /** Sandbox only: one of the fixed amounts of play money, through the ledger door. */
    void sandboxCredit(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Long amount = SANDBOX_AMOUNTS.get(form.text("amount"));
        if (!visit.playMoney() || amount == null) {
            Website.errorPage(res, visit, 400, visit.texts().get("balance.credit.not-added"), visit.texts().get("balance.credit.pick"));
            return;
        }
        ledger.creditSandbox(visit.owner(), amount, "web-sandbox:" + UUID.randomUUID().toString().substring(0, 18));
        Website.redirect(res, "/balance?done=credited");
    }
}
