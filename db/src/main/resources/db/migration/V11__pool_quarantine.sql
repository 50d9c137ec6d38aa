-- A pool number rests after a sale ends before it is sold again, so that a late SMS for the
-- ended sale (an SMS names only the number) cannot reach the next buyer.
alter table pool_number add column last_released_at timestamptz;
-- Reconciliation looks up status reports by the provider's activation id.
create index upstream_op_provider_ref on upstream_op (provider, provider_ref);
