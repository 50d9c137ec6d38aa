package dev.numpool.orders;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * This node's copy of the code templates (see {@link CodeTemplate} for their syntax), compiled,
 * per service, in the order they are tried: a sender's own before any sender's, an operator's
 * before learned ones before shipped ones, the most used first. The rows live in PostgreSQL and
 * every node reloads them (see {@link Orders#refreshCodeTemplates}); hits are counted here and
 * written down at the next reload, so reading an SMS never writes to the database.
 */
final class CodeTemplates {
    private static final Logger LOG = Logger.getLogger(CodeTemplates.class.getName());
    /** A learned template needs this many letters of its own, or it would match too much. */
    static final int MIN_LEARNED_LETTERS = 8;
    static final int MAX_TEMPLATE_LENGTH = 1024;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(code|code:alnum|n|\\*)}");
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    /** Characters a template may read per character of the SMS (and at least {@link #READS_FLOOR}): see {@link Bounded}. */
    private static final long READS_PER_CHARACTER = 64;
    private static final long READS_FLOOR = 4096;

    private volatile Map<String, List<Compiled>> byService = Map.of();
    private final Map<Long, LongAdder> hits = new ConcurrentHashMap<>();
    /** Templates that gave up on an SMS, logged once each. */
    private final Set<Long> tooSlow = ConcurrentHashMap.newKeySet();

    /** A template ready to match: the whole SMS against {@code pattern}, after a cheap look for its longest literal. */
    record Compiled(long id, String service, String sender, Pattern pattern, String required) {
    }

    /** What a template read: the code, and which template. */
    record Match(String code, long templateId) {
    }

    /** Replaces this node's copy with {@code rows}; a row that does not compile is left out and logged. */
    void load(List<CodeTemplate> rows) {
        Map<String, List<CodeTemplate>> grouped = new HashMap<>();
        rows.forEach(r -> grouped.computeIfAbsent(r.service(), s -> new ArrayList<>()).add(r));
        Map<String, List<Compiled>> compiled = new HashMap<>();
        grouped.forEach((service, list) -> compiled.put(service, list.stream()
                .sorted(Comparator.comparing((CodeTemplate t) -> t.sender().isEmpty())
                        .thenComparing(t -> rank(t.origin()))
                        .thenComparing(Comparator.comparingLong(CodeTemplate::hits).reversed()))
                .flatMap(t -> compile(t.template()).map(p -> new Compiled(t.id(), t.service(), t.sender(), p, longestLiteral(t.template())))
                        .or(() -> {
                            LOG.warning("code template " + t.id() + " does not compile; left out: " + t.template());
                            return Optional.empty();
                        }).stream())
                .toList()));
        byService = Map.copyOf(compiled);
        // Kept for templates still loaded (logged once each, not once per refresh), dropped for
        // removed ones. An edited template keeps its id, so its give-ups are not logged again.
        tooSlow.retainAll(rows.stream().map(CodeTemplate::id).collect(Collectors.toSet()));
    }

    private static int rank(String origin) {
        return switch (origin) {
            case "operator" -> 0;
            case "learned" -> 1;
            default -> 2;
        };
    }

    /** The first of the service's templates that the whole (normalised) text matches. */
    Optional<Match> match(String service, String sender, String normalized) {
        List<Compiled> candidates = byService.getOrDefault(service, List.of());
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        String lower = normalized.toLowerCase(Locale.ROOT);
        for (Compiled c : candidates) {
            if (!c.sender().isEmpty() && !c.sender().equalsIgnoreCase(sender)) {
                continue;
            }
            if (!lower.contains(c.required())) {
                continue;
            }
            Matcher m = c.pattern().matcher(new Bounded(normalized, READS_PER_CHARACTER * (long) normalized.length() + READS_FLOOR));
            try {
                if (m.matches()) {
                    hits.computeIfAbsent(c.id(), id -> new LongAdder()).increment();
                    return Optional.of(new Match(m.group(1).replaceAll("[- ]", ""), c.id()));
                }
            } catch (Bounded.Exhausted e) {
                if (tooSlow.add(c.id())) {
                    LOG.warning("code template " + c.id() + " gave up on an SMS of " + normalized.length()
                            + " characters (its wildcards try too many ways to match); it is skipped for such SMS: " + c.pattern());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The text as a template's pattern reads it, for at most so many characters read. A template of
     * several {@code {*}} tries every way to share the text among them, which grows as a power of
     * the text's length: an operator's {@code {*}a{*}a{*}a{*}{code}{*}} took 9 seconds on 400 letters
     * "a", and shipped ones with two words that an SMS repeats hundreds of times took 3 seconds.
     * The shipped templates read at most about 5 characters per character of real SMS.
     */
    private static final class Bounded implements CharSequence {
        /** Thrown when the reads run out; without a stack trace, as it is no fault but a limit met. */
        static final class Exhausted extends RuntimeException {
            Exhausted() {
                super("too many reads", null, false, false);
            }
        }

        private static final Exhausted EXHAUSTED = new Exhausted();
        private final String text;
        private long reads;

        Bounded(String text, long reads) {
            this.text = text;
            this.reads = reads;
        }

        @Override
        public char charAt(int index) {
            if (--reads < 0) {
                throw EXHAUSTED;
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** The hits counted since the last call, by template id, and forgets them. */
    Map<Long, Long> drainHits() {
        Map<Long, Long> drained = new HashMap<>();
        hits.forEach((id, adder) -> {
            long n = adder.sumThenReset();
            if (n > 0) {
                drained.put(id, n);
            }
        });
        return drained;
    }

    /** The file of templates Numpool ships (service, sender, template; tab-separated), beside this class. */
    static final String SHIPPED = "code-templates.tsv";

    /**
     * The shipped templates as rows (numbered from 1, normalised as SMS are, not yet checked
     * against the catalogue or compiled): what {@link Orders} installs, and what tests and the
     * bench read without a database.
     */
    static List<CodeTemplate> shipped() {
        try (InputStream in = CodeTemplates.class.getResourceAsStream(SHIPPED)) {
            if (in == null) {
                throw new IllegalStateException(SHIPPED + " is missing from the build");
            }
            List<CodeTemplate> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] f = line.split("\t", 3);
                    rows.add(new CodeTemplate(rows.size() + 1, f[0], f[1], CodeReader.normalize(f[2]).strip(), "shipped", 0,
                            Optional.empty(), Instant.EPOCH));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SHIPPED, e);
        }
    }

    /**
     * A template's pattern, or empty when it is not one: exactly one {@code {code}} or
     * {@code {code:alnum}}, no other braces but the placeholders, at most
     * {@link #MAX_TEMPLATE_LENGTH} characters.
     */
    static Optional<Pattern> compile(String template) {
        if (template.isBlank() || template.length() > MAX_TEMPLATE_LENGTH) {
            return Optional.empty();
        }
        StringBuilder regex = new StringBuilder("\\s*");
        Matcher m = PLACEHOLDER.matcher(template);
        int at = 0;
        int codes = 0;
        while (m.find()) {
            if (!literal(template.substring(at, m.start()), regex)) {
                return Optional.empty();
            }
            switch (m.group(1)) {
                case "code", "code:alnum" -> {
                    codes++;
                    // Where no text of the template's own stands next to it, the code is a whole
                    // token: a {*} would otherwise take "kq" of "kq48291" and read 48291, or leave
                    // the last digit of a longer number and read a code cut from it.
                    boolean openBefore = m.start() == at && (at == 0 || template.startsWith("{*}", at - 3));
                    boolean openAfter = m.end() == template.length() || template.startsWith("{*}", m.end());
                    regex.append(openBefore ? "(?<![A-Za-z0-9])" : "")
                            .append(m.group(1).equals("code") ? "(\\d{3,4}[- ]\\d{3,4}|\\d{4,8})" : "([A-Za-z0-9]{4,10})")
                            .append(openAfter ? "(?![A-Za-z0-9])" : "");
                }
                // One run of digits and separators: "\d+(?:[.,]\d+)*" repeats a group, which Java's regex
                // engine recurses into once per repetition, and a number of 2,000 groups overflowed the stack.
                case "n" -> regex.append("\\d(?:[\\d.,]*\\d)?");
                default -> regex.append(".*?");
            }
            at = m.end();
        }
        if (codes != 1 || !literal(template.substring(at), regex)) {
            return Optional.empty();
        }
        regex.append("\\s*");
        return Optional.of(Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL));
    }

    /** Appends a literal part: blanks as any blanks, the rest as written. False when it holds a stray brace. */
    private static boolean literal(String part, StringBuilder regex) {
        if (part.indexOf('{') >= 0 || part.indexOf('}') >= 0) {
            return false;
        }
        for (String piece : part.split("(?<=\\s)(?=\\S)|(?<=\\S)(?=\\s)")) {
            if (piece.isEmpty()) {
                continue;
            }
            regex.append(piece.isBlank() ? "\\s+" : Pattern.quote(piece));
        }
        return true;
    }

    /** The longest run of the template with no placeholder and no blank, lower-cased: a text without it cannot match. */
    private static String longestLiteral(String template) {
        String longest = "";
        for (String part : PLACEHOLDER.split(template)) {
            for (String word : part.split("\\s+")) {
                if (word.length() > longest.length()) {
                    longest = word;
                }
            }
        }
        return longest.toLowerCase(Locale.ROOT);
    }

    /**
     * The code as the (normalised) text writes it, without dashes or blanks inside, when it stands
     * there as a word of its own (letters in any case): how an operator's mark is checked.
     */
    static Optional<String> locate(String normalized, String code) {
        return occurrence(normalized, code).map(m -> m.group().replaceAll("[- ]", ""));
    }

    private static Optional<Matcher> occurrence(String normalized, String code) {
        if (code.isEmpty() || code.length() > 16) {
            return Optional.empty();
        }
        String spread = String.join("[- ]?", code.chars().mapToObj(c -> Pattern.quote(Character.toString(c))).toList());
        // CJK writes a code straight after its word ("验证码482913"), so only other letters glue.
        String glued = "[\\p{N}\\p{L}&&[^\\p{IsHan}\\p{IsHiragana}\\p{IsKatakana}\\p{IsHangul}]]";
        Matcher at = Pattern.compile("(?<!" + glued + ")" + spread + "(?!" + glued + ")", Pattern.CASE_INSENSITIVE).matcher(normalized);
        return at.find() ? Optional.of(at) : Optional.empty();
    }

    /**
     * The template a confirmed code makes of its (normalised) SMS: the code masked where it
     * stands (also written with a dash or blanks inside), every other number as {@code {n}},
     * blanks collapsed. Empty when the code is not in the text, the text holds braces, or what
     * is left is too little to be specific ({@link #MIN_LEARNED_LETTERS} letters).
     */
    static Optional<String> learn(String normalized, String code) {
        if (code.isEmpty() || normalized.indexOf('{') >= 0 || normalized.indexOf('}') >= 0) {
            return Optional.empty();
        }
        Optional<Matcher> found = occurrence(normalized, code);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Matcher at = found.get();
        String placeholder = code.chars().allMatch(Character::isDigit) ? "{code}" : "{code:alnum}";
        String before = DIGITS.matcher(normalized.substring(0, at.start())).replaceAll("{n}");
        String after = DIGITS.matcher(normalized.substring(at.end())).replaceAll("{n}");
        String template = (before + placeholder + after).replaceAll("\\s+", " ").strip();
        long letters = PLACEHOLDER.matcher(template).replaceAll("").codePoints().filter(Character::isLetter).count();
        if (letters < MIN_LEARNED_LETTERS || template.length() > MAX_TEMPLATE_LENGTH || compile(template).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(template);
    }
}
