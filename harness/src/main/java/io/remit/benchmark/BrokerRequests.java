package io.remit.benchmark;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * What the broker (in this JVM) did for a drain, from its own request metrics: per kind of request, how many it
 * handled and the time its request handlers spent on them ({@code LocalTimeMs}: the handler thread's work, not the
 * waiting), per 1,000 commands, the costliest first.
 */
final class BrokerRequests {
    private record Seen(double count, double localMs) {}

    private final Map<String, Seen> start = read();

    /** Prints the requests since this was made, per 1,000 of {@code commands}. */
    void print(String who, long commands) {
        double k = Math.max(1, commands / 1000.0);
        System.out.printf(
                "%n%s: the broker's requests per 1k commands (steady window; handled, ms in its handlers)%n", who);
        read().entrySet().stream()
                .map(e -> {
                    Seen before = start.getOrDefault(e.getKey(), new Seen(0, 0));
                    return Map.entry(
                            e.getKey(),
                            new Seen(
                                    (e.getValue().count() - before.count()) / k,
                                    (e.getValue().localMs() - before.localMs()) / k));
                })
                .filter(e -> e.getValue().count() >= 0.5)
                .sorted((a, b) ->
                        Double.compare(b.getValue().localMs(), a.getValue().localMs()))
                .forEach(e -> System.out.printf(
                        "  %8.1f ms %8.0f  %s%n",
                        e.getValue().localMs(), e.getValue().count(), e.getKey()));
    }

    private static Map<String, Seen> read() {
        Map<String, Seen> seen = new HashMap<>();
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            for (ObjectName name : server.queryNames(
                    new ObjectName("kafka.network:type=RequestMetrics,name=LocalTimeMs,request=*"), null)) {
                double count = ((Number) server.getAttribute(name, "Count")).doubleValue();
                double mean = ((Number) server.getAttribute(name, "Mean")).doubleValue();
                seen.put(name.getKeyProperty("request"), new Seen(count, count * mean));
            }
        } catch (Exception e) {
            // no broker in this JVM (Testcontainers), or its metrics are not there
        }
        return seen;
    }
}
