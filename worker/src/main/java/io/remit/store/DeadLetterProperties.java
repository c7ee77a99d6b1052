package io.remit.store;

import io.remit.InvalidConfigurationException;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long dead letters are kept in PostgreSQL ({@code remit.dead-letters.*}), whatever the
 * dead-letter topic's own retention. Redrive audit rows are kept.
 *
 * @param retention       a dead letter older than this is deleted
 * @param cleanupInterval how often expired dead letters are deleted
 */
@ConfigurationProperties("remit.dead-letters")
public record DeadLetterProperties(
        @DefaultValue("30d") Duration retention,
        @DefaultValue("1h") Duration cleanupInterval) {

    public DeadLetterProperties {
        if (retention.isNegative() || retention.isZero())
            throw new InvalidConfigurationException("remit.dead-letters.retention must be positive");
        if (cleanupInterval.isNegative() || cleanupInterval.isZero()) {
            throw new InvalidConfigurationException("remit.dead-letters.cleanup-interval must be positive");
        }
    }
}
