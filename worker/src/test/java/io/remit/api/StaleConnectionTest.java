package io.remit.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.command.Command;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * An ordinary HTTP server with a short keep-alive timeout (300 ms): it closes a connection that has
 * been idle that long, so between bursts of calls the pool fills with connections the server has
 * closed. No command may fail for remit's own plumbing.
 */
class StaleConnectionTest {

    @Test
    void noCallFailsOnAPooledConnectionTheServerHasClosed() throws Exception {
        AtomicInteger answered = new AtomicInteger();
        // closed in reverse order: the server socket first, which ends the accept loop the executor waits for
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
                ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
            threads.submit(() -> serve(server, answered, threads));
            ApiProperties properties = new ApiProperties(
                    URI.create("http://127.0.0.1:" + server.getLocalPort()),
                    "exp_sand_remit",
                    "secret",
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(2),
                    16,
                    "/api/v1/payments",
                    null,
                    null,
                    null);
            JsonMapper json = JsonMapper.builder().build();
            try (PaymentsApi api = new PaymentsApi(
                    properties, new ResponseClassifier(json, Clock.systemUTC(), Map.of()), json, TraceHeaders.NONE)) {
                List<Future<Outcome>> calls = new ArrayList<>();
                for (int i = 0; i < 400; i++) {
                    Command command = new Command.CreateInvoice(
                            "stale-" + i, "conn_demo", "INV-" + i, "1.00", "USD", LocalDate.of(2026, 12, 31), null);
                    calls.add(threads.submit(() -> api.send(command).outcome()));
                    if (i % 40 == 39)
                        Thread.sleep(350 + (i % 80 == 79 ? 400 : 0)); // idle: the server closes pooled connections
                }
                for (Future<Outcome> call : calls) assertThat(call.get()).isInstanceOf(Outcome.Succeeded.class);
            }
        }
        assertThat(answered.get()).isGreaterThanOrEqualTo(400);
    }

    /** Answers requests on a connection with "Connection: keep-alive" until it has been idle 300 ms, then closes it. */
    private static void serve(ServerSocket server, AtomicInteger answered, ExecutorService threads) {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                threads.submit(() -> answerOnceAndClose(socket, answered));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void answerOnceAndClose(Socket socket, AtomicInteger answered) {
        try (socket) {
            socket.setSoTimeout(300);
            while (answerOne(socket)) answered.incrementAndGet();
        } catch (IOException e) {
            // idle for too long, or the client went away: close
        }
    }

    private static boolean answerOne(Socket socket) throws IOException {
        {
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            if (head.isEmpty()) return false;
            int length = 0;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:"))
                    length = Integer.parseInt(line.substring(15).trim());
            }
            in.readNBytes(length);
            byte[] body = "{\"id\":\"inv_1\"}".getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: "
                                    + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return true;
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) break;
        }
        return head.toString();
    }
}
