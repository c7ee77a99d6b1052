-- Every dead letter, kept whole: the command's key, value and headers as they arrived (also when the copy on the
-- dead-letter topic had to be truncated), why it was dead-lettered, and where from. The operator's console reads
-- and redrives from here, whatever the dead-letter topic's retention. One row per dead-lettered record: a record
-- redelivered after a crash writes its row again, which changes nothing.
create table dead_letter (
    id               bigserial   primary key,
    request_id       text        not null,
    command_type     text        not null,
    error_code       text        not null,
    http_status      int,
    error_message    text,
    attempts         int         not null,
    record_key       bytea,
    record_value     bytea,
    -- [{"key": "...", "value": "<base64>"}, ...]: the record's headers in order, remit's own included
    headers          jsonb       not null,
    value_truncated  boolean     not null default false,
    origin_topic     text        not null,
    origin_partition int         not null,
    origin_offset    bigint      not null,
    source_topic     text        not null,
    source_partition int         not null,
    source_offset    bigint      not null,
    dead_lettered_at timestamptz not null,
    unique (source_topic, source_partition, source_offset)
);

create index dead_letter_at on dead_letter (dead_lettered_at desc);
create index dead_letter_request_id on dead_letter (request_id);
create index dead_letter_code_at on dead_letter (error_code, dead_lettered_at desc);
