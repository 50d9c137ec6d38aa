package dev.numpool.web;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A Numpool node in a child JVM, for the tests that kill one with SIGKILL. */
final class ChildNode {
    private ChildNode() {
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
