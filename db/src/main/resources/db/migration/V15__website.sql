-- The website's people: a password per account (the email is account.email) and server-side
-- sessions. Passwords are kept only as Argon2id PHC strings, with their parameters, so the cost
-- can be raised later and old hashes still verify. A session is a random 256-bit token held in
-- the browser's cookie; only its SHA-256 is stored (like API keys), so a read of this table
-- cannot be replayed as a login, any node can check a session, and signing out deletes the row.
create table account_password (
    account_id    bigint       primary key references account (id),
    password_hash varchar(200) not null check (password_hash like '$argon2id$%'),
    updated_at    timestamptz  not null
);

create table web_session (
    token_hash   bytea       primary key check (length(token_hash) = 32),
    account_id   bigint      not null references account (id),
    created_at   timestamptz not null,
    expires_at   timestamptz not null,
    constraint web_session_window check (created_at < expires_at)
);
create index web_session_account on web_session (account_id, expires_at);

-- "Popular offers first" counts recent sales per service and country.
create index activation_recent_offer on activation (created_at, service, country);
