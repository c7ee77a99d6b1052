package io.remit.shipped;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.sandbox.Ledger;
import io.remit.testing.Commands;
import io.remit.testing.Infrastructure;
import io.remit.testing.JavaProcess;
import io.remit.testing.KafkaProbe;
import io.remit.testing.Ports;
import io.remit.testing.Shipped;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A frozen instance that wakes up (issue 20, item 0): the packaged jar A has API calls in flight when it is stopped
 * with SIGSTOP for longer than its session timeout; jar B takes its partitions and dead-letters those commands (the API
 * refuses them, 422). Then A is thawed: its calls' timeouts fire at once, and it decides RETRYING (TIMEOUT) for records
 * it no longer owns. Kafka fences its transaction; PostgreSQL must fence its writes too: every row stays as B decided it
 * (DEAD_LETTERED), with one dead letter and one outcome event each, and A's breaker does not take its own pause for an
 * API outage. Before the fix, A rewrote B's final rows to RETRYING.
 */
class FrozenInstanceIT {
    private static final int VALID = 40;
    private static final int REFUSED = 10;

    private final Infrastructure infra = Infrastructure.get();
    private String protocol;
    private String name;
    private String commandsTopic;
    private final JdbcTemplate jdbc =
            new JdbcTemplate(new DriverManagerDataSource(infra.jdbcUrl, infra.dbUser, infra.dbPassword));

    @AfterEach
    void calm() {
        infra.sandbox.holdRequestIds(null, null);
    }

    /** Both consumer group protocols: the classic one, and KIP-848's ({@code group.protocol=consumer}, GA in Kafka 4.0). */
    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void aThawedInstanceCannotRewriteWhatTheInstanceThatTookItsPartitionsDecided(String protocol) throws Exception {
        this.protocol = protocol;
        this.name = "frozen-" + protocol + "-" + Long.toString(System.currentTimeMillis(), 36);
        this.commandsTopic = name + ".commands";
        Ledger ledger = infra.sandbox.ledger();
        String refusedPrefix = name + "-refused-";
        // the API holds the refused commands' calls for a minute: A has them in flight when it is frozen
        infra.sandbox.holdRequestIds(refusedPrefix, Duration.ofSeconds(60));
        ShippedWorkerCheck checkA = new ShippedWorkerCheck(infra, name, Ports.free());
        JavaProcess a = worker(checkA, "a");
        JavaProcess b = null;
        try {
            a.start();
            checkA.awaitReady(a);
            List<String> valid = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            try (KafkaProbe kafka = new KafkaProbe(infra.bootstrapServers)) {
                for (int n = 0; n < VALID; n++) {
                    String key = name + "-ok-" + n;
                    valid.add(key);
                    send(kafka, key, Commands.createInvoice(key));
                }
                for (int n = 0; n < REFUSED; n++) {
                    String key = refusedPrefix + n;
                    refused.add(key);
                    // the sandbox refuses the currency: 422 CURRENCY_NOT_SUPPORTED, a dead letter
                    send(kafka, key, Commands.createInvoice("conn_demo", key, "10.00", "XYZ"));
                }
                kafka.producer().flush();
            }
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> valid.stream().allMatch(k -> "SUCCEEDED".equals(status(k)))
                            && refused.stream().allMatch(k -> ledger.calls(k) >= 1));

            assertThat(a.signal("STOP")).as("SIGSTOP").isTrue(); // frozen with 10 calls in flight
            infra.sandbox.holdRequestIds(null, null);
            ShippedWorkerCheck checkB = new ShippedWorkerCheck(infra, name, Ports.free());
            b = worker(checkB, "b");
            b.start();
            checkB.awaitReady(b);
            JavaProcess second = b;
            try {
                await().atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() ->
                                refused.stream().allMatch(k -> "DEAD_LETTERED".equals(status(k))) && committedToEnd());
            } catch (RuntimeException e) {
                throw new AssertionError("B did not take over; its log:\n" + log(second), e);
            }

            assertThat(a.signal("CONT")).as("SIGCONT").isTrue();
            // A's calls time out at once; A stores nothing for the partitions it lost, then rejoins the group
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> log(a).contains("remit itself was paused"));
            // A drops the decisions of the partitions it lost: refused by the store's fence (the classic protocol finds
            // out at the next poll, after the decisions are made), or dropped on the group's word first (KIP-848's
            // background thread may hear of it before). On a slow machine that may come a while after it woke
            String dropped = protocol.equals("consumer") ? "partitions lost to the group" : "(classic: the fence)";
            try {
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() ->
                                log(a).contains("another member of the group now holds") || log(a).contains(dropped));
            } catch (RuntimeException e) {
                throw new AssertionError(
                        "A did not say it dropped the decisions of the partitions it lost; its log:\n" + log(a), e);
            }
            Thread.sleep(3_000); // anything A might still write lands now

            Map<String, String> rows = new HashMap<>();
            for (String key : refused) rows.put(key, status(key) + " " + code(key));
            assertThat(rows)
                    .as("B's final rows, after A woke up; A's log:\n" + log(a))
                    .allSatisfy((key, row) -> assertThat(row).isEqualTo("DEAD_LETTERED CURRENCY_NOT_SUPPORTED"));
            for (String key : valid) assertThat(status(key)).isEqualTo("SUCCEEDED");
            Map<String, Integer> deadLetters = count(name + ".commands.dlq");
            Map<String, Integer> events = count(name + ".commands.outcomes");
            for (String key : refused) {
                assertThat(deadLetters.getOrDefault(key, 0))
                        .as("dead letters of " + key)
                        .isEqualTo(1);
                assertThat(events.getOrDefault(key, 0))
                        .as("outcome events of " + key)
                        .isEqualTo(1);
            }
            for (String key : valid)
                assertThat(events.getOrDefault(key, 0))
                        .as("outcome events of " + key)
                        .isEqualTo(1);
            assertThat(log(a)).as("A's own pause is not an API outage").doesNotContain("Outage breaker OPEN");
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(this::committedToEnd);
        } finally {
            a.signal("CONT");
            a.kill();
            if (b != null) b.kill();
        }
    }

    private JavaProcess worker(ShippedWorkerCheck check, String instance) throws Exception {
        Map<String, String> env = new HashMap<>(check.environment(name));
        env.put("REMIT_WORKER_GROUP_ID", name);
        env.put("REMIT_WORKER_INSTANCE_ID", name + "-" + instance);
        env.put("REMIT_TOPICS_PARTITIONS", "4");
        env.put("REMIT_TOPICS_OUTCOMES", name + ".commands.outcomes");
        env.put("REMIT_API_TIMEOUT", "3s");
        env.put("REMIT_WORKER_SHUTDOWN_TIMEOUT", "5s");
        env.put("REMIT_RETRY_DELAYS", "300ms,600ms,1s");
        Path log = Files.createTempFile("remit-frozen-" + instance + "-", ".log");
        // a short session: the group gives A's partitions to B 6 s after A froze (under group.protocol=consumer the
        // broker's group.consumer.session.timeout.ms, set so in the test broker)
        List<String> args = protocol.equals("classic")
                ? List.of(
                        "--spring.kafka.consumer.properties[session.timeout.ms]=6000",
                        "--spring.kafka.consumer.properties[heartbeat.interval.ms]=1000")
                : List.of("--spring.kafka.consumer.properties[group.protocol]=consumer");
        return JavaProcess.ofJar("remit-frozen-" + instance, Shipped.jar(), List.of("-Xmx256m"), args, env, log);
    }

    private void send(KafkaProbe kafka, String key, String value) {
        kafka.producer()
                .send(new ProducerRecord<>(
                        commandsTopic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
    }

    private String status(String requestId) {
        List<String> s =
                jdbc.queryForList("select status from command_outcome where request_id = ?", String.class, requestId);
        return s.isEmpty() ? null : s.getFirst();
    }

    private String code(String requestId) {
        return jdbc.queryForObject(
                "select error_code from command_outcome where request_id = ?", String.class, requestId);
    }

    private Map<String, Integer> count(String topic) {
        Map<String, Integer> counts = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaProbe.readToEnd(infra.bootstrapServers, topic, Duration.ofSeconds(30)))
            counts.merge(String.valueOf(KafkaProbe.key(r)), 1, Integer::sum);
        return counts;
    }

    /** The group's committed offsets reach the end of every partition of the commands topic. */
    private boolean committedToEnd() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 4; p++) latest.put(new TopicPartition(commandsTopic, p), OffsetSpec.latest());
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> {
                if (info.offset() > 0) ends.put(tp, info.offset());
            });
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(name)
                    .partitionsToOffsetAndMetadata()
                    .get();
            Map<TopicPartition, Long> offsets = new HashMap<>();
            committed.forEach((tp, o) -> {
                if (o != null && tp.topic().equals(commandsTopic) && ends.containsKey(tp)) offsets.put(tp, o.offset());
            });
            return offsets.equals(ends);
        }
    }

    private static String log(JavaProcess process) {
        try {
            return Files.exists(process.log()) ? Files.readString(process.log(), StandardCharsets.ISO_8859_1) : "";
        } catch (java.io.IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
