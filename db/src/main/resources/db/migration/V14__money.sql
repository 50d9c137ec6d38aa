-- Money in and out: Stripe top-ups, refunds and disputes, debt, operator adjustments.

-- Ledger accounts ------------------------------------------------------------------------------
-- 'debt' is a customer account whose balance is zero or negative: minus what the customer owes
-- (a refund or dispute took back more than the wallet had). 'stripe' is the house account money
-- paid by card comes from; 'adjustments' the one operator credits and debits come from.
alter table ledger_account drop constraint ledger_account_kind_check;
alter table ledger_account add constraint ledger_account_kind_check
    check (kind in ('wallet', 'held', 'debt', 'sandbox_funding', 'revenue', 'stripe', 'adjustments'));
alter table ledger_account drop constraint ledger_balance_not_negative;
alter table ledger_account add constraint ledger_balance_not_negative
    check (not cached or (kind = 'debt' and balance_micros <= 0) or (kind <> 'debt' and balance_micros >= 0));
alter table ledger_account drop constraint ledger_owner;
alter table ledger_account add constraint ledger_owner
    check ((account_id is null) = (kind in ('sandbox_funding', 'revenue', 'stripe', 'adjustments')));

insert into ledger_account (account_id, kind, currency, cached)
select id, 'debt', currency, true from account;

-- Every account gets its debt account from the database itself, so an account created by a node
-- still running older code (during a rolling deploy) has one too. Deferred to the commit, so the
-- debt account's id comes after the wallet's and held's: every transfer and lock takes a
-- customer's ledger rows in id order (V6), and the debt payment locks the debt row after the
-- wallet's, which is only deadlock-free if debt sorts last.
create function account_add_debt_ledger() returns trigger language plpgsql as $$
begin
    insert into ledger_account (account_id, kind, currency, cached) values (new.id, 'debt', new.currency, true);
    return new;
end $$;
create constraint trigger account_debt_ledger after insert on account deferrable initially deferred
    for each row execute function account_add_debt_ledger();
insert into ledger_account (account_id, kind, currency, cached) values
    (null, 'stripe',      'USD', false),
    (null, 'adjustments', 'USD', false);

alter table transfer drop constraint transfer_kind_check;
alter table transfer add constraint transfer_kind_check
    check (kind in ('sandbox_credit', 'hold', 'post', 'void',
                    'topup',            -- stripe → wallet: a paid top-up
                    'refund',           -- wallet → stripe: a card refund, as far as the wallet covers it
                    'dispute',          -- wallet → stripe: a disputed payment, as far as the wallet covers it
                    'dispute_won',      -- stripe → wallet: a dispute closed in our favour gives it back
                    'debt',             -- debt → stripe: what a refund or dispute took beyond the wallet
                    'debt_payment',     -- wallet → debt: money arriving pays what is owed first
                    'operator_credit',  -- adjustments → wallet
                    'operator_debit')); -- wallet → adjustments

-- Whatever credits a wallet pays the owner's debt first, in the same transaction: a customer who
-- owes money never has any to spend, so "no purchases while in debt" needs no check of its own
-- (the hold finds an empty wallet). Runs after transfer_apply (triggers fire in name order), so
-- the wallet's cached balance already includes the new credit.
create function ledger_pay_debt_first() returns trigger language plpgsql as $$
declare
    wallet ledger_account%rowtype;
    owed   ledger_account%rowtype;
    pay    bigint;
begin
    select * into wallet from ledger_account where id = new.credit_account_id and kind = 'wallet';
    if not found then
        return new;
    end if;
    select * into owed from ledger_account where account_id = wallet.account_id and kind = 'debt' for no key update;
    if not found or owed.balance_micros >= 0 then
        return new;
    end if;
    pay := least(wallet.balance_micros, -owed.balance_micros);
    if pay > 0 then
        insert into transfer (kind, debit_account_id, credit_account_id, amount_micros, reference, created_at)
        values ('debt_payment', wallet.id, owed.id, pay, new.reference, new.created_at);
    end if;
    return new;
end $$;
create trigger transfer_pays_debt after insert on transfer
    for each row when (new.kind in ('void', 'sandbox_credit', 'topup', 'dispute_won', 'operator_credit'))
    execute function ledger_pay_debt_first();

-- Top-ups ----------------------------------------------------------------------------------------
-- One row per Checkout Session we ask Stripe for. Its id names the session's Idempotency-Key and
-- its client_reference_id, so a retried create is the same session and every event finds its row.
create table topup (
    id                  bigint generated always as identity primary key,
    account_id          bigint       not null references account (id),
    amount_micros       bigint       not null check (amount_micros > 0 and amount_micros % 10000 = 0),
    currency            char(3)      not null,
    -- Random, in the session's metadata and Idempotency-Key: ids restart with every database, so
    -- two Numpools sharing a Stripe account (staging beside production, a reset database) would
    -- otherwise take each other's sessions and events for their own.
    token               varchar(32)  not null,
    -- 'mismatch': Stripe reported a payment that differs from the top-up; not credited, kept
    -- (with its payment intent) for an operator.
    status              varchar(16)  not null check (status in ('creating', 'open', 'paid', 'failed', 'expired', 'mismatch')),
    checkout_session_id varchar(255) unique,
    checkout_url        text,
    -- Dedupe by payment: one payment intent credits one top-up, once.
    payment_intent      varchar(255) unique,
    -- Card refunds taken back so far: charge.refunded carries the running total, so a late or
    -- repeated event takes back only what is new.
    refunded_micros     bigint       not null default 0 check (refunded_micros >= 0 and refunded_micros <= amount_micros),
    created_at          timestamptz  not null,
    paid_at             timestamptz,
    -- The customer's Idempotency-Key, when it sent one: a retried request is this top-up again.
    idempotency_key     varchar(255),
    constraint topup_paid check ((status in ('paid', 'mismatch')) = (paid_at is not null))
);
create index topup_account on topup (account_id, id desc);
create unique index topup_idempotency_key on topup (account_id, idempotency_key) where idempotency_key is not null;

-- Every verified Stripe event, once (its id is the key): a repeat is acknowledged and ignored.
-- An event that cannot be applied yet (its top-up not visible, a refund before the payment) waits
-- here and is applied when it can be; applied_at says it has been.
create table stripe_event (
    id             varchar(255) primary key,
    type           varchar(64)  not null,
    topup_id       bigint,
    payment_intent varchar(255),
    payload        text         not null,
    received_at    timestamptz  not null,
    applied_at     timestamptz,
    outcome        varchar(255),
    -- A waiting event is tried again from then on, less often the longer it waits. After 3 days
    -- it is parked (tried only when its payment is credited), never dropped.
    next_attempt_at timestamptz not null,
    attempts       integer      not null default 0
);
create index stripe_event_waiting on stripe_event (next_attempt_at) where applied_at is null;
create index stripe_event_payment on stripe_event (payment_intent) where applied_at is null;

create table stripe_dispute (
    id            varchar(255) primary key,
    topup_id      bigint       not null references topup (id),
    amount_micros bigint       not null check (amount_micros > 0),
    status        varchar(32)  not null,
    -- What the dispute has taken from the customer's balance so far (0 or amount_micros).
    taken_micros  bigint       not null default 0 check (taken_micros in (0, amount_micros)),
    created_at    timestamptz  not null,
    closed_at     timestamptz
);

-- Operator credits and debits: who, why and which transfer. Nothing edits a ledger row; a wrong
-- adjustment is corrected by another one.
create table ledger_adjustment (
    -- "by default" so the transaction can draw the id first and name the transfer after it.
    id          bigint generated by default as identity primary key,
    account_id  bigint       not null references account (id),
    -- The operator's Idempotency-Key: a retried request is the same adjustment, not a second one.
    idempotency_key varchar(255) not null,
    transfer_id bigint       not null unique references transfer (id),
    direction   varchar(8)   not null check (direction in ('credit', 'debit')),
    amount_micros bigint     not null check (amount_micros > 0),
    reason      varchar(500) not null check (length(trim(reason)) > 0),
    actor       varchar(64)  not null,
    created_at  timestamptz  not null
);
create unique index ledger_adjustment_key on ledger_adjustment (account_id, idempotency_key);
create trigger ledger_adjustment_append_only before update or delete on ledger_adjustment
    for each row execute function ledger_refuse_change();
