package io.remit;

import java.util.regex.Pattern;
import org.apache.kafka.common.header.Headers;
import org.jspecify.annotations.Nullable;

/**
 * Where a command first arrived, as remit writes it on its retry records and dead letters ({@code remit.original.*}).
 * Read only in that form: a Kafka topic name, a partition and an offset in digits; anything else in those headers is
 * forged or broken, and ignored.
 */
public record Origin(String topic, int partition, long offset) {
    public static final String TOPIC = "remit.original.topic";
    public static final String PARTITION = "remit.original.partition";
    public static final String OFFSET = "remit.original.offset";

    /** A topic name as Kafka allows it. */
    private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    /** A partition and an offset as remit writes them (no offset reaches 10^18). */
    private static final Pattern PARTITION_DIGITS = Pattern.compile("[0-9]{1,9}");

    private static final Pattern OFFSET_DIGITS = Pattern.compile("[0-9]{1,18}");

    /** The origin these headers carry in remit's form; null: none, forged or broken. */
    public static @Nullable Origin read(Headers headers) {
        String topic = HeaderText.last(headers, TOPIC);
        String partition = HeaderText.last(headers, PARTITION);
        String offset = HeaderText.last(headers, OFFSET);
        if (topic == null
                || !TOPIC_NAME.matcher(topic).matches()
                || partition == null
                || !PARTITION_DIGITS.matcher(partition).matches()
                || offset == null
                || !OFFSET_DIGITS.matcher(offset).matches()) return null;
        return new Origin(topic, Integer.parseInt(partition), Long.parseLong(offset));
    }

    /** Sets the three headers, replacing any of the same names. */
    public void writeTo(Headers headers) {
        HeaderText.replace(headers, TOPIC, topic);
        HeaderText.replace(headers, PARTITION, Integer.toString(partition));
        HeaderText.replace(headers, OFFSET, Long.toString(offset));
    }
}
