package io.remit.load;

import io.remit.api.ApiProperties;
import io.remit.api.Outcome;
import io.remit.api.PaymentsApi;
import io.remit.api.ResponseClassifier;
import io.remit.api.TraceHeaders;
import io.remit.command.Command;
import io.remit.command.CommandParser;
import io.remit.command.ParsedCommand;
import io.remit.sandbox.SandboxOptions;
import io.remit.testing.Commands;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.json.JsonMapper;

/**
 * What remit's API client ({@link PaymentsApi}, 256 in flight) costs in CPU per 1,000 calls, alone in its JVM: the
 * sandbox runs in another process ({@code java -jar sandbox/target/remit-sandbox-0.1.0-exec.jar --port 18099}, its
 * latency set with {@code POST /admin/faults {"latency":"fixed","latencyMs":50}}). Each round sends {@code --calls}
 * invoice creations, one virtual thread each (or {@code --platform}: 256 platform threads), and prints calls/s and
 * this process's CPU seconds per 1,000 calls. Not a test:
 * {@code ./mvnw -q -DskipTests package exec:java -pl harness -am -Dexec.mainClass=io.remit.load.ApiClientCpu -Dexec.args="--port 18099"}.
 */
public final class ApiClientCpu {
    private ApiClientCpu() {}

    public static void main(String[] args) throws Exception {
        int port = SandboxLoadBenchmark.intArg(args, "--port", 18099);
        int calls = SandboxLoadBenchmark.intArg(args, "--calls", 10_000);
        int rounds = SandboxLoadBenchmark.intArg(args, "--rounds", 5);
        boolean platform = List.of(args).contains("--platform");
        ApiProperties properties = new ApiProperties(
                URI.create("http://127.0.0.1:" + port),
                SandboxOptions.DEFAULT_KEY,
                SandboxOptions.DEFAULT_SECRET,
                Duration.ofSeconds(10),
                Duration.ofSeconds(2),
                256,
                "/",
                null,
                null,
                null);
        JsonMapper json = JsonMapper.builder().build();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        String run = Long.toString(System.nanoTime(), 36);
        try (PaymentsApi api = new PaymentsApi(
                properties, new ResponseClassifier(json, Clock.systemUTC(), Map.of()), json, TraceHeaders.NONE)) {
            for (int round = 0; round < rounds; round++) {
                List<Command> commands = creates(run + "-" + round, calls);
                AtomicLong succeeded = new AtomicLong();
                long cpu = os.getProcessCpuTime(), start = System.nanoTime();
                try (ExecutorService threads =
                        platform ? Executors.newFixedThreadPool(256) : Executors.newVirtualThreadPerTaskExecutor()) {
                    for (Command command : commands)
                        threads.execute(() -> {
                            try {
                                if (api.send(command).outcome() instanceof Outcome.Succeeded)
                                    succeeded.incrementAndGet();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(
                        "round %d: %,d succeeded, %,.0f calls/s, %.3f CPU s / 1k calls%n",
                        round,
                        succeeded.get(),
                        calls / seconds,
                        (os.getProcessCpuTime() - cpu) / 1e9 / (calls / 1000.0));
            }
        }
    }

    private static List<Command> creates(String run, int n) {
        CommandParser parser = new CommandParser();
        List<Command> commands = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String key = "cpu-" + run + "-" + i;
            var parsed = (ParsedCommand.Valid) parser.parse(
                    key.getBytes(StandardCharsets.UTF_8),
                    Commands.createInvoice(key).getBytes(StandardCharsets.UTF_8));
            commands.add(parsed.command());
        }
        return commands;
    }
}
