package io.remit.load;

import io.remit.sandbox.SandboxOptions;
import io.remit.sandbox.SandboxServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many requests per second the sandbox serves with no injected latency: C client threads
 * create invoices (unique requestIds) for a fixed time over keep-alive connections, in the same
 * JVM as the server, and a table is printed. Not a test: run it with
 * {@code ./mvnw -q -DskipTests package exec:java -Dexec.mainClass=io.remit.load.SandboxLoadBenchmark -Dexec.args="--seconds 10 --clients 64"}.
 */
public final class SandboxLoadBenchmark {
    public static void main(String[] args) throws Exception {
        int seconds = intArg(args, "--seconds", 10);
        int clients = intArg(args, "--clients", 64);
        String client = "raw";
        for (int i = 0; i + 1 < args.length; i++) if (args[i].equals("--client")) client = args[i + 1];
        try (SandboxServer sandbox = SandboxServer.start()) {
            run(sandbox, client, clients, 2, "warm-up");
            Result result = run(sandbox, client, clients, seconds, "measured");
            System.out.printf(
                    "%n| client | clients | seconds | requests | errors | requests/s |%n|---|---|---|---|---|---|%n");
            System.out.printf(
                    "| %s | %d | %d | %d | %d | %.0f |%n",
                    client, clients, seconds, result.requests, result.errors, result.requests / (double) seconds);
        }
    }

    record Result(long requests, long errors) {}

    /** One way of sending a POST and reading its status. */
    interface Poster extends AutoCloseable {
        int post(String path, String body) throws IOException;
    }

    private static Poster poster(String client, int port) throws IOException {
        return switch (client) {
            case "raw" -> new KeepAliveClient(port);
            case "jdk" -> new JdkPoster(port);
            case "apache" -> new ApachePoster(port);
            default -> throw new IllegalArgumentException("--client raw|jdk|apache");
        };
    }

    private static final java.net.http.HttpClient JDK = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .build();

    private record JdkPoster(int port) implements Poster {
        public int post(String path, String body) throws IOException {
            try {
                return JDK.send(
                                java.net.http.HttpRequest.newBuilder(
                                                java.net.URI.create("http://127.0.0.1:" + port + path))
                                        .header("X-API-Key", SandboxOptions.DEFAULT_KEY)
                                        .header("X-API-Secret", SandboxOptions.DEFAULT_SECRET)
                                        .header("Content-Type", "application/json")
                                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofByteArray())
                        .statusCode();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }

        public void close() {}
    }

    private static final org.apache.hc.client5.http.impl.classic.CloseableHttpClient APACHE =
            org.apache.hc.client5.http.impl.classic.HttpClients.custom()
                    .setConnectionManager(
                            org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder.create()
                                    .setMaxConnTotal(1024)
                                    .setMaxConnPerRoute(1024)
                                    .build())
                    .disableAutomaticRetries()
                    .build();

    private record ApachePoster(int port) implements Poster {
        public int post(String path, String body) throws IOException {
            var post = new org.apache.hc.client5.http.classic.methods.HttpPost("http://127.0.0.1:" + port + path);
            post.setHeader("X-API-Key", SandboxOptions.DEFAULT_KEY);
            post.setHeader("X-API-Secret", SandboxOptions.DEFAULT_SECRET);
            post.setEntity(new org.apache.hc.core5.http.io.entity.StringEntity(
                    body, org.apache.hc.core5.http.ContentType.APPLICATION_JSON));
            return APACHE.execute(post, response -> {
                org.apache.hc.core5.http.io.entity.EntityUtils.consume(response.getEntity());
                return response.getCode();
            });
        }

        public void close() {}
    }

    private static Result run(SandboxServer sandbox, String client, int clients, int seconds, String phase)
            throws Exception {
        LongAdder requests = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicLong ids = new AtomicLong();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try (Poster poster = poster(client, sandbox.port())) {
                    while (System.nanoTime() < deadline) {
                        long id = ids.incrementAndGet();
                        String body = """
                                {"requestId":"%s-%d","connectionId":"conn_demo","invoiceNumber":"B-%s-%d","amount":"10.00","currency":"USD","dueDate":"2026-12-31"}""".formatted(phase, id, phase, id);
                        if (poster.post("/api/v1/invoices", body) != 201) errors.increment();
                        requests.increment();
                    }
                } catch (Exception e) {
                    errors.increment();
                }
            }));
        }
        for (Thread t : threads) t.join();
        return new Result(requests.sum(), errors.sum());
    }

    /**
     * The leanest HTTP/1.1 client that keeps a connection alive: the JDK's HttpClient costs more
     * CPU per request than the server under test, and both share the same two cores.
     */
    private static final class KeepAliveClient implements Poster {
        private final Socket socket;
        private final OutputStream out;
        private final BufferedInputStream in;

        KeepAliveClient(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream());
        }

        public int post(String path, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "X-API-Key: " + SandboxOptions.DEFAULT_KEY + "\r\nX-API-Secret: " + SandboxOptions.DEFAULT_SECRET
                    + "\r\nContent-Length: " + bytes.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            String status = line();
            int length = 0;
            for (String header = line(); !header.isEmpty(); header = line()) {
                if (header.regionMatches(true, 0, "Content-Length:", 0, 15))
                    length = Integer.parseInt(header.substring(15).trim());
            }
            in.readNBytes(length);
            return Integer.parseInt(status.substring(9, 12));
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) throw new IOException("connection closed");
                if (c != '\r') line.append((char) c);
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) return Integer.parseInt(args[i + 1]);
        }
        return fallback;
    }
}
