-- Status reports owed to providers (number used, number given back, another code), written in
-- the same transaction as the state change that owes them and delivered afterwards with retries.
-- The customer's money never waits on them; what a provider refuses stays here for an operator.
create table upstream_op (
    id              bigint generated always as identity primary key,
    activation_id   integer      not null references activation (id),
    provider        varchar(32)  not null,
    provider_ref    varchar(64)  not null,
    kind            varchar(16)  not null check (kind in ('release_used', 'release_unused', 'another_code')),
    state           varchar(12)  not null default 'pending' check (state in ('pending', 'confirmed', 'refused', 'abandoned')),
    attempts        integer      not null default 0 check (attempts >= 0),
    -- A worker that claims the operation pushes this forward (a lease) before calling out, so a
    -- node that dies mid-call hands it to another node when the lease runs out.
    next_attempt_at timestamptz  not null,
    last_error      varchar(200),
    created_at      timestamptz  not null,
    done_at         timestamptz,
    constraint upstream_op_done check ((state = 'pending') = (done_at is null))
);
create index upstream_op_due on upstream_op (next_attempt_at) where state = 'pending';
create index upstream_op_activation on upstream_op (activation_id);
