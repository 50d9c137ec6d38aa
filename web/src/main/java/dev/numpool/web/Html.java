package dev.numpool.web;

import dev.numpool.inventory.Money;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * The website's HTML: one escaping function every interpolated value goes through, and the page
 * frame (header, navigation, skip link, footer) every page shares. Pages are Java text blocks;
 * nothing user-supplied reaches the output without {@link #escape}.
 */
final class Html {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private Html() {
    }

    /** Escapes text for an HTML element body or a double-quoted attribute. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** {@code 1234500} → {@code "1.2345 USD"}. */
    static String money(long micros, String currency) {
        return escape(Money.format(micros) + " " + currency);
    }

    static String when(Instant at) {
        return WHEN.format(at);
    }

    /** "20 minutes", "1 min 30 s", "6 seconds", for people (not escaped). */
    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s % 60 == 0 && s > 0) {
            return s / 60 + (s == 60 ? " minute" : " minutes");
        }
        return s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + (s == 1 ? " second" : " seconds");
    }

    /** The hidden field every state-changing form carries. */
    static String csrfField(Visit visit) {
        return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(visit.csrfToken()) + "\">";
    }

    /** A whole page in the visitor's language: {@code main} is already-escaped HTML. */
    static String page(Visit visit, String title, String current, String main) {
        return page(visit, title, current, main, Optional.empty());
    }

    /** A page that also loads one more of our scripts ({@code script}: its URL), after the site's. */
    static String page(Visit visit, String title, String current, String main, Optional<String> script) {
        Texts t = visit.texts();
        String nav = visit.signedIn()
                ? link("/", t.get("site.nav.catalogue"), current) + link("/rent", t.get("site.nav.rent"), current)
                  + link("/activations", t.get("site.nav.activations"), current) + link("/rentals", t.get("site.nav.rentals"), current)
                  + link("/balance", t.get("site.nav.balance"), current) + link("/developers/keys", t.get("site.nav.developers"), current)
                  + "<form method=\"post\" action=\"/test-mode\" class=\"inline\">" + csrfField(visit)
                  + "<input type=\"hidden\" name=\"on\" value=\"" + (visit.testMode() ? "0" : "1") + "\">"
                  + "<button type=\"submit\" class=\"link\">" + escape(t.get(visit.testMode() ? "site.nav.leave-test-mode" : "site.nav.test-mode"))
                  + "</button></form>"
                  + "<form method=\"post\" action=\"/sign-out\" class=\"inline\">" + csrfField(visit)
                  + "<button type=\"submit\" class=\"link\">" + escape(t.get("site.nav.sign-out")) + "</button></form>"
                : link("/", t.get("site.nav.catalogue"), current) + link("/rent", t.get("site.nav.rent"), current)
                  + link("/developers/docs", t.get("site.nav.api-docs"), current)
                  + link("/sign-in", t.get("site.nav.sign-in"), current) + link("/sign-up", t.get("site.nav.sign-up"), current);
        String who = visit.session().map(s -> "<p class=\"who\"><a href=\"/account\">" + escape(t.get("site.signed-in-as", s.email())) + "</a>"
                + (s.emailVerified() ? "" : " · " + escape(t.get("account.unverified-banner")) + " <a href=\"/account\">"
                   + escape(t.get("account.unverified-link")) + "</a>") + "</p>").orElse("");
        String mode = visit.testMode() ? "<p class=\"sandbox\">" + escape(t.get("site.test-mode-banner")) + "</p>"
                : visit.sandbox() ? "<p class=\"sandbox\">" + escape(t.get("site.sandbox-banner")) + "</p>" : "";
        return """
                <!doctype html>
                <html lang="%s"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%s · Numpool</title>
                <link rel="icon" href="data:,">
                <link rel="stylesheet" href="%s">
                <script src="%s" defer></script>%s
                </head><body data-copied="%s" data-copied-text="%s" data-copy-failed="%s" data-copy-by-hand="%s">
                <a class="skip" href="#main">%s</a>
                <header class="top"><a class="brand" href="/">Numpool</a><nav aria-label="%s">%s</nav></header>
                %s%s
                <main id="main" tabindex="-1">
                %s
                </main>
                <footer><p>%s</p>
                <nav aria-label="%s"><a href="/how-it-works">%s</a> · <a href="/faq">%s</a> · <a href="/terms">%s</a> ·
                <a href="/privacy">%s</a> · <a href="/refunds">%s</a> · <a href="/contact">%s</a> · <a href="/status">%s</a> ·
                <a href="/developers/docs">%s</a></nav>
                <nav aria-label="%s" class="languages">%s</nav></footer>
                </body></html>
                """.formatted(t.language().code, escape(title), Assets.CSS_URL, Assets.JS_URL,
                script.map(url -> "\n<script src=\"" + escape(url) + "\" defer></script>").orElse(""), escape(t.get("site.copy.done")),
                escape(t.get("site.copy.done-text", "{0}")), escape(t.get("site.copy.failed")), escape(t.get("site.copy.by-hand")), escape(t.get("site.skip")),
                escape(t.get("site.nav.main")), nav, mode, who, main, escape(t.get("site.footer.tagline")),
                escape(t.get("site.footer.about")), escape(t.get("site.footer.how-it-works")), escape(t.get("site.footer.faq")),
                escape(t.get("site.footer.terms")), escape(t.get("site.footer.privacy")), escape(t.get("site.footer.refunds")),
                escape(t.get("site.footer.contact")), escape(t.get("site.footer.status")), escape(t.get("site.footer.api")),
                escape(t.get("site.footer.language")), languages(t.language()));
    }

    /**
     * The language switcher: plain links, so it works without JavaScript; each names its language
     * in that language (with {@code lang}, so screen readers say it right).
     */
    private static String languages(Texts.Language current) {
        StringBuilder out = new StringBuilder();
        for (Texts.Language language : Texts.Language.values()) {
            out.append(out.isEmpty() ? "" : " · ");
            out.append("<a href=\"/language?to=").append(language.code).append("\" lang=\"").append(language.code)
                    .append("\" hreflang=\"").append(language.code).append("\"")
                    .append(language == current ? " aria-current=\"true\"" : "").append(">").append(escape(language.ownName)).append("</a>");
        }
        return out.toString();
    }

    private static String link(String href, String label, String current) {
        boolean here = href.equals(current) || href.startsWith("/developers/keys") && current.startsWith("/developers/");
        return "<a href=\"" + href + "\"" + (here ? " aria-current=\"page\"" : "") + ">" + escape(label) + "</a>";
    }

    /** A message box: {@code kind} is {@code error} or {@code ok}; {@code text} is escaped here. */
    static String notice(String kind, String text) {
        return "<p class=\"notice " + kind + "\" role=\"" + ("error".equals(kind) ? "alert" : "status") + "\">" + escape(text) + "</p>";
    }
}
