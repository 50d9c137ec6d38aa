package dev.numpool.orders;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Finds the verification code in an SMS text: 4 to 8 digits, or two groups of three joined by a
 * dash or a space ({@code 123-456}), optionally behind a letter prefix ({@code G-123456}), or
 * letters and digits mixed ({@code A7K9Q2}, {@code rw53gs}) by a code keyword. The code is
 * returned as a person types it: digits, or letters and digits in the case they were sent in,
 * without the dashes that group them.
 *
 * <p>A code is only ever taken next to a code keyword (in any of the common languages and
 * scripts): a text with no keyword is a notice, not a code, whatever numbers it holds. Next to a
 * keyword, numbers that are parts of phone numbers, amounts, times, dates, links, card endings,
 * order and tracking numbers, short codes to text STOP to, and years are not codes. Two codes
 * named by the keyword alike ({@code codes: 4821 and 7730}) are a refusal, not a guess: a wrong
 * code costs the customer more than none.
 *
 * <p>Chinese, Japanese and Korean texts write the code straight after a word with no space
 * ({@code 验证码是482913}), so letters of those scripts do not glue to a number the way Latin
 * letters do ({@code ABC1234} is an id, not a code).
 */
final class CodeExtractor {
    /** Letters that make a number part of a word; see the class comment for the CJK exception. */
    private static final String GLUED_LETTER = "[\\p{L}&&[^\\p{IsHan}\\p{IsHiragana}\\p{IsKatakana}\\p{IsHangul}]]";
    /**
     * Currencies, as signs and words; "р" alone is the rouble's in Russian banks' SMS ("зачисление
     * 13000р"), not "р" in a word ("Сбер"), as "บ" alone is the baht's in Thai ones ("100.28บ").
     */
    private static final String CURRENCY = "[$€£₽%¥₹₩₫฿]|usd|eur|rub|руб|(?<!\\p{L})р(?!\\p{L})|грн|тг|vnd|đ|元|円|원|ريال|ریال|درهم|تومان|روپے|บาท|(?<!\\p{L})บ(?![\\p{L}\\p{M}])|rs|inr|rp|pln|zł|kr|rmb|人民币"
            // ISO codes of more currencies, but none that is also a word a code may stand before ("try", "all", "cop", "nok", "kes").
            + "|uah|kzt|byn|php|idr|myr|thb|sar|aed|egp|ngn|ksh|pkr|bdt|gbp|cny|jpy|krw|brl|mxn|zar|ghs|tzs|ugx|chf|sek|dkk|czk|huf|bgn";
    /**
     * Money: a number beside a currency ({@code RMB12.59}, {@code 1980元}, {@code 482913 USD}; a
     * Latin currency word must stand alone, as "Users 4" holds "rs 4"), or written in thousands
     * ({@code 155,061}, {@code -39,000}, {@code 1.250.000}, {@code 8,236.90}).
     */
    private static final Pattern AMOUNT = Pattern.compile("(?<!\\p{IsLatin})(?:" + CURRENCY + ")\\s?\\d|\\d\\s?(?:" + CURRENCY + ")(?!\\p{IsLatin})"
            + "|(?<![\\d.,])\\d{1,3}(?:[,.]\\d{3})+(?:[.,]\\d{1,2})?(?![.,]?\\d)", Pattern.CASE_INSENSITIVE);
    /** The keywords that senders run into their code ({@code OTP482913}); see {@link #GLUED_KEYWORD}. */
    private static final String GLUED_KEYWORDS = "otp|code|pin|kode|kod|код|passcode";
    /** Units of data that make a number a quantity ("8704 MB data bundle", "5GB"), not a code. */
    private static final String DATA_SIZE = "[kmgt]i?b|mbps";
    /** An amount's currency or a data size right after a number, up to two blanks on (not a line) away. */
    private static final String UNIT_AFTER = "(?:\\h{1,2}|\\s)?(?:" + CURRENCY + "|" + DATA_SIZE + ")(?!\\p{L})";
    // A digit after "-" is a date (2026-05-03) or a range, as after "." "," ":" "/" an amount or a time.
    private static final Pattern CANDIDATE = Pattern.compile(
            "(?<![[" + GLUED_LETTER + "&&[^\\p{IsArabic}]]\\p{N}./#@$€£₽¥₹*№+-])(?<!\\p{N}:)(?:(?-i:\\p{Lu}){1,5}-)?(\\d{2,4}(?:[- ]\\d{2,4}){1,3}(?![- ]?\\d)|\\d(?: \\d){3,7}|\\d{4,8})"
                    + "(?![\\p{N}]|[.,:/-]\\d|" + UNIT_AFTER + "|[" + GLUED_LETTER + "&&[^\\p{IsCyrillic}\\p{IsArabic}]]\\d)",
            Pattern.CASE_INSENSITIVE);
    /**
     * Letters and digits mixed, right after a keyword ({@code code: X4T-9PQ}, {@code Haslo: rw53gs})
     * or after the word that says "is" a few words on ({@code your OTP steam is 7J15I},
     * {@code รหัสยืนยัน Steam ของคุณคือ VN6X8}); {@link #mixed} keeps only those with both.
     */
    private static final Pattern ALPHANUMERIC = Pattern.compile(
            "\\A[\\s:：是为為は：\"'«“(\\[【-]{0,4}(?:(?:is|es|est|ist|er|är|é|è)\\s*:?\\s*|:\\s*)?([A-Za-z0-9]{3,4}(?:-[A-Za-z0-9]{3,4}){1,2}|[A-Za-z0-9]{4,10})(?![\\p{L}\\p{N}])");
    private static final Pattern ALPHANUMERIC_AFTER_IS = alphanumericAfterIs("");
    /**
     * Vietnamese written without its accents says "is" as "la" ("ma xac thuc cua ban la 7GJ9VI");
     * in any other text "la" is the article of Spanish, French and Italian ("introduce la 4821").
     */
    private static final Pattern ALPHANUMERIC_AFTER_LA = alphanumericAfterIs("|la(?!\\p{L})");
    private static final Pattern UNACCENTED_VIETNAMESE = Pattern.compile(
            "(?<!\\p{L})(?:ma (?:otp|xac)|xac (?:thuc|nhan|minh)|quy khach|cua ban|vui long|hieu luc|giao dich|dang (?:nhap|ky))(?!\\p{L})",
            Pattern.CASE_INSENSITIVE);
    /**
     * A code of letters only, the last word of its sentence after "is" or a colon ({@code Your
     * code: KXQZTR}, {@code … code d'activation PlanetHoster est gmqjahw}); {@link #random} tells
     * it from a word.
     */
    private static final Pattern LETTERS_ONLY = Pattern.compile(
            "\\A[^.\\n:]{0,30}?(?:(?<!\\p{L})(?:is|est|ist|er|är|es|é)\\s*:?|:)\\s*([A-Za-z]{4,10})\\s*(?:[.!\\n]|\\z)");
    /** Up to two words between "your" and the keyword: the service's name or the code's use ({@code is your Tumblr login code}). */
    private static final String SERVICE_WORDS = "(?:[\\p{L}\\p{N}.&'-]+\\s+){0,2}";
    /** A code of letters and digits before its keyword, opening the text: {@code uk52q3s8 คือรหัสยืนยัน…}, {@code A7K9Q2 is your code}. */
    private static final Pattern ALPHANUMERIC_FIRST = Pattern.compile(
            "\\A\\W{0,3}([A-Za-z0-9]{4,10})\\s*(?:(?:is|ist|est|er)\\s+(?:(?:your|dein|ihr|votre|din)\\s+" + SERVICE_WORDS + ")?\\s*|คือ)\\z", Pattern.CASE_INSENSITIVE);
    /**
     * Capitals and digits opening the text, a few words before the keyword that names them:
     * {@code J97L Mobil Onay Kodunuz} ("your mobile approval code"), as Turkish and other
     * languages that put the noun last say it.
     */
    private static final Pattern ALPHANUMERIC_OPENING = Pattern.compile("\\A\\W{0,3}([A-Z0-9]{4,10})\\s+(?:\\p{L}+\\s+){1,4}\\z");
    /** What ends such a noun's clause: a slash, a colon, a line, a full stop or the text's end ({@code … Kodunuz / 31.05.2011}). */
    private static final Pattern CLAUSE_END = Pattern.compile("\\s*(?:[/|:.\\n]|\\z)");
    /**
     * Capitals and digits right before their keyword anywhere in the text ({@code … for
     * verification. 75F95 OTP expires in 5 minutes.}, {@code Hi! X7K9Q2 is your code}); lower
     * case only where the text opens with the code ({@link #ALPHANUMERIC_FIRST}), as words run
     * into numbers are written in it.
     */
    private static final Pattern ALPHANUMERIC_BEFORE = Pattern.compile(
            "(?<![\\p{L}\\p{N}-])([A-Z0-9]{4,10})(?:\\s+(?i:is|ist|est|er)\\s+(?:(?i:your|dein|ihr|votre|din)\\s+" + SERVICE_WORDS + ")?\\s*|\\s*คือ\\s*|\\s)\\z");
    /** A card or an account named with a colon; see {@link #labelsACode}. */
    private static final Pattern CODE_LABEL = Pattern.compile("(?<!\\p{L})(?:карт[аыеу]|сч[её]т[аеу]?|\\p{L}*-?konto|karte|card|carte|tarjeta|cartão|account)\\s*:\\s*$",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /** An account's number, by its word in the common languages; see {@link #soleCode}. */
    private static final Pattern ACCOUNT_BEFORE = Pattern.compile(
            "(?<!\\p{L})(?:account|acc|compte|cuenta|conta|hesap|rekening|akun|tài khoản|tai khoan|tk|บช\\.?|บัญชี|счёт|счет|рахунок|חשבון|حساب|حسابك|حساب شما|账户|帳戶)\\s*(?:no\\.?|nr\\.?|number|#|№)?\\s*[:.]?\\s*$",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /** The keywords that name a code outright, where {@link #ALPHANUMERIC_BEFORE} may stand right before one. */
    private static final Pattern CODE_NOUN = Pattern.compile("otp|pin|code|passcode|kod|код", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /**
     * Digits in groups, as phone numbers are written ({@code +1 415 555 0100}, {@code 8 800 555 35 35},
     * {@code (415) 555-0100}); {@link #isPhoneNumber} decides whether a match is one. A bracket
     * right after a code's length of digits opens a remark, not an area code: {@code
     * 482913（12306用户注册验证码）}, its full-width bracket folded to ASCII: {@link #blankPhoneNumbers}
     * cuts a run there. (That rule is not in the pattern: a group repeated per character, as a
     * look-behind for the bracket needs, recurses once per character in Java's regex engine, and a
     * long enough run of digits and blanks overflowed the stack of the thread reading it.)
     */
    private static final Pattern DIGIT_GROUPS = Pattern.compile("\\+?\\(?\\d[\\d )(-]{5,}\\d");
    /** Ten digits is the shortest national number with its area code; codes are at most eight. */
    private static final int MIN_PHONE_DIGITS = 10;
    /** Keywords that say what a code is for, as Android's one-time-code detection reads them ("4543 login"); see {@link #PURPOSE}. */
    private static final String PURPOSE_WORDS = "log ?in|sign ?in|2fa|two[- ]?factor|2 ?factor|auth(?:enticat\\p{L}*)?(?!\\p{L})";
    /**
     * Verbs that hand the reader a code to type; the short English ones as whole words: "used up
     * 90% of your 8704 MB", "Dear user", "you have entered" hand over nothing. "Usa" (use, in Spanish
     * and Italian) in capitals only before a number ({@code USA 482913 PARA AUTORIZAR}, {@code USA IL
     * 482913}): "USA" is also a country in a card's notice. See {@link #VERB}.
     */
    private static final String VERB_WORDS = "(?:enter|use|type|input|(?-i:[Uu]sa|USA(?=\\h+(?:\\p{Lu}{1,2}\\h+)?\\d{4,8}(?![\\p{L}\\p{N}])))|gir)(?!\\p{L})|saisissez|entrez|ingresa|introduce|inserisci|digite|insira|"
            + "masukkan|gunakan|введите|используйте|введіть|girin";
    /**
     * Code keywords. Short Latin-script ones must start a word ({@code pin} is not in "shopping");
     * the others are matched anywhere, as CJK writes no spaces.
     */
    private static final Pattern KEYWORD = Pattern.compile(String.join("|",
            // Compounds end in these ("Bestätigungscode", "Sicherheitscode"), so they may follow
            // letters; they come first so that "code" is not read as "cod".
            "code", "codice", "codigo", "código", "kode", "kodu", "koodi", "passcode", "passwort", "kennwort", "password", "verif", "vérif",
            "סיסמה", "סיסמא", "κωδικ", "ΚΩΔΙΚ", "代码", "代碼", "認証番号", "인증번호",
            // "smsKod", "engångskod", "verifieringskod": compounds ending in "kod" (as a word, not "kodak").
            "(?<=\\p{L})kod(?!\\p{L})",
            "验证码", "驗證碼", "校验码", "校驗碼", "动态码", "動態碼", "确认码", "確認碼", "认证码", "認證碼", "口令",
            // Any other kind of code a Chinese service names ("登录码", "激活码", "安全码", "授权码"),
            // but a phone number, a barcode, a QR code, an encoding, a voucher, a redeem, an invitation or a referral code.
            "(?<=\\p{IsHan})(?<![号號条條形维維编編券换換请請荐薦])[码碼]",
            "認証", "確認番号", "暗証番号", "コード", "パスコード", "인증", "코드", "확인번호",
            "passord", "lösenord", "kood", "kóð", "kwdik", "kodiko", "thibitish", "كود", "کوڈ", "קוד", "कोड", "कूट", "ओटीपी", "কোড", "ওটিপি", "குறியீடு", "கடவுச்சொல்", "కోడ్", "รหัส",
            // "Code" in the scripts of Kannada, Malayalam, Gujarati, Gurmukhi, Armenian, Georgian, Amharic, Lao, Burmese, Khmer and Sinhala.
            "ಕೋಡ್", "കോഡ്", "કોડ", "ਕੋਡ", "կոդ", "კოდ", "ኮድ", "ລະຫັດ", "ကုဒ်", "កូដ", "කේත",
            "密码", "密碼", "パスワード", "비밀번호", "كلمة المرور", "كلمة السر", "رقم السري", "رقم سري", "أدخل", "وارد کنید", "הזן", "दर्ज करें", "লিখুন", "กรอก")
            + "|(?<!\\p{L})(?:" + String.join("|",
            // A phone writing in the GSM alphabet, which has no "ó", often sends "ò" instead ("kòdod", Hungarian).
            "kod", "kód", "kòd", "còdigo", "cod", "otp(?!\\p{L}{2})", "pin(?!\\p{L})", "verification", "confirm(?!ed)", "clave",
            PURPOSE_WORDS, VERB_WORDS, "senha", "contraseña", "mot de passe", "şifre", "sifre", "parola",
            "hasło", "haslo", "msimbo", "uthibitisho", "token", "m?tan\\b", "tac\\b", "mã", "ma xac", "ma kich hoat", "nhập mã", "nhap ma", "xác (?:thực|nhận)", "xac (?:thuc|nhan)", "код", "коды", "пароль",
            // "Password" in Hungarian, Finnish, Lithuanian, Czech and Slovak, Croatian and Serbian,
            // Slovenian, Bulgarian, Dutch, Afrikaans, Icelandic, Indonesian, Malay and Azerbaijani.
            "jelsz", "salasana", "slaptažod", "hesl", "lozink", "лозинк", "šifr", "geslo", "gesla", "парола",
            "wachtwoord", "wagwoord", "lykilorð", "kata sandi", "kata laluan", "şifrə",
            // "Code" in Tajik, written in Cyrillic.
            "рамз",
            // Russian written in Latin letters, as some senders do.
            "parol", "podtverzhdeni",
            // Persian writes words apart, and these are parts of others: "کارمزد" is a fee, "کدام"
            // "which". Arabic joins "and", "the", "by" to the word: "ورمز", "الرمز", "بالرمز".
            "(?:و|ب|ل|ال|بال|وال)?رمز", "کد(?!ام)") + ")",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /**
     * A keyword about a code that is not the one to type: an old one ({@code your old code
     * 591044}) or a promotion ({@code promo code SAVE20}, {@code claim code KL341}, {@code
     * Identifier Code: 45239} in a prize draw).
     */
    private static final Pattern STALE = Pattern.compile("(?<![\\p{IsLatin}\\p{IsCyrillic}])(old|previous|expired|former|sort|zip|postal|прежний|старый|anterior|antiguo|promo|discount|coupon|"
                    + "voucher|gift|referral|ref|reference|purchase|redeem|claim|prize|identifier|bonus|reward|reply with|(?<!\\p{L})(?:bse|nse|stock|client)|invalid|incorrect|wrong|nevirn\\w*|neverny\\w*|неверн\\w*|невірн\\w*|تغيير|取件|取货|提货|скидк\\w*|indirim|промо|купон|कूपन|优惠|折扣|クーポン|할인|쿠폰|הנחה|קופון)\\s*\\S{0,12}$",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /** The same, in languages that name the kind after the word for code ("código de descuento", "קוד הנחה"). */
    private static final Pattern STALE_AFTER = Pattern.compile("\\s*(?:de\\s+)?(?:descuento|desconto|promo\\w*|sconto|rabatt\\w*|réduction|"
                    + "הנחה|קופון|קידום|تخفیف|خصم|خاطئ|خطأ|غير صحيح|อ้างอิง|referen\\w*)", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /**
     * Words right before a number that say it is something else: a card or account ending, an
     * order, booking or tracking number, a short code to text, a reference, a price, a year.
     */
    private static final Pattern NOT_A_CODE_BEFORE = Pattern.compile(
            "(?<![\\p{L}&&[^\\p{IsHan}\\p{IsHiragana}\\p{IsKatakana}\\p{IsHangul}]])(ending(?: in)?|ends in|terminad[ao] en|final|finalizad[ao] em|card|carte|karte|tarjeta|cartão|карт[аыеу]|счет[аеу]?|счёт|"
                    + "(?:[لبو]|ال|لل)?بطاق\\p{L}*\\s+رقم|المنته\\p{L}*\\s+ب\\p{L}*|أرسل(?:\\s+\\S+){0,3}\\s+(?:إلى|الى)|"
                    + "acct|a/c|xx|카드|승인|尾号|末尾|账户|帳戶|账号|帳號|帐号|卡号?|钱包|錢包|order|orden|pedido|commande|bestellung|заказ|sipariş|(?:[בהוכלמש]|ו[בהכלמש])?הזמנ(?:ה|ות|ת\\p{L}*)(?!\\p{L})|订单号?|訂單|注文|주문|"
                    + "booking|reservation|ticket|flight|train|tgv|рейс|voie|seat|room|gate|tracking|parcel|paquete|посылк[аи]|"
                    + "ref(?:erence)?|rx|broker|package|shipment|colis|paket|pacote|(?:stop|reply|text|txt|send|sms)(?:\\s+\\S+){0,3}\\s+(?:to|au|an|al|à)|\\S*\\*\\S*\\s+(?:to|au|an|al|à)|stop|yaz(?:[ıi]p)?|short\\s?code|на номер|позвоните|звоните|call|tel|hotline|lh|liên hệ|lien he|tổng đài|tong dai|(?:or|via|by) sms|bantuan|hubungi|致电|拨打|详询|电话|客服(?:中心|热线)?|热线|熱線|"
                    + "\\*{2,}|rach(?:unek|unku)?|konto|session|sessija|сесси[яи]|"
                    + "rs\\.?|inr|usd|eur|\\$|€|£|₽|¥|₹|r\\$|rp|points|балл\\w*|year|год[ау]?|до|from)\\s*(?:no\\.?|nr\\.?|number)?\\s*[:.#№]?\\s*$",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /**
     * The keywords that say what a code is for rather than name it: they vouch for a number, not
     * for letters and digits ("login: john23" is a user name).
     */
    private static final Pattern PURPOSE = Pattern.compile(PURPOSE_WORDS, Pattern.CASE_INSENSITIVE);
    /** A whole text that is one code of letters and digits, perhaps behind a sender's prefix. */
    private static final Pattern WHOLE_TOKEN = Pattern.compile("\\s*(?:\\p{Lu}{1,5}-)?([A-Za-z0-9]{5,8})[.!]?\\s*");
    /** The keywords that are verbs: they hand over whatever code the next words name ("Use purchase code 482913"). */
    private static final Pattern VERB = Pattern.compile(VERB_WORDS, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /**
     * A text that says its code is a number of three digits ({@code 上記3桁の数字を入力してください},
     * "enter the 3-digit number above"; {@code 3-digit code}): codes are otherwise read from four
     * characters, as a shorter number is too often a time, a price or a count. The noun must
     * follow: "3 digits" alone is as often a card's security code or the end of a caller's number.
     */
    private static final Pattern THREE_DIGITS_STATED = Pattern.compile("(?<!\\d)3\\s?(?:桁の(?:数字|番号|コード)|자리\\s?(?:숫자|번호|코드)|-?digit\\s+(?:code|pin|otp|passcode)"
                    + "|-?stellige[nr]?\\s+(?:code|pin)|haneli\\s+(?:kod|şifre|sifre)|chữ số|chu so|-?значн\\p{L}*\\s+код)",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /** A card's security code, which texts warn about in the same words ({@code 3桁のセキュリティコード}, {@code 3-digit CVV}). */
    private static final Pattern CARD_SECURITY_CODE = Pattern.compile("cvv|cvc|card|カード|카드|karte|карт", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /**
     * A number of exactly three digits standing alone, bounded as {@link #CANDIDATE} is and apart
     * from letters of any script: a short number run into a word is a count ({@code 365日}, {@code QF123}).
     */
    private static final Pattern THREE_DIGIT_NUMBER = Pattern.compile("(?<![\\p{L}\\p{N}./#@$€£₽¥₹*№+-])(?<!\\p{N}:)\\d{3}"
                    + "(?![\\p{L}\\p{N}]|[.,:/-]\\d|" + UNIT_AFTER + ")",
            Pattern.CASE_INSENSITIVE);
    /** A number and a unit or a time of day in one token ({@code 12PM}, {@code 64GB}, {@code 30MIN}); see {@link #closingToken}. */
    private static final Pattern QUANTITY = Pattern.compile("\\d{1,4}(?:" + DATA_SIZE + "|gbps|am|pm|hrs?|mins?|kg|km|mo|yr|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
            Pattern.CASE_INSENSITIVE);
    /** Words that make what follows their colon a time, a place or an address, not a code ({@code changed from IP: 10AB}); see {@link #closingToken}. */
    private static final Pattern NOT_A_CODE_LABEL = Pattern.compile("(?<!\\p{L})(?:on|at|from|to|by|ip|until|till|since|date|time|address)\\s*$",
            Pattern.CASE_INSENSITIVE);
    /**
     * Small letters, then two or more capitals ({@code nOIL}); see {@link #closingToken}. Not an
     * "e" or "i" before capitals: that is how electronic and internet things are named ({@code eSIM},
     * {@code eKYC}, {@code iOS}).
     */
    private static final Pattern SMALL_THEN_CAPITALS = Pattern.compile("(?![ei]\\p{Lu})\\p{Ll}+\\p{Lu}{2,}\\p{L}*");
    /** A closing token's length: a code's, from four characters to eight. */
    private static final int CLOSING_TOKEN_MIN = 4;
    private static final int CLOSING_TOKEN_MAX = 8;
    /** Capitals and digits, both ({@code 97NK}); see {@link #closingToken}. */
    private static final Pattern CAPITALS_AND_DIGITS = Pattern.compile("(?=.*\\d)(?=.*[A-Z])[A-Z0-9]+");
    /**
     * A number run into the next sentence's capitalised word ({@code 68399You}), or a keyword run
     * into a number after letters of a script that writes no blanks ({@code รหัสOTP482913}): not one
     * token of letters and digits; see {@link #mixed}.
     */
    private static final Pattern NUMBER_INTO_A_WORD = Pattern.compile("\\d{4,8}\\p{Lu}\\p{Ll}+|(?iu:" + GLUED_KEYWORDS + ")\\d{4,8}");
    /** Digits in groups that spell a date: 2026-05-03, 03-05-2026, 2026 05 03. */
    private static final Pattern DATE = Pattern.compile("(19|20)\\d\\d[- ]\\d{1,2}[- ]\\d{1,2}|\\d{1,2}[- ]\\d{1,2}[- ](19|20)\\d\\d");
    /**
     * Pairs of digits that could be a day and a month, either way round, perhaps with a year's two
     * digits ({@code 17-05}, {@code 31-10-21}): a date only where the text says so by a time after it
     * ({@code 17-05@16:27}, {@code 17-05 16:27}) or a word for "until", "on" or "from" before it
     * ({@code until 31-10-21}), since codes are written in pairs too ({@code Your code: 12-05-48}).
     */
    private static final Pattern DAY_MONTH = Pattern.compile("(?:0[1-9]|[12]\\d|3[01])-(?:0[1-9]|1[0-2])(?:-\\d\\d)?|(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])(?:-\\d\\d)?");
    private static final Pattern TIME_AFTER = Pattern.compile("(?:@|\\h{1,2}(?:at\\h)?)\\d{1,2}[:.]\\d\\d");
    private static final Pattern DATE_WORD_BEFORE = Pattern.compile("(?<!\\p{L})(?:until|till|on|by|from|since|dated?|expires?|valid|до|от|с|hasta|desde|bis|vom|jusqu'au|du|tarihi?)\\h{1,2}$",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /** A parcel notice: its numbers are pickup codes and waybill endings, told at a counter, not typed. */
    private static final Pattern PARCEL = Pattern.compile("取件|包裹|快递|驿站|运单|parcel|package|shipment|locker|pickup code|pick-up code|return pick-?\\s?up|colis|paket|посылк|พัสดุ",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /** An advert: its letters-and-digits codes are promo codes, not verification codes. */
    private static final Pattern PROMOTION = Pattern.compile("(?<!\\d)\\d{1,4}\\s?%\\s?(?:off|savings|cashback)|save (?:up ?to )?\\d{1,4}\\s?%|(?<!\\d)\\d{1,4}\\s?off\\b|\\bflat\\b|coupon|vouchers?\\b|redeem|claim now|pemenang|hadiah|\\[QC\\]|giảm|khuyến mại|khuyen mai|cashback|checkout|ส่วนลด|\\bsale\\b|discount|скидк|промокод|cupom|descuento|rabatt|réduction|indirim|limited[- ]time offer|कूपन|डिस्काउंट",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /**
     * The app hash an Android SMS Retriever message ends with (it starts with {@code <#>}): 11
     * characters of base64 that can look like a code of letters and digits. A gateway that
     * form-decodes the text turns its {@code +} into a blank ({@code H29Q Fsn4Sr}): still 11,
     * each side with a letter (a code and a short name, {@code 482913 Uber}, are not a hash).
     * Looked for in the text's last {@value #APP_HASH_TAIL} characters only.
     */
    private static final Pattern APP_HASH = Pattern.compile("(?<=\\s)(?:[A-Za-z0-9+/]{11}|"
            + IntStream.rangeClosed(1, 9).mapToObj(k -> "(?=[^ ]*[A-Za-z])[A-Za-z0-9+/]{" + k + "} (?=[^ ]*[A-Za-z])[A-Za-z0-9+/]{" + (10 - k) + "}")
                    .collect(Collectors.joining("|")) + ")\\s*\\z");
    private static final int APP_HASH_TAIL = 40;
    /**
     * A code keyword run into its code ({@code OTP482913}, {@code Code482913}): a letter glued to
     * digits otherwise makes a brand's or a model's name ({@code EAGLE168}), so a space is put between.
     */
    private static final Pattern GLUED_KEYWORD = Pattern.compile("(?<!\\p{L})(" + GLUED_KEYWORDS + ")(\\d{4,8})(?!\\d)",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /**
     * A Hebrew one-letter prefix ("in", "to", "from", "the", "and", "that", "as") joins a number with
     * a hyphen or maqaf ({@code השתמש ב-482913}, "use 482913"): the hyphen goes, as a number after a
     * hyphen is otherwise read as part of something else ({@code ABC-482913}).
     */
    private static final Pattern HEBREW_PREFIX = Pattern.compile("(?<!\\p{L})((?:[וש]|כש)?[בהוכלמש])[-־](?=\\d)");
    /**
     * A phone number's PIN, which a relay line asks for after dialling ({@code Delivery agent
     * +911161264444 PIN 3013}, {@code call 01161260005, PIN 159}): the PIN's digits go with the
     * number, as they are dialled, not typed as a code. Only a number to dial (written with "+",
     * or after "call"), and a PIN of an extension's three or four digits: a SIM's number and PIN
     * ({@code Nomor 0812-3456-7890 PIN 482913}) are a notice's own.
     */
    private static final Pattern PHONE_PIN = Pattern.compile("((?:\\+|(?<!\\p{L})(?:call|dial)\\h{1,2})\\d[\\d -]{8,16}\\d\\h{0,2},?\\h{0,2}(?:pin|ext\\.?)\\h{0,2})(\\d{3,4})(?!\\d)",
            Pattern.CASE_INSENSITIVE);
    /** A code set in asterisks for bold ({@code *482913*}), unlike a card's ending ({@code *4417}): the asterisks go. */
    private static final Pattern SET_APART = Pattern.compile("(?<![*\\p{L}\\p{N}])\\*(\\d{4,8})\\*(?![*\\p{N}])");
    /** A sender's name that is a number, in the brackets that open a Chinese SMS. */
    private static final Pattern SIGNATURE = Pattern.compile("\\s*[【\\[](\\d{4,8})[】\\]]");
    /**
     * Links and bare domains. A bare domain is tried only where a run of word characters and dashes
     * starts, and the run is read once without backtracking ({@code ++}): tried at every dash of a
     * long run ("1-1-1-…"), each try reading to the run's end, 4 KB took 50 ms.
     */
    private static final Pattern LINK = Pattern.compile("https?://\\S+|www\\.\\S+|(?<![\\w-])[\\w-]++\\.(?:com|org|net|me|ru|io|co)(?:/\\S*)?",
            Pattern.CASE_INSENSITIVE);
    /**
     * Keywords and numbers weighed per SMS. Real SMS hold a handful; each number is weighed against
     * each keyword, so a text of a thousand of each (4 KB of "验证码1") took 120 ms. A text with more
     * is read as none: the ones left unweighed could hold a second code, and two codes are none.
     */
    private static final int MAX_WEIGHED = 64;
    /**
     * A keyword with a colon and a code-shaped token after it ({@code Code: L23-ZACK577213}): it
     * labels that token, so a number before it is not its code ({@code … over 2500. Code: …}).
     * Words after the colon label nothing ({@code 482913 is your Uber code: do not share it}),
     * nor does a date ({@code Kodunuz: 14.02.2013}).
     */
    private static final Pattern LABELS_A_CODE_AFTER = Pattern.compile("\\s*[:：]\\s*(?=[A-Za-z0-9-]*\\d)[A-Za-z0-9-]++(?![.:/]\\d)");
    /** How far after a keyword its code may stand, and how far before ({@code 123456 is your code}). */
    private static final int AFTER = 90;
    private static final int BEFORE = 40;
    /**
     * How far a keyword's window stretches to read a token cut at its edge whole. A token longer
     * than this past the edge is no code either way (codes are at most ten characters), and a bound
     * keeps a text of one endless word from being read once per keyword.
     */
    private static final int TOKEN_OVERRUN = 16;

    /**
     * How far a code may stand when the sentence ends by saying it is the code ({@code OTP for
     * online purchase of Rs. 1000.00 at … thru … Debit Card 4591*****13 is 861719}).
     */
    private static final int FAR_AFTER = 160;
    private static final Pattern IS_BEFORE = isBefore("");
    private static final Pattern LA_BEFORE = isBefore("|la(?!\\p{L})");
    /** A keyword-free penalty for a code written before its keyword: after is the usual order. */
    private static final int BEFORE_PENALTY = 15;

    private CodeExtractor() {
    }

    /** The words that say "is", then a code of letters and digits; {@code moreIs} adds some ("|la"). */
    private static Pattern alphanumericAfterIs(String moreIs) {
        return Pattern.compile("(?:(?<!\\p{L})(?:is|est|ist|er|är|es" + moreIs + ")\\s*:?|:|คือ|là|adalah)\\s*([A-Za-z0-9]{4,10})(?![\\p{L}\\p{N}])",
                Pattern.CASE_INSENSITIVE);
    }

    /**
     * A word that says "is" (or a colon, or a dash between blanks: "… с карты *1234 - 4829") right
     * before a code; {@code moreIs} adds some ("|la").
     */
    private static Pattern isBefore(String moreIs) {
        return Pattern.compile("(?:(?<!\\p{L})(?:is|est|ist|er|är|é|là" + moreIs + "|:)|\\s[-–—])\\s+\\z", Pattern.CASE_INSENSITIVE);
    }

    static Optional<String> find(String text) {
        return find(text, false);
    }

    /** The same, {@code vietnamese} when the SMS went to a Vietnamese number, where "la" says "is". */
    static Optional<String> find(String text, boolean vietnamese) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        String clean = clean(text);
        return switch (read(clean, vietnamese)) {
            case Reading.Found found -> Optional.of(found.code());
            // Three digits only where nothing longer is read; where a text says its code has three, a
            // refusal of its longer numbers (two of them, say) does not stand against the one it names.
            case Reading.Refused refused -> statedThreeDigits(clean);
            // A closing token only where no number was weighed at all: after a refusal it would be a guess.
            case Reading.Nothing nothing -> statedThreeDigits(clean).or(() -> closingToken(clean));
        };
    }

    /** What the keyword read of a text gives: a code, a refusal (two codes, too much to weigh), or nothing to weigh. */
    private sealed interface Reading {
        record Found(String code) implements Reading {
        }

        record Refused() implements Reading {
        }

        record Nothing() implements Reading {
        }
    }

    /**
     * The token of letters (and perhaps digits) that ends the text after a colon closing a sentence
     * that names a code: {@code הקוד להשלמת רישום … הוא: 97NK} ("the code to complete … is: 97NK"),
     * {@code Enter the following verification code in Self-Care Portal: nOIL}. Elsewhere such
     * shapes are doubted (two digits and two capitals are how 64GB is written, a small letter before
     * capitals how eSIM is), so they are taken only where nothing else is read and the text ends
     * with them (and perhaps a full stop). A token of digits alone is the main read's to take or
     * refuse; a word is none ({@code Portal: Login}), nor is a quantity ({@code 12PM}, {@code 64GB}).
     */
    private static Optional<String> closingToken(String clean) {
        if (PROMOTION.matcher(clean).find() || PARCEL.matcher(clean).find()) {
            return Optional.empty(); // an advert's closing token is its promo code ("… at checkout: SALE50")
        }
        int end = clean.length();
        while (end > 0 && Character.isWhitespace(clean.charAt(end - 1))) {
            end--;
        }
        if (end > 0 && (clean.charAt(end - 1) == '.' || clean.charAt(end - 1) == '!')) {
            end--; // the sentence's own full stop
        }
        int start = end;
        while (start > 0 && start > end - CLOSING_TOKEN_MAX - 1 && isAsciiLetterOrDigit(clean.charAt(start - 1))) {
            start--;
        }
        int colon = start;
        while (colon > 0 && (clean.charAt(colon - 1) == ' ' || clean.charAt(colon - 1) == '\t')) {
            colon--;
        }
        if (end - start < CLOSING_TOKEN_MIN || end - start > CLOSING_TOKEN_MAX || (start > 0 && isAsciiLetterOrDigit(clean.charAt(start - 1)))
                || colon == 0 || (clean.charAt(colon - 1) != ':' && clean.charAt(colon - 1) != '：')) {
            return Optional.empty();
        }
        String token = clean.substring(start, end);
        // What the main read takes for letters and digits (not a word run into a number: "iPad9",
        // "jo42"), and besides two shapes it doubts elsewhere.
        boolean capitalsAndDigits = CAPITALS_AND_DIGITS.matcher(token).matches() && !QUANTITY.matcher(token).matches();
        if (!mixed(token, true) && !capitalsAndDigits && !SMALL_THEN_CAPITALS.matcher(token).matches()) {
            return Optional.empty();
        }
        int sentence = colon - 1;
        while (sentence > 0 && ".!?\n".indexOf(clean.charAt(sentence - 1)) < 0) {
            sentence--;
        }
        String named = clean.substring(sentence, colon - 1);
        if (ACCOUNT_BEFORE.matcher(named + ":").find() || CODE_LABEL.matcher(named + ":").find() || NOT_A_CODE_LABEL.matcher(named).find()) {
            return Optional.empty(); // an account's or a card's id ("beneficiary account: GB29NW"), a time or a place
        }
        for (Matcher k = KEYWORD.matcher(named); k.find(); ) {
            if (namesACode(named, k) && !PURPOSE.matcher(k.group()).matches()) {
                return Optional.of(token);
            }
        }
        return Optional.empty();
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return c < 128 && Character.isLetterOrDigit(c);
    }

    /** The code of a text already {@link #clean cleaned}, by its keywords; see the class comment. */
    private static Reading read(String clean, boolean vietnamese) {
        List<Keyword> keywords = new ArrayList<>();
        List<Integer> staleKeywords = new ArrayList<>();
        Matcher k = KEYWORD.matcher(clean);
        while (keywords.size() <= MAX_WEIGHED && k.find()) {
            if (stale(clean, k)) {
                staleKeywords.add(k.start());
            } else {
                // A Latin, Cyrillic or Greek keyword ends with its word ("kodem", "codes:"): what
                // follows is after it. A CJK or Thai one does not: a code may follow it unspaced.
                int end = k.end();
                if (wordLetter(clean.charAt(end - 1))) {
                    while (end < clean.length() && wordLetter(clean.charAt(end))) {
                        end++;
                    }
                }
                boolean verb = VERB.matcher(clean.substring(k.start(), end)).matches();
                keywords.add(new Keyword(k.start(), end, LABELS_A_CODE_AFTER.matcher(clean).region(end, clean.length()).lookingAt(),
                        verb, verb && inAName(clean, k.start())));
            }
        }
        if (keywords.size() > MAX_WEIGHED) {
            return new Reading.Refused();
        }
        // A verb hands over the code its next words name: a promo code's, when they name one.
        keywords.removeIf(kw -> kw.verb()
                && staleKeywords.stream().anyMatch(s -> s > kw.start() && s - kw.end() <= 24));
        if (keywords.isEmpty()) {
            return new Reading.Nothing(); // a notice, not a code
        }
        List<Candidate> candidates = numbers(clean);
        if (candidates.size() > MAX_WEIGHED) {
            return new Reading.Refused();
        }
        dropSignature(clean, candidates);
        boolean unaccentedVietnamese = vietnamese || UNACCENTED_VIETNAMESE.matcher(clean).find();
        Pattern isBefore = unaccentedVietnamese ? LA_BEFORE : IS_BEFORE;
        boolean promotion = PROMOTION.matcher(clean).find();
        for (Keyword kw : keywords) {
            if (promotion) {
                break; // letters and digits in an advert are a promo code
            }
            if (PURPOSE.matcher(clean.substring(kw.start(), kw.end())).matches()) {
                continue;
            }
            Matcher letters = LETTERS_ONLY.matcher(after(clean, kw.end(), 40));
            if (letters.find() && random(letters.group(1))) {
                candidates.add(new Candidate(letters.group(1), kw.end() + letters.start(1), kw.end() + letters.end(1), false));
                continue;
            }
            Matcher a = ALPHANUMERIC.matcher(after(clean, kw.end(), 24));
            // Dashed groups join into one code, and a code is at most ten characters (Jazzer found
            // "COD082-cold-code" read as eleven).
            if (a.find() && a.group(1).replace("-", "").length() <= 10 && (mixed(a.group(1), false) || oddCase(a.group(1)))) {
                candidates.add(new Candidate(a.group(1).replace("-", ""), kw.end() + a.start(1), kw.end() + a.end(1), false));
                continue;
            }
            Matcher is = (unaccentedVietnamese ? ALPHANUMERIC_AFTER_LA : ALPHANUMERIC_AFTER_IS).matcher(after(clean, kw.end(), 40));
            if (is.find() && mixed(is.group(1), true)) {
                candidates.add(new Candidate(is.group(1), kw.end() + is.start(1), kw.end() + is.end(1), false));
                continue;
            }
            Matcher first = kw.start() <= 24 ? ALPHANUMERIC_FIRST.matcher(clean.substring(0, kw.start())) : null;
            if (first != null && first.find() && (mixed(first.group(1), true) || random(first.group(1)))) {
                candidates.add(new Candidate(first.group(1), first.start(1), first.end(1), false));
                continue;
            }
            Matcher opening = kw.start() - 4 <= BEFORE ? ALPHANUMERIC_OPENING.matcher(clean.substring(0, kw.start())) : null;
            if (opening != null && opening.find() && kw.start() - opening.end(1) <= BEFORE && openingCode(opening.group(1))
                    && CODE_NOUN.matcher(clean.substring(kw.start(), kw.end())).lookingAt() && CLAUSE_END.matcher(clean).region(kw.end(), clean.length()).lookingAt()) {
                candidates.add(new Candidate(opening.group(1), opening.start(1), opening.end(1), false));
                continue;
            }
            // A token cut at the window's start is read whole, as after() does at its end: "12345678
            // is your Facebook code" also read 345678, and two codes are none.
            int from = tokenStart(clean, Math.max(0, kw.start() - 24));
            Matcher before = ALPHANUMERIC_BEFORE.matcher(clean.substring(from, kw.start()));
            // Right before it, only a keyword that names a code: "DT85TH896 Confirmed." is an M-PESA receipt.
            if (before.find() && (mixed(before.group(1), true) || random(before.group(1)))
                    && (before.end(1) < before.end() - 1 || CODE_NOUN.matcher(clean.substring(kw.start(), kw.end())).matches())) {
                candidates.add(new Candidate(before.group(1), from + before.start(1), from + before.end(1), false));
            }
        }
        // Each candidate scores its distance to the nearest keyword; the best one wins unless
        // another, different one is as close to a keyword: then the text names two codes.
        Candidate best = null;
        int bestScore = Integer.MAX_VALUE;
        List<Candidate> scored = new ArrayList<>();
        List<Integer> scores = new ArrayList<>();
        for (Candidate c : candidates) {
            int score = Integer.MAX_VALUE;
            for (Keyword kw : keywords) {
                if (c.start() >= kw.end() && (c.start() - kw.end() <= AFTER
                        || c.start() - kw.end() <= FAR_AFTER && isBefore.matcher(clean.substring(Math.max(0, c.start() - 6), c.start())).find())) {
                    score = Math.min(score, c.start() - kw.end());
                } else if (c.end() <= kw.start() && kw.start() - c.end() <= BEFORE && !kw.labelsACodeAfter() && !kw.verbInAName()) {
                    score = Math.min(score, kw.start() - c.end() + BEFORE_PENALTY);
                }
            }
            // A word run into a number ("EAGLE168", a brand's) is a code only if no plain number is.
            if (brand(c)) {
                score = score == Integer.MAX_VALUE ? score : score + 20;
            }
            // A year is a code only right after its keyword ("código é 2093"), not a date further on.
            if (score == Integer.MAX_VALUE || (c.year() && score > 12)) {
                continue;
            }
            scored.add(c);
            scores.add(score);
            if (score < bestScore) {
                bestScore = score;
                best = c;
            }
        }
        if (best == null) {
            return new Reading.Nothing();
        }
        // A word run into a number ("EAGLE168", a brand's) stays out of the count once a plain number is read.
        if (!brand(best)) {
            for (int i = scored.size() - 1; i >= 0; i--) {
                if (brand(scored.get(i))) {
                    scored.remove(i);
                    scores.remove(i);
                }
            }
        }
        // Two keywords each naming its own code ("login code: 4417, payment code: 9023") offer two.
        Set<String> owned = new HashSet<>();
        for (Keyword kw : keywords) {
            scored.stream().filter(c -> c.start() >= kw.end() && c.start() - kw.end() <= 40)
                    .min(Comparator.comparingInt(Candidate::start)).ifPresent(c -> owned.add(c.digits()));
        }
        if (owned.size() > 1) {
            return new Reading.Refused();
        }
        for (int i = 0; i < scored.size(); i++) {
            Candidate other = scored.get(i);
            if (!other.digits().equals(best.digits()) && (scores.get(i) - bestScore <= 3 || listedTogether(clean, best, other))) {
                return new Reading.Refused();
            }
        }
        return new Reading.Found(best.digits());
    }

    /**
     * A Chinese SMS opens with its sender's name in 【】, and some senders' names are numbers
     * ({@code 【12306】482913（12306用户注册验证码）}, the railway's): wherever the text repeats that
     * number, it names the sender. Left in when no other number is there: then the brackets may
     * hold the code itself ({@code 【482913】是您的验证码}).
     */
    private static void dropSignature(String clean, List<Candidate> candidates) {
        Matcher signature = SIGNATURE.matcher(clean);
        if (signature.lookingAt() && candidates.stream().anyMatch(c -> !c.digits().equals(signature.group(1)))) {
            candidates.removeIf(c -> c.digits().equals(signature.group(1)));
        }
    }

    /**
     * The one number of three digits in a text that says its code has three; empty if it has none
     * or several, or if the text is an advert, a parcel notice or speaks of a card.
     */
    private static Optional<String> statedThreeDigits(String clean) {
        if (!THREE_DIGITS_STATED.matcher(clean).find() || CARD_SECURITY_CODE.matcher(clean).find()
                || PROMOTION.matcher(clean).find() || PARCEL.matcher(clean).find()) {
            return Optional.empty();
        }
        Matcher m = THREE_DIGIT_NUMBER.matcher(clean);
        String found = null;
        while (m.find()) {
            if (found != null && !found.equals(m.group())) {
                return Optional.empty();
            }
            found = m.group();
        }
        return Optional.ofNullable(found);
    }

    /**
     * For a short SMS to an activation, read without a keyword: its one code-shaped number, if it
     * has exactly one that is not a phone number, amount, date, time, year, card ending, order
     * number or the like, and the text is no advert and names no money: a short text with an
     * amount is a bank's or a shop's notice ("您的信用卡4594…消费RMB12.59元"), and its other
     * number is an account's, a period's or a year ("汇缴年月为202412", "فروردین ماه 1405").
     * Empty otherwise.
     */
    static Optional<String> soleCode(String text) {
        String clean = clean(text);
        if (PROMOTION.matcher(clean).find() || PARCEL.matcher(clean).find() || AMOUNT.matcher(clean).find()) {
            return Optional.empty();
        }
        for (Matcher k = KEYWORD.matcher(clean); k.find(); ) {
            if (stale(clean, k)) {
                return Optional.empty(); // a promo or an old code named as such
            }
        }
        // With no keyword to vouch for them, digits in groups of two sizes are a number in thousands ("12 345").
        // Nor is a number an account names ("חשבון 482913 עודכן"): with a keyword, "Account: 357632 is
        // your Samsung account verification code" labels its code so, but without one it is a notice.
        List<String> codes = numbers(clean).stream().filter(c -> !c.year() && evenGroups(clean.substring(c.start(), c.end()))
                        && !ACCOUNT_BEFORE.matcher(clean.substring(Math.max(0, c.start() - 24), c.start())).find())
                .map(Candidate::digits).distinct().toList();
        if (codes.isEmpty()) {
            // A text that is one token of letters and digits and nothing else is that code ("g4zy75",
            // "G-3d523"), when it has a code's length and more digits than a word has ("34agb").
            Matcher whole = WHOLE_TOKEN.matcher(clean);
            return whole.matches() && whole.group(1).chars().filter(Character::isDigit).count() >= 3 && mixed(whole.group(1), true)
                    ? Optional.of(whole.group(1)) : Optional.empty();
        }
        return codes.size() == 1 ? Optional.of(codes.getFirst()) : Optional.empty();
    }

    /**
     * Letters and digits both, not masked ({@code PDXXXXXX8L}). Lower case is how words are
     * written, so a token with lower-case letters, or one read further from its keyword
     * ({@code strict}), must look less like a word run into a number ({@code page2}, {@code 5th},
     * {@code ABC12}): at least two digits, or five characters with no such shape. Nor is a number
     * run into the next sentence's first word ({@code Telegram code: 68399You can also tap…}, a
     * text whose line breaks were lost): the number is the code.
     */
    private static boolean mixed(String token, boolean strict) {
        String t = token.replace("-", "");
        long digits = t.chars().filter(Character::isDigit).count();
        if (digits == 0 || digits == t.length() || t.matches("(?i).*(xxx|\\*\\*).*") || NUMBER_INTO_A_WORD.matcher(t).matches()) {
            return false;
        }
        return !strict && t.equals(t.toUpperCase(Locale.ROOT)) || !t.matches("[A-Za-z]+\\d{1,2}|\\d{1,2}[A-Za-z]{1,2}") && (t.length() >= 5 || digits >= 2);
    }

    /**
     * Whether letters read as drawn at random rather than as a word. Capitals: six or more, a
     * vowel in at most one of five (a word of a Latin-script language has one in every three or
     * four). Lower case: the same, and one of the letters words rarely hold, q, x, z or j
     * ({@code gmqjahw}, {@code tgxxrz}): "Der Code ist falsch." and "Your code is wrong." hold
     * none, and a false code is charged for. Both cases mixed as no word mixes them ({@code nOIL},
     * {@code thkDys}): see {@link #oddCase}.
     */
    private static boolean random(String token) {
        long vowels = vowels(token);
        if (token.equals(token.toUpperCase(Locale.ROOT))) {
            return token.length() >= 6 && vowels * 5 <= token.length();
        }
        if (token.equals(token.toLowerCase(Locale.ROOT))) {
            return token.length() >= 5 && vowels * 5 <= token.length() && token.matches(".*[qxzj].*");
        }
        return oddCase(token);
    }

    /**
     * Whether capitals and digits opening a text before the noun that names them read as a code
     * drawn at random: letters and digits both, and no vowel among the letters ({@code C3MV},
     * {@code K48P}). A sender's name has them ({@code JIO4G}, {@code 1XBET}).
     */
    private static boolean openingCode(String token) {
        return mixed(token, false) && vowels(token) == 0;
    }

    private static long vowels(String token) {
        return token.chars().filter(ch -> "AEIOUYaeiouy".indexOf(ch) >= 0).count();
    }

    /**
     * Two or more small letters, then a capital, as no word and few names mix them ({@code
     * thkDys}). A name may start with a capital ({@code PayPal}, {@code GTBank}, {@code MyVNPT})
     * or with one small letter ({@code iPhone}, {@code eSIM}, {@code eKYC}), so those are left
     * out, and with them a code such as {@code nOIL}. Cases switching back and forth with few
     * vowels are drawn at random too: names have at most four runs ({@code PayPal}, {@code
     * McDonald}) or, with more, syllables ({@code MoMoPay}); {@code KWxZlvUp} has six and one vowel.
     */
    private static boolean oddCase(String token) {
        return token.length() >= 4 && token.matches("[a-z]{2,}[A-Z][A-Za-z]*") || caseRuns(token) >= 5 && vowels(token) * 4 <= token.length();
    }

    /** How many runs of one case a token of letters has: 4 in {@code PayPal} and {@code YouTube}, 6 in {@code KWxZlvUp}. */
    private static int caseRuns(String token) {
        int runs = 0;
        for (int i = 0; i < token.length(); i++) {
            if (i == 0 || Character.isUpperCase(token.charAt(i)) != Character.isUpperCase(token.charAt(i - 1))) {
                runs++;
            }
        }
        return runs;
    }

    private static boolean wordLetter(char c) {
        if (!Character.isLetter(c)) {
            return false;
        }
        Character.UnicodeScript script = Character.UnicodeScript.of(c);
        return script == Character.UnicodeScript.LATIN || script == Character.UnicodeScript.CYRILLIC || script == Character.UnicodeScript.GREEK;
    }

    private static boolean brand(Candidate c) {
        return c.digits().matches("[A-Za-z]{3,}\\d{1,4}");
    }

    /**
     * Up to {@code length} characters of the text from {@code from}, and the rest of a word or
     * number cut there: a token read at the window's edge must be read whole ("4xggcc" of "4xggccyd"
     * is another code, and two codes are a refusal).
     */
    private static String after(String clean, int from, int length) {
        return clean.substring(from, tokenEnd(clean, Math.min(clean.length(), from + length)));
    }

    /** Where the word or number running across {@code end} ends, at most {@link #TOKEN_OVERRUN} further. */
    private static int tokenEnd(String clean, int end) {
        int limit = Math.min(clean.length(), end + TOKEN_OVERRUN);
        while (end < limit && Character.isLetterOrDigit(clean.charAt(end))) {
            end++;
        }
        return end;
    }

    /** Where the word or number running across {@code start} starts, at most {@link #TOKEN_OVERRUN} earlier. */
    private static int tokenStart(String clean, int start) {
        int limit = Math.max(0, start - TOKEN_OVERRUN);
        while (start > limit && Character.isLetterOrDigit(clean.charAt(start - 1))) {
            start--;
        }
        return start;
    }

    /** Whether the keyword just found names a code that is not the one to type: an old one, a promo code. */
    private static boolean stale(String clean, Matcher keyword) {
        // "APPCODE 557971": an application's reference, a code joined to the word it belongs to.
        if (keyword.start() >= 3 && clean.regionMatches(true, keyword.start() - 3, "app", 0, 3)
                && (keyword.start() == 3 || !Character.isLetter(clean.charAt(keyword.start() - 4)))) {
            return true;
        }
        return STALE.matcher(clean.substring(Math.max(0, keyword.start() - 20), keyword.start())).find()
                || STALE_AFTER.matcher(clean.substring(keyword.end(), Math.min(clean.length(), keyword.end() + 24))).lookingAt();
    }

    /** The text with links and phone numbers blanked out (same length, so positions hold). */
    private static String clean(String text) {
        String unhashed = text.contains("<#>") ? withoutAppHash(text) : text;
        String clean = LINK.matcher(unhashed.replace("<#>", "   ")).replaceAll(m -> " ".repeat(m.group().length()));
        clean = SET_APART.matcher(GLUED_KEYWORD.matcher(clean).replaceAll("$1 $2")).replaceAll(" $1 ");
        clean = HEBREW_PREFIX.matcher(clean).replaceAll("$1 ");
        clean = PHONE_PIN.matcher(clean).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + " ".repeat(m.group(2).length())));
        // Phone numbers go first: their groups of three or four digits look like codes one by one.
        return blankPhoneNumbers(clean);
    }

    /** The text with its {@link #APP_HASH app hash} blanked, if it ends with one. */
    private static String withoutAppHash(String text) {
        Matcher hash = APP_HASH.matcher(text).useTransparentBounds(true).region(Math.max(0, text.length() - APP_HASH_TAIL), text.length());
        return hash.find() ? text.substring(0, hash.start()) + " ".repeat(hash.end() - hash.start()) : text;
    }

    /**
     * The text with every run of {@link #DIGIT_GROUPS} that {@link #isPhoneNumber is a phone number}
     * blanked out. A run ends before a bracket that follows four digits: that bracket opens a
     * remark, and what follows it is a run of its own. A run that {@link #runsOnFromAnId runs on
     * from an id} is the id's, not a phone number.
     */
    private static String blankPhoneNumbers(String clean) {
        Matcher run = DIGIT_GROUPS.matcher(clean);
        Matcher wholeRun = DIGIT_GROUPS.matcher(clean);
        StringBuilder out = null;
        int from = 0;
        while (from < clean.length() && run.find(from)) {
            int start = run.start();
            int end = run.end();
            int remark = remarkIn(clean, start, end);
            if (remark >= 0) {
                // The run is cut before the bracket, right after its fourth digit.
                end = remark;
            }
            if (!runsOnFromAnId(clean, start) && (remark < 0 || wholeRun.region(start, end).matches()) && isPhoneNumber(clean.substring(start, end))) {
                if (out == null) {
                    out = new StringBuilder(clean);
                }
                for (int i = start; i < end; i++) {
                    out.setCharAt(i, ' ');
                }
            }
            from = remark >= 0 ? remark : run.end();
        }
        return out == null ? clean : out.toString();
    }

    /**
     * Whether the digits at {@code start} run on from a token of letters and digits, an id's
     * ({@code S13072G6N1708241200041}, an application's reference): blanked as a phone number,
     * they would leave {@code S13072G6N} to be read as a code. A word glued to a real phone number
     * ({@code Tel0800 123 456}) holds no digit, and a number opening with "+" or "(" starts afresh.
     */
    private static boolean runsOnFromAnId(String clean, int start) {
        return start > 0 && asciiDigit(clean.charAt(start)) && wordLetter(clean.charAt(start - 1))
                && clean.substring(tokenStart(clean, start), start).chars().anyMatch(c -> asciiDigit((char) c));
    }

    /** What {@code \d} matches. */
    private static boolean asciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Where in the run {@code [start, end)} a bracket right after four digits opens a remark, or -1. */
    private static int remarkIn(String text, int start, int end) {
        for (int i = start + 4; i < end; i++) {
            if (text.charAt(i) == '(' && asciiDigit(text.charAt(i - 1)) && asciiDigit(text.charAt(i - 2))
                    && asciiDigit(text.charAt(i - 3)) && asciiDigit(text.charAt(i - 4))) {
                return i;
            }
        }
        return -1;
    }

    /** Numbers of a code's length that nothing just before them marks as something else. */
    private static List<Candidate> numbers(String clean) {
        List<Candidate> candidates = new ArrayList<>();
        Matcher m = CANDIDATE.matcher(clean);
        while (candidates.size() <= MAX_WEIGHED && m.find()) {
            String before = clean.substring(Math.max(0, m.start() - 24), m.start());
            String digits = m.group(1).replaceAll("[- ]", "");
            if (digits.length() < 4 || digits.length() > 8 || DATE.matcher(m.group(1)).matches()
                    || DAY_MONTH.matcher(m.group(1)).matches() && (TIME_AFTER.matcher(clean).region(m.end(), clean.length()).lookingAt()
                            || DATE_WORD_BEFORE.matcher(before).find())) {
                continue; // groups that add up to no code's length, or spell a date
            }
            boolean year = digits.length() == 4 && digits.matches("(19|20)\\d\\d");
            // Digits that run on into a mask ("0796XXXXXX", "4111****") begin a hidden number, not a code.
            // So do digits cut short by dots ("881240...0100"): a number shortened for display.
            boolean masked = clean.startsWith("XX", m.end()) || clean.startsWith("xx", m.end()) || clean.startsWith("**", m.end())
                    || clean.startsWith("..", m.end()) || clean.startsWith("…", m.end());
            if (!masked && (!NOT_A_CODE_BEFORE.matcher(before).find() || labelsACode(clean, m.start()))) {
                candidates.add(new Candidate(digits, m.start(), m.end(), year));
            }
        }
        return candidates;
    }

    /**
     * Whether the card or account word right before a number is the object of a code keyword in
     * the same clause, with a colon: the code's label ({@code Код активации карты: 482913},
     * {@code Sicherheitscode für das Microsoft-Konto: 834721}), not a card's or account's number.
     */
    private static boolean labelsACode(String clean, int number) {
        String clause = clean.substring(Math.max(0, number - 48), number);
        if (!CODE_LABEL.matcher(clause).find()) {
            return false;
        }
        clause = clause.substring(Math.max(clause.lastIndexOf('.'), Math.max(clause.lastIndexOf('\n'), clause.lastIndexOf('!'))) + 1);
        Matcher keyword = KEYWORD.matcher(clause);
        return keyword.find() && namesACode(clause, keyword);
    }

    /** Whether a keyword found in {@code text} names the code itself: not a verb handing one over, not a stale code's. */
    private static boolean namesACode(String text, Matcher keyword) {
        return !VERB.matcher(keyword.group()).matches() && !stale(text, keyword);
    }

    /**
     * Whether a number written in groups has groups of one size, as every grouped code seen in real
     * SMS has ({@code 514-023}, {@code 1234-5678}, {@code 34-58-30}), and "12 345" in thousands has not.
     */
    private static boolean evenGroups(String written) {
        String[] groups = written.replaceFirst("^\\p{L}+-", "").split("[- ]");
        for (String g : groups) {
            if (g.length() != groups[0].length()) {
                return false;
            }
        }
        return true;
    }

    /** Two codes one after the other, joined only by a list separator: {@code 4821 и 7730}, {@code 482913或591024}. */
    private static boolean listedTogether(String text, Candidate a, Candidate b) {
        Candidate first = a.start() < b.start() ? a : b;
        Candidate second = first == a ? b : a;
        if (first.end() > second.start()) {
            return false; // overlapping readings of one run of characters ("4111129T" as 4111129 and 111129T) are not a list
        }
        String between = text.substring(first.end(), second.start());
        return between.matches("\\s*(?:[(（][^)）]{0,15}[)）]\\s*)?(?:,|，|/|;|\\||and|or|или|и|та|або|y|o|e|ou|et|und|oder|或|或者|和|及|と|또는|و|أو|יא|और|या)\\s*");
    }

    /** International numbers start with "+"; a national one has more digits than any code. */
    private static boolean isPhoneNumber(String digitGroups) {
        return digitGroups.startsWith("+") || digitGroups.chars().filter(Character::isDigit).count() >= MIN_PHONE_DIGITS;
    }

    private record Candidate(String digits, int start, int end, boolean year) {
    }

    /**
     * A keyword found in the text, where it ends, whether its colon {@link #LABELS_A_CODE_AFTER
     * labels a code after it}, whether it is a {@link #VERB verb}, and whether that verb is a word
     * of a name ({@link #inAName}), which hands over no code before it.
     */
    private record Keyword(int start, int end, boolean labelsACodeAfter, boolean verb, boolean verbInAName) {
    }

    /**
     * Whether the word at {@code start} is capitalised in the middle of a sentence, after another
     * word: a product's or a place's name ({@code … of Stanley 71642 Stilson Type Pipe…}), where
     * "Type" hands over nothing. Turkish puts its verb last ({@code … 482913 girin}), and a line may
     * open with one ({@code 482913\nEnter this in the app}): those still do.
     */
    private static boolean inAName(String clean, int start) {
        if (!Character.isUpperCase(clean.charAt(start))) {
            return false;
        }
        int before = start;
        while (before > 0 && clean.charAt(before - 1) == ' ') {
            before--;
        }
        return before < start && before > 0 && Character.isLetter(clean.charAt(before - 1));
    }
}
