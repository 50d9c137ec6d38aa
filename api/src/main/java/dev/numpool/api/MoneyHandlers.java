package dev.numpool.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.inventory.Money;
import dev.numpool.orders.AccountId;
import dev.numpool.orders.Ledger;
import dev.numpool.orders.LedgerEntry;
import dev.numpool.orders.Page;
import dev.numpool.orders.Topups;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Money routes: card top-ups ({@code /v1/topups}), an account's movements
 * ({@code /v1/balance/transactions}, also as CSV), and Stripe's webhook ({@code /webhooks/stripe}).
 * Adapters over the {@link Topups} and {@link Ledger} doors.
 */
final class MoneyHandlers {
    /** Stripe's events are a few kilobytes; this is far above any of them. */
    static final int MAX_STRIPE_EVENT_BYTES = 256 * 1024;

    private final Ledger ledger;
    private final Topups topups;
    private final Requests requests;

    MoneyHandlers(Ledger ledger, Topups topups, Requests requests) {
        this.ledger = ledger;
        this.topups = topups;
        this.requests = requests;
    }

    List<NativeApi.Route> routes() {
        return List.of(
                new NativeApi.Route("POST", "/v1/topups", this::createTopup),
                new NativeApi.Route("GET", "/v1/topups", this::listTopups),
                new NativeApi.Route("GET", "/v1/topups/{id}", this::getTopup),
                new NativeApi.Route("GET", "/v1/balance/transactions", this::transactions),
                new NativeApi.Route("GET", "/v1/balance/transactions.csv", this::transactionsCsv));
    }

    /** Stripe's webhook: not part of the native API (Stripe signs it; no API key). */
    void routing(HttpRouting.Builder routing) {
        routing.post("/webhooks/stripe", this::stripeEvent);
    }

    private void createTopup(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        ObjectNode body = Json.object(Requests.jsonBody(req), Set.of("amount"));
        Topups.Settings bounds = topups.settings();
        String range = Money.format(bounds.minMicros()) + " to " + Money.format(bounds.maxMicros());
        var amount = Json.micros(body.get("amount"));
        if (amount.isEmpty()) {
            throw Problem.badRequest("'amount' is required: a decimal string of whole cents from " + range + ", e.g. \"10.00\".");
        }
        Optional<String> key = req.headers().first(HeaderNames.create("Idempotency-Key"));
        if (key.isPresent() && (key.get().isEmpty() || key.get().length() > 255 || Requests.hasControlCharacters(key.get(), false))) {
            throw Problem.badRequest("An Idempotency-Key is 1 to 255 printable characters.");
        }
        switch (topups.start(owner, amount.getAsLong(), key)) {
            case Topups.StartResult.Created created -> NativeApi.json(res, 201, Json.topup(created.topup()));
            case Topups.StartResult.Replayed replayed -> {
                res.header("Idempotent-Replayed", "true");
                NativeApi.json(res, 200, Json.topup(replayed.topup()));
            }
            case Topups.StartResult.KeyReused reused -> throw new Problem(422, "idempotency-key-reused", "Idempotency-Key reused",
                    "This Idempotency-Key started a top-up of another amount. Use a new key for a new top-up.");
            case Topups.StartResult.OutOfBounds out -> throw new Problem(422, "amount-out-of-bounds", "Amount out of bounds",
                    "A top-up is whole cents from " + range + ".",
                    Map.of("minimum", Money.format(out.minMicros()), "maximum", Money.format(out.maxMicros())));
            case Topups.StartResult.Disabled off -> throw new Problem(503, "topups-disabled", "Top-ups are not available", off.why());
            case Topups.StartResult.StripeUnavailable down -> throw new Problem(502, "payment-processor-unavailable",
                    "Payment processor unavailable", down.why());
        }
    }

    private void listTopups(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        int limit = Requests.intQuery(req, "limit", 1, 100).orElse(20);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        topups.topups(owner, limit).forEach(t -> data.add(Json.topup(t)));
        NativeApi.json(res, 200, body);
    }

    private void getTopup(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        String raw = req.path().pathParameters().get("id");
        Optional<Topups.Topup> topup = Requests.parseId(raw).flatMap(id -> topups.topup(owner, id));
        NativeApi.json(res, 200, Json.topup(topup.orElseThrow(() -> Problem.notFound("No top-up with id '" + raw + "'."))));
    }

    private void transactions(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        Page<LedgerEntry> page = ledger.transactions(owner, query(req, Requests.intQuery(req, "limit", 1, Ledger.MAX_PAGE).orElse(50)));
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        page.items().forEach(e -> data.add(Json.ledgerEntry(e)));
        body.put("nextCursor", page.nextCursor().orElse(null));
        NativeApi.json(res, 200, body);
    }

    /** Every movement the filters select, as CSV (see {@link Ledger#exportCsv}). */
    private void transactionsCsv(ServerRequest req, ServerResponse res) {
        AccountId owner = requests.account(req);
        Ledger.TransactionQuery query = query(req, Ledger.MAX_PAGE);
        res.header(HeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8")
                .header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"numpool-transactions.csv\"");
        try (OutputStream out = res.outputStream()) {
            ledger.exportCsv(owner, query, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Ledger.TransactionQuery query(ServerRequest req, int limit) {
        Set<String> types = new LinkedHashSet<>();
        Optional<String> rawTypes = Requests.query(req, "type");
        if (rawTypes.isPresent()) {
            for (String t : rawTypes.get().split(",", -1)) {
                if (!LedgerEntry.TYPES.contains(t)) {
                    throw Problem.badRequest("'type' is a comma-separated list of: "
                            + String.join(", ", LedgerEntry.TYPES.stream().sorted().toList()) + ".");
                }
                types.add(t);
            }
        }
        Optional<Instant> from = instant(req, "from");
        Optional<Instant> to = instant(req, "to");
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw Problem.badRequest("'from' must be before 'to'.");
        }
        Optional<String> cursor = Requests.query(req, "cursor");
        if (cursor.isPresent() && !Ledger.validCursor(cursor.get())) {
            throw Problem.badRequest("'cursor' must be the nextCursor of a previous page.");
        }
        return new Ledger.TransactionQuery(types, from, to, cursor, limit);
    }

    private static Optional<Instant> instant(ServerRequest req, String name) {
        Optional<String> raw = Requests.query(req, name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (raw.get().length() > 40) {
                throw new DateTimeParseException("too long", raw.get(), 0);
            }
            return Optional.of(Instant.parse(raw.get()));
        } catch (DateTimeParseException e) {
            throw Problem.badRequest("'" + name + "' must be an ISO-8601 instant such as 2026-11-01T00:00:00Z.");
        }
    }

    /**
     * {@code POST /webhooks/stripe}: 200 once the event is stored (applied now or waiting for what
     * it needs), for a repeat, and for a signed body that is not an event Numpool can read (so
     * Stripe does not retry it for days); 400 for a bad or stale signature, with nothing stored;
     * 503 when this node has no webhook secret (Stripe retries).
     */
    private void stripeEvent(ServerRequest req, ServerResponse res) {
        Optional<byte[]> body = Requests.boundedBody(req, MAX_STRIPE_EVENT_BYTES);
        if (body.isEmpty()) {
            throw new Problem(413, "payload-too-large", "Payload too large", "A Stripe event is at most " + MAX_STRIPE_EVENT_BYTES + " bytes.");
        }
        // Verified on the exact bytes received; Stripe sends UTF-8 JSON.
        String payload = new String(body.get(), StandardCharsets.UTF_8);
        String signature = req.headers().first(HeaderNames.create("Stripe-Signature")).orElse(null);
        ObjectNode answer = Json.MAPPER.createObjectNode().put("received", true);
        switch (topups.receive(payload, signature)) {
            case Topups.EventResult.Applied applied -> answer.put("outcome", applied.outcome());
            case Topups.EventResult.Waiting waiting -> answer.put("outcome", waiting.why());
            case Topups.EventResult.Duplicate duplicate -> answer.put("outcome", "duplicate: already received");
            case Topups.EventResult.Ignored ignored -> answer.put("outcome", "ignored: " + ignored.why());
            case Topups.EventResult.Rejected rejected -> throw new Problem(400, "invalid-signature", "Event refused",
                    "Not signed with this endpoint's secret within 300 s: " + rejected.why());
            case Topups.EventResult.Disabled off -> throw new Problem(503, "topups-disabled", "Stripe webhooks are not configured",
                    "This Numpool has no STRIPE_WEBHOOK_SECRET.");
        }
        NativeApi.json(res, 200, answer);
    }
}
