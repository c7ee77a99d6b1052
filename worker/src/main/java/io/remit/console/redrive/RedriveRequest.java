package io.remit.console.redrive;

import io.remit.console.deadletter.DeadLetterFilter;
import org.jspecify.annotations.Nullable;

/**
 * What an operator asks for: the dead letters of {@code filter}, published again at most
 * {@code ratePerSecond} a second (null: the default), with a reason. A dry run only counts them.
 * Without {@code force}, a dead letter redriven before is skipped. Absent flags are false.
 */
public record RedriveRequest(
        DeadLetterFilter filter,
        Boolean dryRun,
        @Nullable String reason,
        @Nullable Integer ratePerSecond,
        Boolean force) {

    public RedriveRequest {
        if (filter == null) filter = DeadLetterFilter.all();
        reason = reason == null || reason.isBlank() ? null : DeadLetterFilter.withoutNul(reason.strip());
        dryRun = Boolean.TRUE.equals(dryRun);
        force = Boolean.TRUE.equals(force);
    }
}
