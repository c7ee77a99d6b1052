package io.remit.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.RemitApplication;
import io.remit.testing.Infrastructure;
import io.remit.testing.TestSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The console switched on without users: /ops/ refuses everything, Actuator stays open, and the log says why. */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = RemitApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// a context of its own: closed after this class, so its worker does not poll Kafka beside the tests that follow
@DirtiesContext
class ConsoleClosedIT {
    static final Infrastructure infra = Infrastructure.get();
    final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @DynamicPropertySource
    static void remit(DynamicPropertyRegistry registry) {
        TestSettings.remit(infra, "closed.commands", "closed.commands.dlq", "closed")
                .forEach((name, value) -> registry.add(name, () -> value));
        registry.add("remit.ops.enabled", () -> "true");
    }

    @Test
    void refusesEveryRequestUnderOpsAndKeepsActuatorOpen(CapturedOutput output) throws Exception {
        String anyone = "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));
        for (String path :
                new String[] {"/ops/", "/ops/login", "/ops/dead-letters", "/ops/redrives", "/ops/ui/redrives"}) {
            assertThat(send(HttpRequest.newBuilder(uri(path)).build()).statusCode())
                    .as(path)
                    .isEqualTo(403);
            assertThat(send(HttpRequest.newBuilder(uri(path))
                                    .header("Authorization", anyone)
                                    .build())
                            .statusCode())
                    .as(path)
                    .isEqualTo(403);
        }
        assertThat(send(HttpRequest.newBuilder(uri("/ops/redrives"))
                                .header("Authorization", anyone)
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .build())
                        .statusCode())
                .isEqualTo(403);
        assertThat(send(HttpRequest.newBuilder(actuator("/actuator/health/liveness"))
                                .build())
                        .statusCode())
                .isEqualTo(200);
        assertThat(send(HttpRequest.newBuilder(actuator("/actuator/prometheus")).build())
                        .statusCode())
                .isEqualTo(200);
        assertThat(output.getAll())
                .contains("operator's console is closed: remit.ops.enabled=true but no users are configured")
                .doesNotContain("Using generated security password");
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private URI actuator(String path) {
        return URI.create("http://127.0.0.1:" + managementPort + path);
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
