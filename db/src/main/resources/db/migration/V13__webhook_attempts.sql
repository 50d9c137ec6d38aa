-- Every attempt to deliver a webhook, for the endpoint's owner: when, what came back, how fast.
create table webhook_attempt (
    id          bigint generated always as identity primary key,
    delivery_id bigint       not null references webhook_delivery (id),
    at          timestamptz  not null,
    status      integer,
    error       varchar(200),
    response    varchar(500),
    latency_ms  integer      not null
);
create index webhook_attempt_delivery on webhook_attempt (delivery_id, id);
