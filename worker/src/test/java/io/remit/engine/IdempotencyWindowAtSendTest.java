package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remit.api.ApiClient;
import io.remit.api.Outcome;
import io.remit.command.Command;
import io.remit.routing.Decision;
import io.remit.routing.RetryLadder;
import io.remit.routing.RetryProperties;
import io.remit.routing.TopicsProperties;
import io.remit.store.OutcomeStatus;
import io.remit.store.StoredOutcome;
import io.remit.telemetry.RemitMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The API's idempotency window is asked when a call would go, not only when its record was admitted: a retry admitted
 * a second before the window closed, which then waited (for the breaker during an outage, in line while intake was
 * halted) until after it, is dead-lettered OUTCOME_UNKNOWN unsent, never sent to an API that may have forgotten it.
 */
class IdempotencyWindowAtSendTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Duration WINDOW = Duration.ofHours(24);
    private static final TopicsProperties TOPICS = new TopicsProperties("c", "c.dlq", 3, (short) 1);
    private static final RetryLadder LADDER =
            new RetryLadder(TOPICS, new RetryProperties(List.of(Duration.ofSeconds(1)), 0.1, Map.of()));

    private final SetClock clock = new SetClock(NOW);
    private final AtomicInteger sent = new AtomicInteger();
    private Duration waitForTheBreaker = Duration.ZERO;

    /** The API: every call it receives succeeds; before it may go, a call waits {@link #waitForTheBreaker}. */
    private final ApiClient api = new ApiClient() {
        @Override
        public Attempt send(Command command) {
            sent.incrementAndGet();
            return new Attempt(new Outcome.Succeeded(201, "inv_1", null), Duration.ofMillis(50));
        }

        @Override
        public @Nullable Attempt send(Command command, BooleanSupplier mayStillSend) throws InterruptedException {
            clock.now = clock.now.plus(waitForTheBreaker);
            return ApiClient.super.send(command, mayStillSend);
        }

        @Override
        public Outcome probe() {
            throw new UnsupportedOperationException();
        }
    };

    private final CommandProcessor processor = TestProcessors.processor(
            LADDER,
            clock,
            api,
            new RemitMetrics(new SimpleMeterRegistry(), Map.of(), () -> false, () -> Duration.ZERO),
            WINDOW);

    @Test
    void aRetryThatWaitedPastTheWindowIsNotSent() throws InterruptedException {
        waitForTheBreaker = Duration.ofMinutes(5);

        Processed p = retryAdmittedOneSecondBeforeTheWindowCloses();

        assertThat(sent).as("no call").hasValue(0);
        assertThat(p.apiAttempt()).isNull();
        assertThat(p.decision()).isInstanceOfSatisfying(Decision.DeadLetter.class, d -> {
            assertThat(d.code()).isEqualTo(CommandProcessor.OUTCOME_UNKNOWN);
            assertThat(d.message()).contains("not sent again");
            assertThat(d.status())
                    .as("the last attempt's status, as at admission")
                    .isEqualTo(503);
        });
    }

    @Test
    void aRetryThatGoesInsideTheWindowIsSent() throws InterruptedException {
        Processed p = retryAdmittedOneSecondBeforeTheWindowCloses();

        assertThat(sent).hasValue(1);
        assertThat(p.decision()).isInstanceOf(Decision.Complete.class);
    }

    private Processed retryAdmittedOneSecondBeforeTheWindowCloses() throws InterruptedException {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(
                "c.retry.1s",
                0,
                4,
                "pay-1".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"payment.create\",\"invoiceId\":\"inv_1\",\"amount\":\"10.00\",\"currency\":\"USD\"}"
                        .getBytes(StandardCharsets.UTF_8));
        StoredOutcome retrying = TestProcessors.payOne(
                OutcomeStatus.RETRYING,
                NOW,
                new StoredOutcome.Identity(null, null, NOW.minus(WINDOW).plusSeconds(1)));
        Pending item = processor.admit(record, 0);
        item.lookedUp = retrying; // as the engine's look-up leaves it
        assertThat(processor.decideWithoutCall(item, retrying))
                .as("admitted: inside the window")
                .isNull();
        return processor.call(item);
    }
}
