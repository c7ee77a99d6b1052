package io.remit.benchmark;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a worker's CPU went, from a JFR recording of the benchmark ({@code --profile true}): the execution samples of
 * the steady window (from {@code --skip} seconds after the first sample in remit's API client to {@code --trim}
 * seconds before its last), as the top frames by self share, and by owner: the library nearest the top of each stack
 * (so JDK code that Jackson calls counts as Jackson's). Not a test:
 * {@code java -cp <harness classpath> io.remit.benchmark.ProfileSummary worker.jfr [--skip 3] [--trim 1] [--top 30] [--thread virtual] [--frames Class.method,...]}.
 */
public final class ProfileSummary {
    /** Owners by package prefix, the first that matches wins; tracing before micrometer. */
    private static final Map<String, List<String>> OWNERS = owners();

    private ProfileSummary() {}

    private static Map<String, List<String>> owners() {
        Map<String, List<String>> o = new LinkedHashMap<>();
        o.put("jackson", List.of("tools.jackson.", "com.fasterxml.jackson."));
        o.put("kafka producer", List.of("org.apache.kafka.clients.producer."));
        o.put("kafka consumer", List.of("org.apache.kafka.clients.consumer."));
        o.put("kafka common (network, records)", List.of("org.apache.kafka."));
        o.put("postgres jdbc", List.of("org.postgresql."));
        o.put("hikari", List.of("com.zaxxer.hikari."));
        o.put("httpclient5", List.of("org.apache.hc."));
        o.put("tracing", List.of("io.micrometer.tracing.", "io.opentelemetry.", "brave."));
        o.put("micrometer", List.of("io.micrometer."));
        o.put("logging/MDC", List.of("ch.qos.logback.", "org.slf4j.", "org.apache.logging."));
        o.put("spring", List.of("org.springframework."));
        o.put("remit", List.of("io.remit."));
        o.put("virtual threads (park, mount)", List.of("java.lang.VirtualThread", "jdk.internal.vm.Continuation"));
        return o;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) flags.put(args[i], args[i + 1]);
        double skip = Double.parseDouble(flags.getOrDefault("--skip", "3"));
        double trim = Double.parseDouble(flags.getOrDefault("--trim", "1"));
        int top = Integer.parseInt(flags.getOrDefault("--top", "30"));
        List<String> wantedFrames =
                List.of(flags.getOrDefault("--frames", "").split(",")); // e.g. a method: stacks holding it
        Map<String, Integer> holding = new LinkedHashMap<>();
        String only = flags.get("--thread"); // e.g. virtual, remit-consumer: only the samples of those threads
        List<RecordedEvent> samples = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0])))
            if (e.getEventType().getName().equals("jdk.ExecutionSample") && e.getStackTrace() != null) samples.add(e);
        Instant first = null, last = null;
        for (RecordedEvent e : samples)
            if (mentions(e, "io.remit.api.PaymentsApi")) {
                if (first == null || e.getStartTime().isBefore(first)) first = e.getStartTime();
                if (last == null || e.getStartTime().isAfter(last)) last = e.getStartTime();
            }
        if (first == null) throw new IllegalStateException("no sample in io.remit.api.PaymentsApi");
        Instant from = first.plusMillis((long) (skip * 1000)), to = last.minusMillis((long) (trim * 1000));
        Map<String, Integer> self = new HashMap<>(), owner = new HashMap<>(), total = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Map<String, Integer>> byOwnerFrame = new LinkedHashMap<>();
        int n = 0;
        for (RecordedEvent e : samples) {
            if (e.getStartTime().isBefore(from) || e.getStartTime().isAfter(to)) continue;
            var thread = e.getThread("sampledThread");
            String t = thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName();
            t = thread != null && thread.isVirtual() ? "virtual" : t.replaceAll("[0-9]+", "N");
            if (only != null && !t.startsWith(only)) continue;
            n++;
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            self.merge(name(frames.getFirst()), 1, Integer::sum);
            for (String wanted : wantedFrames)
                if (!wanted.isEmpty() && frames.stream().anyMatch(f -> name(f).contains(wanted)))
                    holding.merge(wanted, 1, Integer::sum);
            String o = ownerOf(frames);
            owner.merge(o, 1, Integer::sum);
            byOwnerFrame
                    .computeIfAbsent(o, k -> new HashMap<>())
                    .merge(
                            frames.stream()
                                    .filter(f -> owned(f, o))
                                    .findFirst()
                                    .map(ProfileSummary::name)
                                    .orElse(name(frames.getFirst())),
                            1,
                            Integer::sum);
            for (String each : OWNERS.keySet())
                if (frames.stream().anyMatch(f -> owned(f, each))) total.merge(each, 1, Integer::sum);
            threads.merge(t, 1, Integer::sum);
        }
        System.out.printf(
                "%d execution samples over %.1f s of steady drain (%s to %s)%n%n",
                n, (to.toEpochMilli() - from.toEpochMilli()) / 1000.0, from, to);
        table("top frame (self)", self, n, top);
        table("owner: the library nearest the top of the stack (self, by owner)", owner, n, 100);
        table("stack contains (total)", total, n, 100);
        table("thread", threads, n, 15);
        if (!holding.isEmpty()) table("stack holds (--frames)", holding, n, 100);
        for (String o :
                List.of("remit", "httpclient5", "jackson", "tracing", "kafka common (network, records)", "spring"))
            if (byOwnerFrame.containsKey(o)) table(o + ": its frame nearest the top", byOwnerFrame.get(o), n, 12);
    }

    private static void table(String title, Map<String, Integer> counts, int n, int limit) {
        System.out.printf("| %s | samples | %% |%n|---|---|---|%n", title);
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(limit)
                .forEach(c -> System.out.printf(
                        "| `%s` | %d | %.1f |%n", c.getKey(), c.getValue(), 100.0 * c.getValue() / n));
        System.out.println();
    }

    private static boolean mentions(RecordedEvent e, String prefix) {
        return e.getStackTrace().getFrames().stream().anyMatch(f -> name(f).startsWith(prefix));
    }

    private static String ownerOf(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) for (String o : OWNERS.keySet()) if (owned(f, o)) return o;
        String top = name(frames.getFirst());
        return "JDK/other: " + top.substring(0, Math.max(0, top.lastIndexOf('.', top.lastIndexOf('.') - 1)));
    }

    private static boolean owned(RecordedFrame f, String owner) {
        String name = name(f);
        for (Map.Entry<String, List<String>> o : OWNERS.entrySet()) {
            for (String prefix : o.getValue())
                if (name.startsWith(prefix)) return o.getKey().equals(owner);
        }
        return false;
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }
}
