-- Accounts people can trust (issue 17): a customer proves their email by following a link we
-- mail them, and resets a forgotten password the same way.
--
-- When the email was proven (a verification link followed, or a password reset through a mailed
-- link, which proves it as well). Null until then; nothing is refused to an unverified account.
alter table account add column email_verified_at timestamptz;

-- The secrets in those links: 32 random bytes in the mail, only their SHA-256 here (like
-- sessions and API keys), so a read of this table opens nobody's account. An account has at most
-- one link per purpose: a new one replaces the row, so every older link of that purpose stops
-- working at once (the primary key says so, not the code). A link works once: its use is
-- written in the same statement that checks it was unused, and the row stays until the next link
-- of its purpose replaces it, so a second click can be told "already used" rather than "unknown".
create table account_link (
    account_id  bigint      not null references account (id),
    purpose     varchar(16) not null check (purpose in ('reset-password', 'verify-email')),
    token_hash  bytea       not null unique check (length(token_hash) = 32),
    created_at  timestamptz not null,
    expires_at  timestamptz not null,
    used_at     timestamptz,
    primary key (account_id, purpose),
    constraint account_link_window check (created_at < expires_at),
    constraint account_link_used_in_window check (used_at is null or (used_at >= created_at and used_at < expires_at))
);
