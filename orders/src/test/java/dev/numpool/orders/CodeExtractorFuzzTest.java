package dev.numpool.orders;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer drives the extractor with generated texts: it must never throw, never hang (Jazzer
 * reports an input that runs too long), and only ever answer a code of the documented shape.
 * In a plain test run this replays the inputs under {@code CodeExtractorFuzzTestInputs}; with
 * {@code JAZZER_FUZZ=1} it fuzzes for {@code maxDuration} (the build does so, see the pom).
 */
class CodeExtractorFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void neverThrowsHangsOrAnswersSomethingThatIsNoCode(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        Optional<String> code = CodeExtractor.find(text);
        code.ifPresent(c -> assertTrue(c.matches("[0-9A-Z]{4,8}"), () -> "not a code: '" + c + "' from: " + text));
    }
}
