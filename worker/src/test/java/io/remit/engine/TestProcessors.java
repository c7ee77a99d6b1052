package io.remit.engine;

import io.remit.api.ApiClient;
import io.remit.command.CommandParser;
import io.remit.routing.OutcomeRouter;
import io.remit.routing.RetryLadder;
import io.remit.telemetry.RemitMetrics;
import java.time.Clock;
import java.time.Duration;
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
}
