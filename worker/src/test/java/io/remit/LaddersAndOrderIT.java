package io.remit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.sandbox.InvoiceStatus;
import io.remit.testing.Commands;
import io.remit.testing.KafkaProbe;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A code with a ladder of its own ({@code INSUFFICIENT_BALANCE: 400ms,800ms,1200ms} here) is retried on it and no
 * other; a command for an invoice waits while an earlier command for the same invoice is being retried.
 */
class LaddersAndOrderIT extends WorkerTestSupport {
    private static final String POOR = "conn_demo_poor"; // a buyer balance of 10.00
    private static final List<String> OWN_TIERS =
            List.of("it.commands.retry.400ms", "it.commands.retry.800ms", "it.commands.retry.1200ms");

    @Test
    void aCodeWithItsOwnLadderIsRetriedOnItAndSucceedsOnceMoneyArrives() {
        String invoice = sandbox.seedInvoices(POOR, 1, InvoiceStatus.APPROVED, "500.00", "CHF")
                .getFirst();
        String payment = id("ladder-paid");
        send(payment, Commands.pay(invoice, "500.00", "CHF"));

        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> OWN_TIERS.contains(String.valueOf(retryTopicOf(payment))));
        sandbox.setBalance(POOR, "CHF", "1000.00"); // the money arrives

        awaitStatus(payment, "SUCCEEDED");
        List<Map<String, Object>> attempts = attempts(payment);
        assertThat(attempts).hasSizeBetween(2, 4);
        assertThat(attempts.subList(0, attempts.size() - 1))
                .extracting(a -> a.get("error_code"))
                .containsOnly("INSUFFICIENT_BALANCE");
        assertThat(attempts.getLast().get("http_status")).isEqualTo(201);
        ConsumerRecord<byte[], byte[]> retry = retryRecord("it.commands.retry.400ms", payment);
        assertThat(KafkaProbe.header(retry, "remit.code-retries")).isEqualTo("INSUFFICIENT_BALANCE=1");
        assertThat(sandbox.ledger().effects(payment)).isEqualTo(1);
    }

    @Test
    void aCodeThatNeverHealsIsDeadLetteredPastItsOwnLadderKeepingTheCode() {
        String invoice = sandbox.seedInvoices(POOR, 1, InvoiceStatus.APPROVED, "700.00", "NOK")
                .getFirst();
        String payment = id("ladder-broke");
        send(payment, Commands.pay(invoice, "700.00", "NOK"));

        Map<String, Object> row = awaitStatus(payment, "DEAD_LETTERED");
        assertThat(row.get("error_code")).isEqualTo("RETRIES_EXHAUSTED");
        assertThat((String) row.get("error_message")).contains("INSUFFICIENT_BALANCE");
        assertThat(attempts(payment))
                .as("the first attempt and one per tier of its own ladder (three), not the default's")
                .hasSize(4)
                .extracting(a -> a.get("error_code"))
                .containsOnly("INSUFFICIENT_BALANCE");
        ConsumerRecord<byte[], byte[]> deadLetter = deadLetters(payment).get(payment);
        assertThat(KafkaProbe.header(deadLetter, "remit.error.code")).isEqualTo("RETRIES_EXHAUSTED");
        assertThat(KafkaProbe.header(deadLetter, "remit.error.status")).isEqualTo("409");
        assertThat(KafkaProbe.header(deadLetter, "remit.attempts")).isEqualTo("4");
    }

    @Test
    void aPaymentWaitsWhileTheApprovalOfItsInvoiceIsRetriedThenSucceeds() {
        String invoice = sandbox.seedInvoices("conn_demo", 1, InvoiceStatus.SUBMITTED, "300.00", "USD")
                .getFirst();
        String approval = id("order-approve");
        String payment = id("order-pay");
        // three 503s: the approval is retried after 300 ms, 600 ms and 1 s, which leaves the payment about 1.9 s to be
        // read and found waiting
        sandbox.failRequestIds("order-approve", 3);
        send(approval, Commands.approve(invoice));
        awaitStatus(approval, "RETRYING");
        send(payment, Commands.pay(invoice, "300.00", "USD"));

        Map<String, Object> waiting = awaitStatus(payment, "RETRYING");
        assertThat(waiting.get("error_code")).isEqualTo("WAITING_FOR_EARLIER");
        assertThat((String) waiting.get("error_message")).contains(approval);
        assertThat(sandbox.ledger().calls(payment))
                .as("not sent while the approval is being retried")
                .isZero();

        awaitStatus(approval, "SUCCEEDED");
        Map<String, Object> paid = awaitStatus(payment, "SUCCEEDED");
        assertThat(paid.get("attempts")).as("waiting used up no attempt").isEqualTo(1);
        assertThat(sandbox.ledger().calls(payment)).isEqualTo(1);
        assertThat(sandbox.ledger().effects(approval)).isEqualTo(1);
        assertThat(sandbox.ledger().effects(payment)).isEqualTo(1);
        ConsumerRecord<byte[], byte[]> wait = retryRecord((String) waiting.get("retry_topic"), payment);
        assertThat(KafkaProbe.header(wait, "remit.waiting-for")).isEqualTo(approval);
    }

    @Test
    void aCommandForAnotherInvoiceDoesNotWait() {
        String slow = sandbox.seedInvoices("conn_demo", 1, InvoiceStatus.SUBMITTED, "300.00", "USD")
                .getFirst();
        String other = sandbox.seedInvoices("conn_demo", 1, InvoiceStatus.APPROVED, "300.00", "USD")
                .getFirst();
        String approval = id("order-other-approve");
        String payment = id("order-other-pay");
        sandbox.failRequestIds("order-other-approve", 3);
        send(approval, Commands.approve(slow));
        awaitStatus(approval, "RETRYING");
        send(payment, Commands.pay(other, "300.00", "USD"));

        Map<String, Object> paid = awaitStatus(payment, "SUCCEEDED");
        assertThat(paid.get("attempts")).isEqualTo(1);
        // decided while the approval was still being retried: before the approval's last attempt, however slow
        awaitStatus(approval, "SUCCEEDED");
        java.sql.Timestamp approvedAt =
                (java.sql.Timestamp) attempts(approval).getLast().get("attempted_at");
        java.sql.Timestamp paidAt =
                (java.sql.Timestamp) attempts(payment).getFirst().get("attempted_at");
        assertThat(paidAt)
                .as("the payment's call, against the approval's last attempt")
                .isBefore(approvedAt);
    }

    private String retryTopicOf(String requestId) {
        List<String> topic = jdbc.queryForList(
                "select retry_topic from command_outcome where request_id = ?", String.class, requestId);
        return topic.isEmpty() ? null : topic.getFirst();
    }

    private static ConsumerRecord<byte[], byte[]> retryRecord(String topic, String key) {
        List<ConsumerRecord<byte[], byte[]>> read = kafka.readUntil(
                List.of(topic),
                Duration.ofSeconds(20),
                records -> records.stream().anyMatch(r -> key.equals(KafkaProbe.key(r))));
        return read.stream()
                .filter(r -> key.equals(KafkaProbe.key(r)))
                .findFirst()
                .orElseThrow();
    }
}
