package io.remit.engine;

import io.remit.api.ApiClient;
import io.remit.command.CommandParser;
import io.remit.routing.OutcomeRouter;
import io.remit.routing.RetryLadder;
import io.remit.store.OutcomeStatus;
import io.remit.store.StoredOutcome;
import io.remit.telemetry.RemitMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A command processor as the engine has it, for tests: jitter of 10 % drawn at its middle, the API never down. */
final class TestProcessors {
    private TestProcessors() {}

    /** {@code api} and {@code metrics} may be null where no call is made. */
    static CommandProcessor processor(
            RetryLadder ladder,
            Clock clock,
            @Nullable ApiClient api,
            @Nullable RemitMetrics metrics,
            Duration idempotencyWindow) {
        return new CommandProcessor(
                new CommandParser(),
                api,
                () -> false,
                new OutcomeRouter(ladder, 0.1, clock, () -> 0.5),
                ladder,
                metrics,
                clock,
                idempotencyWindow);
    }

    /**
     * The row of payment {@code pay-1} for {@code inv_1}, read from {@code c} at offset 7 and stored {@code at}: a 201
     * when SUCCEEDED, else a 503, due again on {@code c.retry.1s} when RETRYING.
     */
    static StoredOutcome payOne(OutcomeStatus status, Instant at, StoredOutcome.Identity identity) {
        boolean succeeded = status == OutcomeStatus.SUCCEEDED;
        return new StoredOutcome(
                "pay-1",
                "payment.create",
                status,
                1,
                succeeded ? 201 : 503,
                succeeded ? null : "SERVICE_UNAVAILABLE",
                null,
                null,
                null,
                "inv_1",
                new StoredOutcome.Source("c", 0, 7),
                at,
                status == OutcomeStatus.RETRYING ? new StoredOutcome.Retry("c.retry.1s", at, 0, null, null) : null,
                identity);
    }
}
