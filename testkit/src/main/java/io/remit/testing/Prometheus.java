package io.remit.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus server ({@code /usr/bin/prometheus}, Debian's {@code prometheus} package) scraping one job every
 * second and evaluating the given rules every second, its data in a directory of its own; what an operator's alerting
 * would see, read from {@code /api/v1/alerts}.
 */
public final class Prometheus implements AutoCloseable {
    /** Where Debian's package installs it; CI installs it with .ci/deploy-checks.sh's apt packages. */
    public static final Path BINARY = Path.of("/usr/bin/prometheus");

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    private Prometheus(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts Prometheus scraping {@code metricsPath} of {@code targets} (host:port) as job {@code job}, with
     * {@code rules} (the text of a rule file); answers once it is ready.
     */
    public static Prometheus start(Path dir, String job, String metricsPath, List<String> targets, String rules)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY))
            throw new IllegalStateException(
                    BINARY + " is missing: apt-get install prometheus (as .ci/deploy-checks.sh)");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("rules.yaml"), rules);
        Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                  - rules.yaml
                scrape_configs:
                  - job_name: %s
                    metrics_path: %s
                    static_configs:
                      - targets: [%s]
                """.formatted(
                job,
                metricsPath,
                String.join(", ", targets.stream().map(t -> '"' + t + '"').toList())));
        int port = Ports.free();
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(
                        BINARY.toString(),
                        "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Prometheus prometheus = new Prometheus(process, port, log);
        prometheus.awaitReady(Duration.ofSeconds(30));
        return prometheus;
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("Prometheus exited; see " + log);
            try {
                if (get("/-/ready").statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        close();
        throw new IllegalStateException("Prometheus was not ready within " + timeout + "; see " + log);
    }

    /** The state of each alert now ({@code pending} or {@code firing}); an alert not listed is inactive. */
    public Map<String, String> alerts() throws IOException, InterruptedException {
        HttpResponse<String> answer = get("/api/v1/alerts");
        if (answer.statusCode() != 200) throw new IOException("/api/v1/alerts answered " + answer.statusCode());
        Map<String, String> states = new HashMap<>();
        for (JsonNode alert : json.readTree(answer.body()).path("data").path("alerts")) {
            String name = alert.path("labels").path("alertname").asString();
            // of several series of one alert, firing wins
            if (!"firing".equals(states.get(name)))
                states.put(name, alert.path("state").asString());
        }
        return states;
    }

    /** Waits until {@code job}'s targets have been scraped and the rules evaluated with what they answered. */
    public void awaitScraped(String job, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String query =
                java.net.URLEncoder.encode("up{job=\"" + job + "\"} == 1", java.nio.charset.StandardCharsets.UTF_8);
        while (json.readTree(get("/api/v1/query?query=" + query).body())
                .path("data")
                .path("result")
                .isEmpty()) {
            if (System.nanoTime() > deadline)
                throw new IllegalStateException(job + " was not scraped within " + timeout + "; see " + log);
            Thread.sleep(200);
        }
        Thread.sleep(2000); // an evaluation (every second) with the scrape in
    }

    public Path log() {
        return log;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
