package io.remit.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.command.Command;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API reads a request, dies without answering (it may have applied it), and is not listening when the client sends
 * the request again: the call failed as a connection never made, but its first copy may have been applied, so its
 * outcome is unknown ({@code CONNECTION_ERROR}, ambiguous), not {@code CONNECT_FAILED}, which would let the command be
 * sent again after the API forgot its requestId.
 */
class ResentCallTest {
    @Test
    void aCallResentToAnApiThatDiedAfterReadingItIsAmbiguous() throws Exception {
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        int port = server.getLocalPort();
        Thread api = Thread.ofVirtual().start(() -> {
            try (server;
                    Socket connection = server.accept()) {
                InputStream in = connection.getInputStream();
                String seen = "";
                while (!seen.contains("}")) seen += new String(in.readNBytes(1), StandardCharsets.UTF_8);
                // read whole, then gone: no one listening any more (closed first, so that a resend cannot connect in
                // between), and no answer
                server.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        JsonMapper json = JsonMapper.builder().build();
        try (PaymentsApi client = new PaymentsApi(
                new ApiProperties(
                        URI.create("http://127.0.0.1:" + port),
                        "exp_sand_remit",
                        "secret",
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(2),
                        4,
                        "/api/v1/payments",
                        null,
                        null,
                        null),
                new ResponseClassifier(json, Clock.systemUTC(), Map.of()),
                json,
                TraceHeaders.NONE)) {
            Outcome outcome = client.send(new Command.CreateInvoice(
                            "resent-1", "conn_demo", "INV-1", "1.00", "USD", LocalDate.of(2026, 12, 31), null))
                    .outcome();
            api.join();

            assertThat(outcome).isInstanceOfSatisfying(Outcome.Transient.class, t -> {
                assertThat(t.code()).isEqualTo("CONNECTION_ERROR");
                assertThat(t.message()).contains("sent again, then").contains("ConnectException");
            });
        }
    }
}
