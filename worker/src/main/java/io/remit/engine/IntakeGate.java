package io.remit.engine;

import io.remit.routing.Decision;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Open, or halted because the API refused remit's credentials (401/403). While halted every
 * consumer pauses all its partitions and readiness is DOWN; {@link #resume} reopens it. A
 * consumer that dies of an unexpected error turns liveness DOWN ({@link #broken}).
 */
public final class IntakeGate {
    private static final Logger log = LoggerFactory.getLogger(IntakeGate.class);

    private final AtomicReference<Decision.@Nullable Halt> halt = new AtomicReference<>();
    private final ApplicationEventPublisher events;
    /** Per consumer: per partition, since when (System.nanoTime) its oldest uncommitted record has waited. */
    private final Map<String, Map<String, Long>> waitingSince = new ConcurrentHashMap<>();

    public IntakeGate(ApplicationEventPublisher events) {
        this.events = events;
    }

    public boolean isHalted() {
        return halt.get() != null;
    }

    /** Halts intake; logged once per halt, with the API's answer and the requestId it came for. */
    void halt(Decision.Halt reason, String requestId) {
        if (halt.compareAndSet(null, reason)) {
            log.error(
                    "Intake halted: the API answered {} {} to remit's credentials (calling it for {}); nothing is dead-lettered "
                            + "or committed until a probe is accepted (check remit.api.key / remit.api.secret)",
                    reason.status(),
                    reason.code(),
                    requestId);
            AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        }
    }

    /** A consumer died of an unexpected error: liveness goes DOWN so the platform restarts the instance. */
    void broken() {
        AvailabilityChangeEvent.publish(events, this, LivenessState.BROKEN);
    }

    /** A consumer's partitions that hold uncommitted records, and since when the oldest of each has waited. */
    void waiting(String consumer, Map<String, Long> sinceNanosByPartition) {
        if (sinceNanosByPartition.isEmpty()) waitingSince.remove(consumer);
        else waitingSince.put(consumer, Map.copyOf(sinceNanosByPartition));
    }

    /** Per partition of this instance, how long its oldest uncommitted record has waited (its commit point has not moved). */
    public Map<String, Duration> oldestUncommitted() {
        long now = System.nanoTime();
        Map<String, Duration> ages = new TreeMap<>();
        waitingSince
                .values()
                .forEach(partitions -> partitions.forEach((partition, since) ->
                        ages.merge(partition, Duration.ofNanos(now - since), (a, b) -> a.compareTo(b) > 0 ? a : b)));
        return ages;
    }

    /** How long the oldest uncommitted record of this instance has waited (zero: none): the gauge of the stall alert. */
    public Duration oldestUncommittedAge() {
        return oldest(oldestUncommitted());
    }

    /** The longest of these waits (zero: none). */
    static Duration oldest(Map<String, Duration> ages) {
        return ages.values().stream().max(Duration::compareTo).orElse(Duration.ZERO);
    }

    public void resume() {
        if (halt.getAndSet(null) != null) {
            log.info("Intake resumed: the API accepts remit's credentials again");
            AvailabilityChangeEvent.publish(events, this, ReadinessState.ACCEPTING_TRAFFIC);
        }
    }
}
