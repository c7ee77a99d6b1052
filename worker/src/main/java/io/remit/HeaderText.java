package io.remit;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.jspecify.annotations.Nullable;

/** Kafka record headers as UTF-8 text, the way every remit header and the W3C trace headers are written. */
public final class HeaderText {
    private HeaderText() {}

    /** The last value of a header as text; null when it is absent or has no value. */
    public static @Nullable String last(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        byte[] value = header == null ? null : header.value();
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /** Sets a header, replacing any of the same name; null is written as an empty value. */
    public static void replace(Headers headers, String name, @Nullable String value) {
        headers.remove(name);
        headers.add(name, value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8));
    }
}
