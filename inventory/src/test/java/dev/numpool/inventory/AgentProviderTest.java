package dev.numpool.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hub side of the agent protocol against a fake SIM-bank agent over real HTTP on 127.0.0.1. */
class AgentProviderTest {
    private static final JsonMapper JSON = new JsonMapper();
    private static Database db;
    private static InventoryStore store;
    private static List<Service> services;
    private static List<Country> countries;
    private final TestClock clock = new TestClock();

    @BeforeAll
    static void start() {
        db = TestServers.freshDatabase();
        store = new InventoryStore(db);
        services = store.services();
        countries = store.countries();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private AgentProvider agent(FakeAgent fake, String name) {
        return new AgentProvider(name, fake.url(), "agent-key", Duration.ofMillis(500), 100_000, 840, store, clock, services, countries);
    }

    private Provider.Order order(String service, List<String> excluded) {
        return new Provider.Order(service, countries.stream().filter(c -> c.id() == 0).findFirst().orElseThrow(), "any", 100_000, excluded);
    }

    @Test
    void getServicesBecomesQuotesPerOperatorAndSummedForAnyAtTheConfiguredPrice() {
        try (FakeAgent fake = FakeAgent.start("agent-key"); AgentProvider agent = agent(fake, "agent-q")) {
            Provider.Fetched.Quotes quotes = assertInstanceOf(Provider.Fetched.Quotes.class, agent.fetchQuotes());
            Map<String, Integer> stock = quotes.quotes().stream()
                    .collect(Collectors.toMap(q -> q.service() + ":" + q.country() + ":" + q.operator(), Provider.OfferQuote::stock));
            assertEquals(Map.of("wa:0:beeline", 20, "tg:0:beeline", 17, "wa:0:mts", 5, "wa:0:any", 25, "tg:0:any", 17), stock,
                    "atlantis is no country of the catalogue and is left out");
            assertTrue(quotes.quotes().stream().allMatch(q -> q.costMicros() == 100_000));
            JsonNode asked = fake.requests("GET_SERVICES").getFirst();
            assertEquals("agent-key", asked.get("key").asText());
        }
    }

    @Test
    void everyErrorFormOfGetServicesIsAFailureNotAnEmptyStock() {
        try (FakeAgent fake = FakeAgent.start("agent-key"); AgentProvider agent = agent(fake, "agent-e")) {
            Map<FakeAgent.Answer, String> cases = Map.of(
                    FakeAgent.Answer.json("{\"status\":\"ERROR\",\"error\":\"BAD_KEY\"}"), "agent error: ERROR: BAD_KEY",
                    FakeAgent.Answer.json("<html>502 Bad Gateway</html>"), "garbage: <html>502 Bad Gateway</html>",
                    new FakeAgent.Answer(500, "{\"status\":\"ERROR\"}", Duration.ZERO), "http 500",
                    FakeAgent.Answer.json("{\"status\":\"SUCCESS\"}"), "garbage: no countryList",
                    FakeAgent.Answer.json("{\"status\":\"SUCCESS\",\"countryList\":[]}").after(Duration.ofSeconds(3)), "timeout");
            cases.forEach((answer, reason) -> {
                fake.answer("GET_SERVICES", answer);
                assertEquals(new Provider.Fetched.Failed(reason), agent.fetchQuotes());
            });
            fake.answer("GET_SERVICES", FakeAgent.Answer.json("{\"status\":\"NO_NUMBERS\"}"));
            assertEquals(new Provider.Fetched.Quotes(List.of()), agent.fetchQuotes());
        }
    }

    @Test
    void getNumberOffersTheSumAndRecordsTheSaleByPhoneSoAPushFindsIt() {
        try (FakeAgent fake = FakeAgent.start("agent-key"); AgentProvider agent = agent(fake, "agent-b")) {
            List<InboundSms> received = new CopyOnWriteArrayList<>();
            agent.listen(received::add);
            Provider.Purchase.Got got = assertInstanceOf(Provider.Purchase.Got.class, agent.buy(order("wa", List.of("7999"))));
            JsonNode asked = fake.requests("GET_NUMBER").getFirst();
            assertEquals("russia", asked.get("country").asText());
            assertEquals("wa", asked.get("service").asText());
            assertEquals("any", asked.get("operator").asText());
            assertEquals(0, new java.math.BigDecimal("0.10").compareTo(asked.get("sum").decimalValue()), "sum is the configured price");
            assertEquals(840, asked.get("currency").asInt());
            assertEquals("7999", asked.at("/exceptionPhoneSet/0").asText());
            assertTrue(got.phone().e164().startsWith("+7915"));

            com.fasterxml.jackson.databind.node.ObjectNode push = JSON.createObjectNode().put("action", "PUSH_SMS").put("key", "agent-key").put("smsId", 77)
                    .put("phone", Long.parseLong(got.phone().digits())).put("phoneFrom", "WhatsApp").put("text", "WhatsApp code 123-456");
            assertInstanceOf(InboundResult.Delivered.class, agent.receivePush(push));
            assertEquals(1, received.size());
            assertEquals(got.providerRef(), received.getFirst().providerRef());
            assertEquals("agent:77", received.getFirst().messageId(), "a repeated push carries the same id, so intake ignores it");

            assertInstanceOf(InboundResult.Unauthorized.class, agent.receivePush(push.deepCopy().put("key", "agent-kez")));
            assertInstanceOf(InboundResult.Unauthorized.class, agent.receivePush(push.deepCopy().putNull("key")));
            assertInstanceOf(InboundResult.Malformed.class, agent.receivePush(push.deepCopy().put("action", "GET_NUMBER")));
            assertInstanceOf(InboundResult.Malformed.class, agent.receivePush(push.deepCopy().put("phone", "not a phone")));
            assertInstanceOf(InboundResult.Malformed.class, agent.receivePush(push.deepCopy().put("text", 5)));
            assertInstanceOf(InboundResult.Malformed.class, agent.receivePush(push.deepCopy().put("smsId", "a b")));
            assertInstanceOf(InboundResult.Ignored.class, agent.receivePush(push.deepCopy().put("phone", 79161234567L)),
                    "a number never bought from this agent is acknowledged, or the agent pushes it forever");
            assertEquals(1, received.size(), "nothing but the good push was delivered");
        }
    }

    @Test
    void noNumbersIsEmptyAndGarbageOrAForeignNumberFailsAndIsGivenBack() {
        try (FakeAgent fake = FakeAgent.start("agent-key"); AgentProvider agent = agent(fake, "agent-f")) {
            fake.answer("GET_NUMBER", FakeAgent.Answer.json("{\"status\":\"NO_NUMBERS\"}"));
            assertInstanceOf(Provider.Purchase.Empty.class, agent.buy(order("tg", List.of())));

            fake.answer("GET_NUMBER", FakeAgent.Answer.json("{\"status\":\"SUCCESS\",\"number\":79151234567,\"activationId\":\"x1\"}"));
            assertTrue(assertInstanceOf(Provider.Purchase.Failed.class, agent.buy(order("tg", List.of()))).reason().startsWith("garbage: "));

            fake.answer("GET_NUMBER", FakeAgent.Answer.json("{\"status\":\"SUCCESS\",\"number\":380501234567,\"activationId\":501}"));
            assertEquals(new Provider.Purchase.Failed("number from another country"), agent.buy(order("tg", List.of())));
            JsonNode giveBack = fake.requests("FINISH_ACTIVATION").getLast();
            assertEquals(501, giveBack.get("activationId").asLong());
            assertEquals(4, giveBack.get("status").asInt());

            fake.answer("GET_NUMBER", FakeAgent.Answer.json("{\"status\":\"NO_NUMBERS\"}").after(Duration.ofSeconds(3)));
            assertEquals(new Provider.Purchase.Unknown("timeout"), agent.buy(order("tg", List.of())), "no answer may still be a sale");
        }
    }

    @Test
    void finishActivationSaysSoldOrCancelledAndTellsRefusalsFromOutages() {
        try (FakeAgent fake = FakeAgent.start("agent-key"); AgentProvider agent = agent(fake, "agent-r")) {
            assertInstanceOf(Provider.Confirmation.Confirmed.class, agent.release("42", Release.CODE_USED));
            assertInstanceOf(Provider.Confirmation.Confirmed.class, agent.release("43", Release.NOT_USED));
            assertEquals(List.of(3, 4), fake.requests("FINISH_ACTIVATION").stream().map(r -> r.get("status").asInt()).toList());
            assertEquals(42, fake.requests("FINISH_ACTIVATION").getFirst().get("activationId").asLong());

            fake.answer("FINISH_ACTIVATION", FakeAgent.Answer.json("{\"status\":\"ERROR\",\"error\":\"NO_ACTIVATION\"}"));
            assertInstanceOf(Provider.Confirmation.Refused.class, agent.release("44", Release.NOT_USED));
            fake.answer("FINISH_ACTIVATION", FakeAgent.Answer.json("{\"status\":\"ERROR\",\"error\":\"BAD_KEY\"}"));
            assertInstanceOf(Provider.Confirmation.Unavailable.class, agent.release("45", Release.NOT_USED), "an operator can fix a key");
            fake.answer("FINISH_ACTIVATION", new FakeAgent.Answer(503, "", Duration.ZERO));
            assertInstanceOf(Provider.Confirmation.Unavailable.class, agent.release("46", Release.NOT_USED));
            assertInstanceOf(Provider.Confirmation.Refused.class, agent.release("not-an-id", Release.NOT_USED));
        }
    }
}
