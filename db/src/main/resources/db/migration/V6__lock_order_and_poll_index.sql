-- A hold locks wallet then held, a void held then wallet: two transfers of one customer in
-- opposite directions could each hold one row and wait for the other. Locking both rows in id
-- order first makes every transfer take them in the same order. The lock is FOR NO KEY UPDATE,
-- the one the balance updates take anyway: FOR UPDATE would conflict with the KEY SHARE locks the
-- transfer's foreign-key checks (which run first) hold on the same rows, and deadlock again.
create or replace function ledger_apply_transfer() returns trigger language plpgsql as $$
begin
    perform 1 from ledger_account
     where id in (new.debit_account_id, new.credit_account_id) and cached
     order by id
       for no key update;
    update ledger_account set balance_micros = balance_micros - new.amount_micros
     where id = new.debit_account_id and cached;
    update ledger_account set balance_micros = balance_micros + new.amount_micros
     where id = new.credit_account_id and cached;
    return new;
end $$;

-- Polling walks each provider's live activations in id order, a page per tick.
create index activation_live_by_provider on activation (provider, id) where status in ('waiting_code', 'code_received');
