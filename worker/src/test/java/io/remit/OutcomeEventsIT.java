package io.remit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import io.remit.testing.Commands;
import io.remit.testing.KafkaProbe;
import io.remit.testing.Repository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** One outcome event per final decision, in the same transaction as the offset, whatever is redelivered. */
class OutcomeEventsIT extends WorkerTestSupport {
    private static final String OUTCOMES = COMMANDS + ".outcomes";
    private static final JsonMapper json = JsonMapper.builder().build();

    @Test
    void aSuccessAndADeadLetterEachGiveOneEventAndADuplicateGivesNone() throws Exception {
        String created = id("event-ok");
        String refused = id("event-bad");
        send(created, Commands.createInvoice("INV-" + created.substring(9, 17)));
        send(
                refused,
                Commands.createInvoice("conn_demo_suspended", "INV-" + refused.substring(10, 18), "10.00", "USD"));
        Map<String, Object> row = awaitStatus(created, "SUCCEEDED");
        awaitStatus(refused, "DEAD_LETTERED");
        send(created, Commands.createInvoice("INV-" + created.substring(9, 17))); // the ERP sends it again
        String marker = id("event-marker");
        send(marker, Commands.createInvoice("INV-" + marker.substring(13, 21)));
        awaitStatus(marker, "SUCCEEDED");

        List<ConsumerRecord<byte[], byte[]>> events = eventsOf(Set.of(created, refused, marker));
        assertThat(events).extracting(KafkaProbe::key).containsExactlyInAnyOrder(created, refused, marker);
        JsonNode success = valueOf(events, created);
        assertThat(success.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(success.get("resourceId").asString())
                .isEqualTo(row.get("resource_id"))
                .startsWith("inv_");
        assertThat(success.get("response").get("id").asString()).isEqualTo(row.get("resource_id"));
        assertThat(success.get("attempts").asInt()).isEqualTo(1);
        JsonNode deadLetter = valueOf(events, refused);
        assertThat(deadLetter.get("status").asString()).isEqualTo("DEAD_LETTERED");
        assertThat(deadLetter.get("errorCode").asString()).isEqualTo("CONNECTION_NOT_ACTIVE");
        assertThat(deadLetter.get("httpStatus").asInt()).isEqualTo(409);
        ConsumerRecord<byte[], byte[]> event = events.stream()
                .filter(e -> created.equals(KafkaProbe.key(e)))
                .findFirst()
                .orElseThrow();
        assertThat(KafkaProbe.header(event, "remit.original.topic")).isEqualTo(COMMANDS);

        Schema schema = SchemaRegistry.withDefaultDialect(
                        SpecificationVersion.DRAFT_2020_12,
                        builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder()
                                .formatAssertionsEnabled(true)
                                .build()))
                .getSchema(Files.readString(Repository.path("config/outcome.schema.json")), InputFormat.JSON);
        for (ConsumerRecord<byte[], byte[]> e : events) {
            assertThat(schema.validate(new String(e.value(), StandardCharsets.UTF_8), InputFormat.JSON))
                    .as(new String(e.value(), StandardCharsets.UTF_8))
                    .isEmpty();
        }
    }

    @Test
    void aRecordRedeliveredAfterItsSuccessWasStoredButNotCommittedGivesItsEventFromTheStoredAnswer() throws Exception {
        String key = id("event-replay");
        TopicPartition partition = new TopicPartition(COMMANDS, 2);
        long next;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers))) {
            next = admin.listOffsets(Map.of(partition, OffsetSpec.latest()))
                    .partitionResult(partition)
                    .get()
                    .offset();
        }
        // what a worker leaves when it dies between storing a success and committing it
        jdbc.update("""
                insert into command_outcome (request_id, command_type, status, attempts, http_status, resource_id, source_topic,
                    source_partition, source_offset, updated_at, response)
                values (?, 'invoice.create', 'SUCCEEDED', 1, 201, 'inv_replayed', ?, 2, ?, now(), '{"id":"inv_replayed"}')""", key, COMMANDS, next);
        long offset = kafka.producer()
                .send(new ProducerRecord<>(
                        COMMANDS,
                        2,
                        key.getBytes(StandardCharsets.UTF_8),
                        Commands.createInvoice("INV-" + key.substring(13, 21)).getBytes(StandardCharsets.UTF_8)))
                .get()
                .offset();
        assertThat(offset).as("no other record came in between").isEqualTo(next);

        List<ConsumerRecord<byte[], byte[]>> events = eventsOf(Set.of(key));
        assertThat(events).hasSize(1);
        assertThat(valueOf(events, key).get("response").get("id").asString()).isEqualTo("inv_replayed");
        assertThat(sandbox.ledger().calls(key)).as("replayed, not sent again").isZero();
    }

    /**
     * Kafka refuses a success's outcome event (the outcomes topic takes less than the API's answer): the payment was
     * made, so the event says SUCCEEDED without the answer, which the row keeps; no dead letter. It said DEAD_LETTERED.
     */
    @Test
    void aSuccessWhoseEventKafkaRefusesStaysASuccessWithoutItsAnswer() throws Exception {
        String key = id("event-big");
        StringBuilder noise = new StringBuilder(); // a description that compresses badly: the answer repeats it
        java.util.Random random = new java.util.Random(7);
        String letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for (int i = 0; i < 1000; i++) noise.append(letters.charAt(random.nextInt(letters.length())));
        String command = Commands.createInvoice("INV-" + key.substring(9, 17))
                .replace("\"description\":\"Consulting\"", "\"description\":\"" + noise + "\"");
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, OUTCOMES);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers))) {
            setMaxMessageBytes(admin, topic, "850");
            try {
                send(key, command);
                Map<String, Object> row = awaitStatus(key, "SUCCEEDED");
                assertThat((String) row.get("response"))
                        .as("the row keeps the answer")
                        .contains(noise);

                List<ConsumerRecord<byte[], byte[]>> events = eventsOf(Set.of(key));
                assertThat(events).hasSize(1);
                JsonNode event = valueOf(events, key);
                assertThat(event.get("status").asString()).isEqualTo("SUCCEEDED");
                assertThat(event.get("resourceId").asString()).isEqualTo(row.get("resource_id"));
                assertThat(event.has("response") && !event.get("response").isNull())
                        .as("the answer that made it too large")
                        .isFalse();
                assertThat(jdbc.queryForObject(
                                "select count(*) from dead_letter where request_id = ?", Integer.class, key))
                        .isZero();
            } finally {
                admin.incrementalAlterConfigs(Map.of(
                                topic,
                                List.of(new AlterConfigOp(
                                        new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, ""),
                                        AlterConfigOp.OpType.DELETE))))
                        .all()
                        .get();
            }
        }
    }

    private static void setMaxMessageBytes(Admin admin, ConfigResource topic, String bytes) throws Exception {
        admin.incrementalAlterConfigs(Map.of(
                        topic,
                        List.of(new AlterConfigOp(
                                new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, bytes),
                                AlterConfigOp.OpType.SET))))
                .all()
                .get();
    }

    private static List<ConsumerRecord<byte[], byte[]>> eventsOf(Set<String> keys) {
        List<ConsumerRecord<byte[], byte[]>> read = kafka.readUntil(
                List.of(OUTCOMES),
                Duration.ofSeconds(20),
                records -> records.stream()
                                .map(KafkaProbe::key)
                                .filter(keys::contains)
                                .distinct()
                                .count()
                        == keys.size());
        // read on a little: a second event would come in the same or a later transaction
        await().pollDelay(Duration.ofMillis(500)).until(() -> true);
        read.addAll(kafka.readUntil(List.of(OUTCOMES), Duration.ofMillis(300), records -> false).stream()
                .filter(r -> read.stream()
                        .noneMatch(seen -> seen.offset() == r.offset() && seen.partition() == r.partition()))
                .toList());
        return read.stream().filter(r -> keys.contains(KafkaProbe.key(r))).toList();
    }

    private static JsonNode valueOf(List<ConsumerRecord<byte[], byte[]>> events, String key) {
        return events.stream()
                .filter(e -> key.equals(KafkaProbe.key(e)))
                .map(e -> json.readTree(e.value()))
                .findFirst()
                .orElseThrow();
    }
}
