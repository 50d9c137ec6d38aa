-- What operators did (issue 16): every change made through the operator routes, by whom, to what,
-- with the state before and after where one can be read, the answer's status and the request id.
-- Append-only: a trigger refuses updates and deletes, so an entry cannot be edited away.
create table operator_audit (
    id         bigserial primary key,
    at         timestamptz  not null,
    actor      varchar(128) not null,
    action     varchar(128) not null,
    target     jsonb        not null,
    request    text,
    before     jsonb,
    after      jsonb,
    status     integer      not null,
    request_id varchar(64)
);

create function operator_audit_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'operator_audit is append-only' using errcode = 'P0001', constraint = 'operator_audit_append_only';
end $$;

create trigger operator_audit_append_only before update or delete on operator_audit
    for each row execute function operator_audit_append_only();
