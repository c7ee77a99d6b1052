package io.remit.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

import io.remit.routing.RetryLadder;
import io.remit.routing.TopicsProperties;

/**
 * Builds remit's Kafka clients from {@code spring.kafka.*} plus what remit's guarantees need:
 * bytes in and out (a command is forwarded unchanged), manual commits, read_committed, and one
 * transactional producer per consumer with a stable transactional.id.
 */
public final class KafkaClients {
    private final KafkaProperties kafka;
    private final WorkerProperties worker;
    private final TopicsProperties topics;
    private final RetryLadder ladder;

    public KafkaClients(KafkaProperties kafka, WorkerProperties worker, TopicsProperties topics, RetryLadder ladder) {
        this.kafka = kafka;
        this.worker = worker;
        this.topics = topics;
        this.ladder = ladder;
    }

    /** The commands topic and the retry topics of the current ladder: what remit creates. */
    private List<String> ownTopics() {
        List<String> consumed = new ArrayList<>();
        consumed.add(topics.commands());
        ladder.tiers().forEach(tier -> consumed.add(tier.topic()));
        return consumed;
    }

    public Consumer<byte[], byte[]> consumer(int index) {
        Map<String, Object> config = kafka.buildConsumerProperties();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, worker.groupId());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId(index));
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, worker.maxPollRecords());
        if (worker.staticMembership()) config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, clientId(index));
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A transactional producer, its transactions initialised (which fences a former holder of its id). */
    public Producer<byte[], byte[]> producer(int index) {
        Map<String, Object> config = kafka.buildProducerProperties();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId(index));
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, clientId(index));
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) worker.transactionTimeout().toMillis());
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            producer.initTransactions();
            return producer;
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    /** Creates the commands, retry and dead-letter topics where absent. */
    public void createTopics(Duration timeout) throws InterruptedException {
        List<NewTopic> wanted = new ArrayList<>();
        ownTopics().forEach(name -> wanted.add(new NewTopic(name, topics.partitions(), topics.replicationFactor())));
        wanted.add(new NewTopic(topics.deadLetter(), topics.partitions(), topics.replicationFactor()));
        try (Admin admin = Admin.create(kafka.buildAdminProperties())) {
            for (var result : admin.createTopics(wanted).values().entrySet()) {
                try {
                    result.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + result.getKey() + ": " + e.getCause().getMessage(), e);
                    }
                } catch (TimeoutException e) {
                    throw new IllegalStateException("Kafka did not answer within " + timeout + " while creating topic "
                            + result.getKey() + " (spring.kafka.bootstrap-servers=" + kafka.getBootstrapServers() + ")", e);
                }
            }
        }
    }

    private String clientId(int index) {
        return "remit-" + worker.instanceId() + "-" + index;
    }
}
