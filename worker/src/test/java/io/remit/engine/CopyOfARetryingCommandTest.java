package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.routing.Decision;
import io.remit.routing.OutboundRecords;
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
 * The same command again under a requestId whose retry is waiting (a producer that sent it twice, a redrive of an older
 * dead letter) is committed without a call and without a record: the waiting retry is the command. Before, the copy was
 * sent and, on a 5xx, retried on its own, so one command climbed the ladder twice and could end in two dead letters, or
 * a dead letter and then a success.
 */
class CopyOfARetryingCommandTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final TopicsProperties TOPICS = new TopicsProperties("c", "c.dlq", 3, (short) 1);
    private static final RetryLadder LADDER =
            new RetryLadder(TOPICS, new RetryProperties(List.of(Duration.ofSeconds(1)), 0.1, Map.of()));
    private static final String PAYMENT =
            "{\"type\":\"payment.create\",\"invoiceId\":\"inv_1\",\"amount\":\"10.00\",\"currency\":\"USD\"}";
    private final CommandProcessor processor =
            TestProcessors.processor(LADDER, Clock.fixed(NOW, ZoneOffset.UTC), null, null, Duration.ofHours(24));

    @Test
    void aCopyOnTheCommandsTopicIsCommittedWithoutACallOrARecord() {
        Pending copy = admit("c", 12, PAYMENT);
        Processed p = processor.decideWithoutCall(copy, retrying(copy, NOW.plusSeconds(1)));

        assertThat(p).isNotNull();
        assertThat(p.provenance()).isEqualTo(Processed.Provenance.IN_PROGRESS);
        assertThat(p.apiAttempt()).as("no call").isNull();
        copy.result = p;
        assertThat(new Outbound(new OutboundRecords(TOPICS)).of(copy))
                .as("no retry, dead letter or outcome event")
                .isEmpty();
        assertThat(copy.isDone()).as("its offset may be committed").isTrue();
    }

    @Test
    void theRetryItselfIsCalled() {
        Pending retry = admit("c.retry.1s", 3, PAYMENT);

        assertThat(processor.decideWithoutCall(retry, retrying(retry, NOW))).isNull();
    }

    @Test
    void aRetryOverdueByMoreThanADayNoLongerHoldsACopy() {
        Pending copy = admit("c", 12, PAYMENT);
        StoredOutcome lostRetry =
                retrying(copy, NOW.minus(CommandProcessor.STALE_RETRY).minusSeconds(1));

        assertThat(processor.decideWithoutCall(copy, lostRetry))
                .as("sent, as the command")
                .isNull();
    }

    @Test
    void anotherCommandUnderTheRequestIdIsStillRefused() {
        Pending first = admit("c", 12, PAYMENT);
        Pending other = admit("c", 13, PAYMENT.replace("10.00", "99.00"));
        Processed p = processor.decideWithoutCall(other, retrying(first, NOW.plusSeconds(1)));

        assertThat(p).isNotNull();
        assertThat(p.decision())
                .isInstanceOfSatisfying(
                        Decision.DeadLetter.class,
                        d -> assertThat(d.code()).isEqualTo(CommandProcessor.REQUEST_ID_REUSED));
    }

    @Test
    void aRefusedReusesMessageIsBoundedAndPrintableHoweverLongTheEarlierCommand() {
        Pending first = admit("c", 12, PAYMENT);
        Pending other = admit("c", 13, PAYMENT.replace("10.00", "99.00"));
        StoredOutcome earlier = TestProcessors.payOne(
                OutcomeStatus.SUCCEEDED,
                NOW,
                new StoredOutcome.Identity(
                        first.fingerprint.hash(), "{\"description\":\"\u0085\u009b" + "x".repeat(2000) + "\"}", null));
        Processed p = processor.decideWithoutCall(other, earlier);

        assertThat(p).isNotNull();
        assertThat(p.decision()).isInstanceOfSatisfying(Decision.DeadLetter.class, d -> {
            assertThat(d.message()).hasSizeLessThanOrEqualTo(501).startsWith("requestId pay-1 was used before");
            assertThat(d.message().chars()).noneMatch(Character::isISOControl);
        });
    }

    private Pending admit(String topic, long offset, @Nullable String value) {
        return processor.admit(
                new ConsumerRecord<>(
                        topic,
                        0,
                        offset,
                        "pay-1".getBytes(StandardCharsets.UTF_8),
                        value == null ? null : value.getBytes(StandardCharsets.UTF_8)),
                0);
    }

    /** pay-1's row: RETRYING after a 503, stored and due again at {@code dueAt}. */
    private static StoredOutcome retrying(Pending command, Instant dueAt) {
        return TestProcessors.payOne(
                OutcomeStatus.RETRYING,
                dueAt,
                new StoredOutcome.Identity(command.fingerprint.hash(), "{}", NOW.minusSeconds(1)));
    }
}
