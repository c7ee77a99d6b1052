package io.remit.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The documented behaviour of the API, error code by error code, over real HTTP. */
class SandboxContractTest extends SandboxTestSupport {

    @ParameterizedTest(name = "{0}/{1} -> {2} {3}")
    @CsvSource(
            nullValues = "null",
            value = {
                "null, null, 401, INVALID_API_KEY",
                "exp_sand_nobody, x, 401, INVALID_API_KEY",
                "exp_sand_remit, wrong-secret, 401, INVALID_API_SECRET",
                "exp_sand_revoked, revoked-secret, 401, API_KEY_REVOKED",
                "exp_prod_remit, remit-sandbox-secret, 403, ENVIRONMENT_MISMATCH",
                "exp_sand_readonly, readonly-secret, 403, INSUFFICIENT_SCOPE"
            })
    void refusesWritesWithoutValidCredentials(String key, String secret, int status, String code) throws IOException {
        var answer = api.as(key, secret)
                .post("/api/v1/invoices", SandboxClient.invoice("r1", "conn_demo", "A-1", "1.00", "USD"));
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.error()).isEqualTo(code);
        assertThat(answer.body().has("message")).isTrue();
        assertThat(answer.body().get("details").isObject()).isTrue();
        assertThat(sandbox.ledger().effects("r1")).isZero();
    }

    @Test
    void readOnlyKeyMayRead() throws IOException {
        assertThat(api.as("exp_sand_readonly", "readonly-secret")
                        .get("/api/v1/invoices")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void createsGetsAndListsInvoices() throws IOException {
        var created = api.post("/api/v1/invoices", SandboxClient.invoice("r1", "conn_demo", "INV-1", "1500.00", "USD"));
        assertThat(created.status()).isEqualTo(201);
        String id = created.body().get("id").asString();
        assertThat(id).startsWith("inv_");
        assertThat(created.body().get("status").asString()).isEqualTo("SUBMITTED");
        assertThat(created.body().get("amount").asString()).isEqualTo("1500.00");
        api.createInvoice("r2", "INV-2");
        api.createInvoice("r3", "INV-3");

        assertThat(api.get("/api/v1/invoices/" + id).body().get("invoiceNumber").asString())
                .isEqualTo("INV-1");
        var page = api.get("/api/v1/invoices?page=1&limit=2").body();
        assertThat(page.get("totalCount").asInt()).isEqualTo(3);
        assertThat(page.get("totalPages").asInt()).isEqualTo(2);
        assertThat(page.get("page").asInt()).isEqualTo(1);
        assertThat(page.get("items").size()).isEqualTo(1);
        assertThat(page.get("items").get(0).get("invoiceNumber").asString()).isEqualTo("INV-3");
        assertThat(api.get("/api/v1/invoices?limit=500").error()).isEqualTo("INVALID_REQUEST");
    }

    @ParameterizedTest(name = "{0} on {1} -> {2} {3}")
    @CsvSource({
        "conn_nowhere, USD, 404, CONNECTION_NOT_FOUND",
        "conn_demo_suspended, USD, 409, CONNECTION_NOT_ACTIVE",
        "conn_demo_archived, USD, 409, CONNECTION_NOT_ACTIVE",
        "conn_demo, XYZ, 422, CURRENCY_NOT_SUPPORTED"
    })
    void refusesInvoicesOnBadConnectionsOrCurrencies(String connection, String currency, int status, String code)
            throws IOException {
        var answer = api.post("/api/v1/invoices", SandboxClient.invoice("r1", connection, "INV-1", "10.00", currency));
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.error()).isEqualTo(code);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.00", "-1.00", "-0.00", "1.005", "abc", "1e309", "12345678901234.00"})
    void refusesAmountsThatAreNotPositiveWithTwoDecimals(String amount) throws IOException {
        var answer = api.post("/api/v1/invoices", SandboxClient.invoice("r1", "conn_demo", "INV-1", amount, "USD"));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.error()).isEqualTo("INVOICE_INVALID_AMOUNT");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{not json",
                "[1,2]",
                "{\"connectionId\":\"conn_demo\"}",
                "{\"requestId\":\"r\",\"connectionId\":7,\"invoiceNumber\":\"A\",\"amount\":\"1.00\",\"currency\":\"USD\",\"dueDate\":\"2026-12-31\"}",
                "{\"requestId\":\"r\",\"connectionId\":\"conn_demo\",\"invoiceNumber\":\"A\",\"amount\":\"1.00\",\"currency\":\"USD\",\"dueDate\":\"31/12/2026\"}"
            })
    void refusesMalformedBodiesWith400(String body) throws IOException {
        var answer = api.post("/api/v1/invoices", body);
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.error()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void refusesADuplicateInvoiceNumberOnAConnection() throws IOException {
        api.createInvoice("r1", "INV-1");
        var answer = api.post("/api/v1/invoices", SandboxClient.invoice("r2", "conn_demo", "INV-1", "10.00", "USD"));
        assertThat(answer.status()).isEqualTo(409);
        assertThat(answer.error()).isEqualTo("INVOICE_DUPLICATE_NUMBER");
    }

    @Test
    void followsTheInvoiceLifecycle() throws IOException {
        String id = api.createInvoice("r1", "INV-1");
        assertThat(api.post("/api/v1/invoices/" + id + "/approve", "{\"requestId\":\"a1\"}")
                        .body()
                        .get("status")
                        .asString())
                .isEqualTo("APPROVED");
        assertThat(api.post("/api/v1/invoices/" + id + "/dispute", "{\"requestId\":\"d1\",\"reason\":\"wrong\"}")
                        .body()
                        .get("status")
                        .asString())
                .isEqualTo("DISPUTED");
        assertThat(api.post("/api/v1/invoices/" + id + "/cancel", "{\"requestId\":\"c1\"}")
                        .body()
                        .get("status")
                        .asString())
                .isEqualTo("CANCELLED");
        var again = api.post("/api/v1/invoices/" + id + "/approve", "{\"requestId\":\"a2\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("INVOICE_INVALID_STATUS");
        var unknown = api.post("/api/v1/invoices/inv_nowhere/approve", "{\"requestId\":\"a3\"}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error()).isEqualTo("INVOICE_NOT_FOUND");
    }

    @Test
    void paysAnApprovedInvoiceOnceAndDebitsTheBuyer() throws IOException {
        String id = sandbox.seedInvoices("conn_demo", 1, InvoiceStatus.APPROVED, "250.00", "EUR")
                .getFirst();
        var paid = api.post("/api/v1/payments", payment("p1", id, "250.00", "EUR"));
        assertThat(paid.status()).isEqualTo(201);
        assertThat(paid.body().get("status").asString()).isEqualTo("SETTLED");
        assertThat(api.get("/api/v1/invoices/" + id).body().get("status").asString())
                .isEqualTo("SETTLED");

        var twice = api.post("/api/v1/payments", payment("p2", id, "250.00", "EUR"));
        assertThat(twice.status()).isEqualTo(409);
        assertThat(twice.error()).isEqualTo("PAYMENT_ALREADY_SETTLED");
    }

    @Test
    void refusesPaymentsBeyondTheBalanceOrBeforeApproval() throws IOException {
        String poor = sandbox.seedInvoices("conn_demo_poor", 1, InvoiceStatus.APPROVED, "20.00", "USD")
                .getFirst();
        var insufficient = api.post("/api/v1/payments", payment("p1", poor, "20.00", "USD"));
        assertThat(insufficient.status()).isEqualTo(409);
        assertThat(insufficient.error()).isEqualTo("INSUFFICIENT_BALANCE");

        String submitted = api.createInvoice("r1", "INV-1");
        var early = api.post("/api/v1/payments", payment("p2", submitted, "100.00", "USD"));
        assertThat(early.status()).isEqualTo(409);
        assertThat(early.error()).isEqualTo("INVOICE_INVALID_STATUS");
        assertThat(sandbox.ledger().effects("p1") + sandbox.ledger().effects("p2"))
                .isZero();
    }

    @Test
    void replaysASuccessfulWriteWithoutASecondEffect() throws IOException {
        String body = SandboxClient.invoice("same", "conn_demo", "INV-1", "10.00", "USD");
        var first = api.post("/api/v1/invoices", body);
        var second = api.post("/api/v1/invoices", body);
        assertThat(second.status()).isEqualTo(first.status()).isEqualTo(201);
        assertThat(second.raw().body()).isEqualTo(first.raw().body());
        assertThat(sandbox.ledger().calls("same")).isEqualTo(2);
        assertThat(sandbox.ledger().effects("same")).isEqualTo(1);
        assertThat(api.get("/api/v1/invoices").body().get("totalCount").asInt()).isEqualTo(1);
    }

    @Test
    void forgetsFailedWrites() throws IOException {
        assertThat(api.post("/api/v1/invoices", SandboxClient.invoice("r1", "conn_demo", "INV-1", "0.00", "USD"))
                        .status())
                .isEqualTo(400);
        assertThat(api.post("/api/v1/invoices", SandboxClient.invoice("r1", "conn_demo", "INV-1", "5.00", "USD"))
                        .status())
                .isEqualTo(201);
        assertThat(sandbox.ledger().effects("r1")).isEqualTo(1);
    }

    @Test
    void answersUnknownEndpointsWith404() throws IOException {
        assertThat(api.get("/api/v1/nothing").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/invoices/inv_nowhere").error()).isEqualTo("INVOICE_NOT_FOUND");
    }

    static String payment(String requestId, String invoiceId, String amount, String currency) {
        return """
                {"requestId":"%s","invoiceId":"%s","amount":"%s","currency":"%s"}""".formatted(requestId, invoiceId, amount, currency);
    }
}
