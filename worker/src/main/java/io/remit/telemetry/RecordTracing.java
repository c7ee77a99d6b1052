package io.remit.telemetry;

import org.apache.kafka.common.header.Headers;

/**
 * Spans for what remit does with records: one per API call, continuing the trace of the command's {@code traceparent}
 * header (a new trace when it has none), and one per Kafka transaction. A span is current on the thread that opened it
 * until closed, so the API request carries it ({@link io.remit.api.TraceHeaders}) and log lines carry its trace id.
 */
public interface RecordTracing {
    RecordTracing NONE = new RecordTracing() {
        @Override
        public Scope call(Headers headers, String requestId, String commandType) {
            return () -> {};
        }

        @Override
        public Scope commit(String consumer, int records) {
            return () -> {};
        }
    };

    /** A span that ends when closed; closing never throws. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** The span of one record's API call, a child of the record's {@code traceparent} if it has one. */
    Scope call(Headers headers, String requestId, String commandType);

    /** The span of one Kafka transaction of a consumer. */
    Scope commit(String consumer, int records);
}
