package dev.numpool.orders;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the verification code in an SMS text: 4 to 8 digits, or two groups of three joined by a
 * dash or a space ({@code 123-456}), optionally behind a letter prefix ({@code G-123456}). The
 * code is returned as the digits a person types.
 *
 * <p>It prefers a candidate right after a code keyword in any of the common languages; it skips
 * numbers that are parts of phone numbers, amounts, times, dates and links; with no keyword it
 * takes the only candidate, and with several it returns nothing rather than guess.
 *
 * <p>Chinese, Japanese and Korean texts write the code straight after a word with no space
 * ({@code 验证码是482913}), so letters of those scripts do not glue to a number the way Latin
 * letters do ({@code ABC1234} is an id, not a code).
 */
final class CodeExtractor {
    /** Letters that make a number part of a word; see the class comment for the CJK exception. */
    private static final String GLUED_LETTER = "[\\p{L}&&[^\\p{IsHan}\\p{IsHiragana}\\p{IsKatakana}\\p{IsHangul}]]";
    // A digit after "-" is a date (2026-05-03) or a range, as after "." "," ":" "/" an amount or a time.
    private static final Pattern CANDIDATE = Pattern.compile(
            "(?<![" + GLUED_LETTER + "\\p{N}./:#@$€£₽+-])(?:\\p{Lu}{1,3}-)?(\\d{3}[- ]\\d{3}|\\d{4,8})(?![\\p{N}]|[.,:/-]\\d|\\s?(?:[$€£₽%]|usd|eur|rub|руб))",
            Pattern.CASE_INSENSITIVE);
    /**
     * Digits in groups, as phone numbers are written ({@code +1 415 555 0100}, {@code 8 800 555 35 35},
     * {@code (415) 555-0100}); {@link #isPhoneNumber} decides whether a match is one.
     */
    private static final Pattern DIGIT_GROUPS = Pattern.compile("\\+?\\(?\\d[\\d ()-]{5,}\\d");
    /** Ten digits is the shortest national number with its area code; codes are at most eight. */
    private static final int MIN_PHONE_DIGITS = 10;
    private static final Pattern KEYWORD = Pattern.compile(
            "code|otp|pin|password|passcode|verification|код|пароль|código|codigo|código|code de|kode|kod|验证码|驗證碼|認証|인증|رمز|कोड|mã|ma xac|verif",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern LINK = Pattern.compile("https?://\\S+|www\\.\\S+", Pattern.CASE_INSENSITIVE);

    private CodeExtractor() {
    }

    static Optional<String> find(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        String clean = LINK.matcher(text.replace("<#>", " ")).replaceAll(" ");
        // Phone numbers go first: their groups of three or four digits look like codes one by one.
        clean = DIGIT_GROUPS.matcher(clean).replaceAll(g -> isPhoneNumber(g.group()) ? " " : Matcher.quoteReplacement(g.group()));
        List<int[]> keywords = new ArrayList<>();
        Matcher k = KEYWORD.matcher(clean);
        while (k.find()) {
            keywords.add(new int[] {k.start(), k.end()});
        }
        List<Candidate> candidates = new ArrayList<>();
        Matcher m = CANDIDATE.matcher(clean);
        while (m.find()) {
            candidates.add(new Candidate(m.group(1).replaceAll("[- ]", ""), m.start(), m.end()));
        }
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        if (candidates.size() == 1) {
            return Optional.of(candidates.getFirst().digits());
        }
        // Several numbers: the one nearest to a code keyword wins; with no keyword, do not guess.
        Candidate best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Candidate c : candidates) {
            for (int[] kw : keywords) {
                int distance = c.start() >= kw[1] ? c.start() - kw[1] : kw[0] - c.end() + 20;
                if (distance >= 0 && distance < bestDistance) {
                    bestDistance = distance;
                    best = c;
                }
            }
        }
        return Optional.ofNullable(best).map(Candidate::digits);
    }

    /** International numbers start with "+"; a national one has more digits than any code. */
    private static boolean isPhoneNumber(String digitGroups) {
        return digitGroups.startsWith("+") || digitGroups.chars().filter(Character::isDigit).count() >= MIN_PHONE_DIGITS;
    }

    private record Candidate(String digits, int start, int end) {
    }
}
