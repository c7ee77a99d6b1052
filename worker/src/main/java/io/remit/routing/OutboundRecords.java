package io.remit.routing;

import io.remit.HeaderText;
import io.remit.Json;
import io.remit.Origin;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.util.RawValue;

/**
 * Builds the records remit produces: a retry or a dead letter keeps the command's key and value
 * bytes unchanged and its foreign headers once; remit's own headers are set afresh, so a record
 * does not grow with each attempt. Every record fits what Kafka accepts: foreign headers are
 * bounded in count and bytes (the number dropped is in {@code remit.headers-dropped}), and a dead
 * letter whose value would not fit keeps a prefix of it ({@code remit.value-truncated: <original
 * size>}); the whole record is kept in PostgreSQL.
 */
public final class OutboundRecords {
    /** The most foreign headers carried, and their most bytes (keys and values). */
    static final int MAX_FOREIGN_HEADERS = 64;

    static final int MAX_FOREIGN_HEADER_BYTES = 16 * 1024;
    /** Room kept for the record's framing and remit's own headers. */
    private static final int OVERHEAD = 8 * 1024;

    /** W3C trace context: carried to outcome events too, so the ERP's trace continues to the answer. */
    private static final Set<String> TRACE_HEADERS = Set.of("traceparent", "tracestate");

    private final String commandsTopic;
    private final String deadLetterTopic;
    private final @Nullable String outcomesTopic;
    private final int maxRecordBytes;

    public OutboundRecords(TopicsProperties topics) {
        this(topics, 1_000_000);
    }

    /** @param maxRecordBytes the largest record the producer and the topics accept (uncompressed: the producer checks that size) */
    public OutboundRecords(TopicsProperties topics, int maxRecordBytes) {
        this.commandsTopic = topics.commands();
        this.deadLetterTopic = topics.deadLetter();
        this.outcomesTopic = topics.outcomeEvents() ? topics.outcomes() : null;
        this.maxRecordBytes = maxRecordBytes;
    }

    /** What an outcome event says (config/outcome.schema.json). */
    public record OutcomeEvent(
            String requestId,
            String commandType,
            String status,
            @Nullable String resourceId,
            @Nullable Integer httpStatus,
            @Nullable String errorCode,
            @Nullable String message,
            int attempts,
            Instant decidedAt,
            @Nullable String response) {}

    /**
     * The outcome event of a final decision; null when outcome events are off. Key = requestId, a JSON value,
     * and the {@code remit.original.*} headers. The API's answer is embedded as Json.MAPPER.
     */
    public @Nullable ProducerRecord<byte[], byte[]> outcomeEvent(
            ConsumerRecord<byte[], byte[]> source, OutcomeEvent event) {
        if (outcomesTopic == null) return null;
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("requestId", event.requestId());
        value.put("commandType", event.commandType());
        value.put("status", event.status());
        value.put("resourceId", event.resourceId());
        value.put("httpStatus", event.httpStatus());
        value.put("errorCode", event.errorCode());
        value.put("message", event.message());
        value.put("attempts", event.attempts());
        value.put("decidedAt", event.decidedAt().toString());
        // the API's answer was read as JSON when it was kept: embedded as it is, not parsed again
        value.put("response", event.response() == null ? null : new RawValue(event.response()));
        Headers headers = new RecordHeaders();
        for (Header header : carried(source)) {
            if (header.key().startsWith(RemitHeaders.PREFIX) || TRACE_HEADERS.contains(header.key()))
                headers.add(header);
        }
        return new ProducerRecord<>(
                outcomesTopic,
                null,
                event.requestId().getBytes(StandardCharsets.UTF_8),
                Json.MAPPER.writeValueAsBytes(value),
                headers);
    }

    /** The record that carries a command to its retry tier, with what the next attempt needs to know in remit's headers. */
    public ProducerRecord<byte[], byte[]> retry(ConsumerRecord<byte[], byte[]> source, Decision.Retry retry) {
        Headers headers = carried(source);
        RetryHeaders.of(retry).writeTo(headers);
        return new ProducerRecord<>(retry.tier().topic(), null, source.key(), source.value(), headers);
    }

    /** Why a command is dead-lettered: what its dead letter's headers say. */
    public record DeadLetterReason(
            String commandType,
            int attempts,
            int status,
            String code,
            @Nullable String message,
            Instant at) {}

    public ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> source, DeadLetterReason why) {
        Headers headers = carried(source);
        HeaderText.replace(headers, RemitHeaders.ERROR_CODE, why.code());
        HeaderText.replace(headers, RemitHeaders.ERROR_STATUS, Integer.toString(why.status()));
        HeaderText.replace(headers, RemitHeaders.ERROR_MESSAGE, why.message() == null ? "" : why.message());
        HeaderText.replace(headers, RemitHeaders.ATTEMPTS, Integer.toString(why.attempts()));
        HeaderText.replace(headers, RemitHeaders.COMMAND_TYPE, why.commandType());
        HeaderText.replace(headers, RemitHeaders.DEAD_LETTERED_AT, why.at().toString());
        byte[] value = source.value();
        int room = maxRecordBytes - OVERHEAD - length(source.key()) - size(headers);
        if (value != null && value.length > room) {
            HeaderText.replace(headers, RemitHeaders.VALUE_TRUNCATED, Integer.toString(value.length));
            value = Arrays.copyOf(value, Math.max(0, room));
        }
        return new ProducerRecord<>(deadLetterTopic, null, source.key(), value, headers);
    }

    /**
     * The least a dead letter can be, for a record Kafka refused even on its own: the key and remit's headers
     * (no value, no foreign headers; {@code remit.value-truncated} gives the value's size). The whole record
     * is in PostgreSQL.
     */
    public ProducerRecord<byte[], byte[]> minimalDeadLetter(
            ConsumerRecord<byte[], byte[]> source, DeadLetterReason why) {
        ProducerRecord<byte[], byte[]> full = deadLetter(source, why);
        Headers headers = new RecordHeaders();
        for (Header header : full.headers()) {
            if (header.key().startsWith(RemitHeaders.PREFIX) || TRACE_HEADERS.contains(header.key()))
                headers.add(header);
        }
        HeaderText.replace(headers, RemitHeaders.VALUE_TRUNCATED, Integer.toString(length(source.value())));
        byte[] key = source.key() != null && source.key().length <= 1024 ? source.key() : null;
        return new ProducerRecord<>(deadLetterTopic, null, key, null, headers);
    }

    /** The source's foreign headers, and where the command first arrived (kept from a retry record, else the source). */
    private Headers carried(ConsumerRecord<byte[], byte[]> source) {
        Headers headers = new RecordHeaders();
        int count = 0;
        int bytes = 0;
        int dropped = 0;
        for (Header header : source.headers()) {
            if (header.key().startsWith(RemitHeaders.PREFIX)) continue;
            int size = header.key().length() + length(header.value());
            if (count < MAX_FOREIGN_HEADERS && bytes + size <= MAX_FOREIGN_HEADER_BYTES) {
                headers.add(header);
                count++;
                bytes += size;
            } else {
                dropped++;
            }
        }
        if (dropped > 0) HeaderText.replace(headers, RemitHeaders.HEADERS_DROPPED, Integer.toString(dropped));
        // on the commands topic a record arrives for the first time, whatever its headers claim (a producer may forge
        // them); elsewhere a forged or broken origin is replaced by the record's own
        Origin origin = source.topic().equals(commandsTopic) ? null : Origin.read(source.headers());
        if (origin == null) origin = new Origin(source.topic(), source.partition(), source.offset());
        origin.writeTo(headers);
        return headers;
    }

    private static int length(byte @Nullable [] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static int size(Headers headers) {
        int size = 0;
        for (Header header : headers) size += header.key().length() + length(header.value()) + 8;
        return size;
    }
}
