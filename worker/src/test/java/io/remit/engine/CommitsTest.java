package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remit.command.ParsedCommand;
import io.remit.routing.Decision;
import io.remit.routing.OutboundRecords;
import io.remit.routing.RemitHeaders;
import io.remit.routing.TopicsProperties;
import io.remit.telemetry.RecordTracing;
import io.remit.telemetry.RemitMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One Kafka transaction per commit: the outbound records and the offsets together; an aborted one tried again from memory,
 * an uncertain one rewound on a new producer, a failing one narrowed down to the record Kafka refuses on its own.
 */
class CommitsTest {
    private static final String COMMANDS = "remit.commands";
    private static final String DLQ = "remit.commands.dlq";
    private static final String OUTCOMES = "remit.outcomes";
    private static final TopicPartition P0 = new TopicPartition(COMMANDS, 0);
    private static final TopicPartition P1 = new TopicPartition(COMMANDS, 1);
    private static final Instant DECIDED = Instant.parse("2026-03-01T12:00:00Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Recorder recorder =
            new Recorder(null, new RemitMetrics(registry, Map.of(), () -> false, () -> Duration.ZERO), topic -> false);
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final Producers producers = new Producers();
    private Commits commits;

    @AfterEach
    void close() {
        if (commits != null) commits.close();
    }

    // ------------------------------------------------------------------ 1. a normal commit

    @Test
    void commitsTheOutboundRecordsAndTheNextOffsetOfEachPartitionInOneTransaction() {
        commits = started(100, true);
        Pending deadLetter = pending(P0, 10, "k10", new Decision.DeadLetter(422, "INVOICE_INVALID", "bad amount"));
        Pending succeeded = pending(P0, 11, "k11", new Decision.Complete(201, "inv_11"));
        Pending other = pending(P1, 5, "k5", new Decision.DeadLetter(0, "COMMAND_INVALID", "no type"));

        Commits.Result result = commits.commit(ready(P0, List.of(deadLetter, succeeded), P1, List.of(other)));

        assertThat(result.committed()).containsExactly(Map.entry(P0, 2), Map.entry(P1, 1));
        assertThat(result.refused()).isEmpty();
        assertThat(result.rewind()).isEmpty();
        assertThat(result.backoff()).isNull();

        FaultyProducer producer = producers.only();
        assertThat(producer.commitCount()).as("one transaction").isEqualTo(1);
        assertThat(producer.transactionCommitted()).isTrue();
        assertThat(producer.uncommittedRecords()).isEmpty();
        assertThat(sent(producer))
                .containsExactly(DLQ + " k10", OUTCOMES + " k10", OUTCOMES + " k11", DLQ + " k5", OUTCOMES + " k5");
        ProducerRecord<byte[], byte[]> dead = producer.history().getFirst();
        assertThat(header(dead, RemitHeaders.ERROR_CODE)).isEqualTo("INVOICE_INVALID");
        assertThat(header(dead, RemitHeaders.ORIGINAL_OFFSET)).isEqualTo("10");
        assertThat(dead.value()).isEqualTo(deadLetter.record.value());
        assertThat(producer.consumerGroupOffsetsHistory())
                .containsExactly(
                        Map.of(groupId(), Map.of(P0, new OffsetAndMetadata(12), P1, new OffsetAndMetadata(6))));
        assertFailures(0, 0, 0, 0);
    }

    @Test
    void withOutcomeEventsOffADeadLetterIsAloneAndACommandThatAlreadySucceededProducesNothingButItsOffset() {
        commits = started(100, false);
        Pending deadLetter = pending(P0, 3, "k3", new Decision.DeadLetter(409, "CONFLICT", "m"));
        Pending succeeded = pending(P0, 4, "k4", new Decision.Complete(201, "inv_4"));
        Pending already =
                pending(P0, 5, "k5", new Decision.Complete(200, "inv_5"), Processed.Provenance.ALREADY_SUCCEEDED);

        Commits.Result result = commits.commit(ready(P0, List.of(deadLetter, succeeded, already)));

        assertThat(result.committed()).containsExactly(Map.entry(P0, 3));
        assertThat(sent(producers.only())).containsExactly(DLQ + " k3");
        assertThat(producers.only().consumerGroupOffsetsHistory())
                .containsExactly(Map.of(groupId(), Map.of(P0, new OffsetAndMetadata(6))));
    }

    // ------------------------------------------------------------------ 2. aborted: tried again from memory

    @Test
    void anAbortedTransactionCommitsNothingAsksForABackoffAndTheSameRecordsCommitNextTime() {
        commits = started(100, true);
        List<Pending> records = List.of(
                pending(P0, 0, "k0", new Decision.DeadLetter(422, "X", "m")),
                pending(P0, 1, "k1", new Decision.Complete(201, "inv_1")));
        FaultyProducer producer = producers.only();
        producer.sendOffsetsToTransactionException = new CoordinatorNotAvailableException("coordinator moving");

        Commits.Result failed = commits.commit(ready(P0, records));

        assertThat(failed.committed()).isEmpty();
        assertThat(failed.refused()).isEmpty();
        assertThat(failed.rewind())
                .as("surely not committed: nothing to read again")
                .isEmpty();
        assertThat(failed.backoff()).isBetween(Duration.ofMillis(80), Duration.ofMillis(120));
        assertThat(producer.transactionAborted()).isTrue();
        assertThat(producer.history()).isEmpty();
        assertThat(producer.consumerGroupOffsetsHistory()).isEmpty();
        assertThat(producers.calls).as("the producer is kept").isEqualTo(1);
        assertFailures(1, 0, 0, 0);

        producer.sendOffsetsToTransactionException = null;
        Commits.Result retried = commits.commit(ready(P0, records));

        assertThat(retried.committed()).containsExactly(Map.entry(P0, 2));
        assertThat(retried.backoff()).isNull();
        assertThat(sent(producer))
                .as("each record once: the aborted sends are gone")
                .containsExactly(DLQ + " k0", OUTCOMES + " k0", OUTCOMES + " k1");
        assertThat(producer.consumerGroupOffsetsHistory())
                .containsExactly(Map.of(groupId(), Map.of(P0, new OffsetAndMetadata(2))));
        assertThat(producers.calls).isEqualTo(1);
        assertFailures(1, 0, 0, 0);
    }

    // ------------------------------------------------------------------ 3. uncertain: rewound, on a new producer

    @Test
    void aFencedProducerMakesTheCommitUncertainItsPartitionsRewoundAndANewProducerTakesOver() {
        commits = started(100, true);
        FaultyProducer fenced = producers.only();
        fenced.fenceProducer();
        List<Pending> p0 = List.of(pending(P0, 7, "k7", new Decision.DeadLetter(422, "X", "m")));
        List<Pending> p1 = List.of(pending(P1, 3, "k3", new Decision.Complete(201, "inv_3")));

        Commits.Result result = commits.commit(ready(P0, p0, P1, p1));

        assertThat(result.rewind()).containsExactlyInAnyOrder(P0, P1);
        assertThat(result.committed()).isEmpty();
        assertThat(result.refused()).isEmpty();
        assertThat(result.backoff()).isBetween(Duration.ofMillis(80), Duration.ofMillis(120));
        assertThat(producers.calls).as("a new producer is asked for").isEqualTo(2);
        assertThat(fenced.closed()).isTrue();
        assertThat(fenced.history()).isEmpty();
        assertThat(fenced.consumerGroupOffsetsHistory()).isEmpty();
        assertFailures(0, 1, 0, 0);

        Commits.Result next = commits.commit(ready(P0, p0, P1, p1));

        assertThat(next.committed()).containsExactly(Map.entry(P0, 1), Map.entry(P1, 1));
        FaultyProducer replacement = producers.created.getLast();
        assertThat(replacement).isNotSameAs(fenced);
        assertThat(sent(replacement)).containsExactly(DLQ + " k7", OUTCOMES + " k7", OUTCOMES + " k3");
        assertThat(replacement.consumerGroupOffsetsHistory())
                .containsExactly(Map.of(groupId(), Map.of(P0, new OffsetAndMetadata(8), P1, new OffsetAndMetadata(4))));
        assertFailures(0, 1, 0, 0);
    }

    @Test
    void aFailedCommitWhoseAbortFailsTooIsUncertain() {
        commits = started(100, true);
        FaultyProducer broken = producers.only();
        broken.commitTransactionException = new KafkaException("broken");
        broken.abortTransactionException = new KafkaException("cannot abort either");

        Commits.Result result =
                commits.commit(ready(P0, List.of(pending(P0, 0, "k0", new Decision.Complete(201, "i")))));

        assertThat(result.rewind()).containsExactly(P0);
        assertThat(result.committed()).isEmpty();
        assertThat(result.backoff()).isNotNull();
        assertThat(producers.calls).isEqualTo(2);
        assertThat(broken.closed()).isTrue();
        assertThat(broken.history()).isEmpty();
        assertFailures(0, 1, 0, 0);
    }

    @Test
    void aCommitThatTimesOutIsCompletedAsTheSameTransactionAndOneThatKeepsTimingOutIsUncertainWithoutAnAbort() {
        commits = started(100, true);
        FaultyProducer producer = producers.only();
        producer.commitTimeouts = 2;

        Commits.Result completed =
                commits.commit(ready(P0, List.of(pending(P0, 0, "k0", new Decision.Complete(201, "i")))));

        assertThat(completed.committed()).containsExactly(Map.entry(P0, 1));
        assertThat(producer.commitCount()).isEqualTo(1);
        assertThat(sent(producer)).containsExactly(OUTCOMES + " k0");
        assertFailures(0, 0, 0, 0);

        producer.commitTimeouts = 3;
        Commits.Result unknown =
                commits.commit(ready(P0, List.of(pending(P0, 1, "k1", new Decision.Complete(201, "i")))));

        assertThat(unknown.rewind()).containsExactly(P0);
        assertThat(unknown.committed()).isEmpty();
        assertThat(producer.transactionAborted())
                .as("it may have committed: not aborted")
                .isFalse();
        assertThat(producer.closed()).isTrue();
        assertThat(producers.calls).isEqualTo(2);
        assertFailures(0, 1, 0, 0);
    }

    // ------------------------------------------------------------------ 4. narrowing down to the refused record

    @Test
    void aTransactionFailingOnOneRecordsOwnFaultIsNarrowedToOneRecordPerTransactionAndThatRecordIsRefused() {
        commits = started(100, true);
        producers.refuse = record -> record.topic().equals(DLQ) && "bad".equals(key(record)) && record.value() != null;
        Pending good = pending(P0, 0, "good", new Decision.DeadLetter(422, "X", "m"));
        Pending bad = pending(P0, 1, "bad", new Decision.DeadLetter(422, "X", "m"));
        Pending after = pending(P0, 2, "after", new Decision.Complete(201, "inv"));
        FaultyProducer producer = producers.only();

        Commits.Result narrowed = commits.commit(ready(P0, List.of(good, bad, after)));

        assertThat(narrowed.committed()).isEmpty();
        assertThat(narrowed.refused()).isEmpty();
        assertThat(narrowed.rewind()).isEmpty();
        assertThat(narrowed.backoff())
                .as("a record fault: narrowed down at once")
                .isNull();
        assertThat(producer.transactionAborted()).isTrue();
        assertThat(producer.history()).isEmpty();
        assertFailures(0, 0, 1, 0);

        Commits.Result first = commits.commit(ready(P0, List.of(good, bad, after)));

        assertThat(first.committed()).as("one record per transaction").containsExactly(Map.entry(P0, 1));
        assertThat(sent(producer)).containsExactly(DLQ + " good", OUTCOMES + " good");
        assertThat(producer.consumerGroupOffsetsHistory().getLast())
                .isEqualTo(Map.of(groupId(), Map.of(P0, new OffsetAndMetadata(1))));

        Commits.Result refused = commits.commit(ready(P0, List.of(bad, after)));

        assertThat(refused.committed()).isEmpty();
        assertThat(refused.rewind()).isEmpty();
        assertThat(refused.backoff()).isNull();
        assertThat(refused.refused()).containsOnlyKeys(bad);
        assertThat(refused.refused().get(bad)).contains("RecordTooLargeException");
        assertThat(sent(producer)).hasSize(2);
        assertFailures(0, 0, 1, 1);

        // what the engine does with a refused record: dead-lettered in its minimum form, with code OUTBOUND_REFUSED
        bad.result = new Processed(
                bad.record,
                bad.requestId,
                "invoice.create",
                Processed.Provenance.FRESH,
                new Decision.DeadLetter(
                        0, Outbound.OUTBOUND_REFUSED, refused.refused().get(bad)),
                1,
                null,
                DECIDED);
        bad.minimalOutbound = true;
        Commits.Result minimal = commits.commit(ready(P0, List.of(bad, after)));

        assertThat(minimal.committed()).as("still one at a time").containsExactly(Map.entry(P0, 1));
        ProducerRecord<byte[], byte[]> deadLetter = producer.history().get(2);
        assertThat(key(deadLetter)).isEqualTo("bad");
        assertThat(deadLetter.value()).isNull();
        assertThat(header(deadLetter, RemitHeaders.ERROR_CODE)).isEqualTo(Outbound.OUTBOUND_REFUSED);
        assertThat(producer.consumerGroupOffsetsHistory().getLast())
                .isEqualTo(Map.of(groupId(), Map.of(P0, new OffsetAndMetadata(2))));

        Commits.Result last = commits.commit(ready(P0, List.of(after)));

        assertThat(last.committed()).containsExactly(Map.entry(P0, 1));
        assertThat(producer.consumerGroupOffsetsHistory().getLast())
                .isEqualTo(Map.of(groupId(), Map.of(P0, new OffsetAndMetadata(3))));

        Commits.Result batch = commits.commit(ready(
                P0,
                List.of(
                        pending(P0, 3, "k3", new Decision.Complete(201, "i")),
                        pending(P0, 4, "k4", new Decision.Complete(201, "i")))));

        assertThat(batch.committed())
                .as("narrowing over: several records per transaction again")
                .containsExactly(Map.entry(P0, 2));
        assertThat(sent(producer))
                .containsExactly(
                        DLQ + " good",
                        OUTCOMES + " good",
                        DLQ + " bad",
                        OUTCOMES + " bad",
                        OUTCOMES + " after",
                        OUTCOMES + " k3",
                        OUTCOMES + " k4");
        assertThat(producer.commitCount()).isEqualTo(4);
        assertThat(producers.calls).isEqualTo(1);
        assertFailures(0, 0, 1, 1);
    }

    @Test
    void aTransactionOfSeveralRecordsFailingTwiceForNoRecordsFaultIsNarrowedToo() {
        commits = started(100, true);
        FaultyProducer producer = producers.only();
        producer.commitTransactionException = new KafkaException("unknown broker error");
        List<Pending> records = List.of(
                pending(P0, 0, "k0", new Decision.Complete(201, "i")),
                pending(P0, 1, "k1", new Decision.Complete(201, "i")));

        Commits.Result aborted = commits.commit(ready(P0, records));
        Commits.Result narrowed = commits.commit(ready(P0, records));

        assertThat(aborted.backoff()).isNotNull();
        assertThat(narrowed.backoff()).isNull();
        assertFailures(1, 0, 1, 0);

        producer.commitTransactionException = null;
        assertThat(commits.commit(ready(P0, records)).committed()).containsExactly(Map.entry(P0, 1));
        assertThat(commits.commit(ready(P0, records.subList(1, 2))).committed()).containsExactly(Map.entry(P0, 1));
        assertThat(producer.consumerGroupOffsetsHistory())
                .containsExactly(
                        Map.of(groupId(), Map.of(P0, new OffsetAndMetadata(1))),
                        Map.of(groupId(), Map.of(P0, new OffsetAndMetadata(2))));
    }

    // ------------------------------------------------------------------ 5. maxRecords

    @Test
    void oneTransactionTakesAtMostMaxRecordsAPrefixOfEachPartitionInOrder() {
        commits = started(3, true);
        List<Pending> p0 = List.of(
                pending(P0, 20, "a", new Decision.Complete(201, "i")),
                pending(P0, 21, "b", new Decision.Complete(201, "i")));
        List<Pending> p1 = List.of(
                pending(P1, 30, "c", new Decision.Complete(201, "i")),
                pending(P1, 31, "d", new Decision.Complete(201, "i")));

        Commits.Result result = commits.commit(ready(P0, p0, P1, p1));

        assertThat(result.committed()).containsExactly(Map.entry(P0, 2), Map.entry(P1, 1));
        FaultyProducer producer = producers.only();
        assertThat(sent(producer)).containsExactly(OUTCOMES + " a", OUTCOMES + " b", OUTCOMES + " c");
        assertThat(producer.consumerGroupOffsetsHistory())
                .containsExactly(
                        Map.of(groupId(), Map.of(P0, new OffsetAndMetadata(22), P1, new OffsetAndMetadata(31))));

        Commits.Result rest = commits.commit(ready(P1, p1.subList(1, 2)));

        assertThat(rest.committed()).containsExactly(Map.entry(P1, 1));
        assertThat(producer.consumerGroupOffsetsHistory().getLast())
                .isEqualTo(Map.of(groupId(), Map.of(P1, new OffsetAndMetadata(32))));
    }

    @Test
    void aPartitionBeyondMaxRecordsIsLeftOutOfTheTransaction() {
        commits = started(2, true);
        List<Pending> p0 = List.of(
                pending(P0, 0, "a", new Decision.Complete(201, "i")),
                pending(P0, 1, "b", new Decision.Complete(201, "i")),
                pending(P0, 2, "c", new Decision.Complete(201, "i")));
        List<Pending> p1 = List.of(pending(P1, 0, "d", new Decision.Complete(201, "i")));

        Commits.Result result = commits.commit(ready(P0, p0, P1, p1));

        assertThat(result.committed()).containsExactly(Map.entry(P0, 2));
        assertThat(sent(producers.only())).containsExactly(OUTCOMES + " a", OUTCOMES + " b");
        assertThat(producers.only().consumerGroupOffsetsHistory())
                .containsExactly(Map.of(groupId(), Map.of(P0, new OffsetAndMetadata(2))));
    }

    // ------------------------------------------------------------------ found by this test: never refuse for a passing
    // outage

    @Test
    void aRecordAloneIsNeverRefusedForARetriableErrorHoweverOftenItRepeats() {
        commits = started(100, true);
        Pending only = pending(P0, 0, "k0", new Decision.Complete(201, "inv_1"));
        FaultyProducer producer = producers.only();
        producer.sendOffsetsToTransactionException = new CoordinatorNotAvailableException("coordinator moving");

        for (int i = 0; i < 5; i++) {
            Commits.Result failed = commits.commit(ready(P0, List.of(only)));
            assertThat(failed.refused()).as("attempt %d", i + 1).isEmpty();
            assertThat(failed.backoff()).isNotNull();
        }
        producer.sendOffsetsToTransactionException = null;
        Commits.Result committed = commits.commit(ready(P0, List.of(only)));

        assertThat(committed.committed()).containsExactly(Map.entry(P0, 1));
        assertThat(sent(producer)).containsExactly(OUTCOMES + " k0");
        assertFailures(5, 0, 0, 0);
    }

    @Test
    void aConsumerTheGroupNoLongerKnowsNeverGetsItsRecordsRefusedOrNarrowed() {
        // CI's chaos run: after a broker restart the coordinator did not know the member for a few seconds, the
        // transactions failed with CommitFailedException, were narrowed, and a valid command was dead-lettered
        commits = started(100, true);
        FaultyProducer producer = producers.only();
        producer.sendOffsetsToTransactionException = new CommitFailedException(
                "Transaction offset Commit failed due to consumer group metadata mismatch: The coordinator is not aware of this member.");
        List<Pending> records = List.of(
                pending(P0, 0, "k0", new Decision.Complete(201, "i")),
                pending(P0, 1, "k1", new Decision.Complete(201, "i")));
        Pending only = pending(P1, 0, "k2", new Decision.Complete(201, "i"));

        for (int i = 0; i < 4; i++) {
            Commits.Result several = commits.commit(ready(P0, records));
            Commits.Result alone = commits.commit(ready(P1, List.of(only)));
            assertThat(several.refused()).as("attempt %d", i + 1).isEmpty();
            assertThat(alone.refused()).as("attempt %d", i + 1).isEmpty();
            assertThat(several.backoff()).isNotNull();
            assertThat(alone.backoff()).isNotNull();
        }
        assertFailures(8, 0, 0, 0);

        producer.sendOffsetsToTransactionException = null;
        assertThat(commits.commit(ready(P0, records)).committed()).containsExactly(Map.entry(P0, 2));
        assertThat(commits.commit(ready(P1, List.of(only))).committed()).containsExactly(Map.entry(P1, 1));
    }

    @Test
    void kafkasErrorsBeforeAnUnknownOneDoNotCountTowardsRefusingTheRecord() {
        // found in review: after a broker restart the lone record had "failed" several times already, so the first
        // unknown error refused it at once instead of after it repeated
        commits = started(100, true);
        FaultyProducer producer = producers.only();
        Pending only = pending(P0, 0, "k0", new Decision.Complete(201, "i"));
        producer.sendOffsetsToTransactionException =
                new CommitFailedException("the coordinator is not aware of this member");
        for (int i = 0; i < 3; i++) commits.commit(ready(P0, List.of(only)));

        producer.sendOffsetsToTransactionException = new KafkaException("unknown broker error");
        assertThat(commits.commit(ready(P0, List.of(only))).refused())
                .as("the first unknown error")
                .isEmpty();
        assertThat(commits.commit(ready(P0, List.of(only))).refused())
                .as("the unknown error again")
                .containsOnlyKeys(only);
    }

    @Test
    void aCorruptRecordIsKafkasRetriableFaultNotTheRecords() {
        assertThat(KafkaErrors.isKafkas(new CorruptRecordException("checksum mismatch")))
                .isTrue();
        commits = started(100, true);
        FaultyProducer producer = producers.only();
        producer.sendOffsetsToTransactionException = new CorruptRecordException("checksum mismatch");
        Pending only = pending(P0, 0, "k0", new Decision.Complete(201, "i"));
        for (int i = 0; i < 4; i++)
            assertThat(commits.commit(ready(P0, List.of(only))).refused()).isEmpty();
    }

    @Test
    void errorsOfTheGroupTheProducerOrRightsAreKafkasAndRecordFaultsAreNot() {
        assertThat(KafkaErrors.isKafkas(new KafkaException("wrapped", new CommitFailedException("gone"))))
                .isTrue();
        assertThat(KafkaErrors.isKafkas(new OutOfOrderSequenceException("sequence")))
                .isTrue();
        assertThat(KafkaErrors.isKafkas(new TopicAuthorizationException("no right")))
                .isTrue();
        assertThat(KafkaErrors.isKafkas(new CoordinatorNotAvailableException("moving")))
                .isTrue();
        assertThat(KafkaErrors.isKafkas(new RecordTooLargeException("too large")))
                .isFalse();
        assertThat(KafkaErrors.isKafkas(new KafkaException("unknown broker error")))
                .isFalse();
    }

    @Test
    void aNewProducerThatCannotBeHadNowIsAskedForAgainAtTheNextCommit() {
        commits = started(100, true);
        Pending only = pending(P0, 0, "k0", new Decision.Complete(201, "inv_1"));
        producers.only().fenceProducer();
        producers.unavailable = 2; // the replacement, and the next commit's first ask, find no producer

        Commits.Result uncertain = commits.commit(ready(P0, List.of(only)));
        Commits.Result noProducer = commits.commit(ready(P0, List.of(only)));
        Commits.Result committed = commits.commit(ready(P0, List.of(only)));

        assertThat(uncertain.rewind()).containsExactly(P0);
        assertThat(noProducer.committed()).isEmpty();
        assertThat(noProducer.backoff()).isNotNull();
        assertThat(committed.committed()).containsExactly(Map.entry(P0, 1));
        assertThat(producers.calls).isEqualTo(4);
        assertThat(sent(producers.created.getLast())).containsExactly(OUTCOMES + " k0");
    }

    // ------------------------------------------------------------------ helpers

    private Commits started(int maxRecords, boolean outcomeEvents) {
        TopicsProperties topics =
                new TopicsProperties(COMMANDS, DLQ, 3, (short) 1, true, Duration.ofDays(30), OUTCOMES, outcomeEvents);
        Commits started = new Commits(
                "test",
                consumer,
                producers,
                new Outbound(new OutboundRecords(topics)),
                maxRecords,
                recorder,
                RecordTracing.NONE);
        started.start();
        return started;
    }

    private String groupId() {
        return consumer.groupMetadata().groupId();
    }

    private void assertFailures(double aborted, double uncertain, double narrowing, double refused) {
        assertThat(Map.of(
                        "aborted",
                        failed("aborted"),
                        "uncertain",
                        failed("uncertain"),
                        "narrowing",
                        failed("narrowing"),
                        "refused",
                        failed("refused")))
                .isEqualTo(
                        Map.of("aborted", aborted, "uncertain", uncertain, "narrowing", narrowing, "refused", refused));
    }

    private double failed(String result) {
        return registry.get("remit.commits.failed")
                .tag("result", result)
                .counter()
                .count();
    }

    private static Pending pending(TopicPartition partition, long offset, String key, Decision decision) {
        return pending(partition, offset, key, decision, Processed.Provenance.FRESH);
    }

    private static Pending pending(
            TopicPartition partition, long offset, String key, Decision decision, Processed.Provenance provenance) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(
                partition.topic(),
                partition.partition(),
                offset,
                key.getBytes(StandardCharsets.UTF_8),
                ("{\"type\":\"invoice.create\",\"n\":" + offset + "}").getBytes(StandardCharsets.UTF_8));
        Pending p =
                new Pending(record, new ParsedCommand.Invalid("COMMAND_INVALID", "m", key, "invoice.create"), key, 0);
        p.result = new Processed(record, key, "invoice.create", provenance, decision, 1, null, DECIDED);
        p.stored = true;
        return p;
    }

    private static Map<TopicPartition, List<Pending>> ready(TopicPartition partition, List<Pending> records) {
        Map<TopicPartition, List<Pending>> ready = new LinkedHashMap<>();
        ready.put(partition, records);
        return ready;
    }

    private static Map<TopicPartition, List<Pending>> ready(
            TopicPartition first, List<Pending> firstRecords, TopicPartition second, List<Pending> secondRecords) {
        Map<TopicPartition, List<Pending>> ready = ready(first, firstRecords);
        ready.put(second, secondRecords);
        return ready;
    }

    /** "topic key" of each record a committed transaction produced, in order. */
    private static List<String> sent(MockProducer<byte[], byte[]> producer) {
        return producer.history().stream().map(r -> r.topic() + " " + key(r)).toList();
    }

    private static String key(ProducerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Hands out transactional MockProducers, their transactions initialised as KafkaClients does, and counts the calls. */
    private static final class Producers implements Supplier<Producer<byte[], byte[]>> {
        final List<FaultyProducer> created = new ArrayList<>();
        Predicate<ProducerRecord<byte[], byte[]>> refuse = record -> false;
        int calls;

        /** How many of the next calls fail, as when the broker cannot be reached. */
        int unavailable;

        @Override
        public Producer<byte[], byte[]> get() {
            calls++;
            if (unavailable > 0) {
                unavailable--;
                throw new org.apache.kafka.common.errors.TimeoutException("initTransactions timed out");
            }
            FaultyProducer producer = new FaultyProducer(record -> refuse.test(record));
            producer.initTransactions();
            created.add(producer);
            return producer;
        }

        FaultyProducer only() {
            assertThat(created).hasSize(1);
            return created.getFirst();
        }
    }

    /** A MockProducer whose send refuses chosen records as too large, and whose commit can time out a number of times. */
    private static final class FaultyProducer extends MockProducer<byte[], byte[]> {
        private final Predicate<ProducerRecord<byte[], byte[]>> refuse;
        int commitTimeouts;

        FaultyProducer(Predicate<ProducerRecord<byte[], byte[]>> refuse) {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
            this.refuse = refuse;
        }

        @Override
        public synchronized java.util.concurrent.Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
            if (refuse.test(record)) throw new RecordTooLargeException("the record is too large for the broker");
            return super.send(record);
        }

        @Override
        public void commitTransaction() {
            if (commitTimeouts > 0) {
                commitTimeouts--;
                throw new TimeoutException("commit timed out");
            }
            super.commitTransaction();
        }
    }
}
