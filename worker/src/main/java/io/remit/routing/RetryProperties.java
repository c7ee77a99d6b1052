package io.remit.routing;

import io.remit.InvalidConfigurationException;
import io.remit.api.CodeAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationStyle;

/**
 * The retry ladder ({@code remit.retry.*}): one delayed-retry topic per delay, tried in order;
 * past the last, a command is dead-lettered as {@code RETRIES_EXHAUSTED}.
 *
 * @param delays the ladder, e.g. {@code 1s,2s,4s,8s,16s,30s}
 * @param jitter the most added at random to a delay, as a fraction of it
 * @param codes  per API error code: {@code retry} (the default ladder), {@code dead-letter}, or a ladder of its own
 *               ({@code 1h,2h,4h,8h,24h}), overriding what the status would mean. A code with its own ladder is
 *               retried on it, whatever its status, and uses up that ladder only: e.g. {@code INSUFFICIENT_BALANCE},
 *               a 422 that heals when money arrives, hours later
 */
@ConfigurationProperties("remit.retry")
public record RetryProperties(
        @DefaultValue({"1s", "2s", "4s", "8s", "16s", "30s"})
        List<Duration> delays,

        @DefaultValue("0.1") double jitter,
        Map<String, List<String>> codes) {

    public RetryProperties {
        checkLadder("remit.retry.delays", delays);
        if (jitter < 0 || jitter > 1)
            throw new InvalidConfigurationException("remit.retry.jitter must be between 0 and 1");
        codes = codes == null ? Map.of() : Map.copyOf(codes);
        codeActions(codes); // fails fast on a value that is none of the three
    }

    /** What each configured code is made to mean: a code with its own ladder is retried. */
    public Map<String, CodeAction> codeActions() {
        return codeActions(codes);
    }

    /** The codes that have a ladder of their own, and their delays. */
    public Map<String, List<Duration>> codeLadders() {
        Map<String, List<Duration>> ladders = new LinkedHashMap<>();
        codes.forEach((code, value) -> {
            if (action(value) == null) ladders.put(code, delaysOf(code, value));
        });
        return ladders;
    }

    private static Map<String, CodeAction> codeActions(Map<String, List<String>> codes) {
        Map<String, CodeAction> actions = new LinkedHashMap<>();
        codes.forEach((code, value) -> {
            CodeAction action = action(value);
            if (action == null) delaysOf(code, value); // validates the ladder
            actions.put(code, action == null ? CodeAction.RETRY : action);
        });
        return actions;
    }

    /** {@code retry} or {@code dead-letter}; null for a ladder. */
    private static @Nullable CodeAction action(List<String> value) {
        if (value == null || value.size() != 1) return null;
        return switch (value.getFirst().trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "retry" -> CodeAction.RETRY;
            case "dead-letter", "deadletter" -> CodeAction.DEAD_LETTER;
            default -> null;
        };
    }

    private static List<Duration> delaysOf(String code, List<String> value) {
        String name = "remit.retry.codes." + code;
        List<Duration> delays = new ArrayList<>();
        for (String text : value == null ? List.<String>of() : value) {
            try {
                delays.add(DurationStyle.detectAndParse(text.trim()));
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException(
                        name + " must be retry, dead-letter or a ladder of delays (1h,2h,4h): " + value);
            }
        }
        checkLadder(name, delays);
        return List.copyOf(delays);
    }

    private static void checkLadder(String name, List<Duration> delays) {
        if (delays == null || delays.isEmpty())
            throw new InvalidConfigurationException(name + " must list at least one delay");
        for (Duration delay : delays) {
            if (delay.isNegative() || delay.isZero())
                throw new InvalidConfigurationException(name + " must be positive: " + delay);
        }
        if (delays.stream().distinct().count() != delays.size()) {
            throw new InvalidConfigurationException(name + " must not repeat a delay (one topic per delay): " + delays);
        }
    }
}
