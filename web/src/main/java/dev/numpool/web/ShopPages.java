package dev.numpool.web;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The pages a shop needs besides the shop (issue 17): how it works, FAQ, terms, privacy, refund
 * policy and contact. Plain text written once, with the facts that depend on this deployment
 * (the activation window, the early-cancel wait, the contact address) filled in from its
 * configuration, so a page never promises what the node does not do.
 */
final class ShopPages {
    /** A page: its title and its already-escaped body. */
    record Content(String title, String body) {
    }

    private final Map<String, Content> pages = new LinkedHashMap<>();

    ShopPages(Duration window, Duration earlyCancel, Optional<String> contactEmail) {
        String windowText = Html.duration(window);
        String cancelText = Html.duration(earlyCancel);
        String contact = contactEmail.map(e -> "<a href=\"mailto:" + Html.escape(e) + "\">" + Html.escape(e) + "</a>")
                .orElse("the address the operator of this site publishes (none is configured yet)");
        pages.put("/how-it-works", new Content("How it works", """
                <h1>How it works</h1>
                <ol>
                <li><strong>Pick a service and a country</strong> in the catalogue: the price and how many numbers are available are live.</li>
                <li><strong>Buy a number.</strong> The price is held on your balance, not charged.</li>
                <li><strong>Use the number</strong> where the service asks for a phone number. The SMS it sends appears on the
                activation's page within seconds, with the code picked out for you.</li>
                <li><strong>You pay only when a code arrives.</strong> If none comes within %s, the number is given up and the held
                money is back on your balance, by itself. You may also cancel once %s have passed.</li>
                </ol>
                <p>Bots and scripts do the same through the API, which also speaks the sms-activate and 5sim protocols:
                see <a href="/developers/docs">the API docs</a>.</p>""".formatted(windowText, cancelText)));
        pages.put("/faq", new Content("Questions and answers", """
                <h1>Questions and answers</h1>
                <h2>When am I charged?</h2>
                <p>When the first code arrives on your number, and only then. Until then the price is held on your balance.</p>
                <h2>What if no SMS comes?</h2>
                <p>After %s the activation ends by itself and the held money returns to your balance. You can cancel earlier,
                once %s have passed since the purchase.</p>
                <h2>The service sent a second code. Do I pay again?</h2>
                <p>No. Ask for another code on the activation's page while it is open; every SMS on the number is shown.</p>
                <h2>An SMS arrived but no code was shown.</h2>
                <p>The full text is always shown. If it holds a code we did not pick out, our team reads it and delivers it.</p>
                <h2>Can I use the number again later?</h2>
                <p>Not yet: a number is sold for one service and one code window.</p>
                <h2>How do I add money?</h2>
                <p>On the Balance page, by card (through Stripe) where this site accepts cards.</p>
                <h2>Is there an API?</h2>
                <p>Yes: a native JSON API, and the sms-activate and 5sim protocols, so existing bots work by changing their address.
                Test keys let you try every call with play money.</p>""".formatted(windowText, cancelText)));
        pages.put("/terms", new Content("Terms of use", """
                <h1>Terms of use</h1>
                <p>By using this site you agree to these terms.</p>
                <ul>
                <li>Numbers are for receiving verification codes for accounts you are entitled to create. Do not use them for fraud,
                spam, harassment or to get around a service's bans; accounts used so are blocked.</li>
                <li>A number belongs to you only for its activation's window (%s) and only for the service you bought it for.</li>
                <li>You pay the price shown when you bought, only once a code arrives; held money returns when none does.</li>
                <li>Keep your password and API keys secret: anything done with them is done by you. Revoke a key the moment it leaks.</li>
                <li>We may change prices, the catalogue and these terms; a purchase keeps the price and terms it was made under.</li>
                </ul>""".formatted(windowText)));
        pages.put("/privacy", new Content("Privacy", """
                <h1>Privacy</h1>
                <p>What we keep, and why:</p>
                <ul>
                <li><strong>Your email</strong>, to sign you in and to write to you about your account.</li>
                <li><strong>Your password</strong>, only as an Argon2id hash; <strong>API keys</strong>, only as a hash after we show
                them once.</li>
                <li><strong>Your activations and the SMS they received</strong>, with their codes, so you can read them and we can answer
                questions about a charge.</li>
                <li><strong>Your balance and every movement of it</strong>, as any account of money must be kept.</li>
                <li><strong>Your address (IP)</strong>, for a few minutes, to limit how fast any one visitor may ask, and in our logs.</li>
                </ul>
                <p>Two cookies, both needed for the site to work: the session (signed in or not) and a form token against forged
                requests. No advertising, no trackers, no scripts from other sites. Card payments are taken by Stripe; we never see
                your card number.</p>""" ));
        pages.put("/refunds", new Content("Refund policy", """
                <h1>Refund policy</h1>
                <ul>
                <li>A number that gets no code costs nothing: the held price returns to your balance when the activation ends
                (after %s) or when you cancel it.</li>
                <li>A code that arrived is charged once, however many codes follow.</li>
                <li>If a code was charged but did not work, write to us with the activation's number: we check it and credit your
                balance when the fault was ours or the provider's.</li>
                <li>Money you added and did not spend can be returned to your card: write to us.</li>
                </ul>""".formatted(windowText)));
        pages.put("/contact", new Content("Contact", """
                <h1>Contact</h1>
                <p>Write to %s. Give the activation's number, or the time of the payment, and we answer within a working day.</p>
                <p>Developers: the API docs are <a href="/developers/docs">here</a>.</p>""".formatted(contact)));
    }

    /** The addresses of the pages, for the router and the footer. */
    Map<String, Content> pages() {
        return pages;
    }

    void show(Visit visit, ServerRequest req, ServerResponse res) {
        Content content = pages.get(req.path().path());
        Website.send(res, 200, Html.page(visit, content.title(), req.path().path(), content.body()));
    }
}
