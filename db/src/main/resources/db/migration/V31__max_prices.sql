-- 5sim's price limits (issue 18): an account's highest price per product (a service of the
-- catalogue), which its 5sim buys never exceed. One row per account and service; setting it again
-- replaces it. Money in micro-units, as everywhere.
create table max_price (
    id            bigint      generated always as identity unique,
    account_id    bigint      not null references account (id),
    service       varchar(2)  not null references service (code),
    price_micros  bigint      not null check (price_micros > 0),
    created_at    timestamptz not null,
    primary key (account_id, service)
);
