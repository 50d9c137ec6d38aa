-- An operator can block an account (issue 16): its API keys and website sessions stop working
-- (within the few seconds a node remembers a key), its live activations run their course.
-- The reason is for the next operator; the audit log keeps who did it and when.
alter table account add column blocked_at timestamptz;
alter table account add column blocked_reason varchar(200);
alter table account add constraint account_block_reason check ((blocked_at is null) = (blocked_reason is null));
