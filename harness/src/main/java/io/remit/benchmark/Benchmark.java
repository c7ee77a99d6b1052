package io.remit.benchmark;

import io.remit.api.ApiProperties;
import io.remit.api.PaymentsApi;
import io.remit.api.ResponseClassifier;
import io.remit.api.TraceHeaders;
import io.remit.benchmark.reference.ReferenceWorker;
import io.remit.chaos.ChaosChecks;
import io.remit.command.Command;
import io.remit.command.CommandParser;
import io.remit.command.ParsedCommand;
import io.remit.sandbox.Faults;
import io.remit.sandbox.FaultsJson;
import io.remit.sandbox.SandboxOptions;
import io.remit.testing.CommandMix;
import io.remit.testing.Commands;
import io.remit.testing.Infrastructure;
import io.remit.testing.Ports;
import java.io.IOException;
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

/**
 * remit against the usual Spring Kafka design, side by side on one broker, one PostgreSQL and
 * one sandbox, at several API latencies. Per latency: a backlog of N commands (creates, approvals,
 * payments; 5 % transient 503s that succeed on retry, 1 % permanent 404/409) is drained by remit,
 * then by the Parallel Consumer peer (the peer module's jar) in its transactional and its at-least-once mode,
 * then by the reference worker ({@code @KafkaListener} + {@code @RetryableTopic}), then sent by the
 * bare API client with remit's in-flight bound (the ceiling); {@code --workers remit,pc-tx,pc-alo,reference,ceiling}
 * (the default) chooses among them. remit's drains are checked (outcome rows, sandbox effects, one outcome event per
 * command), and so are the peers' (printed, not failed on). End-to-end latency is measured in a
 * second phase at half each worker's throughput (or {@code --paced-rate}), after {@code --paced-warmup-seconds} (10) of
 * the same load at that rate to warm the fresh worker's JVM. Prints one table per latency. Not a test:
 * {@code ./mvnw -q -DskipTests package exec:java -Dexec.mainClass=io.remit.benchmark.Benchmark -Dexec.args="--commands 100000"}.
 * <p>
 * {@code --scenario tail}: a slow tail that is not a failure, remit only. Per latency L, N invoice creations (no
 * injected errors) are drained twice in one run, once with every call taking L ms and once with a share
 * ({@code --tail-share}, 0.01) taking {@code --tail-ms} (5000) instead; then each is paced at {@code --paced-rate}
 * commands/s for {@code --paced-seconds}, measuring e2e to the decision and to the Kafka commit of the offset:
 * {@code --scenario tail --commands 20000 --partitions 3 --latencies 50 --paced-rate 1000 --paced-seconds 20}.
 * {@code --scenario uniform}: N invoice creations at each latency, no injected errors, drained by each variant in turn,
 * then sent by remit's API client alone; one table of commands/s, % of that ceiling and CPU s per 1,000 commands:
 * {@code --scenario uniform --commands 20000 --partitions 12 --latencies 50 --variants "before@/tmp/a.jar;after@-"}.
 * {@code --warmup N} puts N creates of another run ahead of them (uniform and tail scenarios), and sends N through the
 * ceiling's client first: CPU and throughput of a warm JVM, not of one still compiling.
 * {@code --remit-props k=v,k=v} passes more settings to remit (e.g. {@code remit.worker.max-pending-records=8000}).
 * <p>
 * {@code --curve 10,25,50,75,90,100} (latencies and uniform scenarios): after each worker's drain, its latency under
 * load. On a fresh worker, after the paced phase's warm-up, commands are paced at each share (%) of that worker's
 * drained commands/s for {@code --curve-seconds} (10); per step, the commands/s offered and achieved and e2e p50 and
 * p99 of the commands decided at their first attempt (those that waited for a retry are counted apart). One table per
 * worker, and a chart of them all to {@code --curve-svg} (docs/latency-curve.svg; a relative path is the repository's):
 * {@code --scenario uniform --workers remit,pc-tx,pc-alo --commands 20000 --latencies 50 --curve 10,25,50,75,90,100}.
 * <p>
 * Every drain prints where the whole machine's CPU went over its steady window, by who spent it ({@link MachineSplit}:
 * the worker, PostgreSQL, the broker, the sandbox, the harness). {@code --statements true} adds PostgreSQL's statements
 * by cost ({@code pg_stat_statements}, preloaded), the broker's requests by kind ({@link BrokerRequests}) and this JVM's
 * threads. In the latencies and uniform scenarios a remit worker first drains {@code --harness-warmup} commands,
 * unmeasured, so that the first worker measured does not run against a broker and a sandbox still being compiled.
 */
public final class Benchmark {
    /** What is measured and how much. */
    record Options(
            int commands,
            List<Integer> latenciesMs,
            int partitions,
            Duration referenceLimit,
            Duration paced,
            List<Integer> backlogs,
            int maxInFlight,
            int consumers,
            boolean check,
            boolean profile,
            String scenario,
            long tailMs,
            double tailShare,
            double pacedRate,
            List<String> remitProps,
            List<Variant> variants,
            List<String> workers,
            int warmup,
            Duration pacedWarmup,
            List<Integer> curve,
            Duration curveStep,
            Path curveSvg,
            boolean statements,
            int harnessWarmup) {
        Options {
            if (!curve.isEmpty() && scenario.equals("tail"))
                throw new IllegalArgumentException("--curve: the latencies or the uniform scenario, not the tail");
        }

        static Options parse(String... args) {
            Map<String, String> flags = new HashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) flags.put(args[i], args[i + 1]);
            return new Options(
                    Integer.parseInt(flags.getOrDefault("--commands", "100000")),
                    ints(flags.getOrDefault("--latencies", "0,10,50,200")),
                    Integer.parseInt(flags.getOrDefault("--partitions", "12")),
                    Duration.ofSeconds(Long.parseLong(flags.getOrDefault("--reference-seconds", "120"))),
                    Duration.ofSeconds(Long.parseLong(flags.getOrDefault("--paced-seconds", "20"))),
                    ints(flags.getOrDefault("--backlogs", "10000,100000,1000000")),
                    Integer.parseInt(flags.getOrDefault("--max-in-flight", "256")),
                    Integer.parseInt(flags.getOrDefault("--consumers", "4")),
                    Boolean.parseBoolean(flags.getOrDefault("--check", "true")),
                    Boolean.parseBoolean(flags.getOrDefault("--profile", "false")),
                    scenario(flags.getOrDefault("--scenario", "latencies")),
                    Long.parseLong(flags.getOrDefault("--tail-ms", "5000")),
                    Double.parseDouble(flags.getOrDefault("--tail-share", "0.01")),
                    Double.parseDouble(flags.getOrDefault("--paced-rate", "0")),
                    strings(flags.getOrDefault("--remit-props", "")),
                    variants(flags.getOrDefault("--variants", ""), strings(flags.getOrDefault("--remit-props", ""))),
                    workers(flags.getOrDefault("--workers", String.join(",", WORKERS))),
                    Integer.parseInt(flags.getOrDefault("--warmup", "0")),
                    Duration.ofSeconds(Long.parseLong(flags.getOrDefault("--paced-warmup-seconds", "10"))),
                    ints(flags.getOrDefault("--curve", "none")),
                    Duration.ofSeconds(Long.parseLong(flags.getOrDefault("--curve-seconds", "10"))),
                    Path.of(flags.getOrDefault("--curve-svg", "docs/latency-curve.svg")),
                    Boolean.parseBoolean(flags.getOrDefault("--statements", "false")),
                    Integer.parseInt(flags.getOrDefault(
                            "--harness-warmup",
                            Integer.toString(
                                    Math.min(20_000, Integer.parseInt(flags.getOrDefault("--commands", "100000")))))));
        }

        /** A relative path is the repository's, wherever the benchmark was started from (exec:java, Failsafe). */
        Path curveFile() {
            return curveSvg.isAbsolute() ? curveSvg : io.remit.testing.Repository.path(curveSvg.toString());
        }

        /** Every worker the latencies scenario can measure, in the order it measures them. */
        static final List<String> WORKERS = List.of("remit", "pc-tx", "pc-alo", "reference", "ceiling");

        private static List<String> workers(String csv) {
            List<String> workers = strings(csv);
            for (String worker : workers)
                if (!WORKERS.contains(worker))
                    throw new IllegalArgumentException("--workers " + String.join(",", WORKERS) + ": " + worker);
            return workers;
        }

        boolean measures(String worker) {
            return workers.contains(worker);
        }

        /**
         * {@code label@jar[@k=v,k=v]} separated by {@code ;}; jar {@code -} is the packaged jar; a setting that starts with
         * {@code -} is a JVM option ({@code -XX:TieredStopAtLevel=1}). Default: one, the packaged jar.
         */
        private static List<Variant> variants(String spec, List<String> props) {
            if (spec.isBlank()) return List.of(new Variant("remit", null, props));
            List<Variant> variants = new ArrayList<>();
            for (String one : spec.split(";")) {
                String[] parts = one.trim().split("@", 3);
                if (parts.length < 2) throw new IllegalArgumentException("--variants label@jar[@k=v,k=v];...: " + one);
                List<String> all = new ArrayList<>(props);
                if (parts.length == 3) all.addAll(strings(parts[2]));
                variants.add(new Variant(parts[0], parts[1].equals("-") ? null : Path.of(parts[1]), List.copyOf(all)));
            }
            return List.copyOf(variants);
        }

        private static String scenario(String name) {
            if (!List.of("latencies", "tail", "uniform").contains(name))
                throw new IllegalArgumentException("--scenario latencies|tail|uniform: " + name);
            return name;
        }

        private static List<String> strings(String csv) {
            return csv.isBlank()
                    ? List.of()
                    : Arrays.stream(csv.split(","))
                            .map(String::trim)
                            .filter(s -> !s.isEmpty())
                            .toList();
        }

        private static List<Integer> ints(String csv) {
            return csv.isBlank() || csv.equals("none")
                    ? List.of()
                    : Arrays.stream(csv.split(","))
                            .map(String::trim)
                            .map(Integer::parseInt)
                            .toList();
        }
    }

    /** A remit build and settings to measure: {@code jar} null is the packaged jar (worker/target/remit-*.jar or -Dremit.jar). */
    record Variant(String label, Path jar, List<String> props) {
        Variant {
            for (String prop : props)
                if (prop.indexOf('=') < 1) throw new IllegalArgumentException("remit setting k=v expected: " + prop);
        }

        Path jarOrShipped() {
            return jar != null ? jar : io.remit.testing.Shipped.jar();
        }
    }

    /** A set of commands and what must become of each; keys are {@code c-<run>-<n>}. */
    record Load(String run, Map<String, CommandMix.Expected> byKey) {
        static Load of(CommandMix mix) {
            return new Load(mix.run, mix.byKey);
        }

        /** {@code commands} invoice creations on conn_demo, each of which must succeed. */
        static Load creates(String run, int commands) {
            Map<String, CommandMix.Expected> byKey = new LinkedHashMap<>();
            for (int n = 0; n < commands; n++) {
                String key = "c-" + run + "-" + n;
                byKey.put(key, new CommandMix.Expected(key, Commands.createInvoice(key), "SUCCEEDED", null));
            }
            return new Load(run, byKey);
        }

        List<CommandMix.Expected> inOrder() {
            return new ArrayList<>(byKey.values());
        }
    }

    /** One line of the slow-tail table: the drain, then the paced phase. */
    record TailRow(
            String api,
            Row drained,
            double pacedRate,
            double[] decided,
            double[] committed,
            long lastDecidedAfterLastSentMs,
            long committedAfterLastSentMs,
            double[] decidedLater,
            double[] committedLater) {}

    /** One measured line of a table. */
    record Row(
            String who,
            long completed,
            double perSecond,
            double e2eP50Ms,
            double e2eP99Ms,
            double cpuSecondsPer1k,
            long peakHeapMb,
            long peakLiveMb,
            long peakRssMb,
            List<String> problems,
            double machineCpuSecondsPer1k,
            double foreignCpuShare) {
        /** A row with only a count and a rate: a worker that did not run, or the ceiling (no worker JVM to sample). */
        static Row unsampled(String who, long completed, double perSecond, List<String> problems) {
            return new Row(
                    who,
                    completed,
                    perSecond,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    -1,
                    -1,
                    -1,
                    problems,
                    Double.NaN,
                    Double.NaN);
        }
    }

    /** How long a peer may finish no command before the benchmark stops waiting for it. */
    private static final Duration STALLED = Duration.ofSeconds(90);
    /**
     * How often a drain or a paced phase counts the worker's final rows. Each count reads the run's rows (about 20 ms of
     * PostgreSQL at 20,000): polled every 50 ms, it was the costliest statement PostgreSQL ran, about 0.2 CPU s per 1,000
     * commands of the worker measured ({@code --statements true} shows it). A rate is the count between two polls over
     * the time between them, so polling less often does not bias it.
     */
    private static final Duration PROGRESS_POLL = Duration.ofMillis(500);

    private final Options options;
    private final Infrastructure infra;
    private final JdbcTemplate jdbc;
    private final Statements statements;
    private final Path logs;
    private final CommandParser parser = new CommandParser();
    private final PaymentsApi api;
    private final List<LatencyCurve.Series> curves = new ArrayList<>();
    /** Numbers each run's topic and keys; static, so that two benchmarks on one broker (the smoke IT) share none. */
    private static int runs;

    private Variant variant;

    Benchmark(Options options, Infrastructure infra) throws Exception {
        this.options = options;
        this.infra = infra;
        this.variant = options.variants().getFirst();
        this.jdbc = new JdbcTemplate(new DriverManagerDataSource(infra.jdbcUrl, infra.dbUser, infra.dbPassword));
        this.statements = new Statements(jdbc, options.statements());
        this.logs = Files.createTempDirectory("remit-benchmark-");
        ApiProperties properties = new ApiProperties(
                java.net.URI.create(infra.sandbox.baseUrl()),
                SandboxOptions.DEFAULT_KEY,
                SandboxOptions.DEFAULT_SECRET,
                Duration.ofSeconds(10),
                Duration.ofSeconds(2),
                options.maxInFlight(),
                "/",
                null,
                null,
                null);
        tools.jackson.databind.json.JsonMapper json =
                tools.jackson.databind.json.JsonMapper.builder().build();
        this.api = new PaymentsApi(
                properties,
                new ResponseClassifier(json, java.time.Clock.systemUTC(), Map.of()),
                json,
                TraceHeaders.NONE);
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        try (Infrastructure infra = Infrastructure.start(
                options.statements()
                        ? Map.of("shared_preload_libraries", "pg_stat_statements", "pg_stat_statements.track", "all")
                        : Map.of())) {
            List<String> problems = new Benchmark(options, infra).run();
            System.out.println(
                    problems.isEmpty() ? "\ncorrectness: every check passed" : "\ncorrectness problems: " + problems);
            System.exit(problems.isEmpty() ? 0 : 1);
        }
    }

    /** Runs every measurement, prints the tables, and answers the correctness problems found. */
    List<String> run() throws Exception {
        List<String> problems = new ArrayList<>();
        System.out.printf(
                "%nremit benchmark: %d commands, %d partitions, max in flight %d, %d remit consumer(s), %d cores; logs in %s%n",
                options.commands(),
                options.partitions(),
                options.maxInFlight(),
                options.consumers(),
                Runtime.getRuntime().availableProcessors(),
                logs);
        if (options.scenario().equals("tail")) {
            for (int latency : options.latenciesMs()) problems.addAll(tailScenario(latency));
            return problems;
        }
        if (options.scenario().equals("uniform")) {
            warmHarness();
            for (int latency : options.latenciesMs()) problems.addAll(uniformScenario(latency));
            writeCurves();
            return problems;
        }
        warmHarness();
        for (int latency : options.latenciesMs()) {
            List<Row> remits = new ArrayList<>();
            for (Variant v : options.measures("remit")
                    ? options.variants()
                    : List.<Variant>of()) { // several remit builds or settings: each measured in turn, in one run
                variant = v;
                Row row = measure(Kind.REMIT, latency, options.commands(), Duration.ofMinutes(30));
                remits.add(
                        options.variants().size() == 1
                                ? row
                                : new Row(
                                        "remit " + v.label(),
                                        row.completed(),
                                        row.perSecond(),
                                        row.e2eP50Ms(),
                                        row.e2eP99Ms(),
                                        row.cpuSecondsPer1k(),
                                        row.peakHeapMb(),
                                        row.peakLiveMb(),
                                        row.peakRssMb(),
                                        row.problems(),
                                        row.machineCpuSecondsPer1k(),
                                        row.foreignCpuShare()));
                problems.addAll(row.problems());
                if (!options.curve().isEmpty())
                    curve(Kind.REMIT, remitName(v), row.perSecond(), latency, this::mix, problems);
            }
            List<Row> peers = new ArrayList<>();
            for (Kind peer : List.of(Kind.PC_TX, Kind.PC_ALO)) {
                if (!options.measures(peer.flag)) continue;
                Row row = measurePeer(peer, latency, problems);
                peers.add(row);
                if (row.completed() > 0 && !options.curve().isEmpty())
                    curve(peer, curveName(peer), row.perSecond(), latency, this::mix, problems);
            }
            Row reference = options.measures("reference")
                    ? measure(Kind.REFERENCE, latency, options.commands(), options.referenceLimit())
                    : null;
            if (reference != null && !options.curve().isEmpty())
                curve(Kind.REFERENCE, curveName(Kind.REFERENCE), reference.perSecond(), latency, this::mix, problems);
            Row ceiling = options.measures("ceiling") ? ceiling(latency) : null;
            print(latency, remits, peers, reference, ceiling);
        }
        writeCurves();
        if (!options.backlogs().isEmpty() && options.measures("remit")) backlogTable();
        return problems;
    }

    /**
     * Before the first measured drain, a remit worker drains {@code --harness-warmup} commands of the mix (default: as
     * many as are measured, at most 20,000), unmeasured. The broker and the sandbox run in this JVM, and the CPU they
     * spend is the machine's, which every worker shares: without it, the first worker measured (remit) also paid for
     * compiling their code. In the uniform scenario, the same build drained first and last in one run measured the broker
     * at 0.53 and 0.24 CPU s / 1k and this JVM's JIT and GC at 0.58 and 0.16 (docs/benchmarks.md, "Where the machine's
     * CPU goes").
     */
    private void warmHarness() throws Exception {
        if (options.harnessWarmup() <= 0) return;
        calmSandbox(options.latenciesMs().isEmpty() ? 50 : options.latenciesMs().getFirst());
        CommandMix mix = new CommandMix(
                "harness-warm-" + Long.toString(System.currentTimeMillis(), 36),
                options.harnessWarmup(),
                infra.sandbox,
                1,
                0);
        String topic = "bench." + mix.run;
        createTopic(topic);
        produce(topic, mix.inOrder(), 0);
        long started = System.nanoTime();
        try (MeasuredWorker worker = Kind.REMIT.start(this, topic)) {
            awaitFinal(Kind.REMIT, mix.run, options.harnessWarmup(), Duration.ofMinutes(10));
        }
        System.out.printf(
                "%nharness warm-up: %,d commands drained by remit, unmeasured, in %d s%n",
                finalRows(Kind.REMIT, mix.run), (System.nanoTime() - started) / 1_000_000_000);
    }

    /** remit's name in the latency curve: {@code remit}, or {@code remit <label>} where several variants are measured. */
    private String remitName(Variant v) {
        return options.variants().size() == 1 ? "remit" : "remit " + v.label();
    }

    private static String curveName(Kind kind) {
        return kind == Kind.REFERENCE ? "reference" : kind.label;
    }

    /**
     * A peer measured like remit, its drain checked the same way. What the checks find is reported, not failed on: a
     * peer's guarantees are its own. A peer that does not start, or finishes no command, is a problem of the benchmark.
     */
    private Row measurePeer(Kind peer, int latency, List<String> problems) {
        Row row;
        try {
            row = measure(peer, latency, options.commands(), Duration.ofMinutes(30));
        } catch (Exception e) {
            problems.add(peer.label + " failed: " + e);
            return failed(peer, e.toString());
        }
        if (row.completed() == 0) problems.add(peer.label + " finished no command");
        return row;
    }

    private static Row failed(Kind kind, String why) {
        return Row.unsampled(kind.label + " (failed)", 0, 0, List.of("did not run: " + why));
    }

    /**
     * {@code --paced-warmup-seconds} (10) of the same mix at the paced rate, before the clock starts, on the paced
     * worker's topic: a fresh JVM compiles its hot paths for its first tens of seconds, and paced at half its steady
     * rate from cold it falls behind and measures its own warm-up (a long-running worker is warm).
     */
    private void warmUp(Kind kind, String topic, String run, Workload commands, double rate)
            throws InterruptedException {
        int n = (int) (rate * options.pacedWarmup().toSeconds());
        if (n <= 0) return;
        Load warm = commands.of(run, n);
        produce(topic, warm.inOrder(), rate);
        awaitFinal(kind, warm.run(), warm.byKey().size(), Duration.ofMinutes(3));
    }

    /** What a run of {@code n} commands is: the mix (the latencies scenario) or invoice creations (uniform). */
    @FunctionalInterface
    interface Workload {
        Load of(String run, int n);
    }

    private Load mix(String run, int n) {
        return Load.of(new CommandMix(run, n, infra.sandbox, 1, 0));
    }

    /**
     * What a paced phase came to: e2e p50, p99 and p99.9 (ms) of every command and of those decided at their first
     * attempt, how many took more than one, and the commands/s sent (first to last send) and decided (the commands
     * over first send to last decision).
     */
    record Paced(double[] e2e, double[] firstAttempt, long retried, double offered, double achieved) {}

    /**
     * Sends {@code load} to the worker's {@code topic} at {@code rate} commands/s and waits, 3 minutes at most, until
     * the worker has decided every command: the paced phase, and each step of the latency curve.
     */
    private Paced pace(Kind kind, String topic, Load load, double rate) throws InterruptedException {
        Map<String, Long> sentAt = produce(topic, load.inOrder(), rate);
        awaitFinal(kind, load.run(), load.byKey().size(), Duration.ofMinutes(3));
        long firstSent = java.util.Collections.min(sentAt.values());
        long lastSent = java.util.Collections.max(sentAt.values());
        String like = "c-" + load.run() + "-%";
        Long retried = jdbc.queryForObject(
                "select count(*) from " + kind.table
                        + " where request_id like ? and status <> 'RETRYING' and attempts > 1",
                Long.class,
                like);
        java.sql.Timestamp lastDecided = jdbc.queryForObject(
                "select max(updated_at) from " + kind.table + " where request_id like ? and status <> 'RETRYING'",
                java.sql.Timestamp.class,
                like);
        double achieved = lastDecided == null
                ? 0
                : finalRows(kind, load.run()) * 1000.0 / Math.max(1, lastDecided.getTime() - firstSent);
        return new Paced(
                percentiles(kind, load.run(), sentAt, ""),
                percentiles(kind, load.run(), sentAt, " and attempts <= 1"),
                retried == null ? 0 : retried,
                (sentAt.size() - 1) * 1000.0 / Math.max(1, lastSent - firstSent),
                achieved);
    }

    private Row measure(Kind kind, int latency, int commands, Duration limit) throws Exception {
        calmSandbox(latency);
        CommandMix mix = new CommandMix(kind.flag + "-" + latency + "-" + (runs++), commands, infra.sandbox, 1, 0);
        String topic = "bench." + mix.run;
        createTopic(topic);
        Map<String, Long> sentAt = produce(topic, mix.inOrder(), 0);
        Row drained;
        try (MeasuredWorker worker = kind.start(this, topic)) {
            drained = drain(kind, worker, Load.of(mix), limit, topic);
        }
        if (kind.isPeer() && drained.completed() == 0) return drained; // broken: no paced phase to wait for
        // end-to-end latency at half the measured throughput (or --paced-rate), on a fresh topic and worker
        double rate = options.pacedRate() > 0 ? options.pacedRate() : drained.perSecond() / 2;
        CommandMix paced = new CommandMix(
                mix.run + "-paced", (int) Math.max(50, rate * options.paced().toSeconds()), infra.sandbox, 1, 0);
        String pacedTopic = "bench." + paced.run;
        createTopic(pacedTopic);
        double[] e2e;
        try (MeasuredWorker worker = kind.start(this, pacedTopic)) {
            Thread.sleep(5_000); // let the consumers join the group before the clock starts
            warmUp(kind, pacedTopic, mix.run + "-warm", this::mix, rate);
            e2e = pace(kind, pacedTopic, Load.of(paced), rate).e2e();
        }
        sentAt.clear();
        return new Row(
                drained.who(),
                drained.completed(),
                drained.perSecond(),
                e2e[0],
                e2e[1],
                drained.cpuSecondsPer1k(),
                drained.peakHeapMb(),
                drained.peakLiveMb(),
                drained.peakRssMb(),
                drained.problems(),
                drained.machineCpuSecondsPer1k(),
                drained.foreignCpuShare());
    }

    /**
     * Throughput is measured between the moments 10 % and 90 % of the commands are final: the
     * steady state, without the JVM's start nor the tail of the last retries (1 s, 2 s, … later).
     * A worker that cannot get there within {@code limit} is measured from its first final
     * command to the limit.
     */
    private Row drain(Kind kind, MeasuredWorker worker, Load mix, Duration limit, String topic)
            throws InterruptedException {
        int n = mix.byKey().size();
        long deadline = System.nanoTime() + limit.toNanos();
        long startedAt = 0, startCount = 0, done = 0;
        long progressAt = System.nanoTime(); // a peer that stops finishing commands for STALLED is not waited for
        Duration cpuAtStart = Duration.ZERO;
        Map<String, Double> threadsAtStart = Map.of();
        double machineAtStart = 0, foreignAtStart = 0;
        MachineSplit split = null;
        BrokerRequests requests = null;
        while (System.nanoTime() < deadline && (startedAt == 0 || done < n * 9L / 10)) {
            long now = finalRows(kind, mix.run());
            if (now > done) progressAt = System.nanoTime();
            done = now;
            if (kind.isPeer() && (!worker.isAlive() || System.nanoTime() - progressAt > STALLED.toNanos())) break;
            if (startedAt == 0 && done > 0 && (done >= n / 10 || kind == Kind.REFERENCE)) {
                startedAt = System.nanoTime();
                startCount = done;
                cpuAtStart = worker.cpu();
                threadsAtStart = worker.cpuByThreadGroup();
                machineAtStart = machineCpuSeconds();
                foreignAtStart = machineAtStart - ourCpuSeconds();
                split = MachineSplit.from(() -> worker.cpu().toMillis() / 1000.0, this::postgresCpuSeconds);
                statements.reset();
                requests = options.statements() ? new BrokerRequests() : null;
            }
            Thread.sleep(PROGRESS_POLL.toMillis());
        }
        done = finalRows(kind, mix.run());
        double seconds = (System.nanoTime() - startedAt) / 1e9;
        long steadyCommands = done - startCount;
        Duration cpu = worker.cpu().minus(cpuAtStart);
        if (kind == Kind.REMIT) printThreads(worker.cpuByThreadGroup(), threadsAtStart, done - startCount);
        if (split != null) {
            System.out.printf(
                    "%n%s: the machine's CPU s / 1k commands by who spent it (steady window): %s%n",
                    kind.label, MachineSplit.line(split.per1k(done - startCount)));
            if (options.statements()) split.printThreads(done - startCount);
            statements.print(kind.label, done - startCount);
            if (requests != null) requests.print(kind.label, done - startCount);
        }
        double machineNow = machineCpuSeconds();
        double machine = machineNow - machineAtStart;
        double foreign = machineNow - ourCpuSeconds() - foreignAtStart;
        if (kind == Kind.REMIT) awaitFinal(kind, mix.run(), n, Duration.ofMinutes(5));
        if (kind.isPeer() && worker.isAlive()) awaitFinal(kind, mix.run(), n, STALLED);
        List<String> problems = new ArrayList<>();
        if (kind != Kind.REFERENCE && options.check()) problems.addAll(check(kind, mix));
        if (kind == Kind.REMIT && options.check()) problems.addAll(outcomeEvents(mix, topic));
        double perSecond = startedAt == 0 ? 0 : steadyCommands / seconds;
        return new Row(
                kind.label,
                finalRows(kind, mix.run()),
                perSecond,
                0,
                0,
                cpu.toMillis() / 1000.0 / Math.max(1, steadyCommands / 1000.0),
                worker.peakHeapBytes() >> 20,
                worker.peakLiveDataBytes() >> 20,
                worker.peakRssBytes() >> 20,
                problems,
                machine / Math.max(1, steadyCommands / 1000.0),
                foreign / (seconds * Runtime.getRuntime().availableProcessors()));
    }

    /** The steady window's CPU per group of the worker's threads, per 1,000 commands (threads that ended meanwhile are missing). */
    private void printThreads(Map<String, Double> now, Map<String, Double> before, long commands) {
        Map<String, Double> spent = new HashMap<>();
        now.forEach((group, s) -> spent.put(group, s - before.getOrDefault(group, 0.0)));
        System.out.printf("%n%s: worker CPU s / 1k commands by thread group (steady window)%n", variant.label());
        spent.entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e ->
                        System.out.printf("  %-20s %.3f%n", e.getKey(), e.getValue() / Math.max(1, commands / 1000.0)));
    }

    /**
     * CPU time of this JVM (the harness, the broker, the sandbox) and of this benchmark's PostgreSQL (its postmaster, found
     * by port), each with its children: the live ones (the worker, the backends) and the ones it has reaped (short-lived
     * backends of the harness's queries). What the machine spent minus this is other work on the machine (and the kernel's
     * own threads), which a measurement should not have. Linux only (NaN elsewhere).
     */
    private double ourCpuSeconds() {
        return treeCpuSeconds(ProcessHandle.current()) + postgresCpuSeconds();
    }

    /** CPU time of this benchmark's PostgreSQL: its postmaster (found by port) and its backends, live and reaped. */
    private double postgresCpuSeconds() {
        String port = "-p "
                + java.net.URI.create(infra.jdbcUrl.substring("jdbc:".length())).getPort() + " ";
        return ProcessHandle.allProcesses()
                .filter(h -> h.info()
                        .commandLine()
                        .map(c -> c.contains("postgres") && c.contains(port))
                        .orElse(false))
                .mapToDouble(Benchmark::treeCpuSeconds)
                .sum();
    }

    /** CPU time of a process, of the children it has reaped and of its live descendants. */
    private static double treeCpuSeconds(ProcessHandle root) {
        double seconds = ticks(root.pid(), true);
        for (ProcessHandle child : root.descendants().toList()) seconds += ticks(child.pid(), false);
        return seconds;
    }

    /** utime + stime (+ cutime + cstime: reaped children) of a process from /proc/[pid]/stat, in seconds. */
    static double ticks(long pid, boolean reapedChildren) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (reapedChildren) t += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return t / 100.0; // USER_HZ
        } catch (IOException | RuntimeException e) {
            return 0; // gone
        }
    }

    /** CPU time the whole machine has spent busy so far (all processes: broker, PostgreSQL, sandbox, harness, worker), from /proc/stat. */
    static double machineCpuSeconds() {
        try {
            String[] f =
                    Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++)
                if (i != 4 && i != 5) busy += Long.parseLong(f[i]); // not idle, iowait
            return busy / 100.0; // USER_HZ
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * remit's guarantees held (or a peer's, in its own table): one final row per command as expected, one effect per
     * success, none otherwise.
     */
    private List<String> check(Kind kind, Load mix) {
        List<String> problems = new ArrayList<>();
        Map<String, String> status = new HashMap<>();
        jdbc.query(
                "select request_id, status from " + kind.table + " where request_id like ?",
                (java.sql.ResultSet r) -> {
                    status.put(r.getString(1), r.getString(2));
                },
                "c-" + mix.run() + "-%");
        long wrong = 0, twice = 0, noEffect = 0, refusedWithEffect = 0;
        for (CommandMix.Expected e : mix.byKey().values()) {
            if (!e.status().equals(status.get(e.key()))) wrong++;
            int n = infra.sandbox.ledger().effects(e.key());
            if (n > 1) twice++;
            else if (e.status().equals("SUCCEEDED") && n == 0) noEffect++;
            else if (!e.status().equals("SUCCEEDED") && n > 0) refusedWithEffect++;
        }
        if (status.size() != mix.byKey().size())
            problems.add(mix.run() + ": " + status.size() + " outcome rows for "
                    + mix.byKey().size() + " commands");
        if (wrong > 0) problems.add(mix.run() + ": " + wrong + " commands with an unexpected outcome");
        if (twice > 0) problems.add(mix.run() + ": " + twice + " commands with more than one sandbox effect");
        if (noEffect > 0) problems.add(mix.run() + ": " + noEffect + " successes without a sandbox effect");
        if (refusedWithEffect > 0)
            problems.add(mix.run() + ": " + refusedWithEffect + " refused commands with a sandbox effect");
        return problems;
    }

    /**
     * remit's outcome events: exactly one per final command on its outcomes topic (read_committed), saying what the row
     * says (ChaosChecks' check). A build that writes none (before outcome events) has no such topic: not checked.
     */
    private List<String> outcomeEvents(Load mix, String topic) {
        String outcomes = Kind.outcomesTopic(topic);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers))) {
            if (!admin.listTopics().names().get().contains(outcomes)) {
                System.out.printf("%s: no topic %s, outcome events not checked%n", mix.run(), outcomes);
                return List.of();
            }
        } catch (Exception e) {
            return List.of(mix.run() + ": could not list topics to check outcome events: " + e);
        }
        ChaosChecks events = new ChaosChecks();
        events.outcomeEvents(mix.run(), jdbc, infra.bootstrapServers, outcomes);
        events.findings().forEach(f -> System.out.printf("%s: %s%n", mix.run(), f));
        if (events.outcomeEventViolations() == 0) return List.of();
        return List.of(mix.run() + ": outcome events " + events.counts() + " " + events.findings());
    }

    // ------------------------------------------------------------------ the latency curve (issue 23)

    /**
     * One worker's latency under load: on a fresh worker and topic, after the paced phase's warm-up at half its
     * {@code capacity} (its drain's commands/s in this run), commands paced at each {@code --curve} share of that
     * capacity for {@code --curve-seconds}, one step after the other. e2e counts the commands decided at their first
     * attempt; those that waited for a retry are counted apart. A worker that fails is a problem of the run.
     */
    private void curve(Kind kind, String who, double capacity, int latency, Workload commands, List<String> problems)
            throws InterruptedException {
        String run = kind.flag + "-curve" + latency + "-" + (runs++);
        String topic = "bench." + run;
        List<LatencyCurve.Step> steps = new ArrayList<>();
        List<Long> retried = new ArrayList<>();
        try {
            createTopic(topic);
            try (MeasuredWorker worker = kind.start(this, topic)) {
                Thread.sleep(5_000); // let the consumers join the group before the clock starts
                warmUp(kind, topic, run + "-warm", commands, capacity / 2);
                for (int i = 0; i < options.curve().size(); i++) {
                    int percent = options.curve().get(i);
                    double rate = capacity * percent / 100;
                    int n = (int) Math.max(10, rate * options.curveStep().toSeconds());
                    Paced step = pace(kind, topic, commands.of(run + "-s" + i, n), rate);
                    steps.add(new LatencyCurve.Step(
                            percent, step.offered(), step.achieved(), step.firstAttempt()[0], step.firstAttempt()[1]));
                    retried.add(step.retried());
                }
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            problems.add(who + ": latency curve failed: " + e);
        }
        String name = options.latenciesMs().size() > 1 ? who + ", " + latency + " ms" : who;
        curves.add(new LatencyCurve.Series(name, steps));
        printCurve(who, latency, capacity, steps, retried);
    }

    private void printCurve(
            String who, int latency, double capacity, List<LatencyCurve.Step> steps, List<Long> retried) {
        System.out.printf(
                "%n### Latency under load: %s, API latency %d ms, capacity %,.0f commands/s, %d s a step%n%n"
                        + "| step (%% of capacity) | offered (commands/s) | achieved (commands/s) | e2e p50 (ms) | e2e p99 (ms) "
                        + "| retried (left out) |%n|---|---|---|---|---|---|%n",
                who, latency, capacity, options.curveStep().toSeconds());
        for (int i = 0; i < steps.size(); i++) {
            LatencyCurve.Step step = steps.get(i);
            System.out.printf(
                    "| %d %% | %,.0f | %,.0f | %s | %s | %,d |%n",
                    step.percent(),
                    step.offered(),
                    step.achieved(),
                    num(step.p50Ms()),
                    num(step.p99Ms()),
                    retried.get(i));
        }
    }

    /** The chart of every curve of this run, to {@code --curve-svg}. */
    private void writeCurves() throws IOException {
        if (curves.isEmpty()) return;
        String latencies = String.join(
                ", ", options.latenciesMs().stream().map(String::valueOf).toList());
        LatencyCurve.write(
                options.curveFile(),
                "e2e latency under load: API latency " + latencies + " ms, "
                        + (options.scenario().equals("uniform") ? "invoice creations" : "the mix, first attempts")
                        + ", " + options.partitions() + " partitions",
                curves);
        System.out.printf("%nlatency curve: %s%n", options.curveFile());
    }

    // ------------------------------------------------------------------ the slow tail (issue 10)

    /**
     * The same invoice creations, no injected errors, drained and then paced twice in this run: every call
     * taking {@code latency} ms, then a share of calls taking {@code --tail-ms} instead (answered normally).
     */
    private List<String> tailScenario(int latency) throws Exception {
        String uniform = "{\"latency\":\"fixed\",\"latencyMs\":" + latency + "}";
        String tail = "{\"latency\":\"tail\",\"latencyMs\":" + latency + ",\"latencyMaxMs\":" + options.tailMs()
                + ",\"latencyTailShare\":" + options.tailShare() + "}";
        String share = String.format("%s %%", num(100 * options.tailShare()).replaceAll("\\.00$", ""));
        List<String> problems = new ArrayList<>();
        List<TailRow[]> summary = new ArrayList<>();
        for (Variant v : options.variants()) {
            variant = v;
            TailRow flat = measureCreates("uniform " + latency + " ms", "flat" + latency, uniform);
            TailRow slow = measureCreates(
                    share + " at " + String.format("%,d", options.tailMs()) + " ms (else " + latency + " ms)",
                    "tail" + latency,
                    tail);
            summary.add(new TailRow[] {flat, slow});
            printTail(v, flat, slow);
            problems.addAll(flat.drained().problems());
            problems.addAll(slow.drained().problems());
        }
        if (options.variants().size() > 1) {
            System.out.printf(
                    "%n### Summary: %,d invoice creations on %d partitions; paced at %s commands/s%n%n"
                            + "| remit | uniform: commands/s | tail: commands/s | tail / uniform | uniform: e2e p50 / p99 (ms) "
                            + "| tail: e2e p50 / p99 / p99.9 (ms) | tail: offset committed p50 / p99 (ms) | CPU s / 1k (uniform, tail) "
                            + "| machine CPU s / 1k (uniform, tail) | other work on the machine (uniform, tail) |%n|---|---|---|---|---|---|---|---|---|---|%n",
                    options.commands(),
                    options.partitions(),
                    summary.getFirst()[0].pacedRate() > 0
                            ? String.format("%,.0f", summary.getFirst()[0].pacedRate())
                            : "half the throughput");
            for (int i = 0; i < summary.size(); i++) {
                TailRow flat = summary.get(i)[0], slow = summary.get(i)[1];
                System.out.printf(
                        "| %s | %,.0f | %,.0f | %.0f %% | %s / %s | %s / %s / %s | %s / %s | %s, %s | %s, %s | %.0f %%, %.0f %% |%n",
                        options.variants().get(i).label(),
                        flat.drained().perSecond(),
                        slow.drained().perSecond(),
                        100 * slow.drained().perSecond() / flat.drained().perSecond(),
                        num(flat.decided()[0]),
                        num(flat.decided()[1]),
                        num(slow.decided()[0]),
                        num(slow.decided()[1]),
                        num(slow.decided()[2]),
                        num(slow.committed()[0]),
                        num(slow.committed()[1]),
                        num(flat.drained().cpuSecondsPer1k()),
                        num(slow.drained().cpuSecondsPer1k()),
                        num(flat.drained().machineCpuSecondsPer1k()),
                        num(slow.drained().machineCpuSecondsPer1k()),
                        100 * flat.drained().foreignCpuShare(),
                        100 * slow.drained().foreignCpuShare());
            }
        }
        return problems;
    }

    private void printTail(Variant v, TailRow flat, TailRow slow) {
        System.out.printf(
                "%n### A slow tail: %,d invoice creations on %d partitions, %s (%s%s)%n%n"
                        + "| API | commands | commands/s | paced at (commands/s) | e2e p50 (ms) | e2e p99 (ms) | e2e p99.9 (ms) "
                        + "| offset committed p50 (ms) | offset committed p99 (ms) | last decision after last send (ms) "
                        + "| all committed after last send (ms) | CPU s / 1k commands | machine CPU s / 1k commands | other work on the machine "
                        + "| peak heap (MB) | peak live (MB) | peak RSS (MB) |%n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|%n",
                options.commands(),
                options.partitions(),
                v.label(),
                v.jarOrShipped(),
                v.props().isEmpty() ? "" : ", " + String.join(", ", v.props()));
        for (TailRow row : List.of(flat, slow)) {
            Row d = row.drained();
            System.out.printf(
                    "| %s | %,d | %,.0f | %,.0f | %s | %s | %s | %s | %s | %,d | %,d | %s | %s | %.0f %% | %s | %s | %s |%n",
                    row.api(),
                    d.completed(),
                    d.perSecond(),
                    row.pacedRate(),
                    num(row.decided()[0]),
                    num(row.decided()[1]),
                    num(row.decided()[2]),
                    num(row.committed()[0]),
                    num(row.committed()[1]),
                    row.lastDecidedAfterLastSentMs(),
                    row.committedAfterLastSentMs(),
                    num(d.cpuSecondsPer1k()),
                    num(d.machineCpuSecondsPer1k()),
                    100 * d.foreignCpuShare(),
                    mb(d.peakHeapMb()),
                    mb(d.peakLiveMb()),
                    mb(d.peakRssMb()));
        }
        System.out.printf("%nThe paced phase's second half only (the worker's JVM warm):%n%n"
                + "| API | e2e p50 (ms) | e2e p99 (ms) | e2e p99.9 (ms) | offset committed p50 (ms) | offset committed p99 (ms) |%n"
                + "|---|---|---|---|---|---|%n");
        for (TailRow row : List.of(flat, slow)) {
            System.out.printf(
                    "| %s | %s | %s | %s | %s | %s |%n",
                    row.api(),
                    num(row.decidedLater()[0]),
                    num(row.decidedLater()[1]),
                    num(row.decidedLater()[2]),
                    num(row.committedLater()[0]),
                    num(row.committedLater()[1]));
        }
        System.out.printf(
                "%ntail / uniform throughput = %.0f %%; e2e p50 %+.0f ms, p99 %+.0f ms with the tail%n",
                100 * slow.drained().perSecond() / flat.drained().perSecond(),
                slow.decided()[0] - flat.decided()[0],
                slow.decided()[1] - flat.decided()[1]);
    }

    // ------------------------------------------------------------------ uniform creates (issue 23)

    /**
     * The CPU cost of the steady path: N invoice creations, every call taking {@code latency} ms, no injected errors,
     * drained by each remit variant in turn and by each peer {@code --workers} names (no paced phase), then sent by
     * remit's API client alone (the ceiling). With {@code --curve}, each worker's drain is followed by its latency curve.
     */
    private List<String> uniformScenario(int latency) throws Exception {
        String uniform = "{\"latency\":\"fixed\",\"latencyMs\":" + latency + "}";
        List<String> problems = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        for (Variant v : options.measures("remit") ? options.variants() : List.<Variant>of()) {
            variant = v;
            // not "flat": the tail scenario may have run on this broker
            Row row = drainCreates(Kind.REMIT, "uniform" + latency, uniform);
            labels.add(v.label());
            rows.add(row);
            problems.addAll(row.problems());
            if (!options.curve().isEmpty())
                curve(Kind.REMIT, remitName(v), row.perSecond(), latency, Load::creates, problems);
        }
        for (Kind kind : List.of(Kind.PC_TX, Kind.PC_ALO, Kind.REFERENCE)) {
            if (!options.measures(kind.flag)) continue;
            Row row;
            try {
                row = drainCreates(kind, kind.flag + "-uniform" + latency, uniform);
            } catch (Exception e) {
                problems.add(kind.label + " failed: " + e);
                continue;
            }
            labels.add(kind.label);
            rows.add(row);
            if (row.completed() == 0) problems.add(kind.label + " finished no command");
            else if (!options.curve().isEmpty())
                curve(kind, curveName(kind), row.perSecond(), latency, Load::creates, problems);
        }
        double ceiling = options.measures("ceiling") ? uniformCeiling(latency, uniform) : Double.NaN;
        System.out.printf(
                "%n### Uniform creates: %,d invoice creations on %d partitions, API latency %d ms, %,d warm-up creates first%n%n"
                        + "| worker | commands | commands/s | of the ceiling | CPU s / 1k commands | machine CPU s / 1k commands "
                        + "| other work on the machine | peak heap (MB) | peak RSS (MB) |%n|---|---|---|---|---|---|---|---|---|%n",
                options.commands(), options.partitions(), latency, options.warmup());
        for (int i = 0; i < rows.size(); i++) {
            Row d = rows.get(i);
            System.out.printf(
                    "| %s | %,d | %,.0f | %s | %s | %s | %.0f %% | %s | %s |%n",
                    labels.get(i),
                    d.completed(),
                    d.perSecond(),
                    Double.isNaN(ceiling) ? "–" : String.format("%.0f %%", 100 * d.perSecond() / ceiling),
                    num(d.cpuSecondsPer1k()),
                    num(d.machineCpuSecondsPer1k()),
                    100 * d.foreignCpuShare(),
                    mb(d.peakHeapMb()),
                    mb(d.peakRssMb()));
        }
        if (!Double.isNaN(ceiling))
            System.out.printf("%nceiling (remit's API client alone): %,.0f commands/s%n", ceiling);
        for (int i = options.measures("remit") ? options.variants().size() : 0; i < rows.size(); i++)
            System.out.printf( // what a peer gets wrong is reported here, not failed on
                    "%s: %s%n",
                    labels.get(i),
                    rows.get(i).problems().isEmpty()
                            ? (options.check() ? "every correctness check passed" : "not checked")
                            : String.join("; ", rows.get(i).problems()));
        return problems;
    }

    /** remit's API client alone sends the creates (after {@code --warmup} of them): commands/s. */
    private double uniformCeiling(int latency, String faultsJson) throws InterruptedException {
        infra.sandbox.reset();
        infra.sandbox.setFaults(FaultsJson.merge(Faults.NONE, faultsJson));
        if (options.warmup() > 0)
            Ceiling.run(
                    api,
                    Load.creates("ceilingw" + latency + "-" + runs, options.warmup()).inOrder().stream()
                            .map(this::command)
                            .toList());
        Load load = Load.creates("ceiling" + latency + "-" + (runs++), options.commands());
        Ceiling.Result result =
                Ceiling.run(api, load.inOrder().stream().map(this::command).toList());
        return (result.succeeded() + result.failed()) / (result.elapsed().toMillis() / 1000.0);
    }

    /**
     * Drains {@code options.commands()} invoice creations through {@code kind} (remit: the current variant) against
     * {@code faultsJson}.
     */
    private Row drainCreates(Kind kind, String tag, String faultsJson) throws Exception {
        infra.sandbox.reset();
        infra.sandbox.setFaults(FaultsJson.merge(Faults.NONE, faultsJson));
        Load load = Load.creates(tag + "-" + (runs++), options.commands());
        String topic = "bench." + load.run();
        createTopic(topic);
        // --warmup: creates of another run ahead of the measured ones on every partition, so that the JIT has compiled
        // the worker's hot paths before the steady window opens (a long-running worker is warm; a fresh one is not)
        if (options.warmup() > 0)
            produce(topic, Load.creates(load.run() + "w", options.warmup()).inOrder(), 0);
        produce(topic, load.inOrder(), 0);
        try (MeasuredWorker worker = kind.start(this, topic)) {
            return drain(
                    kind,
                    worker,
                    load,
                    kind == Kind.REFERENCE ? options.referenceLimit() : Duration.ofMinutes(30),
                    topic);
        }
    }

    private TailRow measureCreates(String label, String tag, String faultsJson) throws Exception {
        Row drained = drainCreates(Kind.REMIT, tag, faultsJson);
        double rate = options.pacedRate() > 0 ? options.pacedRate() : drained.perSecond() / 2;
        Load paced = Load.creates(tag + "-" + (runs++) + "-paced", (int)
                Math.max(50, rate * options.paced().toSeconds()));
        String pacedTopic = "bench." + paced.run();
        createTopic(pacedTopic);
        try (MeasuredWorker worker = Kind.REMIT.start(this, pacedTopic);
                CommitWatch commits = new CommitWatch(infra.bootstrapServers, "bench-" + pacedTopic, pacedTopic)) {
            Thread.sleep(5_000); // let the consumers join the group before the clock starts
            List<Sent> sent = produceTracked(pacedTopic, paced.inOrder(), rate);
            long lastSent = sent.stream().mapToLong(Sent::atMs).max().orElse(0);
            awaitFinal(Kind.REMIT, paced.run(), paced.byKey().size(), Duration.ofMinutes(3));
            Map<String, Long> sentAt = new HashMap<>();
            for (Sent s : sent) sentAt.put(s.key(), s.atMs());
            double[] decided = percentiles(Kind.REMIT, paced.run(), sentAt);
            List<Sent> later = sent.subList(sent.size() / 2, sent.size());
            Map<String, Long> laterSentAt = new HashMap<>();
            for (Sent s : later) laterSentAt.put(s.key(), s.atMs());
            java.sql.Timestamp last = jdbc.queryForObject(
                    "select max(updated_at) from command_outcome where request_id like ?",
                    java.sql.Timestamp.class,
                    "c-" + paced.run() + "-%");
            long allCommittedAt = commits.awaitPast(sent, Duration.ofMinutes(2));
            return new TailRow(
                    label,
                    drained,
                    rate,
                    decided,
                    commits.percentiles(sent),
                    last == null ? -1 : last.getTime() - lastSent,
                    allCommittedAt < 0 ? -1 : allCommittedAt - lastSent,
                    percentiles(Kind.REMIT, paced.run(), laterSentAt),
                    commits.percentiles(later));
        }
    }

    /** A record sent: its key, when (epoch ms), and where it landed. */
    record Sent(String key, long atMs, int partition, long offset) {}

    /** Sends at {@code perSecond} and answers where each record landed. */
    private List<Sent> produceTracked(String topic, List<CommandMix.Expected> commands, double perSecond)
            throws Exception {
        List<Long> at = new ArrayList<>(commands.size());
        List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sends =
                new ArrayList<>(commands.size());
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            long start = System.nanoTime();
            for (int i = 0; i < commands.size(); i++) {
                CommandMix.Expected c = commands.get(i);
                long wait = start + (long) (i * 1e9 / perSecond) - System.nanoTime();
                if (wait > 0) Thread.sleep(Duration.ofNanos(wait));
                at.add(System.currentTimeMillis());
                sends.add(producer.send(new ProducerRecord<>(
                        topic,
                        c.key().getBytes(StandardCharsets.UTF_8),
                        c.value().getBytes(StandardCharsets.UTF_8))));
            }
            producer.flush();
        }
        List<Sent> sent = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            var metadata = sends.get(i).get();
            sent.add(new Sent(commands.get(i).key(), at.get(i), metadata.partition(), metadata.offset()));
        }
        return sent;
    }

    /**
     * Samples a consumer group's committed offsets every 50 ms, to time when each record's offset was committed
     * (that is when its outbound records become visible and it will not be redelivered). Resolution: 50 ms.
     */
    static final class CommitWatch implements AutoCloseable {
        private record Sample(long atMs, Map<Integer, Long> committed) {}

        private final Admin admin;
        private final String group;
        private final String topic;
        private final List<Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread sampler;

        CommitWatch(String bootstrapServers, String group, String topic) {
            this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
            this.group = group;
            this.topic = topic;
            this.sampler = Thread.ofVirtual().start(this::sample);
        }

        private void sample() {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Map<Integer, Long> committed = new HashMap<>();
                    admin.listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata()
                            .get(5, java.util.concurrent.TimeUnit.SECONDS)
                            .forEach((tp, om) -> {
                                if (tp.topic().equals(topic) && om != null) committed.put(tp.partition(), om.offset());
                            });
                    samples.add(new Sample(System.currentTimeMillis(), committed));
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // the group is not there yet, or the broker is busy: sample again
                }
            }
        }

        /** Waits until every sent record's offset is committed; answers when (epoch ms), or -1 past the timeout. */
        long awaitPast(List<Sent> sent, Duration timeout) throws InterruptedException {
            Map<Integer, Long> end = new HashMap<>();
            for (Sent s : sent) end.merge(s.partition(), s.offset() + 1, Math::max);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                Sample last;
                synchronized (samples) {
                    last = samples.isEmpty() ? null : samples.getLast();
                }
                if (last != null
                        && end.entrySet().stream()
                                .allMatch(e -> last.committed().getOrDefault(e.getKey(), -1L) >= e.getValue())) {
                    return last.atMs();
                }
                Thread.sleep(50);
            }
            return -1;
        }

        /** p50 and p99 of send → first sample in which the record's offset is committed (records never committed left out). */
        double[] percentiles(List<Sent> sent) {
            List<Sample> copy;
            synchronized (samples) {
                copy = new ArrayList<>(samples);
            }
            List<Long> latencies = new ArrayList<>();
            for (Sent s : sent) {
                int lo = 0, hi = copy.size();
                while (lo < hi) { // first sample committing past the record (committed offsets only grow here)
                    int mid = (lo + hi) >>> 1;
                    if (copy.get(mid).committed().getOrDefault(s.partition(), -1L) > s.offset()) hi = mid;
                    else lo = mid + 1;
                }
                if (lo < copy.size()) latencies.add(copy.get(lo).atMs() - s.atMs());
            }
            return Benchmark.percentiles(latencies);
        }

        @Override
        public void close() {
            sampler.interrupt();
            admin.close(Duration.ofSeconds(5));
        }
    }

    private Row ceiling(int latency) throws Exception {
        calmSandbox(latency);
        CommandMix mix = new CommandMix("ceiling-" + latency + "-" + (runs++), options.commands(), infra.sandbox, 1, 0);
        Ceiling.Result result =
                Ceiling.run(api, mix.inOrder().stream().map(this::command).toList());
        double seconds = result.elapsed().toMillis() / 1000.0;
        long finished = result.succeeded() + result.failed();
        return Row.unsampled("ceiling (remit's API client alone)", finished, finished / seconds, List.of());
    }

    private Command command(CommandMix.Expected command) {
        var parsed = (ParsedCommand.Valid) parser.parse(
                command.key().getBytes(StandardCharsets.UTF_8), command.value().getBytes(StandardCharsets.UTF_8));
        return parsed.command();
    }

    private void calmSandbox(int latency) {
        infra.sandbox.reset();
        String latencyJson = latency == 0 ? "" : "\"latency\":\"fixed\",\"latencyMs\":" + latency + ",";
        infra.sandbox.setFaults(FaultsJson.merge(Faults.NONE, "{" + latencyJson + "\"error503\":0.05}"));
    }

    private void backlogTable() throws Exception {
        System.out.printf(
                "%n### remit's heap as the backlog grows (API latency 50 ms, first 30 s of the drain)%n%n"
                        + "| commands waiting | peak heap in use (MB) | peak live data after GC (MB) | peak RSS (MB) |%n|---|---|---|---|%n");
        calmSandbox(50);
        for (int backlog : options.backlogs()) {
            String topic = "bench.backlog." + backlog + "." + (runs++);
            createTopic(topic);
            produceCreates(topic, backlog);
            try (MeasuredWorker worker = Kind.REMIT.start(this, topic)) {
                Thread.sleep(30_000);
                System.out.printf(
                        "| %,d | %d | %d | %d |%n",
                        backlog,
                        worker.peakHeapBytes() >> 20,
                        worker.peakLiveDataBytes() >> 20,
                        worker.peakRssBytes() >> 20);
            }
            infra.sandbox.reset();
        }
    }

    private void print(int latency, List<Row> remits, List<Row> peers, Row reference, Row ceiling) {
        System.out.printf(
                "%n### API latency %d ms%n%n| worker | commands | commands/s | e2e p50 (ms) | e2e p99 (ms) "
                        + "| CPU s / 1k commands | machine CPU s / 1k commands | peak heap (MB) | peak live (MB) | peak RSS (MB) |%n"
                        + "|---|---|---|---|---|---|---|---|---|---|%n",
                latency);
        List<Row> rows = new ArrayList<>(remits);
        rows.addAll(peers);
        if (reference != null) rows.add(reference);
        if (ceiling != null) rows.add(ceiling);
        for (Row row : rows) {
            System.out.printf(
                    "| %s | %,d | %,.0f | %s | %s | %s | %s | %s | %s | %s |%n",
                    row.who(),
                    row.completed(),
                    row.perSecond(),
                    num(row.e2eP50Ms()),
                    num(row.e2eP99Ms()),
                    num(row.cpuSecondsPer1k()),
                    num(row.machineCpuSecondsPer1k()),
                    mb(row.peakHeapMb()),
                    mb(row.peakLiveMb()),
                    mb(row.peakRssMb()));
        }
        List<Row> others = new ArrayList<>(peers);
        if (reference != null) others.add(reference);
        for (Row remit : remits) {
            System.out.printf("%n%s:", remit.who());
            for (Row other : others)
                System.out.printf(" / %s = %.1f×;", other.who(), remit.perSecond() / other.perSecond());
            if (ceiling != null)
                System.out.printf(" / ceiling = %.0f %%", 100 * remit.perSecond() / ceiling.perSecond());
        }
        System.out.println();
        for (Row peer : peers) { // what a peer gets wrong is reported here, not failed on
            System.out.printf(
                    "%s: %s%n",
                    peer.who(),
                    peer.problems().isEmpty()
                            ? (options.check() ? "every correctness check passed" : "not checked")
                            : String.join("; ", peer.problems()));
        }
    }

    private static String num(double value) {
        return Double.isNaN(value) ? "–" : value >= 100 ? String.format("%,.0f", value) : String.format("%.2f", value);
    }

    private static String mb(long value) {
        return value < 0 ? "–" : Long.toString(value);
    }

    private long finalRows(Kind kind, String run) {
        Long n = jdbc.queryForObject(
                "select count(*) from " + kind.table + " where request_id like ? and status <> 'RETRYING'",
                Long.class,
                "c-" + run + "-%");
        return n == null ? 0 : n;
    }

    private void awaitFinal(Kind kind, String run, int expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (finalRows(kind, run) < expected && System.nanoTime() < deadline) Thread.sleep(PROGRESS_POLL.toMillis());
    }

    private double[] percentiles(Kind kind, String run, Map<String, Long> sentAt) {
        return percentiles(kind, run, sentAt, "");
    }

    /** e2e p50, p99, p99.9 of the run's final commands, those {@code and} (SQL) leaves in. */
    private double[] percentiles(Kind kind, String run, Map<String, Long> sentAt, String and) {
        List<Long> latencies = new ArrayList<>();
        jdbc.query(
                "select request_id, updated_at from " + kind.table + " where request_id like ? and status <> 'RETRYING'"
                        + and,
                (java.sql.ResultSet r) -> {
                    Long sent = sentAt.get(r.getString(1));
                    if (sent != null) latencies.add(r.getTimestamp(2).getTime() - sent);
                },
                "c-" + run + "-%");
        return percentiles(latencies);
    }

    static double[] percentiles(List<Long> latencies) {
        if (latencies.isEmpty()) return new double[] {Double.NaN, Double.NaN, Double.NaN};
        latencies.sort(Long::compare);
        int n = latencies.size();
        return new double[] {
            latencies.get(n / 2),
            latencies.get((int) Math.min(n - 1, n * 0.99)),
            latencies.get((int) Math.min(n - 1, n * 0.999))
        };
    }

    private void createTopic(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, options.partitions(), (short) 1)))
                    .all()
                    .get();
        }
    }

    /** Sends the commands, as fast as possible (rate 0) or at {@code perSecond}; answers each key's send time. */
    private Map<String, Long> produce(String topic, List<CommandMix.Expected> commands, double perSecond)
            throws InterruptedException {
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
                producer.send(new ProducerRecord<>(
                        topic,
                        c.key().getBytes(StandardCharsets.UTF_8),
                        c.value().getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        return sentAt;
    }

    private void produceCreates(String topic, int count) {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < count; i++) {
                String key = topic + "-" + i;
                producer.send(new ProducerRecord<>(
                        topic,
                        key.getBytes(StandardCharsets.UTF_8),
                        io.remit.testing.Commands.createInvoice(key).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        infra.bootstrapServers,
                        ProducerConfig.LINGER_MS_CONFIG,
                        20,
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        262_144,
                        ProducerConfig.ACKS_CONFIG,
                        "1"),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /** The workers compared, each a separate JVM with the same heap limit. */
    enum Kind {
        REMIT("remit", "remit", "command_outcome"),
        /** Confluent Parallel Consumer, transactional commits (the peer module's jar). */
        PC_TX("pc-tx", "PC transactional", "peer_outcome"),
        /** Confluent Parallel Consumer, its default commits: asynchronous consumer commits, at least once. */
        PC_ALO("pc-alo", "PC at-least-once", "peer_outcome"),
        REFERENCE("reference", "reference (@KafkaListener + @RetryableTopic)", "reference_outcome");

        /** Its name in {@code --workers} and in the run's keys. */
        final String flag;

        final String label;
        final String table;

        Kind(String flag, String label, String table) {
            this.flag = flag;
            this.label = label;
            this.table = table;
        }

        boolean isPeer() {
            return this == PC_TX || this == PC_ALO;
        }

        /** remit's outcome events of one run go to a topic of their own, to be counted per run. */
        static String outcomesTopic(String commandsTopic) {
            return commandsTopic + ".outcomes";
        }

        /** The peer's executable jar: system property {@code remit.peer.jar} (set by Failsafe), else peer/target/. */
        static Path peerJar() {
            String configured = System.getProperty("remit.peer.jar");
            Path jar = configured != null && !configured.isBlank()
                    ? Path.of(configured)
                    : io.remit.testing.Repository.path("peer/target/remit-peer-0.1.0.jar");
            if (!Files.isRegularFile(jar))
                throw new IllegalStateException(jar + " does not exist: run ./mvnw -DskipTests package first");
            return jar;
        }

        MeasuredWorker start(Benchmark bench, String topic) throws Exception {
            int port = Ports.free();
            Infrastructure infra = bench.infra;
            List<String> common = List.of(
                    "--management.server.port=" + port, // Actuator, read by MeasuredWorker
                    "--server.port=0", // remit's console, unused
                    "--spring.kafka.bootstrap-servers=" + infra.bootstrapServers,
                    "--spring.datasource.url=" + infra.jdbcUrl,
                    "--spring.datasource.username=" + infra.dbUser,
                    "--spring.datasource.password=" + infra.dbPassword,
                    "--management.endpoints.web.exposure.include=health,metrics,prometheus");
            List<String> args = new ArrayList<>(common);
            if (this == REMIT) {
                args.addAll(List.of(
                        "--remit.api.base-url=" + infra.sandbox.baseUrl(),
                        "--remit.api.key=" + SandboxOptions.DEFAULT_KEY,
                        "--remit.api.secret=" + SandboxOptions.DEFAULT_SECRET,
                        "--remit.api.max-in-flight=" + bench.options.maxInFlight(),
                        "--remit.topics.commands=" + topic,
                        "--remit.topics.dead-letter=" + topic + ".dlq",
                        "--remit.topics.outcomes=" + outcomesTopic(topic),
                        "--remit.topics.partitions=" + bench.options.partitions(),
                        "--remit.worker.group-id=bench-" + topic,
                        "--remit.worker.instance-id=bench-" + topic,
                        "--remit.worker.consumers=" + bench.options.consumers()));
                for (String prop : bench.variant.props()) { // a variant's setting replaces the benchmark's own
                    if (prop.startsWith("-")) continue; // a JVM option, below
                    args.removeIf(arg -> arg.startsWith("--" + prop.substring(0, prop.indexOf('=') + 1)));
                    args.add("--" + prop);
                }
            } else if (isPeer()) {
                args.removeIf(arg -> arg.startsWith("--server.port=") || arg.startsWith("--management.server.port="));
                args.addAll(List.of(
                        "--server.port=" + port, // Actuator on the application's port: one web server to start, not two
                        "--peer.bootstrap-servers=" + infra.bootstrapServers,
                        "--peer.topic=" + topic,
                        "--peer.group=bench-" + topic,
                        "--peer.partitions=" + bench.options.partitions(),
                        "--peer.mode=" + (this == PC_TX ? "TRANSACTIONAL" : "AT_LEAST_ONCE"),
                        "--peer.max-concurrency=" + bench.options.maxInFlight(),
                        "--peer.api-base-url=" + infra.sandbox.baseUrl(),
                        "--peer.api-key=" + SandboxOptions.DEFAULT_KEY,
                        "--peer.api-secret=" + SandboxOptions.DEFAULT_SECRET));
            } else {
                args.addAll(List.of(
                        "--reference.api.base-url=" + infra.sandbox.baseUrl(),
                        "--reference.api.key=" + SandboxOptions.DEFAULT_KEY,
                        "--reference.api.secret=" + SandboxOptions.DEFAULT_SECRET,
                        "--reference.topic=" + topic,
                        "--reference.group=bench-" + topic,
                        "--reference.concurrency=" + bench.options.partitions()));
            }
            List<String> jvm = bench.options.profile()
                    ? new ArrayList<>(List.of(
                            "-XX:FlightRecorderOptions:stackdepth=256",
                            "-XX:StartFlightRecording=settings=profile,filename=" + bench.logs.resolve(topic + ".jfr")))
                    : new ArrayList<String>();
            if (this == REMIT) // a variant's JVM options: -XX:...=..., -D...=...
            bench.variant.props().stream().filter(p -> p.startsWith("-")).forEach(jvm::add);
            Path log = bench.logs.resolve(topic + ".log");
            String name = name() + "-" + topic;
            MeasuredWorker worker = switch (this) {
                case REMIT -> MeasuredWorker.fromJar(name, bench.variant.jarOrShipped(), jvm, args, port, log);
                case PC_TX, PC_ALO -> MeasuredWorker.fromJar(name, peerJar(), jvm, args, port, log);
                case REFERENCE ->
                    MeasuredWorker.fromClasspath(name, ReferenceWorker.class.getName(), jvm, args, port, log);
            };
            try {
                worker.start();
            } catch (RuntimeException | InterruptedException e) {
                worker.close(); // a peer that did not start is reported and the run goes on: leave no JVM behind
                throw e;
            }
            return worker;
        }
    }
}
