package dev.numpool.orders;

import dev.numpool.inventory.PhoneNumber;

import java.text.Normalizer;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.logging.Logger;
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
    /**
     * What is known about the SMS beyond its text; {@code service} empty when nothing is (tools,
     * fuzzing). {@code recipient} is the number it was sent to, when known: its country tells the
     * language, and a service that echoes it ("your number 61234567 is verified") names no code.
     */
    record Context(Optional<String> service, String sender, Optional<PhoneNumber> recipient) {
        static final Context NONE = new Context(Optional.empty(), "", Optional.empty());

        static Context of(String service, String sender) {
            return new Context(Optional.of(service), sender == null ? "" : sender, Optional.empty());
        }

        /** The same, sent to {@code number} (E.164); an invalid one is as good as none. */
        Context to(String number) {
            return new Context(service, sender, PhoneNumber.of(number));
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
    private static final Logger LOG = Logger.getLogger(CodeReader.class.getName());

    private final CodeTemplates templates;

    CodeReader(CodeTemplates templates) {
        this.templates = templates;
    }

    Optional<Reading> read(String text, Context context) {
        try {
            return readUnguarded(text, context);
        } catch (StackOverflowError e) {
            // Java's regex engine recurses once per repetition of some groups, so a long enough SMS
            // of an unforeseen shape can exhaust the reading thread's stack. It then has no code read:
            // it is stored and goes to the operators' review queue, rather than failing its
            // transaction on every retry and never being stored at all.
            LOG.warning("an SMS of " + text.length() + " characters from '" + context.sender() + "' for "
                    + context.service().orElse("any service") + " was too deep to read; it is kept with no code read");
            return Optional.empty();
        }
    }

    private Optional<Reading> readUnguarded(String text, Context context) {
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
        String ruledOn = context.recipient().map(n -> withoutOwnNumber(normalized, n)).orElse(normalized);
        // Vietnamese written without accents says "is" as "la"; on a Vietnamese number (+84) that is the language to expect.
        boolean vietnamese = context.recipient().map(n -> n.e164().startsWith("+84")).orElse(false);
        Optional<String> ruled = CodeExtractor.find(ruledOn, vietnamese);
        if (ruled.isEmpty() && context.service().isPresent() && ruledOn.strip().length() <= SHORT_SMS) {
            ruled = CodeExtractor.soleCode(ruledOn);
        }
        return ruled.map(code -> new Reading(code, "rules", OptionalLong.empty()));
    }

    /**
     * The text with the number it was sent to blanked out, however written: international
     * ({@code +65 6123 4567}, {@code 0065…}), national with or without the trunk prefix, digits
     * grouped by blanks, dashes, dots or brackets. Where numbers are eight digits long (Singapore,
     * Hong Kong, Denmark, Norway) the number would otherwise pass for a code.
     */
    static String withoutOwnNumber(String text, PhoneNumber number) {
        // However written (+65 6123 4567, 6123-4567), its last six digits follow one another once all
        // but the digits are dropped; most SMS do not hold them, and are read without building the pattern.
        StringBuilder digits = new StringBuilder(text.length());
        text.chars().filter(c -> c >= '0' && c <= '9').forEach(c -> digits.append((char) c));
        if (digits.indexOf(number.e164().substring(number.e164().length() - 6)) < 0) {
            return text;
        }
        PhoneNumber.Written written = number.written();
        String national = written.national();
        StringBuilder regex = new StringBuilder("(?<!\\d)(?:(?:\\+|00)").append(written.countryCode()).append("[\\s().-]*");
        if (!written.trunkPrefix().isEmpty()) {
            regex.append("|").append(Pattern.quote(written.trunkPrefix())).append("[\\s().-]*");
        }
        regex.append(")?");
        for (int i = 0; i < national.length(); i++) {
            regex.append(i == 0 ? "" : "[\\s().-]?").append(national.charAt(i));
        }
        regex.append("(?!\\d)");
        return Pattern.compile(regex.toString()).matcher(text).replaceAll(m -> " ".repeat(m.group().length()));
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
