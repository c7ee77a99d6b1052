package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remit.telemetry.RemitMetrics;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The intake health component names the partitions whose commit point has not moved, and stays UP for them. */
class IntakeHealthIndicatorTest {
    private final IntakeGate gate = new IntakeGate(event -> {});

    @Test
    void namesStalledPartitionsWithoutTakingTheInstanceOutOfService() {
        long now = System.nanoTime();
        gate.waiting(
                "consumer-0",
                Map.of("remit.commands-0", now - Duration.ofSeconds(95).toNanos(), "remit.commands-1", now));
        gate.waiting(
                "consumer-1",
                Map.of("remit.commands.retry.1s-2", now - Duration.ofSeconds(3).toNanos()));

        Health health = new IntakeHealthIndicator(gate, Duration.ofSeconds(60)).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("oldestUncommittedSeconds", 95L);
        assertThat(health.getDetails()).containsEntry("stalledPartitions", Map.of("remit.commands-0", 95L));
    }

    @Test
    void aConsumerWithNothingWaitingLeavesNoTrace() {
        gate.waiting(
                "consumer-0",
                Map.of(
                        "remit.commands-0",
                        System.nanoTime() - Duration.ofMinutes(5).toNanos()));
        gate.waiting("consumer-0", Map.of());

        Health health = new IntakeHealthIndicator(gate).health();

        assertThat(health.getDetails())
                .containsEntry("oldestUncommittedSeconds", 0L)
                .doesNotContainKey("stalledPartitions");
    }

    @Test
    void theStallAlertsGaugeReadsTheSameAgesAsHealth() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RemitMetrics(registry, Map.of(), gate::isHalted, gate::oldestUncommittedAge);
        long now = System.nanoTime();
        gate.waiting(
                "consumer-0",
                Map.of("remit.commands-0", now - Duration.ofSeconds(95).toNanos()));
        gate.waiting(
                "consumer-1",
                Map.of("remit.commands-1", now - Duration.ofSeconds(3).toNanos()));

        assertThat(registry.get("remit.pending.oldest.age").gauge().value()).isBetween(95.0, 96.0);

        gate.waiting("consumer-0", Map.of());
        gate.waiting("consumer-1", Map.of());
        assertThat(registry.get("remit.pending.oldest.age").gauge().value()).isZero();
    }
}
