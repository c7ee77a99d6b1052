package io.remit.engine;

import io.remit.Causes;
import io.remit.telemetry.RecordTracing;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.InvalidPidMappingException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits commit points: one Kafka transaction produces the outbound records of the records passed
 * and commits their offsets ({@code sendOffsetsToTransaction}), so a {@code read_committed} consumer
 * sees a record's retry or dead letter exactly when its offset is committed.
 * <ul>
 *   <li>A transaction that was surely not committed (aborted) is tried again from memory.</li>
 *   <li>One that may have been (fenced or broken producer, a commit that keeps timing out) is not: its
 *       partitions are rewound to what the group has committed, and their records replay their stored
 *       decisions.</li>
 *   <li>One that keeps failing is narrowed down: records are committed one per transaction until the one
 *       Kafka refuses on its own is found; it is then dead-lettered in its bounded minimum form. No record
 *       can hold a partition forever. A record alone in a transaction is refused for a fault of its own
 *       (too large, invalid, unserializable), or for an unknown non-retriable error that repeats. Never for an error that
 *       is Kafka's and not the record's, however often it repeats: a retriable one (a coordinator moving, a
 *       broker away), the group's (this consumer no longer a member after a broker restart: its next poll
 *       rejoins), the producer's state (sequence, epoch) or a missing right. Those are tried again with
 *       backoff and never narrowed: a valid command must not be dead-lettered because the broker
 *       restarted.</li>
 * </ul>
 */
final class Commits implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Commits.class);
    private static final int NARROW_AFTER = 2;
    private static final int COMMIT_TIMEOUT_RETRIES = 2;

    /**
     * What a commit came to.
     *
     * @param committed per partition, how many of the records offered were committed (a prefix)
     * @param refused   a record Kafka refuses on its own, and why: to be dead-lettered in its minimum form
     * @param rewind    partitions to read again from the group's committed offsets
     * @param backoff   wait this long before the next commit, or null
     */
    record Result(
            Map<TopicPartition, Integer> committed,
            Map<Pending, String> refused,
            Set<TopicPartition> rewind,
            Duration backoff) {
        static Result nothing(Duration backoff) {
            return new Result(Map.of(), Map.of(), Set.of(), backoff);
        }
    }

    private final String name;
    private final Consumer<byte[], byte[]> consumer;
    private final Supplier<Producer<byte[], byte[]>> producers;
    private final Outbound outbound;
    private final int maxRecords;
    private final Recorder recorder;
    private final RecordTracing tracing;
    private final Backoff backoff = new Backoff(100, 2, 30_000, 0.2);
    private Producer<byte[], byte[]> producer;
    private long failures;
    /** Records still to commit one per transaction, after a transaction of several failed. */
    private int narrowing;

    private Pending suspect;
    private int suspectFailures;
    /** Failures in a row that are not Kafka's own (see {@link #isKafkas}): only these lead to narrowing. */
    private int unexplainedFailures;

    Commits(
            String name,
            Consumer<byte[], byte[]> consumer,
            Supplier<Producer<byte[], byte[]>> producers,
            Outbound outbound,
            int maxRecords,
            Recorder recorder,
            RecordTracing tracing) {
        this.tracing = tracing;
        this.name = name;
        this.recorder = recorder;
        this.consumer = consumer;
        this.producers = producers;
        this.outbound = outbound;
        this.maxRecords = maxRecords;
    }

    void start() {
        producer = producers.get();
    }

    /** Commits a prefix of each partition's done records (all of them, unless narrowing down a failure). */
    Result commit(Map<TopicPartition, List<Pending>> ready) {
        if (producer == null && (producer = newProducer()) == null)
            return Result.nothing(Duration.ofMillis(backoff.millis(failures++)));
        Map<TopicPartition, List<Pending>> offered = narrowing > 0 ? first(ready) : bounded(ready);
        try (RecordTracing.Scope span = tracing.commit(
                name, offered.values().stream().mapToInt(List::size).sum())) {
            return commitOffered(offered);
        }
    }

    private Result commitOffered(Map<TopicPartition, List<Pending>> offered) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        Map<TopicPartition, Integer> counts = new LinkedHashMap<>();
        try {
            producer.beginTransaction();
            offered.forEach((partition, records) -> {
                for (Pending p : records) {
                    for (ProducerRecord<byte[], byte[]> record : outbound.of(p)) producer.send(record);
                }
                offsets.put(partition, new OffsetAndMetadata(records.getLast().offset() + 1));
                counts.put(partition, records.size());
            });
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            commitTransaction();
        } catch (KafkaException e) {
            return failed(offered, e);
        }
        failures = 0;
        unexplainedFailures = 0;
        if (narrowing > 0) narrowing--;
        if (suspect != null && offered.values().stream().anyMatch(list -> list.contains(suspect))) suspect = null;
        return new Result(counts, Map.of(), Set.of(), null);
    }

    /** A commit that timed out may be retried as it is: the same transaction completes, or not, once. */
    private void commitTransaction() {
        for (int attempt = 0; ; attempt++) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (attempt >= COMMIT_TIMEOUT_RETRIES) throw new UncertainCommit(e);
                log.warn("{}: committing timed out ({}); completing the same transaction", name, Causes.chain(e));
            }
        }
    }

    private Result failed(Map<TopicPartition, List<Pending>> offered, KafkaException e) {
        Duration wait = Duration.ofMillis(backoff.millis(failures++));
        Set<TopicPartition> partitions = new HashSet<>(offered.keySet());
        if (e instanceof UncertainCommit || !abort()) {
            recorder.commitFailed("uncertain");
            log.warn(
                    "{}: commit of {} partition(s) may or may not have happened ({}); reading them again from the committed "
                            + "offsets in {} ms; their records replay their stored decisions",
                    name,
                    partitions.size(),
                    Causes.chain(e),
                    wait.toMillis());
            replaceProducer();
            narrowing = 0;
            return new Result(Map.of(), Map.of(), partitions, wait);
        }
        int offeredRecords = offered.values().stream().mapToInt(List::size).sum();
        // Kafka's own errors (a group or producer state after a broker restart, a missing right) say nothing of the
        // records: they count neither towards narrowing nor towards refusing one
        boolean kafkas = isKafkas(e);
        if (!kafkas) unexplainedFailures++;
        if (offeredRecords == 1) {
            Pending only = offered.values().iterator().next().getFirst();
            if (only != suspect) suspectFailures = 0;
            if (!kafkas) suspectFailures++;
            suspect = only;
            boolean refusable = isRecordFault(e) || suspectFailures >= NARROW_AFTER;
            if (refusable && !only.minimalOutbound) {
                suspect = null;
                recorder.commitFailed("refused");
                log.warn(
                        "{}: Kafka refuses the outbound record of {} on its own ({})",
                        name,
                        only.requestId,
                        Causes.chain(e));
                return new Result(Map.of(), Map.of(only, Causes.chain(e)), Set.of(), null);
            }
        } else if (isRecordFault(e) || unexplainedFailures >= NARROW_AFTER) {
            narrowing = offeredRecords;
            recorder.commitFailed("narrowing");
            log.warn(
                    "{}: a transaction of {} records failed {} time(s) ({}); committing them one at a time to find the one Kafka "
                            + "refuses",
                    name,
                    offeredRecords,
                    unexplainedFailures,
                    Causes.chain(e));
            return Result.nothing(null);
        }
        recorder.commitFailed("aborted");
        log.warn(
                "{}: transaction of {} records aborted ({}); trying again in {} ms",
                name,
                offeredRecords,
                Causes.chain(e),
                wait.toMillis());
        return Result.nothing(wait);
    }

    /**
     * Errors that say nothing of the record: retriable, the group's, the producer's state, a right missing. Found in
     * CI's chaos run: after a broker restart the coordinator did not know the consumer ({@link CommitFailedException})
     * for a few seconds, and a valid command was refused for it.
     */
    private static final List<Class<? extends Throwable>> KAFKAS = List.of(
            RetriableException.class,
            CommitFailedException.class,
            RebalanceInProgressException.class,
            UnknownMemberIdException.class,
            IllegalGenerationException.class,
            FencedInstanceIdException.class,
            ProducerFencedException.class,
            InvalidProducerEpochException.class,
            OutOfOrderSequenceException.class,
            UnknownProducerIdException.class,
            InvalidPidMappingException.class,
            InvalidTxnStateException.class,
            TransactionAbortableException.class,
            AuthorizationException.class,
            AuthenticationException.class,
            UnsupportedVersionException.class);

    /** Errors a record causes on its own. (Not {@code CorruptRecordException}: Kafka calls it retriable, a network or disk fault.) */
    private static final List<Class<? extends Throwable>> RECORD_FAULTS = List.of(
            RecordTooLargeException.class,
            RecordBatchTooLargeException.class,
            InvalidRecordException.class,
            SerializationException.class);

    static boolean isKafkas(Throwable e) {
        return Causes.anyOf(e, KAFKAS);
    }

    private static boolean isRecordFault(Throwable e) {
        return Causes.anyOf(e, RECORD_FAULTS);
    }

    /** Aborts the open transaction; false when the producer cannot (it is then replaced by the caller). */
    private boolean abort() {
        try {
            producer.abortTransaction();
            return true;
        } catch (RuntimeException e) {
            log.debug("{}: abort failed", name, e);
            return false;
        }
    }

    private void replaceProducer() {
        try {
            producer.close(Duration.ZERO);
        } catch (RuntimeException ignored) {
            // already unusable
        }
        producer = null;
        producer = newProducer();
    }

    /** A new transactional producer, or null when none can be had now: the next commit asks again. */
    private Producer<byte[], byte[]> newProducer() {
        try {
            return producers.get();
        } catch (RuntimeException e) {
            log.warn("{}: no transactional producer yet ({}); committing again later", name, Causes.chain(e));
            return null;
        }
    }

    private static Map<TopicPartition, List<Pending>> first(Map<TopicPartition, List<Pending>> ready) {
        Map.Entry<TopicPartition, List<Pending>> first =
                ready.entrySet().iterator().next();
        return Map.of(first.getKey(), List.of(first.getValue().getFirst()));
    }

    private Map<TopicPartition, List<Pending>> bounded(Map<TopicPartition, List<Pending>> ready) {
        Map<TopicPartition, List<Pending>> offered = new LinkedHashMap<>();
        int left = maxRecords;
        for (Map.Entry<TopicPartition, List<Pending>> entry : ready.entrySet()) {
            if (left <= 0) break;
            List<Pending> records = entry.getValue();
            List<Pending> taken = records.size() <= left ? records : records.subList(0, left);
            offered.put(entry.getKey(), taken);
            left -= taken.size();
        }
        return offered;
    }

    @Override
    public void close() {
        if (producer == null) return;
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.debug("{}: closing the producer failed", name, e);
        }
    }

    /** A commit that kept timing out: it may have happened or not. */
    private static final class UncertainCommit extends KafkaException {
        UncertainCommit(Throwable cause) {
            super("commit outcome unknown after " + (COMMIT_TIMEOUT_RETRIES + 1) + " timeouts", cause);
        }
    }
}
