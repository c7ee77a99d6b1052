package io.remit.engine;

import java.time.Duration;

/**
 * How one consumer's flow is paced and bounded.
 *
 * @param storeInterval        group commit: decisions are written to PostgreSQL at least this often
 * @param commitInterval       how often the commit points are committed to Kafka (with the outbound records they pass)
 * @param maxPendingRecords    per partition, the most records between its commit point and its fetch position
 * @param maxPendingBytes      per partition, the most bytes of such records
 * @param maxRecordsPerCommit  the most records one Kafka transaction passes
 * @param shutdownTimeout      how long calls in flight may finish at shutdown before they are abandoned uncommitted
 * @param maxCalls             the most API calls one consumer has in flight (the API client bounds the instance's too);
 *                             records that need a call beyond it wait in line, and once as many wait, intake pauses
 */
record EngineSettings(
        Duration storeInterval,
        Duration commitInterval,
        int maxPendingRecords,
        long maxPendingBytes,
        int maxRecordsPerCommit,
        Duration shutdownTimeout,
        int maxCalls) {}
