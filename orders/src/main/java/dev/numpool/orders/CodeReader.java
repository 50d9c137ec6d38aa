package dev.numpool.orders;

import java.text.Normalizer;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the code of an SMS that reached an activation, using what the activation tells: the
 * service it was bought for and the sender. In order:
 * <ol>
 *   <li>the origin-bound one-time-code line of the WebOTP standard ({@code @example.com #123456},
 *       last line), which names its code outright;</li>
 *   <li>the service's templates ({@link CodeTemplates}): shipped, learned from confirmed codes,
 *       or an operator's;</li>
 *   <li>the generic rules ({@link CodeExtractor}): a code next to a code keyword;</li>
 *   <li>for a short SMS to an activation, its only code-shaped token, keyword or not, unless it is
 *       a phone number, an amount, a date, a time, a card ending or an order number: nothing but
 *       codes is expected on a number bought for one service.</li>
 * </ol>
 * Texts are normalised first: compatibility forms (full-width letters, digits and colons) folded,
 * digits of every script made ASCII, so the rules see one alphabet of digits.
 */
final class CodeReader {
    /** What is known about the SMS beyond its text; {@code service} empty when nothing is (tools, fuzzing). */
    record Context(Optional<String> service, String sender) {
        static final Context NONE = new Context(Optional.empty(), "");

        static Context of(String service, String sender) {
            return new Context(Optional.of(service), sender == null ? "" : sender);
        }
    }

    /** A code and how it was read: {@code rules} or {@code template} (then with the template's id). */
    record Reading(String code, String source, OptionalLong templateId) {
    }

    /** WebOTP: the last line is "@" the origin's host, a blank, "#" the code (and optionally more). */
    private static final Pattern WEB_OTP = Pattern.compile("(?:\\A|\\n)\\s*@[\\w.-]+\\.[a-z]{2,}\\s+#([A-Za-z0-9]{4,10})(?:\\s+@[\\w.-]+)?\\s*\\z",
            Pattern.CASE_INSENSITIVE);
    /** How long an SMS may be for its one code-shaped token to count without a keyword. */
    static final int SHORT_SMS = 60;

    private final CodeTemplates templates;

    CodeReader(CodeTemplates templates) {
        this.templates = templates;
    }

    Optional<Reading> read(String text, Context context) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        String normalized = normalize(text);
        Matcher webOtp = WEB_OTP.matcher(normalized);
        if (webOtp.find()) {
            return Optional.of(new Reading(webOtp.group(1), "rules", OptionalLong.empty()));
        }
        if (context.service().isPresent()) {
            Optional<CodeTemplates.Match> match = templates.match(context.service().get(), context.sender(), normalized);
            if (match.isPresent()) {
                return Optional.of(new Reading(match.get().code(), "template", OptionalLong.of(match.get().templateId())));
            }
        }
        Optional<String> ruled = CodeExtractor.find(normalized);
        if (ruled.isEmpty() && context.service().isPresent() && normalized.strip().length() <= SHORT_SMS) {
            ruled = CodeExtractor.soleCode(normalized);
        }
        return ruled.map(code -> new Reading(code, "rules", OptionalLong.empty()));
    }

    /**
     * The text with compatibility forms folded (NFKC: full-width {@code １２３４} and {@code ：}) and
     * every decimal digit of any script (Arabic-Indic, Persian, Devanagari, …) written as ASCII.
     */
    static String normalize(String text) {
        // A full-width comma or semicolon ends a CJK clause ("验证码：482913，5分钟内有效"); folded
        // to ASCII it would glue the code to the next number like a decimal, so a blank follows it.
        String folded = Normalizer.normalize(text.replace("，", ", ").replace("；", "; "), Normalizer.Form.NFKC);
        StringBuilder out = null;
        for (int i = 0; i < folded.length(); ) {
            int cp = folded.codePointAt(i);
            int n = Character.charCount(cp);
            if (cp > 0x7F && Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) {
                if (out == null) {
                    out = new StringBuilder(folded.length()).append(folded, 0, i);
                }
                out.append((char) ('0' + Character.digit(cp, 10)));
            } else if (out != null) {
                out.appendCodePoint(cp);
            }
            i += n;
        }
        return out == null ? folded : out.toString();
    }
}
