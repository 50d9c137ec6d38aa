package dev.numpool.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.PoolCsv;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.AdjustResult;
import dev.numpool.orders.CodeReviewResult;
import dev.numpool.orders.CodeTemplate;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.OperatorAudit;
import dev.numpool.orders.Orders;
import dev.numpool.orders.SmsReview;
import dev.numpool.orders.Topups;
import dev.numpool.orders.UpstreamReport;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The operator's routes under {@code /v1/operator}: provider health and offer history, the status
 * reports providers refused or never answered, the rented-number pool, and credits and debits of
 * customers' balances (each with its reason, kept beside the transfer), the SMS review queue and
 * code templates. {@link ApiRouter} registers them behind {@link Authentication#operator}: a
 * credential apart from customers' API keys; without one configured the routes do not exist.
 */
final class OperatorHandlers {
    private static final Set<String> REPORT_STATES = Set.of("pending", "confirmed", "refused", "abandoned");

    private final Inventory inventory;
    private final Orders orders;
    private final Ledger ledger;
    private final Topups topups;
    private final OperatorAudit audit;

    OperatorHandlers(Inventory inventory, Orders orders, Ledger ledger, Topups topups, OperatorAudit audit) {
        this.inventory = inventory;
        this.orders = orders;
        this.ledger = ledger;
        this.topups = topups;
        this.audit = audit;
    }

    /** The audit log of operators' changes, newest first, a page at a time. */
    void audit(ServerRequest req, ServerResponse res) {
        Optional<String> cursor = Requests.query(req, "cursor");
        if (cursor.isPresent() && !cursor.get().matches("[0-9]{1,18}")) {
            throw Problem.badRequest("'cursor' is the nextCursor of an earlier page.");
        }
        int limit = Requests.intQuery(req, "limit", 1, 200).orElse(50);
        Json.send(res, 200, Json.page(audit.entries(limit, cursor), OperatorHandlers::auditJson));
    }

    private static ObjectNode auditJson(OperatorAudit.Entry e) {
        OperatorAudit.Action a = e.action();
        ObjectNode n = Json.MAPPER.createObjectNode().put("id", e.id()).put("at", a.at().toString()).put("actor", a.actor())
                .put("action", a.action()).put("status", a.status()).put("requestId", a.requestId().orElse(null));
        n.set("target", Json.parse(a.target()));
        n.put("request", a.request().orElse(null));
        n.set("before", a.before().map(Json::parse).orElse(null));
        n.set("after", a.after().map(Json::parse).orElse(null));
        return n;
    }

    // The state a change is about, for the audit log (see AuditedOperator) --------------------------

    Optional<JsonNode> providerState(ServerRequest req) {
        String name = req.path().pathParameters().get("name");
        return inventory.health().stream().filter(h -> h.name().equals(name)).findFirst()
                .map(h -> Json.MAPPER.createObjectNode().put("paused", h.pausedReason().isPresent()).put("reason", h.pausedReason().orElse(null)));
    }

    Optional<JsonNode> markupState(ServerRequest req) {
        return Optional.of(markupsJson(inventory.markups()));
    }

    Optional<JsonNode> balanceState(ServerRequest req) {
        AccountId account = accountId(req);
        return ledger.exists(account) ? Optional.of(Json.balance(ledger.balance(account))) : Optional.empty();
    }

    void providers(ServerRequest req, ServerResponse res) {
        Map<String, Map<String, Integer>> backlog = orders.upstreamBacklog();
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("providers");
        inventory.health().forEach(h -> list.add(providerJson(h, backlog.getOrDefault(h.name(), Map.of()))));
        Json.send(res, 200, body);
    }

    private static ObjectNode providerJson(Inventory.ProviderHealth h, Map<String, Integer> backlog) {
        ObjectNode n = Json.MAPPER.createObjectNode()
                .put("name", h.name()).put("kind", h.kind()).put("circuit", h.circuit())
                .put("latencyMillis", h.latencyMillis()).put("cachedOffers", h.offers()).put("cachedStock", h.stock())
                .put("deliveredToday", h.deliveredToday()).put("endedToday", h.endedToday());
        n.put("medianSecondsToCode", h.medianTimeToCode().map(d -> d.toMillis() / 1000.0).orElse(null));
        n.put("paused", h.pausedReason().isPresent());
        n.put("pausedReason", h.pausedReason().orElse(null));
        ObjectNode reports = n.putObject("statusReports");
        backlog.forEach(reports::put);
        return n;
    }

    /** The {@code name} path parameter, a provider of this node's, else 404. */
    private String provider(ServerRequest req) {
        String name = req.path().pathParameters().get("name");
        if (inventory.health().stream().noneMatch(h -> h.name().equals(name))) {
            throw Problem.notFound("No provider '" + name + "'.");
        }
        return name;
    }

    void refreshes(ServerRequest req, ServerResponse res) {
        String name = provider(req);
        int limit = Requests.intQuery(req, "limit", 1, 500).orElse(100);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("data");
        for (Inventory.Refresh r : inventory.refreshHistory(name, limit)) {
            ObjectNode n = list.addObject().put("takenAt", r.takenAt().toString()).put("ok", r.ok())
                    .put("offers", r.offers()).put("totalStock", r.totalStock());
            n.put("minCost", r.minCostMicros().map(Money::format).orElse(null));
            n.put("error", r.error().orElse(null));
        }
        Json.send(res, 200, body);
    }

    /** {@code ?service=tg&country=0[&operator=any][&limit=100]}: that offer's changes, newest first. */
    void offerHistory(ServerRequest req, ServerResponse res) {
        String name = provider(req);
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
        inventory.offerHistory(name, service, country, operator, limit).forEach(p -> list.addObject()
                .put("takenAt", p.takenAt().toString()).put("cost", Money.format(p.costMicros())).put("stock", p.stock()));
        Json.send(res, 200, body);
    }

    /** {@code {"paused": true, "reason": "…"}}: out of routing and the catalogue on every node within seconds, or back. */
    void pause(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        ObjectNode body = Json.object(Requests.jsonBody(req), Set.of("paused", "reason"));
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

    void markups(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, markupsJson(inventory.markups()));
    }

    /**
     * {@code {"markupPercent": 25, "minimumMargin": "0.01", "rules": [{"service"?, "country"?,
     * "provider"?, "percent"}]}} replaces the markups of every node (the configuration's stay as
     * the defaults a fresh database starts from).
     */
    void setMarkups(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.object(Requests.jsonBody(req), Set.of("markupPercent", "minimumMargin", "rules"));
        JsonNode percent = body.get("markupPercent");
        if (percent == null || !percent.isIntegralNumber() || !percent.canConvertToInt()) {
            throw Problem.badRequest("'markupPercent' is required: a whole percent from 0 to 1000.");
        }
        OptionalLong margin = body.path("minimumMargin").isTextual() ? Money.parseMicros(body.get("minimumMargin").asText()) : OptionalLong.empty();
        if (margin.isEmpty()) {
            throw Problem.badRequest("'minimumMargin' is required: a decimal string such as \"0.01\".");
        }
        Optional<String> refused = inventory.setMarkups(percent.asLong(), margin.getAsLong(), markupRules(body.path("rules")));
        if (refused.isPresent()) {
            throw Problem.badRequest("Markups not changed: " + refused.get() + ".");
        }
        Json.send(res, 200, markupsJson(inventory.markups()));
    }

    private static List<Inventory.MarkupRule> markupRules(JsonNode rules) {
        if (!rules.isArray()) {
            throw Problem.badRequest("'rules' is required: an array, empty for none.");
        }
        List<Inventory.MarkupRule> parsed = new ArrayList<>();
        for (JsonNode r : rules) {
            if (!r.isObject() || !r.path("percent").isIntegralNumber() || !r.path("percent").canConvertToInt()
                    || (r.has("service") && !r.get("service").isTextual()) || (r.has("provider") && !r.get("provider").isTextual())
                    || (r.has("country") && !(r.get("country").isIntegralNumber() && r.get("country").canConvertToInt()))) {
                throw Problem.badRequest("Each rule is {\"service\"?: string, \"country\"?: integer, \"provider\"?: string, \"percent\": integer}.");
            }
            parsed.add(new Inventory.MarkupRule(Optional.ofNullable(r.get("service")).map(JsonNode::asText),
                    Optional.ofNullable(r.get("country")).map(JsonNode::asInt), Optional.ofNullable(r.get("provider")).map(JsonNode::asText),
                    r.get("percent").asLong()));
        }
        return parsed;
    }

    private static ObjectNode markupsJson(Inventory.Markups m) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("markupPercent", m.defaultPercent())
                .put("minimumMargin", Money.format(m.minimumMarginMicros()))
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

    void pool(ServerRequest req, ServerResponse res) {
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
        Json.send(res, 200, body);
    }

    /**
     * Adds numbers to the pool, all or none: {@code text/csv} with the header
     * {@code phone,rented_from,lease_ends_at[,gateway_device,gateway_sim]}, or JSON
     * {@code {"numbers":[{phone, rentedFrom, leaseEndsAt, gatewayDevice?, gatewaySim?}]}}.
     */
    void importPool(ServerRequest req, ServerResponse res) {
        switch (inventory.importPool(poolEntries(req))) {
            case Inventory.PoolImportResult.Imported imported ->
                    Json.send(res, 200, Json.MAPPER.createObjectNode().put("imported", imported.numbers()));
            case Inventory.PoolImportResult.Refused refused -> throw new Problem(ProblemType.POOL_IMPORT_REFUSED,
                    "Nothing was imported; fix these entries and send the whole import again.", Map.of("problems", refused.problems()));
        }
    }

    private static List<Inventory.PoolImport> poolEntries(ServerRequest req) {
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).map(t -> t.toLowerCase().split(";")[0].strip()).orElse("application/json");
        if (!type.equals("text/csv") && !type.equals("application/json")) {
            throw new Problem(ProblemType.UNSUPPORTED_MEDIA_TYPE, "Send the pool as text/csv or application/json.");
        }
        byte[] raw = Requests.body(req, 2 * 1024 * 1024);
        if (!type.equals("text/csv")) {
            return poolJson(raw);
        }
        return switch (PoolCsv.parse(new String(raw, StandardCharsets.UTF_8))) {
            case PoolCsv.Parsed.Entries entries -> entries.entries();
            case PoolCsv.Parsed.Malformed malformed -> throw Problem.badRequest(malformed.problem());
        };
    }

    private static List<Inventory.PoolImport> poolJson(byte[] raw) {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(raw);
        } catch (IOException e) {
            throw Problem.badRequest("The body is not JSON.");
        }
        if (json == null || !json.path("numbers").isArray()) {
            throw Problem.badRequest("Send {\"numbers\": [{\"phone\", \"rentedFrom\", \"leaseEndsAt\", \"gatewayDevice\"?, \"gatewaySim\"?}]}.");
        }
        List<Inventory.PoolImport> entries = new ArrayList<>();
        for (JsonNode n : json.get("numbers")) {
            if (!n.isObject()) {
                throw Problem.badRequest("Every entry of 'numbers' is an object.");
            }
            JsonNode sim = n.get("gatewaySim");
            if (sim != null && !sim.isNull() && !sim.canConvertToInt()) {
                throw Problem.badRequest("'gatewaySim' is a whole number from 1 to 8.");
            }
            entries.add(new Inventory.PoolImport(text(n, "phone"), text(n, "rentedFrom"), text(n, "leaseEndsAt"),
                    Optional.ofNullable(text(n, "gatewayDevice")),
                    sim == null || sim.isNull() ? Optional.empty() : Optional.of(sim.intValue())));
        }
        return entries;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    void reports(ServerRequest req, ServerResponse res) {
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
        Json.send(res, 200, body);
    }

    void accountBalance(ServerRequest req, ServerResponse res) {
        AccountId account = accountId(req);
        if (!ledger.exists(account)) {
            throw Problem.notFound("No account " + account.value() + ".");
        }
        Json.send(res, 200, Json.balance(ledger.balance(account)));
    }

    /**
     * {@code {"direction": "credit"|"debit", "amount": "5.00", "reason": "..."}} with an
     * {@code Idempotency-Key}: a credit to or a debit from the account's available balance. A
     * debit never goes below zero (409); the same key again answers the first adjustment.
     */
    void adjust(ServerRequest req, ServerResponse res) {
        AccountId account = accountId(req);
        String key = req.headers().first(HeaderNames.create("Idempotency-Key"))
                .filter(k -> !k.isEmpty() && k.length() <= 255 && !Requests.hasControlCharacters(k, false))
                .orElseThrow(() -> Problem.badRequest("An adjustment needs an Idempotency-Key header (1-255 printable characters), "
                        + "so that a retried request is not a second adjustment."));
        Adjustment a = adjustment(Json.object(Requests.jsonBody(req), Set.of("direction", "amount", "reason")));
        adjusted(res, account, ledger.adjust(account, a.credit(), a.amountMicros(), a.reason(), "operator", key));
    }

    /** An adjustment as the operator asked for it. */
    private record Adjustment(boolean credit, long amountMicros, String reason) {
    }

    private static Adjustment adjustment(ObjectNode body) {
        String direction = text(body, "direction");
        if (!"credit".equals(direction) && !"debit".equals(direction)) {
            throw Problem.badRequest("'direction' is required: \"credit\" or \"debit\".");
        }
        OptionalLong amount = Json.micros(body.get("amount"));
        if (amount.isEmpty() || amount.getAsLong() == 0) {
            throw Problem.badRequest("'amount' is required: a positive decimal of at most 6 decimal places and at most "
                    + Money.format(Money.MAX_MICROS) + ", e.g. \"5.00\".");
        }
        String reason = text(body, "reason");
        if (reason == null || reason.isBlank() || reason.length() > 500 || Requests.hasControlCharacters(reason, false)) {
            throw Problem.badRequest("'reason' is required: 1 to 500 printable characters, kept with the adjustment.");
        }
        return new Adjustment(direction.equals("credit"), amount.getAsLong(), reason);
    }

    private static void adjusted(ServerResponse res, AccountId account, AdjustResult result) {
        switch (result) {
            case AdjustResult.Adjusted done -> {
                ObjectNode answer = Json.MAPPER.createObjectNode().put("adjustmentId", done.adjustmentId());
                answer.set("transaction", Json.ledgerEntry(done.entry()));
                answer.set("balance", Json.balance(done.balance()));
                if (done.replayed()) {
                    res.header("Idempotent-Replayed", "true");
                }
                Json.send(res, done.replayed() ? 200 : 201, answer);
            }
            case AdjustResult.KeyReused reused -> throw new Problem(ProblemType.IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key made a different adjustment of this account. Use a new key for a new adjustment.");
            case AdjustResult.UnknownAccount unknown -> throw Problem.notFound("No account " + account.value() + ".");
            case AdjustResult.TestAccount test -> throw new Problem(ProblemType.TEST_MODE_MISMATCH,
                    "Account " + account.value() + " is a test account: its money is play money, and adjustments are real money.");
            case AdjustResult.InsufficientBalance poor -> throw new Problem(ProblemType.OPERATOR_DEBIT_REFUSED,
                    "The account has " + Money.format(poor.availableMicros()) + " available; a debit never makes it negative.",
                    Map.of("available", Money.format(poor.availableMicros())));
        }
    }

    /** Stripe events not applied yet (waiting for their top-up or payment, or parked): what to look into. */
    void waitingStripeEvents(ServerRequest req, ServerResponse res) {
        int limit = Requests.intQuery(req, "limit", 1, 500).orElse(100);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("data");
        for (Topups.WaitingEvent e : topups.waiting(limit)) {
            list.addObject().put("id", e.id()).put("type", e.type()).put("paymentIntent", e.paymentIntent().orElse(null))
                    .put("receivedAt", e.receivedAt().toString()).put("attempts", e.attempts()).put("why", e.why().orElse(null));
        }
        Json.send(res, 200, body);
    }

    // Reading codes: the review queue and the templates -------------------------------------------

    /** SMS that reached a live activation and yielded no code, oldest first; {@code after} pages. */
    void smsReviews(ServerRequest req, ServerResponse res) {
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
        Json.send(res, 200, body);
    }

    void markCode(ServerRequest req, ServerResponse res) {
        long sms = smsId(req);
        String code = text(Json.object(Requests.jsonBody(req), Set.of("code")), "code");
        if (code == null || code.isBlank() || code.length() > 32) {
            throw Problem.badRequest("'code' is required: the code as the SMS shows it, e.g. \"482913\".");
        }
        reviewed(res, sms, orders.markCode(sms, code));
    }

    void dismissSms(ServerRequest req, ServerResponse res) {
        long sms = smsId(req);
        reviewed(res, sms, orders.dismissSms(sms));
    }

    private static void reviewed(ServerResponse res, long sms, CodeReviewResult result) {
        switch (result) {
            case CodeReviewResult.Reviewed done -> Json.send(res, 200, Json.activation(done.activation()));
            case CodeReviewResult.NotFound missing -> throw Problem.notFound("No SMS " + sms + ".");
            case CodeReviewResult.NotOpen closed -> throw new Problem(ProblemType.NOT_UNDER_REVIEW,
                    "SMS " + sms + " is not waiting for review (" + closed.review() + ").");
            case CodeReviewResult.ActivationEnded ended -> throw new Problem(ProblemType.REVIEWED_ACTIVATION_ENDED,
                    "The SMS's activation is " + ended.status().wire() + "; no code is delivered or charged any more.");
            case CodeReviewResult.NotInText wrong -> throw new Problem(ProblemType.CODE_NOT_IN_TEXT,
                    "The code must stand in the SMS's text as a word of its own (dashes or blanks inside it are fine).");
        }
    }

    void codeTemplates(ServerRequest req, ServerResponse res) {
        Optional<String> service = Requests.query(req, "service");
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("templates");
        orders.codeTemplates(service).forEach(t -> list.add(template(t)));
        Json.send(res, 200, body);
    }

    void addCodeTemplate(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.object(Requests.jsonBody(req), Set.of("service", "sender", "template"));
        String sender = text(body, "sender");
        if (body.has("sender") && (sender == null || Requests.hasControlCharacters(sender, false))) {
            throw Problem.badRequest("'sender', when given, is the SMS sender as text (omit it for any sender).");
        }
        switch (orders.addCodeTemplate(text(body, "service"), sender, text(body, "template"))) {
            case Orders.TemplateResult.Added added -> Json.send(res, 201, template(added.template()));
            case Orders.TemplateResult.Invalid invalid -> throw new Problem(ProblemType.INVALID_TEMPLATE, invalid.why());
            case Orders.TemplateResult.Exists exists -> throw new Problem(ProblemType.TEMPLATE_EXISTS,
                    "This service has this template for this sender already.");
        }
    }

    void removeCodeTemplate(ServerRequest req, ServerResponse res) {
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
}
