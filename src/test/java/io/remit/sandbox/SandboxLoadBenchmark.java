package io.remit.sandbox;

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
 * {@code ./mvnw -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.remit.sandbox.SandboxLoadBenchmark -Dexec.args="--seconds 10 --clients 64"}.
 */
public final class SandboxLoadBenchmark {
    public static void main(String[] args) throws Exception {
        int seconds = intArg(args, "--seconds", 10);
        int clients = intArg(args, "--clients", 64);
        try (SandboxServer sandbox = SandboxServer.start()) {
            run(sandbox, clients, 2, "warm-up");
            Result result = run(sandbox, clients, seconds, "measured");
            System.out.printf("%n| clients | seconds | requests | errors | requests/s |%n|---|---|---|---|---|%n");
            System.out.printf("| %d | %d | %d | %d | %.0f |%n", clients, seconds, result.requests, result.errors,
                    result.requests / (double) seconds);
        }
    }

    record Result(long requests, long errors) {}

    private static Result run(SandboxServer sandbox, int clients, int seconds, String phase) throws Exception {
        LongAdder requests = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicLong ids = new AtomicLong();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try (KeepAliveClient client = new KeepAliveClient(sandbox.port())) {
                    while (System.nanoTime() < deadline) {
                        long id = ids.incrementAndGet();
                        String body = """
                                {"requestId":"%s-%d","connectionId":"conn_demo","invoiceNumber":"B-%s-%d","amount":"10.00","currency":"USD","dueDate":"2026-12-31"}"""
                                .formatted(phase, id, phase, id);
                        if (client.post("/api/v1/invoices", body) != 201) errors.increment();
                        requests.increment();
                    }
                } catch (IOException e) {
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
    private static final class KeepAliveClient implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final BufferedInputStream in;

        KeepAliveClient(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream());
        }

        int post(String path, String body) throws IOException {
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
                if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) length = Integer.parseInt(header.substring(15).trim());
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

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) return Integer.parseInt(args[i + 1]);
        }
        return fallback;
    }
}
