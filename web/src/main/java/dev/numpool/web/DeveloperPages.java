package dev.numpool.web;

import dev.numpool.orders.Accounts;
import dev.numpool.orders.ApiKeyInfo;
import dev.numpool.orders.NewApiKey;
import dev.numpool.orders.WebhookDelivery;
import dev.numpool.orders.Webhooks;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * For developers: API keys (create with a label and see the secret once, revoke) and webhook
 * endpoints (add, send a test event, read the delivery log, replay a delivery, rotate the
 * secret, remove), over the {@link Accounts} and {@link Webhooks} doors. A secret is shown on the
 * answer to the POST that made it, never in a URL, and that page is not cached.
 */
final class DeveloperPages {
    private static final Map<String, String> DONE = Map.of(
            "revoked", "Key revoked. Requests with it are refused within a few seconds.",
            "test", "Test event queued. It appears in the delivery log below.",
            "replay", "Delivery queued again, with the same webhook-id.",
            "deleted", "Endpoint removed. Nothing more is sent to it.");
    private static final List<String> EVENT_TYPES = Webhooks.EVENT_TYPES.stream().sorted().toList();

    private final Accounts accounts;
    private final Webhooks webhooks;

    DeveloperPages(Accounts accounts, Webhooks webhooks) {
        this.accounts = accounts;
        this.webhooks = webhooks;
    }

    private static String tabs(String current) {
        return "<nav class=\"tabs\" aria-label=\"Developers\">"
                + tab("/developers/keys", "API keys", current) + tab("/developers/webhooks", "Webhooks", current)
                + tab("/developers/docs", "API docs", current) + "</nav>";
    }

    private static String tab(String href, String label, String current) {
        return "<a href=\"" + href + "\"" + (href.equals(current) ? " aria-current=\"page\"" : "") + ">" + label + "</a>";
    }

    // API keys ------------------------------------------------------------------------------------

    void keys(Visit visit, ServerRequest req, ServerResponse res) {
        String done = req.query().first("done").asOptional().map(DONE::get).map(t -> Html.notice("ok", t)).orElse("");
        Website.send(res, 200, keysPage(visit, done, Optional.empty()));
    }

    void createKey(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String label = form.text("label").strip();
        if (label.length() > 64 || label.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
            Website.send(res, 400, keysPage(visit, Html.notice("error", "A label is at most 64 characters on one line."), Optional.empty()));
            return;
        }
        // The second button of the form: a key of the account's test account (play money, simulated numbers).
        boolean test = form.text("mode").equals("test");
        NewApiKey key = test ? accounts.createTestKey(visit.owner(), label) : accounts.createKey(visit.owner(), label);
        Website.send(res, 201, keysPage(visit, "", Optional.of(key)));
    }

    void revokeKey(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String raw = req.path().pathParameters().get("id");
        if (!raw.matches("[0-9]{1,18}") || !accounts.revoke(visit.owner(), Long.parseLong(raw))) {
            throw new Website.NotFound("We found no live API key " + raw + " on your account.");
        }
        Website.redirect(res, "/developers/keys?done=revoked");
    }

    private String keysPage(Visit visit, String message, Optional<NewApiKey> created) {
        String shown = created.map(k -> """
                <div class="secret" role="status">
                <p><strong>Your new %skey%s.</strong> Copy it now: it is shown only this once.</p>
                <p><code id="new-key">%s</code> <button type="button" data-copy="%s">Copy key</button></p>
                </div>
                """.formatted(k.test() ? "test " : "", k.label().isEmpty() ? "" : " “" + Html.escape(k.label()) + "”", Html.escape(k.secret()),
                        Html.escape(k.secret())))
                .orElse("");
        StringBuilder rows = new StringBuilder();
        for (ApiKeyInfo k : accounts.keys(visit.owner())) {
            rows.append("<tr><td data-label=\"Label\">").append(k.label().isEmpty() ? "<span class=\"hint\">no label</span>" : Html.escape(k.label()))
                    .append("</td><td data-label=\"Key\"><code>").append(Html.escape(k.prefix())).append("…</code>").append(k.test() ? " (test)" : "").append("</td><td data-label=\"Created\">")
                    .append(Html.when(k.createdAt())).append("</td><td data-label=\"State\">");
            if (k.revokedAt().isPresent()) {
                rows.append("Revoked ").append(Html.when(k.revokedAt().get())).append("</td><td></td></tr>");
            } else {
                rows.append("Live</td><td><form method=\"post\" action=\"/developers/keys/").append(k.id()).append("/revoke\">")
                        .append(Html.csrfField(visit)).append("<button type=\"submit\" class=\"danger\" aria-label=\"Revoke key ")
                        .append(Html.escape(k.label().isEmpty() ? k.prefix() : k.label())).append("\">Revoke</button></form></td></tr>");
            }
        }
        String main = """
                <h1>API keys</h1>
                %s
                %s%s
                <p>Bots use a key as <code>Authorization: Bearer &lt;key&gt;</code> on the native API, or as <code>api_key</code> on the
                sms-activate compatible API. Keep keys secret; revoke one the moment it leaks.</p>
                <p>A test key (<code>np_test_…</code>) works on every API with play money: its orders get simulated numbers only, never touch
                your balance or a card, and are marked <code>"livemode": false</code>. The services <code>x0</code> (no numbers),
                <code>xn</code> (never a code) and <code>x5</code> (a code after 5 seconds) let a bot test its error paths.</p>
                <form method="post" action="/developers/keys" class="search">
                %s
                <label for="label">Label</label>
                <input id="label" name="label" maxlength="64" placeholder="e.g. my bot">
                <button type="submit">Create key</button>
                <button type="submit" name="mode" value="test">Create test key</button>
                </form>
                %s
                """.formatted(tabs("/developers/keys"), message, shown, Html.csrfField(visit),
                rows.isEmpty() ? "<p class=\"empty\">No keys yet.</p>"
                        : "<table class=\"offers\"><thead><tr><th scope=\"col\">Label</th><th scope=\"col\">Key</th><th scope=\"col\">Created</th>"
                        + "<th scope=\"col\">State</th><th scope=\"col\"><span class=\"visually-hidden\">Revoke</span></th></tr></thead><tbody>" + rows + "</tbody></table>");
        return Html.page(visit, "API keys", "/developers/keys", main);
    }

    // Webhooks ------------------------------------------------------------------------------------

    void webhooks(Visit visit, ServerRequest req, ServerResponse res) {
        String done = req.query().first("done").asOptional().map(DONE::get).map(t -> Html.notice("ok", t)).orElse("");
        Website.send(res, 200, webhooksPage(visit, done, "", List.of()));
    }

    void createEndpoint(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String url = form.text("url").strip();
        List<String> types = new ArrayList<>();
        for (String t : EVENT_TYPES) {
            if (form.get("event." + t).isPresent()) {
                types.add(t);
            }
        }
        if (types.isEmpty()) {
            Website.send(res, 400, webhooksPage(visit, Html.notice("error", "Pick at least one event to receive."), url, types));
            return;
        }
        if (url.isEmpty() || url.length() > 2048) {
            Website.send(res, 400, webhooksPage(visit, Html.notice("error", "Enter the https:// address of your receiver."), url, types));
            return;
        }
        switch (webhooks.create(visit.owner(), url, types)) {
            case Webhooks.Created.Endpoint e -> Website.send(res, 201, endpointPage(visit, e.id(), "", Optional.of(e.secret())));
            case Webhooks.Created.Refused r -> Website.send(res, 400, webhooksPage(visit, Html.notice("error",
                    "We cannot send to this address: " + r.reason() + ". Use a public https:// address."), url, types));
        }
    }

    private String webhooksPage(Visit visit, String message, String url, List<String> checked) {
        StringBuilder rows = new StringBuilder();
        for (Webhooks.Endpoint e : webhooks.endpoints(visit.owner())) {
            rows.append("<tr><td data-label=\"Address\"><a href=\"/developers/webhooks/").append(e.id()).append("\">").append(Html.escape(e.url()))
                    .append("</a></td><td data-label=\"Events\">").append(Html.escape(String.join(", ", e.eventTypes())))
                    .append("</td><td data-label=\"State\">").append(e.enabled() ? "Active" : "Off: " + Html.escape(e.disabledReason().orElse("")))
                    .append("</td></tr>");
        }
        StringBuilder boxes = new StringBuilder();
        for (String t : EVENT_TYPES) {
            boolean on = checked.isEmpty() ? t.startsWith("activation.") : checked.contains(t);
            String id = "ev-" + t.replace('.', '-').replace('_', '-');
            boxes.append("<label class=\"check\" for=\"").append(id).append("\"><input type=\"checkbox\" id=\"").append(id)
                    .append("\" name=\"event.").append(Html.escape(t)).append("\"").append(on ? " checked" : "").append("> ")
                    .append(Html.escape(t)).append("</label>");
        }
        String main = """
                <h1>Webhooks</h1>
                %s
                %s
                <p>Numpool sends signed events (Standard Webhooks) to your server as they happen: a code arrived, an activation
                finished, was cancelled or expired. Failed deliveries are retried for about a day.</p>
                <form method="post" action="/developers/webhooks" class="stack">
                %s
                <label for="url">Receiver address (https)</label>
                <input id="url" name="url" type="url" value="%s" maxlength="2048" placeholder="https://example.com/numpool-webhook" required>
                <fieldset><legend>Events</legend>%s</fieldset>
                <button type="submit">Add endpoint</button>
                </form>
                %s
                """.formatted(tabs("/developers/webhooks"), message, Html.csrfField(visit), Html.escape(url), boxes,
                rows.isEmpty() ? "<p class=\"empty\">No endpoints yet.</p>"
                        : "<table class=\"offers\"><thead><tr><th scope=\"col\">Address</th><th scope=\"col\">Events</th><th scope=\"col\">State</th></tr></thead><tbody>"
                        + rows + "</tbody></table>");
        return Html.page(visit, "Webhooks", "/developers/webhooks", main);
    }

    void endpoint(Visit visit, ServerRequest req, ServerResponse res) {
        long id = endpointId(req);
        String done = req.query().first("done").asOptional().map(DONE::get).map(t -> Html.notice("ok", t)).orElse("");
        String error = req.query().first("error").filter("rotation"::equals)
                .map(x -> Html.notice("error", "The previous secret still signs for up to 24 hours after the last rotation; rotate again after that."))
                .orElse("");
        Website.send(res, 200, endpointPage(visit, id, done + error, Optional.empty()));
    }

    private String endpointPage(Visit visit, long id, String message, Optional<String> secret) {
        Webhooks.Endpoint e = webhooks.endpoints(visit.owner()).stream().filter(x -> x.id() == id).findFirst()
                .orElseThrow(() -> new Website.NotFound("We found no webhook endpoint " + id + " on your account."));
        String shown = secret.map(s -> """
                <div class="secret" role="status"><p><strong>Signing secret.</strong> Copy it now: it is shown only this once.</p>
                <p><code id="new-secret">%s</code> <button type="button" data-copy="%s">Copy secret</button></p></div>
                """.formatted(Html.escape(s), Html.escape(s))).orElse("");
        StringBuilder rows = new StringBuilder();
        for (WebhookDelivery d : webhooks.deliveries(visit.owner(), id, 50)) {
            // A replay is stored under "<webhook-id>#replay-…" and sent under the webhook-id itself.
            int hash = d.messageId().indexOf('#');
            String webhookId = hash < 0 ? d.messageId() : d.messageId().substring(0, hash);
            rows.append("<tr><td data-label=\"Event\">").append(Html.escape(d.eventType())).append(hash < 0 ? "" : " (replay)")
                    .append("<br><code class=\"small\">").append(Html.escape(webhookId)).append("</code></td><td data-label=\"State\">").append(Html.escape(d.state()))
                    .append("</td><td data-label=\"Attempts\">").append(attempts(d))
                    .append("</td><td data-label=\"Last answer\">").append(Html.escape(d.lastStatus().map(String::valueOf)
                            .orElse(d.lastError().orElse(d.attemptCount() == 0 ? "not sent yet" : "no answer"))))
                    .append("</td><td data-label=\"Created\">").append(Html.when(d.createdAt())).append("</td><td>");
            if (e.enabled()) {
                rows.append("<form method=\"post\" action=\"/developers/webhooks/").append(id).append("/deliveries/")
                        .append(Html.escape(webhookId)).append("/replay\">").append(Html.csrfField(visit))
                        .append("<button type=\"submit\">Replay</button></form>");
            }
            rows.append("</td></tr>");
        }
        String actions = e.enabled() ? """
                <div class="actions">
                <form method="post" action="/developers/webhooks/%d/test">%s<button type="submit" id="send-test">Send a test event</button></form>
                <form method="post" action="/developers/webhooks/%d/rotate">%s<button type="submit" id="rotate">Rotate secret</button></form>
                <form method="post" action="/developers/webhooks/%d/delete">%s<button type="submit" class="danger">Remove endpoint</button></form>
                </div>
                """.formatted(id, Html.csrfField(visit), id, Html.csrfField(visit), id, Html.csrfField(visit))
                : "<p>This endpoint is off" + e.disabledReason().map(r -> ": " + Html.escape(r)).orElse("") + ".</p>";
        String main = """
                <h1>Webhook endpoint</h1>
                %s
                %s%s
                <dl class="facts"><dt>Address</dt><dd class="wrap">%s</dd><dt>Events</dt><dd>%s</dd><dt>State</dt><dd>%s</dd></dl>
                %s
                <h2>Delivery log</h2>
                %s
                <p><a href="/developers/webhooks">All endpoints</a></p>
                """.formatted(tabs("/developers/webhooks"), message, shown, Html.escape(e.url()), Html.escape(String.join(", ", e.eventTypes())),
                e.enabled() ? "Active" : "Off", actions,
                rows.isEmpty() ? "<p class=\"empty\">Nothing sent yet.</p>"
                        : "<table class=\"offers\" id=\"deliveries\"><thead><tr><th scope=\"col\">Event</th><th scope=\"col\">State</th><th scope=\"col\">Attempts</th>"
                        + "<th scope=\"col\">Last answer</th><th scope=\"col\">Created</th><th scope=\"col\"><span class=\"visually-hidden\">Replay</span></th></tr></thead><tbody>"
                        + rows + "</tbody></table>");
        return Html.page(visit, "Webhook endpoint", "/developers/webhooks", main);
    }

    /** The attempt count, opening to every attempt: when, the receiver's answer or the failure, how long it took. */
    private static String attempts(WebhookDelivery d) {
        if (d.attempts().isEmpty()) {
            return String.valueOf(d.attemptCount());
        }
        StringBuilder out = new StringBuilder("<details><summary>").append(d.attemptCount()).append("</summary><ol class=\"attempts\">");
        for (WebhookDelivery.Attempt a : d.attempts()) {
            out.append("<li>").append(Html.when(a.at())).append(": ")
                    .append(Html.escape(a.status().map(st -> "HTTP " + st).orElse(a.error().orElse("no answer"))))
                    .append(" in ").append(a.latencyMillis()).append(" ms");
            a.response().filter(r -> !r.isBlank()).ifPresent(r -> out.append("<br><code class=\"small\">").append(Html.escape(r)).append("</code>"));
            out.append("</li>");
        }
        return out.append("</ol></details>").toString();
    }

    void testEvent(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        long id = endpointId(req);
        if (!webhooks.sendTestEvent(visit.owner(), id)) {
            throw new Website.NotFound("We found no active webhook endpoint " + id + " on your account.");
        }
        Website.redirect(res, "/developers/webhooks/" + id + "?done=test");
    }

    void rotateSecret(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        long id = endpointId(req);
        Optional<String> secret = webhooks.rotateSecret(visit.owner(), id);
        if (secret.isEmpty()) {
            if (webhooks.endpoints(visit.owner()).stream().anyMatch(e -> e.id() == id && e.enabled())) {
                Website.redirect(res, "/developers/webhooks/" + id + "?error=rotation");
                return;
            }
            throw new Website.NotFound("We found no active webhook endpoint " + id + " on your account.");
        }
        Website.send(res, 200, endpointPage(visit, id, Html.notice("ok", "New secret made. The previous one keeps signing for 24 hours, so you can switch."),
                secret));
    }

    void deleteEndpoint(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        long id = endpointId(req);
        if (!webhooks.delete(visit.owner(), id)) {
            throw new Website.NotFound("We found no webhook endpoint " + id + " on your account.");
        }
        Website.redirect(res, "/developers/webhooks?done=deleted");
    }

    void replay(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        long id = endpointId(req);
        String messageId = req.path().pathParameters().get("messageId");
        if (!messageId.matches("[A-Za-z0-9_]{1,64}") || !webhooks.replay(visit.owner(), id, messageId)) {
            throw new Website.NotFound("We found no such delivery on your account.");
        }
        Website.redirect(res, "/developers/webhooks/" + id + "?done=replay");
    }

    private static long endpointId(ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        if (raw == null || !raw.matches("[0-9]{1,18}")) {
            throw new Website.NotFound("We found no webhook endpoint with that number.");
        }
        return Long.parseLong(raw);
    }
}
