package dev.numpool.web;

import dev.numpool.orders.Accounts;
import dev.numpool.orders.ApiKeyInfo;
import dev.numpool.orders.NewApiKey;
import dev.numpool.orders.WebhookDelivery;
import dev.numpool.orders.WebhookFormat;
import dev.numpool.orders.Webhooks;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * For developers: API keys (create with a label and see the secret once, revoke) and webhook
 * endpoints (add, send a test event, read the delivery log, replay a delivery, rotate the
 * secret, remove), over the {@link Accounts} and {@link Webhooks} doors, in the visitor's
 * language (texts {@code developers.*}). A secret is shown on the answer to the POST that made
 * it, never in a URL, and that page is not cached.
 *
 * <p>What stays as it is in every language: event types, webhook-ids, HTTP statuses, the
 * receiver's own answers and errors, and code. Delivery states and the reasons the orders module
 * gives for refusing an address or turning an endpoint off are shown in words of the visitor's
 * language; a reason this page does not know is shown as the orders module wrote it.
 */
final class DeveloperPages {
    /** The {@code done} of a redirect after a change, to the text that says what was done. */
    private static final Map<String, String> DONE = Map.of(
            "revoked", "developers.done.revoked",
            "test", "developers.done.test",
            "replay", "developers.done.replay",
            "deleted", "developers.done.deleted");
    /** A delivery's state (as stored and sent by the API) to its words. */
    private static final Map<String, String> DELIVERY_STATES = Map.of(
            "pending", "developers.delivery.pending",
            "delivered", "developers.delivery.delivered",
            "failed", "developers.delivery.failed");
    /** The orders module's reasons for refusing a receiver's address ({@code Webhooks.refusal}), to their words. */
    private static final Map<String, String> REFUSALS = Map.of(
            "not a URL", "developers.refusal.not-a-url",
            "the URL needs a host, and no user info or fragment", "developers.refusal.host",
            "the URL must be http or https", "developers.refusal.http-or-https",
            "the URL must be https", "developers.refusal.https",
            "the host is not a name or a plain IP address", "developers.refusal.odd-host",
            "the host resolves to a non-public address", "developers.refusal.not-public",
            "the host does not resolve", "developers.refusal.no-such-host");
    private static final Pattern TOO_MANY = Pattern.compile("at most ([0-9]{1,6}) endpoints per account");
    /** The orders module's reasons for turning an endpoint off. */
    private static final Map<String, String> OFF_REASONS = Map.of(
            "deleted by its owner", "developers.off.deleted",
            "the receiver answered 410 Gone", "developers.off.gone");
    private static final Pattern FAILING = Pattern.compile("failing since (\\S{1,40}) \\(5 days without a successful delivery\\)");
    private static final List<String> EVENT_TYPES = Webhooks.EVENT_TYPES.stream().sorted().toList();

    private final Accounts accounts;
    private final Webhooks webhooks;

    DeveloperPages(Accounts accounts, Webhooks webhooks) {
        this.accounts = accounts;
        this.webhooks = webhooks;
    }

    /** The tabs every developer page (and the API docs) shows. */
    static String tabs(Texts t, String current) {
        return "<nav class=\"tabs\" aria-label=\"" + Html.escape(t.get("developers.tabs")) + "\">"
                + tab("/developers/keys", t.get("developers.tab.keys"), current) + tab("/developers/webhooks", t.get("developers.tab.webhooks"), current)
                + tab("/developers/docs", t.get("developers.tab.docs"), current) + "</nav>";
    }

    private static String tab(String href, String label, String current) {
        return "<a href=\"" + href + "\"" + (href.equals(current) ? " aria-current=\"page\"" : "") + ">" + Html.escape(label) + "</a>";
    }

    private static String done(Visit visit, ServerRequest req) {
        return req.query().first("done").asOptional().map(DONE::get).map(k -> Html.notice("ok", visit.texts().get(k))).orElse("");
    }

    /** A column heading and the matching {@code data-label} of its cells (the phone layout shows it). */
    private static String th(Texts t, String key) {
        return "<th scope=\"col\">" + Html.escape(t.get(key)) + "</th>";
    }

    private static String td(Texts t, String key) {
        return "<td data-label=\"" + Html.escape(t.get(key)) + "\">";
    }

    // API keys ------------------------------------------------------------------------------------

    void keys(Visit visit, ServerRequest req, ServerResponse res) {
        Website.send(res, 200, keysPage(visit, done(visit, req), Optional.empty()));
    }

    void createKey(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String label = form.text("label").strip();
        if (label.length() > 64 || label.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
            Website.send(res, 400, keysPage(visit, Html.notice("error", visit.texts().get("developers.keys.label-too-long")), Optional.empty()));
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
            throw new Website.NotFound(visit.texts().get("developers.no-key", raw));
        }
        Website.redirect(res, "/developers/keys?done=revoked");
    }

    private String keysPage(Visit visit, String message, Optional<NewApiKey> created) {
        Texts t = visit.texts();
        String shown = created.map(k -> {
            String lead = k.label().isEmpty() ? t.get(k.test() ? "developers.keys.new-test" : "developers.keys.new")
                    : t.get(k.test() ? "developers.keys.new-test-labelled" : "developers.keys.new-labelled", k.label());
            return """
                    <div class="secret" role="status">
                    <p><strong>%s</strong> %s</p>
                    <p><code id="new-key">%s</code> <button type="button" data-copy="%s">%s</button></p>
                    </div>
                    """.formatted(Html.escape(lead), Html.escape(t.get("developers.keys.shown-once")), Html.escape(k.secret()),
                    Html.escape(k.secret()), Html.escape(t.get("developers.keys.copy")));
        }).orElse("");
        StringBuilder rows = new StringBuilder();
        for (ApiKeyInfo k : accounts.keys(visit.owner())) {
            rows.append("<tr>").append(td(t, "developers.column.label"))
                    .append(k.label().isEmpty() ? "<span class=\"hint\">" + Html.escape(t.get("developers.keys.no-label")) + "</span>" : Html.escape(k.label()))
                    .append("</td>").append(td(t, "developers.column.key")).append("<code>").append(Html.escape(k.prefix())).append("…</code>")
                    .append(k.test() ? " " + Html.escape(t.get("developers.keys.test")) : "").append("</td>").append(td(t, "developers.column.created"))
                    .append(Html.escape(t.when(k.createdAt()))).append("</td>").append(td(t, "developers.column.state"));
            if (k.revokedAt().isPresent()) {
                rows.append(Html.escape(t.get("developers.keys.revoked", t.when(k.revokedAt().get())))).append("</td><td></td></tr>");
            } else {
                rows.append(Html.escape(t.get("developers.keys.live"))).append("</td><td><form method=\"post\" action=\"/developers/keys/")
                        .append(k.id()).append("/revoke\">").append(Html.csrfField(visit)).append("<button type=\"submit\" class=\"danger\" aria-label=\"")
                        .append(Html.escape(t.get("developers.keys.revoke-key", k.label().isEmpty() ? k.prefix() : k.label()))).append("\">")
                        .append(Html.escape(t.get("developers.keys.revoke"))).append("</button></form></td></tr>");
            }
        }
        String main = """
                <h1>%s</h1>
                %s
                %s%s
                <p>%s</p>
                <p>%s</p>
                <form method="post" action="/developers/keys" class="search">
                %s
                <label for="label">%s</label>
                <input id="label" name="label" maxlength="64" placeholder="%s">
                <button type="submit">%s</button>
                <button type="submit" name="mode" value="test">%s</button>
                </form>
                %s
                """.formatted(Html.escape(t.get("developers.keys.title")), tabs(t, "/developers/keys"), message, shown,
                Markup.of(t, "developers.keys.how", "<code>Authorization: Bearer &lt;key&gt;</code>", "<code>api_key</code>"),
                Markup.of(t, "developers.keys.test-keys", "<code>np_test_…</code>", "<code>\"livemode\": false</code>", "<code>x0</code>",
                        "<code>xn</code>", "<code>x5</code>"),
                Html.csrfField(visit), Html.escape(t.get("developers.column.label")), Html.escape(t.get("developers.keys.placeholder")),
                Html.escape(t.get("developers.keys.create")), Html.escape(t.get("developers.keys.create-test")),
                rows.isEmpty() ? "<p class=\"empty\">" + Html.escape(t.get("developers.keys.none")) + "</p>"
                        : "<table class=\"offers\"><thead><tr>" + th(t, "developers.column.label") + th(t, "developers.column.key")
                        + th(t, "developers.column.created") + th(t, "developers.column.state") + "<th scope=\"col\"><span class=\"visually-hidden\">"
                        + Html.escape(t.get("developers.keys.revoke")) + "</span></th></tr></thead><tbody>" + rows + "</tbody></table>");
        return Html.page(visit, t.get("developers.keys.title"), "/developers/keys", main);
    }

    // Webhooks ------------------------------------------------------------------------------------

    void webhooks(Visit visit, ServerRequest req, ServerResponse res) {
        Website.send(res, 200, webhooksPage(visit, done(visit, req), "", List.of(), WebhookFormat.STANDARD));
    }

    void createEndpoint(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        Texts t = visit.texts();
        String url = form.text("url").strip();
        List<String> types = new ArrayList<>();
        for (String type : EVENT_TYPES) {
            if (form.get("event." + type).isPresent()) {
                types.add(type);
            }
        }
        Optional<WebhookFormat> format = WebhookFormat.fromWire(form.get("format").orElse(WebhookFormat.STANDARD.wire()));
        if (format.isEmpty()) {
            Website.send(res, 400, webhooksPage(visit, Html.notice("error", t.get("developers.webhooks.bad-format")), url, types, WebhookFormat.STANDARD));
            return;
        }
        if (types.isEmpty()) {
            Website.send(res, 400, webhooksPage(visit, Html.notice("error", t.get("developers.webhooks.pick-event")), url, types, format.get()));
            return;
        }
        if (url.isEmpty() || url.length() > 2048) {
            Website.send(res, 400, webhooksPage(visit, Html.notice("error", t.get("developers.webhooks.enter-url")), url, types, format.get()));
            return;
        }
        switch (webhooks.create(visit.owner(), url, types, format.get())) {
            case Webhooks.Created.Endpoint e -> Website.send(res, 201, endpointPage(visit, e.id(), "", Optional.of(e.secret())));
            // Events the format does not carry: the address is not the problem, so the notice says what is.
            case Webhooks.Created.Refused r when r.reason().equals(Webhooks.formatRefusal(format.get())) -> Website.send(res, 400,
                    webhooksPage(visit, Html.notice("error", t.get("developers.webhooks.format-events", String.join(", ",
                            format.get().eventTypes().stream().sorted().toList()))), url, types, format.get()));
            case Webhooks.Created.Refused r -> Website.send(res, 400, webhooksPage(visit, Html.notice("error",
                    t.get("developers.webhooks.refused", refusal(t, r.reason()))), url, types, format.get()));
        }
    }

    /** Why an address is refused, in the visitor's words where we know the reason. */
    static String refusal(Texts t, String reason) {
        String key = REFUSALS.get(reason);
        if (key != null) {
            return t.get(key);
        }
        Matcher tooMany = TOO_MANY.matcher(reason);
        return tooMany.matches() ? t.get("developers.refusal.too-many", Integer.parseInt(tooMany.group(1))) : reason;
    }

    /** Why an endpoint is off, in the visitor's words where we know the reason. */
    static String offReason(Texts t, String reason) {
        String key = OFF_REASONS.get(reason);
        if (key != null) {
            return t.get(key);
        }
        Matcher failing = FAILING.matcher(reason);
        if (failing.matches()) {
            try {
                return t.get("developers.off.failing", t.when(Instant.parse(failing.group(1))));
            } catch (DateTimeParseException e) {
                return reason;
            }
        }
        return reason;
    }

    private static String state(Texts t, Webhooks.Endpoint e) {
        return e.enabled() ? t.get("developers.endpoint.active")
                : e.disabledReason().filter(r -> !r.isBlank()).map(r -> t.get("developers.endpoint.off-because", offReason(t, r)))
                .orElseGet(() -> t.get("developers.endpoint.off"));
    }

    private String webhooksPage(Visit visit, String message, String url, List<String> checked, WebhookFormat chosen) {
        Texts t = visit.texts();
        StringBuilder rows = new StringBuilder();
        for (Webhooks.Endpoint e : webhooks.endpoints(visit.owner())) {
            rows.append("<tr>").append(td(t, "developers.column.address")).append("<a href=\"/developers/webhooks/").append(e.id()).append("\">")
                    .append(Html.escape(e.url())).append("</a></td>").append(td(t, "developers.column.events")).append(Html.escape(String.join(", ", e.eventTypes().stream().sorted().toList())))
                    .append("</td>").append(td(t, "developers.column.format")).append(Html.escape(formatName(t, e.format())))
                    .append("</td>").append(td(t, "developers.column.state")).append(Html.escape(state(t, e))).append("</td></tr>");
        }
        StringBuilder formats = new StringBuilder();
        for (WebhookFormat f : WebhookFormat.values()) {
            formats.append("<option value=\"").append(Html.escape(f.wire())).append("\"").append(f == chosen ? " selected" : "").append('>')
                    .append(Html.escape(formatName(t, f))).append("</option>");
        }
        StringBuilder boxes = new StringBuilder();
        for (String type : EVENT_TYPES) {
            boolean on = checked.isEmpty() ? type.startsWith("activation.") : checked.contains(type);
            String id = "ev-" + type.replace('.', '-').replace('_', '-');
            boxes.append("<label class=\"check\" for=\"").append(id).append("\"><input type=\"checkbox\" id=\"").append(id)
                    .append("\" name=\"event.").append(Html.escape(type)).append("\"").append(on ? " checked" : "").append("> ")
                    .append(Html.escape(type)).append("</label>");
        }
        String main = """
                <h1>%s</h1>
                %s
                %s
                <p>%s</p>
                <form method="post" action="/developers/webhooks" class="stack">
                %s
                <label for="url">%s</label>
                <input id="url" name="url" type="url" value="%s" maxlength="2048" placeholder="https://example.com/numpool-webhook" required>
                <fieldset><legend>%s</legend>%s</fieldset>
                <label for="format">%s</label>
                <select id="format" name="format" aria-describedby="format-hint">%s</select>
                <p id="format-hint" class="hint">%s</p>
                <button type="submit">%s</button>
                </form>
                %s
                """.formatted(Html.escape(t.get("developers.webhooks.title")), tabs(t, "/developers/webhooks"), message,
                Html.escape(t.get("developers.webhooks.intro")), Html.csrfField(visit), Html.escape(t.get("developers.webhooks.url")), Html.escape(url),
                Html.escape(t.get("developers.column.events")), boxes, Html.escape(t.get("developers.column.format")), formats,
                Html.escape(t.get("developers.webhooks.format-hint", String.join(", ", WebhookFormat.SMS_ACTIVATE.eventTypes().stream().sorted().toList()))),
                Html.escape(t.get("developers.webhooks.add")),
                rows.isEmpty() ? "<p class=\"empty\">" + Html.escape(t.get("developers.webhooks.none")) + "</p>"
                        : "<table class=\"offers\"><thead><tr>" + th(t, "developers.column.address") + th(t, "developers.column.events")
                        + th(t, "developers.column.format") + th(t, "developers.column.state") + "</tr></thead><tbody>" + rows + "</tbody></table>");
        return Html.page(visit, t.get("developers.webhooks.title"), "/developers/webhooks", main);
    }

    /** A format's name on the page: the protocol's own name stays, with words saying what it is. */
    private static String formatName(Texts t, WebhookFormat format) {
        return t.get(switch (format) {
            case STANDARD -> "developers.format.standard";
            case SMS_ACTIVATE -> "developers.format.sms-activate";
        });
    }

    void endpoint(Visit visit, ServerRequest req, ServerResponse res) {
        long id = endpointId(visit, req);
        String error = req.query().first("error").filter("rotation"::equals)
                .map(x -> Html.notice("error", visit.texts().get("developers.endpoint.rotation-wait")))
                .orElse("");
        Website.send(res, 200, endpointPage(visit, id, done(visit, req) + error, Optional.empty()));
    }

    private String endpointPage(Visit visit, long id, String message, Optional<String> secret) {
        Texts t = visit.texts();
        Webhooks.Endpoint e = webhooks.endpoints(visit.owner()).stream().filter(x -> x.id() == id).findFirst()
                .orElseThrow(() -> new Website.NotFound(t.get("developers.no-endpoint", String.valueOf(id))));
        String shown = secret.map(s -> """
                <div class="secret" role="status"><p><strong>%s</strong> %s</p>
                <p><code id="new-secret">%s</code> <button type="button" data-copy="%s">%s</button></p></div>
                """.formatted(Html.escape(t.get("developers.secret.lead")), Html.escape(t.get("developers.secret.shown-once")), Html.escape(s),
                Html.escape(s), Html.escape(t.get("developers.secret.copy")))).orElse("");
        StringBuilder rows = new StringBuilder();
        for (WebhookDelivery d : webhooks.deliveries(visit.owner(), id, 50)) {
            // A replay is stored under "<webhook-id>#replay-…" and sent under the webhook-id itself.
            int hash = d.messageId().indexOf('#');
            String webhookId = hash < 0 ? d.messageId() : d.messageId().substring(0, hash);
            String state = Optional.ofNullable(DELIVERY_STATES.get(d.state())).map(t::get).orElse(d.state());
            rows.append("<tr>").append(td(t, "developers.column.event")).append(Html.escape(d.eventType()))
                    .append(hash < 0 ? "" : " " + Html.escape(t.get("developers.delivery.replayed")))
                    .append("<br><code class=\"small\">").append(Html.escape(webhookId)).append("</code></td>").append(td(t, "developers.column.state"))
                    .append(Html.escape(state)).append("</td>").append(td(t, "developers.column.attempts")).append(attempts(t, d))
                    .append("</td>").append(td(t, "developers.column.last-answer")).append(Html.escape(d.lastStatus().map(String::valueOf)
                            .orElseGet(() -> d.lastError().map(err -> lastError(t, err))
                                    .orElseGet(() -> t.get(d.attemptCount() == 0 ? "developers.delivery.not-sent" : "developers.delivery.no-answer")))))
                    .append("</td>").append(td(t, "developers.column.created")).append(Html.escape(t.when(d.createdAt()))).append("</td><td>");
            if (e.enabled()) {
                rows.append("<form method=\"post\" action=\"/developers/webhooks/").append(id).append("/deliveries/")
                        .append(Html.escape(webhookId)).append("/replay\">").append(Html.csrfField(visit))
                        .append("<button type=\"submit\">").append(Html.escape(t.get("developers.delivery.replay"))).append("</button></form>");
            }
            rows.append("</td></tr>");
        }
        String actions = e.enabled() ? """
                <div class="actions">
                <form method="post" action="/developers/webhooks/%d/test">%s<button type="submit" id="send-test">%s</button></form>
                <form method="post" action="/developers/webhooks/%d/rotate">%s<button type="submit" id="rotate">%s</button></form>
                <form method="post" action="/developers/webhooks/%d/delete">%s<button type="submit" class="danger">%s</button></form>
                </div>
                """.formatted(id, Html.csrfField(visit), Html.escape(t.get("developers.endpoint.send-test")),
                id, Html.csrfField(visit), Html.escape(t.get("developers.endpoint.rotate")),
                id, Html.csrfField(visit), Html.escape(t.get("developers.endpoint.remove")))
                : "<p>" + Html.escape(e.disabledReason().filter(r -> !r.isBlank())
                        .map(r -> t.get("developers.endpoint.is-off-because", offReason(t, r))).orElseGet(() -> t.get("developers.endpoint.is-off"))) + "</p>";
        String main = """
                <h1>%s</h1>
                %s
                %s%s
                <dl class="facts"><dt>%s</dt><dd class="wrap">%s</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd></dl>
                %s
                <h2>%s</h2>
                %s
                <p><a href="/developers/webhooks">%s</a></p>
                """.formatted(Html.escape(t.get("developers.endpoint.title")), tabs(t, "/developers/webhooks"), message, shown,
                Html.escape(t.get("developers.column.address")), Html.escape(e.url()),
                Html.escape(t.get("developers.column.events")), Html.escape(String.join(", ", e.eventTypes().stream().sorted().toList())),
                Html.escape(t.get("developers.column.format")), Html.escape(formatName(t, e.format())),
                Html.escape(t.get("developers.column.state")), Html.escape(t.get(e.enabled() ? "developers.endpoint.active" : "developers.endpoint.off")),
                actions, Html.escape(t.get("developers.endpoint.delivery-log")),
                rows.isEmpty() ? "<p class=\"empty\">" + Html.escape(t.get("developers.endpoint.nothing-sent")) + "</p>"
                        : "<table class=\"offers\" id=\"deliveries\"><thead><tr>" + th(t, "developers.column.event") + th(t, "developers.column.state")
                        + th(t, "developers.column.attempts") + th(t, "developers.column.last-answer") + th(t, "developers.column.created")
                        + "<th scope=\"col\"><span class=\"visually-hidden\">" + Html.escape(t.get("developers.delivery.replay"))
                        + "</span></th></tr></thead><tbody>" + rows + "</tbody></table>",
                Html.escape(t.get("developers.endpoint.all")));
        return Html.page(visit, t.get("developers.endpoint.title"), "/developers/webhooks", main);
    }

    /** A delivery's last error: the receiver's or the network's words as they were, ours translated. */
    private static String lastError(Texts t, String error) {
        String disabled = "endpoint disabled: ";
        return error.startsWith(disabled) ? t.get("developers.delivery.endpoint-off", offReason(t, error.substring(disabled.length()))) : error;
    }

    /** The attempt count, opening to every attempt: when, the receiver's answer or the failure, how long it took. */
    private static String attempts(Texts t, WebhookDelivery d) {
        if (d.attempts().isEmpty()) {
            return Html.escape(t.number(d.attemptCount()));
        }
        StringBuilder out = new StringBuilder("<details><summary>").append(Html.escape(t.number(d.attemptCount()))).append("</summary><ol class=\"attempts\">");
        for (WebhookDelivery.Attempt a : d.attempts()) {
            String answer = a.status().map(st -> "HTTP " + st).orElseGet(() -> a.error().orElseGet(() -> t.get("developers.delivery.no-answer")));
            out.append("<li>").append(Html.escape(t.get("developers.delivery.attempt", t.when(a.at()), answer, String.valueOf(a.latencyMillis()))));
            a.response().filter(r -> !r.isBlank()).ifPresent(r -> out.append("<br><code class=\"small\">").append(Html.escape(r)).append("</code>"));
            out.append("</li>");
        }
        return out.append("</ol></details>").toString();
    }

    void testEvent(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        long id = endpointId(visit, req);
        if (!webhooks.sendTestEvent(visit.owner(), id)) {
            throw new Website.NotFound(visit.texts().get("developers.no-active-endpoint", String.valueOf(id)));
        }
        Website.redirect(res, "/developers/webhooks/" + id + "?done=test");
    }

    void rotateSecret(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        long id = endpointId(visit, req);
        Optional<String> secret = webhooks.rotateSecret(visit.owner(), id);
        if (secret.isEmpty()) {
            if (webhooks.endpoints(visit.owner()).stream().anyMatch(e -> e.id() == id && e.enabled())) {
                Website.redirect(res, "/developers/webhooks/" + id + "?error=rotation");
                return;
            }
            throw new Website.NotFound(visit.texts().get("developers.no-active-endpoint", String.valueOf(id)));
        }
        Website.send(res, 200, endpointPage(visit, id, Html.notice("ok", visit.texts().get("developers.secret.rotated")), secret));
    }

    void deleteEndpoint(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        long id = endpointId(visit, req);
        if (!webhooks.delete(visit.owner(), id)) {
            throw new Website.NotFound(visit.texts().get("developers.no-endpoint", String.valueOf(id)));
        }
        Website.redirect(res, "/developers/webhooks?done=deleted");
    }

    void replay(Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        long id = endpointId(visit, req);
        String messageId = req.path().pathParameters().get("messageId");
        if (!messageId.matches("[A-Za-z0-9_]{1,64}") || !webhooks.replay(visit.owner(), id, messageId)) {
            throw new Website.NotFound(visit.texts().get("developers.no-delivery"));
        }
        Website.redirect(res, "/developers/webhooks/" + id + "?done=replay");
    }

    private static long endpointId(Visit visit, ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        if (raw == null || !raw.matches("[0-9]{1,18}")) {
            throw new Website.NotFound(visit.texts().get("developers.no-endpoint-number"));
        }
        return Long.parseLong(raw);
    }
}
