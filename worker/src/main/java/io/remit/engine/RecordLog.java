package io.remit.engine;

import org.slf4j.MDC;

/**
 * The fields every log line about a record carries (MDC, so JSON logs have them as fields): requestId, command type,
 * topic, partition, offset. Set around a line on the loop thread, and for the whole call on a call's thread.
 */
final class RecordLog {
    static final String REQUEST_ID = "requestId";
    static final String COMMAND_TYPE = "commandType";
    static final String TOPIC = "topic";
    static final String PARTITION = "partition";
    static final String OFFSET = "offset";

    private RecordLog() {}

    /** Puts the record's fields in the MDC; {@link #clear} takes them out. */
    static void put(Pending p) {
        MDC.put(REQUEST_ID, p.requestId);
        MDC.put(COMMAND_TYPE, p.result != null ? p.result.commandType() : p.parsed.typeName());
        MDC.put(TOPIC, p.record.topic());
        MDC.put(PARTITION, Integer.toString(p.record.partition()));
        MDC.put(OFFSET, Long.toString(p.offset()));
    }

    static void clear() {
        MDC.remove(REQUEST_ID);
        MDC.remove(COMMAND_TYPE);
        MDC.remove(TOPIC);
        MDC.remove(PARTITION);
        MDC.remove(OFFSET);
    }

    /** Runs {@code line} (a log statement) with the record's fields in the MDC. */
    static void about(Pending p, Runnable line) {
        put(p);
        try {
            line.run();
        } finally {
            clear();
        }
    }
}
