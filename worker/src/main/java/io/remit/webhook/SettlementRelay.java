package io.remit.webhook;

import io.remit.Causes;
import io.remit.Printable;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Produces the settlement events of {@link SettlementOutbox} exactly once. Each batch goes to the outcomes topic in
 * one Kafka transaction together with the relay's position (the batch number + 1, committed as the offset of the
 * relay's own consumer group on the outcomes topic's partition 0: a marker, nothing consumes it), and is deleted from
 * PostgreSQL after that transaction committed. A crash between the two leaves rows that the next relay, having read
 * the position, deletes (below it) or produces again (at or above it): never lost, never doubled.
 * <p>
 * All instances share one transactional id, so a relay that starts fences any former one (a frozen instance that
 * wakes cannot commit); a session advisory lock keeps the others idle, rather than fencing each other in turn. In
 * between, it also matches webhooks that arrived before their command's outcome was stored.
 */
public final class SettlementRelay implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(SettlementRelay.class);
    /** The header that tells a settlement event from an outcome event on the outcomes topic. */
    public static final String EVENT_HEADER = "remit.event";

    public static final String EVENT_SETTLEMENT = "settlement";
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final SettlementOutbox outbox;
    private final WebhookStore store;
    private final DataSource dataSource;
    private final Supplier<Producer<byte[], byte[]>> producers;
    private final Supplier<Consumer<byte[], byte[]>> positionReaders;
    private final String topic;
    private final String group;
    private final WebhookProperties properties;
    private final WebhookMetrics metrics;
    private final Clock clock;

    private volatile boolean running;
    private volatile @Nullable Thread thread;
    private final CountDownLatch stopping = new CountDownLatch(1);

    private @Nullable Connection lockHolder;
    private @Nullable Producer<byte[], byte[]> producer;
    private long position = -1;

    public SettlementRelay(
            SettlementOutbox outbox,
            WebhookStore store,
            DataSource dataSource,
            Supplier<Producer<byte[], byte[]>> producers,
            Supplier<Consumer<byte[], byte[]>> positionReaders,
            String topic,
            String group,
            WebhookProperties properties,
            WebhookMetrics metrics,
            Clock clock) {
        this.outbox = outbox;
        this.store = store;
        this.dataSource = dataSource;
        this.producers = producers;
        this.positionReaders = positionReaders;
        this.topic = topic;
        this.group = group;
        this.properties = properties;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().name("remit-settlement-relay").daemon().start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        stopping.countDown();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        Duration backoff = properties.relay().interval();
        while (running) {
            try {
                boolean busy = step();
                backoff = properties.relay().interval();
                if (!busy) pause(backoff);
            } catch (RuntimeException | SQLException e) {
                log.warn(
                        "Settlement relay failed, retrying in {} ms: {}",
                        backoff.toMillis(),
                        Printable.of(Causes.chain(e)));
                release();
                pause(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        release();
    }

    /** One round: match late webhooks, then produce one batch. Whether there was work. */
    private boolean step() throws SQLException {
        int matched = store.matchUnmatched(properties.matchWindow(), 500, clock.instant());
        metrics.matchedLate(matched);
        if (!holdsLock()) {
            metrics.outboxWaiting(0); // another instance relays, and reports what waits
            return matched > 0;
        }
        if (producer == null) begin();
        SettlementOutbox.Batch batch = outbox.next(properties.relay().batch());
        metrics.outboxWaiting(outbox.waiting());
        if (batch == null) return matched > 0;
        if (batch.number() < position) {
            // begin() deleted every batch below the position (Kafka has them): one claimed since was numbered by a
            // sequence that went back (PostgreSQL restored from a backup), and was never produced
            int events = outbox.reclaimBelow(position);
            log.warn(
                    "Settlement relay: batch {} was numbered below the position {} that Kafka has (PostgreSQL's "
                            + "sequence went back: restored from a backup?); its {} settlement event(s) are numbered "
                            + "again and produced",
                    batch.number(),
                    position,
                    events);
            return true;
        }
        produce(batch);
        position = batch.number() + 1;
        outbox.deleteBelow(position);
        metrics.relayed(batch.entries().size());
        return true;
    }

    /** A new producer (fencing any former relay), then the position it left, then what is below it is deleted. */
    private void begin() {
        producer = producers.get();
        try (Consumer<byte[], byte[]> reader = positionReaders.get()) {
            TopicPartition marker = new TopicPartition(topic, 0);
            OffsetAndMetadata committed = reader.committed(java.util.Set.of(marker), Duration.ofSeconds(30))
                    .get(marker);
            position = committed == null ? 0 : committed.offset();
        }
        outbox.claimFrom(position);
        int deleted = outbox.deleteBelow(position);
        log.info(
                "Settlement relay started at batch {} ({} settlement events already produced were cleared)",
                position,
                deleted);
    }

    private void produce(SettlementOutbox.Batch batch) {
        Producer<byte[], byte[]> producer = Objects.requireNonNull(this.producer, "step() begins before it produces");
        producer.beginTransaction();
        try {
            for (SettlementOutbox.Entry entry : batch.entries()) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(EVENT_HEADER, EVENT_SETTLEMENT.getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(
                        topic,
                        null,
                        entry.requestId().getBytes(StandardCharsets.UTF_8),
                        entry.payload().getBytes(StandardCharsets.UTF_8),
                        headers));
            }
            producer.sendOffsetsToTransaction(
                    Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(batch.number() + 1)),
                    new ConsumerGroupMetadata(group));
            producer.commitTransaction();
        } catch (RuntimeException e) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException ignored) {
                // fenced or broken: the producer is replaced below, which aborts what it left open
            }
            throw e;
        }
    }

    /** Whether this instance relays: it holds the session advisory lock on a connection of its own. */
    private boolean holdsLock() throws SQLException {
        if (lockHolder != null) {
            if (lockHolder.isValid(5)) return true;
            release(); // the connection is gone, and the lock with it: another instance may relay now
        }
        Connection connection = dataSource.getConnection();
        try (PreparedStatement lock = connection.prepareStatement("select pg_try_advisory_lock(?)")) {
            lock.setLong(1, SettlementOutbox.LOCK);
            try (ResultSet rs = lock.executeQuery()) {
                if (rs.next() && rs.getBoolean(1)) {
                    lockHolder = connection;
                    return true;
                }
            }
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        connection.close();
        return false;
    }

    private void release() {
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.debug("Closing the settlement relay's producer: {}", Causes.chain(e));
            }
            producer = null;
        }
        if (lockHolder != null) {
            // a pooled connection: unlocked before it goes back to the pool, or evicted from it (the lock with it)
            try (PreparedStatement unlock = lockHolder.prepareStatement("select pg_advisory_unlock(?)")) {
                unlock.setLong(1, SettlementOutbox.LOCK);
                unlock.execute();
                lockHolder.close();
            } catch (SQLException e) {
                try {
                    lockHolder.abort(Runnable::run);
                } catch (SQLException again) {
                    log.debug("Evicting the settlement relay's connection: {}", Causes.chain(again));
                }
            }
            lockHolder = null;
        }
    }

    private void pause(Duration duration) {
        try {
            stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
