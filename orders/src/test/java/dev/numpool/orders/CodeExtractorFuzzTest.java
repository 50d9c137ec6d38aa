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

    /** The reader with an activation's context (service, number) and the shipped templates: the same promises, and a code it returns stands in the text. */
    @FuzzTest(maxDuration = "20s")
    void theReaderWithContextNeverThrowsAndOnlyAnswersCodesFromTheText(FuzzedDataProvider data) throws java.io.IOException {
        String service = data.pickValue(new String[] {"tg", "wa", "go", "fb", "hw", "kt", "ot"});
        // The number it went to: none, one of eight digits, one with a trunk prefix, a Vietnamese one.
        String recipient = data.pickValue(new String[] {"", "+85223456789", "+79001234567", "+84901234567"});
        String text = data.consumeRemainingAsString();
        Optional<CodeReader.Reading> reading = reader().read(text, CodeReader.Context.of(service, "").to(recipient));
        reading.ifPresent(r -> {
            assertTrue(r.code().matches("[0-9A-Za-z]{4,10}"), () -> "not a code: '" + r.code() + "' from: " + text);
            String letters = CodeReader.normalize(text).replaceAll("[- ]", "").toUpperCase(java.util.Locale.ROOT);
            assertTrue(letters.contains(r.code().toUpperCase(java.util.Locale.ROOT)), () -> "'" + r.code() + "' is not in: " + text);
        });
    }

    private static CodeReader reader;

    private static CodeReader reader() throws java.io.IOException {
        if (reader == null) {
            reader = new CodeReader(ShippedTemplates.load());
        }
        return reader;
    }
}
