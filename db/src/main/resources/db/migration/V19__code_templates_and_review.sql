-- Code extraction that learns (issue 13).
--
-- How each stored code was read: by the generic rules, by a template, from the provider's own
-- reading, or marked by an operator. Older rows predate the distinction.
alter table sms add column code_source varchar(16)
    check (code_source in ('rules', 'template', 'provider', 'operator'));

-- An SMS that reached a live activation and yielded no code waits for an operator: 'open' until
-- someone marks its code ('marked') or says it holds none ('dismissed').
alter table sms add column review varchar(16) check (review in ('open', 'marked', 'dismissed'));
alter table sms add column reviewed_at timestamptz;
create index sms_review_open on sms (id) where review = 'open';

-- Templates: an SMS of a service with its code masked, read before the generic rules. Shipped
-- with Numpool (loaded from its data file at start), learned from confirmed codes, or added by an
-- operator. A service keeps at most a bounded number of learned ones (the code evicts the least
-- used). Every node reads the same rows, so a template learned on one serves all.
create table code_template (
    id          bigint generated always as identity primary key,
    service     varchar(2)   not null references service (code),
    -- '' when the template is for any sender of the service.
    sender      varchar(64)  not null default '',
    template    text         not null check (length(template) between 1 and 1024 and template like '%{code%'),
    origin      varchar(16)  not null check (origin in ('shipped', 'learned', 'operator')),
    hits        bigint       not null default 0 check (hits >= 0),
    last_hit_at timestamptz,
    created_at  timestamptz  not null,
    unique (service, sender, template)
);
create index code_template_service on code_template (service, origin);
