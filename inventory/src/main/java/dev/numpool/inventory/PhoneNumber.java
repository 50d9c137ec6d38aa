package dev.numpool.inventory;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonenumber;

import java.util.Optional;

/**
 * A valid phone number, only ever built through libphonenumber, so an invalid number cannot
 * travel inward. Kept in E.164 ({@code +79001234567}).
 */
public record PhoneNumber(String e164) {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    public PhoneNumber {
        if (parse(e164).isEmpty()) {
            throw new IllegalArgumentException("not a valid E.164 phone number: " + e164);
        }
    }

    /** Parses {@code +79001234567} or the digits-only form {@code 79001234567}; empty when invalid. */
    public static Optional<PhoneNumber> of(String text) {
        if (text == null || text.length() > 20) {
            return Optional.empty();
        }
        String withPlus = text.startsWith("+") ? text : "+" + text;
        return parse(withPlus).map(n -> new PhoneNumber(UTIL.format(n, PhoneNumberFormat.E164)));
    }

    /** Digits only, with the country code and no '+', as the sms-activate protocol sends numbers. */
    public String digits() {
        return e164.substring(1);
    }

    /** Formatted for people, e.g. {@code +7 900 123-45-67}. */
    public String international() {
        return UTIL.format(parse(e164).orElseThrow(), PhoneNumberFormat.INTERNATIONAL);
    }

    /**
     * How the number is written at home: its country calling code ({@code 7}), the national
     * significant number ({@code 9001234567}) and the trunk prefix dialled before it ({@code 8};
     * empty where there is none). One parse, and no search among the regions sharing a code.
     */
    public record Written(int countryCode, String national, String trunkPrefix) {
    }

    public Written written() {
        Phonenumber.PhoneNumber number = parse(e164).orElseThrow();
        String prefix = UTIL.getNddPrefixForRegion(UTIL.getRegionCodeForCountryCode(number.getCountryCode()), true);
        return new Written(number.getCountryCode(), UTIL.getNationalSignificantNumber(number), prefix == null ? "" : prefix);
    }

    public String region() {
        return UTIL.getRegionCodeForNumber(parse(e164).orElseThrow());
    }

    private static Optional<Phonenumber.PhoneNumber> parse(String e164) {
        if (e164 == null || !e164.matches("\\+[1-9][0-9]{6,14}")) {
            return Optional.empty();
        }
        try {
            Phonenumber.PhoneNumber number = UTIL.parse(e164, null);
            return UTIL.isValidNumber(number) ? Optional.of(number) : Optional.empty();
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return e164;
    }
}
