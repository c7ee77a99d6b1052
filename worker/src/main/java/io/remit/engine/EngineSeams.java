package io.remit.engine;

import io.remit.api.ApiClient;
import io.remit.command.CommandParser;
import io.remit.routing.OutboundRecords;
import io.remit.routing.OutcomeRouter;
import io.remit.routing.RetryLadder;
import io.remit.store.OutcomeStore;
import io.remit.telemetry.RecordTracing;
import io.remit.telemetry.RemitMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What the engine plugs into, built in one place (the configuration); the engine makes its own parts from these.
 *
 * @param parser   commands from records
 * @param api      the payments API as the engine calls it (guarded by the outage breaker)
 * @param apiDown  whether the API is down: intake pauses on every partition
 * @param maxCalls the most API calls in flight ({@code remit.api.max-in-flight}): a consumer starts no more
 * @param store    decisions, attempts and dead letters (PostgreSQL)
 * @param outbound the records decisions produce (retries, dead letters, outcome events)
 * @param router   where an outcome sends a command
 * @param ladder   the retry tiers
 * @param jitter   the most added at random to a tier's delay, as a fraction of it
 * @param metrics  what the engine counts
 * @param tracing  spans for API calls and commits
 * @param clock    time
 * @param idempotencyWindow how long the API remembers a requestId ({@code remit.api.idempotency-window})
 */
public record EngineSeams(
        CommandParser parser,
        ApiClient api,
        BooleanSupplier apiDown,
        int maxCalls,
        OutcomeStore store,
        OutboundRecords outbound,
        OutcomeRouter router,
        RetryLadder ladder,
        double jitter,
        RemitMetrics metrics,
        RecordTracing tracing,
        Clock clock,
        Duration idempotencyWindow) {}
