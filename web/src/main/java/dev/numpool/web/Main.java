package dev.numpool.web;

import io.helidon.logging.common.LogConfig;

/** Starts one Numpool node from the environment and prints where it listens. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Numpool numpool = Numpool.start(NumpoolConfig.load(System.getenv()), java.time.Clock.systemUTC(), System.getenv());
        Runtime.getRuntime().addShutdownHook(new Thread(numpool::close, "numpool-shutdown"));
        System.out.println("Numpool ready at " + numpool.url());
    }
}
