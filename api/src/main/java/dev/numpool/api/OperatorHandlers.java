package dev.numpool.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Money;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.AdjustResult;
import dev.numpool.orders.CodeReviewResult;
import dev.numpool.orders.CodeTemplate;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.Orders;
import dev.numpool.orders.SmsReview;
import dev.numpool.orders.Topups;
import dev.numpool.orders.UpstreamReport;
import io.helidon.http.HeaderNames;
import java.util.List;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The operator's routes under {@code /v1/operator}: provider health and offer history, the status
 * reports providers refused or never answered, the rented-number pool, and credits and debits of
 * customers' balances (each with its reason, kept beside the transfer). A separate credential from customers' API keys, compared
 * in constant time; without one configured the routes do not exist.
 */
final class OperatorHandlers {
    private static final Set<String> REPORT_STATES = Set.of("pending", "confirmed", "refused", "abandoned");

    private final Inventory inventory;
    private final Orders orders;
    private final Ledger ledger;
    private final Topups topups;
    private final byte[] token;

    OperatorHandlers(Inventory inventory, Orders orders, Ledger ledger, Topups topups, String token) {
        this.inventory = inventory;
        this.orders = orders;
        this.ledger = ledger;
        this.topups = topups;
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    List<NativeApi.Route> routes() {
        return List.of(
                new NativeApi.Route("GET", "/v1/operator/providers", this::providers),
                new NativeApi.Route("GET", "/v1/operator/providers/{name}/refreshes", this::refreshes),
                new NativeApi.Route("GET", "/v1/operator/providers/{name}/offer-history", this::offerHistory),
                new NativeApi.Route("PUT", "/v1/operator/providers/{name}/pause", this::pause),
                new NativeApi.Route("GET", "/v1/operator/markups", this::markups),
                new NativeApi.Route("PUT", "/v1/operator/markups", this::setMarkups),
                new NativeApi.Route("GET", "/v1/operator/pool", this::pool),
                new NativeApi.Route("POST", "/v1/operator/pool", this::importPool),
                new NativeApi.Route("GET", "/v1/operator/upstream-reports", this::reports),
                new NativeApi.Route("GET", "/v1/operator/accounts/{id}/balance", this::accountBalance),
                new NativeApi.Route("POST", "/v1/operator/accounts/{id}/adjustments", this::adjust),
                new NativeApi.Route("GET", "/v1/operator/stripe-events/waiting", this::waitingStripeEvents),
                new NativeApi.Route("GET", "/v1/operator/sms-reviews", this::smsReviews),
                new NativeApi.Route("POST", "/v1/operator/sms-reviews/{id}/code", this::markCode),
                new NativeApi.Route("POST", "/v1/operator/sms-reviews/{id}/dismiss", this::dismissSms),
                new NativeApi.Route("GET", "/v1/operator/code-templates", this::codeTemplates),
                new NativeApi.Route("POST", "/v1/operator/code-templates", this::addCodeTemplate),
                new NativeApi.Route("DELETE", "/v1/operator/code-templates/{id}", this::removeCodeTemplate));
    }

    private void providers(ServerRequest req, ServerResponse res) {
        authorize(req);
        Map<String, Map<String, Integer>> backlog = orders.upstreamBacklog();
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("providers");
        for (Inventory.ProviderHealth h : inventory.health()) {
            ObjectNode n = list.addObject()
                    .put("name", h.name()).put("kind", h.kind()).put("circuit", h.circuit())
                    .put("latencyMillis", h.latencyMillis()).put("cachedOffers", h.offers()).put("cachedStock", h.stock())
                    .put("deliveredToday", h.deliveredToday()).put("endedToday", h.endedToday());
            n.put("medianSecondsToCode", h.medianTimeToCode().map(d -> d.toMillis() / 1000.0).orElse(null));
            n.put("paused", h.pausedReason().isPresent());
            n.put("pausedReason", h.pausedReason().orElse(null));
            ObjectNode reports = n.putObject("statusReports");
            backlog.getOrDefault(h.name(), Map.of()).forEach(reports::put);
        }
        NativeApi.json(res, 200, body);
    }

    private void refreshes(ServerRequest req, ServerResponse res) {
        authorize(req);
        String name = req.path().pathParameters().get("name");
        if (inventory.health().stream().noneMatch(h -> h.name().equals(name))) {
            throw Problem.notFound("No provider '" + name + "'.");
        }
        int limit = Requests.intQuery(req, "limit", 1, 500).orElse(100);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("data");
        for (Inventory.Refresh r : inventory.refreshHistory(name, limit)) {
            ObjectNode n = list.addObject().put("takenAt", r.takenAt().toString()).put("ok", r.ok())
                    .put("offers", r.offers()).put("totalStock", r.totalStock());
            n.put("minCost", r.minCostMicros().map(dev.numpool.inventory.Money::format).orElse(null));
            n.put("error", r.error().orElse(null));
        }
        NativeApi.json(res, 200, body);
    }

    /** {@code ?service=tg&country=0[&operator=any][&limit=100]}: that offer's changes, newest first. */
    private void offerHistory(ServerRequest req, ServerResponse res) {
        authorize(req);
        String name = req.path().pathParameters().get("name");
        if (inventory.health().stream().noneMatch(h -> h.name().equals(name))) {
            throw Problem.notFound("No provider '" + name + "'.");
        }
        String service = Requests.query(req, "service").filter(v -> inventory.service(v).isPresent())
                .orElseThrow(() -> Problem.badRequest("'service' must be a service code of /v1/services."));
        int country = Requests.intQuery(req, "country", 0, Integer.MAX_VALUE).filter(c -> inventory.country(c).isPresent())
                .orElseThrow(() -> Problem.badRequest("'country' must be a country id of /v1/countries."));
        String operator = Requests.query(req, "operator").orElse("any");
        if (!operator.matches("[a-z0-9_-]{1,32}")) {
            throw Problem.badRequest("'operator' is 1 to 32 of a-z, 0-9, '_' and '-'.");
        }
        int limit = Requests.intQuery(req, "limit", 1, 500).orElse(100);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("data");
        for (Inventory.OfferPoint p : inventory.offerHistory(name, service, country, operator, limit)) {
            list.addObject().put("takenAt", p.takenAt().toString()).put("cost", dev.numpool.inventory.Money.format(p.costMicros()))
                    .put("stock", p.stock());
        }
        NativeApi.json(res, 200, body);
    }

    /** {@code {"paused": true, "reason": "…"}}: out of routing and the catalogue on every node within seconds, or back. */
    private void pause(ServerRequest req, ServerResponse res) {
        authorize(req);
        String name = req.path().pathParameters().get("name");
        com.fasterxml.jackson.databind.node.ObjectNode body = Json.object(Requests.jsonBody(req), java.util.Set.of("paused", "reason"));
        if (!body.path("paused").isBoolean()) {
            throw Problem.badRequest("'paused' is required: true or false.");
        }
        String reason = body.path("reason").isMissingNode() || body.get("reason").isNull() ? "" : body.get("reason").isTextual()
                ? body.get("reason").asText() : null;
        if (reason == null || reason.length() > 200 || Requests.hasControlCharacters(reason, false)) {
            throw Problem.badRequest("'reason' is a string of at most 200 printable characters.");
        }
        if (!inventory.pause(name, body.get("paused").booleanValue(), reason)) {
            throw Problem.notFound("No provider '" + name + "'.");
        }
        providers(req, res);
    }

    private void markups(ServerRequest req, ServerResponse res) {
        authorize(req);
        NativeApi.json(res, 200, markupsJson(inventory.markups()));
    }

    /**
     * {@code {"markupPercent": 25, "minimumMargin": "0.01", "rules": [{"service"?, "country"?,
     * "provider"?, "percent"}]}} replaces the markups of every node (the configuration's stay as
     * the defaults a fresh database starts from).
     */
    private void setMarkups(ServerRequest req, ServerResponse res) {
        authorize(req);
        com.fasterxml.jackson.databind.node.ObjectNode body = Json.object(Requests.jsonBody(req), java.util.Set.of("markupPercent", "minimumMargin", "rules"));
        com.fasterxml.jackson.databind.JsonNode percent = body.get("markupPercent");
        if (percent == null || !percent.isIntegralNumber() || !percent.canConvertToInt()) {
            throw Problem.badRequest("'markupPercent' is required: a whole percent from 0 to 1000.");
        }
        java.util.OptionalLong margin = body.path("minimumMargin").isTextual()
                ? dev.numpool.inventory.Money.parseMicros(body.get("minimumMargin").asText()) : java.util.OptionalLong.empty();
        if (margin.isEmpty()) {
            throw Problem.badRequest("'minimumMargin' is required: a decimal string such as \"0.01\".");
        }
        com.fasterxml.jackson.databind.JsonNode rules = body.path("rules");
        if (!rules.isArray()) {
            throw Problem.badRequest("'rules' is required: an array, empty for none.");
        }
        java.util.List<Inventory.MarkupRule> parsed = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode r : rules) {
            if (!r.isObject() || !r.path("percent").isIntegralNumber() || !r.path("percent").canConvertToInt()
                    || (r.has("service") && !r.get("service").isTextual()) || (r.has("provider") && !r.get("provider").isTextual())
                    || (r.has("country") && !(r.get("country").isIntegralNumber() && r.get("country").canConvertToInt()))) {
                throw Problem.badRequest("Each rule is {\"service\"?: string, \"country\"?: integer, \"provider\"?: string, \"percent\": integer}.");
            }
            parsed.add(new Inventory.MarkupRule(Optional.ofNullable(r.get("service")).map(v -> v.asText()),
                    Optional.ofNullable(r.get("country")).map(v -> v.asInt()), Optional.ofNullable(r.get("provider")).map(v -> v.asText()),
                    r.get("percent").asLong()));
        }
        Optional<String> refused = inventory.setMarkups(percent.asLong(), margin.getAsLong(), parsed);
        if (refused.isPresent()) {
            throw Problem.badRequest("Markups not changed: " + refused.get() + ".");
        }
        NativeApi.json(res, 200, markupsJson(inventory.markups()));
    }

    private static ObjectNode markupsJson(Inventory.Markups m) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("markupPercent", m.defaultPercent())
                .put("minimumMargin", dev.numpool.inventory.Money.format(m.minimumMarginMicros()))
                .put("source", m.setByOperator() ? "operator" : "configuration");
        ArrayNode rules = body.putArray("rules");
        for (Inventory.MarkupRule r : m.rules()) {
            ObjectNode n = rules.addObject();
            r.service().ifPresent(v -> n.put("service", v));
            r.country().ifPresent(v -> n.put("country", v));
            r.provider().ifPresent(v -> n.put("provider", v));
            n.put("percent", r.percent());
        }
        return body;
    }

    private void pool(ServerRequest req, ServerResponse res) {
        authorize(req);
        int limit = Requests.intQuery(req, "limit", 1, 10_000).orElse(1000);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("data");
        for (Inventory.PoolNumberView n : inventory.poolNumbers(limit)) {
            ObjectNode o = list.addObject().put("phone", n.phone()).put("country", n.country()).put("rentedFrom", n.rentedFrom())
                    .put("leaseEndsAt", n.leaseEndsAt().toString()).put("inUse", n.inUse());
            o.put("gatewayDevice", n.gatewayDevice().orElse(null));
            o.put("gatewaySim", n.gatewaySim().orElse(null));
            o.put("releasedAt", n.releasedAt().map(Object::toString).orElse(null));
        }
        NativeApi.json(res, 200, body);
    }

    /**
     * Adds numbers to the pool, all or none: {@code text/csv} with the header
     * {@code phone,rented_from,lease_ends_at[,gateway_device,gateway_sim]}, or JSON
     * {@code {"numbers":[{phone, rentedFrom, leaseEndsAt, gatewayDevice?, gatewaySim?}]}}.
     */
    private void importPool(ServerRequest req, ServerResponse res) {
        authorize(req);
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).map(t -> t.toLowerCase().split(";")[0].strip()).orElse("application/json");
        if (!type.equals("text/csv") && !type.equals("application/json")) {
            throw new Problem(415, "unsupported-media-type", "Unsupported media type", "Send the pool as text/csv or application/json.");
        }
        boolean csv = type.equals("text/csv");
        byte[] raw = Requests.body(req, 2 * 1024 * 1024);
        java.util.List<Inventory.PoolImport> entries = csv ? PoolCsv.parse(new String(raw, StandardCharsets.UTF_8)) : poolJson(raw);
        switch (inventory.importPool(entries)) {
            case Inventory.PoolImportResult.Imported imported ->
                    NativeApi.json(res, 200, Json.MAPPER.createObjectNode().put("imported", imported.numbers()));
            case Inventory.PoolImportResult.Refused refused -> {
                ObjectNode problem = Json.MAPPER.createObjectNode()
                        .put("type", "/problems/pool-import-refused").put("title", "Pool import refused")
                        .put("status", 422).put("detail", "Nothing was imported; fix these entries and send the whole import again.");
                refused.problems().forEach(problem.putArray("problems")::add);
                res.status(422).header(HeaderNames.CONTENT_TYPE, "application/problem+json").send(problem.toString());
            }
        }
    }

    private static java.util.List<Inventory.PoolImport> poolJson(byte[] raw) {
        com.fasterxml.jackson.databind.JsonNode json;
        try {
            json = Json.MAPPER.readTree(raw);
        } catch (java.io.IOException e) {
            throw Problem.badRequest("The body is not JSON.");
        }
        if (json == null || !json.path("numbers").isArray()) {
            throw Problem.badRequest("Send {\"numbers\": [{\"phone\", \"rentedFrom\", \"leaseEndsAt\", \"gatewayDevice\"?, \"gatewaySim\"?}]}.");
        }
        java.util.List<Inventory.PoolImport> entries = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode n : json.get("numbers")) {
            if (!n.isObject()) {
                throw Problem.badRequest("Every entry of 'numbers' is an object.");
            }
            com.fasterxml.jackson.databind.JsonNode sim = n.get("gatewaySim");
            if (sim != null && !sim.isNull() && !sim.canConvertToInt()) {
                throw Problem.badRequest("'gatewaySim' is a whole number from 1 to 8.");
            }
            entries.add(new Inventory.PoolImport(text(n, "phone"), text(n, "rentedFrom"), text(n, "leaseEndsAt"),
                    Optional.ofNullable(text(n, "gatewayDevice")),
                    sim == null || sim.isNull() ? Optional.empty() : Optional.of(sim.intValue())));
        }
        return entries;
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode n, String field) {
        com.fasterxml.jackson.databind.JsonNode v = n.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    private void reports(ServerRequest req, ServerResponse res) {
        authorize(req);
        String state = Requests.query(req, "state").orElse("refused");
        if (!REPORT_STATES.contains(state)) {
            throw Problem.badRequest("'state' must be one of pending, confirmed, refused, abandoned.");
        }
        int limit = Requests.intQuery(req, "limit", 1, 500).orElse(100);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("data");
        for (UpstreamReport r : orders.upstreamReports(state, limit)) {
            ObjectNode n = list.addObject().put("id", r.id()).put("provider", r.provider()).put("providerRef", r.providerRef())
                    .put("kind", r.kind()).put("state", r.state()).put("attempts", r.attempts())
                    .put("createdAt", r.createdAt().toString());
            n.put("activationId", r.activationId().orElse(null));
            n.put("lastError", r.lastError().orElse(null));
        }
        NativeApi.json(res, 200, body);
    }

    private void accountBalance(ServerRequest req, ServerResponse res) {
        authorize(req);
        AccountId account = accountId(req);
        if (!ledger.exists(account)) {
            throw Problem.notFound("No account " + account.value() + ".");
        }
        NativeApi.json(res, 200, Json.balance(ledger.balance(account)));
    }

    /**
     * {@code {"direction": "credit"|"debit", "amount": "5.00", "reason": "..."}} with an
     * {@code Idempotency-Key}: a credit to or a debit from the account's available balance. A
     * debit never goes below zero (409); the same key again answers the first adjustment.
     */
    private void adjust(ServerRequest req, ServerResponse res) {
        authorize(req);
        AccountId account = accountId(req);
        String key = req.headers().first(io.helidon.http.HeaderNames.create("Idempotency-Key"))
                .filter(k -> !k.isEmpty() && k.length() <= 255 && !Requests.hasControlCharacters(k, false))
                .orElseThrow(() -> Problem.badRequest("An adjustment needs an Idempotency-Key header (1-255 printable characters), "
                        + "so that a retried request is not a second adjustment."));
        ObjectNode body = Json.object(Requests.jsonBody(req), Set.of("direction", "amount", "reason"));
        String direction = text(body, "direction");
        if (!"credit".equals(direction) && !"debit".equals(direction)) {
            throw Problem.badRequest("'direction' is required: \"credit\" or \"debit\".");
        }
        java.util.OptionalLong amount = Json.micros(body.get("amount"));
        if (amount.isEmpty() || amount.getAsLong() == 0) {
            throw Problem.badRequest("'amount' is required: a positive decimal of at most 6 decimal places and at most "
                    + Money.format(Money.MAX_MICROS) + ", e.g. \"5.00\".");
        }
        String reason = text(body, "reason");
        if (reason == null || reason.isBlank() || reason.length() > 500 || Requests.hasControlCharacters(reason, false)) {
            throw Problem.badRequest("'reason' is required: 1 to 500 printable characters, kept with the adjustment.");
        }
        switch (ledger.adjust(account, direction.equals("credit"), amount.getAsLong(), reason, "operator", key)) {
            case AdjustResult.Adjusted done -> {
                ObjectNode answer = Json.MAPPER.createObjectNode().put("adjustmentId", done.adjustmentId());
                answer.set("transaction", Json.ledgerEntry(done.entry()));
                answer.set("balance", Json.balance(done.balance()));
                if (done.replayed()) {
                    res.header("Idempotent-Replayed", "true");
                }
                NativeApi.json(res, done.replayed() ? 200 : 201, answer);
            }
            case AdjustResult.KeyReused reused -> throw new Problem(422, "idempotency-key-reused", "Idempotency-Key reused",
                    "This Idempotency-Key made a different adjustment of this account. Use a new key for a new adjustment.");
            case AdjustResult.UnknownAccount unknown -> throw Problem.notFound("No account " + account.value() + ".");
            case AdjustResult.InsufficientBalance poor -> throw new Problem(409, "insufficient-balance", "Insufficient balance",
                    "The account has " + Money.format(poor.availableMicros()) + " available; a debit never makes it negative.",
                    Map.of("available", Money.format(poor.availableMicros())));
        }
    }

    /** Stripe events not applied yet (waiting for their top-up or payment, or parked): what to look into. */
    private void waitingStripeEvents(ServerRequest req, ServerResponse res) {
        authorize(req);
        int limit = Requests.intQuery(req, "limit", 1, 500).orElse(100);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("data");
        for (Topups.WaitingEvent e : topups.waiting(limit)) {
            list.addObject().put("id", e.id()).put("type", e.type()).put("paymentIntent", e.paymentIntent().orElse(null))
                    .put("receivedAt", e.receivedAt().toString()).put("attempts", e.attempts()).put("why", e.why().orElse(null));
        }
        NativeApi.json(res, 200, body);
    }

    // Reading codes: the review queue and the templates -------------------------------------------

    /** SMS that reached a live activation and yielded no code, oldest first; {@code after} pages. */
    private void smsReviews(ServerRequest req, ServerResponse res) {
        authorize(req);
        long after = Requests.query(req, "after").map(raw -> Requests.parseId(raw)
                .orElseThrow(() -> Problem.badRequest("'after' must be an SMS id."))).orElse(0L);
        int limit = Requests.intQuery(req, "limit", 1, 500).orElse(100);
        List<SmsReview> reviews = orders.reviewQueue(after, limit);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("reviews");
        for (SmsReview r : reviews) {
            list.addObject().put("smsId", r.smsId()).put("activationId", r.activationId()).put("accountId", r.owner().value())
                    .put("service", r.service()).put("country", r.country()).put("status", r.status().wire())
                    .put("sender", r.sender()).put("text", r.text()).put("receivedAt", r.receivedAt().toString());
        }
        body.put("next", reviews.size() == limit ? Long.toString(reviews.getLast().smsId()) : null);
        NativeApi.json(res, 200, body);
    }

    private void markCode(ServerRequest req, ServerResponse res) {
        authorize(req);
        long sms = smsId(req);
        String code = text(Json.object(Requests.jsonBody(req), Set.of("code")), "code");
        if (code == null || code.isBlank() || code.length() > 32) {
            throw Problem.badRequest("'code' is required: the code as the SMS shows it, e.g. \"482913\".");
        }
        reviewed(res, sms, orders.markCode(sms, code));
    }

    private void dismissSms(ServerRequest req, ServerResponse res) {
        authorize(req);
        long sms = smsId(req);
        reviewed(res, sms, orders.dismissSms(sms));
    }

    private static void reviewed(ServerResponse res, long sms, CodeReviewResult result) {
        switch (result) {
            case CodeReviewResult.Reviewed done -> NativeApi.json(res, 200, Json.activation(done.activation()));
            case CodeReviewResult.NotFound missing -> throw Problem.notFound("No SMS " + sms + ".");
            case CodeReviewResult.NotOpen closed -> throw new Problem(409, "not-under-review", "Not under review",
                    "SMS " + sms + " is not waiting for review (" + closed.review() + ").");
            case CodeReviewResult.ActivationEnded ended -> throw new Problem(409, "activation-ended", "Activation ended",
                    "The SMS's activation is " + ended.status().wire() + "; no code is delivered or charged any more.");
            case CodeReviewResult.NotInText wrong -> throw new Problem(422, "code-not-in-text", "Code not in the SMS",
                    "The code must stand in the SMS's text as a word of its own (dashes or blanks inside it are fine).");
        }
    }

    private void codeTemplates(ServerRequest req, ServerResponse res) {
        authorize(req);
        Optional<String> service = Requests.query(req, "service");
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("templates");
        orders.codeTemplates(service).forEach(t -> list.add(template(t)));
        NativeApi.json(res, 200, body);
    }

    private void addCodeTemplate(ServerRequest req, ServerResponse res) {
        authorize(req);
        ObjectNode body = Json.object(Requests.jsonBody(req), Set.of("service", "sender", "template"));
        String sender = text(body, "sender");
        if (body.has("sender") && (sender == null || Requests.hasControlCharacters(sender, false))) {
            throw Problem.badRequest("'sender', when given, is the SMS sender as text (omit it for any sender).");
        }
        switch (orders.addCodeTemplate(text(body, "service"), sender, text(body, "template"))) {
            case Orders.TemplateResult.Added added -> NativeApi.json(res, 201, template(added.template()));
            case Orders.TemplateResult.Invalid invalid -> throw new Problem(422, "invalid-template", "Not a template", invalid.why());
            case Orders.TemplateResult.Exists exists -> throw new Problem(409, "template-exists", "Template exists",
                    "This service has this template for this sender already.");
        }
    }

    private void removeCodeTemplate(ServerRequest req, ServerResponse res) {
        authorize(req);
        String raw = req.path().pathParameters().get("id");
        long id = Requests.parseId(raw).orElseThrow(() -> Problem.notFound("No template '" + raw + "'."));
        if (!orders.removeCodeTemplate(id)) {
            throw Problem.notFound("No template " + id + ".");
        }
        res.status(204).send();
    }

    private static ObjectNode template(CodeTemplate t) {
        return Json.MAPPER.createObjectNode().put("id", t.id()).put("service", t.service()).put("sender", t.sender())
                .put("template", t.template()).put("origin", t.origin()).put("hits", t.hits())
                .put("lastHitAt", t.lastHitAt().map(Object::toString).orElse(null)).put("createdAt", t.createdAt().toString());
    }

    private static long smsId(ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        return Requests.parseId(raw).orElseThrow(() -> Problem.notFound("No SMS '" + raw + "'."));
    }

    private static AccountId accountId(ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        return Requests.parseId(raw).map(AccountId::new).orElseThrow(() -> Problem.notFound("No account '" + raw + "'."));
    }

    private void authorize(ServerRequest req) {
        byte[] given = Requests.bearer(req).map(b -> b.getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
        if (!MessageDigest.isEqual(given, token)) {
            throw new Problem(401, "unauthorized", "Missing or invalid operator token",
                    "Operator routes take 'Authorization: Bearer <NUMPOOL_OPERATOR_TOKEN>'.");
        }
    }
}
