-- Numpool schema. Flyway owns it; jOOQ classes are generated from it at build time.
-- Money is bigint micro-units of the account currency (1 USD = 1,000,000): never numeric or float.

-- Catalogue ---------------------------------------------------------------------------------

-- Countries use the sms-activate family's numeric ids, because that is what every bot sends.
create table country (
    id            integer     primary key check (id >= 0),
    name          varchar(64) not null,
    iso2          char(2)     not null unique,  -- ISO 3166-1 alpha-2
    region        char(2)     not null,         -- libphonenumber region code
    calling_code  integer     not null check (calling_code between 1 and 999),
    fivesim_name  varchar(32) not null unique   -- 5sim's lowercase name (russia, england, usa)
);

create table service (
    code          varchar(2)  primary key check (code ~ '^[a-z0-9]{2}$'),
    name          varchar(64) not null,
    fivesim_name  varchar(32) not null unique
);

-- Accounts and API keys ---------------------------------------------------------------------

create table account (
    id          bigint generated always as identity primary key,
    email       varchar(254) unique,
    currency    char(3)     not null default 'USD',
    sandbox     boolean     not null default false,
    created_at  timestamptz not null default now()
);

-- Keys are random 256-bit secrets, so a fast hash is enough: the secret is shown once and only
-- its SHA-256 is kept. The prefix is kept in clear so the owner can tell keys apart.
create table api_key (
    id          bigint generated always as identity primary key,
    account_id  bigint      not null references account (id),
    label       varchar(64) not null default '',
    prefix      varchar(16) not null,
    key_hash    bytea       not null unique check (length(key_hash) = 32),
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);
create index api_key_account on api_key (account_id);

-- Ledger --------------------------------------------------------------------------------------
-- Double entry: every movement is one transfer row debiting one ledger account and crediting
-- another by the same positive amount, so the sum over all accounts is zero by construction.
-- Each customer account has a 'wallet' (available) and a 'held' ledger account; house accounts
-- (sandbox funding, revenue, ...) have no owner.

create table ledger_account (
    id             bigint generated always as identity primary key,
    account_id     bigint      references account (id),
    kind           varchar(16) not null check (kind in ('wallet', 'held', 'sandbox_funding', 'revenue')),
    currency       char(3)     not null,
    -- Cached balance (credits minus debits), maintained only for customer accounts by the trigger
    -- below in the same transaction as the transfer. House accounts are not cached: every code
    -- received credits revenue, and a cached row there would serialise all of them.
    balance_micros bigint      not null default 0,
    cached         boolean     not null,
    -- The database, not Java, keeps a customer's money from going below zero.
    constraint ledger_balance_not_negative check (not cached or balance_micros >= 0),
    constraint ledger_owner check ((account_id is null) = (kind in ('sandbox_funding', 'revenue')))
);
create unique index ledger_account_customer on ledger_account (account_id, kind) where account_id is not null;
create unique index ledger_account_house on ledger_account (kind, currency) where account_id is null;

create table transfer (
    id                bigint generated always as identity primary key,
    kind              varchar(16) not null check (kind in ('sandbox_credit', 'hold', 'post', 'void')),
    debit_account_id  bigint      not null references ledger_account (id),
    credit_account_id bigint      not null references ledger_account (id),
    amount_micros     bigint      not null check (amount_micros > 0),
    -- post and void resolve exactly one hold; the unique index below makes "exactly once" a
    -- database fact rather than a hope.
    hold_id           bigint      references transfer (id),
    reference         varchar(64) not null,
    created_at        timestamptz not null default now(),
    constraint transfer_distinct_accounts check (debit_account_id <> credit_account_id),
    constraint transfer_resolution check ((kind in ('post', 'void')) = (hold_id is not null))
);
create unique index transfer_hold_resolved_once on transfer (hold_id) where hold_id is not null;
create index transfer_debit on transfer (debit_account_id, id);
create index transfer_credit on transfer (credit_account_id, id);

create function ledger_apply_transfer() returns trigger language plpgsql as $$
begin
    update ledger_account set balance_micros = balance_micros - new.amount_micros
     where id = new.debit_account_id and cached;
    update ledger_account set balance_micros = balance_micros + new.amount_micros
     where id = new.credit_account_id and cached;
    return new;
end $$;
create trigger transfer_apply after insert on transfer
    for each row execute function ledger_apply_transfer();

-- The ledger is append-only: corrections are new transfers, never edits.
create function ledger_refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'ledger transfers are append-only' using errcode = 'P0001';
end $$;
create trigger transfer_append_only before update or delete on transfer
    for each row execute function ledger_refuse_change();

-- Activations ---------------------------------------------------------------------------------

-- ids are 32-bit because sms-activate clients parse them with Integer.parseInt.
create table activation (
    -- "by default" so the order transaction can draw the id first and name the hold after it.
    id                 integer generated by default as identity primary key,
    account_id         bigint      not null references account (id),
    service            varchar(2)  not null references service (code),
    country            integer     not null references country (id),
    operator           varchar(32) not null default 'any',
    provider           varchar(32) not null,
    provider_ref       varchar(64) not null,
    phone              varchar(16) not null check (phone ~ '^\+[1-9][0-9]{6,14}$'),
    price_micros       bigint      not null check (price_micros > 0),
    cost_micros        bigint      not null check (cost_micros >= 0),
    currency           char(3)     not null,
    status             varchar(16) not null check (status in ('waiting_code', 'code_received', 'finished', 'cancelled', 'expired')),
    hold_id            bigint      not null unique references transfer (id),
    -- Set when the customer asks for another code; cleared when the next code arrives.
    retry_requested_at timestamptz,
    created_at         timestamptz not null,
    cancellable_at     timestamptz not null,
    expires_at         timestamptz not null,
    ended_at           timestamptz,
    routing            jsonb       not null default '{}'::jsonb,
    constraint activation_window check (created_at <= cancellable_at and cancellable_at <= expires_at),
    constraint activation_ended check ((status in ('finished', 'cancelled', 'expired')) = (ended_at is not null))
);
create index activation_account on activation (account_id, id desc);
create index activation_due on activation (expires_at) where status in ('waiting_code', 'code_received');
create unique index activation_provider_ref on activation (provider, provider_ref);
-- A number is never sold twice for the same service while an activation on it is live.
create unique index activation_live_number on activation (phone, service) where status in ('waiting_code', 'code_received');

-- Every SMS received for an activation, with the full text, whether or not a code was found.
create table sms (
    id            bigint generated always as identity primary key,
    activation_id integer      not null references activation (id),
    -- The provider's message id (or a digest of the content): a provider that pushes the same
    -- message twice gets an acknowledgement, not a second code.
    dedupe_key    varchar(128) not null,
    sender        varchar(64)  not null default '',
    text          text         not null check (length(text) <= 4096),
    code          varchar(16),
    -- true when the SMS arrived after the activation ended: kept, shown, never charged.
    late          boolean      not null default false,
    received_at   timestamptz  not null,
    unique (activation_id, dedupe_key)
);

-- Idempotency ---------------------------------------------------------------------------------
-- A key, the fingerprint of the request that first used it, and the response it got, committed
-- in the same transaction as the effect.
create table idempotency_key (
    account_id      bigint       not null references account (id),
    key             varchar(255) not null,
    fingerprint     bytea        not null check (length(fingerprint) = 32),
    -- null while the first request is still running
    response_status integer,
    response_body   bytea,
    locked_until    timestamptz  not null,
    created_at      timestamptz  not null default now(),
    primary key (account_id, key)
);
create index idempotency_key_created on idempotency_key (created_at);
