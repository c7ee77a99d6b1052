package io.remit.engine;

import io.remit.routing.RetryHeaders;
import io.remit.routing.RetryLadder;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * When a record of a retry topic is due. A record on a retry topic waits: its partition is paused
 * until then, so waiting on one partition never blocks another. The header is only believed within
 * what remit itself could have written to that tier: no later than the record's timestamp plus the
 * tier's delay and jitter (a 429's wait picks the shortest tier that covers it; the longest tier, and a
 * tier no longer configured, may hold a 429's hour). A forged {@code remit.due-at:
 * 9999-12-31T00:00:00Z} cannot pause a partition until 9999; a missing or unreadable one is due at
 * once rather than never. Five seconds of slack allow for clocks that differ between instances.
 */
final class DueTime {
    private static final Duration CLOCK_SLACK = Duration.ofSeconds(5);

    private final RetryLadder ladder;
    private final double jitter;
    private final Duration longestWait;

    DueTime(RetryLadder ladder, Duration longestRateLimitWait, double jitter) {
        this.ladder = ladder;
        this.jitter = jitter;
        Duration longestTier = ladder.longest().delay();
        this.longestWait =
                withJitter(longestTier.compareTo(longestRateLimitWait) > 0 ? longestTier : longestRateLimitWait);
    }

    private Duration withJitter(Duration wait) {
        return wait.plusMillis((long) Math.ceil(wait.toMillis() * jitter)).plus(CLOCK_SLACK);
    }

    /** The longest a record of this topic can have been told to wait. */
    private Duration longestWait(String topic) {
        return ladder.byTopic(topic)
                .filter(tier -> !tier.equals(ladder.longest()))
                .map(tier -> withJitter(tier.delay()))
                .orElse(longestWait);
    }

    /** When the record may be processed; null when at once (not a retry topic, or no usable header). */
    @Nullable
    Instant of(ConsumerRecord<byte[], byte[]> record, Instant now) {
        if (!ladder.isRetryTopic(record.topic())) return null;
        Instant due = RetryHeaders.read(record.headers(), 1).dueAt();
        if (due == null) return null;
        Instant written = record.timestamp() > 0 ? Instant.ofEpochMilli(record.timestamp()) : now;
        Instant latest = (written.isAfter(now) ? now : written).plus(longestWait(record.topic()));
        return due.isAfter(latest) ? latest : due;
    }
}
