package io.remit.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A row of {@code command_attempt}: one call to the API and what it answered. */
public record AttemptRecord(
        String requestId,
        int attempt,
        String commandType,
        @Nullable Integer httpStatus,
        @Nullable String errorCode,
        long latencyMs,
        Instant attemptedAt) {}
