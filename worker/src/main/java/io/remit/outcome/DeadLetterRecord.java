package io.remit.outcome;

import io.remit.HeaderText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * A row of {@code dead_letter}: the dead-lettered record whole (key, value and headers as they arrived, also
 * when the copy on the dead-letter topic had to be bounded), why, and where it came from.
 */
public record DeadLetterRecord(
        String requestId,
        String commandType,
        String errorCode,
        Integer httpStatus,
        String errorMessage,
        int attempts,
        byte[] key,
        byte[] value,
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
    public record HeaderValue(String key, byte[] value) {}

    private static final String ORIGINAL_TOPIC = "remit.original.topic";
    private static final String ORIGINAL_PARTITION = "remit.original.partition";
    private static final String ORIGINAL_OFFSET = "remit.original.offset";

    /** The row for a record dead-lettered now; {@code truncated} when its copy on the topic is bounded. */
    public static DeadLetterRecord of(
            ConsumerRecord<byte[], byte[]> record,
            String requestId,
            String commandType,
            String code,
            int status,
            String message,
            int attempts,
            boolean truncated,
            Instant at) {
        List<HeaderValue> headers = new ArrayList<>();
        for (Header header : record.headers()) headers.add(new HeaderValue(header.key(), header.value()));
        String originTopic = HeaderText.last(record.headers(), ORIGINAL_TOPIC);
        int originPartition = record.partition();
        long originOffset = record.offset();
        if (originTopic != null) {
            try {
                originPartition = Integer.parseInt(HeaderText.last(record.headers(), ORIGINAL_PARTITION));
                originOffset = Long.parseLong(HeaderText.last(record.headers(), ORIGINAL_OFFSET));
            } catch (NumberFormatException | NullPointerException e) {
                originTopic = null; // a forged or broken origin: the record itself is where it came from
                originPartition = record.partition();
                originOffset = record.offset();
            }
        }
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
                originTopic != null ? originTopic : record.topic(),
                originPartition,
                originOffset,
                record.topic(),
                record.partition(),
                record.offset(),
                at);
    }
}
