package dev.numpool.web;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Loads configuration: {@code application.yaml} from the classpath, overridden by environment
 * variables. The well-known variables below map to their keys; any other key can be set with
 * Helidon's generic mapping ({@code INVENTORY_MARKUP_dash_PERCENT} → {@code inventory.markup-percent}).
 * Secrets come only from the environment.
 */
public final class NumpoolConfig {
    /** Environment variable → config key. */
    static final Map<String, String> WELL_KNOWN = Map.ofEntries(
            Map.entry("PORT", "server.port"),
            Map.entry("HOST", "server.host"),
            Map.entry("DATABASE_URL", "database.url"),
            Map.entry("DATABASE_USER", "database.user"),
            Map.entry("DATABASE_PASSWORD", "database.password"),
            Map.entry("REDIS_URL", "redis.url"),
            Map.entry("NUMPOOL_SANDBOX", "numpool.sandbox"),
            Map.entry("NUMPOOL_DATA_DIR", "numpool.data-dir"),
            Map.entry("NUMPOOL_DEMO_API_KEY", "numpool.demo-api-key"),
            Map.entry("NUMPOOL_OPERATOR_TOKEN", "numpool.operator-token"),
            Map.entry("NUMPOOL_PUBLIC_URL", "numpool.public-url"),
            Map.entry("STRIPE_API_BASE", "topups.stripe-api-base"),
            Map.entry("MAIL_SMTP_HOST", "mail.smtp-host"),
            Map.entry("MAIL_SMTP_PORT", "mail.smtp-port"),
            Map.entry("MAIL_FROM", "mail.from"),
            Map.entry("MAIL_STARTTLS", "mail.starttls"));

    private NumpoolConfig() {
    }

    /**
     * Configuration for this process: its environment, over the YAML file {@code NUMPOOL_CONFIG}
     * names (an operator's providers and markups, say), over the packaged defaults.
     */
    public static Config load(Map<String, String> environment) {
        Map<String, String> overrides = new HashMap<>();
        WELL_KNOWN.forEach((variable, key) -> {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                overrides.put(key, value);
            }
        });
        var builder = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(overrides, "well-known environment variables"))
                .addSource(ConfigSources.environmentVariables());
        String file = environment.get("NUMPOOL_CONFIG");
        if (file != null && !file.isBlank()) {
            if (!Files.isReadable(Path.of(file))) {
                throw new IllegalArgumentException("NUMPOOL_CONFIG names " + file + ", which cannot be read");
            }
            builder.addSource(ConfigSources.file(file));
        }
        return builder.addSource(ConfigSources.classpath("application.yaml")).build();
    }

    /** Test configuration: {@code values} over the packaged defaults, no environment. */
    public static Config of(Map<String, String> values) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(values, "given"))
                .addSource(ConfigSources.classpath("application.yaml"))
                .build();
    }
}
