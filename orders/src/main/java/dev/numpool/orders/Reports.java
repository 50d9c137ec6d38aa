package dev.numpool.orders;

import dev.numpool.db.Database;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * What the marketplace did, for its operators: orders and codes per minute (the console's live
 * chart), and per day, provider and service how many orders earned their price, the revenue,
 * what providers cost and the margin. Money in micro-units of the deployment's currency.
 */
public final class Reports {
    private final ReportStore store;
    private final Clock clock;

    private Reports(ReportStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** On a sandbox node ({@code sandbox}) every order is play money and all count; elsewhere test orders never do. */
    public static Reports create(Database db, Clock clock, boolean sandbox) {
        return new Reports(new ReportStore(db.dsl(), sandbox), clock);
    }

    /** One minute: orders placed, codes delivered. */
    public record Minute(Instant at, long orders, long codes) {
    }

    /** One day's money: orders, those that earned (a code arrived), revenue and provider cost of those. */
    public record Day(LocalDate day, long orders, long earned, long revenueMicros, long costMicros) {
        public long marginMicros() {
            return revenueMicros - costMicros;
        }
    }

    /** The same, for one provider or one service over a period. */
    public record Share(String key, long orders, long earned, long revenueMicros, long costMicros) {
        public long marginMicros() {
            return revenueMicros - costMicros;
        }

        /** Orders that got a code, in percent (0 without orders). */
        public long deliveryPercent() {
            return orders == 0 ? 0 : Math.round(100.0 * earned / orders);
        }
    }

    /** The last {@code minutes} minutes, oldest first, this one included (at most a day). */
    public List<Minute> lastMinutes(int minutes) {
        Instant now = clock.instant();
        return store.perMinute(now.minus(Duration.ofMinutes(Math.max(1, Math.min(1440, minutes)) - 1L)), now);
    }

    /** The last {@code days} UTC days with any order, oldest first (at most a year). */
    public List<Day> lastDays(int days) {
        return store.perDay(since(days));
    }

    public List<Share> byProvider(int days) {
        return store.perKey("provider", since(days), 50);
    }

    public List<Share> byService(int days) {
        return store.perKey("service", since(days), 50);
    }

    private Instant since(int days) {
        return clock.instant().minus(Duration.ofDays(Math.max(1, Math.min(366, days))));
    }

    /** An account that owes money (a card refund or dispute beyond its balance). */
    public record Debt(AccountId account, long owedMicros, String currency) {
    }

    /** A card dispute Stripe has not closed. */
    public record Dispute(String id, AccountId account, long amountMicros, String currency, String status, Instant openedAt) {
    }

    /** Accounts that owe, most first (at most {@code limit}, capped at 500). */
    public List<Debt> debts(int limit) {
        return store.debts(Math.max(1, Math.min(500, limit)));
    }

    /** Open disputes, oldest first (at most {@code limit}, capped at 500). */
    public List<Dispute> openDisputes(int limit) {
        return store.openDisputes(Math.max(1, Math.min(500, limit)));
    }

    /** How one provider's offer did: orders, those that got a code, the median time from sale to the first code. */
    public record OfferOutcome(String service, int country, long orders, long withCode, Optional<Duration> medianTimeToCode) {
        public long deliveryPercent() {
            return orders == 0 ? 0 : Math.round(100.0 * withCode / orders);
        }
    }

    /** One provider's offers over the last {@code days} days, most sold first (at most 100). */
    public List<OfferOutcome> offerOutcomes(String provider, int days) {
        return store.offerOutcomes(provider, since(days), 100);
    }

    /** Webhook deliveries not made yet, and when the oldest of them was queued. */
    public record WebhookBacklog(long pending, Optional<Instant> oldest) {
    }

    /** A customer's webhook endpoint that fails (or was disabled for failing), with what waits for it. */
    public record FailingEndpoint(long id, AccountId account, String url, boolean enabled, Optional<String> disabledReason,
                                  Optional<Instant> failingSince, long pending) {
    }

    public WebhookBacklog webhookBacklog() {
        return store.webhookBacklog();
    }

    /** At most {@code limit} (capped at 500), failing longest first. */
    public List<FailingEndpoint> failingEndpoints(int limit) {
        return store.failingEndpoints(Math.max(1, Math.min(500, limit)));
    }

    /** How one service did, all providers together: ended or coded orders, those with a code, the median time to the first code. */
    public record ServiceOutcome(String service, long orders, long withCode, Optional<Duration> medianTimeToCode) {
        public long deliveryPercent() {
            return orders == 0 ? 0 : Math.round(100.0 * withCode / orders);
        }
    }

    /**
     * Every service over the last {@code hours} hours (at most a week). Activations still waiting
     * for their code are left out: counted now they would read as failures.
     */
    public List<ServiceOutcome> serviceOutcomes(int hours) {
        return store.serviceOutcomes(clock.instant().minus(Duration.ofHours(Math.max(1, Math.min(168, hours)))));
    }

    /** Every offer's outcomes over the last {@code days} days, all providers together, finished orders only (the catalogue's published figures). */
    public List<OfferOutcome> allOfferOutcomes(int days) {
        return store.allOfferOutcomes(since(days), 50_000);
    }
}
