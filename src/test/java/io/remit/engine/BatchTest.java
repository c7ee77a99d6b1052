package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.remit.routing.RemitHeaders;
import io.remit.routing.RetryLadder;
import io.remit.routing.RetryProperties;
import io.remit.routing.TopicsProperties;

/** Which records of a poll are processed now, and which partitions wait for their first record that is not due. */
class BatchTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String PAST = NOW.minusSeconds(1).toString();
    private static final String FUTURE = NOW.plusSeconds(3).toString();
    private static final RetryLadder LADDER = new RetryLadder(new TopicsProperties("c", "c.dlq", 3, (short) 1),
            new RetryProperties(List.of(Duration.ofSeconds(1), Duration.ofSeconds(4)), 0.1, Map.of()));
    private static final TopicPartition COMMANDS_0 = new TopicPartition("c", 0);
    private static final TopicPartition RETRY_0 = new TopicPartition("c.retry.4s", 0);
    private static final TopicPartition RETRY_1 = new TopicPartition("c.retry.4s", 1);
    private static final TopicPartition OTHER_TIER_0 = new TopicPartition("c.retry.1s", 0);

    @Test
    void takesEveryRecordOfTheCommandsTopicWhateverItsHeaders() {
        Batch batch = Batch.of(poll(Map.of(COMMANDS_0, List.of(record(COMMANDS_0, 0, FUTURE), record(COMMANDS_0, 1, null)))), LADDER, NOW);

        assertThat(offsets(batch)).containsExactly("c-0@0", "c-0@1");
        assertThat(batch.pauses()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(nullValues = "none", value = {
            "none,                         true",
            "'',                           true",
            "tomorrow,                     true",
            "2026-03-01 12:00:05,          true",
            "2026-03-01T11:59:59Z,         true",
            "2026-03-01T12:00:00Z,         true",
            "2026-03-01T12:00:00.001Z,     false",
            "2026-03-01T12:01:00Z,         false"})
    void takesARetryRecordWhenItIsDueOrItsDueTimeCannotBeRead(String dueAt, boolean ready) {
        Batch batch = Batch.of(poll(Map.of(RETRY_0, List.of(record(RETRY_0, 7, dueAt)))), LADDER, NOW);

        assertThat(batch.ready()).hasSize(ready ? 1 : 0);
        assertThat(batch.pauses()).hasSize(ready ? 0 : 1);
    }

    @Test
    void cutsARetryPartitionAtItsFirstRecordNotDue() {
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = new LinkedHashMap<>();
        records.put(RETRY_0, List.of(record(RETRY_0, 10, PAST), record(RETRY_0, 11, FUTURE), record(RETRY_0, 12, PAST), record(RETRY_0, 13, null)));
        records.put(RETRY_1, List.of(record(RETRY_1, 20, PAST), record(RETRY_1, 21, null)));
        records.put(OTHER_TIER_0, List.of(record(OTHER_TIER_0, 30, NOW.plusSeconds(1).toString())));
        records.put(COMMANDS_0, List.of(record(COMMANDS_0, 40, null)));

        Batch batch = Batch.of(poll(records), LADDER, NOW);

        assertThat(offsets(batch)).containsExactlyInAnyOrder("c.retry.4s-0@10", "c.retry.4s-1@20", "c.retry.4s-1@21", "c-0@40");
        assertThat(batch.pauses()).containsOnly(
                Map.entry(RETRY_0, new Batch.Pause(11, Instant.parse(FUTURE))),
                Map.entry(OTHER_TIER_0, new Batch.Pause(30, NOW.plusSeconds(1))));
    }

    @Test
    void keepsEachPartitionsRecordsInOffsetOrder() {
        Batch batch = Batch.of(poll(Map.of(RETRY_1, List.of(record(RETRY_1, 1, PAST), record(RETRY_1, 2, null), record(RETRY_1, 3, PAST)))),
                LADDER, NOW);

        assertThat(offsets(batch)).containsExactly("c.retry.4s-1@1", "c.retry.4s-1@2", "c.retry.4s-1@3");
    }

    @Test
    void makesNothingOfAnEmptyPoll() {
        Batch batch = Batch.of(poll(Map.of()), LADDER, NOW);

        assertThat(batch.ready()).isEmpty();
        assertThat(batch.pauses()).isEmpty();
    }

    private static ConsumerRecords<byte[], byte[]> poll(Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records) {
        return new ConsumerRecords<>(records, Map.of());
    }

    private static ConsumerRecord<byte[], byte[]> record(TopicPartition partition, long offset, String dueAt) {
        RecordHeaders headers = new RecordHeaders();
        if (dueAt != null) headers.add(RemitHeaders.DUE_AT, dueAt.getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(partition.topic(), partition.partition(), offset, 0L, TimestampType.CREATE_TIME, 0, 0,
                ("k" + offset).getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8), headers, Optional.empty());
    }

    private static List<String> offsets(Batch batch) {
        return batch.ready().stream().map(r -> r.topic() + "-" + r.partition() + "@" + r.offset()).toList();
    }
}
