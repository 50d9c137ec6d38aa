package dev.numpool.web;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The pages a shop needs besides the shop (issue 17): how it works, FAQ, terms, privacy, refund
 * policy and contact, in the visitor's language (texts {@code shop.*}). The facts that depend on
 * this deployment (the activation window, the early-cancel wait, the contact address) are filled
 * in from its configuration, so a page never promises what the node does not do.
 *
 * <p>Each paragraph or list item is one text. Those with bold lead-ins or links are
 * {@link Markup} texts: their arguments are HTML made here from constants and escaped
 * configuration, never anything a visitor sent.
 */
final class ShopPages {
    /** A page: its title's text key and its body (already-escaped HTML) in one language. */
    private record Page(String titleKey, Function<Texts, String> body) {
    }

    private final Map<String, Page> pages;
    private final Duration window;
    private final Duration earlyCancel;
    private final Optional<String> contactEmail;

    ShopPages(Duration window, Duration earlyCancel, Optional<String> contactEmail) {
        this.window = window;
        this.earlyCancel = earlyCancel;
        this.contactEmail = contactEmail;
        this.pages = Map.of(
                "/how-it-works", new Page("shop.how.title", this::howItWorks),
                "/faq", new Page("shop.faq.title", this::faq),
                "/terms", new Page("shop.terms.title", this::terms),
                "/privacy", new Page("shop.privacy.title", this::privacy),
                "/refunds", new Page("shop.refunds.title", this::refunds),
                "/contact", new Page("shop.contact.title", this::contact));
    }

    /** The addresses of the pages, for the router. */
    List<String> paths() {
        return List.of("/how-it-works", "/faq", "/terms", "/privacy", "/refunds", "/contact");
    }

    void show(Visit visit, ServerRequest req, ServerResponse res) {
        Page page = pages.get(req.path().path());
        Texts t = visit.texts();
        String title = t.get(page.titleKey());
        Website.send(res, 200, Html.page(visit, title, req.path().path(), "<h1>" + Html.escape(title) + "</h1>\n" + page.body().apply(t)));
    }

    private static String p(Texts t, String key, Object... args) {
        return "<p>" + Html.escape(t.get(key, args)) + "</p>\n";
    }

    private static String li(Texts t, String key, Object... args) {
        return "<li>" + Html.escape(t.get(key, args)) + "</li>\n";
    }

    private static String docsLink(Texts t, String key) {
        return Markup.of(t, key, "<a href=\"/developers/docs\">", "</a>");
    }

    private String howItWorks(Texts t) {
        String windowText = Html.escape(t.duration(window));
        String cancelText = Html.escape(t.duration(earlyCancel));
        return "<ol>\n"
                + "<li>" + Markup.strong(t, "shop.how.pick") + "</li>\n"
                + "<li>" + Markup.strong(t, "shop.how.buy") + "</li>\n"
                + "<li>" + Markup.strong(t, "shop.how.use") + "</li>\n"
                + "<li>" + Markup.strong(t, "shop.how.pay", windowText, cancelText) + "</li>\n"
                + "</ol>\n"
                + "<p>" + docsLink(t, "shop.how.bots") + "</p>";
    }

    private String faq(Texts t) {
        StringBuilder out = new StringBuilder();
        for (String q : List.of("charged", "no-sms", "second-code", "no-code", "reuse", "add-money", "api")) {
            out.append("<h2>").append(Html.escape(t.get("shop.faq." + q + ".q"))).append("</h2>\n");
            out.append(p(t, "shop.faq." + q + ".a", t.duration(window), t.duration(earlyCancel)));
        }
        return out.toString();
    }

    private String terms(Texts t) {
        return p(t, "shop.terms.agree")
                + "<ul>\n" + li(t, "shop.terms.use") + li(t, "shop.terms.window", t.duration(window)) + li(t, "shop.terms.price")
                + li(t, "shop.terms.secrets") + li(t, "shop.terms.changes") + "</ul>";
    }

    private String privacy(Texts t) {
        StringBuilder items = new StringBuilder();
        for (String item : List.of("email", "password", "activations", "balance", "ip")) {
            items.append("<li>").append(Markup.strong(t, "shop.privacy." + item)).append("</li>\n");
        }
        return p(t, "shop.privacy.intro") + "<ul>\n" + items + "</ul>\n" + p(t, "shop.privacy.cookies");
    }

    private String refunds(Texts t) {
        return "<ul>\n" + li(t, "shop.refunds.no-code", t.duration(window)) + li(t, "shop.refunds.once") + li(t, "shop.refunds.fault")
                + li(t, "shop.refunds.unspent") + "</ul>";
    }

    private String contact(Texts t) {
        String address = contactEmail.map(e -> "<a href=\"mailto:" + Html.escape(e) + "\">" + Html.escape(e) + "</a>")
                .orElseGet(() -> Html.escape(t.get("shop.contact.none")));
        return "<p>" + Markup.of(t, "shop.contact.write", address) + "</p>\n<p>" + docsLink(t, "shop.contact.developers") + "</p>";
    }
}
