package io.remit.engine;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Part of readiness (health component {@code intake}): DOWN while intake is halted on refused
 * credentials. Read from the gate itself, so a halt during start-up is never hidden by the
 * application becoming ready afterwards.
 */
public final class IntakeHealthIndicator implements HealthIndicator {
    private final IntakeGate gate;

    public IntakeHealthIndicator(IntakeGate gate) {
        this.gate = gate;
    }

    @Override
    public Health health() {
        return gate.isHalted()
                ? Health.down()
                        .withDetail("reason", "the payments API refused remit's credentials")
                        .build()
                : Health.up().build();
    }
}
