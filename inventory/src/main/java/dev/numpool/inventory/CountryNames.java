package dev.numpool.inventory;

/**
 * A country's names in Russian and Chinese (Simplified), taken from CLDR when the V32 migration
 * was written: sms-activate's {@code getCountries} lists them as {@code rus} and {@code chn}, 5sim's
 * guest countries as {@code text_ru}. The English name is {@link Country#name}.
 */
public record CountryNames(String russian, String chinese) {
}
