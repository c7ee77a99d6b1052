package io.remit.benchmark;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import io.remit.testing.Ports;
import io.remit.api.ApiProperties;
import io.remit.api.PaymentsApi;
import io.remit.api.ResponseClassifier;
import io.remit.command.Command;
import io.remit.command.CommandParser;
import io.remit.command.ParsedCommand;
import io.remit.benchmark.reference.ReferenceWorker;
import io.remit.sandbox.FaultsJson;
import io.remit.sandbox.Faults;
import io.remit.sandbox.SandboxOptions;
import io.remit.testing.CommandMix;
import io.remit.testing.Infrastructure;

/**
 * remit against the usual Spring Kafka design, side by side on one broker, one PostgreSQL and
 * one sandbox, at several API latencies. Per latency: a backlog of N commands (creates, approvals,
 * payments; 5 % transient 503s that succeed on retry, 1 % permanent 404/409) is drained by remit,
 * then by the reference worker ({@code @KafkaListener} + {@code @RetryableTopic}), then sent by the
 * bare API client with remit's in-flight bound (the ceiling). End-to-end latency is measured in a
 * second phase at half each worker's throughput. Prints one table per latency. Not a test:
 * {@code ./mvnw -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.remit.benchmark.Benchmark -Dexec.args="--commands 100000"}.
 */
public final class Benchmark {
    /** What is measured and how much. */
    record Options(int commands, List<Integer> latenciesMs, int partitions, Duration referenceLimit, Duration paced,
                   List<Integer> backlogs, int maxInFlight, int consumers, boolean check, boolean profile) {
        static Options parse(String... args) {
            Map<String, String> flags = new HashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) flags.put(args[i], args[i + 1]);
            return new Options(Integer.parseInt(flags.getOrDefault("--commands", "100000")),
                    ints(flags.getOrDefault("--latencies", "0,10,50,200")),
                    Integer.parseInt(flags.getOrDefault("--partitions", "12")),
                    Duration.ofSeconds(Long.parseLong(flags.getOrDefault("--reference-seconds", "120"))),
                    Duration.ofSeconds(Long.parseLong(flags.getOrDefault("--paced-seconds", "20"))),
                    ints(flags.getOrDefault("--backlogs", "10000,100000,1000000")),
                    Integer.parseInt(flags.getOrDefault("--max-in-flight", "256")),
                    Integer.parseInt(flags.getOrDefault("--consumers", "4")),
                    Boolean.parseBoolean(flags.getOrDefault("--check", "true")),
                    Boolean.parseBoolean(flags.getOrDefault("--profile", "false")));
        }

        private static List<Integer> ints(String csv) {
            return csv.isBlank() || csv.equals("none") ? List.of() : Arrays.stream(csv.split(",")).map(String::trim).map(Integer::parseInt).toList();
        }
    }

    /** One measured line of a table. */
    record Row(String who, long completed, double perSecond, double e2eP50Ms, double e2eP99Ms, double cpuSecondsPer1k,
               long peakHeapMb, long peakLiveMb, long peakRssMb, List<String> problems) {}

    private final Options options;
    private final Infrastructure infra;
    private final JdbcTemplate jdbc;
    private final Path logs;
    private final CommandParser parser = new CommandParser();
    private final PaymentsApi api;
    private int runs;

    Benchmark(Options options, Infrastructure infra) throws Exception {
        this.options = options;
        this.infra = infra;
        this.jdbc = new JdbcTemplate(new DriverManagerDataSource(infra.jdbcUrl, infra.dbUser, infra.dbPassword));
        this.logs = Files.createTempDirectory("remit-benchmark-");
        ApiProperties properties = new ApiProperties(java.net.URI.create(infra.sandbox.baseUrl()), SandboxOptions.DEFAULT_KEY,
                SandboxOptions.DEFAULT_SECRET, Duration.ofSeconds(10), Duration.ofSeconds(2), options.maxInFlight(), "/", null);
        tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
        this.api = new PaymentsApi(properties, new ResponseClassifier(json, java.time.Clock.systemUTC(), Map.of()), json);
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        try (Infrastructure infra = Infrastructure.start()) {
            List<String> problems = new Benchmark(options, infra).run();
            System.out.println(problems.isEmpty() ? "\ncorrectness: every check passed" : "\ncorrectness problems: " + problems);
            System.exit(problems.isEmpty() ? 0 : 1);
        }
    }

    /** Runs every measurement, prints the tables, and answers the correctness problems found. */
    List<String> run() throws Exception {
        List<String> problems = new ArrayList<>();
        System.out.printf("%nremit benchmark: %d commands, %d partitions, max in flight %d, %d remit consumer(s), %d cores; logs in %s%n",
                options.commands(), options.partitions(), options.maxInFlight(), options.consumers(),
                Runtime.getRuntime().availableProcessors(), logs);
        for (int latency : options.latenciesMs()) {
            Row remit = measure(Kind.REMIT, latency, options.commands(), Duration.ofMinutes(30));
            Row reference = measure(Kind.REFERENCE, latency, options.commands(), options.referenceLimit());
            Row ceiling = ceiling(latency);
            problems.addAll(remit.problems());
            print(latency, remit, reference, ceiling);
        }
        if (!options.backlogs().isEmpty()) backlogTable();
        return problems;
    }

    private Row measure(Kind kind, int latency, int commands, Duration limit) throws Exception {
        calmSandbox(latency);
        CommandMix mix = new CommandMix(kind.name().toLowerCase() + "-" + latency + "-" + (runs++), commands, infra.sandbox, 1, 0);
        String topic = "bench." + mix.run;
        createTopic(topic);
        Map<String, Long> sentAt = produce(topic, mix.inOrder(), 0);
        Row drained;
        try (MeasuredWorker worker = kind.start(this, topic)) {
            drained = drain(kind, worker, mix, limit);
        }
        // end-to-end latency at half the measured throughput, on a fresh topic and worker
        CommandMix paced = new CommandMix(mix.run + "-paced", (int) Math.max(50, drained.perSecond() / 2 * options.paced().toSeconds()),
                infra.sandbox, 1, 0);
        String pacedTopic = "bench." + paced.run;
        createTopic(pacedTopic);
        double[] e2e;
        try (MeasuredWorker worker = kind.start(this, pacedTopic)) {
            Thread.sleep(5_000); // let the consumers join the group before the clock starts
            Map<String, Long> pacedSentAt = produce(pacedTopic, paced.inOrder(), drained.perSecond() / 2);
            awaitFinal(kind, paced.run, paced.byKey.size(), Duration.ofMinutes(3));
            e2e = percentiles(kind, paced.run, pacedSentAt);
        }
        sentAt.clear();
        return new Row(drained.who(), drained.completed(), drained.perSecond(), e2e[0], e2e[1], drained.cpuSecondsPer1k(),
                drained.peakHeapMb(), drained.peakLiveMb(), drained.peakRssMb(), drained.problems());
    }

    /**
     * Throughput is measured between the moments 10 % and 90 % of the commands are final: the
     * steady state, without the JVM's start nor the tail of the last retries (1 s, 2 s, … later).
     * A worker that cannot get there within {@code limit} is measured from its first final
     * command to the limit.
     */
    private Row drain(Kind kind, MeasuredWorker worker, CommandMix mix, Duration limit) throws InterruptedException {
        int n = mix.byKey.size();
        long deadline = System.nanoTime() + limit.toNanos();
        long startedAt = 0, startCount = 0, done = 0;
        Duration cpuAtStart = Duration.ZERO;
        while (System.nanoTime() < deadline && (startedAt == 0 || done < n * 9L / 10)) {
            done = finalRows(kind, mix.run);
            if (startedAt == 0 && done > 0 && (done >= n / 10 || kind == Kind.REFERENCE)) {
                startedAt = System.nanoTime();
                startCount = done;
                cpuAtStart = worker.cpu();
            }
            Thread.sleep(50);
        }
        done = finalRows(kind, mix.run);
        double seconds = (System.nanoTime() - startedAt) / 1e9;
        long steadyCommands = done - startCount;
        Duration cpu = worker.cpu().minus(cpuAtStart);
        if (kind == Kind.REMIT) awaitFinal(kind, mix.run, n, Duration.ofMinutes(5));
        List<String> problems = kind == Kind.REMIT && options.check() ? check(mix) : List.of();
        double perSecond = startedAt == 0 ? 0 : steadyCommands / seconds;
        return new Row(kind.label, finalRows(kind, mix.run), perSecond, 0, 0, cpu.toMillis() / 1000.0 / Math.max(1, steadyCommands / 1000.0),
                worker.peakHeapBytes() >> 20, worker.peakLiveDataBytes() >> 20, worker.peakRssBytes() >> 20, problems);
    }

    /** remit's guarantees held: one final row per command as expected, one effect per success, none otherwise. */
    private List<String> check(CommandMix mix) {
        List<String> problems = new ArrayList<>();
        Map<String, String> status = new HashMap<>();
        jdbc.query("select request_id, status from command_outcome where request_id like ?",
                (java.sql.ResultSet r) -> { status.put(r.getString(1), r.getString(2)); }, "c-" + mix.run + "-%");
        long wrong = 0, effects = 0;
        for (CommandMix.Expected e : mix.byKey.values()) {
            if (!e.status().equals(status.get(e.key()))) wrong++;
            int n = infra.sandbox.ledger().effects(e.key());
            if (n != (e.status().equals("SUCCEEDED") ? 1 : 0)) effects++;
        }
        if (status.size() != mix.byKey.size()) problems.add(mix.run + ": " + status.size() + " outcome rows for " + mix.byKey.size() + " commands");
        if (wrong > 0) problems.add(mix.run + ": " + wrong + " commands with an unexpected outcome");
        if (effects > 0) problems.add(mix.run + ": " + effects + " commands without exactly the expected sandbox effects");
        return problems;
    }

    private Row ceiling(int latency) throws Exception {
        calmSandbox(latency);
        CommandMix mix = new CommandMix("ceiling-" + latency + "-" + (runs++), options.commands(), infra.sandbox, 1, 0);
        Ceiling.Result result = Ceiling.run(api, mix.inOrder().stream().map(this::command).toList());
        double seconds = result.elapsed().toMillis() / 1000.0;
        return new Row("ceiling (remit's API client alone)", result.succeeded() + result.failed(),
                (result.succeeded() + result.failed()) / seconds, Double.NaN, Double.NaN, Double.NaN, -1, -1, -1, List.of());
    }

    private Command command(CommandMix.Expected command) {
        var parsed = (ParsedCommand.Valid) parser.parse(command.key().getBytes(StandardCharsets.UTF_8),
                command.value().getBytes(StandardCharsets.UTF_8));
        return parsed.command();
    }

    private void calmSandbox(int latency) {
        infra.sandbox.reset();
        String latencyJson = latency == 0 ? "" : "\"latency\":\"fixed\",\"latencyMs\":" + latency + ",";
        infra.sandbox.setFaults(FaultsJson.merge(Faults.NONE, "{" + latencyJson + "\"error503\":0.05}"));
    }

    private void backlogTable() throws Exception {
        System.out.printf("%n### remit's heap as the backlog grows (API latency 50 ms, first 30 s of the drain)%n%n"
                + "| commands waiting | peak heap in use (MB) | peak live data after GC (MB) | peak RSS (MB) |%n|---|---|---|---|%n");
        calmSandbox(50);
        for (int backlog : options.backlogs()) {
            String topic = "bench.backlog." + backlog + "." + (runs++);
            createTopic(topic);
            produceCreates(topic, backlog);
            try (MeasuredWorker worker = Kind.REMIT.start(this, topic)) {
                Thread.sleep(30_000);
                System.out.printf("| %,d | %d | %d | %d |%n", backlog, worker.peakHeapBytes() >> 20,
                        worker.peakLiveDataBytes() >> 20, worker.peakRssBytes() >> 20);
            }
            infra.sandbox.reset();
        }
    }

    private void print(int latency, Row remit, Row reference, Row ceiling) {
        System.out.printf("%n### API latency %d ms%n%n| worker | commands | commands/s | e2e p50 (ms) | e2e p99 (ms) "
                + "| CPU s / 1k commands | peak heap (MB) | peak live (MB) | peak RSS (MB) |%n|---|---|---|---|---|---|---|---|---|%n", latency);
        for (Row row : List.of(remit, reference, ceiling)) {
            System.out.printf("| %s | %,d | %,.0f | %s | %s | %s | %s | %s | %s |%n", row.who(), row.completed(), row.perSecond(),
                    num(row.e2eP50Ms()), num(row.e2eP99Ms()), num(row.cpuSecondsPer1k()), mb(row.peakHeapMb()),
                    mb(row.peakLiveMb()), mb(row.peakRssMb()));
        }
        System.out.printf("%nremit / reference = %.1f×; remit / ceiling = %.0f %%%n", remit.perSecond() / reference.perSecond(),
                100 * remit.perSecond() / ceiling.perSecond());
    }

    private static String num(double value) {
        return Double.isNaN(value) ? "–" : value >= 100 ? String.format("%,.0f", value) : String.format("%.2f", value);
    }

    private static String mb(long value) {
        return value < 0 ? "–" : Long.toString(value);
    }

    private long finalRows(Kind kind, String run) {
        Long n = jdbc.queryForObject("select count(*) from " + kind.table + " where request_id like ? and status <> 'RETRYING'",
                Long.class, "c-" + run + "-%");
        return n == null ? 0 : n;
    }

    private void awaitFinal(Kind kind, String run, int expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (finalRows(kind, run) < expected && System.nanoTime() < deadline) Thread.sleep(200);
    }

    private double[] percentiles(Kind kind, String run, Map<String, Long> sentAt) {
        List<Long> latencies = new ArrayList<>();
        jdbc.query("select request_id, updated_at from " + kind.table + " where request_id like ? and status <> 'RETRYING'",
                (java.sql.ResultSet r) -> {
                    Long sent = sentAt.get(r.getString(1));
                    if (sent != null) latencies.add(r.getTimestamp(2).getTime() - sent);
                }, "c-" + run + "-%");
        if (latencies.isEmpty()) return new double[] {Double.NaN, Double.NaN};
        latencies.sort(Long::compare);
        return new double[] {latencies.get(latencies.size() / 2), latencies.get((int) Math.min(latencies.size() - 1, latencies.size() * 0.99))};
    }

    private void createTopic(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, options.partitions(), (short) 1))).all().get();
        }
    }

    /** Sends the commands, as fast as possible (rate 0) or at {@code perSecond}; answers each key's send time. */
    private Map<String, Long> produce(String topic, List<CommandMix.Expected> commands, double perSecond) throws InterruptedException {
        Map<String, Long> sentAt = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            long start = System.nanoTime();
            for (int i = 0; i < commands.size(); i++) {
                CommandMix.Expected c = commands.get(i);
                if (perSecond > 0) {
                    long wait = start + (long) (i * 1e9 / perSecond) - System.nanoTime();
                    if (wait > 0) Thread.sleep(Duration.ofNanos(wait));
                }
                sentAt.put(c.key(), System.currentTimeMillis());
                producer.send(new ProducerRecord<>(topic, c.key().getBytes(StandardCharsets.UTF_8), c.value().getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        return sentAt;
    }

    private void produceCreates(String topic, int count) {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < count; i++) {
                String key = topic + "-" + i;
                producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                        io.remit.testing.Commands.createInvoice(key).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 262_144, ProducerConfig.ACKS_CONFIG, "1"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The two workers compared, each a separate JVM with the same heap limit. */
    enum Kind {
        REMIT("remit", "command_outcome"),
        REFERENCE("reference (@KafkaListener + @RetryableTopic)", "reference_outcome");

        final String label;
        final String table;

        Kind(String label, String table) {
            this.label = label;
            this.table = table;
        }

        MeasuredWorker start(Benchmark bench, String topic) throws Exception {
            int port = Ports.free();
            Infrastructure infra = bench.infra;
            List<String> common = List.of("--server.port=" + port,
                    "--spring.kafka.bootstrap-servers=" + infra.bootstrapServers,
                    "--spring.datasource.url=" + infra.jdbcUrl, "--spring.datasource.username=" + infra.dbUser,
                    "--spring.datasource.password=" + infra.dbPassword,
                    "--management.endpoints.web.exposure.include=health,metrics,prometheus");
            List<String> args = new ArrayList<>(common);
            if (this == REMIT) {
                args.addAll(List.of("--remit.api.base-url=" + infra.sandbox.baseUrl(), "--remit.api.key=" + SandboxOptions.DEFAULT_KEY,
                        "--remit.api.secret=" + SandboxOptions.DEFAULT_SECRET, "--remit.api.max-in-flight=" + bench.options.maxInFlight(),
                        "--remit.topics.commands=" + topic, "--remit.topics.dead-letter=" + topic + ".dlq",
                        "--remit.topics.partitions=" + bench.options.partitions(), "--remit.worker.group-id=bench-" + topic,
                        "--remit.worker.instance-id=bench-" + topic, "--remit.worker.consumers=" + bench.options.consumers()));
            } else {
                args.addAll(List.of("--reference.api.base-url=" + infra.sandbox.baseUrl(), "--reference.api.key=" + SandboxOptions.DEFAULT_KEY,
                        "--reference.api.secret=" + SandboxOptions.DEFAULT_SECRET, "--reference.topic=" + topic, "--reference.group=bench-" + topic,
                        "--reference.concurrency=" + bench.options.partitions()));
            }
            List<String> jvm = bench.options.profile()
                    ? List.of("-XX:StartFlightRecording=settings=profile,filename=" + bench.logs.resolve(topic + ".jfr"))
                    : List.of();
            Path log = bench.logs.resolve(topic + ".log");
            MeasuredWorker worker = this == REMIT
                    ? MeasuredWorker.shipped(name() + "-" + topic, jvm, args, port, log)
                    : MeasuredWorker.fromClasspath(name() + "-" + topic, ReferenceWorker.class.getName(), jvm, args, port, log);
            worker.start();
            return worker;
        }
    }
}
