package io.remit.engine;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.remit.routing.RetryLadder;
import io.remit.routing.TopicsProperties;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ProducerFactory;

/**
 * Builds remit's Kafka clients from the configuration of Boot's {@link ConsumerFactory},
 * {@link ProducerFactory} and {@link KafkaAdmin} (so every {@code spring.kafka.*} setting applies,
 * SSL bundles included), plus what remit's guarantees need: bytes in and out (a command is
 * forwarded unchanged), manual commits, read_committed, and one transactional producer per
 * consumer with a stable transactional.id. The engine keeps its own loop (Spring's container
 * cannot give per-partition commit points), so it takes raw clients.
 */
public final class KafkaClients {
    /** The producer's default {@code max.request.size}; remit's records stay below it and below a topic's default limit. */
    private static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

    /** The batch size of a transactional producer, per partition: a transaction's records of one partition, at once. */
    static final int TRANSACTION_BATCH_BYTES = 256 * 1024;

    private final Map<String, Object> consumerConfig;
    private final Map<String, Object> producerConfig;
    private final KafkaAdmin admin;
    private final WorkerProperties worker;
    private final TopicsProperties topics;
    private final RetryLadder ladder;
    private final MeterRegistry registry;
    /** The meters of each live client, by name: a replaced producer's are closed with it. */
    private final Map<String, KafkaClientMetrics> meters = new ConcurrentHashMap<>();

    public KafkaClients(
            ConsumerFactory<?, ?> consumers,
            ProducerFactory<?, ?> producers,
            KafkaAdmin admin,
            WorkerProperties worker,
            TopicsProperties topics,
            RetryLadder ladder,
            MeterRegistry registry) {
        this.registry = registry;
        this.consumerConfig = Map.copyOf(withoutNulls(consumers.getConfigurationProperties()));
        this.producerConfig = Map.copyOf(withoutNulls(producers.getConfigurationProperties()));
        this.admin = admin;
        this.worker = worker;
        this.topics = topics;
        this.ladder = ladder;
    }

    /** A factory's configuration without the settings it leaves unset (null), as a client takes it. */
    public static Map<String, Object> withoutNulls(Map<String, ? extends @Nullable Object> config) {
        Map<String, Object> copy = new HashMap<>();
        config.forEach((key, value) -> {
            if (value != null) copy.put(key, value);
        });
        return copy;
    }

    /**
     * The largest record remit produces, uncompressed (the producer checks that size): below the producer's
     * {@code max.request.size} and the broker's default topic limit, with room to spare.
     */
    public int maxRecordBytes() {
        return Math.min(maxRequestSize(producerConfig), DEFAULT_MAX_REQUEST_SIZE) - 48_576;
    }

    /** A producer configuration's {@code max.request.size}, or Kafka's default. */
    public static int maxRequestSize(Map<String, ? extends @Nullable Object> producerConfig) {
        Object configured = producerConfig.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        return configured == null ? DEFAULT_MAX_REQUEST_SIZE : Integer.parseInt(configured.toString());
    }

    public Consumer<byte[], byte[]> consumer(int index) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, worker.groupId());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId(index));
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, worker.maxPollRecords());
        if (worker.staticMembership()) config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, clientId(index));
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        bind("consumer-" + index, new KafkaClientMetrics(consumer));
        return consumer;
    }

    /** A transactional producer, its transactions initialised (which fences a former holder of its id). */
    public Producer<byte[], byte[]> producer(int index) {
        // its own client id (the consumer has clientId(index)): two clients of one id share their Kafka and Micrometer
        // metrics
        return transactionalProducer(clientId(index), clientId(index) + "-tx", "producer-" + index);
    }

    /**
     * A transactional producer of {@code transactionalId} (remit's settings over Boot's, as {@link #producer(int)}),
     * its transactions initialised: any former producer of that id is fenced.
     */
    public Producer<byte[], byte[]> transactionalProducer(String transactionalId, String clientId, String meters) {
        Map<String, Object> config = new HashMap<>(producerConfig);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int)
                worker.transactionTimeout().toMillis());
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        // A consumer's outcome events go to as few partitions as it reads (the outcomes topic has as many partitions as
        // the commands topic, and both are keyed by requestId), so a transaction puts 20 to 100 records of about 800
        // bytes in each: at Kafka's 16 KB a batch filled and left on its own, two or three produce requests per
        // transaction. A batch this size holds a transaction's records of a partition, and the commit sends them at
        // once.
        config.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, TRANSACTION_BATCH_BYTES);
        config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            producer.initTransactions();
            bind(meters, new KafkaClientMetrics(producer));
            return producer;
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    /** A consumer of group {@code groupId} that subscribes to nothing: it reads the group's committed offsets. */
    public Consumer<byte[], byte[]> offsetReader(String groupId, String clientId) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Creates the commands, retry and dead-letter topics where absent, or only checks them
     * ({@code remit.topics.create=false}): see {@link RemitTopics}. The admin is Boot's.
     */
    public void createTopics(Duration timeout) throws InterruptedException {
        new RemitTopics(admin, topics, ladder).ensure(timeout);
    }

    /** Kafka's own client metrics as Micrometer meters ({@code kafka_consumer_*}, {@code kafka_producer_*}, tag client.id). */
    private void bind(String client, KafkaClientMetrics metrics) {
        metrics.bindTo(registry);
        KafkaClientMetrics former = meters.put(client, metrics);
        if (former != null) former.close();
    }

    private String clientId(int index) {
        return "remit-" + worker.instanceId() + "-" + index;
    }
}
