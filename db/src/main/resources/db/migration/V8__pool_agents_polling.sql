-- Own rented numbers (the pool), sales of numbers whose SMS arrive addressed by phone (the pool
-- and SIM-bank agents), adaptive polling, multipart SMS, and per-offer stock history.

-- A number Numpool rents long-term; its SMS arrive by inbound webhook. Imported by an operator.
create table pool_number (
    id             bigint generated always as identity primary key,
    phone          varchar(16) not null unique check (phone ~ '^\+[1-9][0-9]{6,14}$'),
    country        integer     not null references country (id),
    -- Who it is rented from (free text for the operator: 'twilio', 'sms-gate', a SIM vendor).
    rented_from    varchar(64) not null,
    -- SMS Gate webhooks name the phone and SIM slot that received a message, not the number.
    gateway_device varchar(64),
    gateway_sim    integer check (gateway_sim between 1 and 8),
    lease_ends_at  timestamptz not null,
    added_at       timestamptz not null,
    -- The sale of this number that is live now; null when it is free.
    live_lease_id  bigint,
    last_leased_at timestamptz,
    -- Set by the lease-end worker once the lease ended and the last activation on it did too.
    released_at    timestamptz,
    unique (gateway_device, gateway_sim)
);
create index pool_number_free on pool_number (country, last_leased_at nulls first)
    where live_lease_id is null and released_at is null;

-- A pool number is not sold to the same service again until this passes. One row per number and
-- service, claimed with an upsert that only wins once the earlier cooldown has run out, so two
-- concurrent orders cannot both take the same number for the same service.
create table pool_cooldown (
    pool_number_id bigint      not null references pool_number (id),
    service        varchar(2)  not null references service (code),
    until          timestamptz not null,
    primary key (pool_number_id, service)
);

-- One sale of a number by a provider whose SMS arrive addressed to the phone, not the sale: the
-- pool and SIM-bank agents (PUSH_SMS names the phone). Written before the order commits, so an
-- SMS pushed in between still finds its sale and is parked for the order, never dropped.
create table number_lease (
    id             bigint generated always as identity primary key,
    provider       varchar(32) not null,
    provider_ref   varchar(64) not null,
    phone          varchar(16) not null,
    service        varchar(2)  not null,
    pool_number_id bigint references pool_number (id),
    leased_at      timestamptz not null,
    ended_at       timestamptz,
    unique (provider, provider_ref)
);
create index number_lease_phone on number_lease (provider, phone, id desc);
-- A pool number has at most one live sale: the backstop behind pool_number.live_lease_id.
create unique index number_lease_one_live on number_lease (pool_number_id) where ended_at is null and pool_number_id is not null;

-- Adaptive polling: when each live activation at a polling provider is due to be asked again.
alter table activation add column next_poll_at timestamptz;
update activation set next_poll_at = created_at where status in ('waiting_code', 'code_received');
create index activation_poll_due on activation (provider, next_poll_at) where status in ('waiting_code', 'code_received');

-- A long SMS arrives in parts; a later part is joined into the first (whose text becomes the
-- whole message) and kept only for its dedupe key.
alter table sms add column part_of bigint references sms (id);

-- Per-offer stock and cost, written when a refresh finds an offer changed (not every refresh).
create table offer_history (
    id          bigint generated always as identity primary key,
    provider    varchar(32) not null,
    service     varchar(2)  not null,
    country     integer     not null,
    operator    varchar(32) not null,
    taken_at    timestamptz not null,
    cost_micros bigint      not null check (cost_micros >= 0),
    stock       integer     not null check (stock >= 0)
);
create index offer_history_offer on offer_history (provider, service, country, operator, taken_at desc);
create index offer_history_time on offer_history (taken_at);
drop index activation_live_by_provider;
