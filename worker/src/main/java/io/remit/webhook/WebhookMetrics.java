package io.remit.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The receiver's and the relay's meters: {@code remit.webhooks} [remit_webhooks_total] by {@code type} (the four types
 * remit understands, else {@code unknown}: the label is bounded whatever a sender writes) and {@code result};
 * {@code remit.settlements.relayed} [remit_settlements_relayed_total]; {@code remit.settlement.outbox}
 * [remit_settlement_outbox], the settlement events waiting for Kafka.
 */
public final class WebhookMetrics {
    /** What the receiver answered, as the metric's {@code result} label. */
    public enum Result {
        APPLIED,
        SUPERSEDED,
        UNMATCHED,
        UNKNOWN_TYPE,
        DUPLICATE,
        BAD_SIGNATURE,
        MALFORMED,
        TOO_LARGE,
        STALE,
        UNAVAILABLE;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Counter relayed;
    private final Counter matchedLate;
    private final AtomicLong waiting = new AtomicLong();

    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String type : Settlement.knownTypes()) for (Result result : Result.values()) counter(type, result);
        for (Result result : Result.values()) counter("unknown", result);
        relayed = Counter.builder("remit.settlements.relayed")
                .description("Settlement events produced to the outcomes topic")
                .register(registry);
        matchedLate = Counter.builder("remit.webhooks.matched.late")
                .description("Webhooks matched to their command after they arrived (its outcome was stored later)")
                .register(registry);
        Gauge.builder("remit.settlement.outbox", waiting::get)
                .description("Settlement events stored and not yet produced to Kafka (read by the relaying instance)")
                .register(registry);
    }

    /** Counts one webhook; {@code type} is null when it could not be read (a bad signature is never parsed). */
    public void received(@Nullable String type, Result result) {
        counter(type != null && Settlement.known(type) ? type : "unknown", result)
                .increment();
    }

    void relayed(int n) {
        relayed.increment(n);
    }

    void matchedLate(int n) {
        if (n > 0) matchedLate.increment(n);
    }

    void outboxWaiting(long n) {
        waiting.set(n);
    }

    private Counter counter(String type, Result result) {
        return counters.computeIfAbsent(
                type + '|' + result,
                k -> Counter.builder("remit.webhooks")
                        .description("Webhooks received, by event type and what became of them")
                        .tag("type", type)
                        .tag("result", result.label())
                        .register(registry));
    }
}
