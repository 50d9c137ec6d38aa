package dev.numpool.inventory;

import dev.numpool.db.Database;
import dev.numpool.db.TestServers;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InventoryTest {
    private static Database db;

    @BeforeAll
    static void start() {
        db = TestServers.freshDatabase();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private static Inventory inventory(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(Map.of("simulator.code-probability", "0", "simulator.latency-millis", "0"));
        all.putAll(settings);
        return Inventory.create(db, TestServers.redis(), Config.just(ConfigSources.create(all)), true, Clock.systemUTC(), Map.of());
    }

    private static BuyRequest request(Inventory inventory, String service, int country) {
        return BuyRequest.of(inventory.service(service).orElseThrow(), inventory.country(country).orElseThrow());
    }

    @Test
    void theCatalogueHasTheBusiestCountriesAndServicesMappedToPhoneRegions() {
        try (Inventory inventory = inventory(Map.of())) {
            assertTrue(inventory.countries().size() >= 40);
            assertTrue(inventory.services().size() >= 30);
            assertEquals("GB", inventory.country(16).orElseThrow().iso2());
            assertEquals(1, inventory.country(187).orElseThrow().callingCode());
            assertEquals("telegram", inventory.service("tg").orElseThrow().fivesimName());
            for (Country c : inventory.countries()) {
                assertEquals(c.callingCode(), com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance().getCountryCodeForRegion(c.region()),
                        c.name() + "'s calling code matches libphonenumber");
            }
        }
    }

    @Test
    void simulatedNumbersAreValidForTheirCountryAndNeverTwiceLiveForOneService() {
        try (Inventory inventory = inventory(Map.of("simulator.stock", "100000"))) {
            for (Country country : inventory.countries()) {
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < 20; i++) {
                    BuyResult.Bought bought = assertInstanceOf(BuyResult.Bought.class, inventory.buy(BuyRequest.of(inventory.service("wa").orElseThrow(), country)));
                    PhoneNumber phone = bought.lease().phone();
                    assertEquals(country.region(), phone.region(), country.name() + ": " + phone);
                    assertTrue(seen.add(phone.e164()), "no number twice for one service while live: " + phone);
                }
            }
        }
    }

    @Test
    void aReleasedNumberReturnsToStock() {
        try (Inventory inventory = inventory(Map.of("simulator.offers.0.service", "tg", "simulator.offers.0.country", "0",
                "simulator.offers.0.stock", "1", "simulator.offers.0.cost", "0.10"))) {
            BuyResult.Bought first = assertInstanceOf(BuyResult.Bought.class, inventory.buy(request(inventory, "tg", 0)));
            assertInstanceOf(BuyResult.NoNumbers.class, inventory.buy(request(inventory, "tg", 0)), "the only number is taken");
            assertTrue(inventory.offers(inventory.service("tg"), inventory.country(0)).isEmpty(), "an offer without stock is not shown");
            inventory.release(first.lease().provider(), first.lease().providerRef(), Release.NOT_USED);
            assertInstanceOf(BuyResult.Bought.class, inventory.buy(request(inventory, "tg", 0)));
        }
    }

    @Test
    void theSellPriceIsCostPlusMarkupAndMaxPriceCapsIt() {
        try (Inventory inventory = inventory(Map.of("markup-percent", "20", "minimum-margin", "0.01",
                "simulator.offers.0.service", "tg", "simulator.offers.0.country", "0", "simulator.offers.0.cost", "0.50"))) {
            Offer offer = inventory.offers(inventory.service("tg"), inventory.country(0)).getFirst();
            assertEquals(600_000L, offer.priceMicros(), "0.50 + 20 %");
            BuyRequest capped = new BuyRequest(inventory.service("tg").orElseThrow(), inventory.country(0).orElseThrow(), "any",
                    OptionalLong.of(599_999L), List.of(), Mode.LIVE);
            assertEquals(new BuyResult.PriceAboveMax(600_000L), inventory.buy(capped));
            BuyRequest enough = new BuyRequest(capped.service(), capped.country(), "any", OptionalLong.of(600_000L), List.of(), Mode.LIVE);
            BuyResult.Bought bought = assertInstanceOf(BuyResult.Bought.class, inventory.buy(enough));
            assertEquals(600_000L, bought.lease().priceMicros());
            assertEquals(500_000L, bought.lease().costMicros());
        }
    }

    @Test
    void markupRulesFromConfigPriceOneServiceDifferently() {
        try (Inventory inventory = inventory(Map.of("markup-percent", "20",
                "simulator.offers.0.service", "wa", "simulator.offers.0.country", "0", "simulator.offers.0.cost", "0.50",
                "simulator.offers.1.service", "tg", "simulator.offers.1.country", "0", "simulator.offers.1.cost", "0.50",
                "markups.0.service", "wa", "markups.0.percent", "100"))) {
            assertEquals(1_000_000L, inventory.offers(inventory.service("wa"), inventory.country(0)).getFirst().priceMicros());
            assertEquals(600_000L, inventory.offers(inventory.service("tg"), inventory.country(0)).getFirst().priceMicros());
            assertEquals(1_000_000L, ((BuyResult.Bought) inventory.buy(request(inventory, "wa", 0))).lease().priceMicros());
        }
    }

    @Test
    void aFailingProviderIsTracedAndTheOrderGetsNoNumbersInsteadOfAnError() {
        try (Inventory inventory = inventory(Map.of("simulator.failure-rate", "1.0"))) {
            BuyResult.NoNumbers none = assertInstanceOf(BuyResult.NoNumbers.class, inventory.buy(request(inventory, "tg", 0)));
            assertEquals("simulator", none.trace().considered().getFirst().provider());
            assertTrue(none.trace().attempts().getFirst().outcome().startsWith("failed"), none.trace().toString());
        }
    }

    @Test
    void excludedPrefixesAreHonoured() {
        try (Inventory inventory = inventory(Map.of("simulator.stock", "1000"))) {
            Country ru = inventory.country(0).orElseThrow();
            String prefix = ((BuyResult.Bought) inventory.buy(request(inventory, "tg", 0))).lease().phone().digits().substring(0, 4);
            for (int i = 0; i < 30; i++) {
                BuyResult r = inventory.buy(new BuyRequest(inventory.service("tg").orElseThrow(), ru, "any", OptionalLong.empty(), List.of(prefix), Mode.LIVE));
                if (r instanceof BuyResult.Bought b) {
                    assertTrue(!b.lease().phone().digits().startsWith(prefix), b.lease().phone().e164());
                }
            }
        }
    }

    @Test
    void theSimulatorDeliversARealisticSmsOnItsOwn() throws InterruptedException {
        try (Inventory inventory = inventory(Map.of("simulator.code-probability", "1", "simulator.code-delay-min-seconds", "0",
                "simulator.code-delay-max-seconds", "0"))) {
            BlockingQueue<InboundSms> received = new ArrayBlockingQueue<>(10);
            inventory.listen(received::add);
            BuyResult.Bought bought = (BuyResult.Bought) inventory.buy(request(inventory, "go", 73));
            InboundSms sms = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(sms, "an SMS arrived");
            assertEquals(bought.lease().providerRef(), sms.providerRef());
            assertTrue(sms.text().contains("G-"), "Google's format: " + sms.text());
        }
    }

    @Test
    void smsTemplatesComeInSeveralLanguages() {
        SmsTemplates templates = SmsTemplates.load(Map.of("tg", "Telegram", "vk", "VKontakte"));
        Country russia = new Country(0, "Russia", "RU", "RU", 7, "russia");
        Country china = new Country(3, "China", "CN", "CN", 86, "china");
        java.util.Random random = new java.util.Random(7);
        Set<String> texts = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            texts.add(templates.generate("tg", russia, random).text().replaceAll("\\d", "#"));
            texts.add(templates.generate("vk", china, random).text().replaceAll("\\d", "#"));
        }
        assertTrue(texts.stream().anyMatch(t -> t.contains("Telegram code")), "English");
        assertTrue(texts.stream().anyMatch(t -> t.contains("Код")), "Russian");
        assertTrue(texts.stream().anyMatch(t -> t.contains("验证码")), "Chinese");
        SmsTemplates.Sms wa = SmsTemplates.load(Map.of()).generate("wa", new Country(187, "USA", "US", "US", 1, "usa"), random);
        assertTrue(wa.text().contains(wa.code().substring(0, 3) + "-" + wa.code().substring(3)), wa.text());
    }

    @Test
    void onAProductionNodeTheSimulatorSellsToTestOrdersAndNeverToLiveOnes() {
        Map<String, String> settings = Map.of("simulator.code-probability", "0", "simulator.latency-millis", "0", "pool.enabled", "false");
        try (Inventory inventory = Inventory.create(db, TestServers.redis(), Config.just(ConfigSources.create(settings)), false,
                Clock.systemUTC(), Map.of())) {
            Service tg = inventory.service("tg").orElseThrow();
            Country russia = inventory.country(0).orElseThrow();
            assertTrue(inventory.offers(Optional.of(tg), Optional.of(russia)).isEmpty(), "live customers do not see the simulator");
            assertTrue(inventory.offers(Optional.empty(), Optional.empty()).isEmpty());
            assertInstanceOf(BuyResult.NoNumbers.class, inventory.buy(BuyRequest.of(tg, russia)), "a live order never reaches it");
            assertEquals(1, inventory.offers(Optional.of(tg), Optional.of(russia), Mode.TEST).size(), "a test key does");
            BuyResult.Bought bought = assertInstanceOf(BuyResult.Bought.class,
                    inventory.buy(new BuyRequest(tg, russia, "any", OptionalLong.empty(), List.of(), Mode.TEST)));
            assertEquals("simulator", bought.lease().provider());
        }
    }

    @Test
    void theMagicTestServicesHaveFixedOutcomes() {
        try (Inventory inventory = inventory(Map.of("simulator.failure-rate", "1.0"))) {
            Country russia = inventory.country(0).orElseThrow();
            BuyRequest noNumbers = new BuyRequest(inventory.service("x0").orElseThrow(), russia, "any", OptionalLong.empty(), List.of(), Mode.TEST);
            assertInstanceOf(BuyResult.NoNumbers.class, inventory.buy(noNumbers));
            assertTrue(inventory.offers(inventory.service("x0"), Optional.of(russia), Mode.TEST).isEmpty(), "no stock to show");
            BuyRequest noCode = new BuyRequest(inventory.service("xn").orElseThrow(), russia, "any", OptionalLong.empty(), List.of(), Mode.TEST);
            assertInstanceOf(BuyResult.Bought.class, inventory.buy(noCode), "sold although every other buy fails: its outcome is fixed");
        }
    }

    @Test
    void phoneNumbersAreOnlyEverValid() {
        assertEquals(Optional.of(new PhoneNumber("+447911123456")), PhoneNumber.of("447911123456"));
        assertTrue(PhoneNumber.of("+1234").isEmpty());
        assertTrue(PhoneNumber.of("not a number").isEmpty());
        assertTrue(PhoneNumber.of("+99912345678901").isEmpty());
        assertEquals("79001234567", new PhoneNumber("+79001234567").digits());
    }
}
