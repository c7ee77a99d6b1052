package io.remit.peer;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The peer's settings ({@code peer.*}).
 *
 * @param bootstrapServers the Kafka brokers
 * @param topic            the commands topic
 * @param deadLetterTopic  where refusals, unreadable commands and exhausted retries go; {@code <topic>.dlq} when absent
 * @param group            the consumer group
 * @param partitions       partitions of the dead-letter topic when the peer creates it
 * @param mode             how it commits
 * @param maxConcurrency   Parallel Consumer's {@code maxConcurrency}: records in flight at once
 * @param apiBaseUrl       the payments API
 * @param apiKey           its key
 * @param apiSecret        its secret
 * @param apiTimeout       connect and request timeout of one call
 */
@ConfigurationProperties("peer")
public record PeerProperties(
        String bootstrapServers,
        String topic,
        String deadLetterTopic,
        @DefaultValue("peer") String group,
        @DefaultValue("12") int partitions,
        @DefaultValue("TRANSACTIONAL") PeerMode mode,
        @DefaultValue("256") int maxConcurrency,
        URI apiBaseUrl,
        String apiKey,
        String apiSecret,
        @DefaultValue("10s") Duration apiTimeout) {

    String deadLetters() {
        return deadLetterTopic == null || deadLetterTopic.isBlank() ? topic + ".dlq" : deadLetterTopic;
    }

    @Override
    public String toString() {
        return "PeerProperties[topic=" + topic + ", group=" + group + ", mode=" + mode + ", maxConcurrency="
                + maxConcurrency + ", apiBaseUrl=" + apiBaseUrl + "]";
    }
}
