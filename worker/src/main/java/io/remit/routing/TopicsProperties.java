package io.remit.routing;

import io.remit.InvalidConfigurationException;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The topics remit reads and writes ({@code remit.topics.*}). At start-up remit creates those that
 * are absent, or, with {@code create=false}, only checks that they exist. Retry topics share the
 * commands topic's partition count, so a key keeps its partition number.
 *
 * @param commands             the input topic; retry topics are {@code <commands>.retry.<delay>}
 * @param deadLetter           the dead-letter topic
 * @param partitions           partitions of the topics remit creates
 * @param replicationFactor    replicas of the topics remit creates
 * @param create               whether remit creates its missing topics (it needs the Kafka CREATE right);
 *                             when false it only checks that they exist and stops if one is missing
 * @param outcomes             the topic of outcome events: one record per final decision (SUCCEEDED or DEAD_LETTERED),
 *                             key = requestId, JSON value (config/outcome.schema.json)
 * @param outcomeEvents        whether outcome events are produced
 * @param deadLetterRetention  {@code retention.ms} of the dead-letter topic when remit creates it: dead letters
 *                             wait for a human, so they are kept longer than the broker's default (7 days)
 */
@ConfigurationProperties("remit.topics")
public record TopicsProperties(
        @DefaultValue("remit.commands") String commands,
        @DefaultValue("remit.commands.dlq") String deadLetter,
        @DefaultValue("12") int partitions,
        @DefaultValue("1") short replicationFactor,
        @DefaultValue("true") boolean create,
        @DefaultValue("30d") Duration deadLetterRetention,
        @DefaultValue("remit.outcomes") String outcomes,
        @DefaultValue("true") boolean outcomeEvents) {

    public static final Duration DEFAULT_DEAD_LETTER_RETENTION = Duration.ofDays(30);

    @ConstructorBinding
    public TopicsProperties {
        if (commands.isBlank() || deadLetter.isBlank())
            throw new InvalidConfigurationException("remit.topics names must not be blank");
        if (outcomeEvents && (outcomes == null || outcomes.isBlank())) {
            throw new InvalidConfigurationException(
                    "remit.topics.outcomes must name a topic (or set remit.topics.outcome-events=false)");
        }
        if (outcomes != null
                && (outcomes.equals(commands)
                        || outcomes.equals(deadLetter)
                        || outcomes.startsWith(commands + ".retry."))) {
            throw new InvalidConfigurationException(
                    "remit.topics.outcomes must not be remit's commands, retry or dead-letter topic");
        }
        if (commands.equals(deadLetter))
            throw new InvalidConfigurationException(
                    "remit.topics.commands and remit.topics.dead-letter are the same topic");
        if (partitions < 1 || replicationFactor < 1)
            throw new InvalidConfigurationException("remit.topics partitions and replication-factor must be positive");
        if (deadLetterRetention == null || deadLetterRetention.isNegative() || deadLetterRetention.isZero()) {
            throw new InvalidConfigurationException("remit.topics.dead-letter-retention must be positive");
        }
    }

    /** Topics remit creates when absent, the dead-letter topic kept {@link #DEFAULT_DEAD_LETTER_RETENTION}. */
    public TopicsProperties(String commands, String deadLetter, int partitions, short replicationFactor) {
        this(
                commands,
                deadLetter,
                partitions,
                replicationFactor,
                true,
                DEFAULT_DEAD_LETTER_RETENTION,
                "remit.outcomes",
                true);
    }
}
