package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConsumerLagTest {
    private static final TopicPartition COMMANDS = new TopicPartition("remit.commands", 0);
    private static final TopicPartition RETRIES = new TopicPartition("remit.commands.retry.1s", 0);

    private final LastFetchConsumer consumer = new LastFetchConsumer();

    @BeforeEach
    void assign() {
        consumer.assign(List.of(COMMANDS, RETRIES));
        consumer.updateBeginningOffsets(Map.of(COMMANDS, 0L, RETRIES, 0L));
        consumer.updateEndOffsets(Map.of(COMMANDS, 10L, RETRIES, 3L));
        consumer.seek(COMMANDS, 4);
        consumer.seek(RETRIES, 1);
        consumer.lastFetched = 6;
    }

    @Test
    void countsWhatArrivedOnAPausedPartitionSinceItsLastFetch() {
        consumer.pause(List.of(COMMANDS, RETRIES));
        consumer.updateEndOffsets(Map.of(COMMANDS, 50L, RETRIES, 9L));

        assertThat(ConsumerLag.byTopic(consumer))
                .containsEntry("remit.commands", 46L)
                .containsEntry("remit.commands.retry.1s", 8L);
    }

    @Test
    void takesTheConsumersOwnFigureForAPartitionItFetches() {
        consumer.updateEndOffsets(Map.of(COMMANDS, 50L));

        assertThat(ConsumerLag.byTopic(consumer)).containsEntry("remit.commands", 6L);
    }

    @Test
    void keepsTheConsumersOwnFigureWhenKafkaDoesNotAnswer() {
        consumer.pause(List.of(COMMANDS));
        consumer.silent = true;

        assertThat(ConsumerLag.byTopic(consumer)).containsEntry("remit.commands", 6L);
    }

    /** Its own lag figure is that of its last fetch, as a real consumer's is; its end offsets are asked for. */
    private static final class LastFetchConsumer extends MockConsumer<byte[], byte[]> {
        long lastFetched;
        boolean silent;

        LastFetchConsumer() {
            super("earliest");
        }

        @Override
        public synchronized OptionalLong currentLag(TopicPartition partition) {
            return OptionalLong.of(lastFetched);
        }

        @Override
        public synchronized Map<TopicPartition, Long> endOffsets(
                Collection<TopicPartition> partitions, Duration timeout) {
            if (silent) throw new TimeoutException("no answer within " + timeout);
            return super.endOffsets(partitions, timeout);
        }
    }
}
