-- Per-invoice order: the invoice a command names (approve, dispute, cancel, payment), so that a later command for
-- the same invoice waits while an earlier one is RETRYING.
alter table command_outcome add column invoice_id text;

create index command_outcome_retrying_invoice on command_outcome (invoice_id, created_at)
    where status = 'RETRYING' and invoice_id is not null;
