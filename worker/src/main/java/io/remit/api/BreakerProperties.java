package io.remit.api;

import io.remit.InvalidConfigurationException;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The outage breaker ({@code remit.breaker.*}): when the API is down, intake pauses instead of pushing every
 * command through the retry ladder into the dead-letter topic.
 *
 * @param enabled              whether the breaker is used
 * @param failureRateThreshold percentage of transient failures (5xx, timeouts, connection errors; not 429) that opens it
 * @param minimumCalls         calls within the window before the rate counts
 * @param window               the sliding window of calls considered
 * @param openFor              how long intake stays paused before a few calls try the API again
 * @param halfOpenCalls        how many calls try it; their success closes the breaker, their failure re-opens it
 */
@ConfigurationProperties("remit.breaker")
public record BreakerProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("50") float failureRateThreshold,
        @DefaultValue("20") int minimumCalls,
        @DefaultValue("30s") Duration window,
        @DefaultValue("30s") Duration openFor,
        @DefaultValue("5") int halfOpenCalls) {

    public BreakerProperties {
        if (failureRateThreshold <= 0 || failureRateThreshold > 100) {
            throw new InvalidConfigurationException("remit.breaker.failure-rate-threshold must be in (0, 100]");
        }
        if (minimumCalls < 1 || halfOpenCalls < 1) {
            throw new InvalidConfigurationException(
                    "remit.breaker.minimum-calls and half-open-calls must be at least 1");
        }
        if (window.toSeconds() < 1 || openFor.isNegative() || openFor.isZero()) {
            throw new InvalidConfigurationException("remit.breaker.window must be at least 1s and open-for positive");
        }
    }
}
