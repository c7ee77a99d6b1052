package io.remit.routing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

import io.remit.api.Outcome;

/**
 * The whole routing decision: from what attempt {@code attempt} of a command came to, where the
 * command goes next. Pure: no I/O; time and randomness are injected.
 * <ul>
 *   <li>succeeded → complete;</li>
 *   <li>rejected → dead letter with the API's code;</li>
 *   <li>halt → halt;</li>
 *   <li>transient with tiers left → the next tier, its delay plus up to {@code jitter} of it, and never
 *       before the API's own {@code notBefore} (429, waited for an hour at most), which then picks the tier;</li>
 *   <li>transient with no tier left → dead letter {@code RETRIES_EXHAUSTED}, keeping the last status; 429s
 *       never use up the ladder (found by the chaos run: retries of a batch that come back together after a
 *       429 can meet the next burst together, again and again, and were dead-lettered for it).</li>
 * </ul>
 */
public final class OutcomeRouter {
    public static final String RETRIES_EXHAUSTED = "RETRIES_EXHAUSTED";
    /** The longest a 429 is waited for: a Reset further away is implausible, and would pause its tier's partition for as long. */
    public static final Duration MAX_RATE_LIMIT_WAIT = Duration.ofHours(1);

    private final RetryLadder ladder;
    private final double jitter;
    private final Clock clock;
    private final DoubleSupplier random;

    public OutcomeRouter(RetryLadder ladder, double jitter, Clock clock, DoubleSupplier random) {
        this.ladder = ladder;
        this.jitter = jitter;
        this.clock = clock;
        this.random = random;
    }

    public Decision route(Outcome outcome, int attempt) {
        return route(outcome, attempt, 0);
    }

    /**
     * @param attempt     the API attempt that came to {@code outcome} (1 for the first)
     * @param rateLimited how many of the earlier attempts were answered 429: they do not use up the ladder,
     *                    since being told to slow down says nothing of the command
     */
    public Decision route(Outcome outcome, int attempt, int rateLimited) {
        int failures = attempt - rateLimited;
        return switch (outcome) {
            case Outcome.Succeeded s -> new Decision.Complete(s.status(), s.resourceId(), s.body());
            case Outcome.Rejected r -> new Decision.DeadLetter(r.status(), r.code(), r.message());
            case Outcome.Halt h -> new Decision.Halt(h.status(), h.code(), h.message());
            case Outcome.Transient t when t.notBefore() != null -> retryNoSoonerThan(t, attempt, rateLimited);
            case Outcome.Transient t when isExhausted(failures) -> new Decision.DeadLetter(t.status(), RETRIES_EXHAUSTED,
                    "gave up after " + attempt + " attempts; last: " + t.code() + (t.message() == null ? "" : " " + t.message()));
            case Outcome.Transient t -> retryOnNextTier(t, attempt, rateLimited);
        };
    }

    private boolean isExhausted(int failures) {
        return ladder.afterAttempt(failures).isEmpty();
    }

    private Decision retryOnNextTier(Outcome.Transient failure, int attempt, int rateLimited) {
        RetryLadder.Tier tier = ladder.afterAttempt(attempt - rateLimited).orElseThrow();
        Instant due = clock.instant().plus(withJitter(tier.delay()));
        return new Decision.Retry(tier, due, attempt + 1, rateLimited, failure.status(), failure.code(), failure.message());
    }

    /** A 429: retried no sooner than the API said, on the tier whose delay covers the wait; the ladder is not used up. */
    private Decision retryNoSoonerThan(Outcome.Transient failure, int attempt, int rateLimited) {
        Instant now = clock.instant();
        Duration wait = !failure.notBefore().isAfter(now) ? Duration.ZERO
                : failure.notBefore().isAfter(now.plus(MAX_RATE_LIMIT_WAIT)) ? MAX_RATE_LIMIT_WAIT
                : Duration.between(now, failure.notBefore());
        Instant due = now.plus(withJitter(wait));
        return new Decision.Retry(ladder.forWait(wait), due, attempt + 1, rateLimited + 1, failure.status(), failure.code(),
                failure.message());
    }

    private Duration withJitter(Duration delay) {
        return delay.plusNanos((long) (delay.toNanos() * jitter * random.getAsDouble()));
    }
}
