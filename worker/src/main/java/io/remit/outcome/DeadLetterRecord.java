package io.remit.outcome;

import io.remit.HeaderText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
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

    /** A topic name as Kafka allows it: anything else in an origin header is forged or broken. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    /** A partition and an offset as remit writes them (no offset reaches 10^18). */
    private static final Pattern PARTITION = Pattern.compile("[0-9]{1,9}");

    private static final Pattern OFFSET = Pattern.compile("[0-9]{1,18}");

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
            String message,
            int attempts,
            boolean truncated,
            Instant at) {
        List<HeaderValue> headers = new ArrayList<>();
        for (Header header : record.headers()) headers.add(new HeaderValue(header.key(), header.value()));
        String originTopic = record.topic();
        int originPartition = record.partition();
        long originOffset = record.offset();
        String topic = fromRetryTopic ? HeaderText.last(record.headers(), ORIGINAL_TOPIC) : null;
        String partition = HeaderText.last(record.headers(), ORIGINAL_PARTITION);
        String offset = HeaderText.last(record.headers(), ORIGINAL_OFFSET);
        if (topic != null
                && TOPIC.matcher(topic).matches()
                && partition != null
                && PARTITION.matcher(partition).matches()
                && offset != null
                && OFFSET.matcher(offset).matches()) {
            originTopic = topic;
            originPartition = Integer.parseInt(partition);
            originOffset = Long.parseLong(offset);
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
                originTopic,
                originPartition,
                originOffset,
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
            String message,
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
