-- Test keys in production (issue 16): every account may have one test account beside it, a
-- second account row with play money, reached by keys that start 'np_test_'. Its orders go to the
-- simulator only, its money comes from the sandbox funding and goes to a revenue account of its
-- own, so nothing it does moves a real balance, the real revenue, a provider or Stripe.

-- The test account of a live account. A test account is always a sandbox (play money) account, and
-- an account has at most one: the unique index lets two nodes race to create it and one win.
alter table account add column test_of bigint references account (id);
alter table account add constraint account_test_is_sandbox check (test_of is null or sandbox);
alter table account add constraint account_test_of_other check (test_of is null or test_of <> id);
create unique index account_test_of on account (test_of) where test_of is not null;

-- Test revenue: where a test account's held money goes when its code arrives, so that the real
-- 'revenue' account only ever holds real money.
alter table ledger_account drop constraint ledger_account_kind_check;
alter table ledger_account add constraint ledger_account_kind_check
    check (kind in ('wallet', 'held', 'debt', 'sandbox_funding', 'revenue', 'test_revenue', 'stripe', 'adjustments'));
alter table ledger_account drop constraint ledger_owner;
alter table ledger_account add constraint ledger_owner
    check ((account_id is null) = (kind in ('sandbox_funding', 'revenue', 'test_revenue', 'stripe', 'adjustments')));
insert into ledger_account (account_id, kind, currency, cached) values (null, 'test_revenue', 'USD', false);

-- V18's check, with the revenue a post may pay decided by whose hold it is: a test account's to
-- test revenue, every other account's to revenue. The database, not Java, keeps play money out of
-- the real revenue.
create or replace function ledger_resolution_matches_hold() returns trigger language plpgsql as $$
declare
    hold transfer%rowtype;
    revenue varchar;
begin
    if new.kind = 'post' then
        select case when a.test_of is null then 'revenue' else 'test_revenue' end into revenue
            from ledger_account h join account a on a.id = h.account_id where h.id = new.debit_account_id;
    end if;
    select * into hold from transfer where id = new.hold_id; -- last, so that 'found' below is about the hold
    if not found or hold.kind <> 'hold' or hold.amount_micros <> new.amount_micros
            or hold.credit_account_id <> new.debit_account_id
            or (new.kind = 'void' and new.credit_account_id <> hold.debit_account_id)
            or (new.kind = 'post' and not exists (select 1 from ledger_account where id = new.credit_account_id and kind = revenue)) then
        raise exception 'transfer_resolution_matches_hold: a post or void moves exactly its hold, out of the account the hold went into, to its revenue or back where it came from'
            using errcode = '23514', constraint = 'transfer_resolution_matches_hold';
    end if;
    return new;
end $$;

-- Test activations are marked as such where they are stored: the order's one statement copies it
-- from the account (a sandbox account's activation is a test one), so no caller can forget it.
alter table activation add column test boolean not null default false;

create or replace function place_order(
    p_id integer, p_account bigint, p_service varchar, p_country integer, p_operator varchar,
    p_provider varchar, p_provider_ref varchar, p_phone varchar, p_price bigint, p_cost bigint, p_currency varchar,
    p_wallet bigint, p_held bigint, p_created_at timestamptz, p_cancellable_at timestamptz, p_expires_at timestamptz,
    p_routing jsonb, p_purchase bigint, p_key varchar, p_locked_until timestamptz, p_status integer, p_body bytea,
    p_hold_kind varchar, p_waiting varchar, p_sold varchar, p_recorded varchar)
    returns varchar language plpgsql as $$
declare
    hold bigint;
begin
    perform 1 from provider_purchase where id = p_purchase and state = p_sold for update;
    if not found then
        return 'number_lost';
    end if;
    perform 1 from idempotency_key
        where account_id = p_account and key = p_key and response_status is null and locked_until = p_locked_until
        for update;
    if not found then
        return 'key_taken_over';
    end if;
    insert into transfer (kind, debit_account_id, credit_account_id, amount_micros, reference, created_at)
        values (p_hold_kind, p_wallet, p_held, p_price, 'activation:' || p_id, p_created_at)
        returning id into hold;
    insert into activation (id, account_id, service, country, operator, provider, provider_ref, phone, price_micros,
                            cost_micros, currency, status, hold_id, created_at, cancellable_at, expires_at, routing, next_poll_at, test)
        values (p_id, p_account, p_service, p_country, p_operator, p_provider, p_provider_ref, p_phone, p_price,
                p_cost, p_currency, p_waiting, hold, p_created_at, p_cancellable_at, p_expires_at, p_routing, p_created_at,
                (select sandbox from account where id = p_account));
    update provider_purchase set state = p_recorded where id = p_purchase;
    update idempotency_key set response_status = p_status, response_body = p_body
        where account_id = p_account and key = p_key;
    return 'placed';
end $$;

-- The magic services: deterministic outcomes for test orders, sold by the simulator alone (see
-- the README's "Test keys"). Two-letter codes, as every service's, that no upstream uses.
insert into service (code, name, fivesim_name) values
    ('x0', 'Test: no numbers',         'test_nonumbers'),
    ('xn', 'Test: never a code',       'test_nocode'),
    ('x5', 'Test: code after 5 s',     'test_code5');
