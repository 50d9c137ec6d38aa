-- An order's writes in one statement (issue 15): one round trip instead of six (BEGIN with the
-- first statement, hold, activation, purchase, idempotency key, COMMIT). Called in autocommit, so
-- the statement is the transaction: a refusal anywhere (no money: ledger_balance_not_negative;
-- the number live twice: activation_live_number) undoes all of it, with the constraint's name.
--
-- Before writing anything it locks the two rows whose state decides whether this order may still
-- commit: its provider sale, still 'sold' (recovery releases sales whose order outlived their
-- lease), and its idempotency key, still this request's (a retry takes over a key whose lock ran
-- out). If either has moved on, nothing is written and the answer says which. The words that mean
-- something to the application (the hold's transfer kind, the activation's status, the sale's
-- states) come in as parameters from its enums, so they are spelt in one place.
create function place_order(
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
                            cost_micros, currency, status, hold_id, created_at, cancellable_at, expires_at, routing, next_poll_at)
        values (p_id, p_account, p_service, p_country, p_operator, p_provider, p_provider_ref, p_phone, p_price,
                p_cost, p_currency, p_waiting, hold, p_created_at, p_cancellable_at, p_expires_at, p_routing, p_created_at);
    update provider_purchase set state = p_recorded where id = p_purchase;
    update idempotency_key set response_status = p_status, response_body = p_body
        where account_id = p_account and key = p_key;
    return 'placed';
end $$;
