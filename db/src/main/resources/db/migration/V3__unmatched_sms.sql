-- An SMS can reach us before the activation it belongs to is committed (a fast provider pushes
-- while the order transaction is still open). It is parked here, never dropped, and a worker
-- delivers it as soon as its activation exists; parked rows nobody claims are reaped after a day.
create table unmatched_sms (
    id           bigint generated always as identity primary key,
    provider     varchar(32)  not null,
    provider_ref varchar(64)  not null,
    dedupe_key   varchar(128) not null,
    sender       varchar(64)  not null default '',
    text         text         not null check (length(text) <= 4096),
    received_at  timestamptz  not null,
    unique (provider, provider_ref, dedupe_key)
);
create index unmatched_sms_received on unmatched_sms (received_at);
