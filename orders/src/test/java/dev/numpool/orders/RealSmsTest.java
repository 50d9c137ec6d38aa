package dev.numpool.orders;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
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
 * The code reader against real SMS, collected from public sources (see {@code
 * real/HOLDOUT-README.md}), each read as it would reach an activation: with its service, its
 * sender, the number it went to (one of its country) and the templates Numpool ships. Three
 * figures: recall (the right code found, of the SMS with a code), wrong codes (another code
 * returned, of the same), false codes (a code returned for an SMS with none, of those).
 *
 * <p>{@code real/holdout.tsv} is never tuned on: its figures are the honest measure, and every miss
 * is written to {@code target/real-sms-holdout-report.txt} (for the record, not for tuning).
 */
class RealSmsTest {
    record Sample(int line, String code, String service, String country, String lang, String sender, String source, String text) {
        /**
         * What the activation would tell: its service, the sender, and the number the SMS went to
         * (the sets name its country, not the number: an example mobile number of that country stands in).
         */
        CodeReader.Context context() {
            CodeReader.Context context = CodeReader.Context.of(service.equals("-") ? "ot" : service, sender.equals("-") ? "" : sender);
            PhoneNumberUtil phones = PhoneNumberUtil.getInstance();
            var example = country.matches("[A-Z]{2}") ? phones.getExampleNumberForType(country, PhoneNumberUtil.PhoneNumberType.MOBILE) : null;
            return example == null ? context : context.to(phones.format(example, PhoneNumberUtil.PhoneNumberFormat.E164));
        }
    }

    record Figures(int withCode, int right, int wrong, int withoutCode, int falseCodes) {
        double recall() {
            return right / (double) Math.max(1, withCode);
        }

        double wrongRate() {
            return wrong / (double) Math.max(1, withCode);
        }

        double falseRate() {
            return falseCodes / (double) Math.max(1, withoutCode);
        }

        @Override
        public String toString() {
            return "recall %.3f (%d of %d), wrong %.3f (%d), false codes %.3f (%d of %d)".formatted(
                    recall(), right, withCode, wrongRate(), wrong, falseRate(), falseCodes, withoutCode);
        }
    }

    @Test
    void onTheRealHeldOutSetTheReaderFindsTheCodes() throws IOException {
        List<Sample> samples = load("real/holdout.tsv");
        assertTrue(samples.size() >= 250, "the held-out set has " + samples.size() + " samples");
        Figures f = measure(samples, "real-sms-holdout-report.txt");
        assertTrue(f.recall() >= HOLDOUT_RECALL && f.wrongRate() <= HOLDOUT_WRONG && f.falseRate() <= HOLDOUT_FALSE, f.toString());
    }

    /**
     * The development set (tuned on; see {@code real/DEV-README.md}): so far only real SMS
     * without a code, 5,159 of them, where a code found is a false code. Its figures on the
     * day it was added (2026-12-04): 37 false codes (prize-draw "claim codes", shortcodes to text,
     * masked numbers) before the rules learned those shapes, 9 after (spam of one number and a
     * few words, which the short-SMS rule reads as a code, as the issue asks of short SMS); 5
     * once "user", "used" and "entered" no longer counted as the verbs that hand over a code.
     */
    @Test
    void onTheRealDevelopmentSetTheReaderFindsFewFalseCodes() throws IOException {
        List<Sample> samples = load("real/dev-uci.tsv");
        assertTrue(samples.size() >= 400, "the development set has " + samples.size() + " samples");
        Figures f = measure(samples, "real-sms-dev-report.txt");
        assertTrue(f.falseRate() <= DEV_FALSE && f.wrongRate() <= 0.01, f.toString());
    }

    /**
     * Parts A to AB of the development set: real SMS with codes and without (OTP apps' and parsers'
     * data, issues, inbox copies, labelled datasets, a test bench's log, bank SMS in Russian,
     * Chinese, Persian, Turkish, Arabic, Hebrew, Korean and Portuguese, phones' inbox exports,
     * SMS of Japan, South-East Asia, Latin America, Central Europe, Africa, Pakistan, Iran and Israel,
     * SMS received on rented virtual numbers, SMS pasted in issues, Saudi, Thai, Korean and
     * Philippine bank SMS, OTP tools' fixtures, whole-phone backups of India, the Philippines,
     * Ukraine and Tanzania).
     */
    @Test
    void onTheRealDevelopmentSetWithCodesTheReaderFindsThem() throws IOException {
        List<Sample> samples = new ArrayList<>(load("real/dev-f.tsv"));
        samples.addAll(load("real/dev-g.tsv"));
        samples.addAll(load("real/dev-e.tsv"));
        samples.addAll(load("real/dev-l.tsv"));
        samples.addAll(load("real/dev-m.tsv"));
        samples.addAll(load("real/dev-o.tsv"));
        samples.addAll(load("real/dev-p.tsv"));
        samples.addAll(load("real/dev-q.tsv"));
        samples.addAll(load("real/dev-r.tsv"));
        samples.addAll(load("real/dev-s.tsv"));
        samples.addAll(load("real/dev-t.tsv"));
        samples.addAll(load("real/dev-u.tsv"));
        samples.addAll(load("real/dev-v.tsv"));
        samples.addAll(load("real/dev-w.tsv"));
        samples.addAll(load("real/dev-x.tsv"));
        samples.addAll(load("real/dev-y.tsv"));
        samples.addAll(load("real/dev-z.tsv"));
        samples.addAll(load("real/dev-j.tsv"));
        samples.addAll(load("real/dev-k.tsv"));
        samples.addAll(load("real/dev-h.tsv"));
        samples.addAll(load("real/dev-i.tsv"));
        samples.addAll(load("real/dev-d.tsv"));
        samples.addAll(load("real/dev-c.tsv"));
        samples.addAll(load("real/dev-b.tsv"));
        samples.addAll(load("real/dev-a.tsv"));
        samples.addAll(load("real/dev-aa.tsv"));
        samples.addAll(load("real/dev-ab.tsv"));
        assertTrue(samples.size() >= 2590, "parts A to AB have " + samples.size() + " samples");
        Figures f = measure(samples, "real-sms-dev-parts-report.txt");
        assertTrue(f.recall() >= PARTS_RECALL && f.wrongRate() <= PARTS_WRONG && f.falseRate() <= PARTS_FALSE, f.toString());
    }

    /**
     * Part D as it stood when added (2026-12-04): recall 0.908, wrong 1, false codes 4 of 53;
     * after the rules learned its shapes (till numbers after "from", a brand run into a number,
     * savings and cashback adverts, "APPCODE"): recall 0.923 (60 of 65), wrong 0, false 0. Part C
     * added the same day: every code found, 2 false codes of 16 (Chinese parcel pickup codes),
     * then none. Together: recall 0.944 (85 of 90), wrong 0, false codes 0 of 69. Part B, added
     * last and not tuned on yet: B, C and D together recall 0.930 (146 of 157), wrong 2 (Polish
     * alphanumeric codes beside account numbers), false codes 1 of 85. Part A (119 SMS from saved
     * public inbox pages), also untuned: A to D recall 0.936 (235 of 251), wrong 4, false 1 of 110.
     * After the rules learned A and B (letters and digits in the case sent, after "is" or a colon a
     * few words on; letters drawn at random; "…kod" compounds; a code far on after "is"; numbers
     * cut short by dots; reference codes): every code found, no wrong or false code. Part E (22
     * SMS), added after that and measured before any tuning: 14 of 14 codes, no false code of 8.
     * Letters-only codes then narrowed to capitals (lower-case words read as codes): A to E 264
     * of 265. Part F (80 SMS from an OTP test bench's log in Zambia), measured as added: 35 of 35
     * codes, no wrong code, 1 false code of 45 ("used up 90% of your 8704 MB": "used" read as the
     * verb "use"); after code verbs became whole words and data sizes quantities, none. A to F:
     * 299 of 300, no wrong code, no false code of 163. Parts G, H and I (140 bank and service SMS
     * in Russian, Chinese, Persian, Turkish and more), measured as added: 37 of 37 codes, no wrong
     * code, 5 false codes of 103 (Chinese card and wallet endings and a pay period read as the bare
     * code of a short notice; "رمز" read inside "کارمزد", a fee); after short texts that name money
     * lost the bare-code rule and Persian and Arabic keywords had to start their word, none. A to I:
     * 336 of 337, no wrong code, no false code of 266. Parts J and K (196 SMS from published
     * datasets and two Indian phones' inbox exports: Vietnamese, Nigerian, Indonesian, Indian),
     * measured as added: 118 of 124 codes, no wrong code, 7 false codes of 66; after Vietnamese
     * written without accents, hotlines, shortcodes to text, codes to reply with and more adverts
     * were learned, A to K: 463 of 467 (the misses are codes of mixed-case letters only, left
     * alone: words look like them), no wrong code, no false code of 332. Parts L and M (185 SMS
     * from more inbox exports: India, Canada, the Philippines, Vietnam), measured as added: 121 of
     * 124 codes, no wrong code, 5 false codes of 61; after a token cut at a keyword window's edge,
     * Vietnamese "la" before letters and digits, wrong-PIN notices, brokers' ids and more adverts
     * were learned, A to M: 586 of 591, no wrong code, no false code of 393. Part O (one notice)
     * added no code. After a probe of common senders' wording (2026-12-05: letters-only codes drawn
     * at random, capitals before {@code OTP}, and more), A to O: 589 of 591, none wrong or false;
     * 590 once Yahoo's "Account Key" shipped as a template of its own. Part P (33 Chinese SMS from
     * comments, SMS-platform replies and logs in public code), measured as added: 32 of 32, no false
     * code of 1; A to P: 622 of 623. Part Q (135 SMS in eight languages from parsers' tests, logs and
     * device dumps), measured as added: 22 of 22, no false code of 113; A to Q: 644 of 645. Part R (61
     * Russian and Ukrainian bank notices), measured as added: 2 false codes (roubles written "р"), then 0.
     * Part S (10 SMS from gateway and modem software), as added: 3 of 5 codes, then 4 of 5 (a hotline
     * after 客服中心 was a second code); A to S: 648 of 650. Parts T, U and V (225 SMS of Japan,
     * South-East Asia, Latin America, Central Europe and Africa), as added: 42 of 43 codes, no false
     * code of 182; after "kòd" (the GSM alphabet's "kód"), A to V: 691 of 693, no false code of 756.
     * Part W (194 SMS of Pakistan, Iran and Israel), as added: 108 of 110, 1 false code of 84; after
     * Persian numbers glued to a word and Hebrew orders were learned, 109 of 110, none false. Parts X
     * (virtual numbers) and Y (issues), as added: 37 of 39, 1 wrong (an app hash whose "+" a gateway
     * turned into a blank), 1 false of 25 (a help line); after, and with a code's stated three
     * digits read, 39 of 39, none wrong or false: A to Y 839 of 842, no false code of 865. Part Z (the
     * rest of parts J to M's inbox exports), as added: 97 of 97, 5 false of 64; after, none false:
     * A to Z 936 of 939, no false code of 929. Part AA (333 SMS from six new lanes), as added: 73 of
     * 78, none wrong, 5 false of 255; after, and with a token closing the text behind a code's colon
     * read: A to AA 1,015 of 1,017 (left: a mojibake Spanish text spelled out letter by letter and
     * melbet's {@code 63xc3c}), no false code of 1,184. Part AB (393 SMS of whole-phone backups), as
     * added: 189 of 191, none wrong, 5 false of 202; after, and narrowed by a review: A to AB 1,205 of
     * 1,208 (also left: {@code JDHKW}), no false code of 1,386.
     */
    private static final double PARTS_RECALL = 0.99;
    private static final double PARTS_WRONG = 0.01;
    private static final double PARTS_FALSE = 0.01;

    private static final double DEV_FALSE = 0.001;

    /**
     * Floors against regression, where the held-out set stood when measured once (2026-12-03):
     * recall 0.957 (200 of 209), wrong 0 of 209, false codes 4 of 77 (0.052); after the rules
     * learned the development set's promotional codes (2026-12-04), false codes 3 of 77 (0.039);
     * after they learned parts A and B, recall 0.962 (201 of 209), false codes 2 of 77 (0.026);
     * after they learned part F (2026-12-04), unchanged: 201 of 209, no wrong code, 2 false of 77;
     * after parts G to M and Android's boundary cases (2026-12-04), 201 of 209, 1 false of 77;
     * after part S taught a Chinese customer-service hotline (2026-12-05), 202 of 209, 1 false of 77;
     * after parts T to Z and AA, unchanged; after a token closing the text behind a code's colon
     * was read (two misses of the development set pinned since 2026-12-04, {@code nOIL} and
     * {@code 97NK}; 2026-12-05), 204 of 209, no wrong code, 1 false of 77; after a review narrowed the
     * round's rules (each on false codes of its own texts, decided before this set was read again),
     * 203 of 209 (0.971). The floors are now issue 13's goal: recall 0.97, wrong codes at most 0.01,
     * false codes at most 0.05; one code more lost fails it.
     * Raise them as the reader improves on the development set; never tune on this one.
     */
    private static final double HOLDOUT_RECALL = 0.97;
    private static final double HOLDOUT_WRONG = 0.01;
    private static final double HOLDOUT_FALSE = 0.05;

    static Figures measure(List<Sample> samples, String reportName) throws IOException {
        CodeReader reader = new CodeReader(ShippedTemplates.load());
        int withCode = 0;
        int right = 0;
        int wrong = 0;
        int withoutCode = 0;
        int falseCodes = 0;
        List<String> misses = new ArrayList<>();
        for (Sample s : samples) {
            Optional<String> found = reader.read(s.text(), s.context()).map(CodeReader.Reading::code);
            if (!s.code().equals("-")) {
                withCode++;
                if (found.isPresent() && found.get().equalsIgnoreCase(s.code())) {
                    right++;
                } else if (found.isPresent()) {
                    wrong++;
                    misses.add("WRONG  line " + s.line() + " [" + s.lang() + " " + s.service() + " " + s.source() + "] expected " + s.code()
                            + ", got " + found.get() + ": " + s.text());
                } else {
                    misses.add("MISSED line " + s.line() + " [" + s.lang() + " " + s.service() + " " + s.source() + "] expected " + s.code()
                            + ": " + s.text());
                }
            } else {
                withoutCode++;
                if (found.isPresent()) {
                    falseCodes++;
                    misses.add("FALSE  line " + s.line() + " [" + s.lang() + " " + s.service() + " " + s.source() + "] got " + found.get()
                            + ": " + s.text());
                }
            }
        }
        Figures f = new Figures(withCode, right, wrong, withoutCode, falseCodes);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", reportName), samples.size() + " samples\n" + f + "\n\n" + String.join("\n", misses) + "\n");
        System.out.println(reportName + ": " + f);
        return f;
    }

    static List<Sample> load(String name) throws IOException {
        List<Sample> samples = new ArrayList<>();
        try (InputStream in = RealSmsTest.class.getResourceAsStream(name)) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 7);
                if (f.length < 7) {
                    throw new IllegalStateException(name + " line " + (i + 1) + " has " + f.length + " fields, not 7");
                }
                samples.add(new Sample(i + 1, f[0], f[1], f[2], f[3], f[4], f[5], unescape(f[6])));
            }
        }
        return samples;
    }

    /**
     * The sets escape a newline as {@code \\n}, a carriage return as {@code \\r} (texts copied from
     * logs keep the {@code \r\n} a modem or a gateway gave), a tab as {@code \\t} and a backslash as {@code \\\\}.
     */
    static String unescape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char next = text.charAt(++i);
                out.append(switch (next) {
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case 't' -> '\t';
                    case '\\' -> '\\';
                    default -> {
                        i--;
                        yield '\\';
                    }
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
