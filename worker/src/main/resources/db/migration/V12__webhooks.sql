-- Expereon's webhooks: what happened to a command after the API accepted it (approved, settled, failed).
-- Every webhook whose signature verified is kept once, by its event id (a redelivery is acknowledged and ignored).
-- request_id is the command it was matched to, through the resource remit stored (command_outcome.resource_id) or
-- the requestId the event names; null while unmatched (the command's outcome may not be stored yet, or remit did not
-- create the resource).
create table webhook_event (
    event_id    text        primary key,
    event_type  text        not null,
    resource_id text,
    occurred_at timestamptz,
    received_at timestamptz not null,
    -- the requestId the event names (fields.request-id), kept to match it later without reading its body again
    named_request_id text,
    request_id  text,
    -- whether it moved the command's settlement (a late or lower-precedence event does not)
    applied     boolean     not null default false,
    -- while unmatched: when to try matching it again (further apart as it ages; null once its match window passed)
    match_after timestamptz,
    body        text        not null
);

create index webhook_event_request on webhook_event (request_id, received_at) where request_id is not null;
create index webhook_event_unmatched on webhook_event (match_after) where request_id is null and match_after is not null;
create index command_outcome_resource on command_outcome (resource_id) where resource_id is not null;

-- A command's settlement: the highest-precedence state its webhooks reported (APPROVED < SETTLED, FAILED), and the
-- event that set it. Out-of-order webhooks never move it back.
alter table command_outcome add column settlement text;
alter table command_outcome add column settlement_event text;
alter table command_outcome add column settled_at timestamptz;

-- Settlement events waiting for Kafka, written in the transaction that moved the settlement. The relay claims rows
-- into numbered batches (one claimer at a time), produces a batch in one Kafka transaction together with the relay's
-- position (the batch number + 1, a transactional offset commit of its own group), then deletes it: after a crash a
-- batch below the position was produced and is deleted, one at or above it is produced again.
create table settlement_outbox (
    id         bigserial   primary key,
    request_id text        not null,
    batch      bigint,
    payload    text        not null,
    created_at timestamptz not null default now()
);

create index settlement_outbox_batch on settlement_outbox (batch);
create sequence settlement_outbox_batch_seq;
