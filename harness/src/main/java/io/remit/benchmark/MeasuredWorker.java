package io.remit.benchmark;

import io.remit.testing.JavaProcess;
import io.remit.testing.Shipped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A worker under measurement, in its own JVM: CPU time from the OS, peak RSS from
 * {@code /proc/<pid>/status} (VmHWM), and heap in use sampled every second from Actuator
 * ({@code /actuator/metrics}, or {@code /actuator/prometheus} where the metrics endpoint is not open to
 * anonymous callers, as behind remit's console security).
 */
final class MeasuredWorker implements AutoCloseable {
    static final List<String> JVM = List.of("-Xms64m", "-Xmx512m", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError");
    private static final Pattern VALUE = Pattern.compile("\"value\":([0-9.Ee+-]+)");
    private static final Pattern HEAP_USED =
            Pattern.compile("(?m)^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} ([0-9.Ee+-]+)");
    private static final Pattern LIVE_DATA =
            Pattern.compile("(?m)^jvm_gc_live_data_size_bytes(?:\\{[^}]*})? ([0-9.Ee+-]+)");

    private final JavaProcess process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicLong peakHeap = new AtomicLong();
    private final AtomicLong peakLiveData = new AtomicLong();
    private Thread sampler;

    private MeasuredWorker(JavaProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** remit as it ships: the packaged jar, started with {@code java -jar}. */
    static MeasuredWorker shipped(String name, List<String> jvmExtras, List<String> args, int port, Path log) {
        return fromJar(name, Shipped.jar(), jvmExtras, args, port, log);
    }

    /** An executable jar (another remit build, to compare, or the Parallel Consumer peer), started with {@code java -jar}. */
    static MeasuredWorker fromJar(
            String name, Path jar, List<String> jvmExtras, List<String> args, int port, Path log) {
        return new MeasuredWorker(JavaProcess.ofJar(name, jar, jvm(jvmExtras), args, Map.of(), log), port);
    }

    /** A worker that exists only in the test sources (the reference worker). */
    static MeasuredWorker fromClasspath(
            String name, String mainClass, List<String> jvmExtras, List<String> args, int port, Path log) {
        return new MeasuredWorker(new JavaProcess(name, mainClass, jvm(jvmExtras), args, log), port);
    }

    private static List<String> jvm(List<String> extras) {
        List<String> jvm = new ArrayList<>(JVM);
        jvm.addAll(extras);
        return jvm;
    }

    void start() throws InterruptedException {
        process.start();
        awaitReady(Duration.ofSeconds(120));
        sampler = Thread.ofVirtual().start(this::sample);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** CPU time the worker's JVM has used so far. */
    Duration cpu() {
        return process.handle().flatMap(h -> h.info().totalCpuDuration()).orElse(Duration.ZERO);
    }

    /**
     * CPU seconds each group of the worker's threads has used so far, from {@code /proc/<pid>/task/*}: threads grouped
     * by their OS name (the first 15 characters of the Java name) with digits dropped, so GC, JIT and the carriers of
     * virtual threads ({@code ForkJoinPool-N-}) show beside remit's own. Empty where there is no {@code /proc}.
     */
    Map<String, Double> cpuByThreadGroup() {
        Map<String, Double> seconds = new java.util.TreeMap<>();
        long pid = process.handle().map(ProcessHandle::pid).orElse(-1L);
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim().replaceAll("[0-9]+", "N");
                    String stat = Files.readString(task.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double t = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ
                    seconds.merge(name, t, Double::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // not Linux, or gone
        }
        return seconds;
    }

    long peakHeapBytes() {
        return peakHeap.get();
    }

    /** The largest old-generation size right after a collection: what the worker really keeps. */
    long peakLiveDataBytes() {
        return peakLiveData.get();
    }

    /** Peak resident set size of the JVM (VmHWM), in bytes. */
    long peakRssBytes() {
        long pid = process.handle().map(ProcessHandle::pid).orElse(-1L);
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException e) {
            // not Linux, or gone
        }
        return 0;
    }

    private void sample() {
        boolean prometheus = false;
        while (process.isAlive()) {
            long heap = prometheus ? -1 : metric("jvm.memory.used?tag=area:heap");
            if (heap < 0) {
                prometheus = true;
                long[] both = prometheus();
                peakHeap.accumulateAndGet(both[0], Math::max);
                peakLiveData.accumulateAndGet(both[1], Math::max);
            } else {
                peakHeap.accumulateAndGet(heap, Math::max);
                peakLiveData.accumulateAndGet(Math.max(0, metric("jvm.gc.live.data.size")), Math::max);
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A value from /actuator/metrics; -1 when the endpoint refuses an anonymous caller (401/403). */
    private long metric(String path) {
        try {
            HttpResponse<String> answer = get("/actuator/metrics/" + path);
            if (answer.statusCode() == 401 || answer.statusCode() == 403) return -1;
            Matcher value = VALUE.matcher(answer.body());
            return value.find() ? (long) Double.parseDouble(value.group(1)) : 0;
        } catch (IOException | InterruptedException | RuntimeException e) {
            return 0;
        }
    }

    /** Heap in use (summed over the heap pools) and live data after GC, from /actuator/prometheus. */
    private long[] prometheus() {
        try {
            String body = get("/actuator/prometheus").body();
            long heap = 0;
            for (Matcher m = HEAP_USED.matcher(body); m.find(); ) heap += (long) Double.parseDouble(m.group(1));
            Matcher live = LIVE_DATA.matcher(body);
            return new long[] {heap, live.find() ? (long) Double.parseDouble(live.group(1)) : 0};
        } catch (IOException | InterruptedException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (get("/actuator/health").statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            }
            if (!process.isAlive()) break;
            Thread.sleep(300);
        }
        throw new IllegalStateException(process.name() + " did not start; see " + process.log());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Stops the worker as a platform would (SIGTERM), so it leaves its consumer group at once. */
    @Override
    public void close() {
        process.stop(Duration.ofSeconds(30));
        if (sampler != null) sampler.interrupt();
    }
}
