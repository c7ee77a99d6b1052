package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.routing.RemitHeaders;
import io.remit.routing.RetryLadder;
import io.remit.routing.RetryProperties;
import io.remit.routing.TopicsProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When a retry record may be processed, and how far a forged due time is believed. */
class DueTimeTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final RetryLadder LADDER = new RetryLadder(
            new TopicsProperties("c", "c.dlq", 3, (short) 1),
            new RetryProperties(List.of(Duration.ofSeconds(1), Duration.ofSeconds(4)), 0.1, Map.of()));
    private static final DueTime DUE = new DueTime(LADDER, Duration.ofHours(1), 0.1);

    @Test
    void aCommandIsDueAtOnceWhateverItsHeaders() {
        assertThat(DUE.of(record("c", "2030-01-01T00:00:00Z", NOW), NOW)).isNull();
    }

    @ParameterizedTest
    @CsvSource(
            nullValues = "none",
            value = {
                "none,                         none",
                "'',                           none",
                "tomorrow,                     none",
                "2026-03-01 12:00:05,          none",
                "2026-03-01T11:59:59Z,         2026-03-01T11:59:59Z",
                "2026-03-01T12:00:03Z,         2026-03-01T12:00:03Z",
                "2026-03-01T12:59:00Z,         2026-03-01T12:59:00Z"
            })
    void aRetryIsDueWhenItsHeaderSaysOrAtOnceWhenItCannotBeRead(String header, String due) {
        Instant expected = due == null ? null : Instant.parse(due);
        assertThat(DUE.of(record("c.retry.4s", header, NOW), NOW)).isEqualTo(expected);
    }

    @Test
    void onTheLastTierADueTimeIsBelievedUpToA429sHourAfterTheRecordWasWritten() {
        Instant written = NOW.minusSeconds(10);
        Instant due = DUE.of(record("c.retry.4s", "9999-12-31T00:00:00Z", written), NOW);

        // a 429's hour, plus 10 % jitter, plus 5 s of clock slack
        assertThat(due).isEqualTo(written.plus(Duration.ofMinutes(66)).plusSeconds(5));
    }

    @Test
    void onAnEarlierTierADueTimeIsBelievedUpToThatTiersDelay() {
        Instant written = NOW.minusSeconds(10);
        Instant due = DUE.of(record("c.retry.1s", "9999-12-31T00:00:00Z", written), NOW);

        // remit never tells a record of the 1s tier to wait longer than 1 s plus its jitter: 429 waits pick a longer
        // tier
        assertThat(due).isEqualTo(written.plusMillis(1_100).plusSeconds(5));
    }

    @Test
    void aRecordStampedInTheFutureIsCutFromNow() {
        Instant due = DUE.of(record("c.retry.4s", "9999-12-31T00:00:00Z", NOW.plus(Duration.ofDays(365))), NOW);

        assertThat(due).isEqualTo(NOW.plus(Duration.ofMinutes(66)).plusSeconds(5));
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, String dueAt, Instant timestamp) {
        RecordHeaders headers = new RecordHeaders();
        if (dueAt != null) headers.add(RemitHeaders.DUE_AT, dueAt.getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(
                topic,
                0,
                7,
                timestamp.toEpochMilli(),
                TimestampType.CREATE_TIME,
                1,
                1,
                "k".getBytes(),
                "v".getBytes(),
                headers,
                Optional.empty());
    }
}
