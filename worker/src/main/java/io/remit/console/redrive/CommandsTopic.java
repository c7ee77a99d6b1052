package io.remit.console.redrive;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.jspecify.annotations.Nullable;

/**
 * The commands topic as a redrive sees it: its partitions, where a key goes (as Kafka's default
 * partitioner puts it, so a redriven command lands beside its key's other commands), the high
 * watermarks, and a read_committed search for the records a redrive published.
 */
public final class CommandsTopic implements AutoCloseable {
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Admin admin;
    private final Map<String, Object> consumerConfig;

    public CommandsTopic(String name, Map<String, Object> adminConfig, Map<String, Object> consumerConfig) {
        this.name = name;
        this.admin = Admin.create(adminConfig);
        this.consumerConfig = new HashMap<>(consumerConfig);
        this.consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumerConfig.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        this.consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "remit-redrive-reconcile");
    }

    public String name() {
        return name;
    }

    public int partitions() throws InterruptedException {
        // the future fails unless every topic asked for is described
        return Objects.requireNonNull(
                        answer(admin.describeTopics(List.of(name)).allTopicNames())
                                .get(name),
                        name)
                .partitions()
                .size();
    }

    /** The partition Kafka's default partitioner chooses for a non-empty key. */
    static int partitionOf(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    /** The high watermark of each partition: every record appended from now on lands at or after it. */
    public Map<Integer, Long> highWatermarks(Collection<Integer> partitions) throws InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(p -> latest.put(new TopicPartition(name, p), OffsetSpec.latest()));
        var offsets = answer(admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                .all());
        Map<Integer, Long> watermarks = new HashMap<>();
        offsets.forEach((tp, info) -> watermarks.put(tp.partition(), info.offset()));
        return watermarks;
    }

    /** Where one published record is. */
    public record Position(int partition, long offset) {}

    /**
     * The committed records {@code redrive} published at or after {@code from}, by dead letter id. Reads up to the high
     * watermarks of now, so every transaction open now must first be decided: call it only after the redrive's
     * producer has fenced any former one. Gives up after {@code timeout}; {@code heartbeat} runs on every poll.
     */
    public Map<Long, Position> published(
            UUID redrive, @Nullable String nonce, Map<Integer, Long> from, Duration timeout, Runnable heartbeat)
            throws InterruptedException {
        Map<Integer, Long> until = highWatermarks(from.keySet());
        Map<Long, Position> found = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> assigned =
                    from.keySet().stream().map(p -> new TopicPartition(name, p)).toList();
            consumer.assign(assigned);
            from.forEach((partition, offset) -> consumer.seek(new TopicPartition(name, partition), offset));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!assigned.stream().allMatch(tp -> consumer.position(tp) >= watermark(until, tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the commands topic did not show within " + timeout
                            + " whether redrive " + redrive + " was committed (a transaction is still open)");
                }
                if (Thread.interrupted()) throw new InterruptedException();
                heartbeat.run();
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    long deadLetter = RedriveHeaders.deadLetterOf(record.headers(), redrive, nonce);
                    if (deadLetter >= 0) found.put(deadLetter, new Position(record.partition(), record.offset()));
                }
            }
        }
        return found;
    }

    /** Kafka lists an offset for every partition asked for, or fails the listing. */
    private static long watermark(Map<Integer, Long> watermarks, TopicPartition tp) {
        return Objects.requireNonNull(watermarks.get(tp.partition()), "a high watermark is listed for " + tp);
    }

    private static <T> T answer(org.apache.kafka.common.KafkaFuture<T> future) throws InterruptedException {
        try {
            return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
            throw new IllegalStateException("Kafka refused: " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within " + ADMIN_TIMEOUT, e);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
