-- A buyer's favourite offers (issue 17): a service in a country, starred in the catalogue and
-- listed at the top of it with one-click buy. Keyed by the account; an offer is starred once.
create table favourite (
    account_id  bigint      not null references account (id),
    service     varchar(2)  not null references service (code),
    country     integer     not null references country (id),
    created_at  timestamptz not null,
    primary key (account_id, service, country)
);

-- A limit on everything: at most 50 favourites per account, enforced here so that two adds racing
-- from two tabs or two nodes cannot both pass a count made in the application. The account's row
-- is locked (for no key update: it does not wait for inserts that merely reference the account)
-- so that concurrent adds for one account count one after the other. Starring an offer already
-- starred is not an addition, so it passes at the limit too (the insert then does nothing).
create function favourite_limit() returns trigger language plpgsql as $$
begin
    perform 1 from account where id = new.account_id for no key update;
    if not exists (select 1 from favourite where account_id = new.account_id and service = new.service and country = new.country)
            and (select count(*) from favourite where account_id = new.account_id) >= 50 then
        raise exception 'favourite_limit: at most 50 favourites per account'
            using errcode = '23514', constraint = 'favourite_limit';
    end if;
    return new;
end $$;

create trigger favourite_limit before insert on favourite
    for each row execute function favourite_limit();
