package dev.numpool.web;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A text whose words are escaped but whose arguments are HTML made in Java: a link, a
 * {@code <code>} span, or the two halves of a {@code <strong>}, so that a translation can put
 * them where its own word order wants them. The words come from the text files (ours); every
 * argument is built here in Java from constants and {@link Html#escape}d values, never from
 * what a visitor typed. Keys used this way say so in a comment in their text files.
 */
final class Markup {
    /** Private-use characters around an argument's number: they pass through formatting and escaping untouched. */
    private static final Pattern SLOT = Pattern.compile("\uE000(\\d{1,2})\uE001");

    private Markup() {
    }

    /** The text of {@code key}, escaped, with argument {@code i} replaced by {@code html[i]} as it is. */
    static String of(Texts texts, String key, String... html) {
        Object[] slots = new Object[html.length];
        for (int i = 0; i < html.length; i++) {
            slots[i] = "\uE000" + i + "\uE001";
        }
        String escaped = Html.escape(texts.get(key, slots));
        Matcher m = SLOT.matcher(escaped);
        return m.replaceAll(r -> Matcher.quoteReplacement(html[Integer.parseInt(r.group(1))]));
    }

    /** {@code <strong>} and {@code </strong>}, for a text that opens with its own lead-in in bold. */
    static String strong(Texts texts, String key, String... more) {
        String[] html = new String[2 + more.length];
        html[0] = "<strong>";
        html[1] = "</strong>";
        System.arraycopy(more, 0, html, 2, more.length);
        return of(texts, key, html);
    }
}
