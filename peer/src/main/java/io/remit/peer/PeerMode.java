package io.remit.peer;

import io.confluent.parallelconsumer.ParallelConsumerOptions.CommitMode;

/** How the peer commits, and so what a crash may repeat. */
public enum PeerMode {
    /**
     * {@link CommitMode#PERIODIC_TRANSACTIONAL_PRODUCER}: offsets and dead letters committed in one Kafka transaction;
     * Parallel Consumer's exactly-once mode, the closest to remit's guarantee (the API call and the upsert stay outside).
     */
    TRANSACTIONAL(CommitMode.PERIODIC_TRANSACTIONAL_PRODUCER),
    /** {@link CommitMode#PERIODIC_CONSUMER_ASYNCHRONOUS}: Parallel Consumer's default; a crash redelivers records. */
    AT_LEAST_ONCE(CommitMode.PERIODIC_CONSUMER_ASYNCHRONOUS);

    final CommitMode commitMode;

    PeerMode(CommitMode commitMode) {
        this.commitMode = commitMode;
    }
}
