package io.remit.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.remit.InvalidConfigurationException;
import io.remit.api.CodeAction;
import io.remit.api.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-code ladders: a code with a ladder of its own climbs it, shares tiers by delay, and uses up no other ladder. */
class CodeLaddersTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final TopicsProperties TOPICS = new TopicsProperties("c", "c.dlq", 3, (short) 1);
    private static final RetryProperties RETRY = new RetryProperties(
            List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)),
            0.1,
            Map.of(
                    "INSUFFICIENT_BALANCE",
                    List.of("2s", "1h", "4h"),
                    "PAYMENT_FAILED",
                    List.of("dead-letter"),
                    "INVOICE_LOCKED",
                    List.of("retry")));
    private static final RetryLadder LADDER = new RetryLadder(TOPICS, RETRY);
    private static final Outcome.Transient BROKE =
            new Outcome.Transient(409, "INSUFFICIENT_BALANCE", "not enough funds", null);
    private static final Outcome.Transient BUSY = new Outcome.Transient(503, "SERVICE_UNAVAILABLE", null, null);

    @Test
    void readsRetryDeadLetterAndLadders() {
        assertThat(RETRY.codeActions())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "INSUFFICIENT_BALANCE", CodeAction.RETRY,
                        "PAYMENT_FAILED", CodeAction.DEAD_LETTER,
                        "INVOICE_LOCKED", CodeAction.RETRY));
        assertThat(RETRY.codeLadders()).containsOnlyKeys("INSUFFICIENT_BALANCE");
        assertThat(new RetryProperties(List.of(Duration.ofSeconds(1)), 0.1, Map.of("X", List.of("DEAD_LETTER")))
                        .codeActions())
                .containsEntry("X", CodeAction.DEAD_LETTER);
    }

    @Test
    void refusesAValueThatIsNeitherAnActionNorALadder() {
        assertThatThrownBy(() ->
                        new RetryProperties(List.of(Duration.ofSeconds(1)), 0.1, Map.of("X", List.of("sometimes"))))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("remit.retry.codes.X");
        assertThatThrownBy(() ->
                        new RetryProperties(List.of(Duration.ofSeconds(1)), 0.1, Map.of("X", List.of("1h", "1h"))))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("must not repeat");
        assertThatThrownBy(() -> new RetryProperties(List.of(Duration.ofSeconds(1)), 0.1, Map.of("X", List.of("0s"))))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("positive");
    }

    @Test
    void laddersShareTheTopicOfADelayAndEveryTierIsATopicOnce() {
        assertThat(LADDER.tiers())
                .extracting(RetryLadder.Tier::topic)
                .containsExactly("c.retry.1s", "c.retry.2s", "c.retry.1h", "c.retry.4h");
        assertThat(LADDER.afterFailure("INSUFFICIENT_BALANCE", 1)).isEqualTo(LADDER.afterAttempt(2));
        assertThat(LADDER.longest().topic()).isEqualTo("c.retry.4h");
        assertThat(LADDER.maxAttempts()).as("the default ladder's").isEqualTo(3);
    }

    @Test
    void aCodeClimbsItsOwnLadderWhateverItsStatus() {
        Decision first = router().route(BROKE, 1, 0, CodeRetries.NONE);
        assertThat(first).isInstanceOfSatisfying(Decision.Retry.class, retry -> {
            assertThat(retry.tier().topic()).isEqualTo("c.retry.2s");
            assertThat(retry.codeRetries().header()).isEqualTo("INSUFFICIENT_BALANCE=1");
            assertThat(retry.nextAttempt()).isEqualTo(2);
            assertThat(retry.status()).isEqualTo(409);
        });
        Decision second = router().route(BROKE, 2, 0, CodeRetries.parse("INSUFFICIENT_BALANCE=1"));
        assertThat(second).isInstanceOfSatisfying(Decision.Retry.class, retry -> {
            assertThat(retry.tier().topic()).isEqualTo("c.retry.1h");
            assertThat(retry.dueAt()).isEqualTo(NOW.plus(Duration.ofMinutes(63)));
        });
    }

    @Test
    void pastItsOwnLadderACodeIsDeadLetteredRetriesExhaustedKeepingTheCodeAndStatus() {
        Decision decision = router().route(BROKE, 4, 0, CodeRetries.parse("INSUFFICIENT_BALANCE=3"));

        assertThat(decision).isInstanceOfSatisfying(Decision.DeadLetter.class, dead -> {
            assertThat(dead.code()).isEqualTo(OutcomeRouter.RETRIES_EXHAUSTED);
            assertThat(dead.status()).isEqualTo(409);
            assertThat(dead.message())
                    .isEqualTo("gave up after 4 attempts; last: INSUFFICIENT_BALANCE not enough funds");
        });
    }

    @Test
    void failuresOnACodesOwnLadderDoNotUseUpTheDefaultOne() {
        // attempts 1-3 answered INSUFFICIENT_BALANCE, attempt 4 a 503: the first failure on the default ladder
        Decision decision = router().route(BUSY, 4, 0, CodeRetries.parse("INSUFFICIENT_BALANCE=3"));

        assertThat(decision).isInstanceOfSatisfying(Decision.Retry.class, retry -> {
            assertThat(retry.tier().topic()).isEqualTo("c.retry.1s");
            assertThat(retry.codeRetries().header()).as("carried along").isEqualTo("INSUFFICIENT_BALANCE=3");
        });
        assertThat(router().route(BUSY, 6, 0, CodeRetries.parse("INSUFFICIENT_BALANCE=3")))
                .isInstanceOf(Decision.DeadLetter.class);
    }

    @Test
    void aForgedCountExhaustsRatherThanLoops() {
        assertThat(router().route(BUSY, 2, 0, CodeRetries.parse("INSUFFICIENT_BALANCE=50")))
                .isInstanceOf(Decision.DeadLetter.class);
    }

    @Test
    void waitingForAnEarlierCommandUsesNoAttemptAndComesBackJustAfterItIsDue() {
        Decision decision = router().waitFor("approve-1", NOW.plusMillis(1500), 1, 0, CodeRetries.NONE);

        assertThat(decision).isInstanceOfSatisfying(Decision.Retry.class, retry -> {
            assertThat(retry.nextAttempt()).as("the attempt is not used up").isEqualTo(1);
            assertThat(retry.waitingFor()).isEqualTo("approve-1");
            assertThat(retry.code()).isEqualTo(OutcomeRouter.WAITING);
            assertThat(retry.tier().topic())
                    .as("the longest tier within 1.5 s and the margin, never one of an hour")
                    .isEqualTo("c.retry.2s");
            assertThat(retry.dueAt())
                    .as("no longer than the tier's delay: it waits again if need be")
                    .isEqualTo(NOW.plusSeconds(2));
        });
        Decision longWait = router().waitFor("approve-2", NOW.plus(Duration.ofDays(2)), 3, 1, CodeRetries.NONE);
        assertThat(longWait)
                .as("held no longer than the longest tier, then waited again")
                .isInstanceOfSatisfying(Decision.Retry.class, retry -> {
                    assertThat(retry.tier().topic()).isEqualTo("c.retry.4h");
                    assertThat(retry.dueAt()).isEqualTo(NOW.plus(Duration.ofHours(4)));
                    assertThat(retry.rateLimited()).isEqualTo(1);
                });
    }

    @Test
    void codeRetriesTravelAsAHeaderThatToleratesForgery() {
        assertThat(CodeRetries.parse("B=2,A=1").header()).isEqualTo("A=1,B=2");
        assertThat(CodeRetries.parse("A=1,,=3,B=x,C=-2,D=4").counts()).containsOnlyKeys("A", "D");
        assertThat(CodeRetries.parse("A=1".repeat(1) + ",B=1".repeat(40)).counts())
                .hasSizeLessThanOrEqualTo(CodeRetries.MAX_CODES);
        assertThat(CodeRetries.parse(null)).isEqualTo(CodeRetries.NONE);
        assertThat(CodeRetries.NONE.header()).isNull();
    }

    private static OutcomeRouter router() {
        return new OutcomeRouter(LADDER, 0.1, Clock.fixed(NOW, ZoneOffset.UTC), () -> 0.5);
    }
}
