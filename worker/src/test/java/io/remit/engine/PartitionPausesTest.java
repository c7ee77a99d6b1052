package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.command.ParsedCommand;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which partitions are paused, from what is assigned, paused and waiting, at a time the test sets. */
class PartitionPausesTest {
    private static final TopicPartition P0 = new TopicPartition("c.retry.1m", 0);
    private static final TopicPartition P1 = new TopicPartition("c.retry.1m", 1);
    private static final Set<TopicPartition> BOTH = Set.of(P0, P1);
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    private final SetClock clock = new SetClock(NOW);
    private final PartitionPauses pauses = new PartitionPauses(2, 1 << 20, clock);

    @Test
    void aPartitionWhoseNextRecordIsNotYetDueIsPausedUntilItIsThenResumedAndItsDueTimeForgotten() {
        pauses.waitUntil(P0, NOW.plusSeconds(60));

        assertThat(pauses.plan(BOTH, Set.of(), Map.of(), false)).isEqualTo(plan(Set.of(P0), Set.of()));
        clock.now = NOW.plusSeconds(59);
        assertThat(pauses.plan(BOTH, Set.of(P0), Map.of(), false)).isEqualTo(PartitionPauses.Plan.NOTHING);

        clock.now = NOW.plusSeconds(60);
        assertThat(pauses.plan(BOTH, Set.of(P0), Map.of(), false)).isEqualTo(plan(Set.of(), Set.of(P0)));

        clock.now = NOW; // were the due time still known, it would pause again
        assertThat(pauses.plan(BOTH, Set.of(), Map.of(), false)).isEqualTo(PartitionPauses.Plan.NOTHING);
    }

    @Test
    void aPartitionThatLeftForgetsItsDueTime() {
        pauses.waitUntil(P0, NOW.plusSeconds(60));
        pauses.forget(P0);

        assertThat(pauses.plan(BOTH, Set.of(), Map.of(), false)).isEqualTo(PartitionPauses.Plan.NOTHING);
    }

    @Test
    void aFullWindowPausesItsPartitionOnlyAndResumesItOnceThereIsRoom() {
        PartitionWindow window = new PartitionWindow(P1);
        window.add(pending(P1, 0));
        window.add(pending(P1, 1));
        Map<TopicPartition, PartitionWindow> windows = Map.of(P1, window);

        assertThat(pauses.plan(BOTH, Set.of(), windows, false)).isEqualTo(plan(Set.of(P1), Set.of()));

        window.committed(1);
        assertThat(pauses.plan(BOTH, Set.of(P1), windows, false)).isEqualTo(plan(Set.of(), Set.of(P1)));
    }

    @Test
    void holdingAllPausesEveryPartitionAndResumesNone() {
        pauses.waitUntil(P0, NOW.minusSeconds(1)); // due: on its own it would resume

        assertThat(pauses.plan(BOTH, Set.of(P0), Map.of(), true).pause()).containsExactlyInAnyOrder(P0, P1);
        assertThat(pauses.plan(BOTH, BOTH, Map.of(), true)).isEqualTo(PartitionPauses.Plan.NOTHING);
        assertThat(pauses.plan(BOTH, BOTH, Map.of(), false))
                .as("released: what need not wait resumes")
                .isEqualTo(plan(Set.of(), BOTH));
    }

    @Test
    void nothingAssignedNothingToDo() {
        assertThat(pauses.plan(Set.of(), Set.of(), Map.of(), true)).isEqualTo(PartitionPauses.Plan.NOTHING);
    }

    /** A plan compared as sets: the consumer does not care in which order partitions are paused. */
    private static PartitionPauses.Plan plan(Set<TopicPartition> pause, Set<TopicPartition> resume) {
        return new PartitionPauses.Plan(pause.stream().toList(), resume.stream().toList());
    }

    private static Pending pending(TopicPartition partition, long offset) {
        ConsumerRecord<byte[], byte[]> record =
                new ConsumerRecord<>(partition.topic(), partition.partition(), offset, null, new byte[0]);
        return new Pending(record, new ParsedCommand.Invalid("COMMAND_INVALID", "m", "k", "unknown"), "k", 0);
    }
}
