-- The webhook dispatcher's claim takes a delivery only when no older one of the same activation
-- is pending for the same endpoint. Without an index for that question it walked every delivery
-- of the endpoint, so one busy endpoint's claims slowed down as its backlog grew, and the backlog
-- grew faster for it (found by the delivery benchmark with one account at 500 SMS/s).
create index webhook_delivery_pending_activation on webhook_delivery (endpoint_id, activation_id, id) where state = 'pending';

-- When the delivery was queued, by the database's own clock: how long first attempts wait to be
-- claimed tells a node whether its dispatcher keeps up (and so whether it should take in more).
-- The business clock (created_at) is not that clock: tests and simulations move it.
alter table webhook_delivery add column queued_at timestamptz not null default clock_timestamp();
