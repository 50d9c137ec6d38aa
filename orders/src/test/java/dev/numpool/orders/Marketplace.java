package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.Inventory;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Metrics;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * One node's orders graph over a test database, wired the way {@code Main} wires it, with the
 * sandbox simulator as the only provider. The simulator never sends SMS by itself here
 * ({@code code-probability 0}) and answers at once, so each test decides when a code arrives.
 */
record Marketplace(Inventory inventory, Orders orders, Accounts accounts, Ledger ledger) implements AutoCloseable {

    static Marketplace open(Database db, Clock clock) {
        return open(db, clock, Map.of());
    }

    /** {@code overrides} are inventory config keys, e.g. {@code simulator.offers.0.cost}. */
    static Marketplace open(Database db, Clock clock, Map<String, String> overrides) {
        return open(db, clock, overrides, Map.of());
    }

    /** With {@code environment} standing in for the process environment (provider API keys). */
    static Marketplace open(Database db, Clock clock, Map<String, String> overrides, Map<String, String> environment) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "simulator.code-probability", "0",
                "simulator.latency-millis", "0"));
        settings.putAll(overrides);
        Config config = Config.just(ConfigSources.create(settings));
        Inventory inventory = Inventory.create(db, TestServers.redis(), config, true, clock, environment);
        Orders orders = Orders.create(db, TestServers.redis(), inventory, Orders.Settings.from(config.get("orders")), clock, Metrics.globalRegistry());
        return new Marketplace(inventory, orders, Accounts.create(db, clock), Ledger.create(db, clock));
    }

    /** Buys a Telegram number in Russia (country 0) for {@code owner}, under a fresh idempotency key. */
    PlaceResult buyTelegram(AccountId owner) {
        return buyTelegram(owner, 0);
    }

    PlaceResult buyTelegram(AccountId owner, int country) {
        return orders.place(owner,
                new OrderRequest(inventory.service("tg").orElseThrow(), inventory.country(country).orElseThrow(), "any",
                        java.util.OptionalLong.empty(), java.util.List.of()),
                new IdempotencyKey("buy-" + java.util.UUID.randomUUID()),
                Orders.fingerprint("POST", "/v1/activations", ("{\"service\":\"tg\",\"country\":" + country + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                a -> new StoredResponse(201, ("{\"id\":" + a.id() + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {
        orders.close();
        inventory.close();
    }
}
