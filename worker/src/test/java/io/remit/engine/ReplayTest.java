package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remit.routing.CodeRetries;
import io.remit.routing.Decision;
import io.remit.routing.OutboundRecords;
import io.remit.routing.OutcomeRouter;
import io.remit.routing.RetryHeaders;
import io.remit.routing.RetryLadder;
import io.remit.routing.RetryProperties;
import io.remit.routing.TopicsProperties;
import io.remit.store.OutcomeStatus;
import io.remit.store.StoredOutcome;
import io.remit.telemetry.RemitMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A record redelivered after a crash replays its stored decision: a RETRYING one writes the very retry record it
 * wrote before, its 429 count, code retries and wait included (one codec writes and reads them: {@link RetryHeaders}).
 */
class ReplayTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final TopicsProperties TOPICS = new TopicsProperties("c", "c.dlq", 3, (short) 1);
    private static final RetryLadder LADDER = new RetryLadder(
            TOPICS,
            new RetryProperties(
                    List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)),
                    0.1,
                    Map.of("INSUFFICIENT_BALANCE", List.of("1h", "4h"))));
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private final CommandProcessor processor =
            TestProcessors.processor(LADDER, CLOCK, null, null, Duration.ofHours(24));

    @Test
    void aRetryingDecisionReplaysWithTheCountsItWasMadeWith() {
        ConsumerRecord<byte[], byte[]> record = record("c.retry.2s", 7, "pay-1");
        StoredOutcome stored = new StoredOutcome(
                "pay-1",
                "payment.create",
                OutcomeStatus.RETRYING,
                4,
                409,
                "INSUFFICIENT_BALANCE",
                "no funds",
                null,
                null,
                "inv_1",
                new StoredOutcome.Source("c.retry.2s", 0, 7),
                NOW,
                new StoredOutcome.Retry("c.retry.1h", NOW.plusSeconds(3600), 2, "INSUFFICIENT_BALANCE=1", null),
                null);

        Processed replayed = processor.decideWithoutCall(processor.admit(record, 0), stored);

        assertThat(replayed.provenance()).isEqualTo(Processed.Provenance.REPLAYED);
        assertThat(replayed.decision()).isInstanceOfSatisfying(Decision.Retry.class, retry -> {
            assertThat(retry.tier().topic()).isEqualTo("c.retry.1h");
            assertThat(retry.dueAt()).isEqualTo(NOW.plusSeconds(3600));
            assertThat(retry.nextAttempt()).isEqualTo(5);
            assertThat(retry.rateLimited())
                    .as("the 429 count survives the crash")
                    .isEqualTo(2);
            assertThat(retry.codeRetries()).isEqualTo(CodeRetries.parse("INSUFFICIENT_BALANCE=1"));
        });
        ProducerRecord<byte[], byte[]> again =
                new OutboundRecords(TOPICS).retry(record, (Decision.Retry) replayed.decision());
        RetryHeaders headers = RetryHeaders.read(again.headers(), 99);
        assertThat(headers)
                .isEqualTo(new RetryHeaders(
                        5, 2, CodeRetries.parse("INSUFFICIENT_BALANCE=1"), NOW.plusSeconds(3600), null));
    }

    @Test
    void aWaitReplaysWaitingForTheSameCommandWithoutUsingUpAnAttempt() {
        ConsumerRecord<byte[], byte[]> record = record("c", 3, "pay-2");
        StoredOutcome stored = new StoredOutcome(
                "pay-2",
                "payment.create",
                OutcomeStatus.RETRYING,
                0,
                null,
                OutcomeRouter.WAITING,
                "waits for approve-1",
                null,
                null,
                "inv_2",
                new StoredOutcome.Source("c", 0, 3),
                NOW,
                new StoredOutcome.Retry("c.retry.2s", NOW.plusSeconds(2), 0, null, "approve-1"),
                null);

        Processed replayed = processor.decideWithoutCall(processor.admit(record, 0), stored);

        assertThat(replayed.decision()).isInstanceOfSatisfying(Decision.Retry.class, retry -> {
            assertThat(retry.nextAttempt()).isEqualTo(1);
            assertThat(retry.waitingFor()).isEqualTo("approve-1");
        });
    }

    @Test
    void aDeadLetteredRowWithoutACodeReplaysAndIsCountedUnderNone() {
        ConsumerRecord<byte[], byte[]> record = record("c", 5, "pay-3");
        StoredOutcome stored = new StoredOutcome(
                "pay-3",
                "payment.create",
                OutcomeStatus.DEAD_LETTERED,
                1,
                null,
                null, // a row not written by remit: error_code may be null
                null,
                null,
                null,
                "inv_3",
                new StoredOutcome.Source("c", 0, 5),
                NOW,
                null,
                null);
        Pending pending = processor.admit(record, 0);
        pending.result = processor.decideWithoutCall(pending, stored);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Recorder recorder =
                new Recorder(null, new RemitMetrics(registry, Map.of(), () -> false, () -> Duration.ZERO), t -> false);

        recorder.count(List.of(pending)); // threw NullPointerException: a dead letter's metric has a code tag

        assertThat(pending.decided().decision()).isEqualTo(new Decision.DeadLetter(0, CommandProcessor.NO_CODE, null));
        assertThat(registry.get("remit.dead.letters")
                        .tag("code", "none")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void aRetryRecordsHeadersAreReadBackAsTheyWereWritten() {
        RetryHeaders written = new RetryHeaders(3, 1, CodeRetries.parse("A=2"), NOW, "approve-9");
        org.apache.kafka.common.header.internals.RecordHeaders headers =
                new org.apache.kafka.common.header.internals.RecordHeaders();
        written.writeTo(headers);

        assertThat(RetryHeaders.read(headers, 99)).isEqualTo(written);
        assertThat(RetryHeaders.read(new org.apache.kafka.common.header.internals.RecordHeaders(), 7))
                .as("unreadable: the attempt given, nothing else")
                .isEqualTo(new RetryHeaders(7, 0, CodeRetries.NONE, null, null));
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, long offset, String key) {
        return new ConsumerRecord<>(
                topic,
                0,
                offset,
                key.getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"payment.create\",\"invoiceId\":\"inv_1\",\"amount\":\"10.00\",\"currency\":\"USD\"}"
                        .getBytes(StandardCharsets.UTF_8));
    }
}
