package io.remit.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The delayed-retry topics, one per delay of {@code remit.retry.delays}, named
 * {@code <commands>.retry.<delay>} (e.g. {@code remit.commands.retry.4s}). The first transient
 * failure goes to the first tier, the n-th to the n-th; there is no tier past the last.
 */
public final class RetryLadder {
    /** One rung: its position, delay, short name ({@code 4s}) and topic. */
    public record Tier(int index, Duration delay, String name, String topic) {}

    private final List<Tier> tiers;
    private final String topicPrefix;

    public RetryLadder(TopicsProperties topics, RetryProperties retry) {
        this.topicPrefix = topics.commands() + ".retry.";
        List<Tier> built = new ArrayList<>();
        for (Duration delay : retry.delays()) {
            String name = shortName(delay);
            built.add(new Tier(built.size(), delay, name, topicPrefix + name));
        }
        this.tiers = List.copyOf(built);
    }

    /**
     * Whether a topic holds delayed retries: any {@code <commands>.retry.*}, also of a delay no
     * longer configured, so that records left there when the ladder changes are still read.
     */
    public boolean isRetryTopic(String topic) {
        return topic.startsWith(topicPrefix);
    }

    /** Every topic remit consumes: the commands topic and all its retry topics, present and past. */
    public java.util.regex.Pattern consumedTopics() {
        String commands = topicPrefix.substring(0, topicPrefix.length() - ".retry.".length());
        return java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(commands) + "|" + java.util.regex.Pattern.quote(topicPrefix) + ".+");
    }

    /** The tier for a command whose {@code failedAttempt}-th attempt (1-based) failed, if any is left. */
    public Optional<Tier> afterAttempt(int failedAttempt) {
        return failedAttempt >= 1 && failedAttempt <= tiers.size() ? Optional.of(tiers.get(failedAttempt - 1)) : Optional.empty();
    }

    /** The shortest tier whose delay covers {@code wait}, else the longest: records in a tier wait alike. */
    public Tier forWait(Duration wait) {
        return tiers.stream().filter(t -> t.delay().compareTo(wait) >= 0).findFirst().orElse(tiers.getLast());
    }

    public Optional<Tier> byTopic(String topic) {
        return tiers.stream().filter(t -> t.topic().equals(topic)).findFirst();
    }

    public List<Tier> tiers() {
        return tiers;
    }

    /** The most attempts a command gets: the first one and one per tier. */
    public int maxAttempts() {
        return tiers.size() + 1;
    }

    static String shortName(Duration delay) {
        long ms = delay.toMillis();
        if (ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0) return ms / 60_000 + "m";
        if (ms % 1_000 == 0) return ms / 1_000 + "s";
        return ms + "ms";
    }
}
