package dev.numpool.web;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A Numpool node in a child JVM, for the tests that kill one with SIGKILL. */
final class ChildNode {
    private ChildNode() {
    }

    /**
     * A node as {@code ./numpool run} starts one: its own JVM on this classpath, an environment
     * with none of Numpool's variables but {@code environment} (so no DATABASE_URL or REDIS_URL
     * leaks in from the shell that runs the tests), its standard error in {@code stderr}.
     */
    static ProcessBuilder launcher(Map<String, String> environment, Path stderr) {
        ProcessBuilder launch = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName())
                .redirectError(stderr.toFile());
        launch.environment().keySet().removeAll(NumpoolConfig.WELL_KNOWN.keySet());
        launch.environment().remove("NUMPOOL_CONFIG");
        launch.environment().putAll(environment);
        return launch;
    }

    /** Waits (at most 90 s) for the node's "Numpool ready at" line and returns its URL; keeps draining its output after. */
    static String readyUrl(Process node) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("Numpool ready at ")) {
                        return line.substring("Numpool ready at ".length()).trim();
                    }
                }
                return null;
            } catch (java.io.IOException e) {
                return null;
            }
        });
        String url = ready.get(90, TimeUnit.SECONDS);
        if (url == null) {
            throw new AssertionError("the node exited before it was ready");
        }
        Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
        return url;
    }
}
