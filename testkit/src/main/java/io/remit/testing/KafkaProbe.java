package io.remit.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Publishes commands as an ERP would and reads remit's output topics as a read_committed consumer would. */
public final class KafkaProbe implements AutoCloseable {
    private final Map<String, Object> client;
    private final KafkaProducer<byte[], byte[]> producer;

    public KafkaProbe(String bootstrapServers) {
        this(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** With a client's settings: the bootstrap servers, and TLS's where the brokers require it. */
    public KafkaProbe(Map<String, Object> client) {
        this.client = Map.copyOf(client);
        Map<String, Object> producing = new java.util.HashMap<>(client);
        producing.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(producing, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public void send(String topic, String key, String value) {
        send(
                topic,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    public void send(String topic, byte[] key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
        producer.flush();
    }

    public KafkaProducer<byte[], byte[]> producer() {
        return producer;
    }

    /** Reads {@code topics} from the start until {@code done} holds for what was read, or the timeout. */
    public List<ConsumerRecord<byte[], byte[]>> readUntil(
            Collection<String> topics, Duration timeout, Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        try (KafkaConsumer<byte[], byte[]> consumer = readCommitted(client)) {
            consumer.subscribe(topics);
            List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(read)) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
            return read;
        }
    }

    /**
     * A topic from the start to its last stable offset, as a read_committed consumer sees it; fails if that end is not
     * reached within {@code timeout}.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readToEnd(
            String bootstrapServers, String topic, Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> consumer = readCommitted(bootstrapServers)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
            return read;
        }
    }

    /** A read_committed consumer in a group of its own, reading from the start, committing nothing. */
    public static KafkaConsumer<byte[], byte[]> readCommitted(String bootstrapServers) {
        return readCommitted(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    private static KafkaConsumer<byte[], byte[]> readCommitted(Map<String, Object> client) {
        Map<String, Object> reading = new java.util.HashMap<>(client);
        reading.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID());
        reading.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        reading.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        reading.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(reading, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    public static String key(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    }

    public static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
