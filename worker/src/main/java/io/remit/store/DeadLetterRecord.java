package io.remit.store;

import io.remit.Origin;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * A row of {@code dead_letter}: the dead-lettered record whole (key, value and headers as they arrived, also
 * when the copy on the dead-letter topic had to be bounded), why, and where it came from.
 */
public record DeadLetterRecord(
        String requestId,
        String commandType,
        String errorCode,
        @Nullable Integer httpStatus,
        @Nullable String errorMessage,
        int attempts,
        byte @Nullable [] key,
        byte @Nullable [] value,
        List<HeaderValue> headers,
        boolean valueTruncated,
        String originTopic,
        int originPartition,
        long originOffset,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        Instant deadLetteredAt) {

    /** One header of the record, its value as bytes. */
    public record HeaderValue(String key, byte @Nullable [] value) {}

    /**
     * The row for a record dead-lettered now; {@code truncated} when its copy on the topic is bounded. Where it first
     * arrived ({@code remit.original.*}) is believed only on remit's own retry topics ({@code fromRetryTopic}) and only
     * when it is what remit writes there: on the commands topic a producer may write anything in those headers.
     */
    public static DeadLetterRecord of(
            ConsumerRecord<byte[], byte[]> record,
            boolean fromRetryTopic,
            String requestId,
            String commandType,
            String code,
            int status,
            @Nullable String message,
            int attempts,
            boolean truncated,
            Instant at) {
        List<HeaderValue> headers = new ArrayList<>();
        for (Header header : record.headers()) headers.add(new HeaderValue(header.key(), header.value()));
        Origin origin = fromRetryTopic ? Origin.read(record.headers()) : null;
        if (origin == null) origin = new Origin(record.topic(), record.partition(), record.offset());
        return new DeadLetterRecord(
                requestId,
                commandType,
                code,
                status == 0 ? null : status,
                message,
                attempts,
                record.key(),
                record.value(),
                headers,
                truncated,
                origin.topic(),
                origin.partition(),
                origin.offset(),
                record.topic(),
                record.partition(),
                record.offset(),
                at);
    }

    /**
     * The last resort for a record PostgreSQL refused in its full form: its key and value as bytes, no headers, every
     * text printable ASCII (see {@link StorableText#ascii}), the record itself as its origin. It cannot be refused for
     * what the record holds.
     */
    public static DeadLetterRecord minimal(
            ConsumerRecord<byte[], byte[]> record,
            String requestId,
            String commandType,
            String code,
            @Nullable String message,
            int attempts,
            Instant at) {
        return new DeadLetterRecord(
                StorableText.ascii(requestId, 512),
                StorableText.ascii(commandType, 128),
                StorableText.ascii(code, 64),
                null,
                StorableText.ascii(message, 1000),
                attempts,
                record.key(),
                record.value(),
                List.of(),
                false,
                record.topic(),
                record.partition(),
                record.offset(),
                record.topic(),
                record.partition(),
                record.offset(),
                at);
    }
}
