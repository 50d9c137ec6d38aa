package dev.numpool.inventory;

/**
 * A country by its sms-activate numeric id, with the ISO 3166 alpha-2 code, the libphonenumber
 * region and the international calling code.
 */
public record Country(int id, String name, String iso2, String region, int callingCode, String fivesimName) {
}
