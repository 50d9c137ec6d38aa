package dev.numpool.orders;

import org.jooq.DSLContext;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

/**
 * The SQL of the operators' figures: sales, codes and money over time, by provider and by
 * service. Read from the activations themselves (price and cost are on each row), so the
 * figures need no table of their own and cannot drift from what was sold.
 */
final class ReportStore extends Store {
    // An activation earns its price once its code arrived: then the hold is posted, and it stays
    // posted whether the customer finishes it or not.
    private static final String EARNED = "status in ('code_received', 'finished')";
    // Test orders (play money) count only where all money is play money: on a sandbox node.
    private static final String COUNTED = "(? or not test)";
    // Outcomes per activation: when its first code came (null: none), and the median time to it.
    private static final String MEDIAN_TO_CODE = "percentile_cont(0.5) within group (order by extract(epoch from c.first_code - a.created_at))";
    private static final String FIRST_CODE = "left join lateral (select min(s.received_at) as first_code from sms s "
            + "where s.activation_id = a.id and s.code is not null and not s.late) c on true";

    private final boolean countTest;

    ReportStore(DSLContext dsl, boolean countTest) {
        super(dsl);
        this.countTest = countTest;
    }

    /**
     * Orders and codes in each minute from {@code since} (whole minutes, empty ones as zero) until
     * {@code until}: one pass over each table's range, joined to the minutes.
     */
    List<Reports.Minute> perMinute(Instant since, Instant until) {
        return dsl.resultQuery("""
                with minutes as (select generate_series(date_trunc('minute', ?::timestamptz), date_trunc('minute', ?::timestamptz),
                                                        interval '1 minute') as minute),
                     sold as (select date_trunc('minute', created_at) as minute, count(*) as n from activation
                              where created_at >= date_trunc('minute', ?::timestamptz) and %1$s group by 1),
                     codes as (select date_trunc('minute', received_at) as minute, count(*) as n from sms
                               where code is not null and not late and received_at >= date_trunc('minute', ?::timestamptz) group by 1)
                select m.minute, coalesce(sold.n, 0), coalesce(codes.n, 0)
                from minutes m left join sold using (minute) left join codes using (minute) order by m.minute""".formatted(COUNTED),
                at(since), at(until), at(since), countTest, at(since))
                .fetch(r -> new Reports.Minute(r.get(0, OffsetDateTime.class).toInstant(), r.get(1, Long.class), r.get(2, Long.class)));
    }

    /** Per UTC day from {@code since} (its whole day) until today, days without orders as zero: orders, those that earned, revenue, provider cost. */
    List<Reports.Day> perDay(Instant since) {
        return dsl.resultQuery("""
                with days as (select generate_series((?::timestamptz at time zone 'UTC')::date, (now() at time zone 'UTC')::date,
                                                     interval '1 day')::date as day),
                     sold as (select (created_at at time zone 'UTC')::date as day, count(*) as orders, count(*) filter (where %1$s) as earned,
                                     coalesce(sum(price_micros) filter (where %1$s), 0) as revenue,
                                     coalesce(sum(cost_micros) filter (where %1$s), 0) as cost
                              from activation
                              where created_at >= ((?::timestamptz at time zone 'UTC')::date)::timestamp at time zone 'UTC' and %2$s
                              group by 1)
                select d.day, coalesce(orders, 0), coalesce(earned, 0), coalesce(revenue, 0), coalesce(cost, 0)
                from days d left join sold using (day) order by d.day""".formatted(EARNED, COUNTED), at(since), at(since), countTest)
                .fetch(r -> new Reports.Day(r.get(0, LocalDate.class), r.get(1, Long.class), r.get(2, Long.class), r.get(3, Long.class),
                        r.get(4, Long.class)));
    }

    /** The same figures per provider or per service ({@code column} is one of the two, never input) since {@code since}, by revenue. */
    List<Reports.Share> perKey(String column, Instant since, int limit) {
        if (!column.equals("provider") && !column.equals("service")) {
            throw new IllegalArgumentException("a share is by provider or by service");
        }
        return dsl.resultQuery("""
                select %2$s, count(*), count(*) filter (where %1$s),
                       coalesce(sum(price_micros) filter (where %1$s), 0), coalesce(sum(cost_micros) filter (where %1$s), 0)
                from activation where created_at >= ?::timestamptz and %3$s
                group by 1 order by 4 desc, 1 limit ?""".formatted(EARNED, column, COUNTED), at(since), countTest, limit)
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
                        r.get(3, String.class), r.get(4, String.class), r.get(5, OffsetDateTime.class).toInstant()));
    }

    /** One provider's offers since {@code since}: orders, those with a code, and the median seconds from sale to first code. */
    List<Reports.OfferOutcome> offerOutcomes(String provider, Instant since, int limit) {
        return dsl.resultQuery("""
                select a.service, a.country, count(*), count(c.first_code),
                       %1$s
                from activation a
                %2$s
                where a.provider = ? and a.created_at >= ?::timestamptz and (? or not a.test)
                group by 1, 2 order by 3 desc, 1, 2 limit ?""".formatted(MEDIAN_TO_CODE, FIRST_CODE), provider, at(since), countTest, limit)
                .fetch(r -> new Reports.OfferOutcome(r.get(0, String.class), r.get(1, Integer.class), r.get(2, Long.class), r.get(3, Long.class),
                        Optional.ofNullable(r.get(4, Double.class)).map(seconds -> Duration.ofMillis(Math.round(seconds * 1000)))));
    }

    /** Webhook deliveries waiting (pending), and since when the oldest waits. */
    Reports.WebhookBacklog webhookBacklog() {
        return dsl.resultQuery("select count(*), min(created_at) from webhook_delivery where state = 'pending'")
                .fetchOne(r -> new Reports.WebhookBacklog(r.get(0, Long.class),
                        Optional.ofNullable(r.get(1, OffsetDateTime.class)).map(OffsetDateTime::toInstant)));
    }

    /** Endpoints that are failing or were disabled, failing longest first, with their pending deliveries. */
    List<Reports.FailingEndpoint> failingEndpoints(int limit) {
        return dsl.resultQuery("""
                select e.id, e.account_id, e.url, e.enabled, e.disabled_reason, e.failing_since,
                       (select count(*) from webhook_delivery d where d.endpoint_id = e.id and d.state = 'pending')
                from webhook_endpoint e where e.failing_since is not null or not e.enabled
                order by e.failing_since nulls last, e.id limit ?""", limit)
                .fetch(r -> new Reports.FailingEndpoint(r.get(0, Long.class), new AccountId(r.get(1, Long.class)), r.get(2, String.class),
                        r.get(3, Boolean.class), Optional.ofNullable(r.get(4, String.class)),
                        Optional.ofNullable(r.get(5, OffsetDateTime.class)).map(OffsetDateTime::toInstant), r.get(6, Long.class)));
    }

    /** Every service's orders since {@code since}, those with a code, and the median seconds from sale to first code. */
    List<Reports.ServiceOutcome> serviceOutcomes(Instant since) {
        return dsl.resultQuery("""
                select a.service, count(*), count(c.first_code),
                       %1$s
                from activation a
                %2$s
                where a.created_at >= ?::timestamptz and (? or not a.test) and a.status <> 'waiting_code'
                group by 1 order by 1""".formatted(MEDIAN_TO_CODE, FIRST_CODE), at(since), countTest)
                .fetch(r -> new Reports.ServiceOutcome(r.get(0, String.class), r.get(1, Long.class), r.get(2, Long.class),
                        Optional.ofNullable(r.get(3, Double.class)).map(seconds -> Duration.ofMillis(Math.round(seconds * 1000)))));
    }

    /** Every offer's finished orders since {@code since} (all providers together), those with a code, and the median seconds to it. */
    List<Reports.OfferOutcome> allOfferOutcomes(Instant since, int limit) {
        return dsl.resultQuery("""
                select a.service, a.country, count(*), count(c.first_code),
                       %1$s
                from activation a
                %2$s
                where a.created_at >= ?::timestamptz and (? or not a.test) and a.status <> 'waiting_code'
                group by 1, 2 limit ?""".formatted(MEDIAN_TO_CODE, FIRST_CODE), at(since), countTest, limit)
                .fetch(r -> new Reports.OfferOutcome(r.get(0, String.class), r.get(1, Integer.class), r.get(2, Long.class), r.get(3, Long.class),
                        Optional.ofNullable(r.get(4, Double.class)).map(seconds -> Duration.ofMillis(Math.round(seconds * 1000)))));
    }
}
