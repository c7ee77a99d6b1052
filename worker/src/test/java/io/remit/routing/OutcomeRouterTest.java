package io.remit.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import io.remit.api.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Where each outcome sends a command, with a fixed clock and fixed randomness: the routing table, no Kafka. */
class OutcomeRouterTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final RetryLadder LADDER = new RetryLadder(
            new TopicsProperties("c", "c.dlq", 3, (short) 1),
            new RetryProperties(
                    List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)), 0.1, Map.of()));

    static Stream<Arguments> finalOutcomes() {
        return Stream.of(
                argumentSet(
                        "a success completes",
                        new Outcome.Succeeded(201, "inv_1"),
                        new Decision.Complete(201, "inv_1")),
                argumentSet(
                        "a replayed success completes",
                        new Outcome.Succeeded(200, null),
                        new Decision.Complete(200, null)),
                argumentSet(
                        "a rejection is dead-lettered with its status and code",
                        new Outcome.Rejected(409, "INSUFFICIENT_BALANCE", "not enough funds"),
                        new Decision.DeadLetter(409, "INSUFFICIENT_BALANCE", "not enough funds")),
                argumentSet(
                        "a halt halts",
                        new Outcome.Halt(401, "INVALID_API_KEY", "unknown key"),
                        new Decision.Halt(401, "INVALID_API_KEY", "unknown key")));
    }

    @ParameterizedTest
    @MethodSource("finalOutcomes")
    void routesOutcomesThatAreNeverRetried(Outcome outcome, Decision expected) {
        for (int attempt = 1; attempt <= LADDER.maxAttempts() + 1; attempt++) {
            assertThat(router(0.5).route(outcome, attempt))
                    .as("attempt %d", attempt)
                    .isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "1, 0.0, c.retry.1s, 1000",
        "1, 0.5, c.retry.1s, 1050",
        "1, 1.0, c.retry.1s, 1100",
        "2, 0.5, c.retry.2s, 2100",
        "2, 1.0, c.retry.2s, 2200",
        "3, 0.5, c.retry.4s, 4200",
        "3, 1.0, c.retry.4s, 4400"
    })
    void retriesATransientFailureOnTheTierOfItsAttemptWithJitter(
            int attempt, double random, String topic, long dueAfterMillis) {
        Decision decision =
                router(random).route(new Outcome.Transient(503, "SERVICE_UNAVAILABLE", "busy", null), attempt);

        assertThat(decision).isInstanceOfSatisfying(Decision.Retry.class, retry -> {
            assertThat(retry.tier().topic()).isEqualTo(topic);
            assertThat(retry.dueAt()).isEqualTo(NOW.plusMillis(dueAfterMillis));
            assertThat(retry.nextAttempt()).isEqualTo(attempt + 1);
            assertThat(retry)
                    .extracting(Decision.Retry::status, Decision.Retry::code, Decision.Retry::message)
                    .containsExactly(503, "SERVICE_UNAVAILABLE", "busy");
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5, 100})
    void deadLettersATransientFailureOnceTheLadderIsExhausted(int attempt) {
        Decision decision =
                router(0.5).route(new Outcome.Transient(504, "GATEWAY_TIMEOUT", "upstream slow", null), attempt);

        assertThat(decision).isInstanceOfSatisfying(Decision.DeadLetter.class, deadLetter -> {
            assertThat(deadLetter.status()).isEqualTo(504);
            assertThat(deadLetter.code()).isEqualTo(OutcomeRouter.RETRIES_EXHAUSTED);
            assertThat(deadLetter.message()).contains(Integer.toString(attempt), "GATEWAY_TIMEOUT", "upstream slow");
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 7})
    void retriesARateLimitedCommandEvenPastTheLaddersLength(int attempt) {
        Decision decision =
                router(0.5).route(new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", null, NOW.plusSeconds(5)), attempt);

        assertThat(decision)
                .isInstanceOfSatisfying(
                        Decision.Retry.class, retry -> assertThat(retry.dueAt()).isAfterOrEqualTo(NOW.plusSeconds(5)));
    }

    @ParameterizedTest
    @CsvSource({
        "1, 1000,  1.0, c.retry.1s",
        "1, 1001,  0.0, c.retry.2s",
        "1, 3000,  0.5, c.retry.4s",
        "3, 3000,  1.0, c.retry.4s",
        "2, 4000,  0.0, c.retry.4s",
        "1, 60000, 0.5, c.retry.4s",
        "3, 60000, 1.0, c.retry.4s"
    })
    void waitsForTheRateLimitResetOnTheShortestTierThatCoversIt(
            int attempt, long waitMillis, double random, String topic) {
        Instant notBefore = NOW.plusMillis(waitMillis);

        Decision decision =
                router(random).route(new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", null, notBefore), attempt);

        assertThat(decision).isInstanceOfSatisfying(Decision.Retry.class, retry -> {
            assertThat(retry.tier().topic()).isEqualTo(topic);
            assertThat(retry.dueAt())
                    .isAfterOrEqualTo(notBefore)
                    .isEqualTo(NOW.plusMillis(Math.round(waitMillis * (1 + 0.1 * random))));
            assertThat(retry.nextAttempt()).isEqualTo(attempt + 1);
            assertThat(retry.status()).isEqualTo(429);
        });
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 3600})
    void waitsTheShortestTiersDelayWhenTheRateLimitResetHasPassedOrIsNow(long secondsAgo) {
        Decision decision = router(1.0)
                .route(new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", null, NOW.minusSeconds(secondsAgo)), 1);

        assertThat(decision).isInstanceOfSatisfying(Decision.Retry.class, retry -> {
            RetryLadder.Tier shortest = LADDER.tiers().getFirst();
            assertThat(retry.tier()).isEqualTo(shortest);
            // not at once: a 429 that says "now" again and again would be called again without end
            assertThat(retry.dueAt())
                    .isAfterOrEqualTo(NOW.plus(shortest.delay()))
                    .isBeforeOrEqualTo(
                            NOW.plus(shortest.delay().multipliedBy(11).dividedBy(10)));
        });
    }

    @Test
    void boundsTheWaitOfAnImplausibleRateLimitReset() {
        Instant millisecondsReadAsSeconds =
                Instant.ofEpochSecond(NOW.plusSeconds(5).toEpochMilli());

        Decision decision = router(0.5)
                .route(new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", null, millisecondsReadAsSeconds), 1);

        assertThat(decision)
                .isInstanceOfSatisfying(
                        Decision.Retry.class,
                        retry -> assertThat(retry.dueAt()).isBefore(NOW.plus(Duration.ofDays(1))));
    }

    @Test
    void neverUsesUpTheLadderOnRateLimits() {
        Outcome.Transient tooMany = new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", null, NOW.plusSeconds(1));

        Decision decision = router(0.5).route(tooMany, 40, 39, CodeRetries.NONE);

        assertThat(decision).isInstanceOfSatisfying(Decision.Retry.class, retry -> {
            assertThat(retry.nextAttempt()).isEqualTo(41);
            assertThat(retry.rateLimited()).isEqualTo(40);
            assertThat(retry.dueAt()).isAfterOrEqualTo(NOW.plusSeconds(1));
        });
    }

    @Test
    void countsOnlyFailuresOtherThanRateLimitsAgainstTheLadder() {
        Outcome.Transient unavailable = new Outcome.Transient(503, "SERVICE_UNAVAILABLE", null, null);

        assertThat(router(0.5).route(unavailable, 5, 2, CodeRetries.NONE))
                .isInstanceOfSatisfying(
                        Decision.Retry.class,
                        retry -> assertThat(retry.tier())
                                .isEqualTo(LADDER.tiers().get(2)));
        assertThat(router(0.5).route(unavailable, 6, 2, CodeRetries.NONE))
                .isInstanceOfSatisfying(
                        Decision.DeadLetter.class,
                        dead -> assertThat(dead.code()).isEqualTo(OutcomeRouter.RETRIES_EXHAUSTED));
    }

    private static OutcomeRouter router(double random) {
        return new OutcomeRouter(LADDER, 0.1, Clock.fixed(NOW, ZoneOffset.UTC), () -> random);
    }
}
