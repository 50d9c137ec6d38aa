-- Customers' webhook endpoints and the outbox of deliveries to them (Standard Webhooks v1).
-- A delivery row is written in the same transaction as the change it reports, so a committed
-- change is always delivered (at least once) and an uncommitted one never.
create table webhook_endpoint (
    id             bigint generated always as identity primary key,
    account_id     bigint        not null references account (id),
    url            varchar(2048) not null,
    event_types    text[]        not null,
    -- whsec_<base64>; the previous secret keeps signing too until previous_until (rotation).
    secret         varchar(100)  not null,
    previous_secret varchar(100),
    previous_until timestamptz,
    enabled        boolean       not null default true,
    disabled_reason varchar(200),
    failing_since  timestamptz,
    created_at     timestamptz   not null
);
create index webhook_endpoint_account on webhook_endpoint (account_id) where enabled;

create table webhook_delivery (
    id              bigint generated always as identity primary key,
    endpoint_id     bigint       not null references webhook_endpoint (id),
    -- webhook-id: the same on every attempt of this event, so receivers can dedupe.
    message_id      varchar(64)  not null unique,
    event_type      varchar(64)  not null,
    activation_id   integer,
    payload         text         not null,
    state           varchar(12)  not null default 'pending' check (state in ('pending', 'delivered', 'failed')),
    attempts        integer      not null default 0,
    next_attempt_at timestamptz  not null,
    locked_until    timestamptz,
    last_status     integer,
    last_error      varchar(200),
    last_response   varchar(500),
    last_latency_ms integer,
    created_at      timestamptz  not null,
    delivered_at    timestamptz
);
create index webhook_delivery_due on webhook_delivery (next_attempt_at) where state = 'pending';
create index webhook_delivery_endpoint on webhook_delivery (endpoint_id, id desc);
