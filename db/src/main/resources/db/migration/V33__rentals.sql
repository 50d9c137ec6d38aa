-- Rentals (issue 18): a number rented for a number of periods (an hour each by default), for one
-- service or for every service ('any'), with every SMS it receives kept. Money moves as it does for
-- activations, through holds resolved once: each paid period is one hold (wallet -> held), posted
-- (held -> revenue) once the period has begun and can no longer be refunded, voided (held ->
-- wallet) when a rental is cancelled in its refund window or returned before the period began.

-- A pool number rented for a rental is leased like one sold for an activation, for every service
-- when the rental is for 'any', and its lease says so: when it ends, the number cools down for the
-- rental's service (every service for 'any'), since its renter may have signed up with it.
alter table number_lease alter column service type varchar(3);
alter table number_lease add column rental boolean not null default false;

create table rental (
    -- Drawn from the activations' sequence: one space of ids, so that a webhook delivery's
    -- activation_id (which orders an endpoint's events per id) and the sms-activate ids never
    -- name a rental and an activation alike, and every id fits the protocol's signed 32 bits.
    id                  integer      primary key,
    account_id          bigint       not null references account (id),
    service             varchar(3)   not null check (service = 'any' or service ~ '^[a-z0-9]{2}$'),
    country             integer      not null references country (id),
    provider            varchar(32)  not null,
    provider_ref        varchar(64)  not null,
    phone               varchar(16)  not null,
    period_seconds      integer      not null check (period_seconds > 0),
    period_price_micros bigint       not null check (period_price_micros > 0),
    period_cost_micros  bigint       not null check (period_cost_micros >= 0),
    currency            varchar(3)   not null,
    -- Periods paid for so far (at the rent and each extension); one rental_period row each.
    periods             integer      not null check (periods between 1 and 100000),
    status              varchar(10)  not null check (status in ('active', 'finished', 'cancelled', 'expired')),
    test                boolean      not null default false,
    created_at          timestamptz  not null,
    -- Until then, and only while no SMS has arrived, the rental may be cancelled for a full refund.
    refundable_until    timestamptz  not null,
    ends_at             timestamptz  not null,
    -- When the next open hold falls due to be posted; null when none is left open.
    next_charge_at      timestamptz,
    ended_at            timestamptz,
    unique (provider, provider_ref),
    check (ends_at = created_at + make_interval(secs => period_seconds::double precision * periods)),
    check ((status = 'active') = (ended_at is null))
);
create index rental_account on rental (account_id, id desc);
-- The rental worker claims active rentals whose end or next charge has come.
create index rental_ending on rental (ends_at) where status = 'active';
create index rental_charging on rental (next_charge_at) where status = 'active' and next_charge_at is not null;
-- A number is in at most one active rental.
create unique index rental_live_number on rental (phone) where status = 'active';

-- One paid period of a rental and the hold that pays it.
create table rental_period (
    rental_id integer     not null references rental (id),
    seq       integer     not null check (seq >= 1),
    starts_at timestamptz not null,
    hold_id   bigint      not null unique references transfer (id),
    primary key (rental_id, seq)
);

-- Every SMS a rented number received. Late ones (after the rental ended) are kept, never shown.
create table rental_sms (
    id          bigint       generated always as identity primary key,
    rental_id   integer      not null references rental (id),
    dedupe_key  varchar(128) not null,
    sender      varchar(64)  not null default '',
    text        text         not null check (length(text) <= 4096),
    code        varchar(16),
    late        boolean      not null default false,
    received_at timestamptz  not null,
    unique (rental_id, dedupe_key)
);
create index rental_sms_rental on rental_sms (rental_id, id);
