package dev.numpool.orders;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How long reading the code of one SMS takes (issue 13: under 1 ms at p99), over the real SMS of
 * the real sets, each with its service and sender, and the shipped templates loaded, as a
 * node reads them. In the orders package (in this module) because the reader is that module's
 * own, not part of its door. Run with {@code ./numpool bench codes}; JMH's sample mode reports
 * the percentiles.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CodeReadingBench {
    private static final Path REAL = Path.of("orders/src/test/resources/dev/numpool/orders/real");
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

    private record Sms(String text, CodeReader.Context context) {
    }

    private CodeReader reader;
    private List<Sms> texts;
    private int next;

    @Setup
    public void load() throws IOException {
        CodeTemplates templates = new CodeTemplates();
        templates.load(CodeTemplates.shipped());
        reader = new CodeReader(templates);
        texts = new ArrayList<>();
        // Every real set there is: timing them does not tune the reader, so the held-out set counts too.
        List<String> lines = new ArrayList<>();
        try (var sets = Files.list(REAL)) {
            for (Path set : sets.filter(f -> f.toString().endsWith(".tsv")).sorted().toList()) {
                lines.addAll(Files.readAllLines(set));
            }
        }
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", 7);
            String service = f[1].equals("-") ? "ot" : f[1];
            // Sent, as in production, to a number: one of the row's country, else a Russian one.
            String region = f[2].matches("[A-Z]{2}") ? f[2] : "RU";
            var example = java.util.Optional.ofNullable(PHONES.getExampleNumberForType(region, PhoneNumberUtil.PhoneNumberType.MOBILE))
                    .or(() -> java.util.Optional.ofNullable(PHONES.getExampleNumberForType("RU", PhoneNumberUtil.PhoneNumberType.MOBILE))).orElseThrow();
            texts.add(new Sms(f[6].replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r").replace("\\\\", "\\"),
                    CodeReader.Context.of(service, f[4].equals("-") ? "" : f[4]).to(PHONES.format(example, PhoneNumberUtil.PhoneNumberFormat.E164))));
        }
    }

    /** One SMS, the next of the set each time, so the sample covers every shape. */
    @Benchmark
    public Optional<CodeReader.Reading> readOneSms() {
        Sms sms = texts.get(next);
        next = (next + 1) % texts.size();
        return reader.read(sms.text(), sms.context());
    }

    /**
     * SMS written to be slow to read: 4,096 characters (the most a node keeps of one) of one unit
     * repeated (a keyword, a number, digit groups, two words a shipped template looks for), to
     * activations of services with and without shipped templates, and an operator's template of
     * four {@code {*}} on a text of one letter. Their worst case, not their median, is the figure.
     */
    @State(Scope.Thread)
    public static class Hostile {
        private static final List<String> UNITS = List.of("1 ", "1)", "1-", "1.", "1,", "G-", "$1 ", "+1 ", "code: ", "otp1",
                "验证码", "验证码1", "【1】", "카카오인증번호", "رمز ", "kod ", "Microsoft ", "a", "a1", "*1", "ב-1 ", "3-digit code 123 ",
                "+1234567890 PIN 1 ", "Type 1 ", "KWxZlvUp ", "31-10-21 ");
        /**
         * Texts of one unit after a start that changes how it is read: digits run on from a word
         * are not blanked as a phone number, and a text opening with {@code <#>} is searched for an
         * app hash at its end.
         */
        private static final List<List<String>> STARTS_AND_UNITS = List.of(List.of("code a", "1"), List.of("Your code is a", "12"), List.of("<#>", " "));
        /** Texts of one unit that end in a token after a colon, which is read back to its sentence's start. */
        private static final List<List<String>> UNITS_AND_ENDINGS = List.of(List.of("code ", ": K7Q2"), List.of("a", ": nOIL"));
        private static final List<String> SERVICES = List.of("ot", "tg", "go", "mm", "kt");

        private CodeReader reader;
        private List<Sms> texts;
        private int next;

        @Setup
        public void load() {
            CodeTemplates templates = new CodeTemplates();
            List<CodeTemplate> rows = new ArrayList<>(CodeTemplates.shipped());
            rows.add(new CodeTemplate(rows.size() + 1, "ot", "", "{*}a{*}a{*}a{*}{code}{*}", "operator", 0, Optional.empty(), Instant.EPOCH));
            rows.add(new CodeTemplate(rows.size() + 1, "ot", "", "Order {n}{*}code {code}{*}", "operator", 0, Optional.empty(), Instant.EPOCH));
            templates.load(rows);
            reader = new CodeReader(templates);
            texts = new ArrayList<>();
            List<String> hostile = new ArrayList<>();
            UNITS.forEach(unit -> hostile.add(unit.repeat(4096 / unit.length() + 1).substring(0, 4096)));
            STARTS_AND_UNITS.forEach(p -> hostile.add((p.get(0) + p.get(1).repeat(4096 / p.get(1).length())).substring(0, 4096)));
            UNITS_AND_ENDINGS.forEach(p -> hostile.add(p.get(0).repeat(4096 / p.get(0).length()).substring(0, 4096 - p.get(1).length()) + p.get(1)));
            for (String text : hostile) {
                for (String service : SERVICES) {
                    texts.add(new Sms(text, CodeReader.Context.of(service, "").to("+447700900123")));
                }
            }
        }
    }

    /** One hostile SMS, the next of {@link Hostile}'s each time. */
    @Benchmark
    public Optional<CodeReader.Reading> readOneHostileSms(Hostile hostile) {
        Sms sms = hostile.texts.get(hostile.next);
        hostile.next = (hostile.next + 1) % hostile.texts.size();
        return hostile.reader.read(sms.text(), sms.context());
    }
}
