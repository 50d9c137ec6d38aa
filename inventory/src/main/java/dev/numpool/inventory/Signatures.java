package dev.numpool.inventory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** The signatures of the inbound SMS webhooks (PROTOCOLS.md §3.4), checked in constant time. */
final class Signatures {
    private Signatures() {
    }

    /**
     * Twilio: base64(HMAC-SHA1(auth token, the full URL followed by every POST parameter's name
     * and value, sorted by name)). Twilio signs the URL as configured in its console, while a
     * proxy may show us another port, so the URL is also tried without a port and with the
     * scheme's default port, as Twilio's own validator does.
     */
    static boolean twilioValid(String authToken, String url, Map<String, String> params, String signature) {
        if (signature == null || signature.isEmpty()) {
            return false;
        }
        StringBuilder suffix = new StringBuilder();
        new TreeMap<>(params).forEach((name, value) -> suffix.append(name).append(value));
        for (String candidate : new String[] {url, withoutPort(url), withDefaultPort(url)}) {
            String expected = Base64.getEncoder().encodeToString(hmac("HmacSHA1", authToken, candidate + suffix));
            if (MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
                return true;
            }
        }
        return false;
    }

    /** SMS Gate: hex HMAC-SHA256(key, raw body + X-Timestamp). */
    static boolean smsGateValid(String key, byte[] body, String timestamp, String signature) {
        if (signature == null || timestamp == null) {
            return false;
        }
        byte[] signed = new byte[body.length + timestamp.length()];
        System.arraycopy(body, 0, signed, 0, body.length);
        System.arraycopy(timestamp.getBytes(StandardCharsets.US_ASCII), 0, signed, body.length, timestamp.length());
        String expected = HexFormat.of().formatHex(hmac("HmacSHA256", key, signed));
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                signature.strip().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }

    /** Constant-time comparison of a presented key with the expected one. */
    static boolean sameKey(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] hmac(String algorithm, String key, String data) {
        return hmac(algorithm, key, data.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] hmac(String algorithm, String key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }

    private static final java.util.regex.Pattern HOST_PORT = java.util.regex.Pattern.compile("^(https?://[^/:?#]+)(:[0-9]+)?(.*)$");

    /** The URL with no port at all (Twilio signs what its console holds, usually port-less). */
    private static String withoutPort(String url) {
        java.util.regex.Matcher m = HOST_PORT.matcher(url);
        return m.matches() ? m.group(1) + m.group(3) : url;
    }

    /** The URL with its scheme's default port spelled out. */
    private static String withDefaultPort(String url) {
        java.util.regex.Matcher m = HOST_PORT.matcher(withoutPort(url));
        if (!m.matches()) {
            return url;
        }
        return m.group(1) + (m.group(1).startsWith("https") ? ":443" : ":80") + m.group(3);
    }
}
