package io.remit.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.remit.command.Command;
import io.remit.command.CommandType;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the API sends is read only up to {@code remit.api.max-response-size}: a larger answer, announced or chunked, even
 * one that never ends, is judged by its status at once, without reading the rest; and every path segment remit builds
 * arrives percent-encoded, as the server's request line shows.
 */
class BoundedAnswerTest {
    private HttpServer server;
    private PaymentsApi api;
    private final List<String> paths = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getRawPath());
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (body.contains("\"slow")) { // a gateway's 429: the standard header only
                exchange.getResponseHeaders().set("Retry-After", "7");
                exchange.sendResponseHeaders(429, -1);
                exchange.close();
                return;
            }
            int status = body.contains("\"endless") ? 201 : body.contains("\"announced") ? 422 : 201;
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            boolean announced = body.contains("\"announced");
            long length = announced ? 10L * 1024 * 1024 + 20 : 0;
            exchange.sendResponseHeaders(
                    status, exchange.getRequestURI().getRawPath().endsWith("/approve") ? -1 : length);
            if (exchange.getRequestURI().getRawPath().endsWith("/approve")) {
                exchange.close();
                return;
            }
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("{\"id\":\"inv_1\",\"error\":\"TOO_BIG\",\"pad\":\"".getBytes(StandardCharsets.UTF_8));
                byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
                int chunks = body.contains("\"endless") ? Integer.MAX_VALUE : 160;
                for (int i = 0; i < chunks; i++) out.write(chunk);
            } catch (IOException e) {
                // remit stopped reading and dropped the connection
            }
        });
        server.start();
        JsonMapper json = JsonMapper.builder().build();
        api = new PaymentsApi(
                new ApiProperties(
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                        "exp_sand_remit",
                        "secret",
                        Duration.ofSeconds(20),
                        Duration.ofSeconds(2),
                        4,
                        "/api/v1/payments",
                        null,
                        DataSize.ofKilobytes(64),
                        null),
                new ResponseClassifier(json, Clock.systemUTC(), Map.of()),
                json,
                TraceHeaders.NONE);
    }

    @AfterEach
    void stop() throws IOException {
        api.close();
        server.stop(0);
    }

    @Test
    void aChunkedTenMegabyteSuccessIsASuccessWithoutItsBody() throws InterruptedException {
        ApiClient.Attempt attempt = api.send(create("chunked"));
        assertThat(attempt.outcome()).isEqualTo(new Outcome.Succeeded(201, null, null));
        assertThat(attempt.latency()).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anEndlessAnswerIsNotReadToItsEnd() throws InterruptedException {
        ApiClient.Attempt attempt = api.send(create("endless"));
        assertThat(attempt.outcome()).isEqualTo(new Outcome.Succeeded(201, null, null));
        assertThat(attempt.latency()).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anAnnouncedLargeRefusalIsJudgedByItsStatus() throws InterruptedException {
        Outcome outcome = api.send(create("announced")).outcome();
        assertThat(outcome).isInstanceOf(Outcome.Rejected.class);
        assertThat(((Outcome.Rejected) outcome).code()).isEqualTo("HTTP_422");
        // the connection was dropped, not returned half-read: the next call is answered
        assertThat(api.send(create("chunked")).outcome()).isInstanceOf(Outcome.Succeeded.class);
    }

    @Test
    void a429WithOnlyRetryAfterWaitsAsItSays() throws InterruptedException {
        Instant before = Instant.now();
        Outcome outcome = api.send(create("slow")).outcome();
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Transient.class, t -> {
            assertThat(t.status()).isEqualTo(429);
            assertThat(t.notBefore())
                    .isBetween(before.plusSeconds(7), Instant.now().plusSeconds(7));
        });
    }

    @Test
    void pathSegmentsArrivePercentEncoded() throws InterruptedException {
        api.send(new Command.InvoiceAction("r-1", CommandType.INVOICE_APPROVE, "inv:1.a_b-c~", null));
        assertThat(paths).containsExactly("/api/v1/invoices/inv%3A1.a_b-c~/approve");
    }

    private static Command create(String number) {
        return new Command.CreateInvoice(
                "bounded-" + number, "conn_1", number, "1.00", "USD", LocalDate.of(2026, 12, 31), null);
    }
}
