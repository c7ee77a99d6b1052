package io.remit.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Rate limits and every injected fault, observed over real HTTP and in the ledger. */
class SandboxFaultsTest extends SandboxTestSupport {

    private SandboxClient.Answer create(String requestId) throws IOException {
        return api.post(
                "/api/v1/invoices", SandboxClient.invoice(requestId, "conn_demo", "N-" + requestId, "10.00", "USD"));
    }

    @Test
    void sendsRateLimitHeadersAndRefusesPastTheLimitUntilEpochReset() throws IOException {
        faults("{\"rateLimit\":2,\"rateWindowMs\":60000}");
        var first = create("r1");
        assertThat(first.header("X-RateLimit-Limit")).isEqualTo("2");
        assertThat(first.header("X-RateLimit-Remaining")).isEqualTo("1");
        create("r2");
        var refused = create("r3");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.error()).isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(refused.header("X-RateLimit-Remaining")).isEqualTo("0");
        long reset = Long.parseLong(refused.header("X-RateLimit-Reset"));
        long now = System.currentTimeMillis() / 1000;
        assertThat(reset).isGreaterThan(now).isLessThanOrEqualTo(now + 61);
        assertThat(sandbox.ledger().effects("r3")).isZero();
    }

    @Test
    void canGiveTheResetAsSecondsToWait() throws IOException {
        faults("{\"rateLimit\":1,\"rateWindowMs\":60000,\"resetFormat\":\"delta\"}");
        create("r1");
        var refused = create("r2");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(Long.parseLong(refused.header("X-RateLimit-Reset"))).isBetween(1L, 60L);
    }

    @Test
    void burstsOf429LastTheirLength() throws IOException {
        faults("{\"burst429\":1.0,\"burst429Ms\":60000}");
        assertThat(create("r1").status()).isEqualTo(429);
        faults("{}");
        var during = create("r2");
        assertThat(during.status()).isEqualTo(429);
        assertThat(Long.parseLong(during.header("X-RateLimit-Reset")) * 1000)
                .isGreaterThan(System.currentTimeMillis() + 50_000);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "error500, 500, INTERNAL_ERROR",
        "error502, 502, BAD_GATEWAY",
        "error503, 503, SERVICE_UNAVAILABLE",
        "error504, 504, GATEWAY_TIMEOUT"
    })
    void injectsServerErrorsWithoutEffect(String fault, int status, String code) throws IOException {
        faults("{\"" + fault + "\":1.0}");
        var answer = create("r1");
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.error()).isEqualTo(code);
        assertThat(sandbox.ledger().calls("r1")).isEqualTo(1);
        assertThat(sandbox.ledger().effects("r1")).isZero();
    }

    @Test
    void injects500PaymentFailedOnPayments() throws IOException {
        String id = sandbox.seedInvoices("conn_demo", 1, InvoiceStatus.APPROVED, "10.00", "USD")
                .getFirst();
        faults("{\"error500\":1.0}");
        var answer = api.post("/api/v1/payments", SandboxContractTest.payment("p1", id, "10.00", "USD"));
        assertThat(answer.status()).isEqualTo(500);
        assertThat(answer.error()).isEqualTo("PAYMENT_FAILED");
    }

    @Test
    void addsLatency() throws IOException {
        faults("{\"latency\":\"fixed\",\"latencyMs\":150}");
        long start = System.nanoTime();
        create("r1");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
    }

    @Test
    void hangsPastTheClientTimeoutWithoutEffect() {
        faults("{\"hang\":1.0,\"hangMs\":2000}");
        assertThatThrownBy(() -> api.timeout(Duration.ofMillis(300))
                        .post("/api/v1/invoices", SandboxClient.invoice("r1", "conn_demo", "N-1", "10.00", "USD")))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(sandbox.ledger().effects("r1")).isZero();
    }

    @Test
    void appliedButLostAs5xxIsRecoveredByReplay() throws IOException {
        faults("{\"lost\":1.0,\"lostAs\":\"5xx\"}");
        var lost = create("r1");
        assertThat(lost.status()).isBetween(500, 504);
        assertThat(sandbox.ledger().effects("r1")).isEqualTo(1);
        faults("{}");
        var replayed = create("r1");
        assertThat(replayed.status()).isEqualTo(201);
        assertThat(sandbox.ledger().effects("r1")).isEqualTo(1);
    }

    @Test
    void appliedButLostAsDroppedConnection() {
        faults("{\"lost\":1.0,\"lostAs\":\"drop\"}");
        assertThatThrownBy(() -> create("r1")).isInstanceOf(IOException.class);
        assertThat(sandbox.ledger().effects("r1")).isEqualTo(1);
    }

    @Test
    void appliedButLostAsHang() {
        faults("{\"lost\":1.0,\"lostAs\":\"hang\",\"hangMs\":2000}");
        assertThatThrownBy(() -> api.timeout(Duration.ofMillis(300))
                        .post("/api/v1/invoices", SandboxClient.invoice("r1", "conn_demo", "N-1", "10.00", "USD")))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(sandbox.ledger().effects("r1")).isEqualTo(1);
    }

    @Test
    void adminEndpointsChangeFaultsAndShowTheLedger() throws IOException {
        var set = api.post("/admin/faults", "{\"error503\":1.0}");
        assertThat(set.body().get("error503").asDouble()).isEqualTo(1.0);
        assertThat(create("r1").status()).isEqualTo(503);
        api.post("/admin/faults", "{\"error503\":0}");
        create("r2");
        assertThat(api.get("/admin/ledger/r2").body().get("effects").asInt()).isEqualTo(1);
        assertThat(api.get("/admin/ledger?full=true")
                        .body()
                        .get("effectsByRequestId")
                        .get("r2")
                        .asInt())
                .isEqualTo(1);
        assertThat(api.post("/admin/faults", "{\"latency\":\"sideways\"}").status())
                .isEqualTo(400);
        assertThat(api.post("/admin/faults", "{\"noSuchFault\":1}").status()).isEqualTo(400);

        api.post("/admin/keys/exp_sand_remit/revoke", "");
        assertThat(create("r3").error()).isEqualTo("API_KEY_REVOKED");
        api.post("/admin/keys/exp_sand_remit/restore", "");
        assertThat(create("r3").status()).isEqualTo(201);
    }

    @Test
    void parsesFaultFlags() {
        SandboxOptions options = SandboxOptions.parse(
                "--port",
                "0",
                "--error-503",
                "0.25",
                "--latency",
                "uniform",
                "--latency-ms",
                "5",
                "--latency-max-ms",
                "20",
                "--reset-format",
                "delta");
        assertThat(options.faults().error503()).isEqualTo(0.25);
        assertThat(options.faults().latency()).isEqualTo("uniform");
        assertThat(options.faults().latencyMaxMs()).isEqualTo(20);
        assertThat(options.faults().resetFormat()).isEqualTo("delta");
        assertThatThrownBy(() -> SandboxOptions.parse("--bogus", "1")).isInstanceOf(RuntimeException.class);
    }
}
