-- The body an endpoint receives: 'standard' ({type, timestamp, livemode, data}) or 'sms-activate'
-- (the flat {activationId, service, text, code, country, receivedAt} bots of that family parse),
-- both signed per Standard Webhooks. Each delivery's payload is written for its endpoint's format
-- when it is queued, so a change of format applies to later events only.
alter table webhook_endpoint add column format varchar(16) not null default 'standard'
    constraint webhook_endpoint_format check (format in ('standard', 'sms-activate'));
