package io.remit.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** The webhooks the sandbox sends, and each webhook fault, as a receiver over real HTTP sees them. */
class SandboxWebhooksTest extends SandboxTestSupport {
    private WebhookReceiver receiver;

    @BeforeEach
    void sendWebhooksToAReceiver() throws IOException {
        receiver = new WebhookReceiver();
        sandbox.webhooks().configure(receiver.url(), null);
    }

    @AfterEach
    void stopSendingWebhooks() {
        sandbox.webhooks().configure(null, null);
        receiver.close();
    }

    private String approve(String requestId) throws IOException {
        String id = sandbox.seedInvoices("conn_demo", 1, InvoiceStatus.SUBMITTED, "10.00", "USD")
                .getFirst();
        var answer = api.post("/api/v1/invoices/" + id + "/approve", "{\"requestId\":\"" + requestId + "\"}");
        assertThat(answer.status()).isEqualTo(200);
        return id;
    }

    private SandboxClient.Answer pay(String requestId, String invoiceId) throws IOException {
        return api.post("/api/v1/payments", SandboxContractTest.payment(requestId, invoiceId, "10.00", "USD"));
    }

    private void awaitDelivered() throws InterruptedException {
        assertThat(sandbox.webhooks().awaitDelivered(Duration.ofSeconds(5))).isTrue();
    }

    private static String hmacHex(byte[] body, String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    @Test
    void signsTheExactBodyWithTheWebhookSecret() throws Exception {
        String invoiceId = approve("a1");
        awaitDelivered();

        var delivery = receiver.received().getFirst();
        assertThat(delivery.contentType()).isEqualTo("application/json");
        assertThat(delivery.signature())
                .isEqualTo(hmacHex(delivery.body(), SandboxOptions.DEFAULT_WEBHOOK_SECRET))
                .matches("[0-9a-f]{64}");
        JsonNode event = delivery.json();
        assertThat(event.get("id").asString()).startsWith("evt_");
        assertThat(event.get("type").asString()).isEqualTo("invoice.approved");
        assertThat(Instant.parse(event.get("createdAt").asString()))
                .isBefore(Instant.now().plusSeconds(1));
        assertThat(event.get("data").get("id").asString()).isEqualTo(invoiceId);
        assertThat(event.get("data").get("status").asString()).isEqualTo("APPROVED");
        assertThat(event.get("data").get("requestId").asString()).isEqualTo("a1");
    }

    @Test
    void announcesAPaymentAndItsInvoiceOnceAndAReplayNotAgain() throws Exception {
        String invoiceId = sandbox.seedInvoices("conn_demo", 1, InvoiceStatus.APPROVED, "10.00", "USD")
                .getFirst();
        String paymentId = pay("p1", invoiceId).body().get("id").asString();
        awaitDelivered();
        assertThat(pay("p1", invoiceId).status()).isEqualTo(201);
        Thread.sleep(200);

        assertThat(receiver.types()).containsExactlyInAnyOrder("payment.settled", "invoice.settled");
        JsonNode payment = find("payment.settled").json().get("data");
        assertThat(payment.get("id").asString()).isEqualTo(paymentId);
        assertThat(payment.get("status").asString()).isEqualTo("SETTLED");
        assertThat(payment.get("invoiceId").asString()).isEqualTo(invoiceId);
        assertThat(payment.get("amount").asString()).isEqualTo("10.00");
        assertThat(payment.get("requestId").asString()).isEqualTo("p1");
        assertThat(find("invoice.settled").dataId()).isEqualTo(invoiceId);
        assertThat(find("invoice.settled").json().get("data").get("status").asString())
                .isEqualTo("SETTLED");
        var counts = sandbox.webhooks().log().counts();
        assertThat(counts.scheduled()).isEqualTo(2);
        assertThat(counts.delivered()).isEqualTo(2);
        assertThat(counts.pending()).isZero();
        assertThat(sandbox.webhooks().delivered())
                .extracting(WebhookLog.Entry::dataId)
                .containsExactlyInAnyOrder(paymentId, invoiceId);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {500, 400, 429})
    void retriesUntilTheReceiverAnswers2xx(int refusal) throws Exception {
        receiver.answer(refusal, refusal);
        approve("a1");
        awaitDelivered();

        List<WebhookReceiver.Received> received = receiver.received();
        assertThat(received).hasSize(3);
        assertThat(received)
                .extracting(WebhookReceiver.Received::text)
                .containsOnly(received.getFirst().text());
        var counts = sandbox.webhooks().log().counts();
        assertThat(counts.attempts()).isEqualTo(3);
        assertThat(counts.rejected()).containsExactlyEntriesOf(java.util.Map.of(refusal, 2L));
    }

    @Test
    void retriesAnUnreachableReceiverAndFollowsTheUrlSetAtRunTime() throws Exception {
        String elsewhere;
        try (WebhookReceiver gone = new WebhookReceiver()) {
            elsewhere = gone.url();
        }
        api.post("/admin/webhooks", "{\"url\":\"" + elsewhere + "\",\"secret\":\"s2\"}");
        approve("a1");
        Thread.sleep(300);
        assertThat(sandbox.webhooks().pending()).isEqualTo(1);

        var answer = api.post("/admin/webhooks", "{\"url\":\"" + receiver.url() + "\"}");
        assertThat(answer.body().get("url").asString()).isEqualTo(receiver.url());
        awaitDelivered();
        var delivery = receiver.received().getFirst();
        assertThat(delivery.signature()).isEqualTo(hmacHex(delivery.body(), "s2"));
        JsonNode view = api.get("/admin/webhooks").body();
        assertThat(view.get("unreachable").asLong()).isPositive();
        assertThat(view.get("delivered").asLong()).isEqualTo(1);
        assertThat(view.get("pending").asLong()).isZero();
        JsonNode event = view.get("events").get(0);
        assertThat(event.get("id").asString())
                .isEqualTo(delivery.json().get("id").asString());
        assertThat(event.get("type").asString()).isEqualTo("invoice.approved");
        assertThat(event.get("delivered").asBoolean()).isTrue();
    }

    @Test
    void duplicateDeliversTheSameEventTwice() throws Exception {
        faults("{\"webhookDuplicate\":1.0}");
        approve("a1");
        awaitDelivered();

        List<WebhookReceiver.Received> received = receiver.received();
        assertThat(received).hasSize(2);
        assertThat(received.get(1).text()).isEqualTo(received.get(0).text());
        assertThat(received.get(1).signature()).isEqualTo(received.get(0).signature());
        assertThat(sandbox.webhooks().delivered().getFirst().deliveries()).isEqualTo(2);
    }

    @Test
    void badSignatureIsRefusedThenSentRightlySigned() throws Exception {
        faults("{\"webhookBadSignature\":1.0}");
        receiver.verifySignaturesWith(SandboxOptions.DEFAULT_WEBHOOK_SECRET);
        approve("a1");
        awaitDelivered();

        List<WebhookReceiver.Received> received = receiver.received();
        assertThat(received).hasSize(2);
        assertThat(received.get(0).signature())
                .isNotEqualTo(hmacHex(received.get(0).body(), SandboxOptions.DEFAULT_WEBHOOK_SECRET));
        assertThat(received.get(1).signature())
                .isEqualTo(hmacHex(received.get(1).body(), SandboxOptions.DEFAULT_WEBHOOK_SECRET));
        assertThat(sandbox.webhooks().log().counts().rejected()).containsEntry(401, 1L);
        assertThat(sandbox.webhooks().log().counts().badSignatureAccepted()).isZero();
    }

    @Test
    void reorderDeliversInvoiceSettledBeforeInvoiceApproved() throws Exception {
        faults("{\"webhookReorder\":1.0,\"webhookReorderHoldMs\":5000}");
        String invoiceId = approve("a1");
        Thread.sleep(100);
        assertThat(receiver.received()).isEmpty();
        pay("p1", invoiceId);
        awaitDelivered();

        List<String> invoiceEvents = receiver.received().stream()
                .filter(r -> r.dataId().equals(invoiceId))
                .map(WebhookReceiver.Received::type)
                .toList();
        assertThat(invoiceEvents).containsExactly("invoice.settled", "invoice.approved");
    }

    @Test
    void reorderSendsAHeldApprovalAfterItsHoldWhenNoSettlementComes() throws Exception {
        faults("{\"webhookReorder\":1.0,\"webhookReorderHoldMs\":100}");
        approve("a1");
        awaitDelivered();
        assertThat(receiver.types()).containsExactly("invoice.approved");
    }

    @Test
    void failedShareAnnouncesPaymentFailedAndNoInvoiceSettled() throws Exception {
        faults("{\"webhookFailedShare\":1.0}");
        String invoiceId = sandbox.seedInvoices("conn_demo", 1, InvoiceStatus.APPROVED, "10.00", "USD")
                .getFirst();
        var answer = pay("p1", invoiceId);
        assertThat(answer.status()).isEqualTo(201);
        assertThat(answer.body().get("status").asString()).isEqualTo("SETTLED");
        awaitDelivered();
        Thread.sleep(100);

        assertThat(receiver.types()).containsExactly("payment.failed");
        assertThat(find("payment.failed").json().get("data").get("status").asString())
                .isEqualTo("FAILED");
    }

    @Test
    void delaysTheFirstAttempt() throws Exception {
        faults("{\"webhookDelayMs\":200,\"webhookDelayMaxMs\":250}");
        long start = System.nanoTime();
        approve("a1");
        awaitDelivered();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    @Test
    void resetForgetsTheEvents() throws Exception {
        approve("a1");
        awaitDelivered();
        sandbox.reset();
        assertThat(sandbox.webhooks().log().events()).isEmpty();
        assertThat(sandbox.webhooks().url()).isEqualTo(receiver.url());
    }

    @Test
    void parsesWebhookFlags() {
        SandboxOptions options = SandboxOptions.parse(
                "--webhook-url", "http://127.0.0.1:9/webhooks/expereon",
                "--webhook-secret", "s3",
                "--webhook-duplicate", "0.1",
                "--webhook-reorder", "0.2",
                "--webhook-delay-ms", "5",
                "--webhook-delay-max-ms", "50",
                "--webhook-bad-signature", "0.3",
                "--webhook-failed-share", "0.05");
        assertThat(options.webhookUrl()).isEqualTo("http://127.0.0.1:9/webhooks/expereon");
        assertThat(options.webhookSecret()).isEqualTo("s3");
        Faults faults = options.faults();
        assertThat(List.of(faults.webhookDuplicate(), faults.webhookReorder(), faults.webhookBadSignature()))
                .containsExactly(0.1, 0.2, 0.3);
        assertThat(faults.webhookFailedShare()).isEqualTo(0.05);
        assertThat(faults.webhookDelayMaxMs()).isEqualTo(50);
        assertThat(SandboxOptions.parse().webhookUrl()).isNull();
        assertThat(SandboxOptions.parse().webhookSecret()).isEqualTo("remit-webhook-secret");
    }

    private WebhookReceiver.Received find(String type) {
        return receiver.received().stream()
                .filter(r -> r.type().equals(type))
                .findFirst()
                .orElseThrow();
    }
}
