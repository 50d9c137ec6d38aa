package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sms-activate's rent actions with the exact bytes a bot parses: {@code getRentServicesAndCountries},
 * {@code getRentNumber}, {@code getRentStatus}, {@code setRentStatus} (1 finish, 2 cancel),
 * {@code getRentList} and {@code continueRentNumber}, each success and each error token, all HTTP
 * 200. A refused action changes nothing. The simulator's whole number in Russia costs 0.30 a
 * period, sold at 0.38.
 */
class SmsActivateRentContractTest {
    private static final TestClock CLOCK = new TestClock();
    private static final Pattern RENTED = Pattern.compile(
            "\\{\"status\":\"success\",\"phone\":\\{\"id\":([0-9]{1,10}),\"endDate\":\"([0-9-]{10}T[0-9:]{8})\",\"number\":\"(79[0-9]{9})\"}}");
    private static final java.time.format.DateTimeFormatter END_DATE = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(java.time.ZoneOffset.UTC);
    private static final java.time.format.DateTimeFormatter SMS_DATE = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd HH:mm:ss").withZone(java.time.ZoneOffset.UTC);
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("inventory.simulator.offers.0.service", "any");
        config.put("inventory.simulator.offers.0.country", "0");
        config.put("inventory.simulator.offers.0.cost", "0.50");
        config.put("inventory.simulator.rent-stock", "20");
        node = TestNodes.start(config, CLOCK);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String sa(String key, String query) {
        Http.Response r = http.get("/stubs/handler_api.php?api_key=" + key + "&" + query, null);
        assertEquals(200, r.status(), "the protocol answers errors with 200 too: " + r.text());
        return r.text();
    }

    private static String error(String token) {
        return "{\"status\":\"error\",\"message\":\"" + token + "\"}";
    }

    /** Rents the whole number in Russia for {@code hours}; returns {id, endDate, number}. */
    private static String[] rent(String key, int hours) {
        String answer = sa(key, "action=getRentNumber&service=full&country=0&rent_time=" + hours);
        Matcher m = RENTED.matcher(answer);
        assertTrue(m.matches(), answer);
        return new String[]{m.group(1), m.group(2), m.group(3)};
    }

    private static void sms(String key, String id, String sender, String text) {
        assertEquals(200, http.post("/v1/sandbox/rentals/" + id + "/sms", key, "{\"text\":\"" + text + "\",\"sender\":\"" + sender + "\"}").status());
    }

    private static String balance(String key) {
        return sa(key, "action=getBalance");
    }

    @Test
    void servicesAndCountriesPriceTheRentTimeAsked() {
        String key = http.newSandboxAccount();
        JsonNode offers = http.get("/v1/rental-offers?service=any&country=0", key).json();
        assertEquals("0.38", offers.at("/offers/0/pricePerPeriod").asText());
        String four = sa(key, "action=getRentServicesAndCountries&country=0&rent_time=4");
        assertTrue(four.startsWith("{\"countries\":{\"0\":0,\"1\":1,"), four);
        // quant: the simulator's 20 numbers to rent, less those the other tests hold.
        assertTrue(four.matches("\\{\"countries\":\\{(\"[0-9]+\":[0-9]+,)*\"[0-9]+\":187},\"operators\":\\{\"0\":\"any\"},"
                + "\"services\":\\{\"full\":\\{\"cost\":1\\.52,\"quant\":[0-9]{1,2}},(\"[a-z0-9]{2}\":\\{\"cost\":[0-9]+\\.[0-9]{2},\"quant\":20},?)+},"
                + "\"currency\":840}"), four);
        assertTrue(sa(key, "action=getRentServicesAndCountries").contains("\"full\":{\"cost\":1.52,"), "4 hours in Russia by default");
        assertTrue(sa(key, "action=getRentServicesAndCountries&rent_time=24").contains("\"full\":{\"cost\":9.12,"));
        assertEquals(error("INVALID_TIME"), sa(key, "action=getRentServicesAndCountries&rent_time=0"));
        assertEquals(error("INVALID_TIME"), sa(key, "action=getRentServicesAndCountries&rent_time=four"));
        assertEquals(error("BAD_COUNTRY"), sa(key, "action=getRentServicesAndCountries&country=99999"));
    }

    @Test
    void aRentalIsRentedReadListedExtendedAndReturned() {
        String key = http.newSandboxAccount();
        assertEquals(error("NO_NUMBERS"), sa(key, "action=getRentList"), "no rentals yet");
        java.time.Instant rentedAt = CLOCK.instant();
        String[] r = rent(key, 4);
        assertEquals(END_DATE.format(rentedAt.plus(Duration.ofHours(4))), r[1]);
        assertEquals("ACCESS_BALANCE:98.48", balance(key));
        String[] other = rent(key, 4);

        assertEquals("{\"status\":\"success\",\"values\":{\"0\":{\"id\":\"" + other[0] + "\",\"phone\":\"" + other[2] + "\"},\"1\":{\"id\":\""
                + r[0] + "\",\"phone\":\"" + r[2] + "\"}}}", sa(key, "action=getRentList"));

        assertEquals(error("STATUS_WAIT_CODE"), sa(key, "action=getRentStatus&id=" + r[0]));
        CLOCK.advance(Duration.ofMinutes(1));
        String first = SMS_DATE.format(CLOCK.instant());
        sms(key, r[0], "79001112233", "Code 1111");
        CLOCK.advance(Duration.ofMinutes(1));
        String second = SMS_DATE.format(CLOCK.instant());
        sms(key, r[0], "Bank", "Your code is 2222");
        assertEquals("{\"status\":\"success\",\"quantity\":\"2\",\"values\":{"
                + "\"0\":{\"phoneFrom\":\"Bank\",\"text\":\"Your code is 2222\",\"service\":\"ot\",\"date\":\"" + second + "\"},"
                + "\"1\":{\"phoneFrom\":\"79001112233\",\"text\":\"Code 1111\",\"service\":\"ot\",\"date\":\"" + first + "\"}}}",
                sa(key, "action=getRentStatus&id=" + r[0]), "newest first");

        assertEquals("{\"status\":\"success\",\"phone\":{\"id\":" + r[0] + ",\"endDate\":\"" + END_DATE.format(rentedAt.plus(Duration.ofHours(6)))
                + "\",\"number\":\"" + r[2] + "\"}}", sa(key, "action=continueRentNumber&id=" + r[0] + "&rent_time=2"));
        assertEquals("ACCESS_BALANCE:96.20", balance(key));
        assertEquals(error("INVALID_TIME"), sa(key, "action=continueRentNumber&id=" + r[0] + "&rent_time=-4"));
        assertEquals(error("MAX_HOURS_EXCEED"), sa(key, "action=continueRentNumber&id=" + r[0] + "&rent_time=720"));
        assertEquals(error("NO_BALANCE"), sa(key, "action=continueRentNumber&id=" + r[0] + "&rent_time=700"));
        assertEquals(error("INVALID_PHONE"), sa(key, "action=continueRentNumber&id=2147483647"));
        assertEquals(error("NO_ID_RENT"), sa(key, "action=continueRentNumber"));
        assertEquals("ACCESS_BALANCE:96.20", balance(key), "refusals charge nothing");

        assertEquals(error("CANT_CANCEL"), sa(key, "action=setRentStatus&id=" + r[0] + "&status=2"), "an SMS came");
        assertEquals(error("INCORECT_STATUS"), sa(key, "action=setRentStatus&id=" + r[0] + "&status=3"));
        assertEquals("{\"status\":\"success\"}", sa(key, "action=setRentStatus&id=" + r[0] + "&status=1"));
        assertEquals(error("ALREADY_FINISH"), sa(key, "action=setRentStatus&id=" + r[0] + "&status=1"));
        assertEquals(error("STATUS_FINISH"), sa(key, "action=getRentStatus&id=" + r[0]));
        assertEquals(error("STATUS_FINISH"), sa(key, "action=continueRentNumber&id=" + r[0]));
        // The first hour is paid (the SMS ended its refund window); the five not begun come back.
        assertEquals("ACCESS_BALANCE:98.10", balance(key));
    }

    @Test
    void aRentalCancelledInItsWindowIsRefundedAndAnsweredAsCancelled() {
        String key = http.newSandboxAccount();
        String[] r = rent(key, 4);
        assertEquals("{\"status\":\"success\"}", sa(key, "action=setRentStatus&id=" + r[0] + "&status=2"));
        assertEquals("ACCESS_BALANCE:100.00", balance(key));
        assertEquals(error("ALREADY_CANCEL"), sa(key, "action=setRentStatus&id=" + r[0] + "&status=2"));
        assertEquals(error("ALREADY_CANCEL"), sa(key, "action=setRentStatus&id=" + r[0] + "&status=1"));
        assertEquals(error("STATUS_CANCEL"), sa(key, "action=getRentStatus&id=" + r[0]));
        assertEquals(error("STATUS_CANCEL"), sa(key, "action=continueRentNumber&id=" + r[0] + "&rent_time=4"));
        assertEquals(error("NO_NUMBERS"), sa(key, "action=getRentList"), "a cancelled rental is not listed");

        String[] late = rent(key, 4);
        CLOCK.advance(Duration.ofMinutes(20));
        assertEquals(error("CANT_CANCEL"), sa(key, "action=setRentStatus&id=" + late[0] + "&status=2"), "the 20 minutes passed");
    }

    @Test
    void badParametersAnswerTheProtocolsTokensAndChangeNothing() {
        String key = http.newSandboxAccount();
        String stranger = http.newSandboxAccount();
        String[] r = rent(stranger, 4);
        assertEquals("BAD_KEY", sa("np_nope", "action=getRentList"));
        assertEquals(error("BAD_SERVICE"), sa(key, "action=getRentNumber&service=zz&country=0"));
        assertEquals(error("BAD_COUNTRY"), sa(key, "action=getRentNumber&service=full&country=99999"));
        assertEquals(error("BAD_COUNTRY"), sa(key, "action=getRentNumber&service=full&country=-1"));
        assertEquals(error("INVALID_TIME"), sa(key, "action=getRentNumber&service=full&country=0&rent_time=0"));
        assertEquals(error("INVALID_TIME"), sa(key, "action=getRentNumber&service=full&country=0&rent_time=1.5"));
        assertEquals(error("INVALID_TIME"), sa(key, "action=getRentNumber&service=full&country=0&rent_time=99999999999"));
        assertEquals(error("MAX_HOURS_EXCEED"), sa(key, "action=getRentNumber&service=full&country=0&rent_time=721"));
        assertEquals(error("NO_BALANCE"), sa(key, "action=getRentNumber&service=full&country=0&rent_time=720"));
        assertEquals(error("NO_NUMBERS"), sa(key, "action=getRentNumber&service=x0&country=0"));
        assertEquals(error("INVALID_PHONE"), sa(key, "action=getRentStatus&id=" + r[0]), "another account's rental is unknown");
        assertEquals(error("INVALID_PHONE"), sa(key, "action=setRentStatus&id=" + r[0] + "&status=2"));
        assertEquals(error("INVALID_PHONE"), sa(key, "action=continueRentNumber&id=" + r[0] + "&rent_time=4"));
        assertEquals(error("INVALID_PHONE"), sa(key, "action=getRentStatus&id=abc"));
        assertEquals(error("NO_ID_RENT"), sa(key, "action=getRentStatus"));
        assertEquals(error("NO_ID_RENT"), sa(key, "action=setRentStatus&status=1"));
        assertEquals("ACCESS_BALANCE:100.00", balance(key));
        assertEquals(error("NO_NUMBERS"), sa(key, "action=getRentList"));
        assertEquals(error("STATUS_WAIT_CODE"), sa(stranger, "action=getRentStatus&id=" + r[0]), "still its owner's, untouched");
    }

}
