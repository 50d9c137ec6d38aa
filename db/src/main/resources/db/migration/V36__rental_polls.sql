-- Rented numbers from upstreams that are polled (the sms-activate protocol's getRentStatus): when
-- each active rental is next asked for its SMS (its creation, at first); a poll claims due ones and
-- sets the next time. Rentals of providers that push (the pool, the simulator) are never claimed.
alter table rental add column next_poll_at timestamptz;
update rental set next_poll_at = created_at where status = 'active';
create index rental_poll_due on rental (provider, next_poll_at) where status = 'active';
