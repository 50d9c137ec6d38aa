-- Late codes are never free (issue 14).
--
-- An SMS that reaches an activation after it ended with a refund (cancelled or expired) is kept
-- but its text is withheld from the customer until they pay for it: otherwise a customer could
-- cancel and still read the code, for free. Paying is a hold posted at once; the hold names the
-- purchase, and "unique" makes "charged once" a database fact.
alter table sms add column bought_hold_id bigint unique references transfer (id);
alter table sms add constraint sms_bought_only_late check (bought_hold_id is null or late);
