-- Every number a provider sold us, recorded the moment the provider answered, in its own short
-- transaction, before the order's transaction records the activation. If the node dies in
-- between, the row stays 'sold' past its lease and a worker gives the number back to the
-- provider, so nothing stays bought that no activation holds. (No hold exists for such an
-- order yet: the customer was never charged.)
create table provider_purchase (
    id           bigint generated always as identity primary key,
    account_id   bigint      not null references account (id),
    provider     varchar(32) not null,
    provider_ref varchar(64) not null,
    state        varchar(12) not null default 'sold' check (state in ('sold', 'recorded', 'released')),
    lease_until  timestamptz not null,
    created_at   timestamptz not null,
    unique (provider, provider_ref)
);
create index provider_purchase_unrecorded on provider_purchase (lease_until) where state = 'sold';

-- A number released on recovery has no activation.
alter table upstream_op alter column activation_id drop not null;
