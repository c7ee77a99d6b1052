package io.remit.shipped;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.testing.Commands;
import io.remit.testing.Infrastructure;
import io.remit.testing.JavaProcess;
import io.remit.testing.KafkaCluster;
import io.remit.testing.KafkaProbe;
import io.remit.testing.Ports;
import io.remit.testing.SelfSignedTls;
import io.remit.testing.Shipped;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged jar against a broker whose clients' listener speaks TLS only, configured the one way remit documents:
 * an SSL bundle with the broker's CA ({@code spring.ssl.bundle.jks.kafka.*}) applied by {@code spring.kafka.ssl.bundle},
 * and {@code spring.kafka.security.protocol=SSL}. Every Kafka client remit makes must take it: the engine's consumers
 * and transactional producers (a command is dead-lettered), topic creation, and the console's (a redrive reads the
 * commands topic and publishes the dead letter again). Before issue 22 the console's clients were built without the
 * bundles and a redrive could not connect.
 */
class TlsOnlyKafkaIT {
    private static final String COMMANDS = "tls.commands";
    private static final String DEAD_LETTERS = "tls.commands.dlq";
    private static final String USER = "olivia";
    private static final String PASSWORD = "olivia-" + UUID.randomUUID();

    private static Path dir;
    private static SelfSignedTls tls;
    private static KafkaCluster kafka;

    private final Infrastructure infra = Infrastructure.get();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    static void tlsBroker() throws Exception {
        dir = Files.createTempDirectory("remit-tls-kafka");
        tls = SelfSignedTls.in(dir);
        kafka = new KafkaCluster(dir.resolve("kafka"), 1, tls);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) kafka.close();
    }

    @Test
    void theEngineAndTheConsoleReachATlsOnlyBrokerThroughTheSslBundle() throws Exception {
        int management = Ports.free();
        int console = Ports.free();
        List<String> args = new ArrayList<>(List.of(
                "--management.server.port=" + management,
                "--remit.ops.port=" + console,
                "--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                "--spring.datasource.url=" + infra.jdbcUrl,
                "--spring.datasource.username=" + infra.dbUser,
                "--remit.api.base-url=" + infra.sandbox.baseUrl(),
                "--remit.api.key=" + io.remit.sandbox.SandboxOptions.DEFAULT_KEY,
                "--remit.topics.commands=" + COMMANDS,
                "--remit.topics.dead-letter=" + DEAD_LETTERS,
                "--remit.topics.outcomes=tls.outcomes",
                "--remit.topics.partitions=2",
                "--remit.topics.replication-factor=1",
                "--remit.worker.group-id=tls",
                "--remit.worker.instance-id=tls",
                "--remit.worker.consumers=1",
                "--remit.ops.enabled=true",
                "--remit.ops.redrive.poll-interval=200ms",
                "--remit.ops.users." + USER + ".password={bcrypt}" + new BCryptPasswordEncoder(4).encode(PASSWORD),
                "--remit.ops.users." + USER + ".roles=OPERATOR"));
        args.addAll(tls.springKafkaArguments("kafka"));
        JavaProcess remit = JavaProcess.ofJar(
                "remit-tls",
                Shipped.jar(),
                List.of("-Xmx256m"),
                args,
                Map.of(
                        "REMIT_API_SECRET",
                        io.remit.sandbox.SandboxOptions.DEFAULT_SECRET,
                        "SPRING_DATASOURCE_PASSWORD",
                        infra.dbPassword),
                dir.resolve("remit.log"));
        remit.start();
        try (KafkaProbe probe = new KafkaProbe(kafka.clientProperties())) {
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions()
                    .failFast("remit exited; see " + remit.log(), () -> !remit.isAlive())
                    .until(() -> status("http://127.0.0.1:" + management + "/actuator/health/readiness") == 200);

            // the engine: consumed over TLS, refused by the API, dead-lettered in a transaction over TLS
            String key = "tls-" + UUID.randomUUID();
            probe.send(COMMANDS, key, Commands.createInvoice("conn_unknown", key, "10.00", "EUR"));
            JdbcTemplate jdbc =
                    new JdbcTemplate(new DriverManagerDataSource(infra.jdbcUrl, infra.dbUser, infra.dbPassword));
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> jdbc.queryForList(
                                            "select error_code from command_outcome where request_id = ? and status = 'DEAD_LETTERED'",
                                            String.class,
                                            key)
                                    .size()
                            == 1);
            String code = jdbc.queryForObject(
                    "select error_code from command_outcome where request_id = ?", String.class, key);
            assertThat(read(probe, DEAD_LETTERS, key, 1)).hasSize(1);

            // the console: a redrive reads the commands topic and publishes over TLS
            JsonNode started = json.readTree(post(
                    "http://127.0.0.1:" + console + "/ops/redrives",
                    "{\"filter\":{\"requestIds\":[\"" + key + "\"],\"codes\":[\"" + code + "\"]},\"reason\":\"tls\"}"));
            String id = started.get("id").asString();
            JsonNode done = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(
                            () -> json.readTree(get("http://127.0.0.1:" + console + "/ops/redrives/" + id)),
                            state -> state.get("state").asString().equals("DONE"));
            assertThat(done.get("redriven").asInt()).as(done.toString()).isEqualTo(1);
            List<ConsumerRecord<byte[], byte[]>> onCommands = read(probe, COMMANDS, key, 2);
            assertThat(onCommands)
                    .filteredOn(r -> id.equals(KafkaProbe.header(r, "remit.redrive.id")))
                    .as("the redriven command, published by the console's producer")
                    .hasSize(1);
            assertThat(Files.readString(remit.log()))
                    .as("no client fell back to plaintext")
                    .doesNotContain("security.protocol = PLAINTEXT");
        } finally {
            remit.kill();
        }
    }

    /** Records of {@code topic} under {@code key}, read_committed over TLS, until {@code count} are seen or 30 s. */
    private static List<ConsumerRecord<byte[], byte[]>> read(KafkaProbe probe, String topic, String key, int count) {
        return probe
                .readUntil(
                        List.of(topic),
                        Duration.ofSeconds(30),
                        read -> read.stream()
                                        .filter(r -> key.equals(KafkaProbe.key(r)))
                                        .count()
                                >= count)
                .stream()
                .filter(r -> key.equals(KafkaProbe.key(r)))
                .toList();
    }

    private int status(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private String get(String url) throws Exception {
        HttpResponse<String> answer = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", basic())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return answer.body();
    }

    private String post(String url, String body) throws Exception {
        HttpResponse<String> answer = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", basic())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isBetween(200, 202);
        return answer.body();
    }

    private static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    }
}
