package io.remit.routing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds the records remit produces: a retry or a dead letter keeps the command's key and value
 * bytes unchanged and its foreign headers once; remit's own headers are set afresh, so a record
 * does not grow with each attempt.
 */
public final class OutboundRecords {
    private final String deadLetterTopic;

    public OutboundRecords(TopicsProperties topics) {
        this.deadLetterTopic = topics.deadLetter();
    }

    public ProducerRecord<byte[], byte[]> retry(ConsumerRecord<byte[], byte[]> source, RetryLadder.Tier tier, int nextAttempt,
                                                Instant dueAt) {
        return retry(source, tier, nextAttempt, 0, dueAt);
    }

    public ProducerRecord<byte[], byte[]> retry(ConsumerRecord<byte[], byte[]> source, RetryLadder.Tier tier, int nextAttempt,
                                                int rateLimited, Instant dueAt) {
        Headers headers = carried(source);
        set(headers, RemitHeaders.ATTEMPT, Integer.toString(nextAttempt));
        set(headers, RemitHeaders.RATE_LIMITED, Integer.toString(rateLimited));
        set(headers, RemitHeaders.DUE_AT, dueAt.toString());
        return new ProducerRecord<>(tier.topic(), null, source.key(), source.value(), headers);
    }

    public ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> source, String commandType, int attempts,
                                                     int status, String code, String message, Instant at) {
        Headers headers = carried(source);
        set(headers, RemitHeaders.ERROR_CODE, code);
        set(headers, RemitHeaders.ERROR_STATUS, Integer.toString(status));
        set(headers, RemitHeaders.ERROR_MESSAGE, message == null ? "" : message);
        set(headers, RemitHeaders.ATTEMPTS, Integer.toString(attempts));
        set(headers, RemitHeaders.COMMAND_TYPE, commandType);
        set(headers, RemitHeaders.DEAD_LETTERED_AT, at.toString());
        return new ProducerRecord<>(deadLetterTopic, null, source.key(), source.value(), headers);
    }

    /** The source's foreign headers, and where the command first arrived (kept from a retry record, else the source). */
    private static Headers carried(ConsumerRecord<byte[], byte[]> source) {
        Headers headers = new RecordHeaders();
        for (Header header : source.headers()) {
            if (!header.key().startsWith(RemitHeaders.PREFIX)) headers.add(header);
        }
        String topic = text(source, RemitHeaders.ORIGINAL_TOPIC);
        boolean firstArrival = topic == null;
        set(headers, RemitHeaders.ORIGINAL_TOPIC, firstArrival ? source.topic() : topic);
        set(headers, RemitHeaders.ORIGINAL_PARTITION,
                firstArrival ? Integer.toString(source.partition()) : text(source, RemitHeaders.ORIGINAL_PARTITION));
        set(headers, RemitHeaders.ORIGINAL_OFFSET,
                firstArrival ? Long.toString(source.offset()) : text(source, RemitHeaders.ORIGINAL_OFFSET));
        return headers;
    }

    /** A remit header of a consumed record as text, or null. */
    public static String text(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void set(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8));
    }
}
