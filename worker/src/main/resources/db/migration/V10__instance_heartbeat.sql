-- Which process runs under each instance id (remit.worker.instance-id), renewed every few seconds. Two live processes
-- with one instance id share Kafka transactional ids and fence each other's producers over and over: the second one
-- finds the row held by a live process, says so (contender), and both report the conflict.
create table instance_heartbeat (
    instance_id    text        primary key,
    process        text        not null,
    host           text        not null,
    heartbeat_at   timestamptz not null,
    contender      text,
    contender_host text,
    contended_at   timestamptz
);
