package io.remit.console.redrive;

import io.remit.console.deadletter.RecordDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.DefaultTransactionIdSuffixStrategy;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * Publishes a redrive's records to the commands topic through a transactional {@link KafkaTemplate}.
 * Each redrive has its own transactional.id, {@code remit-redrive-<redrive id>-0}: whichever instance
 * runs a redrive first fences every former runner of it (a stalled or half-dead one can no longer
 * commit) and lets Kafka settle the transaction such a runner left open, so what the topic shows
 * afterwards is final. The engine's ids are {@code remit-<instance>-<n>}.
 */
public final class RedrivePublisher {
    static final String TRANSACTIONAL_ID_PREFIX = "remit-redrive-";

    private final Map<String, Object> producerConfig;
    private final String topic;

    public RedrivePublisher(Map<String, Object> producerConfig, String topic, Duration transactionTimeout) {
        this.producerConfig = new HashMap<>(producerConfig);
        this.producerConfig.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        this.producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        this.producerConfig.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) transactionTimeout.toMillis());
        this.topic = topic;
    }

    /** One record to publish: a dead letter's key, value and carried headers, to the partition of its key. */
    public record RedrivenRecord(
            long deadLetterId,
            int partition,
            byte[] key,
            byte @Nullable [] value,
            List<RecordDecoder.RawHeader> headers) {}

    /** Opens a session for {@code redrive}; its producer's initialisation fences every former one of the same redrive. */
    public Session open(UUID redrive) {
        DefaultKafkaProducerFactory<byte[], byte[]> factory =
                new DefaultKafkaProducerFactory<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        factory.setTransactionIdPrefix(TRANSACTIONAL_ID_PREFIX + redrive + "-");
        factory.setTransactionIdSuffixStrategy(
                new DefaultTransactionIdSuffixStrategy(1)); // always suffix 0: one id per redrive
        KafkaTemplate<byte[], byte[]> template = new KafkaTemplate<>(factory);
        try {
            template.executeInTransaction(operations -> null);
            return new Session(redrive, factory, template);
        } catch (RuntimeException e) {
            factory.destroy();
            throw e;
        }
    }

    /** A redrive's producer, for one run of it. Any failure ends the session: the run starts over with a new one. */
    public final class Session implements AutoCloseable {
        private final UUID redrive;
        private final DefaultKafkaProducerFactory<byte[], byte[]> factory;
        private final KafkaTemplate<byte[], byte[]> template;

        private Session(
                UUID redrive,
                DefaultKafkaProducerFactory<byte[], byte[]> factory,
                KafkaTemplate<byte[], byte[]> template) {
            this.redrive = redrive;
            this.factory = factory;
            this.template = template;
        }

        /** Publishes the records in one transaction and answers where each landed; throws if it may not have committed. */
        public Map<Long, CommandsTopic.Position> publish(List<RedrivenRecord> records, String nonce)
                throws InterruptedException {
            List<CompletableFuture<SendResult<byte[], byte[]>>> sent = Objects.requireNonNull(
                    template.executeInTransaction(operations -> {
                        List<CompletableFuture<SendResult<byte[], byte[]>>> futures = new ArrayList<>();
                        for (RedrivenRecord record : records)
                            futures.add(operations.send(producerRecord(record, nonce)));
                        return futures;
                    }),
                    "the transaction's callback answers its futures");
            Map<Long, CommandsTopic.Position> positions = new HashMap<>();
            try {
                for (int i = 0; i < records.size(); i++) {
                    var metadata = sent.get(i).get().getRecordMetadata();
                    positions.put(
                            records.get(i).deadLetterId(),
                            new CommandsTopic.Position(metadata.partition(), metadata.offset()));
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("a redriven record was not acknowledged", e.getCause());
            }
            return positions;
        }

        private ProducerRecord<byte[], byte[]> producerRecord(RedrivenRecord record, String nonce) {
            ProducerRecord<byte[], byte[]> out =
                    new ProducerRecord<>(topic, record.partition(), record.key(), record.value());
            record.headers().stream()
                    .filter(h -> RedriveHeaders.isCarried(h.key()))
                    .forEach(h -> out.headers().add(h.key(), h.value()));
            RedriveHeaders.write(out.headers(), redrive, record.deadLetterId(), nonce);
            return out;
        }

        @Override
        public void close() {
            factory.destroy();
        }
    }
}
