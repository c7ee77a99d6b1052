package io.remit.routing;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.remit.config.InvalidConfigurationException;

/**
 * The topics remit reads and writes ({@code remit.topics.*}); created at start-up if absent.
 * Retry topics share the commands topic's partition count, so a key keeps its partition number.
 */
@ConfigurationProperties("remit.topics")
public record TopicsProperties(
        @DefaultValue("remit.commands") String commands,
        @DefaultValue("remit.commands.dlq") String deadLetter,
        @DefaultValue("12") int partitions,
        @DefaultValue("1") short replicationFactor) {

    public TopicsProperties {
        if (commands.isBlank() || deadLetter.isBlank()) throw new InvalidConfigurationException("remit.topics names must not be blank");
        if (commands.equals(deadLetter)) throw new InvalidConfigurationException("remit.topics.commands and remit.topics.dead-letter are the same topic");
        if (partitions < 1 || replicationFactor < 1) throw new InvalidConfigurationException("remit.topics partitions and replication-factor must be positive");
    }
}
