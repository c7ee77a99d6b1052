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
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.jspecify.annotations.Nullable;
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
 * Which errors are whose: {@link KafkaErrors}.
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
     * @param backoff   wait this long before the next commit (null: none)
     */
    record Result(
            Map<TopicPartition, Integer> committed,
            Map<Pending, String> refused,
            Set<TopicPartition> rewind,
            @Nullable Duration backoff) {
        static Result nothing(@Nullable Duration backoff) {
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
    private @Nullable Producer<byte[], byte[]> producer;
    /** Failures in a row, whatever they were: the backoff before the next commit. */
    private long failures;

    private Mode mode = new Mode.Whole(0);
    /** The record last alone in a transaction that failed. */
    private @Nullable Suspect suspect;

    /**
     * How the ready records are committed, and what the failures since the last commit have shown of them: only those
     * that are not Kafka's own ({@link KafkaErrors.Action#RETRY}) count as {@code unexplained}, and only these lead to
     * narrowing.
     */
    sealed interface Mode {
        int unexplained();

        /** Counted one more failure that is not Kafka's own. */
        Mode counted();

        /** Every ready record, up to the bound, in one transaction. */
        record Whole(int unexplained) implements Mode {
            @Override
            public Mode counted() {
                return new Whole(unexplained + 1);
            }
        }

        /** One record per transaction, {@code left} more, to find the one Kafka refuses after a transaction of several failed. */
        record Narrowing(int left, int unexplained) implements Mode {
            @Override
            public Mode counted() {
                return new Narrowing(left, unexplained + 1);
            }
        }
    }

    /** A record alone in a transaction that failed, and how many of its failures in a row were not Kafka's own. */
    private record Suspect(Pending record, int failures) {}

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
        if (producer == null) producer = newProducer();
        Producer<byte[], byte[]> current = producer;
        if (current == null) return Result.nothing(Duration.ofMillis(backoff.millis(failures++)));
        Map<TopicPartition, List<Pending>> offered = mode instanceof Mode.Narrowing ? first(ready) : bounded(ready);
        try (RecordTracing.Scope span = tracing.commit(
                name, offered.values().stream().mapToInt(List::size).sum())) {
            return commitOffered(current, offered);
        }
    }

    private Result commitOffered(Producer<byte[], byte[]> producer, Map<TopicPartition, List<Pending>> offered) {
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
            commitTransaction(producer);
        } catch (KafkaException e) {
            return failed(producer, offered, e);
        }
        failures = 0;
        mode = mode instanceof Mode.Narrowing n && n.left() > 1
                ? new Mode.Narrowing(n.left() - 1, 0)
                : new Mode.Whole(0);
        Suspect last = suspect;
        if (last != null && offered.values().stream().anyMatch(list -> list.contains(last.record()))) suspect = null;
        return new Result(counts, Map.of(), Set.of(), null);
    }

    /** A commit that timed out may be retried as it is: the same transaction completes, or not, once. */
    private void commitTransaction(Producer<byte[], byte[]> producer) {
        for (int attempt = 0; ; attempt++) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (attempt >= COMMIT_TIMEOUT_RETRIES)
                    throw new KafkaErrors.UncertainCommit(COMMIT_TIMEOUT_RETRIES + 1, e);
                log.warn("{}: committing timed out ({}); completing the same transaction", name, Causes.chain(e));
            }
        }
    }

    private Result failed(
            Producer<byte[], byte[]> producer, Map<TopicPartition, List<Pending>> offered, KafkaException e) {
        Duration wait = Duration.ofMillis(backoff.millis(failures++));
        KafkaErrors.Action action = KafkaErrors.classify(e);
        if (action == KafkaErrors.Action.REWIND || !abort(producer))
            return uncertain(producer, offered.keySet(), e, wait);
        // Kafka's own errors anywhere in the chain (a group or producer state after a broker restart, a missing right)
        // say nothing of the records: they count neither towards narrowing nor towards refusing one
        boolean counts = !KafkaErrors.isKafkas(e);
        if (counts) mode = mode.counted();
        int offeredRecords = offered.values().stream().mapToInt(List::size).sum();
        if (offeredRecords == 1) {
            Pending only = offered.values().iterator().next().getFirst();
            Result refused = failedAlone(only, action, counts, e);
            if (refused != null) return refused;
        } else if (action == KafkaErrors.Action.REFUSE || mode.unexplained() >= NARROW_AFTER) {
            mode = new Mode.Narrowing(offeredRecords, mode.unexplained());
            recorder.commitFailed("narrowing");
            log.warn(
                    "{}: a transaction of {} records failed {} time(s) ({}); committing them one at a time to find the one Kafka "
                            + "refuses",
                    name,
                    offeredRecords,
                    mode.unexplained(),
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

    /** The commit may or may not have happened: its partitions are read again, with a new producer. */
    private Result uncertain(
            Producer<byte[], byte[]> producer, Set<TopicPartition> offered, KafkaException e, Duration wait) {
        Set<TopicPartition> partitions = new HashSet<>(offered);
        recorder.commitFailed("uncertain");
        log.warn(
                "{}: commit of {} partition(s) may or may not have happened ({}); reading them again from the committed "
                        + "offsets in {} ms; their records replay their stored decisions",
                name,
                partitions.size(),
                Causes.chain(e),
                wait.toMillis());
        replaceProducer(producer);
        mode = new Mode.Whole(mode.unexplained());
        return new Result(Map.of(), Map.of(), partitions, wait);
    }

    /** A record alone in a transaction failed: it is refused for its own fault, or once unexplained failures repeat; else null. */
    private @Nullable Result failedAlone(Pending only, KafkaErrors.Action action, boolean counts, KafkaException e) {
        Suspect last = suspect;
        int before = last != null && last.record() == only ? last.failures() : 0;
        Suspect now = new Suspect(only, counts ? before + 1 : before);
        suspect = now;
        boolean refusable = action == KafkaErrors.Action.REFUSE || now.failures() >= NARROW_AFTER;
        if (!refusable || only.minimalOutbound) return null;
        suspect = null;
        recorder.commitFailed("refused");
        log.warn("{}: Kafka refuses the outbound record of {} on its own ({})", name, only.requestId, Causes.chain(e));
        return new Result(Map.of(), Map.of(only, Causes.chain(e)), Set.of(), null);
    }

    /** Aborts the open transaction; false when the producer cannot (it is then replaced by the caller). */
    private boolean abort(Producer<byte[], byte[]> producer) {
        try {
            producer.abortTransaction();
            return true;
        } catch (RuntimeException e) {
            log.debug("{}: abort failed", name, e);
            return false;
        }
    }

    private void replaceProducer(Producer<byte[], byte[]> broken) {
        try {
            broken.close(Duration.ZERO);
        } catch (RuntimeException ignored) {
            // already unusable
        }
        producer = null;
        producer = newProducer();
    }

    /** A new transactional producer, or null when none can be had now: the next commit asks again. */
    private @Nullable Producer<byte[], byte[]> newProducer() {
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
}
