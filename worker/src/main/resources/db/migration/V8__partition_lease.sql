-- Which consumer group member may write decisions for the records of a partition: the one Kafka last assigned it to.
-- A member takes the lease when it is assigned the partition, before it reads the partition's stored outcomes; every
-- write of decisions holds the leases of its records' partitions (FOR SHARE) and drops the decisions of partitions
-- whose lease another member has taken since. So an instance that was frozen (a long GC pause, SIGSTOP, a suspended
-- node) and wakes up with calls in flight cannot overwrite what the member that took its partitions has decided:
-- Kafka fences its transaction, and this fences its writes to PostgreSQL.
create table partition_lease (
    group_id    text        not null,
    topic       text        not null,
    partition   int         not null,
    -- the member id the group coordinator gave the consumer, and its generation (classic) or member epoch (consumer)
    member_id   text        not null,
    generation  int         not null,
    instance    text        not null,
    acquired_at timestamptz not null,
    primary key (group_id, topic, partition)
);
