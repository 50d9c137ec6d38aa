package dev.numpool.orders;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The code extractor against the team's corpus of real-world shaped verification texts
 * ({@code otp-corpus.tsv}: Latin, Cyrillic, Arabic, Hebrew, CJK, Indic and Thai scripts, codes in
 * every common form, and texts with phone numbers, amounts, dates, times and order numbers but
 * no code), measured as a whole: precision (a code returned is the right one) and recall (the
 * right code is found). A wrong code is worse than none, so precision has the higher bar. The
 * report, with every miss, is written to {@code target/code-extractor-report.txt}.
 */
class CodeExtractorCorpusTest {
    /** Below these the build fails; the report says where the corpus stands. */
    private static final double MIN_PRECISION = 0.99;
    private static final double MIN_RECALL = 0.95;

    record Sample(int line, String expected, String lang, String text) {
    }

    @Test
    void theExtractorIsPreciseAndFindsAlmostEveryCodeInTheCorpus() throws IOException {
        List<Sample> samples = corpus("otp-corpus.tsv");
        assertTrue(samples.size() >= 300, "the corpus has " + samples.size() + " samples");
        measure(samples, "code-extractor-report.txt", MIN_PRECISION, MIN_RECALL);
    }

    /**
     * A second set, written apart from the first. It was held out for one round, measured at
     * precision 0.951 and recall 0.740, and then used to tune the rules once; it is now a
     * development set, held to the bars of the first.
     */
    @Test
    void onTheDevelopmentSetTheExtractorStaysPrecise() throws IOException {
        List<Sample> samples = corpus("otp-holdout.tsv");
        assertTrue(samples.size() >= 150, "the development set has " + samples.size() + " samples");
        measure(samples, "code-extractor-development-report.txt", 0.98, 0.95);
    }

    /**
     * A third set, written apart from both and never used to tune the extractor: the honest
     * measure of how far the rules generalise. Its bars are where it stood when it was first run
     * (precision 0.971, recall 0.962), so they catch a regression, not prove quality.
     */
    @Test
    void onAHeldOutSetTheExtractorStaysPrecise() throws IOException {
        List<Sample> samples = corpus("otp-holdout-2.tsv");
        assertTrue(samples.size() >= 150, "the held-out set has " + samples.size() + " samples");
        measure(samples, "code-extractor-holdout-report.txt", 0.97, 0.96);
    }

    private static void measure(List<Sample> samples, String reportName, double minPrecision, double minRecall) throws IOException {
        int truePositives = 0;
        int falsePositives = 0;
        int falseNegatives = 0;
        int trueNegatives = 0;
        List<String> misses = new ArrayList<>();
        for (Sample s : samples) {
            Optional<String> found = CodeExtractor.find(s.text());
            boolean hasCode = !s.expected().equals("-");
            if (hasCode && found.isPresent() && found.get().equalsIgnoreCase(s.expected())) {
                truePositives++;
            } else if (found.isPresent()) {
                falsePositives++;
                if (hasCode) {
                    falseNegatives++; // the right code was not found either
                }
                misses.add("WRONG  line " + s.line() + " [" + s.lang() + "] expected " + s.expected() + ", got " + found.get() + ": " + s.text());
            } else if (hasCode) {
                falseNegatives++;
                misses.add("MISSED line " + s.line() + " [" + s.lang() + "] expected " + s.expected() + ": " + s.text());
            } else {
                trueNegatives++;
            }
        }
        double precision = truePositives / (double) Math.max(1, truePositives + falsePositives);
        double recall = truePositives / (double) Math.max(1, truePositives + falseNegatives);
        String report = "samples %d (with a code %d, without %d)%nprecision %.3f  recall %.3f  (TP %d, FP %d, FN %d, TN %d)%n%n%s%n".formatted(
                samples.size(), truePositives + falseNegatives, samples.size() - truePositives - falseNegatives,
                precision, recall, truePositives, falsePositives, falseNegatives, trueNegatives, String.join("\n", misses));
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", reportName), report);
        System.out.println(reportName + ": " + report.lines().limit(2).reduce((a, b) -> a + " / " + b).orElse(""));
        assertTrue(precision >= minPrecision && recall >= minRecall, report);
    }

    static List<Sample> corpus(String name) throws IOException {
        List<Sample> samples = new ArrayList<>();
        try (InputStream in = CodeExtractorCorpusTest.class.getResourceAsStream(name)) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 3);
                samples.add(new Sample(i + 1, f[0], f[1], f[2].replace("\\n", "\n").replace("\\t", "\t")));
            }
        }
        return samples;
    }
}
