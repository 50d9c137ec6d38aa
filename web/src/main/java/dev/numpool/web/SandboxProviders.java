package dev.numpool.web;

import dev.numpool.inventory.Money;
import dev.numpool.sandbox.SandboxUpstreams;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sandbox's simulated upstreams as {@code inventory.providers}, configured exactly as an
 * operator configures real ones ({@code name}, {@code protocol}, {@code url}, {@code api-key-env},
 * {@code timeout-millis}, {@code polls-per-second}; an agent's {@code price} and
 * {@code currency-code}), with their generated keys in variables of a copy of the environment.
 * So Numpool reaches them through its real provider clients; their only mark is
 * {@code simulated: true}, which lets the sandbox inject SMS for their numbers.
 */
final class SandboxProviders {
    /** The inventory's config node with the upstreams added, and the environment that holds their keys. */
    record Wired(Config inventory, Map<String, String> environment) {
    }

    private SandboxProviders() {
    }

    /**
     * True when this node starts simulated upstreams: in sandbox mode, unless
     * {@code sandbox.upstreams-enabled} is false or real upstreams are configured (a sandbox
     * pointed at real marketplaces should not route orders to pretend ones).
     */
    static boolean wanted(Config config, boolean sandbox) {
        return sandbox && config.get("sandbox.upstreams-enabled").asBoolean().orElse(true)
                && config.get("inventory.providers").asNodeList().map(List::isEmpty).orElse(true);
    }

    static Wired wire(Config inventory, Map<String, String> environment, List<SandboxUpstreams.Upstream> upstreams) {
        Map<String, String> keys = new HashMap<>(inventory.detach().asMap().orElseGet(Map::of));
        Map<String, String> env = new HashMap<>(environment);
        for (int i = 0; i < upstreams.size(); i++) {
            SandboxUpstreams.Upstream u = upstreams.get(i);
            String p = "providers." + i + ".";
            String variable = "NUMPOOL_SANDBOX_" + u.name().toUpperCase(Locale.ROOT).replace('-', '_') + "_KEY";
            keys.put(p + "name", u.name());
            keys.put(p + "protocol", u.protocol());
            keys.put(p + "url", u.url().toString());
            keys.put(p + "api-key-env", variable);
            keys.put(p + "timeout-millis", Long.toString(u.clientTimeout().toMillis()));
            keys.put(p + "polls-per-second", Integer.toString(u.pollsPerSecond()));
            // The one thing a real deployment would not say: lets /v1/sandbox/sms inject an SMS for
            // these numbers, as for the simulator's, whichever provider an order was routed to.
            keys.put(p + "simulated", "true");
            if (u.protocol().equals("agent")) {
                // The agent protocol prices nothing itself: the hub offers its price in GET_NUMBER.
                keys.put(p + "price", Money.format(u.costMicros()));
                keys.put(p + "currency-code", "840");
            }
            env.put(variable, u.apiKey());
        }
        Config wired = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(keys, "inventory with the sandbox's upstreams"))
                .build();
        return new Wired(wired, Map.copyOf(env));
    }
}
