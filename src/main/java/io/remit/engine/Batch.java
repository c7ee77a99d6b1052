package io.remit.engine;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

import io.remit.routing.OutboundRecords;
import io.remit.routing.RemitHeaders;
import io.remit.routing.RetryLadder;

/**
 * The part of a poll that may be processed now. On a retry topic, a partition is cut at its
 * first record that is not yet due: that record and those after it wait, the partition paused
 * until {@code remit.due-at}, so one waiting partition never blocks another.
 *
 * @param ready  records to process now, per partition in offset order
 * @param pauses per cut partition: the offset to resume from and when
 */
record Batch(List<ConsumerRecord<byte[], byte[]>> ready, Map<TopicPartition, Pause> pauses) {
    record Pause(long offset, Instant until) {}

    static Batch of(ConsumerRecords<byte[], byte[]> records, RetryLadder ladder, Instant now) {
        List<ConsumerRecord<byte[], byte[]>> ready = new ArrayList<>(records.count());
        Map<TopicPartition, Pause> pauses = new LinkedHashMap<>();
        for (TopicPartition partition : records.partitions()) {
            boolean delayed = ladder.isRetryTopic(partition.topic());
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                Instant due = delayed ? dueAt(record) : null;
                if (due != null && due.isAfter(now)) {
                    pauses.put(partition, new Pause(record.offset(), due));
                    break;
                }
                ready.add(record);
            }
        }
        return new Batch(ready, pauses);
    }

    /** A retry record's due time; a missing or unreadable one is due at once rather than never. */
    private static Instant dueAt(ConsumerRecord<byte[], byte[]> record) {
        String text = OutboundRecords.text(record, RemitHeaders.DUE_AT);
        if (text == null) return null;
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
