package io.remit.api;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.remit.command.Command;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses intake while the API is down. Transient failures (5xx, timeouts, connection errors) count
 * against it, answers on a command's merits (2xx, 4xx) for it; 429 and 401/403 are neither (being
 * told to slow down, or a credentials problem, say nothing of an outage). When open, the engine
 * pauses every partition (readiness stays UP: the API is down, not remit) and calls wait here;
 * calls already in flight finish and are routed as usual. After {@code open-for} a few calls go
 * through: their success closes it, a failure re-opens it. The state machine is resilience4j's.
 */
public final class OutageBreaker {
    private static final Logger log = LoggerFactory.getLogger(OutageBreaker.class);
    private static final long WAIT_STEP_MILLIS = 50;

    private final CircuitBreaker breaker;
    private final boolean enabled;
    private final Duration callTimeout;
    private volatile long pausedLoggedAt = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);

    /**
     * @param callTimeout the API's timeout ({@code remit.api.timeout}): a timeout that took far longer to be noticed was
     *                    remit not running (a long GC pause, a frozen or throttled process), not the API being slow
     */
    public OutageBreaker(BreakerProperties properties, Duration callTimeout) {
        this.enabled = properties.enabled();
        this.callTimeout = callTimeout;
        this.breaker = CircuitBreaker.of(
                "payments-api",
                CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
                        .slidingWindowSize((int) Math.max(1, properties.window().toSeconds()))
                        .minimumNumberOfCalls(properties.minimumCalls())
                        .failureRateThreshold(properties.failureRateThreshold())
                        .waitDurationInOpenState(properties.openFor())
                        .permittedNumberOfCallsInHalfOpenState(properties.halfOpenCalls())
                        .automaticTransitionFromOpenToHalfOpenEnabled(true)
                        .build());
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.StateTransition transition = event.getStateTransition();
            switch (transition.getToState()) {
                case OPEN ->
                    log.warn(
                            "Outage breaker OPEN: {} % of the API calls in the last {} failed transiently; intake paused "
                                    + "on every partition for {} (calls in flight finish as usual)",
                            Math.round(breaker.getMetrics().getFailureRate()),
                            seconds(properties.window()),
                            seconds(properties.openFor()));
                case HALF_OPEN ->
                    log.info("Outage breaker HALF_OPEN: {} call(s) try the API", properties.halfOpenCalls());
                case CLOSED -> log.info("Outage breaker CLOSED: the API answers again; intake resumed");
                default -> log.info("Outage breaker {}", transition.getToState());
            }
        });
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    /** The client whose calls wait while the breaker is open and count towards it; the probe passes through. */
    public ApiClient guard(ApiClient client) {
        return new ApiClient() {
            @Override
            public Attempt send(Command command) throws InterruptedException {
                return Objects.requireNonNull(send(command, () -> true), "sent unconditionally");
            }

            @Override
            public @Nullable Attempt send(Command command, BooleanSupplier mayStillSend) throws InterruptedException {
                awaitPermission();
                // the wait for the breaker may have been long: whether the call may still go is asked after it
                if (!mayStillSend.getAsBoolean()) {
                    releaseUnused();
                    return null;
                }
                Attempt attempt;
                try {
                    attempt = client.send(command);
                } catch (InterruptedException | RuntimeException | Error e) {
                    // a call that ended without an answer (a bug, the shutdown) says nothing of the API: its permission
                    // is given back, or five such calls while half-open would hold the breaker there for ever
                    releaseUnused();
                    throw e;
                }
                record(attempt.outcome(), attempt.latency());
                return attempt;
            }

            @Override
            public Outcome probe() throws InterruptedException {
                return client.probe();
            }
        };
    }

    /** Waits until a call may go to the API (at once unless the breaker is open or its half-open calls are taken). */
    public void awaitPermission() throws InterruptedException {
        if (!enabled) return;
        while (!breaker.tryAcquirePermission()) Thread.sleep(WAIT_STEP_MILLIS);
    }

    /** Gives back a permission no call used. */
    void releaseUnused() {
        if (enabled) breaker.releasePermission();
    }

    /** Records what a permitted call came to. */
    public void record(Outcome outcome, Duration latency) {
        if (!enabled) return;
        switch (outcome) {
            case Outcome.Transient t when t.status() == 429 -> breaker.releasePermission();
            case Outcome.Transient t
            when wasPaused(t, latency) -> {
                breaker.releasePermission();
                long now = System.nanoTime();
                if (now - pausedLoggedAt < TimeUnit.SECONDS.toNanos(10)) return; // one line per pause, not per call
                pausedLoggedAt = now;
                log.info(
                        "An API call timed out after {} ms, {} ms longer than remit.api.timeout: remit itself was paused "
                                + "(GC, a frozen or throttled process); not counted as a sign of an API outage",
                        latency.toMillis(),
                        latency.minus(callTimeout).toMillis());
            }
            case Outcome.Transient t ->
                breaker.onError(latency.toNanos(), TimeUnit.NANOSECONDS, new TransientFailure(t));
            case Outcome.Halt h -> breaker.releasePermission();
            case Outcome.Succeeded s -> breaker.onSuccess(latency.toNanos(), TimeUnit.NANOSECONDS);
            case Outcome.Rejected r -> breaker.onSuccess(latency.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** A timeout noticed only well after it was due: the process was not running, the API was not (only) slow. */
    private boolean wasPaused(Outcome.Transient failure, Duration latency) {
        return "TIMEOUT".equals(failure.code())
                && latency.compareTo(callTimeout.multipliedBy(2).plusSeconds(1)) > 0;
    }

    /** Whether intake should pause: the breaker is open (half-open lets a few calls through, so intake runs). */
    public boolean isOpen() {
        return enabled && breaker.getState() == CircuitBreaker.State.OPEN;
    }

    /** 0 closed, 1 open, 2 half-open (the gauge remit_breaker_state). */
    public int stateCode() {
        return switch (breaker.getState()) {
            case OPEN, FORCED_OPEN -> 1;
            case HALF_OPEN -> 2;
            default -> 0;
        };
    }

    /** What the breaker counted as a failure: the answer, not an exception of remit's. */
    private static final class TransientFailure extends RuntimeException {
        TransientFailure(Outcome.Transient failure) {
            super(failure.status() + " " + failure.code(), null, false, false);
        }
    }
}
