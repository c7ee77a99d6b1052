package io.remit.console.redrive;

import io.remit.console.deadletter.DeadLetterFilter;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A redrive's audit and progress; {@code topic} is the commands topic it publishes to. {@code matched}: dead letters of the filter when it was
 * requested; {@code eligible}: those to publish (not redriven before unless forced, with a key, one
 * per requestId, no unknown outcome unless forced); {@code unknownOutcomes}: matched dead letters whose command the API
 * may have applied longer ago than it remembers a requestId ({@code OUTCOME_UNKNOWN}, or a first ambiguous attempt older
 * than {@code remit.api.idempotency-window}): skipped unless forced; {@code redriven}, {@code skipped}, {@code sending}:
 * what became of those selected so far.
 */
public record RedriveView(
        UUID id,
        String topic,
        boolean dryRun,
        boolean force,
        @Nullable String reason,
        DeadLetterFilter filter,
        int ratePerSecond,
        RedriveState state,
        String requestedBy,
        @Nullable Instant requestedAt,
        @Nullable Instant finishedAt,
        @Nullable String cancelledBy,
        @Nullable String lastError,
        int matched,
        int eligible,
        int redriven,
        int skipped,
        int sending,
        int unknownOutcomes) {

    /** Whether it may still publish (and so be cancelled). */
    public boolean running() {
        return state == RedriveState.RUNNING;
    }
}
