package dev.numpool.web;

import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import ru.sms_activate.SMSActivateApi;
import ru.sms_activate.client_enums.SMSActivateClientStatus;
import ru.sms_activate.error.base.SMSActivateBaseException;
import ru.sms_activate.response.api_activation.SMSActivateActivation;
import ru.sms_activate.response.api_activation.SMSActivateGetStatusResponse;
import ru.sms_activate.response.api_activation.enums.SMSActivateGetStatusActivation;
import ru.sms_activate.response.api_activation.enums.SMSActivateServerStatus;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official sms-activate Java SDK ({@code ru.sms-activate:SMSActivateApi:1.5.9}), unchanged,
 * runs a whole activation against Numpool. Its base URL is hard-coded to sms-activate's host, so
 * this JVM's {@code https} handler sends that one host to the test node on 127.0.0.1.
 */
class SmsActivateSdkTest {
    private static final TestClock CLOCK = new TestClock();
    private static volatile int port;
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        node = TestNodes.start(TestNodes.baseConfig(TestServers.freshDatabaseUrl()), CLOCK);
        http = new Http(node.url());
        port = node.port();
        redirectSmsActivateToTheTestNode();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static synchronized void redirectSmsActivateToTheTestNode() {
        try {
            URL.setURLStreamHandlerFactory(protocol -> !"https".equals(protocol) ? null : new URLStreamHandler() {
                @Override
                protected URLConnection openConnection(URL url) throws IOException {
                    if (!"sms-activate.ru".equals(url.getHost())) {
                        throw new IOException("this test JVM only redirects sms-activate.ru, not " + url.getHost());
                    }
                    return new URL("http", "127.0.0.1", port, url.getFile()).openConnection();
                }
            });
        } catch (Error alreadySet) {
            // Set once per JVM; the handler reads the current port.
        }
    }

    private static void sms(String key, int id, String text) {
        Http.Response r = http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"sender\":\"Telegram\",\"text\":\"" + text + "\"}");
        assertEquals(200, r.status(), r.text());
    }

    @Test
    void theOfficialSdkRunsAWholeActivation() throws Exception {
        String key = http.newSandboxAccount();
        SMSActivateApi sdk = new SMSActivateApi(key);

        assertEquals(0, new BigDecimal("100.00").compareTo(sdk.getBalance()));
        assertTrue(sdk.getNumbersStatus(0, null).getSMSActivateServiceInfoByShortName("tg").getCountPhoneNumber() > 0);

        SMSActivateActivation activation = sdk.getNumber(0, "tg");
        assertTrue(activation.getId() > 0);
        assertTrue(String.valueOf(activation.getNumber()).startsWith("7"), "digits with the country code: " + activation.getNumber());
        assertEquals(SMSActivateGetStatusActivation.WAIT_CODE, sdk.getStatus(activation).getSMSActivateGetStatus());
        assertEquals(SMSActivateServerStatus.READY, sdk.setStatus(activation, SMSActivateClientStatus.MESSAGE_WAS_SENT).getSMSActivateAccessStatus());

        sms(key, activation.getId(), "Telegram code: 48213");
        SMSActivateGetStatusResponse ok = sdk.getStatus(activation);
        assertEquals(SMSActivateGetStatusActivation.OK, ok.getSMSActivateGetStatus());
        assertEquals("48213", ok.getCodeFromSMS());
        assertEquals("Telegram code: 48213", sdk.getFullSms(activation.getId()).getText());

        assertEquals(SMSActivateServerStatus.RETRY_GET,
                sdk.setStatus(activation, SMSActivateClientStatus.REQUEST_ONE_MORE_CODE).getSMSActivateAccessStatus());
        assertEquals(SMSActivateGetStatusActivation.WAIT_RETRY, sdk.getStatus(activation).getSMSActivateGetStatus());
        sms(key, activation.getId(), "Telegram code: 77190");
        assertEquals("77190", sdk.getStatus(activation).getCodeFromSMS());

        assertEquals(SMSActivateServerStatus.FINISH, sdk.setStatus(activation, SMSActivateClientStatus.FINISH).getSMSActivateAccessStatus());
        JsonNodeBalance balance = JsonNodeBalance.of(http, key);
        assertEquals(0, sdk.getBalance().compareTo(balance.available()), "the SDK and the native API see one balance");
        assertTrue(balance.available().compareTo(new BigDecimal("100.00")) < 0, "the code was charged");
    }

    @Test
    void theSdkReadsEveryCountryWithItsRussianAndChineseName() throws Exception {
        SMSActivateApi sdk = new SMSActivateApi(http.newSandboxAccount());
        var countries = sdk.getCountries();
        assertEquals("Russia", countries.get(0).getEnglishName());
        assertEquals("Россия", countries.get(0).getRussianName());
        assertEquals("俄罗斯", countries.get(0).getChineseName());
        assertEquals("Соединенные Штаты", countries.get(187).getRussianName());
        assertTrue(countries.getSMSActivateGetCountryInfoList().size() > 50);
        for (var c : countries.getSMSActivateGetCountryInfoList()) {
            assertTrue(!c.getRussianName().equals(c.getEnglishName()) && !c.getChineseName().equals(c.getEnglishName()), c.toString());
            assertTrue(c.isVisible() && c.isSupportRetry(), c.toString());
        }
    }

    @Test
    void aBadKeyIsTheSdksBadKeyError() {
        SMSActivateBaseException e = assertThrows(SMSActivateBaseException.class, () -> new SMSActivateApi("not-a-key").getBalance());
        assertTrue(e.getMessage().contains("BAD_KEY") || e.getEnglishMessage().toLowerCase().contains("key"), e.toString());
    }

    @Test
    void earlyCancelIsRefusedAndLaterCancelRefunds() throws Exception {
        String key = http.newSandboxAccount();
        SMSActivateApi sdk = new SMSActivateApi(key);
        SMSActivateActivation activation = sdk.getNumber(0, "wa");
        assertThrows(SMSActivateBaseException.class, () -> sdk.setStatus(activation, SMSActivateClientStatus.CANCEL),
                "EARLY_CANCEL_DENIED in the first 2 minutes");
        CLOCK.advance(Duration.ofMinutes(3));
        assertEquals(SMSActivateServerStatus.CANCEL, sdk.setStatus(activation, SMSActivateClientStatus.CANCEL).getSMSActivateAccessStatus());
        assertEquals(0, new BigDecimal("100.00").compareTo(sdk.getBalance()), "refunded");
        assertEquals(SMSActivateGetStatusActivation.CANCEL, sdk.getStatus(activation).getSMSActivateGetStatus());
    }

    /** The native API's view of a balance, for comparison with the SDK's. */
    private record JsonNodeBalance(BigDecimal available) {
        static JsonNodeBalance of(Http http, String key) {
            return new JsonNodeBalance(new BigDecimal(http.get("/v1/balance", key).json().get("available").asText()));
        }
    }
}
