package dev.numpool.web;

import dev.numpool.orders.Balance;
import dev.numpool.orders.Ledger;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Map;
import java.util.UUID;

/**
 * The balance: what is available and what live activations hold; in sandbox mode, play money on
 * request. Card top-ups (Stripe Checkout) and the list of balance movements are not part of this
 * page yet: {@link #topUpSection} and {@link #transactionsSection} are where they go.
 */
final class BalancePage {
    /** The sandbox credits a person can pick (USD): small, fixed amounts, so a form cannot mint anything else. */
    static final Map<String, Long> SANDBOX_AMOUNTS = Map.of("10", 10_000_000L, "50", 50_000_000L, "100", 100_000_000L);
    private static final Map<String, String> DONE = Map.of(
            "welcome", "Welcome! Your account is ready.",
            "credited", "Sandbox credit added.");

    private final Ledger ledger;

    BalancePage(Ledger ledger) {
        this.ledger = ledger;
    }

    void balance(Visit visit, ServerRequest req, ServerResponse res) {
        Balance b = ledger.balance(visit.owner());
        String done = req.query().first("done").asOptional().map(DONE::get).map(t -> Html.notice("ok", t)).orElse("");
        String main = """
                <h1>Balance</h1>
                %s
                <dl class="facts">
                <dt>Available</dt><dd id="available" class="price">%s</dd>
                <dt>Held by running activations</dt><dd id="held">%s</dd>
                </dl>
                <p class="hint">A purchase holds its price; the hold is charged when a code arrives, and goes back to
                “Available” on cancel or when no code came.</p>
                %s
                %s
                """.formatted(done, Html.money(b.availableMicros(), b.currency()), Html.money(b.heldMicros(), b.currency()),
                topUpSection(visit), transactionsSection(visit));
        Website.send(res, 200, Html.page(visit, "Balance", "/balance", main));
    }

    /**
     * Where money comes in. In sandbox mode: the play-money form. HOOK for card top-ups: the
     * Stripe Checkout form (POST that creates a Checkout Session through the top-up door, then
     * a redirect to Stripe) goes here for production mode; until then production says plainly
     * that card top-ups are not available. Any form here must carry {@link Html#csrfField}.
     */
    String topUpSection(Visit visit) {
        if (!visit.sandbox()) {
            return "<h2>Add money</h2><p>Card top-ups are not available on this server yet.</p>";
        }
        return """
                <h2>Add sandbox credit</h2>
                <form method="post" action="/balance/sandbox-credit" class="search">
                %s
                <label for="amount">Amount</label>
                <select id="amount" name="amount"><option value="10">10.00 USD</option><option value="50">50.00 USD</option>
                <option value="100">100.00 USD</option></select>
                <button type="submit">Add sandbox credit</button>
                </form>
                """.formatted(Html.csrfField(visit));
    }

    /**
     * HOOK for the balance's movements (holds, charges, refunds, credits, top-ups): the ledger
     * door does not list transfers yet; when it does, their table is rendered here. Empty until then.
     */
    String transactionsSection(Visit visit) {
        return "";
    }

    /** Sandbox only: one of the fixed amounts of play money, through the ledger door. */
    void sandboxCredit(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Long amount = SANDBOX_AMOUNTS.get(form.text("amount"));
        if (!visit.sandbox() || amount == null) {
            Website.errorPage(res, visit, 400, "Credit not added", "Pick one of the amounts offered on the Balance page.");
            return;
        }
        ledger.creditSandbox(visit.owner(), amount, "web-sandbox:" + UUID.randomUUID().toString().substring(0, 18));
        Website.redirect(res, "/balance?done=credited");
    }
}
