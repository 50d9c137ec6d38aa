package dev.numpool.orders;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import org.bouncycastle.util.encoders.Base32;

import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * RFC 6238 codes, shared by the operators' second factor and customers' two-step sign-in:
 * HMAC-SHA1, 30-second steps, 6 digits (what every authenticator app reads from an
 * {@code otpauth://} URI). A code matches the current step or one either side (clock drift);
 * the caller stores the matched step so that no code of it, or of an earlier one, works again.
 */
final class Totp {
    static final Duration STEP = Duration.ofSeconds(30);
    static final int DIGITS = 6;
    private static final int SECRET_BYTES = 20; // 160 bits, RFC 4226's recommendation for HMAC-SHA1
    private static final Pattern CODE = Pattern.compile("[0-9]{6}");
    /** Thread-safe: it clones its Mac for each code. */
    private static final TimeBasedOneTimePasswordGenerator GENERATOR = new TimeBasedOneTimePasswordGenerator(STEP, DIGITS);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Totp() {
    }

    /** A new secret, base32 as authenticator apps take it. */
    static String newSecret() {
        byte[] bytes = new byte[SECRET_BYTES];
        RANDOM.nextBytes(bytes);
        return Base32.toBase32String(bytes);
    }

    /** The code of {@code secret} (base32) at {@code at}: what an authenticator app shows. */
    static String code(String secret, Instant at) {
        try {
            return String.format(Locale.ROOT, "%0" + DIGITS + "d", GENERATOR.generateOneTimePassword(
                    new SecretKeySpec(Base32.decode(secret), GENERATOR.getAlgorithm()), at));
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("an HMAC key of " + SECRET_BYTES + " bytes is always valid", e);
        }
    }

    /** The step whose code {@code code} is, within one step of {@code now} and after {@code lastStep}; empty when none. */
    static OptionalLong step(String secret, String code, Instant now, long lastStep) {
        if (code == null || !CODE.matcher(code.strip()).matches()) {
            return OptionalLong.empty();
        }
        long current = now.getEpochSecond() / STEP.toSeconds();
        for (long step = current - 1; step <= current + 1; step++) {
            String expected = code(secret, Instant.ofEpochSecond(step * STEP.toSeconds()));
            if (step > lastStep && MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), code.strip().getBytes(StandardCharsets.US_ASCII))) {
                return OptionalLong.of(step);
            }
        }
        return OptionalLong.empty();
    }

    /** The URI an authenticator app reads (from its QR code) to enrol {@code secret}. */
    static String otpauthUri(String email, String secret) {
        String label = URLEncoder.encode("Numpool:" + email, StandardCharsets.UTF_8).replace("+", "%20");
        return "otpauth://totp/" + label + "?secret=" + secret + "&issuer=Numpool&algorithm=SHA1&digits=" + DIGITS + "&period=" + STEP.toSeconds();
    }
}
