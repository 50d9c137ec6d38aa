package dev.numpool.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.FakeFiveSimUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Operator choice (issue 18): a 5sim upstream quotes Telegram in Russia through mts (900 numbers),
 * virtual21 (35, cheapest) and beeline (none); the simulator beside it sells by no operator. The
 * operators appear in sms-activate's getOperators, 5sim's products and prices and the native
 * catalogue, and an order naming one goes to the upstream that sells through it.
 */
class OperatorChoiceTest {
    private static FakeFiveSimUpstream upstream;
    private static Numpool node;
    private static Http http;

    @BeforeAll
    static void start() {
        upstream = FakeFiveSimUpstream.start("fivesim-key");
        upstream.price("0.09"); // what it charges for a number, whichever operator
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("inventory.providers.0.name", "fivesim-" + System.nanoTime());
        config.put("inventory.providers.0.protocol", "5sim");
        config.put("inventory.providers.0.url", upstream.url().toString());
        config.put("inventory.providers.0.api-key-env", "FIVESIM_KEY");
        config.put("workers.enabled", "true");
        config.put("workers.quotes-refresh-seconds", "1");
        node = TestNodes.start(config, new TestClock(), Map.of("FIVESIM_KEY", "fivesim-key"));
        http = new Http(node.url());
        Await.until("5sim's operators quoted", () -> http.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0/operators/0")
                .isMissingNode() ? null : true);
    }

    @AfterAll
    static void stop() {
        node.close();
        upstream.close();
    }

    @Test
    void theOperatorsUpstreamsQuoteAreListedByEveryApi() throws Exception {
        JsonNode operators = http.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0/operators");
        assertEquals(2, operators.size(), "beeline has no Telegram numbers: " + operators);
        assertEquals("mts", operators.at("/0/operator").asText());
        assertEquals(900, operators.at("/0/stock").asInt());
        assertEquals("virtual21", operators.at("/1/operator").asText());
        assertEquals(35, operators.at("/1/stock").asInt());

        String key = http.newSandboxAccount();
        assertEquals("{\"status\":\"success\",\"countryOperators\":{\"0\":[\"any\",\"megafon\",\"mts\",\"virtual21\"]}}",
                http.get("/stubs/handler_api.php?api_key=" + key + "&action=getOperators&country=0", null).text());

        JsonNode mts = http.get("/v1/guest/products/russia/mts", null).json();
        assertEquals(900, mts.at("/telegram/Qty").asInt(), mts.toString());
        assertEquals(operators.at("/0/price").asText(), mts.at("/telegram/Price").decimalValue().setScale(2).toPlainString());
        assertEquals("bad operator", http.get("/v1/guest/products/russia/beeline", null).text(), "nothing to sell through it now");
        assertEquals("bad operator", http.get("/v1/guest/products/england/mts", null).text(), "no mts in England");

        JsonNode prices = http.get("/v1/guest/prices?country=russia&product=telegram", null).json().at("/russia/telegram");
        assertTrue(prices.has("any") && prices.has("mts") && prices.has("virtual21"), prices.toString());
        assertEquals(35, prices.at("/virtual21/count").asInt());
        assertTrue(http.get("/v1/guest/countries", null).json().at("/russia").has("virtual21"));
    }

    @Test
    void anOrderNamingAnOperatorGoesToTheUpstreamThatSellsThroughIt() {
        String key = http.newSandboxAccount();
        Http.Response bought = http.order(key, "op-1", "{\"service\":\"tg\",\"country\":0,\"operator\":\"virtual21\"}");
        assertEquals(201, bought.status(), bought.text());
        assertEquals("virtual21", bought.json().get("operator").asText());
        assertTrue(bought.json().at("/routing/attempts/0/provider").asText().startsWith("fivesim-"), bought.text());
        assertTrue(upstream.requests(FakeFiveSimUpstream.BUY).stream().anyMatch(r -> r.arguments().get(1).equals("virtual21")),
                "bought at 5sim through virtual21");
        String price = http.get("/v1/catalog?service=tg&country=0", null).json().at("/offers/0/operators/1/price").asText();
        assertEquals(price, bought.json().get("price").asText(), "the operator's own price");

        Http.Response none = http.order(key, "op-2", "{\"service\":\"tg\",\"country\":0,\"operator\":\"beeline\"}");
        assertEquals(409, none.status(), "no provider sells through beeline now, and the simulator sells by no operator");
        assertEquals("/problems/no-numbers", none.json().get("type").asText());
        String sa = http.get("/stubs/handler_api.php?api_key=" + key + "&action=getNumber&service=tg&country=0&operator=mts", null).text();
        assertTrue(sa.startsWith("ACCESS_NUMBER:"), sa);
    }

    @Test
    void aPersonPicksAnOperatorOnTheWebsiteAndItsNumberIsBoughtThroughIt() {
        Browserless person = new Browserless(node.url());
        assertEquals(303, person.signUp("picker-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "@example.com", "correct horse battery").status());
        Browserless.Page confirm = person.get("/buy?service=tg&country=0");
        assertTrue(confirm.body().contains("<caption>Operators with numbers for Telegram in Russia</caption>"), confirm.body());
        java.util.regex.Matcher form = java.util.regex.Pattern.compile("name=\"operator\" value=\"virtual21\">\\s*<input type=\"hidden\" name=\"price\" value=\"([0-9]+)\">"
                + "\\s*<input type=\"hidden\" name=\"key\" value=\"([0-9a-f-]{36})\">\\s*<button type=\"submit\">Buy from virtual21 for USD").matcher(confirm.body());
        assertTrue(form.find(), "a button per operator, at its own price");
        long before = upstream.requests(FakeFiveSimUpstream.BUY).stream().filter(r -> r.arguments().get(1).equals("virtual21")).count();
        java.util.Map<String, String> fields = java.util.Map.of("service", "tg", "country", "0", "operator", "virtual21", "price", form.group(1), "key", form.group(2));
        Browserless.Page bought = person.post("/buy", fields);
        assertEquals(303, bought.status(), bought.body());
        assertTrue(bought.location().orElseThrow().matches("/activations/[0-9]+"), bought.location().orElseThrow());
        assertEquals(before + 1, upstream.requests(FakeFiveSimUpstream.BUY).stream().filter(r -> r.arguments().get(1).equals("virtual21")).count(),
                "bought at 5sim through virtual21");
        person.get("/buy?service=tg&country=0");
        assertEquals(bought.location(), person.post("/buy", fields).location(), "the same form twice buys once");
        person.get("/buy?service=tg&country=0");
        assertEquals(404, person.post("/buy", java.util.Map.of("service", "tg", "country", "0", "operator", "Bad Operator!", "price", form.group(1),
                "key", java.util.UUID.randomUUID().toString())).status(), "an operator that is no operator's name");
    }
}
