-- Operators are website users with a role (issue 16): 'admin' may change anything, 'support' reads
-- and answers customers. An admin must enrol a TOTP second factor (RFC 6238) before the console
-- opens. The secret has to be readable to check a code, so unlike passwords it cannot be hashed:
-- a reader of this table could mint codes, but still needs the password. last_step is the time
-- step of the last code accepted, so a code is good once (RFC 6238 section 5.2).
create table operator (
    account_id        bigint       primary key references account (id),
    role              varchar(16)  not null check (role in ('admin', 'support')),
    totp_secret       varchar(64),
    totp_confirmed_at timestamptz,
    totp_last_step    bigint       not null default 0,
    created_at        timestamptz  not null,
    constraint operator_confirmed_secret check (totp_confirmed_at is null or totp_secret is not null)
);

-- A session that passed the second factor says when; a new sign-in starts without it.
alter table web_session add column second_factor_at timestamptz;

-- The console finds an activation by its phone number (support's first question: "my number
-- +44..."). One more index on the order path's insert, paid for that.
create index activation_phone on activation (phone, id desc);
