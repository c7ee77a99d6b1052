package io.remit.chaos;

import io.remit.sandbox.FaultsJson;
import io.remit.sandbox.SandboxOptions;
import io.remit.sandbox.SandboxServer;
import io.remit.testing.CommandMix;
import io.remit.testing.JavaProcess;
import io.remit.testing.Ports;
import io.remit.testing.RestartablePostgres;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The exactly-once proof: N commands through 3 remit processes in one group while workers are
 * SIGKILLed every ~10 s, the broker and PostgreSQL are each restarted once, and the sandbox
 * injects ~10 % transient errors, 429 bursts, timeouts and ~2 % applied-but-lost answers.
 * Then {@link ChaosChecks} and a table. Full size:
 * {@code ./mvnw -q -DskipTests package exec:java -Dexec.mainClass=io.remit.chaos.ChaosRun -Dexec.args="--commands 100000"}.
 */
public final class ChaosRun {
    static final String COMMANDS = "chaos.commands";
    static final String DEAD_LETTERS = "chaos.commands.dlq";
    static final String DELAYS = "200ms,500ms,1s,2s,4s,8s";
    static final String FAULTS = """
            {"error500":0.03,"error502":0.02,"error503":0.02,"error504":0.01,"hang":0.02,"hangMs":1500,
             "burst429":0.0003,"burst429Ms":500,"lost":0.02,"lostAs":"mix"}""";

    /** How big and how rough a run is. */
    public record Options(
            int commands,
            int workers,
            Duration feed,
            Duration killEvery,
            boolean restartBroker,
            boolean restartPostgres,
            Duration quietTimeout) {
        static Options parse(String... args) {
            Map<String, String> flags = new LinkedHashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) flags.put(args[i], args[i + 1]);
            int commands = Integer.parseInt(flags.getOrDefault("--commands", "10000"));
            return new Options(
                    commands,
                    Integer.parseInt(flags.getOrDefault("--workers", "3")),
                    Duration.ofSeconds(Long.parseLong(
                            flags.getOrDefault("--feed-seconds", Long.toString(Math.max(40, commands / 1000))))),
                    Duration.ofSeconds(Long.parseLong(flags.getOrDefault("--kill-every-seconds", "10"))),
                    true,
                    true,
                    Duration.ofMinutes(Long.parseLong(flags.getOrDefault("--quiet-minutes", "10"))));
        }
    }

    /** The outcome: the checks' counts and the faults that were made. */
    public record Report(long violations, String table) {}

    public static void main(String[] args) throws Exception {
        Report report = run(Options.parse(args));
        System.out.println(report.table());
        System.exit(report.violations() == 0 ? 0 : 1);
    }

    public static Report run(Options options) throws Exception {
        long started = System.nanoTime();
        Path dir = Files.createTempDirectory("remit-chaos-");
        String apiSecret = "chaos-api-secret-" + UUID.randomUUID();
        String dbPassword = "chaos-db-password-" + UUID.randomUUID();
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<JavaProcess> workers = new ArrayList<>();
        try (StandaloneKafka kafka = new StandaloneKafka(Files.createDirectories(dir.resolve("kafka")));
                RestartablePostgres postgres = new RestartablePostgres(dir.resolve("pg"));
                SandboxServer sandbox = SandboxServer.start(new SandboxOptions(
                        "127.0.0.1",
                        0,
                        SandboxOptions.DEFAULT_KEY,
                        apiSecret,
                        FaultsJson.merge(io.remit.sandbox.Faults.NONE, FAULTS),
                        false))) {
            CommandMix load = new CommandMix(run, options.commands(), sandbox, 5, 5);
            for (int i = 0; i < options.workers(); i++) {
                workers.add(worker(i, kafka, postgres, sandbox, apiSecret, dbPassword, dir));
            }
            workers.forEach(JavaProcess::start);
            awaitReady(workers, Duration.ofSeconds(120));
            JdbcTemplate jdbc =
                    new JdbcTemplate(new DriverManagerDataSource(postgres.jdbcUrl(), "postgres", dbPassword));

            AtomicInteger kills = new AtomicInteger();
            Thread chaos =
                    Thread.ofPlatform().name("chaos").start(() -> makeChaos(options, workers, kafka, postgres, kills));
            feed(kafka.bootstrapServers(), load, options.feed());
            chaos.join();
            boolean quiet = awaitQuiet(jdbc, load, options.quietTimeout());

            ChaosChecks checks = new ChaosChecks();
            checks.outcomes(load, jdbc, sandbox.ledger());
            checks.deadLetters(load, jdbc, kafka.bootstrapServers(), DEAD_LETTERS);
            checks.retriesLeft(kafka.bootstrapServers(), "chaos", retryTopics());
            workers.forEach(JavaProcess::kill);
            checks.secrets(
                    workers.stream().map(JavaProcess::log).toList(),
                    jdbc,
                    kafka.bootstrapServers(),
                    DEAD_LETTERS,
                    apiSecret,
                    dbPassword);
            Map<String, Object> made = new LinkedHashMap<>();
            made.put("quiet", quiet);
            made.put("workers", options.workers());
            made.put("worker kills (SIGKILL)", kills.get());
            made.put("broker restarts", options.restartBroker() ? 1 : 0);
            made.put("PostgreSQL restarts", options.restartPostgres() ? 1 : 0);
            made.put("sandbox calls", sandbox.ledger().totalCalls());
            made.put("wall time", Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
            long violations = checks.violations() + (quiet ? 0 : 1);
            return new Report(violations, checks.table(made) + "logs: " + dir + "\n");
        } finally {
            workers.forEach(JavaProcess::kill);
        }
    }

    private static JavaProcess worker(
            int index,
            StandaloneKafka kafka,
            RestartablePostgres postgres,
            SandboxServer sandbox,
            String apiSecret,
            String dbPassword,
            Path dir)
            throws Exception {
        int port = Ports.free();
        List<String> args = List.of(
                "--management.server.port=" + port, // Actuator: readiness is polled here
                "--server.port=0", // the console's, unused
                "--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                "--spring.kafka.consumer.properties.session.timeout.ms=6000",
                "--spring.kafka.consumer.properties.heartbeat.interval.ms=1500",
                "--spring.datasource.url=" + postgres.jdbcUrl(),
                "--spring.datasource.username=postgres",
                "--spring.datasource.hikari.connection-timeout=3000",
                "--remit.api.base-url=" + sandbox.baseUrl(),
                "--remit.api.key=" + SandboxOptions.DEFAULT_KEY,
                "--remit.api.timeout=1s",
                "--remit.topics.commands=" + COMMANDS,
                "--remit.topics.dead-letter=" + DEAD_LETTERS,
                "--remit.topics.partitions=6",
                "--remit.retry.delays=" + DELAYS,
                "--remit.worker.group-id=chaos",
                "--remit.worker.instance-id=w" + index,
                "--remit.worker.static-membership=true",
                "--remit.worker.transaction-timeout=20s");
        Map<String, String> secrets = Map.of("REMIT_API_SECRET", apiSecret, "SPRING_DATASOURCE_PASSWORD", dbPassword);
        return JavaProcess.ofJar(
                "worker-" + index + ":" + port,
                Shipped.jar(),
                List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                args,
                secrets,
                dir.resolve("worker-" + index + ".log"));
    }

    private static void makeChaos(
            Options options,
            List<JavaProcess> workers,
            StandaloneKafka kafka,
            RestartablePostgres postgres,
            AtomicInteger kills) {
        Random random = new Random();
        long start = System.nanoTime();
        long feedNanos = options.feed().toNanos();
        boolean brokerDone = !options.restartBroker(), postgresDone = !options.restartPostgres();
        try {
            while (System.nanoTime() - start < feedNanos) {
                Thread.sleep(options.killEvery().toMillis() / 2
                        + random.nextLong(options.killEvery().toMillis()));
                JavaProcess victim = workers.get(random.nextInt(workers.size()));
                victim.kill();
                kills.incrementAndGet();
                Thread.sleep(2000 + random.nextLong(2000));
                victim.start();
                long elapsed = System.nanoTime() - start;
                if (!brokerDone && elapsed > feedNanos / 3) {
                    kafka.kill();
                    Thread.sleep(4000);
                    kafka.start();
                    brokerDone = true;
                } else if (!postgresDone && elapsed > feedNanos * 2 / 3) {
                    postgres.stop();
                    Thread.sleep(4000);
                    postgres.start();
                    postgresDone = true;
                }
            }
            if (!brokerDone) {
                kafka.kill();
                Thread.sleep(4000);
                kafka.start();
            }
            if (!postgresDone) {
                postgres.stop();
                Thread.sleep(4000);
                postgres.start();
            }
        } catch (Exception e) {
            throw new IllegalStateException("chaos failed", e);
        }
    }

    private static void feed(String bootstrap, CommandMix load, Duration over) throws InterruptedException {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.LINGER_MS_CONFIG,
                        10,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        300_000),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            List<CommandMix.Expected> commands = load.inOrder();
            long start = System.nanoTime();
            for (int i = 0; i < commands.size(); i++) {
                CommandMix.Expected c = commands.get(i);
                producer.send(new ProducerRecord<>(
                        COMMANDS,
                        c.key().getBytes(StandardCharsets.UTF_8),
                        c.value().getBytes(StandardCharsets.UTF_8)));
                long due = start + over.toNanos() * i / commands.size();
                long wait = due - System.nanoTime();
                if (wait > 1_000_000) Thread.sleep(Duration.ofNanos(wait));
            }
            producer.flush();
        }
    }

    private static boolean awaitQuiet(JdbcTemplate jdbc, CommandMix load, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                Integer done = jdbc.queryForObject(
                        "select count(*) from command_outcome where request_id like ? and status <> 'RETRYING'",
                        Integer.class,
                        "c-" + load.run + "-%");
                if (done != null && done == load.byKey.size()) {
                    Thread.sleep(3000); // let the last transactions settle before reading the topics
                    return true;
                }
            } catch (RuntimeException e) {
                // PostgreSQL may be restarting
            }
            Thread.sleep(1000);
        }
        return false;
    }

    private static void awaitReady(List<JavaProcess> workers, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (JavaProcess worker : workers) {
            String port = worker.name().substring(worker.name().indexOf(':') + 1);
            while (true) {
                try {
                    HttpResponse<String> answer = http.send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() == 200) break;
                } catch (java.io.IOException e) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline)
                    throw new IllegalStateException(worker.name() + " did not become ready; see " + worker.log());
                Thread.sleep(500);
            }
        }
    }

    static List<String> retryTopics() {
        return java.util.Arrays.stream(DELAYS.split(","))
                .map(d -> COMMANDS + ".retry." + d)
                .toList();
    }
}
