package dev.numpool.web;

import com.ibm.icu.text.MessageFormat;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The website's four languages stay complete: every text in every language, every key the code
 * names present, the same arguments in each translation, and no text left in English in another
 * language. Failing here is how an untranslated string is found before a reader finds it.
 */
class TextsTest {
    private static final Path TEXTS = Path.of("src/main/resources/texts");
    private static final Path SOURCES = Path.of("src/main/java/dev/numpool/web");
    /** Texts that are the same word in every language we write (names, acronyms). */
    private static final Set<String> SAME_EVERYWHERE = Set.of("API", "CSV", "Numpool", "Email", "OK", "SMS", "Telegram", "WhatsApp", "ID", "FAQ", "URL");
    private static final Pattern ARGUMENT = Pattern.compile("\\{(\\d+)");
    private static final Pattern KEY_LITERAL = Pattern.compile("\"([a-z][a-z0-9]*(?:\\.[a-z0-9-]+)+)\"");

    @Test
    void everyTextFileIsReadAndEveryAreaHasAFileInEveryLanguage() throws IOException {
        Set<String> files;
        try (Stream<Path> list = Files.list(TEXTS)) {
            files = list.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> expected = new TreeSet<>();
        for (String area : Texts.AREAS) {
            for (Texts.Language language : Texts.Language.values()) {
                expected.add(area + "_" + language.code + ".properties");
            }
        }
        assertEquals(expected, files, "each area in Texts.AREAS has one file per language, and no file is left unread");
    }

    @Test
    void everyLanguageHasEveryKeyWithTheSameArgumentsAndItsOwnWords() {
        Map<String, String> english = Texts.patterns(Texts.Language.EN);
        List<String> problems = new ArrayList<>();
        for (Texts.Language language : Texts.Language.values()) {
            Map<String, String> texts = Texts.patterns(language);
            Set<String> missing = new TreeSet<>(english.keySet());
            missing.removeAll(texts.keySet());
            Set<String> extra = new TreeSet<>(texts.keySet());
            extra.removeAll(english.keySet());
            missing.forEach(k -> problems.add(language.code + ": missing " + k));
            extra.forEach(k -> problems.add(language.code + ": not in English " + k));
            texts.forEach((key, pattern) -> {
                if (pattern.isBlank()) {
                    problems.add(language.code + ": empty " + key);
                }
                try {
                    new MessageFormat(pattern, language.formats);
                } catch (IllegalArgumentException e) {
                    problems.add(language.code + ": " + key + " is not a valid message: " + e.getMessage());
                }
                String en = english.get(key);
                if (en != null && !arguments(en).equals(arguments(pattern))) {
                    problems.add(language.code + ": " + key + " takes " + arguments(pattern) + ", English takes " + arguments(en));
                }
                boolean otherScript = language == Texts.Language.RU || language == Texts.Language.ZH;
                boolean longEnough = language == Texts.Language.ES && pattern.length() > 24;
                if (en != null && language != Texts.Language.EN && (otherScript || longEnough) && pattern.equals(en) && !SAME_EVERYWHERE.contains(en)) {
                    problems.add(language.code + ": " + key + " is still in English: " + en);
                }
            });
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everyKeyTheCodeNamesIsWritten() throws IOException {
        Set<String> known = Texts.patterns(Texts.Language.EN).keySet();
        Set<String> missing = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(SOURCES)) {
            for (Path file : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                String name = file.getFileName().toString();
                if (name.contains("Config") || name.equals("Main.java") || name.equals("Numpool.java")) {
                    continue; // configuration keys look like text keys ("website.contact-email")
                }
                Matcher m = KEY_LITERAL.matcher(Files.readString(file));
                while (m.find()) {
                    String key = m.group(1);
                    if (Texts.AREAS.contains(Texts.area(key)) && !known.contains(key)) {
                        missing.add(name + ": " + key);
                    }
                }
            }
        }
        assertTrue(missing.isEmpty(), "keys named in code but written in no text file:\n" + String.join("\n", missing));
    }

    @Test
    void numbersMoneyAndDatesAreWrittenAsEachLanguageWritesThem() {
        assertEquals("USD\u00a01,234.50", Texts.of(Texts.Language.EN).money(1_234_500_000L, "USD"));
        assertEquals("1\u00a0234,50\u00a0USD", Texts.of(Texts.Language.RU).money(1_234_500_000L, "USD"));
        assertEquals("1234,50\u00a0USD", Texts.of(Texts.Language.ES).money(1_234_500_000L, "USD"));
        // A balance can hold a fraction of a cent: it is shown, not rounded away.
        assertEquals("USD\u00a00.1234", Texts.of(Texts.Language.EN).money(123_400L, "USD"));
        assertEquals("20 минут", Texts.of(Texts.Language.RU).duration(Duration.ofMinutes(20)));
        assertEquals("2 минуты", Texts.of(Texts.Language.RU).duration(Duration.ofMinutes(2)));
        assertEquals("Alemania", Texts.of(Texts.Language.ES).countryName("DE"));
        assertEquals("德国", Texts.of(Texts.Language.ZH).countryName("DE"));
        assertTrue(Texts.of(Texts.Language.ZH).when(Instant.parse("2026-12-04T10:15:30Z")).startsWith("2026年12月4日"));
        assertEquals("Подождите 3 секунды и обновите страницу.",
                Texts.of(Texts.Language.RU).get("errors.slow-down.text", 3).replaceAll(".*(Подождите)", "$1"));
    }

    @Test
    void theBrowsersLanguageIsMatchedToOneWeWrite() {
        assertEquals(Texts.Language.RU, Texts.Language.forAcceptLanguage("ru-RU,ru;q=0.9,en-US;q=0.8"));
        assertEquals(Texts.Language.ZH, Texts.Language.forAcceptLanguage("zh-TW,zh;q=0.9"));
        assertEquals(Texts.Language.ES, Texts.Language.forAcceptLanguage("de-DE, es;q=0.5"));
        assertEquals(Texts.Language.EN, Texts.Language.forAcceptLanguage("de-DE"));
        assertEquals(Texts.Language.EN, Texts.Language.forAcceptLanguage("ru;q=0, en;q=0.1"));
        assertEquals(Texts.Language.EN, Texts.Language.forAcceptLanguage(";;;=garbage"));
        assertEquals(Texts.Language.EN, Texts.Language.forAcceptLanguage(null));
    }

    private static List<String> arguments(String pattern) {
        List<String> found = new ArrayList<>();
        Matcher m = ARGUMENT.matcher(pattern);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found.stream().distinct().sorted().toList();
    }
}
