package io.remit.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Which of a consumer's partitions are paused, and until when: a retry partition whose next
 * record is not yet due, or every partition while intake is halted. Owned by the consumer's thread.
 */
final class PartitionPauses {
    private final Consumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, Instant> until = new HashMap<>();

    PartitionPauses(Consumer<byte[], byte[]> consumer) {
        this.consumer = consumer;
    }

    /** Pauses everything while halted; otherwise resumes what is due (and what the halt paused). */
    void apply(boolean halted, Instant now) {
        if (halted) {
            consumer.pause(consumer.assignment());
            return;
        }
        List<TopicPartition> resume = new ArrayList<>();
        for (TopicPartition partition : consumer.paused()) {
            Instant due = until.get(partition);
            if (due == null || !due.isAfter(now)) {
                resume.add(partition);
                until.remove(partition);
            }
        }
        if (!resume.isEmpty()) consumer.resume(resume);
    }

    /** The partition is read again from {@code offset}, no sooner than {@code due}. */
    void pauseUntil(TopicPartition partition, long offset, Instant due) {
        consumer.seek(partition, offset);
        consumer.pause(List.of(partition));
        until.put(partition, due);
    }

    void forget(Collection<TopicPartition> revoked) {
        revoked.forEach(until::remove);
    }
}
