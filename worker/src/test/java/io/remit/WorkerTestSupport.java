package io.remit;

import static org.awaitility.Awaitility.await;

import io.remit.sandbox.Faults;
import io.remit.sandbox.SandboxOptions;
import io.remit.sandbox.SandboxServer;
import io.remit.testing.Infrastructure;
import io.remit.testing.KafkaProbe;
import io.remit.testing.Ports;
import io.remit.testing.TestSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * One remit, the whole application, on the real broker, PostgreSQL and sandbox of
 * {@link Infrastructure}, with a short retry ladder (300ms, 600ms, 1s) and one of INSUFFICIENT_BALANCE's own
 * (400ms, 800ms, 1200ms). Tests share it and keep
 * apart by unique requestIds.
 */
@SpringBootTest(classes = RemitApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
abstract class WorkerTestSupport {
    static final String COMMANDS = "it.commands";
    static final String DEAD_LETTERS = "it.commands.dlq";
    static final Infrastructure infra = Infrastructure.get();
    static final SandboxServer sandbox = infra.sandbox;
    static final KafkaProbe kafka = new KafkaProbe(infra.bootstrapServers);
    static final int WEBHOOK_PORT = Ports.free();
    static final String WEBHOOK_SECRET = "it-webhook-secret";

    @Autowired
    JdbcTemplate jdbc;

    @DynamicPropertySource
    static void remit(DynamicPropertyRegistry registry) {
        TestSettings.remit(infra, COMMANDS, DEAD_LETTERS, "it")
                .forEach((name, value) -> registry.add(name, () -> value));
        registry.add("remit.retry.codes.INSUFFICIENT_BALANCE", () -> "400ms,800ms,1200ms"); // LaddersAndOrderIT
        registry.add("remit.webhooks.enabled", () -> "true"); // WebhookIT
        registry.add("remit.webhooks.port", () -> WEBHOOK_PORT);
        registry.add("remit.webhooks.secret", () -> WEBHOOK_SECRET);
    }

    @AfterEach
    void calmTheSandbox() {
        sandbox.setFaults(Faults.NONE);
        sandbox.holdRequestIds(null, null);
        sandbox.failRequestIds(null, 0);
        sandbox.setKeyRevoked(SandboxOptions.DEFAULT_KEY, false);
    }

    static String id(String label) {
        return label + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static void send(String key, String value) {
        kafka.send(COMMANDS, key, value);
    }

    static void faults(String json) {
        sandbox.setFaults(SandboxFaults.of(json));
    }

    Map<String, Object> awaitStatus(String requestId, String status) {
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> status.equals(statusOf(requestId)));
        return jdbc.queryForMap("select * from command_outcome where request_id = ?", requestId);
    }

    String statusOf(String requestId) {
        List<String> status =
                jdbc.queryForList("select status from command_outcome where request_id = ?", String.class, requestId);
        return status.isEmpty() ? null : status.getFirst();
    }

    List<Map<String, Object>> attempts(String requestId) {
        return jdbc.queryForList("select * from command_attempt where request_id = ? order by attempt", requestId);
    }

    /** The dead letters of these keys, read as a read_committed consumer, once all are there. */
    static Map<String, ConsumerRecord<byte[], byte[]>> deadLetters(String... keys) {
        Set<String> wanted = new HashSet<>(Arrays.asList(keys));
        List<ConsumerRecord<byte[], byte[]>> read = kafka.readUntil(
                List.of(DEAD_LETTERS),
                Duration.ofSeconds(20),
                records -> records.stream()
                        .map(KafkaProbe::key)
                        .collect(Collectors.toSet())
                        .containsAll(wanted));
        return read.stream()
                .filter(r -> wanted.contains(KafkaProbe.key(r)))
                .collect(Collectors.toMap(KafkaProbe::key, r -> r, (a, b) -> {
                    throw new AssertionError("dead-lettered twice: " + KafkaProbe.key(a));
                }));
    }

    @AfterAll
    static void keepInfrastructure() {
        // the broker, PostgreSQL and sandbox live for the whole JVM; see Infrastructure
    }
}
