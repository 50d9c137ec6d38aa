-- Operators rename services and countries and take them off sale from the console (issue 16):
-- a disabled one is not listed, priced or sold on any API; live activations run their course.
alter table service add column enabled boolean not null default true;
alter table country add column enabled boolean not null default true;
