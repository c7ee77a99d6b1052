-- A forced redrive of a dead letter whose outcome is unknown clears its command's first ambiguous attempt when it
-- selects it, before publishing (the engine would refuse the redriven command again otherwise). What it cleared is kept
-- on the item, and put back if the chunk's Kafka transaction did not commit (ABORTED): the operator's override was for
-- a send that never happened, and must not let a later, unforced redrive send it.
alter table redrive_item add column cleared_ambiguous_at timestamptz;
