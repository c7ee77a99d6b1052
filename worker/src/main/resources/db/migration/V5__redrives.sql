-- The operator's console: redrives of dead letters back to the commands topic, audited.
--
-- A redrive is planned once (the filter, who, why) and then published in chunks, one Kafka transaction per chunk.
-- A chunk is first written here as SENDING with the high watermarks of the partitions it will write to; after the
-- Kafka commit it becomes PUBLISHED. A chunk found SENDING after a crash is reconciled against the commands topic:
-- its records are there (committed: PUBLISHED) or none is (ABORTED: its dead letters are selected again).

create table redrive (
    id                 uuid        primary key,
    -- the commands topic it publishes to; only instances reading that topic run it
    topic              text        not null,
    dry_run            boolean     not null,
    force              boolean     not null,
    reason             text,
    -- {"codes": [...], "types": [...], "from": ..., "to": ..., "requestIds": [...]}
    filter             jsonb       not null,
    rate_per_second    int         not null,
    -- dead letters stored after the request (higher ids) are not part of it
    max_dead_letter_id bigint      not null,
    matched            int         not null,
    eligible           int         not null,
    state              text        not null check (state in ('RUNNING', 'DONE', 'CANCELLED')),
    requested_by       text        not null,
    requested_at       timestamptz not null,
    finished_at        timestamptz,
    cancelled_by       text,
    last_error         text,
    -- the instance running it, while it renews heartbeat_at; another may take it over once the lease has run out
    owner              text,
    heartbeat_at       timestamptz,
    not_before         timestamptz
);

create index redrive_requested_at on redrive (requested_at desc);
create index redrive_runnable on redrive (topic, requested_at) where state in ('RUNNING', 'CANCELLED');

create table redrive_chunk (
    redrive_id uuid        not null references redrive (id),
    chunk      int         not null,
    state      text        not null check (state in ('SENDING', 'PUBLISHED', 'ABORTED')),
    -- {"<partition>": <high watermark before the send>}: where a reconciliation starts reading
    scan_from  jsonb       not null,
    created_at timestamptz not null,
    settled_at timestamptz,
    primary key (redrive_id, chunk)
);

create index redrive_chunk_sending on redrive_chunk (redrive_id) where state = 'SENDING';

-- One row per dead letter a redrive selected. No foreign key to dead_letter: the audit outlives the retention of
-- dead letters. A dead letter with a SENDING or PUBLISHED row is redriven already: another redrive skips it unless forced.
create table redrive_item (
    redrive_id      uuid        not null references redrive (id),
    dead_letter_id  bigint      not null,
    request_id      text        not null,
    chunk           int         not null,
    state           text        not null check (state in ('SENDING', 'PUBLISHED', 'SKIPPED')),
    skip_reason     text,
    topic_partition int,
    topic_offset    bigint,
    published_at    timestamptz,
    primary key (redrive_id, dead_letter_id)
);

create index redrive_item_dead_letter on redrive_item (dead_letter_id) where state in ('SENDING', 'PUBLISHED');
create index redrive_item_request on redrive_item (redrive_id, request_id) where state in ('SENDING', 'PUBLISHED');
