package dev.numpool.web;

import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import com.fasterxml.jackson.databind.JsonNode;
import ru.sms_activate.SMSActivateApi;
import ru.sms_activate.client_enums.SMSActivateClientRentStatus;
import ru.sms_activate.client_enums.SMSActivateClientStatus;
import ru.sms_activate.error.base.SMSActivateBaseException;
import ru.sms_activate.error.base.SMSActivateBaseTypeError;
import ru.sms_activate.error.wrong_parameter.SMSActivateWrongParameter;
import ru.sms_activate.error.wrong_parameter.SMSActivateWrongParameterException;
import ru.sms_activate.response.api_activation.SMSActivateActivation;
import ru.sms_activate.response.api_activation.SMSActivateGetBalanceAndCashBackResponse;
import ru.sms_activate.response.api_activation.SMSActivateGetCurrentActivations;
import ru.sms_activate.response.api_activation.SMSActivateGetPricesResponse;
import ru.sms_activate.response.api_activation.SMSActivateGetStatusResponse;
import ru.sms_activate.response.api_activation.enums.SMSActivateGetStatusActivation;
import ru.sms_activate.response.api_activation.enums.SMSActivateServerStatus;
import ru.sms_activate.response.api_activation.enums.SMSActivateStatusNumber;
import ru.sms_activate.response.api_activation.extra.SMSActivateCurrentActivation;
import ru.sms_activate.response.api_rent.SMSActivateGetRentListResponse;
import ru.sms_activate.response.api_rent.SMSActivateGetRentServicesAndCountriesResponse;
import ru.sms_activate.response.api_rent.SMSActivateGetRentStatusResponse;
import ru.sms_activate.response.api_rent.enums.SMSActivateRentStatus;
import ru.sms_activate.response.api_rent.extra.SMSActivateRentActivation;
import ru.sms_activate.response.api_rent.extra.SMSActivateSMS;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official sms-activate Java SDK ({@code ru.sms-activate:SMSActivateApi:1.5.9}), unchanged,
 * runs every method whose action Numpool serves against it, and each parsed result is checked:
 * balances, the catalogue and prices, whole activations, the current activations, rentals with
 * their SMS. Its base URL is hard-coded to sms-activate's host, so this JVM's {@code https}
 * handler sends that one host to the test node on 127.0.0.1.
 *
 * <p>The methods left out ask what Numpool does not sell or serve, and fail in the SDK without
 * spending anything ({@link #whatNumpoolDoesNotServeFailsInTheSdkAndSpendsNothing}):
 * {@code getMultiServiceNumber}, {@code getAdditionalService}, {@code getQiwiRequisites}, and
 * those on other sms-activate endpoints ({@code getAvailableServices…} on {@code apiMobile.php},
 * {@code getNumbersStatusAndMediumSmsTime…} on {@code api.php}, {@code getRentServices…} on
 * {@code rent.php}).
 */
class SmsActivateSdkTest {
    private static final TestClock CLOCK = new TestClock();
    private static volatile int port;
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("inventory.simulator.offers.0.service", "tg"); // sold at 0.50 (0.40 + 25 %)
        config.put("inventory.simulator.offers.0.country", "0");
        config.put("inventory.simulator.offers.0.stock", "50");
        config.put("inventory.simulator.offers.0.cost", "0.40");
        config.put("inventory.simulator.offers.1.service", "wa");
        config.put("inventory.simulator.offers.1.country", "0");
        config.put("inventory.simulator.offers.1.stock", "50");
        config.put("inventory.simulator.offers.1.cost", "0.40");
        config.put("inventory.simulator.offers.2.service", "ds"); // sold out
        config.put("inventory.simulator.offers.2.country", "0");
        config.put("inventory.simulator.offers.2.stock", "0");
        config.put("inventory.simulator.offers.2.cost", "0.40");
        node = TestNodes.start(config, CLOCK);
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

    @Test
    void theSdkReadsBalancesStockAndPricesAsTheProtocolWroteThem() throws Exception {
        String key = http.newSandboxAccount();
        SMSActivateApi sdk = new SMSActivateApi(key);

        SMSActivateGetBalanceAndCashBackResponse withCashBack = sdk.getBalanceAndCashBack();
        assertEquals(0, new BigDecimal("100.00").compareTo(withCashBack.getBalance()));
        assertEquals(0, BigDecimal.ZERO.compareTo(withCashBack.getCashBack()), "Numpool pays no cashback");

        JsonNode stock = raw(key, "getNumbersStatus&country=0");
        var inRussia = sdk.getNumbersStatus(0, new HashSet<>(Set.of("any")));
        assertEquals(stock.get("tg_0").asInt(), inRussia.getSMSActivateServiceInfoByShortName("tg").getCountPhoneNumber());
        assertEquals(stock.size(), inRussia.getAllServiceInfoList().size());
        assertTrue(inRussia.getAllServiceInfoList().stream().noneMatch(s -> s.isForward()), "Numpool sells no forwarding");
        JsonNode everywhere = raw(key, "getNumbersStatus");
        assertEquals(everywhere.get("wa_0").asInt(), sdk.getNumbersStatusByDefaultSettingFromSite().getSMSActivateServiceInfoByShortName("wa").getCountPhoneNumber());

        JsonNode prices = raw(key, "getPrices");
        SMSActivateGetPricesResponse all = sdk.getAllPrices();
        assertEquals(prices.size(), all.getCountryIdSet().size());
        assertEquals(0, new BigDecimal("0.50").compareTo(all.getPriceInfo(0, "tg").getCost()), "0.40 + 25 %");
        assertEquals(prices.at("/0/tg/count").asInt(), all.getPriceInfo(0, "tg").getCountPhoneNumbers());
        assertEquals(0, prices.at("/187/wa/cost").decimalValue().compareTo(all.getPriceInfo(187, "wa").getCost()));

        SMSActivateGetPricesResponse russia = sdk.getPricesAllServicesByCountryId(0);
        assertEquals(Set.of(0), russia.getCountryIdSet());
        assertEquals(fieldNames(prices.get("0")), russia.getServicesByCountryId(0));
        SMSActivateGetPricesResponse telegram = sdk.getPricesAllCountryByServiceShortName("tg");
        assertTrue(telegram.getCountryIdSet().size() > 1, telegram.toString());
        for (int country : telegram.getCountryIdSet()) {
            assertEquals(Set.of("tg"), telegram.getServicesByCountryId(country));
        }
        SMSActivateGetPricesResponse one = sdk.getPricesByCountryIdAndServiceShortName(0, "tg");
        assertEquals(0, new BigDecimal("0.50").compareTo(one.getPriceInfo(0, "tg").getCost()));
        assertEquals(Set.of(0), one.getCountryIdSet());
    }

    @Test
    void everyWayTheSdkBuysWaitsListsAndEndsAnActivationWorks() throws Exception {
        String key = http.newSandboxAccount();
        SMSActivateApi sdk = new SMSActivateApi(key);

        SMSActivateActivation plain = sdk.getNumber(0, "tg", false);
        SMSActivateActivation narrowed = sdk.getNumber(0, "wa", false, new HashSet<>(Set.of("any")), new HashSet<>(Set.of("7000", "7001")));
        assertFalse(String.valueOf(narrowed.getNumber()).startsWith("7000") || String.valueOf(narrowed.getNumber()).startsWith("7001"),
                "phoneException is honoured: " + narrowed.getNumber());
        assertEquals("wa", narrowed.getShortName());
        assertEquals(SMSActivateStatusNumber.WAIT_CODE, sdk.getFullSms(plain).getSmsActivateGetFullTypeResponse());

        SMSActivateGetCurrentActivations current = sdk.getCurrentActivations();
        assertEquals(2, current.getQuant());
        assertFalse(current.isExistNext());
        SMSActivateCurrentActivation listed = current.getActivationById(plain.getId());
        assertEquals(plain.getNumber(), listed.getPhoneNumber());
        assertEquals("tg", listed.getService());
        assertEquals(0, listed.getCountry());
        assertFalse(listed.isForward());
        assertEquals(CLOCK.instant().getEpochSecond(), listed.getCreateTime());
        assertEquals(CLOCK.instant().plus(Duration.ofMinutes(20)).getEpochSecond(), listed.getFinishTime(), "the activation window");
        assertEquals(narrowed.getId(), current.getActivationByPhoneNumber(narrowed.getNumber()).getId());
        assertEquals(List.of(narrowed.getId()), current.getActivationsByServiceName("wa").stream().map(SMSActivateCurrentActivation::getId).toList());
        assertEquals(2, current.getCurrentActivationWithoutForward().size());
        SMSActivateGetCurrentActivations firstPage = sdk.getCurrentActivations(0, 1);
        assertEquals(1, firstPage.getCurrentActivationList().size());
        assertEquals(narrowed.getId(), firstPage.getCurrentActivationList().get(0).getId(), "newest first");
        assertTrue(firstPage.isExistNext());
        assertEquals(plain.getId(), sdk.getCurrentActivations(1, 1).getCurrentActivationList().get(0).getId());

        assertEquals(SMSActivateServerStatus.READY,
                sdk.setStatusWithForwardPhone(plain.getId(), SMSActivateClientStatus.MESSAGE_WAS_SENT, null).getSMSActivateAccessStatus());
        sms(key, plain.getId(), "Telegram code: 30571");
        assertEquals("30571", sdk.waitSms(plain, 1), "the code is there: no wait");
        assertEquals("30571", sdk.waitSms(plain.getId(), 1));
        assertEquals(SMSActivateStatusNumber.FULL_SMS, sdk.getFullSms(plain).getSmsActivateGetFullTypeResponse());
        assertEquals(SMSActivateServerStatus.FINISH, sdk.setStatus(plain.getId(), SMSActivateClientStatus.FINISH).getSMSActivateAccessStatus());
        assertEquals(SMSActivateGetStatusActivation.OK, sdk.getStatus(plain.getId()).getSMSActivateGetStatus());

        CLOCK.advance(Duration.ofMinutes(3));
        assertEquals(SMSActivateServerStatus.CANCEL, sdk.setStatus(narrowed.getId(), SMSActivateClientStatus.CANCEL).getSMSActivateAccessStatus());
        assertEquals(0, sdk.getCurrentActivations().getQuant(), "none live");
        assertTrue(sdk.getCurrentActivations().getCurrentActivationList().isEmpty());
        assertEquals(0, new BigDecimal("99.50").compareTo(sdk.getBalance()), "the finished one charged, the cancelled one refunded");
    }

    @Test
    void theSdkRentsANumberWaitsForItsSmsListsAndReturnsIt() throws Exception {
        String key = http.newSandboxAccount();
        SMSActivateApi sdk = new SMSActivateApi(key);
        JsonNode offered = raw(key, "getRentServicesAndCountries&country=0&rent_time=4");
        SMSActivateGetRentServicesAndCountriesResponse services = sdk.getRentServicesAndCountries(0, null, 4);
        assertEquals(0, offered.at("/services/full/cost").decimalValue().compareTo(services.getRentServiceByShortName("full").getCost()));
        assertEquals(offered.at("/services/full/quant").asInt(), services.getRentServiceByShortName("full").getCountPhoneNumbers());
        assertEquals(fieldNames(offered.get("services")), services.getRentServiceNameSet());
        assertTrue(services.getCountryIdSet().containsAll(Set.of(0, 187)), services.toString());
        assertEquals(Set.of("any"), services.getOperatorNameSet());

        SMSActivateRentActivation rented = sdk.getRentNumber(0, "full");
        assertTrue(String.valueOf(rented.getNumber()).startsWith("7"), rented.toString());
        assertEquals(END_DATE.format(CLOCK.instant().plus(Duration.ofHours(4))), rented.getEndDate(), "4 hours, the SDK's least");
        SMSActivateRentActivation forTelegram = sdk.getRentNumber(0, "tg", 8);
        assertEquals(END_DATE.format(CLOCK.instant().plus(Duration.ofHours(8))), forTelegram.getEndDate());
        SMSActivateRentActivation third = sdk.getRentNumber(0, "full", "any", 4, null);

        SMSActivateGetRentListResponse list = sdk.getRentList();
        assertEquals(Set.of(rented.getId(), forTelegram.getId(), third.getId()), list.getRentSet());
        assertEquals(rented.getNumber(), list.get(rented.getId()).getNumber());

        SMSActivateBaseException waiting = assertThrows(SMSActivateBaseException.class, () -> sdk.getRentStatus(rented));
        assertEquals(SMSActivateBaseTypeError.WAIT_CODE, waiting.getTypeError());

        // waitSmsForRent polls every 5 s (wall clock) until the count of SMS changes: the SMS is sent
        // once its first poll has been answered, so the second poll sees it.
        CountDownLatch firstPoll = new CountDownLatch(1);
        SMSActivateApi waiter = new SMSActivateApi(key);
        waiter.setSmsActivateWebClientListener((cid, url, status, data) -> firstPoll.countDown());
        CompletableFuture<List<SMSActivateSMS>> waited = CompletableFuture.supplyAsync(() -> {
            try {
                return waiter.waitSmsForRent(rented, 1);
            } catch (SMSActivateBaseException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(firstPoll.await(10, TimeUnit.SECONDS));
        rentSms(key, rented.getId(), "Bank", "Your code is 6614");
        List<SMSActivateSMS> arrived = waited.get(20, TimeUnit.SECONDS);
        assertEquals(1, arrived.size());
        assertEquals("Your code is 6614", arrived.get(0).getText());
        assertEquals("Bank", arrived.get(0).getPhoneFrom());
        assertEquals(SMS_DATE.format(CLOCK.instant()), arrived.get(0).getDate());

        CLOCK.advance(Duration.ofMinutes(1));
        rentSms(key, rented.getId(), "79001112233", "Code 2025");
        SMSActivateGetRentStatusResponse status = sdk.getRentStatus(rented.getId());
        assertEquals(2, status.getCountSms());
        assertEquals(List.of("Code 2025", "Your code is 6614"), status.getSmsActivateSMSList().stream().map(SMSActivateSMS::getText).toList(),
                "newest first");

        SMSActivateBaseException refused = assertThrows(SMSActivateBaseException.class,
                () -> sdk.setRentStatus(rented, SMSActivateClientRentStatus.CANCEL));
        assertEquals(SMSActivateBaseTypeError.CANT_CANCEL, refused.getTypeError(), "an SMS arrived: no refund");
        assertEquals(SMSActivateRentStatus.SUCCESS, sdk.setRentStatus(forTelegram, SMSActivateClientRentStatus.CANCEL));
        assertEquals(SMSActivateRentStatus.SUCCESS, sdk.setRentStatus(rented.getId(), SMSActivateClientRentStatus.FINISH));
        assertEquals(SMSActivateBaseTypeError.ALREADY_FINISH, assertThrows(SMSActivateBaseException.class,
                () -> sdk.setRentStatus(rented, SMSActivateClientRentStatus.FINISH)).getTypeError());
        assertEquals(SMSActivateBaseTypeError.RENT_FINISH, assertThrows(SMSActivateBaseException.class,
                () -> sdk.getRentStatus(rented)).getTypeError());
        assertEquals(SMSActivateBaseTypeError.RENT_CANCEL, assertThrows(SMSActivateBaseException.class,
                () -> sdk.getRentStatus(forTelegram)).getTypeError());
        assertEquals(Set.of(third.getId()), sdk.getRentList().getRentSet(), "only the live rental is listed");
    }

    @Test
    void badInputsAreTheSdksOwnErrorsAndChangeNothing() throws Exception {
        String key = http.newSandboxAccount();
        SMSActivateApi sdk = new SMSActivateApi(key);
        assertEquals(SMSActivateWrongParameter.BAD_SERVICE, assertThrows(SMSActivateWrongParameterException.class,
                () -> sdk.getNumber(0, "zz")).getWrongParameter());
        assertEquals(SMSActivateWrongParameter.BAD_COUNTRY, assertThrows(SMSActivateWrongParameterException.class,
                () -> sdk.getNumber(99999, "tg")).getWrongParameter());
        assertEquals(SMSActivateWrongParameter.WRONG_EXCEPTION_PHONE, assertThrows(SMSActivateWrongParameterException.class,
                () -> sdk.getNumber(0, "tg", false, null, new HashSet<>(Set.of("79a")))).getWrongParameter());
        assertEquals(SMSActivateBaseTypeError.NO_NUMBERS, assertThrows(SMSActivateBaseException.class,
                () -> sdk.getNumber(0, "ds")).getTypeError());
        assertEquals(SMSActivateWrongParameter.INVALID_PHONE, assertThrows(SMSActivateWrongParameterException.class,
                () -> sdk.getRentStatus(2_000_000_000)).getWrongParameter());
        assertThrows(SMSActivateBaseException.class, () -> sdk.getStatus(2_000_000_000));
        assertEquals(0, new BigDecimal("100.00").compareTo(sdk.getBalance()), "nothing was charged");
        assertEquals(0, sdk.getCurrentActivations().getQuant(), "nothing was bought");
        assertEquals(SMSActivateBaseTypeError.NO_NUMBERS, assertThrows(SMSActivateBaseException.class, sdk::getRentList).getTypeError(),
                "nothing was rented");
    }

    @Test
    void whatNumpoolDoesNotServeFailsInTheSdkAndSpendsNothing() throws Exception {
        String key = http.newSandboxAccount();
        SMSActivateApi sdk = new SMSActivateApi(key);
        assertThrows(SMSActivateBaseException.class, () -> sdk.getMultiServiceNumber(0, new HashSet<>(Set.of("tg", "wa"))));
        SMSActivateActivation parent = sdk.getNumber(0, "tg");
        assertThrows(SMSActivateBaseException.class, () -> sdk.getAdditionalService(parent, "wa"));
        assertThrows(SMSActivateBaseException.class, sdk::getQiwiRequisites);
        assertEquals(1, sdk.getCurrentActivations().getQuant(), "only the one bought with getNumber");
        assertEquals(0, new BigDecimal("99.50").compareTo(sdk.getBalance()), "only getNumber's price is held");
    }

    private static final DateTimeFormatter END_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SMS_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    /** The protocol's own JSON answer to an action, to hold the SDK's parsed one against. */
    private static JsonNode raw(String key, String actionAndParams) {
        Http.Response r = http.get("/stubs/handler_api.php?api_key=" + key + "&action=" + actionAndParams, null);
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> names = new HashSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void rentSms(String key, int rentalId, String sender, String text) {
        Http.Response r = http.post("/v1/sandbox/rentals/" + rentalId + "/sms", key, "{\"text\":\"" + text + "\",\"sender\":\"" + sender + "\"}");
        assertEquals(200, r.status(), r.text());
    }

    /** The native API's view of a balance, for comparison with the SDK's. */
    private record JsonNodeBalance(BigDecimal available) {
        static JsonNodeBalance of(Http http, String key) {
            return new JsonNodeBalance(new BigDecimal(http.get("/v1/balance", key).json().get("available").asText()));
        }
    }
}
