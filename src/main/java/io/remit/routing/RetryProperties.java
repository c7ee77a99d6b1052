package io.remit.routing;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.remit.config.InvalidConfigurationException;

/**
 * The retry ladder ({@code remit.retry.*}): one delayed-retry topic per delay, tried in order;
 * past the last, a command is dead-lettered as {@code RETRIES_EXHAUSTED}.
 *
 * @param delays the ladder, e.g. {@code 1s,2s,4s,8s,16s,30s}
 * @param jitter the most added at random to a delay, as a fraction of it
 * @param codes  per API error code: {@code retry} or {@code dead-letter}, overriding the status's default
 */
@ConfigurationProperties("remit.retry")
public record RetryProperties(
        @DefaultValue({"1s", "2s", "4s", "8s", "16s", "30s"}) List<Duration> delays,
        @DefaultValue("0.1") double jitter,
        Map<String, CodeAction> codes) {

    /** What an error code is made to mean, whatever its status says. */
    public enum CodeAction {
        /** Retried on the ladder like a 5xx. */
        RETRY,
        /** Dead-lettered at once like a 4xx. */
        DEAD_LETTER
    }

    public RetryProperties {
        if (delays == null || delays.isEmpty()) throw new InvalidConfigurationException("remit.retry.delays must list at least one delay");
        for (Duration delay : delays) {
            if (delay.isNegative() || delay.isZero()) throw new InvalidConfigurationException("remit.retry.delays must be positive: " + delay);
        }
        if (delays.stream().distinct().count() != delays.size()) {
            throw new InvalidConfigurationException("remit.retry.delays must not repeat a delay (one topic per delay): " + delays);
        }
        if (jitter < 0 || jitter > 1) throw new InvalidConfigurationException("remit.retry.jitter must be between 0 and 1");
        codes = codes == null ? Map.of() : Map.copyOf(codes);
    }
}
