-- One row per command (requestId): the last decision remit made for it and the record it was made for.
create table command_outcome (
    request_id       text        primary key,
    command_type     text        not null,
    status           text        not null check (status in ('SUCCEEDED', 'RETRYING', 'DEAD_LETTERED')),
    attempts         int         not null,
    http_status      int,
    error_code       text,
    error_message    text,
    resource_id      text,
    retry_topic      text,
    due_at           timestamptz,
    source_topic     text        not null,
    source_partition int         not null,
    source_offset    bigint      not null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null
);

create index command_outcome_status_updated_at on command_outcome (status, updated_at desc);

-- One row per API attempt. A command redelivered after a crash may repeat an attempt: the row keeps the last.
create table command_attempt (
    request_id   text        not null,
    attempt      int         not null,
    command_type text        not null,
    http_status  int,
    error_code   text,
    latency_ms   int         not null,
    attempted_at timestamptz not null,
    primary key (request_id, attempt)
);
