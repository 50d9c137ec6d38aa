-- What each refresh of a provider's quotes found, one row per provider and refresh: the
-- operator's history of stock, cost and refresh failures (the quotes themselves live in Redis).
-- Kept for 30 days by the reaper.
create table quote_refresh (
    id          bigint generated always as identity primary key,
    provider    varchar(32)  not null,
    taken_at    timestamptz  not null,
    ok          boolean      not null,
    offers      integer      not null default 0 check (offers >= 0),
    total_stock bigint       not null default 0 check (total_stock >= 0),
    min_cost_micros bigint   check (min_cost_micros >= 0),
    error       varchar(200),
    constraint quote_refresh_error check (ok = (error is null))
);
create index quote_refresh_provider_time on quote_refresh (provider, taken_at desc);
create index quote_refresh_time on quote_refresh (taken_at);
