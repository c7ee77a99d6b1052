package io.remit.console.redrive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.remit.console.ConsoleTestSupport;
import io.remit.console.deadletter.RecordDecoder;
import io.remit.testing.Commands;
import io.remit.testing.KafkaProbe;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * What a crash mid-redrive leaves behind, taken over by this instance once the dead runner's lease
 * has run out: each state a runner can die in (chunk selected but not sent, Kafka transaction left
 * open, committed but not recorded), and each time every dead letter ends up on the commands topic
 * exactly once (read_committed) and recorded PUBLISHED.
 */
class RedriveRecoveryIT extends ConsoleTestSupport {
    private static final String DEAD_RUNNER = "dead-instance/00000000";
    private static final int PARTITIONS = 3;

    @Autowired
    RedriveLedger ledger;

    @Autowired
    CommandsTopic commands;

    @Autowired
    RecordDecoder decoder;

    @Test
    void sendsAgainAChunkThatWasSelectedButNeverSent() throws Exception {
        Crash crash = crashedRedrive(5);
        crash.claimFirstChunk(3);

        Thread.sleep(1000);
        assertThat(state(crash.id))
                .as("not taken over while the dead runner's lease lasts")
                .isEqualTo("RUNNING");
        assertThat(redriven(crash.id.toString(), 1, Duration.ofMillis(500))).isEmpty();
        crash.leaseRunsOut();

        assertExactlyOncePublished(crash);
        assertThat(chunkState(crash.id, 1)).isEqualTo("ABORTED");
    }

    @Test
    void sendsAgainAChunkWhoseTransactionWasLeftOpenAndFencesTheDeadProducer() throws Exception {
        Crash crash = crashedRedrive(5);
        RedriveLedger.Claim claim = crash.claimFirstChunk(3);
        KafkaProducer<byte[], byte[]> dead = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        infra.bootstrapServers,
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        RedrivePublisher.TRANSACTIONAL_ID_PREFIX + crash.id + "-0"),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        try {
            dead.initTransactions();
            dead.beginTransaction();
            for (RedrivePublisher.RedrivenRecord o : claim.toPublish())
                dead.send(asPublished(crash.id, o, claim.nonce()));
            dead.flush(); // appended, never committed: the process died here

            crash.leaseRunsOut();
            assertExactlyOncePublished(crash);
            assertThat(chunkState(crash.id, 1)).isEqualTo("ABORTED");
            assertThatThrownBy(dead::commitTransaction)
                    .as("the dead runner's producer is fenced")
                    .isInstanceOf(KafkaException.class);
        } finally {
            dead.close(Duration.ZERO);
        }
    }

    @Test
    void recordsAsPublishedAChunkCommittedToKafkaButNotRecordedInPostgres() throws Exception {
        Crash crash = crashedRedrive(5);
        RedriveLedger.Claim claim = crash.claimFirstChunk(3);
        Map<Long, CommandsTopic.Position> committed;
        RedrivePublisher publisher = new RedrivePublisher(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers),
                COMMANDS,
                Duration.ofSeconds(30));
        try (RedrivePublisher.Session session = publisher.open(crash.id)) {
            committed = session.publish(claim.toPublish(), claim.nonce()); // committed; died before ledger.settle
        }

        crash.leaseRunsOut();

        List<ConsumerRecord<byte[], byte[]>> records = assertExactlyOncePublished(crash);
        assertThat(chunkState(crash.id, 1)).isEqualTo("PUBLISHED");
        committed.forEach((deadLetter, at) -> {
            Map<String, Object> item = jdbc.queryForMap(
                    "select topic_partition, topic_offset from redrive_item where redrive_id = ? and dead_letter_id = ?",
                    crash.id,
                    deadLetter);
            assertThat(item)
                    .containsEntry("topic_partition", at.partition())
                    .containsEntry("topic_offset", at.offset());
        });
        assertThat(records)
                .filteredOn(r -> committed.values().contains(new CommandsTopic.Position(r.partition(), r.offset())))
                .hasSize(3);
    }

    /**
     * A forced redrive clears an unknown outcome's first ambiguous attempt when it selects it (the engine would refuse the
     * redriven command again otherwise). If its chunk then aborts, nothing was sent, and the override goes with it: the
     * first ambiguous attempt is back, so a later redrive that is not forced still skips the dead letter.
     */
    @Test
    void aForcedRedriveWhoseChunkAbortsPutsBackTheUnknownOutcome() throws Exception {
        String key = id("forced");
        long deadLetter = stored().row(key, Commands.createInvoice("conn_demo", key, "1.00", "USD"))
                .code("RETRIES_EXHAUSTED", 503, "gave up")
                .decided("SERVICE_UNAVAILABLE", 503, 503)
                .store();
        Timestamp ambiguousAt =
                Timestamp.from(Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.MILLIS));
        jdbc.update("update command_outcome set first_ambiguous_at = ? where request_id = ?", ambiguousAt, key);
        UUID id = UUID.randomUUID();
        jdbc.update(
                """
                insert into redrive (id, topic, dry_run, force, reason, filter, rate_per_second, max_dead_letter_id, matched, eligible,
                    state, requested_by, requested_at, owner, heartbeat_at)
                values (?, ?, false, true, 'looked it up', ?::jsonb, 100, ?, 1, 1, 'RUNNING', ?, now(), ?, now())""",
                id,
                COMMANDS,
                "{\"codes\":[],\"types\":[],\"from\":null,\"to\":null,\"requestIds\":[\"" + key + "\"]}",
                deadLetter,
                OPERATOR,
                DEAD_RUNNER);
        try {
            RedriveLedger.Claim claim =
                    ledger.claim(id, DEAD_RUNNER, 10, PARTITIONS, commands.highWatermarks(List.of(0, 1, 2)), decoder);
            assertThat(claim.toPublish()).hasSize(1);
            assertThat(firstAmbiguousAt(key)).as("cleared for the forced send").isNull();

            ledger.settle(id, claim.chunk(), Map.of()); // its transaction did not commit: nothing was sent

            assertThat(firstAmbiguousAt(key)).isEqualTo(ambiguousAt);
            assertThat(chunkState(id, claim.chunk())).isEqualTo("ABORTED");
        } finally {
            jdbc.update("update redrive set state = 'DONE', finished_at = now() where id = ?", id);
        }
    }

    private Timestamp firstAmbiguousAt(String requestId) {
        return jdbc.queryForObject(
                "select first_ambiguous_at from command_outcome where request_id = ?", Timestamp.class, requestId);
    }

    /** A redrive of {@code size} stored dead letters, RUNNING, held by a runner that has just died. */
    private Crash crashedRedrive(int size) {
        List<Long> deadLetters = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String key = id("crash");
            keys.add(key);
            deadLetters.add(stored().row(key, Commands.createInvoice("conn_nowhere", key, "1.00", "USD"))
                    .code("CONNECTION_NOT_FOUND", 404, "no")
                    .header("traceparent", "t-" + i)
                    .store());
        }
        UUID id = UUID.randomUUID();
        String filter = "{\"codes\":[],\"types\":[],\"from\":null,\"to\":null,\"requestIds\":["
                + keys.stream().map(k -> "\"" + k + "\"").collect(Collectors.joining(",")) + "]}";
        jdbc.update("""
                insert into redrive (id, topic, dry_run, force, reason, filter, rate_per_second, max_dead_letter_id, matched, eligible,
                    state, requested_by, requested_at, owner, heartbeat_at)
                values (?, ?, false, false, 'crash test', ?::jsonb, 100, ?, ?, ?, 'RUNNING', ?, now(), ?, now())""", id, COMMANDS, filter, deadLetters.getLast(), size, size, OPERATOR, DEAD_RUNNER);
        return new Crash(id, deadLetters);
    }

    private final class Crash {
        final UUID id;
        final List<Long> deadLetters;

        Crash(UUID id, List<Long> deadLetters) {
            this.id = id;
            this.deadLetters = deadLetters;
        }

        /** The dead runner's first chunk, selected and recorded SENDING by the real ledger. */
        RedriveLedger.Claim claimFirstChunk(int limit) throws InterruptedException {
            Map<Integer, Long> watermarks = commands.highWatermarks(List.of(0, 1, 2));
            RedriveLedger.Claim claim = ledger.claim(id, DEAD_RUNNER, limit, PARTITIONS, watermarks, decoder);
            assertThat(claim.chunk()).isEqualTo(1);
            assertThat(claim.toPublish()).hasSize(limit);
            return claim;
        }

        void leaseRunsOut() {
            jdbc.update("update redrive set heartbeat_at = now() - interval '1 hour' where id = ?", id);
        }
    }

    private List<ConsumerRecord<byte[], byte[]>> assertExactlyOncePublished(Crash crash) {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "DONE".equals(state(crash.id)));
        List<ConsumerRecord<byte[], byte[]>> records = redrivenExactly(crash.id.toString(), crash.deadLetters.size());
        assertThat(records)
                .extracting(r -> Long.parseLong(KafkaProbe.header(r, RedriveHeaders.DEAD_LETTER)))
                .containsExactlyInAnyOrderElementsOf(crash.deadLetters);
        assertThat(jdbc.queryForList("select state from redrive_item where redrive_id = ?", String.class, crash.id))
                .hasSize(crash.deadLetters.size())
                .containsOnly("PUBLISHED");
        return records;
    }

    private ProducerRecord<byte[], byte[]> asPublished(UUID redrive, RedrivePublisher.RedrivenRecord o, String nonce) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(COMMANDS, o.partition(), o.key(), o.value());
        RedriveHeaders.write(record.headers(), redrive, o.deadLetterId(), nonce);
        return record;
    }

    /**
     * A producer that knows the redrive's id (it is on every redriven record and in the console) writes records claiming
     * to be its interrupted chunk's: they do not carry the chunk's nonce, so the chunk is not taken as published and its
     * dead letters are sent again, each once.
     */
    @Test
    void aForgedRecordWithTheRedrivesIdIsNotTakenForItsChunk() throws Exception {
        Crash crash = crashedRedrive(4);
        RedriveLedger.Claim claim = crash.claimFirstChunk(2);
        try (KafkaProducer<byte[], byte[]> forger = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (RedrivePublisher.RedrivenRecord o : claim.toPublish())
                forger.send(asPublished(crash.id, o, "guessed-" + UUID.randomUUID()))
                        .get();
        }

        crash.leaseRunsOut();

        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "DONE".equals(state(crash.id)));
        assertThat(chunkState(crash.id, 1)).isEqualTo("ABORTED");
        List<ConsumerRecord<byte[], byte[]>> records =
                redrivenExactly(crash.id.toString(), crash.deadLetters.size() + 2);
        assertThat(records)
                .filteredOn(r -> KafkaProbe.header(r, "remit.redrive.nonce") != null
                        && !KafkaProbe.header(r, "remit.redrive.nonce").startsWith("guessed-"))
                .extracting(r -> Long.parseLong(KafkaProbe.header(r, RedriveHeaders.DEAD_LETTER)))
                .containsExactlyInAnyOrderElementsOf(crash.deadLetters);
    }

    private String state(UUID id) {
        return jdbc.queryForObject("select state from redrive where id = ?", String.class, id);
    }

    private String chunkState(UUID id, int chunk) {
        return jdbc.queryForObject(
                "select state from redrive_chunk where redrive_id = ? and chunk = ?", String.class, id, chunk);
    }
}
