-- Each order counts its account's live activations against orders.max-live-activations.
create index activation_account_live on activation (account_id) where status in ('waiting_code', 'code_received');
