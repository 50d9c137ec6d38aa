package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sms-activate compatible API, action by action, with the exact bytes a bot parses: every
 * answer, errors included, is HTTP 200 with a token or JSON. Bad input answers the protocol's
 * error token and changes nothing.
 */
class SmsActivateContractTest {
    private static final TestClock CLOCK = new TestClock();
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("orders.max-live-activations", "3");
        config.put("compat.duplicate-window-seconds", "10"); // the default: repeats of one offer need the clock moved
        config.put("inventory.simulator.offers.0.service", "ds"); // sold out
        config.put("inventory.simulator.offers.0.country", "0");
        config.put("inventory.simulator.offers.0.stock", "0");
        config.put("inventory.simulator.offers.0.cost", "0.10");
        config.put("inventory.simulator.offers.1.service", "go"); // dearer than a sandbox balance
        config.put("inventory.simulator.offers.1.country", "187");
        config.put("inventory.simulator.offers.1.stock", "5");
        config.put("inventory.simulator.offers.1.cost", "500");
        config.put("inventory.simulator.offers.2.service", "tg");
        config.put("inventory.simulator.offers.2.country", "0");
        config.put("inventory.simulator.offers.2.stock", "50");
        config.put("inventory.simulator.offers.2.cost", "0.40");
        config.put("inventory.simulator.offers.3.service", "vi"); // never bought here: its stock stays 7
        config.put("inventory.simulator.offers.3.country", "0");
        config.put("inventory.simulator.offers.3.stock", "7");
        config.put("inventory.simulator.offers.3.cost", "0.40");
        node = TestNodes.start(config, CLOCK);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** One GET of the handler; asserts the protocol's HTTP 200 and returns the body. */
    private static String sa(String query) {
        Http.Response r = http.get("/stubs/handler_api.php?" + query, null);
        assertEquals(200, r.status(), "the protocol answers errors with 200 too: " + r.text());
        return r.text();
    }

    private static String sa(String key, String query) {
        return sa("api_key=" + key + "&" + query);
    }

    private static int buy(String key, String service) {
        String answer = sa(key, "action=getNumber&service=" + service + "&country=0");
        assertTrue(answer.matches("ACCESS_NUMBER:[0-9]{1,10}:79[0-9]{9}"), answer);
        return Integer.parseInt(answer.split(":")[1]);
    }

    private static void sms(String key, int id, String text) {
        assertEquals(200, http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"" + text + "\"}").status());
    }

    @Test
    void keysAndActionsAreCheckedFirst() {
        assertEquals("NO_KEY", sa("action=getBalance"));
        assertEquals("NO_KEY", sa("api_key=&action=getBalance"));
        assertEquals("BAD_KEY", sa("api_key=nope&action=getBalance"));
        String key = http.newSandboxAccount();
        assertEquals("BAD_ACTION", sa(key, "action=getEverything"));
        assertEquals("BAD_ACTION", sa("api_key=" + key));
        assertEquals("ACCESS_BALANCE:100.00", sa(key, "action=getBalance"));
        Http.Response r = http.get("/stubs/handler_api.php?api_key=" + key + "&action=getBalance", null);
        assertTrue(r.contentType().startsWith("text/plain"), r.contentType());
    }

    @Test
    void parametersMayComeAsAFormBodyAndTheKeyAsAHeader() {
        String key = http.newSandboxAccount();
        Http.Response form = http.send(http.request("/stubs/handler_api.php", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("api_key=" + key + "&action=getBalance")));
        assertEquals("ACCESS_BALANCE:100.00", form.text());
        Http.Response header = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/stubs/handler_api.php?action=getBalance"))
                .header("X-ApiKey", key).GET());
        assertEquals("ACCESS_BALANCE:100.00", header.text());
        Http.Response huge = http.send(http.request("/stubs/handler_api.php", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("api_key=" + key + "&action=getBalance&junk=" + "x".repeat(40_000))));
        assertEquals(200, huge.status());
        assertEquals("BAD_ACTION", huge.text());
    }

    @Test
    void getNumberAnswersEachRefusalWithItsTokenAndChangesNothing() {
        String key = http.newSandboxAccount();
        assertEquals("BAD_SERVICE", sa(key, "action=getNumber&country=0"));
        assertEquals("BAD_SERVICE", sa(key, "action=getNumber&service=zz&country=0"));
        assertEquals("BAD_COUNTRY", sa(key, "action=getNumber&service=tg&country=abc"));
        assertEquals("BAD_COUNTRY", sa(key, "action=getNumber&service=tg&country=99999"));
        assertEquals("BAD_COUNTRY", sa(key, "action=getNumber&service=tg&country=-1"));
        assertEquals("BAD_OPERATOR", sa(key, "action=getNumber&service=tg&country=0&operator=MTS!"));
        assertEquals("WRONG_EXCEPTION_PHONE", sa(key, "action=getNumber&service=tg&country=0&phoneException=79a"));
        assertEquals("WRONG_MAX_PRICE:0.50", sa(key, "action=getNumber&service=tg&country=0&maxPrice=0.10"), "0.40 + 25 %");
        assertEquals("WRONG_MAX_PRICE:0.50", sa(key, "action=getNumber&service=tg&country=0&maxPrice=abc"));
        assertEquals("WRONG_MAX_PRICE:0.50", sa(key, "action=getNumber&service=tg&country=0&maxPrice=99999999999999999999"));
        assertEquals("NO_NUMBERS", sa(key, "action=getNumber&service=ds&country=0"));
        assertEquals("NO_BALANCE", sa(key, "action=getNumber&service=go&country=187"));
        assertEquals("NO_ACTIVATIONS", sa(key, "action=getActiveActivations"), "nothing was bought");
        assertEquals("ACCESS_BALANCE:100.00", sa(key, "action=getBalance"));

        String excluded = sa(key, "action=getNumber&service=tg&country=0&phoneException=7000,7001&maxPrice=0.50&operator=any");
        assertTrue(excluded.startsWith("ACCESS_NUMBER:"), excluded);
        buy(key, "tg");
        CLOCK.advance(Duration.ofSeconds(11)); // past the duplicate window: the next one is a new order
        buy(key, "tg");
        assertEquals(sa(key, "action=getNumber&service=tg&country=0"), sa(key, "action=getNumber&service=tg&country=0"),
                "within the window a repeat is the last order again, not a refusal");
        CLOCK.advance(Duration.ofSeconds(11));
        assertEquals("CHANNELS_LIMIT", sa(key, "action=getNumber&service=tg&country=0"), "3 live activations is this node's limit");
    }

    @Test
    void getNumberV2AndTheStatusActionsFollowOneActivationThroughItsLife() throws Exception {
        String key = http.newSandboxAccount();
        String v2text = sa(key, "action=getNumberV2&service=tg&country=0");
        assertTrue(v2text.contains("\"activationCost\":0.50,"), "a decimal as written: " + v2text);
        JsonNode v2 = Http.JSON.readTree(v2text);
        int id = v2.get("activationId").asInt();
        assertTrue(v2.get("phoneNumber").asText().matches("79[0-9]{9}"));
        assertEquals(840, v2.get("currency").asInt());
        assertEquals("0", v2.get("countryCode").asText());
        assertEquals(7, v2.get("countryPhoneCode").asInt());
        assertTrue(v2.get("activationTime").asText().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"));
        assertTrue(v2.get("activationEndTime").asText().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"));

        assertEquals("STATUS_WAIT_CODE", sa(key, "action=getStatus&id=" + id));
        assertEquals("{\"verificationType\":0,\"sms\":null,\"call\":null}", sa(key, "action=getStatusV2&id=" + id));
        assertEquals("STATUS_WAIT_CODE", sa(key, "action=getFullSms&id=" + id));
        assertEquals("ACCESS_READY", sa(key, "action=setStatus&status=1&id=" + id));
        assertEquals("BAD_STATUS", sa(key, "action=setStatus&status=6&id=" + id), "no code yet to finish with");
        assertEquals("BAD_STATUS", sa(key, "action=setStatus&status=3&id=" + id), "no code yet to repeat");
        assertEquals("BAD_STATUS", sa(key, "action=setStatus&status=5&id=" + id));
        assertEquals("EARLY_CANCEL_DENIED", sa(key, "action=setStatus&status=8&id=" + id));

        JsonNode active = Http.JSON.readTree(sa(key, "action=getActiveActivations"));
        assertEquals("success", active.get("status").asText());
        assertEquals(id, active.at("/activeActivations/0/activationId").asInt());
        assertEquals("tg", active.at("/activeActivations/0/serviceCode").asText());

        sms(key, id, "Telegram code: 48213");
        assertEquals("STATUS_OK:48213", sa(key, "action=getStatus&id=" + id));
        assertEquals("FULL_SMS:Telegram code: 48213", sa(key, "action=getFullSms&id=" + id));
        JsonNode v2status = Http.JSON.readTree(sa(key, "action=getStatusV2&id=" + id));
        assertEquals("48213", v2status.at("/sms/code").asText());
        assertEquals("Telegram code: 48213", v2status.at("/sms/text").asText());
        assertEquals("BAD_STATUS", sa(key, "action=setStatus&status=8&id=" + id), "no cancelling once a code arrived");

        assertEquals("ACCESS_RETRY_GET", sa(key, "action=setStatus&status=3&id=" + id));
        assertEquals("STATUS_WAIT_RETRY:48213", sa(key, "action=getStatus&id=" + id));
        sms(key, id, "Telegram code: 55100");
        assertEquals("STATUS_OK:55100", sa(key, "action=getStatus&id=" + id));
        assertEquals("ACCESS_ACTIVATION", sa(key, "action=setStatus&status=6&id=" + id));
        assertEquals("ACCESS_ACTIVATION", sa(key, "action=setStatus&status=6&id=" + id), "a retried finish answers the same");
        assertEquals("STATUS_OK:55100", sa(key, "action=getStatus&id=" + id));
        assertEquals("ACCESS_BALANCE:99.50", sa(key, "action=getBalance"));

        int second = buy(key, "tg");
        CLOCK.advance(Duration.ofMinutes(3));
        assertEquals("ACCESS_CANCEL", sa(key, "action=setStatus&status=-1&id=" + second), "-1 cancels too");
        assertEquals("ACCESS_CANCEL", sa(key, "action=setStatus&status=8&id=" + second), "a retried cancel answers the same");
        assertEquals("STATUS_CANCEL", sa(key, "action=getStatus&id=" + second));
        assertEquals("BAD_STATUS", sa(key, "action=setStatus&status=1&id=" + second));
        assertEquals("ACCESS_BALANCE:99.50", sa(key, "action=getBalance"), "refunded");
    }

    @Test
    void theJavaSdksOwnActionsAnswerTheBalanceAndThePagedLiveActivations() {
        String key = http.newSandboxAccount();
        assertEquals("ACCESS_BALANCE:100.00", sa(key, "action=getBalanceAndCashBack"), "no cashback: the balance");
        assertEquals("{\"status\":\"success\",\"data\":[],\"existNext\":false,\"quant\":0}", sa(key, "action=getListOfActiveActivations"),
                "none is an empty list, not a token the SDK could not parse");
        long at = CLOCK.instant().getEpochSecond();
        String[] first = sa(key, "action=getNumber&service=tg&country=0").split(":");
        CLOCK.advance(Duration.ofSeconds(11)); // past the duplicate window
        String[] second = sa(key, "action=getNumber&service=vi&country=0").split(":");
        assertEquals("ACCESS_BALANCE:99.00", sa(key, "action=getBalanceAndCashBack"), "both held");
        String newest = "{\"id\":" + second[1] + ",\"forward\":0,\"phone\":\"" + second[2] + "\",\"createDate\":" + (at + 11)
                + ",\"finishDate\":" + (at + 11 + 1200) + ",\"service\":\"vi\",\"country\":0,\"forwardNumber\":\"\"}";
        String oldest = "{\"id\":" + first[1] + ",\"forward\":0,\"phone\":\"" + first[2] + "\",\"createDate\":" + at
                + ",\"finishDate\":" + (at + 1200) + ",\"service\":\"tg\",\"country\":0,\"forwardNumber\":\"\"}";
        assertEquals("{\"status\":\"success\",\"data\":[" + newest + "," + oldest + "],\"existNext\":false,\"quant\":2}",
                sa(key, "action=getListOfActiveActivations"));
        assertEquals("{\"status\":\"success\",\"data\":[" + newest + "],\"existNext\":true,\"quant\":2}",
                sa(key, "action=getListOfActiveActivations&start=0&length=1"));
        assertEquals("{\"status\":\"success\",\"data\":[" + oldest + "],\"existNext\":false,\"quant\":2}",
                sa(key, "action=getListOfActiveActivations&start=1&length=abc"), "a length that is no number counts as not given");
        assertEquals("{\"status\":\"success\",\"data\":[],\"existNext\":false,\"quant\":2}",
                sa(key, "action=getListOfActiveActivations&start=5"), "past the end: empty");
    }

    @Test
    void idsThatAreNotNumbersAreWrongAndAnotherAccountsIdsAreUnknownAndUntouched() {
        String mine = http.newSandboxAccount();
        String theirs = http.newSandboxAccount();
        int id = buy(theirs, "tg");
        for (String action : new String[] {"getStatus", "getStatusV2", "getFullSms"}) {
            assertEquals("NO_ACTIVATION", sa(mine, "action=" + action + "&id=" + id));
            assertEquals("NO_ACTIVATION", sa(mine, "action=" + action + "&id=2147483647"));
            assertEquals("WRONG_ACTIVATION_ID", sa(mine, "action=" + action + "&id=abc"));
            assertEquals("WRONG_ACTIVATION_ID", sa(mine, "action=" + action + "&id=99999999999"));
            assertEquals("WRONG_ACTIVATION_ID", sa(mine, "action=" + action));
        }
        CLOCK.advance(Duration.ofMinutes(3));
        for (String status : new String[] {"1", "3", "6", "8"}) {
            assertEquals("NO_ACTIVATION", sa(mine, "action=setStatus&status=" + status + "&id=" + id));
        }
        assertEquals("WRONG_ACTIVATION_ID", sa(mine, "action=setStatus&status=8&id=-5"));
        assertEquals("STATUS_WAIT_CODE", sa(theirs, "action=getStatus&id=" + id), "nothing changed");
    }

    @Test
    void theCatalogueActionsAnswerInTheProtocolsShapes() throws Exception {
        String key = http.newSandboxAccount();
        JsonNode status = Http.JSON.readTree(sa(key, "action=getNumbersStatus&country=0"));
        assertEquals("7", status.get("vi_0").asText());
        assertEquals("0", status.get("ds_0").asText());
        assertEquals("BAD_COUNTRY", sa(key, "action=getNumbersStatus&country=x"));

        assertEquals("{\"0\":{\"vi\":{\"cost\":0.50,\"count\":7}}}", sa(key, "action=getPrices&service=vi&country=0"));
        assertEquals("{}", sa(key, "action=getPrices&service=ds&country=0"), "sold out is left out");
        assertEquals("BAD_SERVICE", sa(key, "action=getPrices&service=zzz"));
        assertEquals("BAD_COUNTRY", sa(key, "action=getPrices&country=-3"));

        JsonNode top = Http.JSON.readTree(sa(key, "action=getTopCountriesByService&service=go"));
        assertTrue(top.size() > 1, top.toString());
        assertTrue(top.at("/0/price").decimalValue().compareTo(top.at("/1/price").decimalValue()) <= 0, "cheapest first");
        for (String field : new String[] {"country", "price", "retail_price", "count"}) {
            assertTrue(top.get("0").has(field), field);
        }
        assertEquals("BAD_SERVICE", sa(key, "action=getTopCountriesByService"));

        JsonNode countries = Http.JSON.readTree(sa(key, "action=getCountries"));
        assertEquals("Russia", countries.at("/0/eng").asText());
        assertEquals(187, countries.at("/187/id").asInt());
        JsonNode services = Http.JSON.readTree(sa(key, "action=getServicesList"));
        assertEquals("success", services.get("status").asText());
        assertTrue(services.get("services").toString().contains("{\"code\":\"tg\",\"name\":\"Telegram\"}"), services.toString());
        assertEquals("{\"status\":\"success\",\"countryOperators\":{\"0\":[\"any\"]}}", sa(key, "action=getOperators&country=0"));
        assertEquals("BAD_COUNTRY", sa(key, "action=getOperators&country=100000"));
    }

    private static final java.time.format.DateTimeFormatter TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(java.time.ZoneOffset.UTC);

    /** The phone of an activation, as getNumber gave it. */
    private static String phone(String key, int id) {
        return http.get("/v1/activations/" + id, key).json().get("phone").asText().substring(1);
    }

    @Test
    void getHistoryListsTheEndedActivationsNewestFirstInTheProtocolsShape() {
        String key = http.newSandboxAccount();
        assertEquals("[]", sa(key, "action=getHistory"), "nothing ended yet");
        java.time.Instant firstAt = CLOCK.instant();
        int finished = buy(key, "tg");
        sms(key, finished, "Telegram code: 11111");
        assertEquals("ACCESS_ACTIVATION", sa(key, "action=setStatus&status=6&id=" + finished));
        CLOCK.advance(Duration.ofMinutes(1));
        java.time.Instant secondAt = CLOCK.instant();
        int cancelled = buy(key, "tg");
        CLOCK.advance(Duration.ofMinutes(3));
        assertEquals("ACCESS_CANCEL", sa(key, "action=setStatus&status=8&id=" + cancelled));
        buy(key, "tg"); // live: no part of the history

        String cancelledJson = "{\"id\":" + cancelled + ",\"date\":\"" + TIME.format(secondAt) + "\",\"phone\":\"" + phone(key, cancelled)
                + "\",\"sms\":null,\"cost\":0.00,\"status\":\"4\",\"currency\":840}";
        String finishedJson = "{\"id\":" + finished + ",\"date\":\"" + TIME.format(firstAt) + "\",\"phone\":\"" + phone(key, finished)
                + "\",\"sms\":\"Telegram code: 11111\",\"cost\":0.50,\"status\":\"3\",\"currency\":840}";
        Http.Response all = http.get("/stubs/handler_api.php?api_key=" + key + "&action=getHistory", null);
        assertEquals("[" + cancelledJson + "," + finishedJson + "]", all.text());
        assertTrue(all.contentType().startsWith("application/json"), all.contentType());
        assertEquals("[" + finishedJson + "]", sa(key, "action=getHistory&offset=1&limit=1"));
        assertEquals("[" + cancelledJson + "]", sa(key, "action=getHistory&size=1"), "HeroSMS's name for the page size");
        assertEquals("[" + cancelledJson + "]", sa(key, "action=getHistory&start=" + secondAt.getEpochSecond()));
        assertEquals("[" + finishedJson + "]", sa(key, "action=getHistory&end=" + secondAt.getEpochSecond()), "end is exclusive");
        assertEquals("[" + cancelledJson + "," + finishedJson + "]", sa(key, "action=getHistory&start=" + firstAt.getEpochSecond()
                + "&end=" + (firstAt.getEpochSecond() + 30 * 86_400)), "30 days apart is allowed");
        assertEquals("[" + cancelledJson + "," + finishedJson + "]", sa(key, "action=getHistory&limit=9999999"), "a page is at most 100");
        assertEquals("[]", sa(key, "action=getHistory&offset=99999999999"));
        assertEquals("[]", sa(key, "action=getHistory&limit=0"));
        assertEquals("[]", sa(http.newSandboxAccount(), "action=getHistory"), "another account's history is its own");

        for (String wrong : new String[] {"start=abc", "end=-5", "start=99999999999999", "start=1.5",
                "start=" + secondAt.getEpochSecond() + "&end=" + firstAt.getEpochSecond(),
                "start=" + firstAt.getEpochSecond() + "&end=" + (firstAt.getEpochSecond() + 30 * 86_400 + 1)}) {
            assertEquals("WRONG_DATE", sa(key, "action=getHistory&" + wrong), wrong);
        }
    }

    @Test
    void getAllSmsGivesEverySmsOfAnActivationNewestFirst() throws Exception {
        String key = http.newSandboxAccount();
        int id = buy(key, "tg");
        assertEquals("{\"data\":[],\"meta\":{\"total\":0,\"service\":\"tg\"}}", sa(key, "action=getAllSms&id=" + id));
        java.time.Instant at = CLOCK.instant();
        assertEquals(200, http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"sender\":\"Telegram\",\"text\":\"Telegram code: 22222\"}").status());
        assertEquals("ACCESS_RETRY_GET", sa(key, "action=setStatus&status=3&id=" + id));
        assertEquals(200, http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"sender\":\"Telegram\",\"text\":\"Not a code\"}").status());
        JsonNode messages = http.get("/v1/activations/" + id, key).json().get("messages");
        String older = "{\"id\":" + messages.get(0).get("id").asLong() + ",\"phoneFrom\":\"Telegram\",\"text\":\"Telegram code: 22222\",\"code\":\"22222\",\"date\":\""
                + TIME.format(at) + "\"}";
        String newer = "{\"id\":" + messages.get(1).get("id").asLong() + ",\"phoneFrom\":\"Telegram\",\"text\":\"Not a code\",\"code\":null,\"date\":\""
                + TIME.format(at) + "\"}";
        Http.Response r = http.get("/stubs/handler_api.php?api_key=" + key + "&action=getAllSms&id=" + id, null);
        assertEquals("{\"data\":[" + newer + "," + older + "],\"meta\":{\"total\":2,\"service\":\"tg\"}}", r.text());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        assertEquals("{\"data\":[" + newer + "],\"meta\":{\"total\":2,\"service\":\"tg\"}}", sa(key, "action=getAllSms&size=1&id=" + id));
        assertEquals("{\"data\":[" + older + "],\"meta\":{\"total\":2,\"service\":\"tg\"}}", sa(key, "action=getAllSms&size=1&page=2&id=" + id));
        assertEquals("{\"data\":[],\"meta\":{\"total\":2,\"service\":\"tg\"}}", sa(key, "action=getAllSms&page=99999999999&id=" + id));

        String other = http.newSandboxAccount();
        assertEquals("NO_ACTIVATION", sa(other, "action=getAllSms&id=" + id), "another account's activation is unknown");
        assertEquals("NO_ACTIVATION", sa(key, "action=getAllSms&id=2147483647"));
        assertEquals("WRONG_ACTIVATION_ID", sa(key, "action=getAllSms&id=abc"));
        assertEquals("WRONG_ACTIVATION_ID", sa(key, "action=getAllSms&id=99999999999"));
        assertEquals("WRONG_ACTIVATION_ID", sa(key, "action=getAllSms"));
        assertEquals("BAD_KEY", sa("api_key=nope&action=getAllSms&id=" + id));
    }

    @Test
    void getTopCountriesByServiceRankIsGetTopCountriesByServiceForEveryAccount() throws Exception {
        String key = http.newSandboxAccount();
        assertEquals(sa(key, "action=getTopCountriesByService&service=go"), sa(key, "action=getTopCountriesByServiceRank&service=go"),
                "Numpool has no loyalty ranks: every account's price is the same");
        assertEquals("BAD_SERVICE", sa(key, "action=getTopCountriesByServiceRank"));
        assertEquals("BAD_SERVICE", sa(key, "action=getTopCountriesByServiceRank&service=zz"));
        JsonNode free = Http.JSON.readTree(sa(key, "action=getTopCountriesByServiceRank&service=go&freePrice=true"));
        JsonNode first = free.get("0");
        assertEquals(first.get("count").asInt(), first.get("freePriceMap").get(first.get("price").decimalValue().toPlainString()).asInt(),
                "all of an offer's stock is at its one price: " + first);
        assertEquals(sa(key, "action=getTopCountriesByService&service=go&freePrice=true"),
                sa(key, "action=getTopCountriesByServiceRank&service=go&freePrice=true"));
        assertEquals("BAD_KEY", sa("api_key=nope&action=getTopCountriesByServiceRank&service=go"));
    }

    @Test
    void getCountriesNamesEveryCountryInEnglishRussianAndChinese() throws Exception {
        String key = http.newSandboxAccount();
        JsonNode countries = Http.JSON.readTree(sa(key, "action=getCountries"));
        assertEquals("{\"id\":0,\"eng\":\"Russia\",\"rus\":\"Россия\",\"chn\":\"俄罗斯\",\"visible\":1,\"retry\":1}", countries.get("0").toString());
        assertEquals("{\"id\":187,\"eng\":\"United States\",\"rus\":\"Соединенные Штаты\",\"chn\":\"美国\",\"visible\":1,\"retry\":1}",
                countries.get("187").toString());
        assertEquals("Германия", countries.at("/43/rus").asText());
        assertEquals("巴西", countries.at("/73/chn").asText());
        assertTrue(countries.size() > 50, countries.toString());
        for (JsonNode c : countries) {
            assertTrue(c.get("rus").asText().matches("[А-Яа-яЁё() -]+"), "a Russian name: " + c);
            assertTrue(c.get("chn").asText().codePoints().allMatch(cp -> Character.UnicodeScript.of(cp) == Character.UnicodeScript.HAN),
                    "a Chinese name: " + c);
        }
        assertEquals("BAD_KEY", sa("api_key=nope&action=getCountries"));
    }

    @Test
    void anActivationBoughtWithTheNativeApiIsPolledAndFinishedHere() {
        String key = http.newSandboxAccount();
        Http.Response bought = http.order(key, "native-" + System.nanoTime(), "{\"service\":\"tg\",\"country\":0}");
        assertEquals(201, bought.status());
        int id = bought.json().get("id").asInt();
        assertEquals("STATUS_WAIT_CODE", sa(key, "action=getStatus&id=" + id));
        sms(key, id, "Telegram code: 31337");
        assertEquals("STATUS_OK:31337", sa(key, "action=getStatus&id=" + id));
        assertEquals("ACCESS_ACTIVATION", sa(key, "action=setStatus&status=6&id=" + id));
        assertEquals("finished", http.get("/v1/activations/" + id, key).json().get("status").asText());
    }
}
