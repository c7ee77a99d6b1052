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
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import tools.jackson.databind.json.JsonMapper;

/**
 * What remit's API client ({@link PaymentsApi}, 256 in flight) costs in CPU per 1,000 calls, alone in its JVM: the
 * sandbox runs in another process ({@code java -jar sandbox/target/remit-sandbox-0.1.0-exec.jar --port 18099}, its
 * latency set with {@code POST /admin/faults {"latency":"fixed","latencyMs":50}}). Each round sends {@code --calls}
 * invoice creations, one virtual thread each (or {@code --platform}: 256 platform threads), and prints calls/s and
 * this process's CPU seconds per 1,000 calls. {@code --compare-async} follows each round with one through HttpClient 5's
 * asynchronous client instead (one I/O reactor thread, the same requests, answers and classification, the virtual
 * thread waiting on the call's future): what an asynchronous client would save, measured in the same JVM. Not a test:
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
        ResponseClassifier classifier = new ResponseClassifier(json, Clock.systemUTC(), Map.of());
        boolean compareAsync = List.of(args).contains("--compare-async");
        try (PaymentsApi api = new PaymentsApi(properties, classifier, json, TraceHeaders.NONE);
                AsyncCalls async = compareAsync ? new AsyncCalls(properties, api, classifier) : null) {
            for (int round = 0; round < rounds; round++) {
                for (String client : compareAsync ? List.of("classic", "async") : List.of("classic")) {
                    List<Command> commands = creates(run + "-" + round + client, calls);
                    AtomicLong succeeded = new AtomicLong();
                    long cpu = os.getProcessCpuTime(), start = System.nanoTime();
                    try (ExecutorService threads = platform
                            ? Executors.newFixedThreadPool(256)
                            : Executors.newVirtualThreadPerTaskExecutor()) {
                        for (Command command : commands)
                            threads.execute(() -> {
                                try {
                                    Outcome outcome = async != null && client.equals("async")
                                            ? async.send(command)
                                            : api.send(command).outcome();
                                    if (outcome instanceof Outcome.Succeeded) succeeded.incrementAndGet();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            });
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    System.out.printf(
                            "round %d%s: %,d succeeded, %,.0f calls/s, %.3f CPU s / 1k calls%n",
                            round,
                            compareAsync ? " " + client : "",
                            succeeded.get(),
                            calls / seconds,
                            (os.getProcessCpuTime() - cpu) / 1e9 / (calls / 1000.0));
                }
            }
        }
    }

    /**
     * The same calls through HttpClient 5's asynchronous client: a pooled keep-alive connection per call in flight (at
     * most 256, made as remit makes them), one I/O reactor thread, the request {@link PaymentsApi#requestFor} makes,
     * the answer classified by the same {@link ResponseClassifier}. Only what the comparison needs: no deadline, no
     * bounded read.
     */
    private static final class AsyncCalls implements AutoCloseable {
        private final ApiProperties properties;
        private final PaymentsApi api;
        private final ResponseClassifier classifier;
        private final CloseableHttpAsyncClient client;
        private final Semaphore inFlight;

        AsyncCalls(ApiProperties properties, PaymentsApi api, ResponseClassifier classifier) {
            this.properties = properties;
            this.api = api;
            this.classifier = classifier;
            this.inFlight = new Semaphore(properties.maxInFlight());
            this.client = HttpAsyncClients.custom()
                    .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                            .setMaxConnTotal(properties.maxInFlight())
                            .setMaxConnPerRoute(properties.maxInFlight())
                            .setDefaultConnectionConfig(PaymentsApi.connectionConfig(properties))
                            .build())
                    .setIOReactorConfig(
                            IOReactorConfig.custom().setIoThreadCount(1).build())
                    .disableRedirectHandling()
                    .disableCookieManagement()
                    .build();
            client.start();
        }

        Outcome send(Command command) throws InterruptedException {
            PaymentsApi.Request request = api.requestFor(command);
            SimpleHttpRequest post = SimpleRequestBuilder.post(api.url(request))
                    .setBody(request.body(), ContentType.APPLICATION_JSON)
                    .setHeader("X-API-Key", properties.key())
                    .setHeader("X-API-Secret", properties.secret())
                    .build();
            inFlight.acquire();
            try {
                SimpleHttpResponse response =
                        client.execute(post, null).get(properties.timeout().toMillis(), TimeUnit.MILLISECONDS);
                Header reset = response.getFirstHeader("X-RateLimit-Reset");
                return classifier.classify(
                        response.getCode(), reset == null ? null : reset.getValue(), response.getBodyBytes());
            } catch (ExecutionException | TimeoutException e) {
                return classifier.classify(new IOException(e.getMessage(), e));
            } finally {
                inFlight.release();
            }
        }

        @Override
        public void close() {
            client.close(CloseMode.GRACEFUL);
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
