package io.remit.api;

import java.util.function.BiConsumer;

/**
 * The trace context of the call being made, as headers for the API request (W3C {@code traceparent}, {@code tracestate}):
 * the API's own traces then continue the command's.
 */
@FunctionalInterface
public interface TraceHeaders {
    TraceHeaders NONE = header -> {};

    /** Gives each header of the current trace context to {@code header} (none when no span is current). */
    void addTo(BiConsumer<String, String> header);
}
