-- What an operator changes at runtime through the operator API, shared by every node (each
-- re-reads it every few seconds). Config files and the environment hold the defaults.

-- A provider an operator paused is neither shown nor bought from until resumed.
create table provider_control (
    provider   varchar(32)  primary key,
    paused     boolean      not null,
    reason     varchar(200) not null default '',
    updated_at timestamptz  not null
);

-- Markups set through the operator API replace those of the configuration. One row.
create table markup_setting (
    id                    boolean     primary key default true check (id),
    default_percent       integer     not null check (default_percent between 0 and 1000),
    minimum_margin_micros bigint      not null check (minimum_margin_micros >= 0),
    rules                 jsonb       not null,
    updated_at            timestamptz not null
);
