package dev.numpool.web;

import io.helidon.logging.common.LogConfig;

/** Starts one Numpool node from the environment and prints where it listens. */
public final class Main {
    private static final System.Logger LOG = System.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Numpool numpool;
        try {
            numpool = Numpool.start(NumpoolConfig.load(System.getenv()), java.time.Clock.systemUTC(), System.getenv());
        } catch (RuntimeException | Error e) {
            exitBecause(e);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(numpool::close, "numpool-shutdown"));
        System.out.println("Numpool ready at " + numpool.url());
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
