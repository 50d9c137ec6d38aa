-- The console's orders-and-codes-per-minute chart reads the codes of the last hour on every load
-- of its first page: without this it would read every SMS ever kept.
create index sms_code_received on sms (received_at) where code is not null;
