package io.remit.peer;

import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelConsumerOptions.ProcessingOrder;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parallel Consumer on the commands topic, started with the application and closed with it: keyed order (one record
 * of a key at a time, any number of keys at once), at most {@code peer.max-concurrency} records in flight, each through
 * {@link CommandHandler}, dead letters produced by Parallel Consumer ({@code pollAndProduceMany}). Every other option
 * is Parallel Consumer's default.
 */
@Component
class PeerConsumer implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(PeerConsumer.class);

    private final PeerProperties properties;
    private final CommandHandler handler;
    private volatile ParallelStreamProcessor<String, String> processor;

    PeerConsumer(PeerProperties properties, JdbcTemplate jdbc, JsonMapper json) {
        this.properties = properties;
        this.handler = new CommandHandler(new PaymentsClient(properties, json), jdbc, json, properties.deadLetters());
    }

    @Override
    public void start() {
        createDeadLetterTopic();
        ParallelConsumerOptions<String, String> options = ParallelConsumerOptions.<String, String>builder()
                .consumer(consumer())
                .producer(producer())
                .ordering(ProcessingOrder.KEY)
                .commitMode(properties.mode().commitMode)
                .maxConcurrency(properties.maxConcurrency())
                .retryDelayProvider(record -> CommandHandler.retryDelay(record.getNumberOfFailedAttempts()))
                .build();
        processor = ParallelStreamProcessor.createEosStreamProcessor(options);
        processor.subscribe(List.of(properties.topic()));
        processor.pollAndProduceMany(handler::handle);
        log.info("Parallel Consumer started: {}", properties);
    }

    @Override
    public void stop() {
        ParallelStreamProcessor<String, String> running = processor;
        processor = null;
        if (running != null) running.close();
    }

    @Override
    public boolean isRunning() {
        return processor != null;
    }

    private KafkaConsumer<String, String> consumer() {
        return new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        properties.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        properties.group(),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false, // Parallel Consumer commits
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new StringDeserializer());
    }

    private KafkaProducer<String, String> producer() {
        Map<String, Object> config =
                new java.util.HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.bootstrapServers()));
        if (properties.mode() == PeerMode.TRANSACTIONAL)
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "peer-" + properties.group());
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private void createDeadLetterTopic() {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, properties.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(properties.deadLetters(), properties.partitions(), (short) 1)))
                    .all()
                    .get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
