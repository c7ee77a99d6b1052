package io.remit.chaos;

import io.remit.sandbox.FaultsJson;
import io.remit.sandbox.SandboxOptions;
import io.remit.sandbox.SandboxServer;
import io.remit.testing.CommandMix;
import io.remit.testing.JavaProcess;
import io.remit.testing.KafkaCluster;
import io.remit.testing.Ports;
import io.remit.testing.ReplicatedPostgres;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The exactly-once proof: N commands through 3 remit processes (the packaged jar) in one group while faults of a real
 * deployment are made ({@link Fault}: {@code --faults kill,broker,leader,coordinator,postgres,pg-failover,freeze,
 * blackhole-api,blackhole-postgres,blackhole-kafka,rolling}, or {@code all}) on one broker or a three-node cluster
 * ({@code --brokers 3}), with either consumer group protocol ({@code --protocol classic|consumer}), and the sandbox
 * injecting ~10 % transient errors, 429 bursts, timeouts and ~2 % applied-but-lost answers. Then {@link ChaosChecks} and
 * a table. Full size:
 * {@code ./mvnw -q -DskipTests package exec:java -Dexec.mainClass=io.remit.chaos.ChaosRun -Dexec.args="--commands 100000 --brokers 3 --faults all"}.
 */
public final class ChaosRun {
    static final String COMMANDS = "chaos.commands";
    static final String DEAD_LETTERS = "chaos.commands.dlq";
    static final String OUTCOMES = "chaos.outcomes";
    static final String DELAYS = "200ms,500ms,1s,2s,4s,8s";
    static final String FAULTS = """
            {"error500":0.03,"error502":0.02,"error503":0.02,"error504":0.01,"hang":0.02,"hangMs":1500,
             "burst429":0.0003,"burst429Ms":500,"lost":0.02,"lostAs":"mix",
             "webhookDuplicate":0.1,"webhookReorder":0.2,"webhookDelayMs":0,"webhookDelayMaxMs":500,
             "webhookBadSignature":0.05,"webhookFailedShare":0.1}""";

    /** How big and how rough a run is. */
    public record Options(
            int commands,
            int workers,
            Duration feed,
            Duration killEvery,
            Set<Fault> faults,
            int brokers,
            int partitions,
            String protocol,
            Duration blackhole,
            Duration quietTimeout) {
        public Options {
            faults = Set.copyOf(faults);
            if (!protocol.equals("classic") && !protocol.equals("consumer"))
                throw new IllegalArgumentException("--protocol is classic or consumer, not " + protocol);
        }

        /** {@code --faults} as {@link Fault#parse} reads it. */
        public static Options of(
                int commands, Duration feed, String faults, int brokers, String protocol, Duration blackhole) {
            return new Options(
                    commands,
                    3,
                    feed,
                    Duration.ofSeconds(10),
                    Fault.parse(faults),
                    brokers,
                    6,
                    protocol,
                    blackhole,
                    Duration.ofMinutes(5));
        }

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
                    Fault.parse(flags.getOrDefault("--faults", Fault.DEFAULT)),
                    Integer.parseInt(flags.getOrDefault("--brokers", "1")),
                    Integer.parseInt(flags.getOrDefault("--partitions", "6")),
                    flags.getOrDefault("--protocol", "classic"),
                    Duration.ofSeconds(Long.parseLong(flags.getOrDefault("--blackhole-seconds", "30"))),
                    Duration.ofMinutes(Long.parseLong(flags.getOrDefault("--quiet-minutes", "10"))));
        }
    }

    /** The outcome: the checks' counts and the faults that were made. */
    public record Report(long violations, String table) {}

    /** One fault made: when (seconds into the feed) and how long until it was healed. */
    record Made(String fault, long atSecond, long tookSeconds, String detail) {}

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
        String webhookSecret = "chaos-webhook-secret-" + UUID.randomUUID();
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<JavaProcess> workers = new ArrayList<>();
        boolean failover = options.faults().contains(Fault.PG_FAILOVER);
        try (KafkaCluster kafka = new KafkaCluster(Files.createDirectories(dir.resolve("kafka")), options.brokers());
                Database db = failover
                        ? Database.replicated(new ReplicatedPostgres(dir.resolve("pg")))
                        : Database.single(new RestartablePostgres(dir.resolve("pg")));
                SandboxServer sandbox = SandboxServer.start(new SandboxOptions(
                        "127.0.0.1",
                        0,
                        SandboxOptions.DEFAULT_KEY,
                        apiSecret,
                        FaultsJson.merge(io.remit.sandbox.Faults.NONE, FAULTS),
                        false));
                SilentProxy api = new SilentProxy(
                        "127.0.0.1", URI.create(sandbox.baseUrl()).getPort());
                Proxies postgresProxies = new Proxies(db.ports())) {
            CommandMix load = new CommandMix(run, options.commands(), sandbox, 5, 5);
            // Expereon's webhooks, to the first worker's receiver (through its restarts), with their own faults
            List<Integer> webhookPorts = new ArrayList<>();
            for (int i = 0; i < options.workers(); i++) webhookPorts.add(Ports.free());
            sandbox.webhooks()
                    .configure("http://127.0.0.1:" + webhookPorts.getFirst() + "/webhooks/expereon", webhookSecret);
            Network network = new Network(
                    kafka.bootstrapServers(), Database.url(postgresProxies.ports()), "http://127.0.0.1:" + api.port());
            for (int i = 0; i < options.workers(); i++) {
                workers.add(worker(
                        i,
                        options,
                        network,
                        new Secrets(apiSecret, dbPassword, webhookSecret),
                        webhookPorts.get(i),
                        dir));
            }
            workers.forEach(JavaProcess::start);
            awaitReady(workers, Duration.ofSeconds(120));
            JdbcTemplate jdbc = new JdbcTemplate(new DriverManagerDataSource(db.jdbcUrl(), "postgres", dbPassword));

            AtomicInteger kills = new AtomicInteger();
            List<Made> made = java.util.Collections.synchronizedList(new ArrayList<>());
            Faults faults = new Faults(options, workers, kafka, db, api, postgresProxies, made);
            long feedStarted = System.nanoTime();
            Thread killer = Thread.ofPlatform().name("chaos-kills").start(() -> faults.killWorkers(feedStarted, kills));
            Thread scheduled = Thread.ofPlatform().name("chaos-faults").start(() -> faults.scheduled(feedStarted));
            feed(kafka.bootstrapServers(), load, options.feed());
            killer.join();
            scheduled.join();
            long healed = System.nanoTime();
            boolean quiet = awaitQuiet(jdbc, load, options.quietTimeout())
                    && awaitSettled(jdbc, sandbox, options.quietTimeout());
            long recovered = Duration.ofNanos(System.nanoTime() - healed).toSeconds();

            ChaosChecks checks = new ChaosChecks();
            checks.outcomes(load, jdbc, sandbox.ledger());
            checks.deadLetters(load, jdbc, kafka.bootstrapServers(), DEAD_LETTERS);
            checks.outcomeEvents(load, jdbc, kafka.bootstrapServers(), OUTCOMES);
            checks.settlements(
                    load,
                    jdbc,
                    kafka.bootstrapServers(),
                    OUTCOMES,
                    sandbox.webhooks().delivered());
            List<String> consumed = new ArrayList<>(retryTopics());
            consumed.add(COMMANDS);
            checks.unconsumed(kafka.bootstrapServers(), "chaos", consumed);
            workers.forEach(JavaProcess::kill);
            checks.secrets(
                    workers.stream().map(JavaProcess::log).toList(),
                    jdbc,
                    kafka.bootstrapServers(),
                    DEAD_LETTERS,
                    apiSecret,
                    dbPassword,
                    webhookSecret);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("quiet", quiet);
            summary.put("workers", options.workers());
            summary.put("brokers", options.brokers());
            summary.put("partitions", options.partitions());
            summary.put("group protocol", options.protocol());
            summary.put("worker kills (SIGKILL)", kills.get());
            synchronized (made) {
                for (Made m : made)
                    summary.put(
                            "fault " + m.fault() + " at " + m.atSecond() + " s",
                            "healed after " + m.tookSeconds() + " s"
                                    + (m.detail().isEmpty() ? "" : "; " + m.detail()));
            }
            summary.put("all final after the last fault healed", recovered + " s");
            summary.put("sandbox calls", sandbox.ledger().totalCalls());
            summary.put(
                    "wall time", Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
            long violations = checks.violations() + (quiet ? 0 : 1);
            return new Report(violations, checks.table(summary) + "logs: " + dir + "\n");
        } finally {
            workers.forEach(w -> w.signal("CONT"));
            workers.forEach(JavaProcess::kill);
        }
    }

    /** Where the workers find Kafka, PostgreSQL and the API: through the proxies that can fall silent. */
    private record Network(String kafka, String jdbcUrl, String api) {}

    /** The secrets a worker is given, from its environment: the chaos checks look for each everywhere. */
    private record Secrets(String api, String db, String webhook) {}

    private static JavaProcess worker(
            int index, Options options, Network network, Secrets secrets, int webhookPort, Path dir) {
        int port = Ports.free();
        List<String> args = new ArrayList<>(List.of(
                "--management.server.port=" + port, // Actuator: readiness is polled here
                "--server.port=0", // the console's, unused
                "--spring.kafka.bootstrap-servers=" + network.kafka(),
                "--spring.datasource.url=" + network.jdbcUrl(),
                "--spring.datasource.username=postgres",
                "--spring.datasource.hikari.connection-timeout=3000",
                "--remit.api.base-url=" + network.api(),
                "--remit.api.key=" + SandboxOptions.DEFAULT_KEY,
                "--remit.api.timeout=1s",
                "--remit.topics.commands=" + COMMANDS,
                "--remit.topics.dead-letter=" + DEAD_LETTERS,
                "--remit.topics.outcomes=" + OUTCOMES,
                "--remit.topics.partitions=" + options.partitions(),
                "--remit.topics.replication-factor=" + Math.min(3, options.brokers()),
                "--remit.retry.delays=" + DELAYS,
                "--remit.worker.group-id=chaos",
                "--remit.worker.instance-id=w" + index,
                "--remit.worker.transaction-timeout=20s",
                "--remit.webhooks.enabled=true",
                "--remit.webhooks.port=" + webhookPort,
                "--logging.level.io.remit.webhook.WebhookReceiver=debug")); // each webhook's answer, by event id
        if (options.protocol().equals("consumer")) {
            // KIP-848: the session is the broker's (group.consumer.session.timeout.ms, 6 s in KafkaCluster)
            args.add("--spring.kafka.consumer.properties[group.protocol]=consumer");
        } else {
            args.add("--spring.kafka.consumer.properties[session.timeout.ms]=6000");
            args.add("--spring.kafka.consumer.properties[heartbeat.interval.ms]=1500");
            args.add("--remit.worker.static-membership=true");
        }
        Map<String, String> environment = Map.of(
                "REMIT_API_SECRET",
                secrets.api(),
                "SPRING_DATASOURCE_PASSWORD",
                secrets.db(),
                "REMIT_WEBHOOKS_SECRET",
                secrets.webhook());
        return JavaProcess.ofJar(
                "worker-" + index + ":" + port,
                Shipped.jar(),
                List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                args,
                environment,
                dir.resolve("worker-" + index + ".log"));
    }

    /** PostgreSQL as the run needs it: one server that can restart, or a primary and a standby that can fail over. */
    interface Database extends AutoCloseable {
        String jdbcUrl();

        List<Integer> ports();

        void restart() throws Exception;

        void failover() throws Exception;

        static String url(List<Integer> ports) {
            return "jdbc:postgresql://"
                    + ports.stream().map(p -> "127.0.0.1:" + p).collect(java.util.stream.Collectors.joining(","))
                    + "/postgres" + (ports.size() > 1 ? "?targetServerType=primary" : "");
        }

        static Database single(RestartablePostgres postgres) {
            return new Database() {
                public String jdbcUrl() {
                    return postgres.jdbcUrl();
                }

                public List<Integer> ports() {
                    return List.of(postgres.port());
                }

                public void restart() throws Exception {
                    postgres.stop();
                    Thread.sleep(4000);
                    postgres.start();
                }

                public void failover() {
                    throw new UnsupportedOperationException("one server: nothing to fail over to");
                }

                public void close() throws Exception {
                    postgres.close();
                }
            };
        }

        static Database replicated(ReplicatedPostgres postgres) {
            return new Database() {
                public String jdbcUrl() {
                    return postgres.jdbcUrl();
                }

                public List<Integer> ports() {
                    return postgres.ports();
                }

                public void restart() {
                    throw new UnsupportedOperationException("a replicated server fails over instead");
                }

                public void failover() throws Exception {
                    postgres.failover();
                }

                public void close() {
                    postgres.close();
                }
            };
        }
    }

    /** One {@link SilentProxy} per port. */
    static final class Proxies implements AutoCloseable {
        private final List<SilentProxy> proxies;

        Proxies(List<Integer> ports) {
            this.proxies =
                    ports.stream().map(p -> new SilentProxy("127.0.0.1", p)).toList();
        }

        List<Integer> ports() {
            return proxies.stream().map(SilentProxy::port).toList();
        }

        void silence(boolean silent) {
            proxies.forEach(p -> p.silence(silent));
        }

        @Override
        public void close() {
            proxies.forEach(SilentProxy::close);
        }
    }

    /** Makes the faults: kills all along the feed, the others once each, evenly spread over it. */
    private record Faults(
            Options options,
            List<JavaProcess> workers,
            KafkaCluster kafka,
            Database db,
            SilentProxy api,
            Proxies postgres,
            List<Made> made) {

        void killWorkers(long feedStarted, AtomicInteger kills) {
            if (!options.faults().contains(Fault.KILL)) return;
            Random random = new Random();
            try {
                while (System.nanoTime() - feedStarted < options.feed().toNanos()) {
                    Thread.sleep(options.killEvery().toMillis() / 2
                            + random.nextLong(options.killEvery().toMillis()));
                    JavaProcess victim = workers.get(random.nextInt(workers.size()));
                    synchronized (victim) { // not while a scheduled fault holds it (frozen, or being replaced)
                        victim.kill();
                        kills.incrementAndGet();
                        Thread.sleep(2000 + random.nextLong(2000));
                        victim.start();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void scheduled(long feedStarted) {
            List<Fault> once = options.faults().stream()
                    .filter(f -> f != Fault.KILL)
                    .sorted()
                    .toList();
            for (int i = 0; i < once.size(); i++) {
                long due = feedStarted + options.feed().toNanos() * (i + 1) / (once.size() + 1);
                try {
                    long wait = due - System.nanoTime();
                    if (wait > 0) Thread.sleep(Duration.ofNanos(wait));
                    long at = System.nanoTime();
                    String detail = make(once.get(i));
                    made.add(new Made(
                            once.get(i).label(),
                            Duration.ofNanos(at - feedStarted).toSeconds(),
                            Duration.ofNanos(System.nanoTime() - at).toSeconds(),
                            detail));
                } catch (Exception e) {
                    made.add(new Made(once.get(i).label(), -1, -1, "FAILED TO MAKE: " + e));
                }
            }
        }

        private String make(Fault fault) throws Exception {
            Random random = new Random();
            switch (fault) {
                case BROKER -> {
                    return restartBroker(1 + random.nextInt(kafka.size()));
                }
                case LEADER -> {
                    int partition = random.nextInt(options.partitions());
                    int leader = kafka.leaderOf(new TopicPartition(COMMANDS, partition));
                    return restartBroker(leader) + ", leader of " + COMMANDS + "-" + partition;
                }
                case COORDINATOR -> {
                    return restartBroker(kafka.coordinatorOfATransaction()) + ", coordinator of an open transaction";
                }
                case POSTGRES -> {
                    db.restart();
                    return "";
                }
                case PG_FAILOVER -> {
                    db.failover();
                    return "primary killed, standby promoted";
                }
                case FREEZE -> {
                    JavaProcess victim = workers.get(random.nextInt(workers.size()));
                    synchronized (victim) {
                        victim.signal("STOP");
                        Thread.sleep(15_000);
                        victim.signal("CONT");
                    }
                    return victim.name() + " frozen 15 s";
                }
                case BLACKHOLE_API -> {
                    return silence(api::silence);
                }
                case BLACKHOLE_POSTGRES -> {
                    return silence(postgres::silence);
                }
                case BLACKHOLE_KAFKA -> {
                    return silence(kafka::silence);
                }
                case ROLLING -> {
                    for (JavaProcess worker : workers) {
                        synchronized (worker) {
                            worker.stop(Duration.ofSeconds(120));
                            worker.start();
                            awaitReady(List.of(worker), Duration.ofSeconds(180));
                        }
                    }
                    return workers.size() + " workers replaced in turn (SIGTERM)";
                }
                case KILL -> throw new IllegalArgumentException("kills are not scheduled");
            }
            throw new IllegalArgumentException(fault.name());
        }

        private String restartBroker(int node) throws InterruptedException {
            kafka.kill(node);
            Thread.sleep(4000);
            kafka.start(node);
            return "node " + node;
        }

        private String silence(java.util.function.Consumer<Boolean> proxy) throws InterruptedException {
            proxy.accept(true);
            try {
                Thread.sleep(options.blackhole().toMillis());
            } finally {
                proxy.accept(false);
            }
            return "silent " + options.blackhole().toSeconds() + " s";
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

    /**
     * Whether, within {@code timeout}, every webhook was delivered, every settlement event produced, and every completed
     * payment or approval whose resource a webhook reported has its settlement.
     */
    private static boolean awaitSettled(JdbcTemplate jdbc, SandboxServer sandbox, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                Set<String> reported = new java.util.HashSet<>();
                sandbox.webhooks().delivered().stream()
                        .filter(e -> e.delivered())
                        .forEach(e -> reported.add(e.dataId()));
                long unsettled = jdbc.queryForList("""
                                select resource_id from command_outcome where status = 'SUCCEEDED' and settlement is null
                                and command_type in ('payment.create', 'invoice.approve')""", String.class).stream()
                        .filter(reported::contains)
                        .count();
                Long outbox = jdbc.queryForObject("select count(*) from settlement_outbox", Long.class);
                if (sandbox.webhooks().pending() == 0 && unsettled == 0 && outbox != null && outbox == 0) {
                    Thread.sleep(2000); // the last relay transaction commits before its rows are deleted
                    return true;
                }
            } catch (org.springframework.dao.DataAccessException e) {
                // PostgreSQL restarting: ask again
            }
            Thread.sleep(500);
        }
        return false;
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
