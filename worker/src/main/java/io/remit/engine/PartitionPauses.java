package io.remit.engine;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Which partitions to pause and which to resume. Everything is paused while intake is held (halted, the API down, or
 * as many records waiting for a call as may be in flight); else a partition waits while its next record is not yet due
 * (a retry tier) or while its window is full. A due time that has passed is forgotten.
 */
final class PartitionPauses {

    /** What to ask of the consumer: partitions to pause and partitions to resume, each possibly empty. */
    record Plan(List<TopicPartition> pause, List<TopicPartition> resume) {
        static final Plan NOTHING = new Plan(List.of(), List.of());
    }

    private final int maxRecords;
    private final long maxBytes;
    private final Clock clock;
    private final Map<TopicPartition, Instant> dueAt = new HashMap<>();

    /** @param maxRecords,maxBytes a partition's window is full at either */
    PartitionPauses(int maxRecords, long maxBytes, Clock clock) {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    /** The partition's next record is due at {@code due}: it is not read before. */
    void waitUntil(TopicPartition partition, Instant due) {
        dueAt.put(partition, due);
    }

    /** The partition has left this consumer. */
    void forget(TopicPartition partition) {
        dueAt.remove(partition);
    }

    /**
     * The pauses and resumptions that bring the consumer's {@code paused} partitions to what they should be.
     *
     * @param holdAll whether intake is held on every partition
     */
    Plan plan(
            Set<TopicPartition> assigned,
            Set<TopicPartition> paused,
            Map<TopicPartition, PartitionWindow> windows,
            boolean holdAll) {
        if (assigned.isEmpty()) return Plan.NOTHING;
        if (holdAll) return paused.size() < assigned.size() ? new Plan(List.copyOf(assigned), List.of()) : Plan.NOTHING;
        Instant now = clock.instant();
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (TopicPartition partition : assigned) {
            boolean wait = notYetDue(partition, now) || isFull(windows.get(partition));
            if (wait && !paused.contains(partition)) pause.add(partition);
            if (!wait && paused.contains(partition)) resume.add(partition);
        }
        return new Plan(pause, resume);
    }

    /** Whether the partition's next record is not yet due; a due time that has passed is forgotten. */
    private boolean notYetDue(TopicPartition partition, Instant now) {
        Instant due = dueAt.get(partition);
        if (due == null) return false;
        if (due.isAfter(now)) return true;
        dueAt.remove(partition);
        return false;
    }

    private boolean isFull(@Nullable PartitionWindow window) {
        return window != null && window.isFull(maxRecords, maxBytes);
    }
}
