package dev.numpool.orders;

import org.jooq.DSLContext;

import java.time.Instant;
import java.util.List;

/**
 * The SQL of the operators' figures: sales, codes and money over time, by provider and by
 * service. Read from the activations themselves (price and cost are on each row), so the
 * figures need no table of their own and cannot drift from what was sold.
 */
final class ReportStore extends Store {
    // An activation earns its price once its code arrived: then the hold is posted, and it stays
    // posted whether the customer finishes it or not.
    private static final String EARNED = "status in ('code_received', 'finished')";

    ReportStore(DSLContext dsl) {
        super(dsl);
    }

    /** Orders and codes in each minute from {@code since} (whole minutes, empty ones as zero) until {@code until}. */
    List<Reports.Minute> perMinute(Instant since, Instant until) {
        return dsl.resultQuery("""
                select m.minute,
                       (select count(*) from activation a where a.created_at >= m.minute and a.created_at < m.minute + interval '1 minute'),
                       (select count(*) from sms s where s.code is not null and not s.late
                          and s.received_at >= m.minute and s.received_at < m.minute + interval '1 minute')
                from generate_series(date_trunc('minute', ?::timestamptz), date_trunc('minute', ?::timestamptz), interval '1 minute') as m(minute)
                order by m.minute""", at(since), at(until))
                .fetch(r -> new Reports.Minute(r.get(0, java.time.OffsetDateTime.class).toInstant(), r.get(1, Long.class), r.get(2, Long.class)));
    }

    /** Per UTC day from {@code since}: orders, orders that earned, revenue, provider cost. */
    List<Reports.Day> perDay(Instant since) {
        return dsl.resultQuery("""
                select (created_at at time zone 'UTC')::date, count(*), count(*) filter (where %1$s),
                       coalesce(sum(price_micros) filter (where %1$s), 0), coalesce(sum(cost_micros) filter (where %1$s), 0)
                from activation where created_at >= ?::timestamptz
                group by 1 order by 1""".formatted(EARNED), at(since))
                .fetch(r -> new Reports.Day(r.get(0, java.time.LocalDate.class), r.get(1, Long.class), r.get(2, Long.class),
                        r.get(3, Long.class), r.get(4, Long.class)));
    }

    /** The same figures per provider or per service ({@code column} is one of the two, never input) since {@code since}, by revenue. */
    List<Reports.Share> perKey(String column, Instant since, int limit) {
        if (!column.equals("provider") && !column.equals("service")) {
            throw new IllegalArgumentException("a share is by provider or by service");
        }
        return dsl.resultQuery("""
                select %2$s, count(*), count(*) filter (where %1$s),
                       coalesce(sum(price_micros) filter (where %1$s), 0), coalesce(sum(cost_micros) filter (where %1$s), 0)
                from activation where created_at >= ?::timestamptz
                group by 1 order by 4 desc, 1 limit ?""".formatted(EARNED, column), at(since), limit)
                .fetch(r -> new Reports.Share(r.get(0, String.class), r.get(1, Long.class), r.get(2, Long.class), r.get(3, Long.class),
                        r.get(4, Long.class)));
    }

    /** Accounts whose debt account is below zero, most owed first. */
    List<Reports.Debt> debts(int limit) {
        return dsl.resultQuery("""
                select account_id, -balance_micros, currency from ledger_account
                where kind = 'debt' and balance_micros < 0 order by balance_micros, account_id limit ?""", limit)
                .fetch(r -> new Reports.Debt(new AccountId(r.get(0, Long.class)), r.get(1, Long.class), r.get(2, String.class)));
    }

    /** Disputes Stripe has not closed, oldest first. */
    List<Reports.Dispute> openDisputes(int limit) {
        return dsl.resultQuery("""
                select d.id, t.account_id, d.amount_micros, t.currency, d.status, d.created_at
                from stripe_dispute d join topup t on t.id = d.topup_id
                where d.closed_at is null order by d.created_at, d.id limit ?""", limit)
                .fetch(r -> new Reports.Dispute(r.get(0, String.class), new AccountId(r.get(1, Long.class)), r.get(2, Long.class),
                        r.get(3, String.class), r.get(4, String.class), r.get(5, java.time.OffsetDateTime.class).toInstant()));
    }

    /** One provider's offers since {@code since}: orders, those with a code, and the median seconds from sale to first code. */
    List<Reports.OfferOutcome> offerOutcomes(String provider, Instant since, int limit) {
        return dsl.resultQuery("""
                select a.service, a.country, count(*), count(c.first_code),
                       percentile_cont(0.5) within group (order by extract(epoch from c.first_code - a.created_at))
                from activation a
                left join lateral (select min(s.received_at) as first_code from sms s
                                   where s.activation_id = a.id and s.code is not null and not s.late) c on true
                where a.provider = ? and a.created_at >= ?::timestamptz
                group by 1, 2 order by 3 desc, 1, 2 limit ?""", provider, at(since), limit)
                .fetch(r -> new Reports.OfferOutcome(r.get(0, String.class), r.get(1, Integer.class), r.get(2, Long.class), r.get(3, Long.class),
                        java.util.Optional.ofNullable(r.get(4, Double.class)).map(seconds -> java.time.Duration.ofMillis(Math.round(seconds * 1000)))));
    }

    /** Webhook deliveries waiting (pending), and since when the oldest waits. */
    Reports.WebhookBacklog webhookBacklog() {
        return dsl.resultQuery("select count(*), min(created_at) from webhook_delivery where state = 'pending'")
                .fetchOne(r -> new Reports.WebhookBacklog(r.get(0, Long.class),
                        java.util.Optional.ofNullable(r.get(1, java.time.OffsetDateTime.class)).map(java.time.OffsetDateTime::toInstant)));
    }

    /** Endpoints that are failing or were disabled, failing longest first, with their pending deliveries. */
    List<Reports.FailingEndpoint> failingEndpoints(int limit) {
        return dsl.resultQuery("""
                select e.id, e.account_id, e.url, e.enabled, e.disabled_reason, e.failing_since,
                       (select count(*) from webhook_delivery d where d.endpoint_id = e.id and d.state = 'pending')
                from webhook_endpoint e where e.failing_since is not null or not e.enabled
                order by e.failing_since nulls last, e.id limit ?""", limit)
                .fetch(r -> new Reports.FailingEndpoint(r.get(0, Long.class), new AccountId(r.get(1, Long.class)), r.get(2, String.class),
                        r.get(3, Boolean.class), java.util.Optional.ofNullable(r.get(4, String.class)),
                        java.util.Optional.ofNullable(r.get(5, java.time.OffsetDateTime.class)).map(java.time.OffsetDateTime::toInstant), r.get(6, Long.class)));
    }
}
