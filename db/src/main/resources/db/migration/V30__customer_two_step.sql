-- Customers may turn on a TOTP second factor for signing in to the website (issue 17): RFC 6238,
-- as the operators' console has, but a factor of its own, so that a customer's code never opens
-- the console and revoking a role never turns off a customer's protection. The secret must be
-- readable to check a code (it cannot be hashed like a password); last_step is the time step of
-- the last code accepted, so each code works once.
create table account_two_step (
    account_id   bigint      primary key references account (id),
    secret       varchar(64) not null,
    confirmed_at timestamptz,
    last_step    bigint      not null default 0
);

-- A session of an account with two-step sign-in counts as signed in only once it passed a code.
alter table web_session add column two_step_at timestamptz;
