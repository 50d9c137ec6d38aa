package dev.numpool.inventory;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The inbound webhook signatures, against the vectors Twilio's own validator is tested with. */
class SignaturesTest {
    private static final Map<String, String> PARAMS = Map.of("Digits", "1234", "CallSid", "CA1234567890ABCDE",
            "To", "+18005551212", "Caller", "+14158675309", "From", "+14158675309");
    private static final String URL = "https://mycompany.com/myapp.php?foo=1&bar=2";

    @Test
    void twilioSignaturesOfTwiliosOwnTestVectorsAreAccepted() {
        assertTrue(Signatures.twilioValid("12345", URL, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        // A proxy's port is ignored; the console's URL with the default port spelled out is accepted.
        assertTrue(Signatures.twilioValid("12345", URL.replace(".com", ".com:1234"), PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        assertTrue(Signatures.twilioValid("12345", URL, PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w="));
        assertTrue(Signatures.twilioValid("12345", URL.replace("https", "http"), PARAMS, "0ZXoZLH/DfblKGATFgpif+LLRf4="));
    }

    @Test
    void anyChangedByteOrWrongTokenFailsTheTwilioSignature() {
        assertFalse(Signatures.twilioValid("12345", URL, PARAMS, "NOTRSOYDt4T1cUTdK1PDd93/VVr8B8="));
        assertFalse(Signatures.twilioValid("12346", URL, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        assertFalse(Signatures.twilioValid("12345", URL.replace("foo=1", "foo=2"), PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        Map<String, String> changed = new java.util.HashMap<>(PARAMS);
        changed.put("Digits", "1235");
        assertFalse(Signatures.twilioValid("12345", URL, changed, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        assertFalse(Signatures.twilioValid("12345", URL, PARAMS, null));
        assertFalse(Signatures.twilioValid("12345", URL, PARAMS, ""));
    }

    @Test
    void smsGateSignsTheRawBodyFollowedByTheTimestamp() throws Exception {
        byte[] body = "{\"event\":\"sms:received\"}".getBytes(StandardCharsets.UTF_8);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec("gate-key".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature = HexFormat.of().formatHex(mac.doFinal("{\"event\":\"sms:received\"}1767261600".getBytes(StandardCharsets.UTF_8)));

        assertTrue(Signatures.smsGateValid("gate-key", body, "1767261600", signature));
        assertTrue(Signatures.smsGateValid("gate-key", body, "1767261600", signature.toUpperCase()), "hex in either case");
        assertFalse(Signatures.smsGateValid("gate-key", body, "1767261601", signature), "another timestamp");
        assertFalse(Signatures.smsGateValid("other-key", body, "1767261600", signature));
        byte[] changed = body.clone();
        changed[3] ^= 1;
        assertFalse(Signatures.smsGateValid("gate-key", changed, "1767261600", signature));
        assertFalse(Signatures.smsGateValid("gate-key", body, null, signature));
        assertFalse(Signatures.smsGateValid("gate-key", body, "1767261600", null));
    }
}
