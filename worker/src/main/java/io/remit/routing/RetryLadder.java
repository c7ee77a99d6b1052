package io.remit.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The delayed-retry topics, one per delay, named {@code <commands>.retry.<delay>} (e.g.
 * {@code remit.commands.retry.4s}). The default ladder ({@code remit.retry.delays}) gives the first
 * transient failure its first tier, the n-th its n-th; a code with a ladder of its own
 * ({@code remit.retry.codes.INSUFFICIENT_BALANCE: 1h,2h,4h}) climbs that one instead. Ladders that share
 * a delay share its topic: a tier is only a place to wait. There is no tier past a ladder's last.
 */
public final class RetryLadder {
    /** One rung: its position among all tiers, delay, short name ({@code 4s}) and topic. */
    public record Tier(int index, Duration delay, String name, String topic) {}

    private final List<Tier> tiers;
    private final List<Tier> defaultLadder;
    private final Map<String, List<Tier>> codeLadders;
    private final Tier longest;
    private final String topicPrefix;

    public RetryLadder(TopicsProperties topics, RetryProperties retry) {
        this.topicPrefix = topics.commands() + ".retry.";
        Map<Duration, Tier> byDelay = new LinkedHashMap<>();
        this.defaultLadder = ladder(retry.delays(), byDelay);
        Map<String, List<Tier>> own = new LinkedHashMap<>();
        retry.codeLadders().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> own.put(e.getKey(), ladder(e.getValue(), byDelay)));
        this.codeLadders = Map.copyOf(own);
        this.tiers = List.copyOf(byDelay.values());
        this.longest = tiers.stream().max(Comparator.comparing(Tier::delay)).orElseThrow();
    }

    private List<Tier> ladder(List<Duration> delays, Map<Duration, Tier> byDelay) {
        List<Tier> ladder = new ArrayList<>();
        for (Duration delay : delays) {
            ladder.add(byDelay.computeIfAbsent(
                    delay, d -> new Tier(byDelay.size(), d, shortName(d), topicPrefix + shortName(d))));
        }
        return List.copyOf(ladder);
    }

    /**
     * Whether a topic holds delayed retries: any {@code <commands>.retry.*}, also of a delay no
     * longer configured, so that records left there when the ladder changes are still read.
     */
    public boolean isRetryTopic(String topic) {
        return topic.startsWith(topicPrefix);
    }

    /** Every topic remit consumes: the commands topic and all its retry topics, present and past. */
    public Pattern consumedTopics() {
        String commands = topicPrefix.substring(0, topicPrefix.length() - ".retry.".length());
        return Pattern.compile(Pattern.quote(commands) + "|" + Pattern.quote(topicPrefix) + ".+");
    }

    /** The default ladder's tier for a command whose {@code failedAttempt}-th attempt (1-based) failed, if any is left. */
    public Optional<Tier> afterAttempt(int failedAttempt) {
        return rung(defaultLadder, failedAttempt);
    }

    /** Whether the API's error code climbs a ladder of its own. */
    public boolean hasOwnLadder(String code) {
        return code != null && codeLadders.containsKey(code);
    }

    /** The tier of {@code code}'s own ladder for its {@code failure}-th failure with that code (1-based), if any is left. */
    public Optional<Tier> afterFailure(String code, int failure) {
        return rung(codeLadders.getOrDefault(code, List.of()), failure);
    }

    private static Optional<Tier> rung(List<Tier> ladder, int failure) {
        return failure >= 1 && failure <= ladder.size() ? Optional.of(ladder.get(failure - 1)) : Optional.empty();
    }

    /** The shortest tier whose delay covers {@code wait}, else the longest: records in a tier wait alike. */
    public Tier forWait(Duration wait) {
        return tiers.stream()
                .filter(t -> t.delay().compareTo(wait) >= 0)
                .min(Comparator.comparing(Tier::delay))
                .orElse(longest);
    }

    /**
     * The longest tier whose delay is no longer than {@code wait}, else the shortest: a record held there no longer than
     * the tier's delay never waits behind records due much later (a tier's partition is read in order).
     */
    public Tier notLongerThan(Duration wait) {
        return tiers.stream()
                .filter(t -> t.delay().compareTo(wait) <= 0)
                .max(Comparator.comparing(Tier::delay))
                .orElseGet(() ->
                        tiers.stream().min(Comparator.comparing(Tier::delay)).orElseThrow());
    }

    /** The tier with the longest delay: the only one a record may wait in for longer than its delay (a 429's hour, a long wait). */
    public Tier longest() {
        return longest;
    }

    public Optional<Tier> byTopic(@Nullable String topic) {
        return tiers.stream().filter(t -> t.topic().equals(topic)).findFirst();
    }

    /** Every tier, each once: the default ladder's in the order configured, then those only codes' own ladders use. */
    public List<Tier> tiers() {
        return tiers;
    }

    /** The most attempts a command gets on the default ladder: the first one and one per tier. */
    public int maxAttempts() {
        return defaultLadder.size() + 1;
    }

    static String shortName(Duration delay) {
        long ms = delay.toMillis();
        if (ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0) return ms / 60_000 + "m";
        if (ms % 1_000 == 0) return ms / 1_000 + "s";
        return ms + "ms";
    }
}
