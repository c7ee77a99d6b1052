package io.remit.store;

import java.time.Instant;

/** A row of {@code command_attempt}: one call to the API and what it answered. */
public record AttemptRecord(
        String requestId,
        int attempt,
        String commandType,
        Integer httpStatus,
        String errorCode,
        long latencyMs,
        Instant attemptedAt) {}
