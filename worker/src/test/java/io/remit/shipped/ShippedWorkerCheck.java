package io.remit.shipped;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.sandbox.SandboxOptions;
import io.remit.testing.Commands;
import io.remit.testing.Infrastructure;
import io.remit.testing.JavaProcess;
import io.remit.testing.KafkaProbe;
import io.remit.testing.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * What every shipped form of remit (the jar, the image, the chart's Deployment) must do against a real broker,
 * PostgreSQL and the sandbox: become ready, take one command through to SUCCEEDED and dead-letter one bad command.
 * Settings are environment variables, as a container or the chart passes them.
 */
final class ShippedWorkerCheck {
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
    static final String DEAD_LETTER_CODE = "COMMAND_INVALID";

    final String commands;
    final String deadLetters;
    final Infrastructure infra;
    /** Actuator's port ({@code management.server.port}): probes, the scrape. */
    final int port;
    /** The console's ({@code remit.ops.port}), free too: the default 8081 may be taken. */
    final int opsPort = Ports.free();

    private final JdbcTemplate jdbc;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    ShippedWorkerCheck(Infrastructure infra, String name, int port) {
        this.infra = infra;
        this.commands = name + ".commands";
        this.deadLetters = name + ".commands.dlq";
        this.port = port;
        this.jdbc = new JdbcTemplate(new DriverManagerDataSource(infra.jdbcUrl, infra.dbUser, infra.dbPassword));
    }

    /** The settings as environment variables (relaxed binding), secrets included: what a Deployment's env gives. */
    Map<String, String> environment(String instanceId) {
        Map<String, String> env = new HashMap<>();
        env.put("MANAGEMENT_SERVER_PORT", Integer.toString(port));
        env.put("REMIT_OPS_PORT", Integer.toString(opsPort));
        env.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers);
        env.put("SPRING_DATASOURCE_URL", infra.jdbcUrl);
        env.put("SPRING_DATASOURCE_USERNAME", infra.dbUser);
        env.put("SPRING_DATASOURCE_PASSWORD", infra.dbPassword);
        env.put("REMIT_API_BASE_URL", infra.sandbox.baseUrl());
        env.put("REMIT_API_KEY", SandboxOptions.DEFAULT_KEY);
        env.put("REMIT_API_SECRET", SandboxOptions.DEFAULT_SECRET);
        env.put("REMIT_TOPICS_COMMANDS", commands);
        env.put("REMIT_TOPICS_DEAD_LETTER", deadLetters);
        env.put("REMIT_TOPICS_PARTITIONS", "2");
        env.put("REMIT_WORKER_GROUP_ID", instanceId);
        env.put("REMIT_WORKER_INSTANCE_ID", instanceId);
        env.put("REMIT_WORKER_CONSUMERS", "1");
        return env;
    }

    /** Waits for {@code process} to be ready; if it is not within 90 s, kills it and fails with its log. */
    void awaitReady(JavaProcess process) {
        try {
            awaitReady(Duration.ofSeconds(90));
        } catch (RuntimeException | AssertionError e) {
            process.kill();
            String log;
            try {
                log = Files.exists(process.log()) ? Files.readString(process.log(), StandardCharsets.ISO_8859_1) : "";
            } catch (java.io.IOException unreadable) {
                log = "(unreadable: " + unreadable.getMessage() + ")";
            }
            throw new AssertionError(process.name() + " did not become ready; its log:\n" + log, e);
        }
    }

    void awaitReady(Duration timeout) {
        await().atMost(timeout)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> get("/actuator/health/readiness").statusCode() == 200);
    }

    /**
     * One valid command succeeds (one effect at the sandbox), one invalid one is dead-lettered once with its code.
     * Answers the dead-lettered requestId.
     */
    String oneSucceedsAndOneIsDeadLettered() {
        // an ERP's W3C trace context on the command
        String good = "shipped-ok-" + UUID.randomUUID();
        String bad = "shipped-bad-" + UUID.randomUUID();
        try (KafkaProbe kafka = new KafkaProbe(infra.bootstrapServers)) {
            ProducerRecord<byte[], byte[]> traced = new ProducerRecord<>(
                    commands,
                    good.getBytes(StandardCharsets.UTF_8),
                    Commands.createInvoice("INV-" + good.substring(11, 19)).getBytes(StandardCharsets.UTF_8));
            traced.headers().add("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8));
            kafka.producer().send(traced);
            kafka.producer().flush();
            kafka.send(commands, bad, "{\"type\":\"invoice.create\",\"amount\":\"-1\"}");
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> "SUCCEEDED".equals(status(good)) && "DEAD_LETTERED".equals(status(bad)));
            assertThat(infra.sandbox.ledger().effects(good)).isEqualTo(1);
            assertThat(infra.sandbox.ledger().traceparent(good))
                    .as("the API request continues the command's trace: same trace id, remit's own span")
                    .startsWith("00-" + TRACE_ID + "-")
                    .isNotEqualTo(TRACEPARENT);
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.readUntil(
                    List.of(deadLetters),
                    Duration.ofSeconds(30),
                    read -> read.stream().anyMatch(r -> bad.equals(KafkaProbe.key(r))));
            assertThat(dead)
                    .filteredOn(r -> bad.equals(KafkaProbe.key(r)))
                    .singleElement()
                    .satisfies(r ->
                            assertThat(KafkaProbe.header(r, "remit.error.code")).isEqualTo(DEAD_LETTER_CODE));
        }
        return bad;
    }

    /** The metrics endpoint answers with remit's series: the actuator is what the chart's probes and monitors use. */
    void exposesMetrics() throws Exception {
        assertThat(get("/actuator/prometheus").body())
                .contains("remit_commands_total")
                .contains("remit_commits_failed_total")
                .as("the API client's connection pool")
                .containsPattern("(?m)^httpcomponents_httpclient_pool_total_max\\{[^}]*httpclient=\"payments-api\"")
                .as("Kafka's own client metrics, consumer and transactional producer")
                .containsPattern("(?m)^kafka_consumer_\\w+\\{")
                .containsPattern("(?m)^kafka_producer_\\w+\\{");
    }

    private String status(String requestId) {
        List<String> found =
                jdbc.queryForList("select status from command_outcome where request_id = ?", String.class, requestId);
        return found.isEmpty() ? null : found.getFirst();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
