package io.remit.engine;

import io.remit.Causes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records not yet consumed on a consumer's assigned partitions, by topic (the gauges remit_consumer_lag and
 * remit_retry_backlog). The consumer's own figure ({@code currentLag}) comes from its last fetch, and a paused partition
 * is not fetched: it would stand still through an API outage, a halt or a retry tier's wait, exactly while the backlog
 * grows. So the end offsets of the paused partitions are asked for (one request, at most {@link #END_OFFSETS_TIMEOUT});
 * if Kafka does not answer, the consumer's figure stands. Owned by the consumer's thread.
 */
final class ConsumerLag {
    private static final Logger log = LoggerFactory.getLogger(ConsumerLag.class);
    static final Duration END_OFFSETS_TIMEOUT = Duration.ofMillis(500);

    private ConsumerLag() {}

    static Map<String, Long> byTopic(Consumer<?, ?> consumer) {
        Map<TopicPartition, Long> ends = endsOfPaused(consumer);
        Map<String, Long> lag = new HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            lag.putIfAbsent(partition.topic(), 0L);
            Long end = ends.get(partition);
            OptionalLong behind = end == null ? consumer.currentLag(partition) : fromEnd(consumer, partition, end);
            behind.ifPresent(n -> lag.merge(partition.topic(), n, Long::sum));
        }
        return lag;
    }

    /** The end offsets (the last stable offsets, read_committed) of the paused partitions; none if Kafka is silent. */
    private static Map<TopicPartition, Long> endsOfPaused(Consumer<?, ?> consumer) {
        Set<TopicPartition> paused = consumer.paused();
        if (paused.isEmpty()) return Map.of();
        try {
            return consumer.endOffsets(paused, END_OFFSETS_TIMEOUT);
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (RuntimeException e) {
            log.debug("end offsets of the paused partitions not read: {}", Causes.chain(e));
            return Map.of();
        }
    }

    private static OptionalLong fromEnd(Consumer<?, ?> consumer, TopicPartition partition, long end) {
        try {
            return OptionalLong.of(Math.max(0, end - consumer.position(partition, Duration.ZERO)));
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (RuntimeException e) { // no position yet
            return consumer.currentLag(partition);
        }
    }
}
