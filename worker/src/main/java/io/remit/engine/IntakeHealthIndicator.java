package io.remit.engine;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Part of readiness (health component {@code intake}): DOWN while intake is halted on refused
 * credentials. Read from the gate itself, so a halt during start-up is never hidden by the
 * application becoming ready afterwards. Its details name the partitions whose commit point has not
 * moved for {@code stalledAfter} while records wait (the status stays UP: one stalled partition is
 * no reason to take the instance out of service; the alert RemitPartitionNotCommitting pages).
 */
public final class IntakeHealthIndicator implements HealthIndicator {
    /** How long a partition's oldest uncommitted record may wait before the details call it stalled. */
    public static final Duration STALLED_AFTER = Duration.ofMinutes(1);

    private final IntakeGate gate;
    private final Duration stalledAfter;

    public IntakeHealthIndicator(IntakeGate gate) {
        this(gate, STALLED_AFTER);
    }

    IntakeHealthIndicator(IntakeGate gate, Duration stalledAfter) {
        this.gate = gate;
        this.stalledAfter = stalledAfter;
    }

    @Override
    public Health health() {
        Health.Builder health = gate.isHalted()
                ? Health.down().withDetail("reason", "the payments API refused remit's credentials")
                : Health.up();
        Map<String, Duration> waiting = gate.oldestUncommitted();
        Map<String, Long> stalled = new LinkedHashMap<>();
        waiting.forEach((partition, age) -> {
            if (age.compareTo(stalledAfter) >= 0) stalled.put(partition, age.toSeconds());
        });
        // from the same reading as stalledPartitions, so the two details agree
        health.withDetail("oldestUncommittedSeconds", IntakeGate.oldest(waiting).toSeconds());
        if (!stalled.isEmpty()) health.withDetail("stalledPartitions", stalled);
        return health.build();
    }
}
