-- Held money moves only as holds say (V16 made a customer's held balance the sum of its open
-- holds, which is only true if nothing else takes money out of a held account):
-- - a void gives the hold back to the very account that funded it, and a post pays revenue;
-- - no transfer but a post or void of a hold takes money out of a held account.
create or replace function ledger_resolution_matches_hold() returns trigger language plpgsql as $$
declare
    hold transfer%rowtype;
begin
    select * into hold from transfer where id = new.hold_id;
    if not found or hold.kind <> 'hold' or hold.amount_micros <> new.amount_micros
            or hold.credit_account_id <> new.debit_account_id
            or (new.kind = 'void' and new.credit_account_id <> hold.debit_account_id)
            or (new.kind = 'post' and not exists (select 1 from ledger_account where id = new.credit_account_id and kind = 'revenue')) then
        raise exception 'transfer_resolution_matches_hold: a post or void moves exactly its hold, out of the account the hold went into, to revenue or back where it came from'
            using errcode = '23514', constraint = 'transfer_resolution_matches_hold';
    end if;
    return new;
end $$;

create function ledger_held_left_only_by_resolutions() returns trigger language plpgsql as $$
begin
    if exists (select 1 from ledger_account where id = new.debit_account_id and kind = 'held') then
        raise exception 'transfer_held_left_only_by_resolutions: money leaves a held account only by the post or void of its hold'
            using errcode = '23514', constraint = 'transfer_held_left_only_by_resolutions';
    end if;
    return new;
end $$;
create trigger transfer_held_left_only_by_resolutions before insert on transfer
    for each row when (new.hold_id is null)
    execute function ledger_held_left_only_by_resolutions();
