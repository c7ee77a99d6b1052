package io.remit.shipped;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.testing.Infrastructure;
import io.remit.testing.JavaProcess;
import io.remit.testing.Ports;
import io.remit.testing.Shipped;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two live processes with one instance id (issue 20, item 8): each says so in one ERROR line, health is DOWN on both
 * (its component {@code instanceId}) and {@code remit_instance_id_conflict} is 1; once one stops, the other is alone
 * again (UP, 0).
 */
class DuplicateInstanceIdIT {
    private final Infrastructure infra = Infrastructure.get();
    private final String name = "twin-" + Long.toString(System.currentTimeMillis(), 36);
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void twoLiveProcessesWithOneInstanceIdBothSaySoUntilOneStops() throws Exception {
        ShippedWorkerCheck checkA = new ShippedWorkerCheck(infra, name, Ports.free());
        ShippedWorkerCheck checkB = new ShippedWorkerCheck(infra, name, Ports.free());
        JavaProcess a = worker(checkA, "a");
        JavaProcess b = worker(checkB, "b");
        try {
            a.start();
            checkA.awaitReady(a);
            b.start();
            checkB.awaitReady(b);
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> status(checkA) == 503 && status(checkB) == 503);
            for (JavaProcess process : List.of(a, b)) {
                assertThat(log(process)
                                .lines()
                                .filter(l -> l.contains(" ERROR ")
                                        && l.contains("two live processes run with instance id '" + name + "'")))
                        .as(process.name() + " says it once")
                        .hasSize(1);
            }
            assertThat(metrics(checkA)).contains("remit_instance_id_conflict{application=\"remit\"} 1.0");

            b.stop(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> status(checkA) == 200);
            assertThat(log(a)).contains("is this process's alone again");
            assertThat(metrics(checkA)).contains("remit_instance_id_conflict{application=\"remit\"} 0.0");
        } finally {
            a.kill();
            b.kill();
        }
    }

    private JavaProcess worker(ShippedWorkerCheck check, String process) throws Exception {
        Map<String, String> env = new HashMap<>(check.environment(name)); // the same instance id for both
        Path log = Files.createTempFile("remit-twin-" + process + "-", ".log");
        return JavaProcess.ofJar("remit-twin-" + process, Shipped.jar(), List.of("-Xmx256m"), List.of(), env, log);
    }

    private int status(ShippedWorkerCheck check) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + check.port + "/actuator/health"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private String metrics(ShippedWorkerCheck check) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + check.port + "/actuator/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static String log(JavaProcess process) throws Exception {
        return Files.exists(process.log()) ? Files.readString(process.log(), StandardCharsets.ISO_8859_1) : "";
    }
}
