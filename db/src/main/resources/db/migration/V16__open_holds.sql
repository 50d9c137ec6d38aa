-- Intake without a hot row. Every code used to post held → revenue, and the trigger moved the
-- customer's cached 'held' balance: one row per account that every SMS of that account (and every
-- purchase) locked in turn, so a busy account's codes queued behind each other.
--
-- From now on a customer's held money is not a cached row but what the ledger already proves:
-- the sum of its open holds. A hold is open until its one post or void (transfer_hold_resolved_once),
-- and the trigger below makes that post or void move exactly the hold's amount out of exactly the
-- account the hold went into. So a held account can never go below zero, by construction rather
-- than by a check on a cached number, and a post locks nothing but its own activation.
update ledger_account set cached = false, balance_micros = 0 where kind = 'held';

create function ledger_resolution_matches_hold() returns trigger language plpgsql as $$
declare
    hold transfer%rowtype;
begin
    select * into hold from transfer where id = new.hold_id;
    if not found or hold.kind <> 'hold' or hold.amount_micros <> new.amount_micros
            or hold.credit_account_id <> new.debit_account_id then
        raise exception 'transfer_resolution_matches_hold: a post or void moves exactly its hold, out of the account the hold went into'
            using errcode = '23514', constraint = 'transfer_resolution_matches_hold';
    end if;
    return new;
end $$;
create trigger transfer_resolution_matches_hold before insert on transfer
    for each row when (new.hold_id is not null)
    execute function ledger_resolution_matches_hold();
