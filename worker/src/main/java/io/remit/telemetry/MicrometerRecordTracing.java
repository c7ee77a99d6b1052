package io.remit.telemetry;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import io.remit.HeaderText;
import io.remit.api.TraceHeaders;
import java.util.function.BiConsumer;
import org.apache.kafka.common.header.Headers;

/**
 * {@link RecordTracing} on Micrometer Tracing (the OpenTelemetry bridge Boot configures), and the current span's context
 * as W3C headers on each API request ({@link TraceHeaders}).
 */
public final class MicrometerRecordTracing implements RecordTracing, TraceHeaders {
    private final Tracer tracer;
    private final Propagator propagator;

    public MicrometerRecordTracing(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    @Override
    public Scope call(Headers headers, String requestId, String commandType) {
        Span span = propagator
                .extract(headers, HeaderText::last)
                .name("remit call")
                .kind(Span.Kind.CLIENT)
                .tag("remit.request_id", requestId)
                .tag("remit.command_type", commandType)
                .start();
        return open(span);
    }

    @Override
    public Scope commit(String consumer, int records) {
        Span span = tracer.nextSpan()
                .name("remit commit")
                .tag("remit.consumer", consumer)
                .tag("remit.records", Integer.toString(records))
                .start();
        return open(span);
    }

    @Override
    public void addTo(BiConsumer<String, String> header) {
        TraceContext current = tracer.currentTraceContext().context();
        // the setter writes to the carrier it was given, header itself
        if (current != null) propagator.inject(current, header, (carrier, name, value) -> header.accept(name, value));
    }

    private Scope open(Span span) {
        Tracer.SpanInScope inScope = tracer.withSpan(span);
        return () -> {
            inScope.close();
            span.end();
        };
    }
}
