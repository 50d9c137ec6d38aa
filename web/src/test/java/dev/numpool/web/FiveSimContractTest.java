package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 5sim compatible API: its paths, JSON shapes, statuses and plain-text errors, beside the
 * native API under the same {@code /v1}.
 */
class FiveSimContractTest {
    private static final TestClock CLOCK = new TestClock();
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("compat.duplicate-window-seconds", "10"); // the default: repeats of one offer need the clock moved
        config.put("inventory.simulator.offers.0.service", "ds");
        config.put("inventory.simulator.offers.0.country", "0");
        config.put("inventory.simulator.offers.0.stock", "0");
        config.put("inventory.simulator.offers.0.cost", "0.10");
        config.put("inventory.simulator.offers.1.service", "vi");
        config.put("inventory.simulator.offers.1.country", "0");
        config.put("inventory.simulator.offers.1.stock", "7");
        config.put("inventory.simulator.offers.1.cost", "0.40");
        config.put("inventory.simulator.offers.2.service", "go");
        config.put("inventory.simulator.offers.2.country", "187");
        config.put("inventory.simulator.offers.2.stock", "3");
        config.put("inventory.simulator.offers.2.cost", "500");
        node = TestNodes.start(config, CLOCK);
        http = new Http(node.url());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static JsonNode bought(String key, String path) {
        Http.Response r = http.get("/v1/user/buy/activation/" + path, key);
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    @Test
    void guestRoutesNameCountriesAndProductsAs5simDoes() {
        JsonNode products = http.get("/v1/guest/products/russia/any", null).json();
        assertEquals("activation", products.at("/viber/Category").asText());
        assertEquals(7, products.at("/viber/Qty").asInt());
        assertEquals("0.5", products.at("/viber/Price").decimalValue().stripTrailingZeros().toPlainString());
        assertTrue(products.at("/discord").isMissingNode(), "sold out is left out");
        assertEquals(400, http.get("/v1/guest/products/atlantis/any", null).status());
        assertEquals("bad country", http.get("/v1/guest/products/atlantis/any", null).text());
        assertEquals("bad operator", http.get("/v1/guest/products/russia/beeline", null).text());

        JsonNode prices = http.get("/v1/guest/prices?country=russia&product=viber", null).json();
        assertEquals(7, prices.at("/russia/viber/any/count").asInt());
        assertTrue(prices.at("/russia/viber/any/rate").asDouble() > 0, "the delivery percent: " + prices);
        assertEquals("no product", http.get("/v1/guest/prices?product=nothing", null).text());
        assertEquals("bad country", http.get("/v1/guest/prices?country=mars", null).text());
        assertTrue(http.get("/v1/guest/prices", null).json().at("/usa/google/any/count").asInt() > 0);
    }

    @Test
    void userRoutesWithoutAGoodKeyAre401WithAnEmptyBody() {
        for (String path : new String[] {"/v1/user/profile", "/v1/user/buy/activation/russia/any/viber", "/v1/user/check/1",
                "/v1/user/finish/1", "/v1/user/cancel/1", "/v1/user/ban/1"}) {
            Http.Response none = http.get(path, null);
            assertEquals(401, none.status(), path);
            assertEquals(0, none.body().length, path);
            assertEquals(401, http.get(path, "wrong-key").status(), path);
        }
        assertEquals(404, http.get("/v1/nothing", null).status(), "the native API's own 404 still answers the rest of /v1");
    }

    @Test
    void anOrderIsBoughtCheckedAndFinishedInTheProtocolsShapes() {
        String key = http.newSandboxAccount();
        JsonNode profile = http.get("/v1/user/profile", key).json();
        assertEquals("100.0", profile.get("balance").decimalValue().toPlainString().replace("100.00", "100.0"));

        JsonNode order = bought(key, "russia/any/telegram");
        int id = order.get("id").asInt();
        assertTrue(order.get("phone").asText().matches("\\+79[0-9]{9}"), order.toString());
        assertEquals("RECEIVED", order.get("status").asText());
        assertEquals("telegram", order.get("product").asText());
        assertEquals("russia", order.get("country").asText());
        assertEquals("any", order.get("operator").asText());
        assertEquals(0, order.get("sms").size());
        assertTrue(order.has("expires") && order.has("created_at") && order.has("price"));

        assertEquals("order no sms", http.get("/v1/user/finish/" + id, key).text());
        assertEquals("order not cancelable yet", http.get("/v1/user/cancel/" + id, key).text());
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"sender\":\"Telegram\",\"text\":\"Telegram code: 40404\"}");
        JsonNode checked = http.get("/v1/user/check/" + id, key).json();
        assertEquals("RECEIVED", checked.get("status").asText());
        assertEquals("40404", checked.at("/sms/0/code").asText());
        assertEquals("Telegram code: 40404", checked.at("/sms/0/text").asText());
        assertEquals("Telegram", checked.at("/sms/0/sender").asText());
        Http.Response hasSms = http.get("/v1/user/cancel/" + id, key);
        assertEquals(400, hasSms.status());
        assertEquals("order has sms", hasSms.text());

        assertEquals("FINISHED", http.get("/v1/user/finish/" + id, key).json().get("status").asText());
        assertEquals("FINISHED", http.get("/v1/user/finish/" + id, key).json().get("status").asText(), "a retried finish");
        assertEquals("finished", http.get("/v1/activations/" + id, key).json().get("status").asText(), "one activation, every API");
    }

    @Test
    void cancelAndBanRefundAndErrorsArePlainText() {
        String key = http.newSandboxAccount();
        int first = bought(key, "russia/any/viber").get("id").asInt();
        assertEquals(first, bought(key, "russia/any/viber").get("id").asInt(), "a repeat within the duplicate window is the same order");
        CLOCK.advance(Duration.ofSeconds(11));
        int second = bought(key, "russia/any/viber").get("id").asInt();
        CLOCK.advance(Duration.ofMinutes(3));
        assertEquals("CANCELED", http.get("/v1/user/cancel/" + first, key).json().get("status").asText());
        assertEquals("BANNED", http.get("/v1/user/ban/" + second, key).json().get("status").asText());
        assertEquals("CANCELED", http.get("/v1/user/check/" + second, key).json().get("status").asText());
        assertEquals("order expired", http.get("/v1/user/finish/" + first, key).text());
        assertEquals(0, http.get("/v1/user/profile", key).json().get("frozen_balance").decimalValue().signum(), "both refunded");

        Http.Response none = http.get("/v1/user/buy/activation/russia/any/discord", key);
        assertEquals(200, none.status(), "5sim answers no free phones with 200");
        assertEquals("no free phones", none.text());
        Http.Response poor = http.get("/v1/user/buy/activation/usa/any/google", key);
        assertEquals(400, poor.status());
        assertEquals("not enough user balance", poor.text());
        assertEquals("bad country", http.get("/v1/user/buy/activation/mars/any/viber", key).text());
        assertEquals("bad operator", http.get("/v1/user/buy/activation/russia/MTS!/viber", key).text());
        assertEquals("no product", http.get("/v1/user/buy/activation/russia/any/nothing", key).text());
        assertEquals("bad maxPrice", http.get("/v1/user/buy/activation/russia/any/viber?maxPrice=-1", key).text());
        assertEquals("no free phones", http.get("/v1/user/buy/activation/russia/any/viber?maxPrice=0.01", key).text());

        String other = http.newSandboxAccount();
        assertEquals(404, http.get("/v1/user/check/" + first, other).status(), "another account's order is not found");
        assertEquals("order not found", http.get("/v1/user/check/" + first, other).text());
        assertEquals("order not found", http.get("/v1/user/finish/abc", key).text());
        assertEquals(404, http.get("/v1/user/check/99999999999", key).status());
    }

    private static Http.Response delete(String path, String key, String body) {
        return http.send(http.request(path, key).header("Content-Type", "application/json")
                .method("DELETE", java.net.http.HttpRequest.BodyPublishers.ofString(body)));
    }

    private static Http.Response postForm(String path, String key, String body) {
        // 5sim's own examples send the JSON body under a form content type.
        return http.send(http.request(path, key).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void newUserRoutesWithoutAGoodKeyAre401WithAnEmptyBody() {
        for (String path : new String[] {"/v1/user/orders?category=activation", "/v1/user/payments", "/v1/user/max-prices",
                "/v1/user/sms/inbox/1"}) {
            assertEquals(401, http.get(path, null).status(), path);
            assertEquals(0, http.get(path, null).body().length, path);
            assertEquals(401, http.get(path, "wrong-key").status(), path);
        }
        assertEquals(401, http.post("/v1/user/max-prices", "wrong-key", "{\"product_name\":\"viber\",\"price\":1}").status());
        assertEquals(401, delete("/v1/user/max-prices", null, "{\"product_name\":\"viber\"}").status());
    }

    @Test
    void guestCountriesNameEachCountryWithItsIsoPrefixAndEnglishAndRussianNames() {
        Http.Response r = http.get("/v1/guest/countries", null);
        assertEquals(200, r.status());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        JsonNode countries = r.json();
        assertEquals("{\"iso\":{\"ru\":1},\"prefix\":{\"+7\":1},\"text_en\":\"Russia\",\"text_ru\":\"Россия\",\"any\":{\"activation\":1}}",
                countries.get("russia").toString());
        assertEquals("{\"iso\":{\"gb\":1},\"prefix\":{\"+44\":1},\"text_en\":\"United Kingdom\",\"text_ru\":\"Великобритания\",\"any\":{\"activation\":1}}",
                countries.get("england").toString());
        assertEquals("Соединенные Штаты", countries.at("/usa/text_ru").asText());
        assertTrue(countries.size() > 50, countries.toString());
        countries.forEach(c -> assertTrue(c.get("text_ru").asText().matches("[А-Яа-яЁё() -]+"), c.toString()));
    }

    @Test
    void ordersListTheAccountsOrdersPagedAs5simPagesThem() {
        String key = http.newSandboxAccount();
        assertEquals("{\"Data\":[],\"ProductNames\":[],\"Statuses\":[],\"Total\":0}", http.get("/v1/user/orders?category=activation", key).text());
        int first = bought(key, "russia/any/telegram").get("id").asInt();
        CLOCK.advance(Duration.ofSeconds(11));
        int second = bought(key, "russia/any/telegram").get("id").asInt();
        String a = http.get("/v1/user/check/" + first, key).text();
        String b = http.get("/v1/user/check/" + second, key).text();
        Http.Response oldestFirst = http.get("/v1/user/orders?category=activation", key);
        assertEquals(200, oldestFirst.status());
        assertEquals("{\"Data\":[" + a + "," + b + "],\"ProductNames\":[],\"Statuses\":[],\"Total\":2}", oldestFirst.text());
        assertEquals("{\"Data\":[" + b + "," + a + "],\"ProductNames\":[],\"Statuses\":[],\"Total\":2}",
                http.get("/v1/user/orders?category=activation&limit=100&offset=0&order=id&reverse=true", key).text());
        assertEquals("{\"Data\":[" + a + "],\"ProductNames\":[],\"Statuses\":[],\"Total\":2}",
                http.get("/v1/user/orders?category=activation&limit=1&offset=1&reverse=true", key).text());
        assertEquals("{\"Data\":[],\"ProductNames\":[],\"Statuses\":[],\"Total\":2}",
                http.get("/v1/user/orders?category=activation&offset=99999999999", key).text());
        assertEquals("{\"Data\":[],\"ProductNames\":[],\"Statuses\":[],\"Total\":2}",
                http.get("/v1/user/orders?category=activation&limit=0", key).text());
        assertEquals(oldestFirst.text(), http.get("/v1/user/orders?category=activation&limit=abc&offset=-1&reverse=maybe", key).text(),
                "unreadable paging is the default page");
        assertEquals("{\"Data\":[],\"ProductNames\":[],\"Statuses\":[],\"Total\":0}", http.get("/v1/user/orders?category=hosting", key).text());
        for (String query : new String[] {"", "?category=rent", "?category="}) {
            Http.Response bad = http.get("/v1/user/orders" + query, key);
            assertEquals(400, bad.status(), query);
            assertEquals("bad category", bad.text());
        }
        assertEquals("{\"Data\":[],\"ProductNames\":[],\"Statuses\":[],\"Total\":0}",
                http.get("/v1/user/orders?category=activation", http.newSandboxAccount()).text(), "another account's orders are its own");
    }

    @Test
    void paymentsListEveryMovementWithTheBalanceAfterIt() {
        String key = http.newSandboxAccount();
        JsonNode credit = http.get("/v1/balance/transactions", key).json().at("/data/0");
        String creditJson = "{\"ID\":" + credit.get("id").asLong() + ",\"TypeName\":\"sandbox_credit\",\"ProviderName\":\"sandbox\",\"Amount\":100.00,"
                + "\"Balance\":100.00,\"CreatedAt\":\"" + credit.get("createdAt").asText() + "\"}";
        assertEquals("{\"Data\":[" + creditJson + "],\"PaymentTypes\":[{\"Name\":\"sandbox_credit\"}],\"PaymentProviders\":[{\"Name\":\"sandbox\"}],\"Total\":1}",
                http.get("/v1/user/payments", key).text());
        bought(key, "russia/any/telegram");
        JsonNode hold = http.get("/v1/balance/transactions", key).json().at("/data/0");
        java.math.BigDecimal price = new java.math.BigDecimal(hold.get("amount").asText());
        String holdJson = "{\"ID\":" + hold.get("id").asLong() + ",\"TypeName\":\"hold\",\"ProviderName\":\"activation\",\"Amount\":-" + price.toPlainString()
                + ",\"Balance\":" + new java.math.BigDecimal("100.00").subtract(price).toPlainString() + ",\"CreatedAt\":\"" + hold.get("createdAt").asText() + "\"}";
        String types = "\"PaymentTypes\":[{\"Name\":\"hold\"},{\"Name\":\"sandbox_credit\"}],"
                + "\"PaymentProviders\":[{\"Name\":\"activation\"},{\"Name\":\"sandbox\"}]";
        assertEquals("{\"Data\":[" + holdJson + "," + creditJson + "]," + types + ",\"Total\":2}",
                http.get("/v1/user/payments?limit=15&offset=0&order=id&reverse=true", key).text());
        assertEquals("{\"Data\":[" + creditJson + "," + holdJson + "]," + types + ",\"Total\":2}", http.get("/v1/user/payments", key).text());
        assertEquals("{\"Data\":[" + creditJson + "],\"PaymentTypes\":[{\"Name\":\"sandbox_credit\"}],\"PaymentProviders\":[{\"Name\":\"sandbox\"}],\"Total\":2}",
                http.get("/v1/user/payments?limit=1&offset=1&reverse=true", key).text());
        assertEquals("{\"Data\":[],\"PaymentTypes\":[],\"PaymentProviders\":[],\"Total\":2}",
                http.get("/v1/user/payments?offset=99999999999", key).text());
        assertEquals("{\"Data\":[],\"PaymentTypes\":[],\"PaymentProviders\":[],\"Total\":2}", http.get("/v1/user/payments?limit=0", key).text());
    }

    @Test
    void maxPricesCapWhatA5simBuyPaysPerProduct() {
        String key = http.newSandboxAccount();
        assertEquals("[]", http.get("/v1/user/max-prices", key).text());
        Http.Response set = http.post("/v1/user/max-prices", key, "{\"product_name\":\"viber\",\"price\":0.10}");
        assertEquals(200, set.status(), set.text());
        assertEquals(0, set.body().length);
        JsonNode limits = http.get("/v1/user/max-prices", key).json();
        assertEquals("[{\"id\":" + limits.at("/0/id").asLong() + ",\"product\":\"viber\",\"price\":0.10,\"created_at\":\"" + CLOCK.instant() + "\"}]",
                http.get("/v1/user/max-prices", key).text());
        Http.Response capped = http.get("/v1/user/buy/activation/russia/any/viber", key);
        assertEquals(200, capped.status());
        assertEquals("no free phones", capped.text(), "the viber offer costs 0.50, above the limit");
        assertEquals("no free phones", http.get("/v1/user/buy/activation/russia/any/viber?maxPrice=5", key).text(), "the lower of the two counts");
        assertEquals(0, http.get("/v1/user/profile", key).json().get("frozen_balance").decimalValue().signum(), "nothing held");

        assertEquals(200, postForm("/v1/user/max-prices", key, "{\"product_name\":\"viber\",\"price\":\"0.5\"}").status(), "replaced");
        assertTrue(http.get("/v1/user/max-prices", key).text().contains("\"price\":0.50,"), "the limit is 0.50 now");
        assertEquals("RECEIVED", bought(key, "russia/any/viber").get("status").asText(), "at the limit it buys");
        assertEquals("[]", http.get("/v1/user/max-prices", http.newSandboxAccount()).text(), "another account's limits are its own");

        assertEquals(200, delete("/v1/user/max-prices", key, "{\"product_name\":\"viber\"}").status());
        assertEquals("[]", http.get("/v1/user/max-prices", key).text());
        assertEquals(200, delete("/v1/user/max-prices", key, "{\"product_name\":\"viber\"}").status(), "deleting twice is no error");

        for (String body : new String[] {"{\"product_name\":\"nothing\",\"price\":1}", "{\"price\":1}", "{\"product_name\":7,\"price\":1}"}) {
            Http.Response r = http.post("/v1/user/max-prices", key, body);
            assertEquals(400, r.status(), body);
            assertEquals("no product", r.text(), body);
        }
        for (String price : new String[] {"0", "-1", "\"abc\"", "1e999", "99999999999999", "0.0000001", "null", "true"}) {
            Http.Response r = http.post("/v1/user/max-prices", key, "{\"product_name\":\"viber\",\"price\":" + price + "}");
            assertEquals(400, r.status(), price);
            assertEquals("bad price", r.text(), price);
        }
        for (String body : new String[] {"", "not json", "[1]", "{\"product_name\":\"viber\",\"price\":1,\"extra\":1}",
                "{\"product_name\":\"viber\",\"price\":" + "1".repeat(20_000) + "}"}) {
            Http.Response r = http.post("/v1/user/max-prices", key, body);
            assertEquals(400, r.status(), body);
            assertEquals("bad request", r.text(), body);
        }
        assertEquals("no product", delete("/v1/user/max-prices", key, "{\"product_name\":\"nothing\"}").text());
        assertEquals("bad request", delete("/v1/user/max-prices", key, "nope").text());
        assertEquals("[]", http.get("/v1/user/max-prices", key).text(), "no refused request changed anything");
    }

    @Test
    void theSmsInboxListsAnOrdersSms() {
        String key = http.newSandboxAccount();
        int id = bought(key, "russia/any/telegram").get("id").asInt();
        assertEquals("{\"Data\":[],\"Total\":0}", http.get("/v1/user/sms/inbox/" + id, key).text());
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"sender\":\"Telegram\",\"text\":\"Telegram code: 40404\"}");
        JsonNode message = http.get("/v1/activations/" + id, key).json().at("/messages/0");
        Http.Response inbox = http.get("/v1/user/sms/inbox/" + id, key);
        assertEquals(200, inbox.status());
        assertEquals("{\"Data\":[{\"ID\":" + message.get("id").asLong() + ",\"created_at\":\"" + CLOCK.instant() + "\",\"date\":\"" + CLOCK.instant()
                + "\",\"sender\":\"Telegram\",\"text\":\"Telegram code: 40404\",\"code\":\"40404\",\"is_wave\":false,\"wave_uuid\":\"\"}],\"Total\":1}",
                inbox.text());
        for (String wrong : new String[] {"2147483647", "abc", "99999999999", "-1"}) {
            Http.Response r = http.get("/v1/user/sms/inbox/" + wrong, key);
            assertEquals(404, r.status(), wrong);
            assertEquals("order not found", r.text(), wrong);
        }
        assertEquals("order not found", http.get("/v1/user/sms/inbox/" + id, http.newSandboxAccount()).text(), "another account's order");
    }

    @Test
    void anOrderBoughtNativelyIsPolledWithSmsActivateAndFinishedWith5sim() {
        String key = http.newSandboxAccount();
        Http.Response bought = http.order(key, "mixed-" + System.nanoTime(), "{\"service\":\"tg\",\"country\":0}");
        int id = bought.json().get("id").asInt();
        String status = http.get("/stubs/handler_api.php?api_key=" + key + "&action=getStatus&id=" + id, null).text();
        assertEquals("STATUS_WAIT_CODE", status);
        http.post("/v1/sandbox/sms", key, "{\"activationId\":" + id + ",\"text\":\"Telegram code: 12121\"}");
        assertEquals("STATUS_OK:12121", http.get("/stubs/handler_api.php?api_key=" + key + "&action=getStatus&id=" + id, null).text());
        assertEquals("FINISHED", http.get("/v1/user/finish/" + id, key).json().get("status").asText());
        assertEquals("finished", http.get("/v1/activations/" + id, key).json().get("status").asText());
    }
}
