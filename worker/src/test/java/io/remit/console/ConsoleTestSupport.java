package io.remit.console;

import io.remit.RemitApplication;
import io.remit.console.redrive.RedriveHeaders;
import io.remit.testing.Infrastructure;
import io.remit.testing.KafkaProbe;
import io.remit.testing.TestSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * remit with the operator's console on, the whole application on the real broker, PostgreSQL and
 * sandbox of {@link Infrastructure}: an operator and a viewer, redrives polled for every 200 ms.
 * Tests share it and keep apart by unique requestIds and codes.
 */
@SpringBootTest(classes = RemitApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ConsoleTestSupport {
    protected static final String COMMANDS = "console.commands";
    protected static final String DEAD_LETTERS = "console.commands.dlq";
    protected static final String OPERATOR = "olivia";
    protected static final String OPERATOR_PASSWORD = "olivia-" + UUID.randomUUID();
    protected static final String VIEWER = "victor";
    protected static final String VIEWER_PASSWORD = "victor-" + UUID.randomUUID();
    protected static final String OPERATOR_HASH = "{bcrypt}" + new BCryptPasswordEncoder(4).encode(OPERATOR_PASSWORD);
    protected static final String VIEWER_HASH = "{bcrypt}" + new BCryptPasswordEncoder(4).encode(VIEWER_PASSWORD);
    protected static final Infrastructure infra = Infrastructure.get();
    protected static final KafkaProbe kafka = new KafkaProbe(infra.bootstrapServers);
    protected static final JsonMapper json = JsonMapper.builder().build();

    protected final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The console's port (the main server's). */
    @LocalServerPort
    protected int port;

    /** Actuator's port: {@code management.server.port}, a random one apart from the console's. */
    @LocalManagementPort
    protected int managementPort;

    @Autowired
    protected JdbcTemplate jdbc;

    @DynamicPropertySource
    protected static void remit(DynamicPropertyRegistry registry) {
        TestSettings.remit(infra, COMMANDS, DEAD_LETTERS, "console")
                .forEach((name, value) -> registry.add(name, () -> value));
        registry.add("remit.ops.enabled", () -> "true");
        registry.add("remit.ops.users." + OPERATOR + ".password", () -> OPERATOR_HASH);
        registry.add("remit.ops.users." + OPERATOR + ".roles", () -> "OPERATOR");
        registry.add("remit.ops.users." + VIEWER + ".password", () -> VIEWER_HASH);
        registry.add("remit.ops.users." + VIEWER + ".roles", () -> "VIEWER");
        registry.add("remit.ops.redrive.poll-interval", () -> "200ms");
        // exposed but not open: shows that the security chains apply on the management server too
        registry.add("management.endpoints.web.exposure.include", () -> "health,info,prometheus,env");
    }

    protected StoredDeadLetters stored() {
        return new StoredDeadLetters(jdbc, COMMANDS);
    }

    protected static String id(String label) {
        return label + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A code no other test stores, so a filter on it sees only this test's dead letters. */
    protected static String code(String label) {
        return label.toUpperCase() + "_"
                + UUID.randomUUID().toString().substring(0, 6).toUpperCase();
    }

    protected String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** GET {@code path} from Actuator's port, without credentials. */
    protected HttpResponse<String> actuator(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    protected static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    protected HttpResponse<String> get(String path, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20));
        if (authorization != null) request.header("Authorization", authorization);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected HttpResponse<String> post(String path, String authorization, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) request.header("Authorization", authorization);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected JsonNode asOperator(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = get(path, basic(OPERATOR, OPERATOR_PASSWORD));
        if (response.statusCode() != 200)
            throw new AssertionError("GET " + path + ": " + response.statusCode() + " " + response.body());
        return json.readTree(response.body());
    }

    /** POSTs a redrive request as the operator and answers the redrive (201 expected). */
    protected JsonNode redrive(String body) throws IOException, InterruptedException {
        HttpResponse<String> response = post("/ops/redrives", basic(OPERATOR, OPERATOR_PASSWORD), body);
        if (response.statusCode() != 201)
            throw new AssertionError("POST /ops/redrives: " + response.statusCode() + " " + response.body());
        return json.readTree(response.body());
    }

    /** The records of the commands topic that carry {@code remit.redrive.id = redrive}, read as a read_committed consumer. */
    protected static List<ConsumerRecord<byte[], byte[]>> redriven(String redrive, int expected, Duration within) {
        return kafka
                .readUntil(
                        List.of(COMMANDS),
                        within,
                        read -> ofRedrive(read, redrive).size() >= expected)
                .stream()
                .filter(r -> redrive.equals(KafkaProbe.header(r, RedriveHeaders.REDRIVE_ID)))
                .toList();
    }

    /**
     * The records of {@code redrive} on the commands topic, once {@code count} are there (within 30 s), read again for
     * two seconds more so that any beyond {@code count} are in the answer too.
     */
    protected static List<ConsumerRecord<byte[], byte[]>> redrivenExactly(String redrive, int count) {
        redriven(redrive, count, Duration.ofSeconds(30));
        return redriven(redrive, count + 1, Duration.ofSeconds(2));
    }

    private static List<ConsumerRecord<byte[], byte[]>> ofRedrive(
            List<ConsumerRecord<byte[], byte[]>> read, String redrive) {
        return read.stream()
                .filter(r -> redrive.equals(KafkaProbe.header(r, RedriveHeaders.REDRIVE_ID)))
                .toList();
    }
}
