package dev.numpool.web;

import com.ibm.icu.number.LocalizedNumberFormatter;
import com.ibm.icu.number.NumberFormatter;
import com.ibm.icu.number.Precision;
import com.ibm.icu.text.MeasureFormat;
import com.ibm.icu.text.MessageFormat;
import com.ibm.icu.util.Currency;
import com.ibm.icu.util.Measure;
import com.ibm.icu.util.MeasureUnit;
import com.ibm.icu.util.ULocale;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The website's words in one of its four languages, and numbers, money, dates and durations
 * written as that language writes them (CLDR data through ICU4J, not hand-written rules).
 *
 * <p>Texts live in {@code texts/<area>_<language>.properties} (UTF-8), one file per area of the
 * site; a key's area is the part before its first dot ({@code catalogue.title} is in
 * {@code texts/catalogue_ru.properties}). Values are ICU message patterns: numbered arguments
 * ({@code {0}}) and CLDR plurals ({@code {0, plural, one {# minute} other {# minutes}}}), which
 * Russian needs (one/few/many). A key missing in a language is a bug that {@code TextsTest}
 * catches before release; at run time it fails loudly rather than showing English to a Russian
 * reader without anyone noticing.
 */
final class Texts {
    /** The languages the website is written in, the first being the one for everyone else. */
    enum Language {
        EN("en", "English", "en-US"),
        RU("ru", "Русский", "ru-RU"),
        ZH("zh", "中文", "zh-Hans-CN"),
        ES("es", "Español", "es-ES");

        final String code;
        /** The language's name in itself, as the switcher shows it. */
        final String ownName;
        final ULocale formats;

        Language(String code, String ownName, String formats) {
            this.code = code;
            this.ownName = ownName;
            this.formats = ULocale.forLanguageTag(formats);
        }

        static Optional<Language> of(String code) {
            for (Language language : values()) {
                if (language.code.equalsIgnoreCase(code)) {
                    return Optional.of(language);
                }
            }
            return Optional.empty();
        }

        /**
         * The best of ours for a browser's {@code Accept-Language}, by RFC 4647 lookup (any Chinese
         * tag is taken as Simplified Chinese, the only Chinese we write); English when nothing fits
         * or the header is malformed.
         */
        static Language forAcceptLanguage(String header) {
            if (header == null || header.isBlank() || header.length() > 512) {
                return EN;
            }
            try {
                for (Locale.LanguageRange range : Locale.LanguageRange.parse(header)) {
                    String primary = range.getRange().split("-", 2)[0];
                    if (range.getWeight() > 0) {
                        Optional<Language> language = of(primary);
                        if (language.isPresent()) {
                            return language.get();
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                return EN; // a malformed header is no reason to refuse a page
            }
            return EN;
        }
    }

    /** Every area's file, per language, read once per process. */
    private static final Map<Language, Texts> LOADED = new ConcurrentHashMap<>();
    static final List<String> AREAS = List.of("site", "errors", "catalogue", "activation", "trace", "status", "balance", "shop", "developers", "docs", "signin",
            "account", "mail", "twostep", "rentals");

    private final Language language;
    private final Map<String, String> patterns;
    private final Map<String, MessageFormat> compiled = new ConcurrentHashMap<>();
    private final Locale javaLocale;
    private final DateTimeFormatter when;

    private Texts(Language language, Map<String, String> patterns) {
        this.language = language;
        this.patterns = patterns;
        this.javaLocale = language.formats.toLocale();
        this.when = DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM).withLocale(javaLocale).withZone(ZoneOffset.UTC);
    }

    static Texts of(Language language) {
        return LOADED.computeIfAbsent(language, l -> new Texts(l, read(l)));
    }

    Language language() {
        return language;
    }

    Locale locale() {
        return javaLocale;
    }

    /** The text of {@code key} with its arguments filled in. Not HTML-escaped: pass it through {@link Html#escape}. */
    String get(String key, Object... args) {
        MessageFormat format = compiled.computeIfAbsent(key, k -> {
            String pattern = patterns.get(k);
            if (pattern == null) {
                throw new MissingResourceException("no text " + k + " in " + language.code, "texts/" + area(k), k);
            }
            return new MessageFormat(pattern, language.formats);
        });
        // MessageFormat is not safe for concurrent use; each call formats on its own copy.
        return ((MessageFormat) format.clone()).format(args);
    }

    /** Whether this language has {@code key} (for texts that are optional, such as a service's own description). */
    boolean has(String key) {
        return patterns.containsKey(key);
    }

    /**
     * Money as this language writes it with the ISO code ({@code USD 1.50}, {@code 1,50 USD}): the
     * currency's own decimals, and more only when the amount has them (a balance can hold
     * fractions of a cent; prices never do).
     */
    String money(long micros, String currency) {
        int digits = currencyDigits(currency);
        LocalizedNumberFormatter format = NumberFormatter.withLocale(language.formats).unit(Currency.getInstance(currency))
                .unitWidth(NumberFormatter.UnitWidth.ISO_CODE).precision(Precision.minMaxFraction(digits, 6));
        return format.format(BigDecimal.valueOf(micros, 6)).toString();
    }

    /** A whole number with this language's grouping. */
    String number(long n) {
        return NumberFormatter.withLocale(language.formats).format(n).toString();
    }

    /** {@code 0.953} → "95.3%" / "95,3 %". */
    String percent(double fraction) {
        return NumberFormatter.withLocale(language.formats).unit(com.ibm.icu.util.NoUnit.PERCENT)
                .precision(Precision.maxFraction(1)).format(fraction * 100).toString();
    }

    /** A moment, in UTC, written as this language writes dates and times. */
    String when(Instant at) {
        return when.format(at) + " UTC";
    }

    /** "20 minutes", "1 minute, 30 seconds", "20 минут": whole minutes alone, else minutes and seconds. */
    String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        MeasureFormat format = MeasureFormat.getInstance(language.formats, MeasureFormat.FormatWidth.WIDE);
        if (s >= 60 && s % 60 == 0) {
            return format.formatMeasures(new Measure(s / 60, MeasureUnit.MINUTE));
        }
        if (s >= 60) {
            return format.formatMeasures(new Measure(s / 60, MeasureUnit.MINUTE), new Measure(s % 60, MeasureUnit.SECOND));
        }
        return format.formatMeasures(new Measure(s, MeasureUnit.SECOND));
    }

    /**
     * A rental's length or time left: "30 days", "2 days, 3 hours", "45 minutes", "30 дней";
     * days, hours and minutes, the zero ones left out, seconds only under a minute.
     */
    String longDuration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        MeasureFormat format = MeasureFormat.getInstance(language.formats, MeasureFormat.FormatWidth.WIDE);
        if (s < 60) {
            return format.formatMeasures(new Measure(s, MeasureUnit.SECOND));
        }
        List<Measure> parts = new ArrayList<>();
        long days = s / 86_400;
        long hours = s % 86_400 / 3600;
        long minutes = s % 3600 / 60;
        if (days > 0) {
            parts.add(new Measure(days, MeasureUnit.DAY));
        }
        if (hours > 0) {
            parts.add(new Measure(hours, MeasureUnit.HOUR));
        }
        if (minutes > 0 && days == 0) {
            parts.add(new Measure(minutes, MeasureUnit.MINUTE)); // a day or more is not read to the minute
        }
        return format.formatMeasures(parts.toArray(Measure[]::new));
    }

    /** A country's name in this language (CLDR), from its ISO 3166 alpha-2 code; the code itself for one CLDR does not know. */
    String countryName(String iso2) {
        String name = Locale.of("", iso2).getDisplayCountry(javaLocale);
        return name.isBlank() ? iso2 : name;
    }

    static int currencyDigits(String currency) {
        int digits = Currency.getInstance(currency).getDefaultFractionDigits();
        return Math.max(0, Math.min(6, digits));
    }

    static String area(String key) {
        int dot = key.indexOf('.');
        return dot < 0 ? key : key.substring(0, dot);
    }

    /** Every key of every area in one language, as written in the files (for the test that no language lacks one). */
    static Map<String, String> patterns(Language language) {
        return read(language);
    }

    private static Map<String, String> read(Language language) {
        Map<String, String> all = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String area : AREAS) {
            String file = "texts/" + area + "_" + language.code + ".properties";
            try (InputStream in = Texts.class.getClassLoader().getResourceAsStream(file)) {
                if (in == null) {
                    missing.add(file);
                    continue;
                }
                Properties properties = new Properties();
                properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
                properties.forEach((k, v) -> all.put((String) k, (String) v));
            } catch (IOException e) {
                throw new UncheckedIOException(file, e);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("texts missing from the build: " + missing);
        }
        return Map.copyOf(all);
    }
}
