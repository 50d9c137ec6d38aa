package dev.numpool.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Android's one-time-code detection's boundary cases ({@code aosp/aosp-otp-edge-cases.jsonl}: 69
 * strings transcribed from AOSP's {@code NotificationOtpDetectionHelperTest.kt}, Apache-2.0):
 * dates, years, dashes, separators, lengths, letters of other alphabets, and the English words that
 * make a number a code ("4543 login", not "4543 pins"). Android asks whether a notification holds
 * a code; Numpool reads which code, so the cases are put as Numpool meets them: those Android
 * tests with English context words are read with no context, as any text; the others are bare
 * strings, read as the whole SMS to a Telegram activation. Where Numpool answers otherwise on
 * purpose, {@link #DIFFERENT} says why.
 */
class AospEdgeCasesTest {
    /** Cases Numpool reads differently from Android, and why. */
    private static final Map<String, String> DIFFERENT = Map.of(
            "123ķ4", "letters of other Latin alphabets inside a code: never seen in a real SMS",
            "123Ŀ4", "letters of other Latin alphabets inside a code: never seen in a real SMS",
            "your code 54-234-3 was sent on 1-1-01", "a group of one digit is no code's shape Numpool reads; no real SMS has shown one",
            "12-1-3089", "a group of one digit, as above",
            "G-FD-745", "a prefix and two groups, one of letters: no real SMS has shown one",
            "your code is G-345821for real", "a code run into the next word is still read: SMS lose their line breaks on the way");

    @Test
    void theReaderAgreesWithAndroidOnItsBoundaryCasesSaveWhereItSaysWhy() throws IOException {
        CodeReader reader = new CodeReader(new CodeTemplates());
        List<String> disagreements = new ArrayList<>();
        int agreed = 0;
        for (JsonNode c : cases()) {
            String text = c.get("text").asText();
            String condition = c.get("condition").asText();
            if (condition.startsWith("false-positive checks disabled")) {
                continue; // a switch of Android's that Numpool does not have
            }
            CodeReader.Context context = condition.startsWith("language=en") ? CodeReader.Context.NONE : CodeReader.Context.of("tg", "");
            boolean found = reader.read(text, context).isPresent();
            if (found == c.get("contains_otp").asBoolean()) {
                agreed++;
                assertTrue(!DIFFERENT.containsKey(text), "listed as different but agrees now: " + text);
            } else if (!DIFFERENT.containsKey(text)) {
                disagreements.add((found ? "reads a code in " : "reads no code in ") + "\"" + text + "\" (" + condition + ")");
            }
        }
        assertEquals(List.of(), disagreements);
        assertTrue(agreed >= 60, agreed + " cases agreed");
    }

    @Test
    void aNumberIsReadAsACodeByTheWordsThatSayWhatItIsFor() {
        CodeReader reader = new CodeReader(new CodeTemplates());
        assertEquals("4543", reader.read("This is a false positive 4543 two-factor", CodeReader.Context.NONE).orElseThrow().code());
        // Those words vouch for a number, not for letters and digits: "login: john23" is a user name.
        assertTrue(reader.read("Your login: john23, your plan: basic", CodeReader.Context.NONE).isEmpty());
        assertTrue(reader.read("This is a false positive 4543 pins", CodeReader.Context.NONE).isEmpty());
    }

    private static List<JsonNode> cases() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> cases = new ArrayList<>();
        try (InputStream in = AospEdgeCasesTest.class.getResourceAsStream("aosp/aosp-otp-edge-cases.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    cases.add(json.readTree(line));
                }
            }
        }
        assertEquals(69, cases.size());
        return cases;
    }
}
