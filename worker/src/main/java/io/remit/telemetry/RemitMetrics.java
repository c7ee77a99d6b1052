package io.remit.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.remit.command.CommandParser;
import io.remit.command.CommandType;
import io.remit.routing.OutcomeRouter;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * remit's meters, named as the README lists them (Prometheus names in brackets):
 * {@code remit.commands} [remit_commands_total] by type, outcome, code;
 * {@code remit.api.latency} [remit_api_latency_seconds] by operation, status;
 * {@code remit.retries.scheduled} [remit_retries_scheduled_total] by tier;
 * {@code remit.dead.letters} [remit_dead_letters_total] by type, code;
 * {@code remit.halted} [remit_halted]; {@code remit.consumer.lag} [remit_consumer_lag] by topic;
 * {@code remit.retry.backlog} [remit_retry_backlog] by tier. The counters of known tiers, types and
 * remit's own codes exist at zero from the start.
 */
public final class RemitMetrics {
    private final MeterRegistry registry;
    private final Map<String, Map<String, Long>> lagByConsumer = new ConcurrentHashMap<>();
    private final Set<String> lagTopics = ConcurrentHashMap.newKeySet();
    private final Map<String, Timer> apiTimers = new ConcurrentHashMap<>();

    /**
     * @param halted        whether intake is halted
     * @param oldestPending how long the oldest record this instance holds uncommitted has waited (zero: none); the
     *                      engine keeps it (per partition, for the health details too), the gauge only reads it
     */
    public RemitMetrics(
            MeterRegistry registry,
            Map<String, String> tierByTopic,
            BooleanSupplier halted,
            Supplier<Duration> oldestPending) {
        this.registry = registry;
        Gauge.builder("remit.halted", () -> halted.getAsBoolean() ? 1 : 0)
                .description("1 while intake is halted because the API refused remit's credentials")
                .register(registry);
        tierByTopic.forEach((topic, tier) -> Gauge.builder("remit.retry.backlog", () -> lag(topic))
                .description("Records waiting in a delayed-retry topic")
                .tag("tier", tier)
                .register(registry));
        preRegister(tierByTopic.values());
        // registered once, here: consumer threads reporting their first pending record at once registered it twice
        Gauge.builder("remit.pending.oldest.age", () -> oldestPending.get().toMillis() / 1e3)
                .baseUnit("seconds")
                .description("Age of the oldest record polled but not yet committed on this instance (0 when none): "
                        + "a partition whose commit point does not move shows here")
                .register(registry);
    }

    /**
     * Registers at zero the counters of the decisions known in advance, so that their first event is
     * an increase (rate() and increase() see nothing of a series that starts at 1): each tier, each
     * command type succeeding, and each of remit's own dead-letter codes with the types it can
     * carry. The API's error codes are an open set; their series appear with their first event.
     */
    private void preRegister(Collection<String> tiers) {
        tiers.forEach(this::retriesScheduled);
        for (CommandType type : CommandType.values()) {
            commands(type.wireName(), "succeeded", null);
            List.of(CommandParser.INVALID, OutcomeRouter.RETRIES_EXHAUSTED)
                    .forEach(code -> deadLetterSeries(type.wireName(), code));
        }
        List.of(CommandParser.MISSING_KEY, CommandParser.INVALID, CommandParser.UNREADABLE)
                .forEach(code -> deadLetterSeries(CommandType.UNKNOWN, code));
        COMMIT_FAILURES.forEach(this::commitFailures);
    }

    /** A dead letter's two series: its own and its decision among {@code remit.commands}. */
    private void deadLetterSeries(String type, String code) {
        commands(type, "dead_lettered", code);
        deadLetters(type, code);
    }

    private Counter commands(String type, String outcome, @Nullable String code) {
        return Counter.builder("remit.commands")
                .description("Commands decided, by type, outcome and error code")
                .tags("type", type, "outcome", outcome, "code", code == null ? "none" : code)
                .register(registry);
    }

    private Counter retriesScheduled(String tier) {
        return Counter.builder("remit.retries.scheduled")
                .description("Retries scheduled, by tier")
                .tag("tier", tier)
                .register(registry);
    }

    private Counter deadLetters(String type, String code) {
        return Counter.builder("remit.dead.letters")
                .description("Commands dead-lettered, by type and error code")
                .tags("type", type, "code", code)
                .register(registry);
    }

    /** The results a failed Kafka transaction can have; each series exists at zero from the start. */
    public static final List<String> COMMIT_FAILURES = List.of("aborted", "uncertain", "narrowing", "refused");

    /**
     * A Kafka transaction of a consumer that did not commit: {@code aborted} (tried again from memory),
     * {@code uncertain} (may have committed: its partitions are read again), {@code narrowing} (committed one record
     * at a time from now on, to find one Kafka refuses), {@code refused} (one record's outbound record, dead-lettered
     * with the bounded minimum).
     */
    public void commitFailed(String result) {
        commitFailures(result).increment();
    }

    private Counter commitFailures(String result) {
        return Counter.builder("remit.commits.failed")
                .description("Kafka transactions that did not commit, by what became of them")
                .tag("result", result)
                .register(registry);
    }

    public void command(String type, String outcome, @Nullable String code) {
        commands(type, outcome, code).increment();
    }

    public void retryScheduled(String tier) {
        retriesScheduled(tier).increment();
    }

    public void deadLettered(String type, String code) {
        deadLetters(type, code).increment();
    }

    /** Called once per API call: the timer is looked up in a local map, not rebuilt and re-registered. */
    public void apiCall(String operation, int status, @Nullable String code, Duration latency) {
        String statusTag = status != 0 ? Integer.toString(status) : "TIMEOUT".equals(code) ? "timeout" : "io_error";
        apiTimers
                .computeIfAbsent(
                        operation + ' ' + statusTag,
                        key -> Timer.builder("remit.api.latency")
                                .description("Payments API latency, by operation and status")
                                .tags("operation", operation, "status", statusTag)
                                .publishPercentileHistogram()
                                .minimumExpectedValue(Duration.ofMillis(1))
                                .maximumExpectedValue(Duration.ofSeconds(30))
                                .register(registry))
                .record(latency);
    }

    /** The lag one consumer sees on its assigned partitions, by topic; gauges sum over consumers. */
    public void lag(String consumer, Map<String, Long> lagByTopic) {
        lagByConsumer.put(consumer, lagByTopic);
        for (String topic : lagByTopic.keySet()) {
            if (!lagTopics.add(topic)) continue;
            Gauge.builder("remit.consumer.lag", () -> lag(topic))
                    .description("Records not yet consumed, by topic")
                    .tag("topic", topic)
                    .register(registry);
        }
    }

    private double lag(String topic) {
        return lagByConsumer.values().stream()
                .mapToLong(m -> m.getOrDefault(topic, 0L))
                .sum();
    }
}
