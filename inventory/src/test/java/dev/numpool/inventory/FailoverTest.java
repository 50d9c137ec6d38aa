package dev.numpool.inventory;

import dev.numpool.db.Database;
import dev.numpool.db.TestServers;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Routing fails over past broken providers: one whose circuit is open is skipped without using
 * up one of the order's calls, so healthy providers ranked below several broken ones still sell.
 */
class FailoverTest {

    @Test
    void providersWithOpenCircuitsAreSkippedWithoutUsingUpTheOrdersCalls() throws Exception {
        List<FakeSmsActivateUpstream> broken = new ArrayList<>();
        Map<String, String> settings = new HashMap<>(Map.of("simulator.code-probability", "0", "simulator.latency-millis", "0",
                "simulator.offers.0.service", "tg", "simulator.offers.0.country", "0", "simulator.offers.0.cost", "0.90",
                "simulator.offers.0.stock", "100"));
        Map<String, String> environment = new HashMap<>();
        try (Database db = TestServers.freshDatabase()) {
            for (int i = 0; i < 3; i++) {
                FakeSmsActivateUpstream upstream = FakeSmsActivateUpstream.start("key-" + i);
                broken.add(upstream);
                // Cheaper than the simulator, so ranked first; every buy fails.
                upstream.answer("getPrices", FakeSmsActivateUpstream.Answer.json("{\"0\":{\"tg\":{\"cost\":0.45,\"count\":100}}}"));
                upstream.answer("getNumberV2", FakeSmsActivateUpstream.Answer.text("ERROR_SQL").withStatus(500));
                settings.put("providers." + i + ".name", "broken-" + i);
                settings.put("providers." + i + ".url", upstream.url().toString());
                settings.put("providers." + i + ".api-key-env", "BROKEN_" + i);
                environment.put("BROKEN_" + i, "key-" + i);
            }
            try (Inventory inventory = Inventory.create(db, TestServers.redis(), Config.just(ConfigSources.create(settings)), true,
                    Clock.systemUTC(), environment)) {
                inventory.refreshQuotes(Duration.ofMillis(1));
                BuyRequest tg = BuyRequest.of(inventory.service("tg").orElseThrow(), inventory.country(0).orElseThrow());
                // Three calls an order, all to the broken ones, until each has failed five times in a row.
                for (int i = 0; i < 5; i++) {
                    BuyResult.NoNumbers none = assertInstanceOf(BuyResult.NoNumbers.class, inventory.buy(tg));
                    assertEquals(3, none.trace().attempts().size(), none.trace().toString());
                }
                BuyResult.Bought bought = assertInstanceOf(BuyResult.Bought.class, inventory.buy(tg), "the simulator, past three open circuits");
                assertEquals("simulator", bought.lease().provider());
                assertEquals(List.of("skipped: circuit open", "skipped: circuit open", "skipped: circuit open", "bought"),
                        bought.trace().attempts().stream().map(RoutingTrace.Attempt::outcome).toList());
            }
        } finally {
            for (FakeSmsActivateUpstream upstream : broken) {
                upstream.close();
            }
        }
    }
}
