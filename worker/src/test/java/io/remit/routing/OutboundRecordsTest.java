package io.remit.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Retry records and dead letters: the command's bytes untouched, remit's headers set once, where it first arrived kept. */
class OutboundRecordsTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final TopicsProperties TOPICS =
            new TopicsProperties("remit.commands", "remit.commands.dlq", 12, (short) 1);
    private static final RetryLadder LADDER = new RetryLadder(
            TOPICS,
            new RetryProperties(
                    List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)), 0.1, Map.of()));
    private static final byte[] KEY = "req-1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VALUE =
            "{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"}".getBytes(StandardCharsets.UTF_8);

    private final OutboundRecords outbound = new OutboundRecords(TOPICS);

    @Test
    void doesNotGrowARecordRetriedAgainAndAgain() {
        ConsumerRecord<byte[], byte[]> record = arrival();
        int headerCount = -1;
        for (int attempt = 2; attempt <= 6; attempt++) {
            RetryLadder.Tier tier = LADDER.tiers().get(Math.min(attempt - 2, 2));
            ProducerRecord<byte[], byte[]> retry =
                    outbound.retry(record, retry(tier, attempt, NOW.plusSeconds(attempt)));

            assertThat(retry.topic()).isEqualTo(tier.topic());
            assertThat(values(retry.headers(), RemitHeaders.ATTEMPT)).containsExactly(Integer.toString(attempt));
            assertThat(values(retry.headers(), RemitHeaders.DUE_AT))
                    .containsExactly(NOW.plusSeconds(attempt).toString());
            assertThat(values(retry.headers(), "traceparent"))
                    .containsExactly("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            assertOriginIsFirstArrival(retry.headers());
            int count = retry.headers().toArray().length;
            if (headerCount >= 0)
                assertThat(count).as("headers after attempt %d", attempt).isEqualTo(headerCount);
            headerCount = count;

            record = consumed(retry, 5, 1000L + attempt);
        }
    }

    @Test
    void deadLettersWithEveryHeaderThatSaysWhyAndWhereFrom() {
        ConsumerRecord<byte[], byte[]> retried =
                consumed(outbound.retry(arrival(), retry(LADDER.tiers().getFirst(), 2, NOW)), 5, 77);

        ProducerRecord<byte[], byte[]> deadLetter = outbound.deadLetter(
                retried,
                new OutboundRecords.DeadLetterReason(
                        "invoice.approve", 4, 503, "RETRIES_EXHAUSTED", "gave up after 4 attempts", NOW));

        assertThat(deadLetter.topic()).isEqualTo("remit.commands.dlq");
        Headers headers = deadLetter.headers();
        assertThat(values(headers, RemitHeaders.ERROR_CODE)).containsExactly("RETRIES_EXHAUSTED");
        assertThat(values(headers, RemitHeaders.ERROR_STATUS)).containsExactly("503");
        assertThat(values(headers, RemitHeaders.ERROR_MESSAGE)).containsExactly("gave up after 4 attempts");
        assertThat(values(headers, RemitHeaders.ATTEMPTS)).containsExactly("4");
        assertThat(values(headers, RemitHeaders.COMMAND_TYPE)).containsExactly("invoice.approve");
        assertThat(values(headers, RemitHeaders.DEAD_LETTERED_AT)).containsExactly(NOW.toString());
        assertOriginIsFirstArrival(headers);
        assertThat(values(headers, "traceparent")).hasSize(1);
        assertThat(values(headers, RemitHeaders.ATTEMPT))
                .as("retry headers are not carried")
                .isEmpty();
        assertThat(values(headers, RemitHeaders.DUE_AT)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void keepsTheCommandsKeyAndValueBytes(boolean deadLetter) {
        ConsumerRecord<byte[], byte[]> source = arrival();

        ProducerRecord<byte[], byte[]> out = deadLetter
                ? outbound.deadLetter(source, unreadable("COMMAND_UNREADABLE"))
                : outbound.retry(source, retry(LADDER.tiers().getFirst(), 2, NOW));

        assertThat(out.key()).isEqualTo(KEY);
        assertThat(out.value()).isEqualTo(VALUE);
        assertThat(out.partition())
                .as("the partitioner keeps a key on its partition")
                .isNull();
    }

    @Test
    void deadLettersACommandWithoutAKeyOrMessage() {
        ConsumerRecord<byte[], byte[]> keyless = new ConsumerRecord<>(
                "remit.commands",
                0,
                9,
                0L,
                TimestampType.CREATE_TIME,
                0,
                0,
                null,
                new byte[] {(byte) 0xFF},
                new RecordHeaders(),
                Optional.empty());

        ProducerRecord<byte[], byte[]> deadLetter = outbound.deadLetter(keyless, unreadable("COMMAND_MISSING_KEY"));

        assertThat(deadLetter.key()).isNull();
        assertThat(deadLetter.value()).containsExactly(0xFF);
        assertThat(values(deadLetter.headers(), RemitHeaders.ERROR_MESSAGE)).containsExactly("");
        assertThat(values(deadLetter.headers(), RemitHeaders.ORIGINAL_OFFSET)).containsExactly("9");
    }

    private static void assertOriginIsFirstArrival(Headers headers) {
        assertThat(values(headers, RemitHeaders.ORIGINAL_TOPIC)).containsExactly("remit.commands");
        assertThat(values(headers, RemitHeaders.ORIGINAL_PARTITION)).containsExactly("3");
        assertThat(values(headers, RemitHeaders.ORIGINAL_OFFSET)).containsExactly("42");
    }

    /** A command as the ERP published it, with a foreign tracing header. */
    private static ConsumerRecord<byte[], byte[]> arrival() {
        Headers headers = new RecordHeaders();
        headers.add(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(
                "remit.commands",
                3,
                42,
                0L,
                TimestampType.CREATE_TIME,
                KEY.length,
                VALUE.length,
                KEY.clone(),
                VALUE.clone(),
                headers,
                Optional.empty());
    }

    /** What a consumer reads back once {@code produced} is written to partition {@code partition} at {@code offset}. */
    private static ConsumerRecord<byte[], byte[]> consumed(
            ProducerRecord<byte[], byte[]> produced, int partition, long offset) {
        return new ConsumerRecord<>(
                produced.topic(),
                partition,
                offset,
                0L,
                TimestampType.CREATE_TIME,
                0,
                0,
                produced.key(),
                produced.value(),
                new RecordHeaders(produced.headers().toArray()),
                Optional.empty());
    }

    private static List<String> values(Headers headers, String name) {
        return StreamSupport.stream(headers.headers(name).spliterator(), false)
                .map(header -> new String(header.value(), StandardCharsets.UTF_8))
                .toList();
    }

    private static OutboundRecords.DeadLetterReason unreadable(String code) {
        return new OutboundRecords.DeadLetterReason("unknown", 0, 0, code, null, NOW);
    }

    /** A retry on the default ladder, with no 429s, no code ladders and no error of its own to carry. */
    private static Decision.Retry retry(RetryLadder.Tier tier, int nextAttempt, Instant dueAt) {
        return new Decision.Retry(tier, dueAt, nextAttempt, 0, CodeRetries.NONE, null, 0, null, null);
    }
}
