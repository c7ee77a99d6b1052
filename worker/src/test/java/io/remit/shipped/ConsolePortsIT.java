package io.remit.shipped;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.testing.Infrastructure;
import io.remit.testing.JavaProcess;
import io.remit.testing.Ports;
import io.remit.testing.Shipped;
import java.io.IOException;
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
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The packaged jar with the console on: the console on its port ({@code remit.ops.port}), Actuator on its own
 * ({@code management.server.port}), and each one's paths 404 on the other's port.
 */
class ConsolePortsIT {
    private static final String USER = "alice";
    private static final String PASSWORD = "alice-" + UUID.randomUUID();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void theConsoleAndActuatorEachAnswerOnlyOnTheirOwnPort() throws Exception {
        ShippedWorkerCheck check = new ShippedWorkerCheck(Infrastructure.get(), "ports", Ports.free());
        JavaProcess remit = start(check, "ports", List.of());
        try {
            check.awaitReady(remit);
            String console = "http://127.0.0.1:" + check.opsPort;
            String actuator = "http://127.0.0.1:" + check.port;

            assertThat(status(http, console + "/ops/dead-letters", basic())).isEqualTo(200);
            assertThat(status(http, console + "/ops/login", null)).isEqualTo(200);
            assertThat(status(http, actuator + "/actuator/health/readiness", null))
                    .isEqualTo(200);
            assertThat(status(http, actuator + "/actuator/prometheus", null)).isEqualTo(200);

            for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/prometheus"))
                assertThat(status(http, console + path, null))
                        .as("on the console's port: " + path)
                        .isEqualTo(404);
            for (String path : List.of("/ops/", "/ops/login", "/ops/dead-letters", "/ops/redrives")) {
                assertThat(status(http, actuator + path, null))
                        .as("on Actuator's port: " + path)
                        .isEqualTo(404);
                assertThat(status(http, actuator + path, basic()))
                        .as("on Actuator's port, with an operator's credentials: " + path)
                        .isEqualTo(404);
            }
        } finally {
            remit.kill();
        }
    }

    /** The jar with the console on and one operator; {@code args} added to the command line. */
    private static JavaProcess start(ShippedWorkerCheck check, String name, List<String> args) throws IOException {
        List<String> all = new ArrayList<>(List.of(
                "--remit.ops.enabled=true",
                "--remit.ops.users." + USER + ".password={bcrypt}" + new BCryptPasswordEncoder(4).encode(PASSWORD),
                "--remit.ops.users." + USER + ".roles=OPERATOR"));
        all.addAll(args);
        Path log = Files.createTempFile("remit-" + name + "-", ".log");
        JavaProcess remit = JavaProcess.ofJar(
                "remit-" + name, Shipped.jar(), List.of("-Xmx256m"), all, check.environment("shipped-" + name), log);
        remit.start();
        return remit;
    }

    /** A status, or -1 when there is no HTTP answer (refused, reset, a failed TLS handshake). */
    private static int status(HttpClient client, String url, String authorization) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (authorization != null) request.header("Authorization", authorization);
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException noAnswer) {
            return -1;
        }
    }

    private static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    }
}
