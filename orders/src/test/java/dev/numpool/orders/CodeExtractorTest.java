package dev.numpool.orders;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real-world verification SMS and the code a person would type from each; texts without a code
 * must give nothing rather than a number that is not one (a wrong code is worse than none: the
 * customer is charged for it).
 */
class CodeExtractorTest {

    static Stream<Sample> textsWithACode() {
        return Stream.of(
                new Sample("Your WhatsApp code: 123-456", "123456"),
                new Sample("Your WhatsApp code 123 456\nYou can also tap on this link to verify your phone: v.whatsapp.com/123456",
                        "123456"),
                new Sample("G-123456 is your Google verification code.", "123456"),
                new Sample("Telegram code: 12345\n\nDo not give this code to anyone, even if they say they are from Telegram!",
                        "12345"),
                new Sample("<#> 1234 is your code ABCDEFGHIJK", "1234"),
                new Sample("<#> Your Uber code: 5921. Never share this code. reply STOP ALL to 89203 to unsubscribe. qlRnn4A1sbt",
                        "5921"),
                new Sample("123456 is your Instagram code. Don't share it.", "123456"),
                new Sample("PayPal: 482913 is your security code. It expires in 10 minutes. Don't share your code.", "482913"),
                new Sample("Use 7734 to verify your Discord account.", "7734"),
                new Sample("Your Microsoft account security code is 1234567", "1234567"),
                new Sample("Amazon: Your OTP is 58392014. Do not share it with anyone.", "58392014"),
                new Sample("Ваш код подтверждения: 5821. Никому не сообщайте его.", "5821"),
                new Sample("Код для входа в Telegram: 54321. Не сообщайте его никому.", "54321"),
                new Sample("Tu código de verificación de WhatsApp es 739-201", "739201"),
                new Sample("Tu código de Uber es 4410. No lo compartas.", "4410"),
                new Sample("【微信】您的验证码是482913，5分钟内有效", "482913"),
                new Sample("【淘宝】验证码 603718，您正在登录，请勿泄露。", "603718"),
                new Sample("認証コードは284910です。", "284910"),
                new Sample("[카카오톡] 인증번호 [771204]를 입력해주세요.", "771204"),
                new Sample("Votre code de vérification est 553311", "553311"),
                new Sample("Dein Bestätigungscode lautet 662211.", "662211"),
                new Sample("Kode verifikasi Anda adalah 918273", "918273"),
                new Sample("رمز التحقق الخاص بك هو 482913", "482913"),
                new Sample("Your Uber code is 4821. Questions? Call 1-800-593-7069", "4821"),
                new Sample("Your code is 482913. Support: +44 20 7946 0958", "482913"),
                new Sample("Your Lyft code is 1234. Call +1 415 555 0100 if this wasn't you.", "1234"),
                new Sample("123456 is your code. Questions? 8 800 555 35 35", "123456"),
                new Sample("Your code is 4821 and your order number is 99887766", "4821"),
                new Sample("Meeting at 12:45. Your Zoom code: 847261", "847261"),
                new Sample("Use code 9921 to confirm the payment of $1234.50", "9921"),
                new Sample("Your verification code is 330112 (valid for 15 min)", "330112"),
                new Sample("Your code is 482913. To stop these messages send the word STOP to 81234", "482913"),
                new Sample("FOOD-1156 is your verification code", "1156"),
                // Letters and digits, in the case they were sent in, after the word "is" or its keyword.
                new Sample("Haslo nr1: 6rgbmk", "6rgbmk"),
                new Sample("Your OTP for Steam is 7J15I", "7J15I"),
                new Sample("Your phone validation code is: 57B214", "57B214"),
                new Sample("Ditt passord er: 75c7", "75c7"),
                new Sample("uk52q3s8 is your code to reset your password", "uk52q3s8"),
                new Sample("Potvrdte kodem f11-x29-zpk.", "f11x29zpk"),
                // Capitals only, when they read as drawn at random; letters and digits straight after a CJK keyword.
                new Sample("Your sign-in code: KXQZTR", "KXQZTR"),
                new Sample("验证码A7K9Q2，请勿泄露", "A7K9Q2"),
                // Compounds that end in "kod", a code far on after "is", a brand's word run into a number.
                new Sample("smsKod: 27563032 przelew na 97114020040000312345076770 200,00 PLN", "27563032"),
                new Sample("OTP for online purchase of Rs. 1000.00 at Example Communications thru Example Bank Debit Card 4591*****13 is 861719.", "861719"),
                new Sample("OTP EAGLE168 ของคุณคือ 422407", "422407"),
                new Sample("Kod aktivacii: 6925. Sessija: 12675717. Otpravleno cherez SMS", "6925"));
    }

    static Stream<Sample> textsWithoutACode() {
        return Stream.of(
                new Sample("Your order has shipped", ""),
                new Sample("Call +1 415 555 0100", ""),
                new Sample("Call us at (415) 555-0100 for help.", ""),
                new Sample("You paid $1234.50", ""),
                new Sample("You paid 1234.50 USD at Starbucks", ""),
                new Sample("Списано 1500 руб.", ""),
                new Sample("Your ride arrives at 12:45", ""),
                new Sample("Reminder: your appointment on 2026-05-03 at 12:45", ""),
                new Sample("Your order #12345 has shipped", ""),
                new Sample("Verify at https://example.com/verify/123456 to continue", ""),
                // Prize-draw spam: its "codes" are for claiming a prize, and its numbers are shortcodes.
                new Sample("You have won a prize! Call now. Claim code KR207. Valid 12 hours only.", ""),
                new Sample("Your statement shows 750 bonus points. Identifier Code: 51234 Expires 01/12/05", ""),
                new Sample("Congratulations, you are a winner in our prize draw. Prize Code 2309.", ""),
                new Sample("Free entry: just send the word ENTER to 81234 now and your entry code comes back", ""),
                new Sample("We billed your number by mistake from shortcode 81234, reply to get your code refunded", ""),
                new Sample("Important information for user 0791XXXXXX: your code is waiting online", ""),
                // A mobile-money receipt names the till it came from; adverts and applications have codes of their own.
                new Sample("AB12CD345 Confirmed. You have received 3,500.00 from\n501901 - ACME Money Transfer on 31/7/13", ""),
                new Sample("Get up to 30% savings on every order. Use code: SAVE30 today", ""),
                new Sample("Thank you for applying for our card (APPCODE 557971). Reply YES to continue", ""),
                // Parcel notices: a pickup code is told at a counter, and a waybill ending is no code.
                new Sample("【驿站】您的包裹已到，凭取件码12-3-4567取件", ""),
                new Sample("【速递】请凭5-10-220到门店领取运单尾号0420包裹", ""),
                new Sample("Your code is valid.", ""),
                new Sample("Your code is wrong.", ""),
                new Sample("Der Code ist falsch.", ""),
                new Sample("Your code is short.", ""),
                new Sample("Your code: BLOCKED", ""),
                new Sample("Your code: expired", ""),
                new Sample("Your code: 082-cold-code", ""),
                new Sample("Reference code: D946. Payment received", ""),
                new Sample("Challan payment of Rs. 1820 against PAN/TAN PDXXXXXX8L has been paid", ""),
                new Sample("Transfer from acct 002422220000 to acct 881240...010005843281, code sent separately", ""),
                // "Used", "user", "entered" hand over no code; a size of data is a quantity.
                new Sample("You have used up 90% of your 2048 MB data bundle. Dial *100# to buy another.", ""),
                new Sample("Dear user 58213, your bundle expires today", ""),
                new Sample("Use your 2048 MB before midnight", ""),
                new Sample("", ""),
                new Sample("   ", ""));
    }

    @ParameterizedTest
    @MethodSource("textsWithACode")
    void findsTheCodeAPersonWouldType(Sample sample) {
        assertEquals(Optional.of(sample.code()), CodeExtractor.find(sample.text()));
    }

    @ParameterizedTest
    @MethodSource("textsWithoutACode")
    void findsNothingInTextsWithoutACode(Sample sample) {
        assertEquals(Optional.empty(), CodeExtractor.find(sample.text()));
    }

    record Sample(String text, String code) {
        @Override
        public String toString() {
            return text.replace("\n", "\\n") + (code.isEmpty() ? "" : " → " + code);
        }
    }
}
