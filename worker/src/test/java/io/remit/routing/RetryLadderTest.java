package io.remit.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The retry tiers: one topic per delay, named by the delay, one tier per failed attempt. */
class RetryLadderTest {
    private static final TopicsProperties TOPICS =
            new TopicsProperties("remit.commands", "remit.commands.dlq", 12, (short) 1);
    private static final RetryLadder LADDER =
            ladder(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));

    @ParameterizedTest
    @CsvSource({
        "PT1S,     1s",
        "PT0.5S,   500ms",
        "PT1.5S,   1500ms",
        "PT90S,    90s",
        "PT2M,     2m",
        "PT60S,    1m",
        "PT90M,    90m",
        "PT1H,     1h",
        "PT3600S,  1h",
        "PT24H,    24h"
    })
    void namesATierAndItsTopicByItsDelay(Duration delay, String name) {
        RetryLadder.Tier tier = ladder(delay).tiers().getFirst();

        assertThat(tier.name()).isEqualTo(name);
        assertThat(tier.topic()).isEqualTo("remit.commands.retry." + name);
        assertThat(tier.delay()).isEqualTo(delay);
    }

    @Test
    void keepsTheTiersInTheOrderConfigured() {
        assertThat(LADDER.tiers())
                .extracting(RetryLadder.Tier::index, RetryLadder.Tier::topic)
                .containsExactly(
                        tuple(0, "remit.commands.retry.1s"),
                        tuple(1, "remit.commands.retry.2s"),
                        tuple(2, "remit.commands.retry.4s"));
    }

    @ParameterizedTest
    @CsvSource(
            nullValues = "none",
            value = {
                "-1, none",
                "0,  none",
                "1,  remit.commands.retry.1s",
                "2,  remit.commands.retry.2s",
                "3,  remit.commands.retry.4s",
                "4,  none",
                "99, none"
            })
    void givesTheNthFailedAttemptTheNthTier(int failedAttempt, String topic) {
        assertThat(LADDER.afterAttempt(failedAttempt)
                        .map(RetryLadder.Tier::topic)
                        .orElse(null))
                .isEqualTo(topic);
    }

    @Test
    void allowsTheFirstAttemptAndOnePerTier() {
        assertThat(LADDER.maxAttempts()).isEqualTo(4);
        assertThat(ladder(Duration.ofMillis(300)).maxAttempts()).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource({
        "PT0S,    remit.commands.retry.1s",
        "PT0.2S,  remit.commands.retry.1s",
        "PT1S,    remit.commands.retry.1s",
        "PT1.001S, remit.commands.retry.2s",
        "PT3S,    remit.commands.retry.4s",
        "PT4S,    remit.commands.retry.4s",
        "PT60S,   remit.commands.retry.4s"
    })
    void putsAWaitOnTheShortestTierThatCoversIt(Duration wait, String topic) {
        assertThat(LADDER.forWait(wait).topic()).isEqualTo(topic);
    }

    @ParameterizedTest
    @CsvSource(
            nullValues = "none",
            value = {
                "remit.commands.retry.2s, 1",
                "remit.commands.retry.8s, none",
                "remit.commands,          none",
                "remit.commands.dlq,      none"
            })
    void findsATierByItsTopic(String topic, Integer index) {
        assertThat(LADDER.byTopic(topic).map(RetryLadder.Tier::index).orElse(null))
                .isEqualTo(index);
    }

    private static RetryLadder ladder(Duration... delays) {
        return new RetryLadder(TOPICS, new RetryProperties(List.of(delays), 0.1, Map.of()));
    }
}
