package dev.numpool.web;

import dev.numpool.inventory.Inventory;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;

import java.nio.charset.StandardCharsets;

/**
 * The website. For now one page: what this node is and how to start using its API; the shop
 * pages follow in their own issue.
 */
final class Website {
    private final Inventory inventory;
    private final boolean sandbox;

    Website(Inventory inventory, boolean sandbox) {
        this.inventory = inventory;
        this.sandbox = sandbox;
    }

    void routing(HttpRouting.Builder routing) {
        routing.get("/", (req, res) -> res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .send(home(req.headers().first(HeaderNames.HOST).filter(h -> h.matches("[\\w.:\\[\\]-]{1,100}")).orElse("127.0.0.1:8080"))
                        .getBytes(StandardCharsets.UTF_8)));
    }

    private String home(String host) {
        String mode = sandbox
                ? "<p class=mode>Sandbox mode: numbers come from the built-in simulator and balances are play money.</p>"
                : "<p class=mode>Production mode.</p>";
        return """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Numpool</title>
                <style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
                code,pre{background:#f3f4f6;border-radius:4px;padding:.1rem .3rem}pre{padding:.8rem;overflow-x:auto}
                .mode{padding:.5rem .8rem;background:#fff7e0;border-left:4px solid #e0a800}</style></head>
                <body><h1>Numpool</h1>
                <p>Virtual numbers for one-time verification codes: buy a number for a service, get the code, pay only if it came.</p>
                %s
                <p>%d services in %d countries. Offers with live price and stock: <a href="/v1/catalog">/v1/catalog</a>.
                Health: <a href="/observe/health">/observe/health</a>.</p>
                %s
                </body></html>
                """.formatted(mode, inventory.services().size(), inventory.countries().size(),
                sandbox ? "<h2>Try it</h2><pre>curl -s -X POST http://" + host + "/v1/sandbox/accounts</pre>" : "");
    }
}
