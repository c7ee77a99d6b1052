package io.remit.api;

import io.remit.command.Command;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * What the engine asks of the payments API. {@link PaymentsApi} is the HTTP client; {@link OutageBreaker#guard}
 * decorates one so that calls wait while the API is down.
 */
public interface ApiClient {
    /** What one call came to, and how long it took. */
    record Attempt(Outcome outcome, Duration latency) {}

    /** Sends a command, its requestId in the body; never throws for what the API answers or fails to. */
    Attempt send(Command command) throws InterruptedException;

    /**
     * Sends a command unless {@code mayStillSend} says no at the moment it may go (after any wait for the breaker): then
     * nothing is sent, and the answer is null.
     */
    default @Nullable Attempt send(Command command, BooleanSupplier mayStillSend) throws InterruptedException {
        return mayStillSend.getAsBoolean() ? send(command) : null;
    }

    /** Asks whether the API accepts remit's credentials for writes again, without any effect (while halted). */
    Outcome probe() throws InterruptedException;
}
