package io.remit.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.utils.ExponentialBackoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.transaction.TransactionException;

import io.remit.routing.Decision;
import io.remit.routing.OutboundRecords;
import io.remit.routing.RetryLadder;

/**
 * One consumer's loop. Each poll becomes a batch: records that are due are processed
 * ({@link CommandProcessor}), their outcomes written to PostgreSQL, and then their retry and
 * dead-letter records and their offsets committed in one Kafka transaction. So after a crash
 * at any point the batch is redelivered, and what it did before is found in PostgreSQL.
 * If PostgreSQL or Kafka fails, the batch is rewound and tried again with backoff; no command
 * is dead-lettered for it.
 */
final class CommandEngine implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(CommandEngine.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration LAG_EVERY = Duration.ofSeconds(2);
    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Consumer<byte[], byte[]> consumer;
    private final Supplier<Producer<byte[], byte[]>> producers;
    private final Pattern topics;
    private final CommandProcessor processor;
    private final BatchRecorder recorder;
    private final OutboundRecords outbound;
    private final IntakeGate gate;
    private final RetryLadder ladder;
    private final Clock clock;
    private final ExponentialBackoff backoff = new ExponentialBackoff(100, 2, 30_000, 0.2);
    private final PartitionPauses pauses;
    private List<ConsumerRecord<byte[], byte[]>> toRewind = List.of();
    private Producer<byte[], byte[]> producer;
    private long failures;
    private Instant lagReportedAt = Instant.EPOCH;
    private volatile boolean running = true;

    CommandEngine(String name, Consumer<byte[], byte[]> consumer, Supplier<Producer<byte[], byte[]>> producers,
                  Pattern topics, CommandProcessor processor, BatchRecorder recorder, OutboundRecords outbound,
                  IntakeGate gate, RetryLadder ladder, Clock clock) {
        this.name = name;
        this.consumer = consumer;
        this.producers = producers;
        this.topics = topics;
        this.processor = processor;
        this.recorder = recorder;
        this.outbound = outbound;
        this.gate = gate;
        this.ladder = ladder;
        this.clock = clock;
        this.pauses = new PartitionPauses(consumer);
    }

    @Override
    public void run() {
        try {
            producer = producers.get();
            consumer.subscribe(topics, new Rebalance());
            while (running) step();
        } catch (WakeupException | InterruptedException e) {
            if (running) died(e);
        } catch (RuntimeException | Error e) {
            died(e);
        } finally {
            closeQuietly();
        }
    }

    private void died(Throwable cause) {
        log.error("{} failed and stops; the batch in hand was not committed; liveness is now DOWN", name, cause);
        gate.broken();
    }

    /** Asks the loop to stop after the batch in hand. */
    void stop() {
        running = false;
        consumer.wakeup();
    }

    private void step() throws InterruptedException {
        if (!toRewind.isEmpty() && !rewound()) return;
        pauses.apply(gate.isHalted(), clock.instant());
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        reportLag();
        if (records.isEmpty()) return;
        Batch batch = Batch.of(records, ladder, clock.instant());
        batch.pauses().forEach((partition, pause) -> pauses.pauseUntil(partition, pause.offset(), pause.until()));
        if (batch.ready().isEmpty()) return;
        try {
            handle(batch.ready());
            failures = 0;
        } catch (KafkaException | DataAccessException | TransactionException e) {
            toRewind = batch.ready();
            long wait = backoff.backoff(failures++);
            log.warn("{}: batch of {} records not committed ({}); reading it again in {} ms", name, batch.ready().size(),
                    e.getClass().getSimpleName(), wait);
            Thread.sleep(wait);
        }
    }

    /**
     * Seeks the failed batch's partitions back to what the group has committed (a commit that
     * timed out may in fact have succeeded: reading from the batch's start would repeat it), or to
     * the batch's start where nothing is committed. Until that works, nothing is polled.
     */
    private boolean rewound() throws InterruptedException {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        Set<TopicPartition> assigned = consumer.assignment();
        for (ConsumerRecord<byte[], byte[]> r : toRewind) {
            TopicPartition partition = partitionOf(r);
            if (assigned.contains(partition)) first.putIfAbsent(partition, r.offset());
        }
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(first.keySet(), COMMITTED_TIMEOUT);
            first.forEach((partition, offset) -> {
                OffsetAndMetadata done = committed.get(partition);
                consumer.seek(partition, done == null ? offset : done.offset());
            });
            toRewind = List.of();
            return true;
        } catch (KafkaException e) {
            long wait = backoff.backoff(failures++);
            log.warn("{}: cannot read the committed offsets yet ({}); trying again in {} ms", name, e.getClass().getSimpleName(), wait);
            Thread.sleep(wait);
            return false;
        }
    }

    private void handle(List<ConsumerRecord<byte[], byte[]>> ready) throws InterruptedException {
        List<Processed> processed = processor.process(ready);
        List<Processed> kept = keepBeforeHalt(processed);
        recorder.store(kept, processed);
        commit(kept);
        recorder.count(kept);
    }

    /** Everything of a partition from its first halted record on is left uncommitted, to be read again after the halt. */
    private List<Processed> keepBeforeHalt(List<Processed> processed) {
        Map<TopicPartition, Long> haltedAt = new LinkedHashMap<>();
        List<Processed> kept = new ArrayList<>(processed.size());
        for (Processed p : processed) {
            TopicPartition partition = partitionOf(p.record());
            if (haltedAt.containsKey(partition)) continue;
            if (p.decision() instanceof Decision.Halt halt) {
                haltedAt.put(partition, p.record().offset());
                gate.halt(halt);
            } else {
                kept.add(p);
            }
        }
        haltedAt.forEach(consumer::seek);
        return kept;
    }

    private void commit(List<Processed> kept) {
        if (kept.isEmpty()) return;
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        try {
            producer.beginTransaction();
            for (Processed p : kept) {
                ProducerRecord<byte[], byte[]> record = outboundRecord(p);
                if (record != null) producer.send(record);
                offsets.put(partitionOf(p.record()), new OffsetAndMetadata(p.record().offset() + 1));
            }
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
                 | AuthorizationException e) {
            replaceProducer();
            throw e;
        } catch (KafkaException e) {
            abortQuietly();
            throw e;
        }
    }

    private ProducerRecord<byte[], byte[]> outboundRecord(Processed p) {
        if (p.provenance() == Processed.Provenance.ALREADY_SUCCEEDED) return null;
        return switch (p.decision()) {
            case Decision.Retry r -> outbound.retry(p.record(), r.tier(), r.nextAttempt(), r.rateLimited(), r.dueAt());
            case Decision.DeadLetter d -> outbound.deadLetter(p.record(), p.commandType(), p.attempts(), d.status(), d.code(),
                    d.message(), p.decidedAt());
            case Decision.Complete c -> null;
            case Decision.Halt h -> null;
        };
    }

    private static TopicPartition partitionOf(ConsumerRecord<?, ?> record) {
        return new TopicPartition(record.topic(), record.partition());
    }

    private void reportLag() {
        Instant now = clock.instant();
        if (Duration.between(lagReportedAt, now).compareTo(LAG_EVERY) < 0) return;
        lagReportedAt = now;
        Map<String, Long> lag = new HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            lag.putIfAbsent(partition.topic(), 0L);
            consumer.currentLag(partition).ifPresent(n -> lag.merge(partition.topic(), n, Long::sum));
        }
        recorder.lag(name, lag);
    }

    private void replaceProducer() {
        log.warn("{}: producer fenced or broken; creating a new one", name);
        try {
            producer.close(Duration.ZERO);
        } catch (RuntimeException ignored) {
            // already unusable
        }
        producer = producers.get();
    }

    private void abortQuietly() {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            replaceProducer();
        }
    }

    private void closeQuietly() {
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.debug("{}: closing the consumer failed", name, e);
        }
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.debug("{}: closing the producer failed", name, e);
            }
        }
    }

    /** Forgets the due-time pauses of revoked partitions; newly assigned ones start halted if intake is. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            pauses.forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (gate.isHalted()) consumer.pause(partitions);
        }
    }
}
