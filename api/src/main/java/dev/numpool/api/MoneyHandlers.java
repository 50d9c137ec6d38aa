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
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
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

    MoneyHandlers(Ledger ledger, Topups topups) {
        this.ledger = ledger;
        this.topups = topups;
    }

    void createTopup(AccountId owner, ServerRequest req, ServerResponse res) {
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
        started(res, range, topups.start(owner, amount.getAsLong(), key));
    }

    private static void started(ServerResponse res, String range, Topups.StartResult result) {
        switch (result) {
            case Topups.StartResult.Created created -> Json.send(res, 201, Json.topup(created.topup()));
            case Topups.StartResult.Replayed replayed -> {
                res.header("Idempotent-Replayed", "true");
                Json.send(res, 200, Json.topup(replayed.topup()));
            }
            case Topups.StartResult.KeyReused reused -> throw new Problem(ProblemType.IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key started a top-up of another amount. Use a new key for a new top-up.");
            case Topups.StartResult.OutOfBounds out -> throw new Problem(ProblemType.AMOUNT_OUT_OF_BOUNDS,
                    "A top-up is whole cents from " + range + ".",
                    Map.of("minimum", Money.format(out.minMicros()), "maximum", Money.format(out.maxMicros())));
            case Topups.StartResult.Disabled off -> throw new Problem(ProblemType.TOPUPS_DISABLED, off.why());
            case Topups.StartResult.TestAccount test -> throw new Problem(ProblemType.TEST_MODE_MISMATCH,
                    "A test key's account has play money only: top up with a live key. Nothing was charged.");
            case Topups.StartResult.StripeUnavailable down -> throw new Problem(ProblemType.PAYMENT_PROCESSOR_UNAVAILABLE, down.why());
        }
    }

    void listTopups(AccountId owner, ServerRequest req, ServerResponse res) {
        int limit = Requests.intQuery(req, "limit", 1, 100).orElse(20);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        topups.topups(owner, limit).forEach(t -> data.add(Json.topup(t)));
        Json.send(res, 200, body);
    }

    void getTopup(AccountId owner, ServerRequest req, ServerResponse res) {
        String raw = req.path().pathParameters().get("id");
        Optional<Topups.Topup> topup = Requests.parseId(raw).flatMap(id -> topups.topup(owner, id));
        Json.send(res, 200, Json.topup(topup.orElseThrow(() -> Problem.notFound("No top-up with id '" + raw + "'."))));
    }

    void transactions(AccountId owner, ServerRequest req, ServerResponse res) {
        Page<LedgerEntry> page = ledger.transactions(owner, query(req, Requests.intQuery(req, "limit", 1, Ledger.MAX_PAGE).orElse(50)));
        Json.send(res, 200, Json.page(page, Json::ledgerEntry));
    }

    /** Every movement the filters select, as CSV (see {@link Ledger#exportCsv}). */
    void transactionsCsv(AccountId owner, ServerRequest req, ServerResponse res) {
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
    void stripeEvent(ServerRequest req, ServerResponse res) {
        Optional<byte[]> body = Requests.boundedBody(req, MAX_STRIPE_EVENT_BYTES);
        if (body.isEmpty()) {
            throw new Problem(ProblemType.STRIPE_EVENT_TOO_LARGE, "A Stripe event is at most " + MAX_STRIPE_EVENT_BYTES + " bytes.");
        }
        // Verified on the exact bytes received; Stripe sends UTF-8 JSON.
        String payload = new String(body.get(), StandardCharsets.UTF_8);
        String signature = req.headers().first(HeaderNames.create("Stripe-Signature")).orElse(null);
        String outcome = outcome(topups.receive(payload, signature));
        Json.send(res, 200, Json.MAPPER.createObjectNode().put("received", true).put("outcome", outcome));
    }

    /** What became of a stored event, as the answer tells Stripe (and whoever reads its dashboard); a refusal is a problem. */
    private static String outcome(Topups.EventResult result) {
        return switch (result) {
            case Topups.EventResult.Applied applied -> applied.outcome();
            case Topups.EventResult.Waiting waiting -> waiting.why();
            case Topups.EventResult.Duplicate duplicate -> "duplicate: already received";
            case Topups.EventResult.Ignored ignored -> "ignored: " + ignored.why();
            case Topups.EventResult.Rejected rejected -> throw new Problem(ProblemType.STRIPE_SIGNATURE_INVALID,
                    "Not signed with this endpoint's secret within 300 s: " + rejected.why());
            case Topups.EventResult.Disabled off -> throw new Problem(ProblemType.STRIPE_WEBHOOKS_DISABLED,
                    "This Numpool has no STRIPE_WEBHOOK_SECRET.");
        };
    }
}
