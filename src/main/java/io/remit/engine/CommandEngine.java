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

import io.remit.routing.Decision;
import io.remit.routing.OutboundRecords;

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

    private final String name;
    private final Consumer<byte[], byte[]> consumer;
    private final Supplier<Producer<byte[], byte[]>> producers;
    private final Collection<String> topics;
    private final CommandProcessor processor;
    private final BatchRecorder recorder;
    private final OutboundRecords outbound;
    private final IntakeGate gate;
    private final io.remit.routing.RetryLadder ladder;
    private final Clock clock;
    private final ExponentialBackoff backoff = new ExponentialBackoff(100, 2, 30_000, 0.2);
    private final Map<TopicPartition, Instant> pausedUntil = new HashMap<>();
    private Producer<byte[], byte[]> producer;
    private long failures;
    private Instant lagReportedAt = Instant.EPOCH;
    private volatile boolean running = true;

    CommandEngine(String name, Consumer<byte[], byte[]> consumer, Supplier<Producer<byte[], byte[]>> producers,
                  Collection<String> topics, CommandProcessor processor, BatchRecorder recorder, OutboundRecords outbound,
                  IntakeGate gate, io.remit.routing.RetryLadder ladder, Clock clock) {
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
    }

    @Override
    public void run() {
        try {
            producer = producers.get();
            consumer.subscribe(topics, new Rebalance());
            while (running) step();
        } catch (WakeupException | InterruptedException e) {
            if (running) log.error("{} stopped unexpectedly", name, e);
        } catch (RuntimeException e) {
            log.error("{} failed and stops; the batch in hand was not committed; liveness is now DOWN", name, e);
            gate.broken();
        } finally {
            closeQuietly();
        }
    }

    /** Asks the loop to stop after the batch in hand. */
    void stop() {
        running = false;
        consumer.wakeup();
    }

    private void step() throws InterruptedException {
        applyGateAndDuePauses();
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        reportLag();
        if (records.isEmpty()) return;
        Batch batch = Batch.of(records, ladder, clock.instant());
        batch.pauses().forEach(this::pauseUntilDue);
        if (batch.ready().isEmpty()) return;
        try {
            handle(batch.ready());
            failures = 0;
        } catch (KafkaException | org.springframework.dao.DataAccessException
                 | org.springframework.transaction.TransactionException e) {
            rewind(batch.ready());
            long wait = backoff.backoff(failures++);
            log.warn("{}: batch of {} records not committed ({}); trying again in {} ms", name, batch.ready().size(),
                    e.getClass().getSimpleName(), wait);
            Thread.sleep(wait);
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
            TopicPartition partition = new TopicPartition(p.record().topic(), p.record().partition());
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
                offsets.put(new TopicPartition(p.record().topic(), p.record().partition()),
                        new OffsetAndMetadata(p.record().offset() + 1));
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
            case Decision.Retry r -> outbound.retry(p.record(), r.tier(), r.nextAttempt(), r.dueAt());
            case Decision.DeadLetter d -> outbound.deadLetter(p.record(), p.commandType(), p.attempts(), d.status(), d.code(),
                    d.message(), p.decidedAt());
            case Decision.Complete c -> null;
            case Decision.Halt h -> null;
        };
    }

    private void applyGateAndDuePauses() {
        if (gate.isHalted()) {
            consumer.pause(consumer.assignment());
            return;
        }
        Instant now = clock.instant();
        List<TopicPartition> resume = new ArrayList<>();
        for (TopicPartition partition : consumer.paused()) {
            Instant until = pausedUntil.get(partition);
            if (until == null || !until.isAfter(now)) {
                resume.add(partition);
                pausedUntil.remove(partition);
            }
        }
        if (!resume.isEmpty()) consumer.resume(resume);
    }

    private void pauseUntilDue(TopicPartition partition, Batch.Pause pause) {
        consumer.seek(partition, pause.offset());
        consumer.pause(List.of(partition));
        pausedUntil.put(partition, pause.until());
    }

    /** Seeks each still-assigned partition of the batch back to its first record. */
    private void rewind(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) first.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
        Set<TopicPartition> assigned = consumer.assignment();
        first.forEach((partition, offset) -> {
            if (assigned.contains(partition)) consumer.seek(partition, offset);
        });
    }

    private void reportLag() {
        Instant now = clock.instant();
        if (Duration.between(lagReportedAt, now).compareTo(LAG_EVERY) < 0) return;
        lagReportedAt = now;
        Map<String, Long> lag = new HashMap<>();
        topics.forEach(topic -> lag.put(topic, 0L));
        for (TopicPartition partition : consumer.assignment()) {
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
            partitions.forEach(pausedUntil::remove);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (gate.isHalted()) consumer.pause(partitions);
        }
    }
}
