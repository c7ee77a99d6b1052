package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.command.CommandParser;
import io.remit.routing.Decision;
import io.remit.routing.RetryLadder;
import io.remit.routing.RetryProperties;
import io.remit.routing.TopicsProperties;
import io.remit.store.OutcomeStatus;
import io.remit.store.StoredOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A producer's bad record under a requestId whose command succeeded, is being retried or may have taken effect is
 * dead-lettered beside that command: the requestId's row stays the command's (a RETRYING one was turned into the bad
 * record's DEAD_LETTERED, and a SUCCEEDED one swallowed the bad record as ALREADY_SUCCEEDED, with no dead letter).
 */
class BadInputUnderALiveRequestIdTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final TopicsProperties TOPICS = new TopicsProperties("c", "c.dlq", 3, (short) 1);
    private static final RetryLadder LADDER =
            new RetryLadder(TOPICS, new RetryProperties(List.of(Duration.ofSeconds(1)), 0.1, Map.of()));
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private final CommandProcessor processor =
            TestProcessors.processor(LADDER, CLOCK, null, null, Duration.ofHours(24));

    @Test
    void aTombstoneUnderACommandBeingRetriedIsDeadLetteredAndLeavesItsRow() {
        Processed p = decide(record("c", 9, "pay-1", null), row(OutcomeStatus.RETRYING, null));

        assertThat(p.decision()).isInstanceOfSatisfying(Decision.DeadLetter.class, d -> {
            assertThat(d.code()).isEqualTo(CommandParser.UNREADABLE);
            assertThat(d.leavesRow()).isTrue();
            assertThat(d.message()).contains("the requestId's own command (RETRYING) is left as it is");
        });
        assertThat(CommandProcessor.leavesRow(p)).isTrue();
    }

    @Test
    void unreadableBytesUnderASucceededCommandAreDeadLetteredNotSwallowed() {
        Processed p = decide(record("c", 9, "pay-1", "{\"type\":"), row(OutcomeStatus.SUCCEEDED, null));

        assertThat(p.provenance()).isEqualTo(Processed.Provenance.FRESH);
        assertThat(p.decision()).isInstanceOfSatisfying(Decision.DeadLetter.class, d -> {
            assertThat(d.code()).isEqualTo(CommandParser.UNREADABLE);
            assertThat(d.leavesRow()).isTrue();
        });
    }

    @Test
    void badInputAfterAnAmbiguousDeadLetterLeavesTheRowThatRemembersIt() {
        Processed p = decide(
                record("c", 9, "pay-1", "{\"type\":\"payment.create\"}"),
                row(OutcomeStatus.DEAD_LETTERED, NOW.minusSeconds(60)));

        assertThat(p.decision()).isInstanceOfSatisfying(Decision.DeadLetter.class, d -> {
            assertThat(d.code()).isEqualTo(CommandParser.INVALID);
            assertThat(d.leavesRow())
                    .as(
                            "the row keeps the fingerprint and the first ambiguous attempt a later command is checked against")
                    .isTrue();
        });
    }

    @Test
    void badInputAfterADefiniteRefusalTakesTheRowAsBefore() {
        Processed p = decide(record("c", 9, "pay-1", null), row(OutcomeStatus.DEAD_LETTERED, null));

        assertThat(p.decision())
                .isInstanceOfSatisfying(
                        Decision.DeadLetter.class,
                        d -> assertThat(d.leavesRow()).isFalse());
    }

    @Test
    void remitsOwnRetryCopyIsTheRequestIdsCommandNotAnotherRecord() {
        Processed p = decide(record("c.retry.1s", 4, "pay-1", "{\"type\":"), row(OutcomeStatus.RETRYING, null));

        assertThat(p.decision())
                .isInstanceOfSatisfying(
                        Decision.DeadLetter.class,
                        d -> assertThat(d.leavesRow()).isFalse());
    }

    private Processed decide(ConsumerRecord<byte[], byte[]> record, StoredOutcome prior) {
        return processor.decideWithoutCall(processor.admit(record, 0), prior);
    }

    /** pay-1's row, decided for offset 7 of the commands topic. */
    private static StoredOutcome row(OutcomeStatus status, @Nullable Instant firstAmbiguousAt) {
        return TestProcessors.payOne(status, NOW, new StoredOutcome.Identity("sha256:x", "{}", firstAmbiguousAt));
    }

    private static ConsumerRecord<byte[], byte[]> record(
            String topic, long offset, String key, @Nullable String value) {
        return new ConsumerRecord<>(
                topic,
                0,
                offset,
                key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }
}
