package io.remit.ops;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * remit's meters, named as the README lists them (Prometheus names in brackets):
 * {@code remit.commands} [remit_commands_total] by type, outcome, code;
 * {@code remit.api.latency} [remit_api_latency_seconds] by operation, status;
 * {@code remit.retries.scheduled} [remit_retries_scheduled_total] by tier;
 * {@code remit.dead.letters} [remit_dead_letters_total] by type, code;
 * {@code remit.halted} [remit_halted]; {@code remit.consumer.lag} [remit_consumer_lag] by topic;
 * {@code remit.retry.backlog} [remit_retry_backlog] by tier.
 */
public final class RemitMetrics {
    private final MeterRegistry registry;
    private final Map<String, Map<String, Long>> lagByConsumer = new ConcurrentHashMap<>();
    private final java.util.Set<String> lagTopics = ConcurrentHashMap.newKeySet();
    private final Map<String, Timer> apiTimers = new ConcurrentHashMap<>();

    public RemitMetrics(MeterRegistry registry, Map<String, String> tierByTopic, java.util.function.BooleanSupplier halted) {
        this.registry = registry;
        Gauge.builder("remit.halted", () -> halted.getAsBoolean() ? 1 : 0)
                .description("1 while intake is halted because the API refused remit's credentials").register(registry);
        tierByTopic.forEach((topic, tier) -> Gauge.builder("remit.retry.backlog", () -> lag(topic))
                .description("Records waiting in a delayed-retry topic").tag("tier", tier).register(registry));
    }

    public void command(String type, String outcome, String code) {
        Counter.builder("remit.commands").description("Commands decided, by type, outcome and error code")
                .tags("type", type, "outcome", outcome, "code", code == null ? "none" : code).register(registry).increment();
    }

    public void retryScheduled(String tier) {
        Counter.builder("remit.retries.scheduled").description("Retries scheduled, by tier")
                .tag("tier", tier).register(registry).increment();
    }

    public void deadLettered(String type, String code) {
        Counter.builder("remit.dead.letters").description("Commands dead-lettered, by type and error code")
                .tags("type", type, "code", code).register(registry).increment();
    }

    /** Called once per API call: the timer is looked up in a local map, not rebuilt and re-registered. */
    public void apiCall(String operation, int status, String code, Duration latency) {
        String statusTag = status != 0 ? Integer.toString(status) : "TIMEOUT".equals(code) ? "timeout" : "io_error";
        apiTimers.computeIfAbsent(operation + ' ' + statusTag, key -> Timer.builder("remit.api.latency")
                .description("Payments API latency, by operation and status")
                .tags("operation", operation, "status", statusTag)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry)).record(latency);
    }

    /** The lag one consumer sees on its assigned partitions, by topic; gauges sum over consumers. */
    public void lag(String consumer, Map<String, Long> lagByTopic) {
        lagByConsumer.put(consumer, lagByTopic);
        for (String topic : lagByTopic.keySet()) {
            if (!lagTopics.add(topic)) continue;
            Gauge.builder("remit.consumer.lag", () -> lag(topic)).description("Records not yet consumed, by topic")
                    .tag("topic", topic).register(registry);
        }
    }

    private double lag(String topic) {
        return lagByConsumer.values().stream().mapToLong(m -> m.getOrDefault(topic, 0L)).sum();
    }
}
