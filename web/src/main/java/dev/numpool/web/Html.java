package dev.numpool.web;

import dev.numpool.inventory.Money;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

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

    /** A whole page: {@code main} is already-escaped HTML. */
    static String page(Visit visit, String title, String current, String main) {
        String nav = visit.signedIn()
                ? link("/", "Catalogue", current) + link("/activations", "Activations", current) + link("/balance", "Balance", current)
                  + link("/developers/keys", "Developers", current)
                  + "<form method=\"post\" action=\"/test-mode\" class=\"inline\">" + csrfField(visit)
                  + "<input type=\"hidden\" name=\"on\" value=\"" + (visit.testMode() ? "0" : "1") + "\">"
                  + "<button type=\"submit\" class=\"link\">" + (visit.testMode() ? "Leave test mode" : "Test mode") + "</button></form>"
                  + "<form method=\"post\" action=\"/sign-out\" class=\"inline\">" + csrfField(visit)
                  + "<button type=\"submit\" class=\"link\">Sign out</button></form>"
                : link("/", "Catalogue", current) + link("/developers/docs", "API docs", current) + link("/sign-in", "Sign in", current)
                  + link("/sign-up", "Sign up", current);
        String who = visit.session().map(s -> "<p class=\"who\">Signed in as " + escape(s.email()) + "</p>").orElse("");
        String mode = visit.testMode()
                ? "<p class=\"sandbox\">Test mode: your test account, with play money and simulated numbers. Your real balance is untouched.</p>"
                : visit.sandbox() ? "<p class=\"sandbox\">Sandbox: numbers are simulated and balances are play money.</p>" : "";
        return """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%s · Numpool</title>
                <link rel="icon" href="data:,">
                <link rel="stylesheet" href="%s">
                <script src="%s" defer></script>
                </head><body>
                <a class="skip" href="#main">Skip to content</a>
                <header class="top"><a class="brand" href="/">Numpool</a><nav aria-label="Main">%s</nav></header>
                %s%s
                <main id="main" tabindex="-1">
                %s
                </main>
                <footer><p>Numpool: one-time codes on virtual numbers. You pay only when a code arrives.</p>
                <nav aria-label="About"><a href="/how-it-works">How it works</a> · <a href="/faq">FAQ</a> · <a href="/terms">Terms</a> ·
                <a href="/privacy">Privacy</a> · <a href="/refunds">Refunds</a> · <a href="/contact">Contact</a> · <a href="/status">Status</a> ·
                <a href="/developers/docs">API</a></nav></footer>
                </body></html>
                """.formatted(escape(title), Assets.CSS_URL, Assets.JS_URL, nav, mode, who, main);
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
