package io.remit.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.sandbox.Faults;
import io.remit.sandbox.FaultsJson;
import io.remit.sandbox.SandboxOptions;
import io.remit.sandbox.SandboxServer;
import io.remit.testing.Commands;
import io.remit.testing.Infrastructure;
import io.remit.testing.JavaProcess;
import io.remit.testing.KafkaProbe;
import io.remit.testing.Ports;
import io.remit.testing.Prometheus;
import io.remit.testing.Repository;
import io.remit.testing.RestartablePostgres;
import io.remit.testing.Shipped;
import io.remit.testing.SilentProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Every fault is seen where an operator looks: the packaged worker, scraped by a real Prometheus evaluating the shipped
 * alert rules ({@link AlertRules#forTestSpeed}: only their {@code for}, thresholds and range windows shortened), under
 * one fault after another; each alert that should page fires during its fault and resolves after it is healed. The
 * table of seconds is printed (docs/reliability.md, "Alerts under faults", has one).
 */
class AlertsUnderFaultsIT {
    private static final String COMMANDS = "alerts.commands";
    private static final Duration FIRE_WITHIN = Duration.ofSeconds(60);
    private static final Duration RESOLVE_WITHIN = Duration.ofSeconds(60);
    private static final Duration QUIET_WITHIN = Duration.ofSeconds(60);

    private final List<AlertTimes> table = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    @Test
    void everyAlertFiresUnderItsFaultAndResolvesAfterIt() throws Exception {
        long started = System.nanoTime();
        Path dir = Files.createTempDirectory("remit-alerts-");
        String apiSecret = "alerts-api-secret";
        EmbeddedKafkaKraftBroker kafka = Infrastructure.startEmbeddedKafka();
        JavaProcess worker = null;
        try (RestartablePostgres postgres = new RestartablePostgres(dir.resolve("pg"));
                SandboxServer sandbox = SandboxServer.start(
                        new SandboxOptions("127.0.0.1", 0, SandboxOptions.DEFAULT_KEY, apiSecret, Faults.NONE, false));
                SilentProxy api = new SilentProxy("127.0.0.1", sandbox.port());
                SilentProxy database = new SilentProxy("127.0.0.1", postgres.port());
                KafkaProbe probe = new KafkaProbe(kafka.getBrokersAsString())) {
            int port = Ports.free();
            worker = worker(port, kafka.getBrokersAsString(), database.port(), api.port(), apiSecret, dir);
            worker.start();
            awaitReady(worker, port, Duration.ofSeconds(120));
            String shipped = Files.readString(Repository.path("config/prometheus/remit-alerts.yaml"));
            try (Prometheus prometheus = Prometheus.start(
                            dir.resolve("prometheus"),
                            "remit",
                            "/actuator/prometheus",
                            List.of("127.0.0.1:" + port),
                            AlertRules.forTestSpeed(shipped));
                    CommandStream feeder = new CommandStream(probe, "ok-", 50, Commands::createInvoice)) {
                prometheus.awaitScraped("remit", Duration.ofSeconds(30));
                Watch watch = new Watch(prometheus);

                fault(
                        watch,
                        "API blackhole (no answer, 1 s timeout)",
                        List.of("RemitApiOutage", "RemitApiErrorRatioHigh", "RemitConsumerLagGrowing"),
                        () -> {
                            api.silence(true);
                            return () -> api.silence(false);
                        });
                // after the first fault: Prometheus has scraped the worker for longer than the window by now, so the
                // code's series is seen to be new (its dead letters all land between two scrapes)
                fault(watch, "12 commands the API refuses (404) at once", List.of("RemitDeadLettersRising"), () -> {
                    for (int i = 0; i < 12; i++) {
                        String key = "refused-" + i;
                        probe.send(COMMANDS, key, Commands.createInvoice("conn_unknown", key, "10.00", "USD"));
                    }
                    return () -> {};
                });
                fault(watch, "API answers 503 to 30 % of calls", List.of("RemitRetryBacklogGrowing"), () -> {
                    sandbox.setFaults(FaultsJson.merge(Faults.NONE, "{\"error503\":0.3}"));
                    return () -> sandbox.setFaults(Faults.NONE);
                });
                fault(watch, "PostgreSQL blackhole", List.of("RemitPartitionNotCommitting"), () -> {
                    database.silence(true);
                    return () -> database.silence(false);
                });
                fault(watch, "API refuses the credentials", List.of("RemitHalted"), () -> {
                    sandbox.setKeyRevoked(SandboxOptions.DEFAULT_KEY, true);
                    return () -> sandbox.setKeyRevoked(SandboxOptions.DEFAULT_KEY, false);
                });
                JavaProcess victim = worker;
                fault(
                        watch,
                        "worker killed (SIGKILL), then started again",
                        List.of("RemitWorkerDown", "RemitWorkersAbsent"),
                        () -> {
                            victim.kill();
                            return victim::start;
                        });
            }
            String printed = AlertTimes.markdown(table);
            System.out.println(printed);
            System.out.println(
                    "wall time " + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s; logs: " + dir);
            assertThat(problems).as(printed + "\nworker log: " + worker.log()).isEmpty();
            assertThat(table.stream().map(AlertTimes::alert).distinct())
                    .as("every shipped alert fires under some fault (but AlertRules.NOT_UNDER_FAULTS)")
                    .containsExactlyInAnyOrderElementsOf(AlertRules.exercised(shipped));
        } finally {
            if (worker != null) worker.kill();
            kafka.destroy();
        }
    }

    /**
     * Makes a fault ({@code make} answers how to heal it), awaits each expected alert firing, heals it and awaits each
     * resolving; records the seconds.
     */
    private void fault(Watch watch, String fault, List<String> expected, Callable<Runnable> make) throws Exception {
        watch.awaitQuiet(QUIET_WITHIN);
        long madeAt = System.nanoTime();
        Runnable heal = make.call();
        Map<String, Long> fired = watch.await(expected, "firing", madeAt, FIRE_WITHIN);
        long healedAt = System.nanoTime();
        heal.run();
        Map<String, Long> resolved = watch.await(expected, "inactive", healedAt, RESOLVE_WITHIN);
        Set<String> also = new TreeSet<>(watch.firing);
        expected.forEach(also::remove);
        if (!also.isEmpty()) fault += " (also firing: " + String.join(", ", also) + ")";
        for (String alert : expected) {
            Long toFire = fired.get(alert);
            Long toResolve = toFire == null ? null : resolved.get(alert);
            if (toFire == null) problems.add(alert + " did not fire within " + FIRE_WITHIN + " of: " + fault);
            else if (toResolve == null)
                problems.add(alert + " did not resolve within " + RESOLVE_WITHIN + " of healing: " + fault);
            table.add(new AlertTimes(alert, fault, toFire, toResolve));
        }
    }

    private static JavaProcess worker(int port, String kafka, int postgresPort, int apiPort, String secret, Path dir) {
        List<String> args = List.of(
                // the same port for both: right whether Actuator shares the server's port or has its own
                "--server.port=" + port,
                "--management.server.port=" + port,
                "--spring.kafka.bootstrap-servers=" + kafka,
                "--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres",
                "--spring.datasource.username=postgres",
                "--spring.datasource.hikari.connection-timeout=3000",
                "--remit.api.base-url=http://127.0.0.1:" + apiPort,
                "--remit.api.key=" + SandboxOptions.DEFAULT_KEY,
                "--remit.api.timeout=1s",
                "--remit.topics.commands=" + COMMANDS,
                "--remit.topics.dead-letter=" + COMMANDS + ".dlq",
                "--remit.topics.outcomes=alerts.outcomes",
                "--remit.topics.partitions=3",
                "--remit.retry.delays=15s,30s",
                "--remit.breaker.window=5s",
                "--remit.breaker.minimum-calls=5",
                "--remit.breaker.open-for=5s",
                "--remit.worker.group-id=alerts",
                "--remit.worker.instance-id=alerts-0",
                "--remit.worker.halt-probe-interval=1s",
                // windows of 20 records: full within seconds of an outage at 20 commands a second, so the commands
                // that follow wait in Kafka (lag) rather than in memory, as at production rates
                "--remit.worker.max-pending-records=20");
        return JavaProcess.ofJar(
                "worker:" + port,
                Shipped.jar(),
                List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                args,
                Map.of("REMIT_API_SECRET", secret, "SPRING_DATASOURCE_PASSWORD", "postgres"),
                dir.resolve("worker.log"));
    }

    private static void awaitReady(JavaProcess worker, int port, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> answer = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() == 200) return;
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the worker did not become ready; see " + worker.log());
    }

    /** Commands sent one every {@code everyMillis} until closed: what flows while faults are made. */
    private static final class CommandStream implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        CommandStream(KafkaProbe probe, String prefix, long everyMillis, UnaryOperator<String> command) {
            this.thread = Thread.ofPlatform().name("alerts-feeder-" + prefix).start(() -> {
                for (int n = 0; running.get(); n++) {
                    String key = prefix + n;
                    probe.producer()
                            .send(new ProducerRecord<>(
                                    COMMANDS,
                                    key.getBytes(StandardCharsets.UTF_8),
                                    command.apply(key).getBytes(StandardCharsets.UTF_8)));
                    try {
                        Thread.sleep(everyMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public void close() {
            running.set(false);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Reads Prometheus's alerts until each expected one is in a state ({@code firing}, or {@code inactive}: absent),
     * noting every alert seen firing since it was last quiet.
     */
    private static final class Watch {
        private final Prometheus prometheus;
        private final Set<String> firing = new TreeSet<>();

        Watch(Prometheus prometheus) {
            this.prometheus = prometheus;
        }

        Map<String, Long> await(List<String> alerts, String state, long since, Duration timeout)
                throws InterruptedException {
            Map<String, Long> seconds = new java.util.HashMap<>();
            long deadline = since + timeout.toNanos();
            while (seconds.size() < alerts.size() && System.nanoTime() < deadline) {
                Map<String, String> now = read();
                for (String alert : alerts) {
                    String current = now.getOrDefault(alert, "inactive");
                    if (!seconds.containsKey(alert) && current.equals(state))
                        seconds.put(alert, Math.round((System.nanoTime() - since) / 1e9));
                }
                Thread.sleep(250);
            }
            return seconds;
        }

        /** Until nothing is pending or firing (the worker's first scrapes are in, the last fault's alerts are over). */
        void awaitQuiet(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            Map<String, String> now = read();
            while (!now.isEmpty()) {
                if (System.nanoTime() > deadline)
                    throw new IllegalStateException(
                            "alerts still active with no fault: " + now + "; see " + prometheus.log());
                Thread.sleep(500);
                now = read();
            }
            firing.clear();
        }

        private Map<String, String> read() throws InterruptedException {
            try {
                Map<String, String> now = prometheus.alerts();
                now.forEach((alert, state) -> {
                    if (state.equals("firing")) firing.add(alert);
                });
                return now;
            } catch (java.io.IOException e) {
                throw new IllegalStateException("Prometheus did not answer; see " + prometheus.log(), e);
            }
        }
    }
}
