package io.remit.benchmark;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Where the whole machine's CPU went during a drain, by who spent it: the worker under test, PostgreSQL (its postmaster
 * and backends), and this JVM split into the broker, the sandbox and the harness by its Java threads' names (the JVM's
 * own JIT and GC threads, which serve all three, apart, with any thread of it that ended meanwhile); what is left is the
 * kernel and other work on the machine. Linux only ({@code /proc}).
 */
final class MachineSplit {
    /** Who a thread of this JVM works for, by the start of its Java name. */
    private static final List<Map.Entry<String, String>> OWNERS = List.of(
            Map.entry("kafka-producer-network-thread", "harness"), // the harness's own producers
            Map.entry("kafka-admin-client", "harness"),
            Map.entry("kafka-coordinator-heartbeat", "harness"), // the harness's consumers (the outcome events' check)
            Map.entry("kafka-", "broker"),
            Map.entry("data-plane-", "broker"),
            Map.entry("controller-", "broker"),
            Map.entry("broker-", "broker"),
            Map.entry("quorum", "broker"),
            Map.entry("raft", "broker"),
            Map.entry("group-coordinator", "broker"),
            Map.entry("transaction", "broker"),
            Map.entry("TxnMarker", "broker"),
            Map.entry("AddPartitionsToTxn", "broker"),
            Map.entry("ExpirationReaper", "broker"),
            Map.entry("LogDirFailure", "broker"),
            Map.entry("ReplicaFetcher", "broker"),
            Map.entry("metadata", "broker"),
            Map.entry("share-", "broker"),
            Map.entry("log-", "broker"),
            Map.entry("executor-", "broker"),
            Map.entry("HTTP-Dispatcher", "sandbox"), // the JDK's HttpServer, which runs each exchange on
            Map.entry("ForkJoinPool-", "sandbox")); // a virtual thread: their carriers

    private final Supplier<Double> worker;
    private final Supplier<Double> postgres;
    private final Map<String, Double> threadsAtStart = threads();
    private final Map<String, Double> start;

    private MachineSplit(Supplier<Double> worker, Supplier<Double> postgres) {
        this.worker = worker;
        this.postgres = postgres;
        this.start = shares(threadsAtStart);
    }

    /** Starts counting now. */
    static MachineSplit from(Supplier<Double> workerCpuSeconds, Supplier<Double> postgresCpuSeconds) {
        return new MachineSplit(workerCpuSeconds, postgresCpuSeconds);
    }

    /** CPU seconds per 1,000 commands each share has spent since the start, in the order {@link #line} prints them. */
    Map<String, Double> per1k(long commands) {
        Map<String, Double> now = shares(threads());
        Map<String, Double> spent = new LinkedHashMap<>();
        double k = Math.max(1, commands / 1000.0);
        now.forEach((who, s) -> spent.put(who, (s - start.getOrDefault(who, 0.0)) / k));
        return spent;
    }

    /** One line: {@code worker 0.61 · postgres 0.30 · broker 0.40 · …}. */
    static String line(Map<String, Double> per1k) {
        StringBuilder out = new StringBuilder();
        per1k.forEach((who, s) ->
                out.append(out.isEmpty() ? "" : " · ").append(who).append(' ').append(String.format("%.2f", s)));
        return out.toString();
    }

    /** Prints this JVM's Java threads by name (digits as N) and owner, per 1,000 commands since the start. */
    void printThreads(long commands) {
        double k = Math.max(1, commands / 1000.0);
        threads().entrySet().stream()
                .map(e -> Map.entry(e.getKey(), (e.getValue() - threadsAtStart.getOrDefault(e.getKey(), 0.0)) / k))
                .filter(e -> e.getValue() >= 0.002)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> System.out.printf("    %-7s %.3f  %s%n", owner(e.getKey()), e.getValue(), e.getKey()));
    }

    /** CPU seconds of this JVM's live Java threads, by name with digits as N. */
    private static Map<String, Double> threads() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Double> seconds = new TreeMap<>();
        for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) continue;
            long nanos = mx.getThreadCpuTime(info.getThreadId());
            if (nanos >= 0) seconds.merge(info.getThreadName().replaceAll("[0-9]+", "N"), nanos / 1e9, Double::sum);
        }
        return seconds;
    }

    /** The shares so far, given this JVM's threads by name ({@link #threads}). */
    private Map<String, Double> shares(Map<String, Double> threads) {
        Map<String, Double> shares = new LinkedHashMap<>();
        double machine = Benchmark.machineCpuSeconds();
        double workerSeconds = worker.get();
        double postgresSeconds = postgres.get();
        Map<String, Double> byOwner = new TreeMap<>();
        threads.forEach((name, seconds) -> byOwner.merge(owner(name), seconds, Double::sum));
        double javaThreads =
                threads.values().stream().mapToDouble(Double::doubleValue).sum();
        // this JVM's CPU: its Java threads and its own (JIT, GC)
        double harnessJvm = Benchmark.ticks(ProcessHandle.current().pid(), false);
        shares.put("worker", workerSeconds);
        shares.put("postgres", postgresSeconds);
        shares.put("broker", byOwner.getOrDefault("broker", 0.0));
        shares.put("sandbox", byOwner.getOrDefault("sandbox", 0.0));
        shares.put("harness", byOwner.getOrDefault("harness", 0.0));
        shares.put("JIT+GC of the harness JVM", Math.max(0, harnessJvm - javaThreads));
        shares.put("kernel and the rest", machine - workerSeconds - postgresSeconds - harnessJvm);
        return shares;
    }

    static String owner(String threadName) {
        for (var e : OWNERS) if (threadName.startsWith(e.getKey())) return e.getValue();
        return "harness";
    }
}
