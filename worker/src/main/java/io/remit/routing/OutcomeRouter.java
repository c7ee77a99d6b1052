package io.remit.routing;

import io.remit.api.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The whole routing decision: from what attempt {@code attempt} of a command came to, where the
 * command goes next. Pure: no I/O; time and randomness are injected.
 * <ul>
 *   <li>succeeded → complete;</li>
 *   <li>rejected → dead letter with the API's code;</li>
 *   <li>halt → halt;</li>
 *   <li>transient with tiers left → the next tier, its delay plus up to {@code jitter} of it, and never
 *       before the API's own {@code notBefore} (429, waited for an hour at most), which then picks the tier;</li>
 *   <li>transient with a code that has a ladder of its own ({@code remit.retry.codes}) → that ladder's next tier; it uses
 *       up that ladder only;</li>
 *   <li>transient with no tier left → dead letter {@code RETRIES_EXHAUSTED}, keeping the last status and code; 429s
 *       never use up the ladder (found by the chaos run: retries of a batch that come back together after a
 *       429 can meet the next burst together, again and again, and were dead-lettered for it).</li>
 * </ul>
 */
public final class OutcomeRouter {
    public static final String RETRIES_EXHAUSTED = "RETRIES_EXHAUSTED";
    /** The longest a 429 is waited for: a Reset further away is implausible, and would pause its tier's partition for as long. */
    public static final Duration MAX_RATE_LIMIT_WAIT = Duration.ofHours(1);
    /** The code of a command that waits for an earlier one of its invoice (per-invoice order). */
    public static final String WAITING = "WAITING_FOR_EARLIER";
    /** How long past an earlier command's due time a waiting one comes back: time for the earlier one's call. */
    static final Duration WAIT_MARGIN = Duration.ofSeconds(2);

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

    /** A first decision of its kind: no 429s and no failures on codes' own ladders before it. */
    public Decision route(Outcome outcome, int attempt) {
        return route(outcome, attempt, 0, CodeRetries.NONE);
    }

    /**
     * @param attempt     the API attempt that came to {@code outcome} (1 for the first)
     * @param rateLimited how many of the earlier attempts were answered 429: they do not use up the ladder,
     *                    since being told to slow down says nothing of the command
     * @param codeRetries the earlier failures on codes' own ladders: each uses up its code's ladder only
     */
    public Decision route(Outcome outcome, int attempt, int rateLimited, CodeRetries codeRetries) {
        int failures = attempt - rateLimited - codeRetries.total(); // below 1 only from forged headers: exhausted
        return switch (outcome) {
            case Outcome.Succeeded s -> new Decision.Complete(s.status(), s.resourceId(), s.body());
            case Outcome.Rejected r -> new Decision.DeadLetter(r.status(), r.code(), r.message());
            case Outcome.Halt h -> new Decision.Halt(h.status(), h.code(), h.message());
            case Outcome.Transient t
            when t.notBefore() != null -> retryNoSoonerThan(t, attempt, rateLimited, codeRetries);
            case Outcome.Transient t
            when ladder.hasOwnLadder(t.code()) -> onOwnLadder(t, attempt, rateLimited, codeRetries);
            case Outcome.Transient t when ladder.afterAttempt(failures).isEmpty() -> exhausted(t, attempt);
            case Outcome.Transient t ->
                retry(t, ladder.afterAttempt(failures).orElseThrow(), attempt, rateLimited, codeRetries);
        };
    }

    /** A code with a ladder of its own climbs it, and is dead-lettered past its last tier. */
    private Decision onOwnLadder(Outcome.Transient failure, int attempt, int rateLimited, CodeRetries codeRetries) {
        CodeRetries next = codeRetries.plusOne(failure.code());
        return ladder.afterFailure(failure.code(), next.of(failure.code()))
                .<Decision>map(tier -> retry(failure, tier, attempt, rateLimited, next))
                .orElseGet(() -> exhausted(failure, attempt));
    }

    private static Decision exhausted(Outcome.Transient failure, int attempt) {
        return new Decision.DeadLetter(
                failure.status(),
                RETRIES_EXHAUSTED,
                "gave up after " + attempt + " attempts; last: " + failure.code()
                        + (failure.message() == null ? "" : " " + failure.message()));
    }

    private Decision retry(
            Outcome.Transient failure, RetryLadder.Tier tier, int attempt, int rateLimited, CodeRetries codeRetries) {
        Instant due = clock.instant().plus(withJitter(tier.delay()));
        return new Decision.Retry(
                tier,
                due,
                attempt + 1,
                rateLimited,
                codeRetries,
                null,
                failure.status(),
                failure.code(),
                failure.message());
    }

    /**
     * A 429: retried no sooner than the API said, and no sooner than the shortest tier's delay, on the tier whose delay
     * covers the wait; the ladder is not used up.
     */
    private Decision retryNoSoonerThan(
            Outcome.Transient failure, int attempt, int rateLimited, CodeRetries codeRetries) {
        Instant now = clock.instant();
        Instant notBefore =
                Objects.requireNonNull(failure.notBefore(), "route() sends here only a failure with a notBefore");
        Duration wait = !notBefore.isAfter(now)
                ? Duration.ZERO
                : notBefore.isAfter(now.plus(MAX_RATE_LIMIT_WAIT))
                        ? MAX_RATE_LIMIT_WAIT
                        : Duration.between(now, notBefore);
        // never at once: a 429 whose reset has passed, is 0 or cannot be read would otherwise be called again as soon
        // as
        // its retry is read, and again, without end (429s do not use up the ladder)
        Duration shortest = ladder.forWait(Duration.ZERO).delay();
        if (wait.compareTo(shortest) < 0) wait = shortest;
        Instant due = now.plus(withJitter(wait));
        return new Decision.Retry(
                ladder.forWait(wait),
                due,
                attempt + 1,
                rateLimited + 1,
                codeRetries,
                null,
                failure.status(),
                failure.code(),
                failure.message());
    }

    /**
     * Waits, without using up an attempt, for an earlier command for the same invoice that is RETRYING: until just after
     * it is due, held in a tier no longer than its delay (the longest that fits the wait, else the shortest); a command
     * that comes back before the earlier one is final waits again.
     */
    public Decision waitFor(
            String earlierRequestId,
            @Nullable Instant earlierDueAt,
            int attempt,
            int rateLimited,
            CodeRetries codeRetries) {
        Instant now = clock.instant();
        Duration wait = (earlierDueAt == null || !earlierDueAt.isAfter(now)
                        ? Duration.ZERO
                        : Duration.between(now, earlierDueAt))
                .plus(WAIT_MARGIN);
        RetryLadder.Tier tier = ladder.notLongerThan(wait);
        Duration held = wait.compareTo(tier.delay()) > 0 ? tier.delay() : wait;
        return new Decision.Retry(
                tier,
                now.plus(held),
                attempt,
                rateLimited,
                codeRetries,
                earlierRequestId,
                0,
                WAITING,
                "waits for " + earlierRequestId + ", an earlier command for the same invoice that is being retried");
    }

    private Duration withJitter(Duration delay) {
        return delay.plusNanos((long) (delay.toNanos() * jitter * random.getAsDouble()));
    }
}
