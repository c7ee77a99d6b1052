package io.remit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.sandbox.SandboxOptions;
import io.remit.testing.Commands;
import io.remit.testing.Repository;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalManagementPort;

/** Halting on refused credentials and resuming by probe, seen through Actuator; and the metrics contract. */
class HaltAndMetricsIT extends WorkerTestSupport {
    private final HttpClient http = HttpClient.newHttpClient();

    @LocalManagementPort
    int port; // Actuator's

    @Test
    void haltsOnRefusedCredentialsWithoutDeadLetteringAndResumesWhenTheyAreAccepted() throws Exception {
        sandbox.setKeyRevoked(SandboxOptions.DEFAULT_KEY, true);
        String key = id("halt");
        send(key, Commands.createInvoice(key));

        await().atMost(Duration.ofSeconds(15))
                .until(() -> get("/actuator/health/readiness").statusCode() == 503);
        assertThat(get("/actuator/prometheus").body()).containsPattern("(?m)^remit_halted\\{[^}]*\\} 1\\.0$");
        assertThat(sandbox.ledger().calls(key)).isGreaterThanOrEqualTo(1);
        assertThat(statusOf(key)).isNull();

        sandbox.setKeyRevoked(SandboxOptions.DEFAULT_KEY, false);
        awaitStatus(key, "SUCCEEDED");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> get("/actuator/health/readiness").statusCode() == 200);
        assertThat(sandbox.ledger().effects(key)).isEqualTo(1);
        assertThat(deadLettersOf(key)).isZero();
    }

    @Test
    void exportsEveryMetricTheDashboardAndAlertsUse() throws Exception {
        String ok = id("metrics-ok"), refused = id("metrics-refused"), retried = id("metrics-retried");
        send(ok, Commands.createInvoice(ok));
        send(refused, Commands.createInvoice("conn_nowhere", refused, "1.00", "USD"));
        faults("{\"error503\":1.0}");
        send(retried, Commands.createInvoice(retried));
        awaitStatus(retried, "RETRYING");
        faults("{}");
        awaitStatus(retried, "SUCCEEDED");
        awaitStatus(refused, "DEAD_LETTERED");
        // lag gauges are refreshed every 2 s: scraped until they (and every series the dashboard and alerts use) are
        // there
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    String scrape = get("/actuator/prometheus").body();
                    Set<String> exported = new TreeSet<>();
                    Matcher series = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]")
                            .matcher(scrape);
                    while (series.find()) exported.add(series.group(1));
                    for (String name : usedByDashboardAndAlerts()) {
                        // a histogram's base name (in a panel description) stands for its _bucket/_count/_sum series
                        assertThat(exported).as(name).containsAnyOf(name, name + "_count");
                    }
                    assertThat(scrape)
                            .contains(
                                    "remit_commands_total{application=\"remit\",code=\"none\",outcome=\"succeeded\",type=\"invoice.create\"}");
                    assertThat(scrape)
                            .contains(
                                    "remit_dead_letters_total{application=\"remit\",code=\"CONNECTION_NOT_FOUND\",type=\"invoice.create\"}");
                    assertThat(scrape).contains("remit_retries_scheduled_total{application=\"remit\",tier=\"300ms\"}");
                    assertThat(scrape).doesNotContain(SandboxOptions.DEFAULT_SECRET);
                });
    }

    private static Set<String> usedByDashboardAndAlerts() throws IOException {
        Set<String> names = new TreeSet<>();
        Pattern metric = Pattern.compile("\\b((?:remit|jvm|process)_[a-z0-9_]+)");
        for (Path file : new Path[] {
            Repository.path("helm/remit/dashboards/remit-dlq.json"),
            Repository.path("config/prometheus/remit-alerts.yaml")
        }) {
            Matcher m = metric.matcher(Files.readString(file));
            while (m.find()) names.add(m.group(1));
        }
        assertThat(names).isNotEmpty();
        return names;
    }

    private long deadLettersOf(String key) {
        return kafka.readUntil(java.util.List.of(DEAD_LETTERS), Duration.ofSeconds(2), read -> false).stream()
                .filter(r -> key.equals(io.remit.testing.KafkaProbe.key(r)))
                .count();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
