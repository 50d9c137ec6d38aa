package dev.numpool.web;

import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Starts one Numpool node from the environment and prints where it listens. */
public final class Main {
    private static final System.Logger LOG = System.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Numpool numpool;
        Optional<String> madeToken = Optional.empty();
        try {
            Map<String, String> environment = new HashMap<>(System.getenv());
            Config config = NumpoolConfig.load(environment);
            if (config.get("numpool.sandbox").asBoolean().orElse(true) && config.get("numpool.operator-token").asString().isEmpty()) {
                // A sandbox started with no token gets one for this run, printed below, so that the
                // operator routes and the console (roles are given with the token) work out of the box.
                madeToken = Optional.of(randomToken());
                environment.put("NUMPOOL_OPERATOR_TOKEN", madeToken.get());
                config = NumpoolConfig.load(environment);
            }
            numpool = Numpool.start(config, java.time.Clock.systemUTC(), System.getenv());
        } catch (RuntimeException | Error e) {
            exitBecause(e);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(numpool::close, "numpool-shutdown"));
        madeToken.ifPresent(t -> System.out.println("Operator token for this sandbox run (set NUMPOOL_OPERATOR_TOKEN to choose one): " + t));
        System.out.println("Numpool ready at " + numpool.url());
    }

    private static String randomToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Ends a start that failed: one sentence for the person at the terminal, the stack trace only
     * in the log at FINE ({@code dev.numpool.web.Main.level=FINE}), and exit status 1. Exiting is
     * deliberate: a thread some library left running must not keep a half-started node alive.
     * {@link Numpool#start} has already closed what it opened; shutdown hooks catch the rest.
     */
    private static void exitBecause(Throwable failure) {
        LOG.log(System.Logger.Level.DEBUG, "Numpool could not start", failure);
        System.err.println("Numpool could not start: " + reason(failure));
        System.err.flush();
        System.exit(1);
    }

    /**
     * The failure's message on one line, followed by its root cause's when that adds something
     * (a wrapper such as "could not start embedded PostgreSQL" rarely says why by itself).
     */
    static String reason(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = message(failure);
        String cause = message(root);
        return (root == failure || top.contains(cause) ? top : top + ": " + cause) + ".";
    }

    /** The message on one line, without a final full stop (the caller ends the sentence). */
    private static String message(Throwable t) {
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return t.getClass().getSimpleName();
        }
        String line = message.strip().replaceAll("\\s+", " ");
        return line.endsWith(".") ? line.substring(0, line.length() - 1) : line;
    }
}
