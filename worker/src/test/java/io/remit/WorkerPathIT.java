package io.remit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.testing.Commands;
import io.remit.testing.KafkaProbe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every row of the decision table, end to end: Kafka in, the sandbox API, PostgreSQL and Kafka out. */
class WorkerPathIT extends WorkerTestSupport {

    @Test
    void recordsASuccessWithTheApisResourceId() {
        String key = id("ok");
        send(key, Commands.createInvoice(key));

        Map<String, Object> row = awaitStatus(key, "SUCCEEDED");
        assertThat(row.get("command_type")).isEqualTo("invoice.create");
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat(row.get("http_status")).isEqualTo(201);
        assertThat((String) row.get("resource_id")).startsWith("inv_");
        assertThat(attempts(key))
                .singleElement()
                .satisfies(a -> assertThat(a.get("http_status")).isEqualTo(201));
        assertThat(sandbox.ledger().effects(key)).isEqualTo(1);
    }

    @Test
    void runsAnInvoiceThroughApprovalAndPayment() {
        String create = id("create");
        send(create, Commands.createInvoice(create));
        String invoiceId = (String) awaitStatus(create, "SUCCEEDED").get("resource_id");
        String approve = id("approve");
        send(approve, Commands.approve(invoiceId));
        awaitStatus(approve, "SUCCEEDED");
        String pay = id("pay");
        send(pay, Commands.pay(invoiceId, "1500.00", "USD"));

        assertThat(awaitStatus(pay, "SUCCEEDED").get("resource_id")).isEqualTo("pay_" + invoiceId.substring(4));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"error500", "error502", "error503", "error504"})
    void retriesServerErrorsOnTheNextTierUntilTheySucceed(String fault) {
        faults("{\"" + fault + "\":1.0}");
        String key = id(fault);
        send(key, Commands.createInvoice(key));

        Map<String, Object> retrying = awaitStatus(key, "RETRYING");
        faults("{}");
        assertThat(retrying.get("retry_topic")).isEqualTo(COMMANDS + ".retry.300ms");
        ConsumerRecord<byte[], byte[]> retry = kafka
                .readUntil(
                        List.of(COMMANDS + ".retry.300ms"),
                        Duration.ofSeconds(10),
                        read -> read.stream().anyMatch(r -> key.equals(KafkaProbe.key(r))))
                .stream()
                .filter(r -> key.equals(KafkaProbe.key(r)))
                .findFirst()
                .orElseThrow();
        assertThat(KafkaProbe.header(retry, "remit.attempt")).isEqualTo("2");
        assertThat(Instant.parse(KafkaProbe.header(retry, "remit.due-at")))
                .isAfter(Instant.now().minusSeconds(30));
        assertThat(new String(retry.value(), StandardCharsets.UTF_8)).isEqualTo(Commands.createInvoice(key));

        // 2 attempts, or more if this test cleared the fault after the retry was due (300 ms): each refused, then 201
        Map<String, Object> row = awaitStatus(key, "SUCCEEDED");
        List<Object> statuses =
                attempts(key).stream().map(a -> a.get("http_status")).toList();
        assertThat(row.get("attempts")).isEqualTo(statuses.size());
        assertThat(statuses).hasSizeGreaterThanOrEqualTo(2).last().isEqualTo(201);
        assertThat(statuses.subList(0, statuses.size() - 1)).containsOnly(Integer.parseInt(fault.substring(5)));
        assertThat(sandbox.ledger().effects(key)).isEqualTo(1);
    }

    @Test
    void retriesATimeoutWithoutASecondEffect() {
        faults("{\"hang\":1.0,\"hangMs\":3000}");
        String key = id("timeout");
        send(key, Commands.createInvoice(key));
        awaitStatus(key, "RETRYING");
        faults("{}");

        awaitStatus(key, "SUCCEEDED");
        assertThat(attempts(key).getFirst().get("error_code")).isEqualTo("TIMEOUT");
        assertThat(sandbox.ledger().effects(key)).isEqualTo(1);
    }

    @ParameterizedTest(name = "lost as {0}")
    @ValueSource(strings = {"drop", "5xx", "hang"})
    void recoversAnAppliedButLostAnswerWithExactlyOneEffect(String lostAs) {
        faults("{\"lost\":1.0,\"lostAs\":\"" + lostAs + "\",\"hangMs\":3000}");
        String key = id("lost-" + lostAs);
        send(key, Commands.createInvoice(key));
        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.ledger().effects(key) == 1);
        faults("{}");

        awaitStatus(key, "SUCCEEDED");
        // a dropped connection is resent at once by the client; a 5xx or a hang waits for a retry tier
        assertThat(sandbox.ledger().calls(key)).isGreaterThanOrEqualTo(2);
        assertThat(sandbox.ledger().effects(key)).isEqualTo(1);
    }

    @Test
    void deadLettersWhenRetriesAreExhaustedKeepingTheLastStatus() {
        faults("{\"error503\":1.0}");
        String key = id("exhausted");
        send(key, Commands.createInvoice(key));

        ConsumerRecord<byte[], byte[]> dead = deadLetters(key).get(key);
        assertThat(KafkaProbe.header(dead, "remit.error.code")).isEqualTo("RETRIES_EXHAUSTED");
        assertThat(KafkaProbe.header(dead, "remit.error.status")).isEqualTo("503");
        assertThat(KafkaProbe.header(dead, "remit.attempts")).isEqualTo("4");
        assertThat(KafkaProbe.header(dead, "remit.original.topic")).isEqualTo(COMMANDS);
        assertThat(dead.headers().headers("remit.attempt")).isEmpty();
        Map<String, Object> row = awaitStatus(key, "DEAD_LETTERED");
        assertThat(row.get("error_code")).isEqualTo("RETRIES_EXHAUSTED");
        assertThat(row.get("attempts")).isEqualTo(4);
        assertThat(sandbox.ledger().calls(key)).isEqualTo(4);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource({"conn_nowhere, CONNECTION_NOT_FOUND, 404", "conn_demo_suspended, CONNECTION_NOT_ACTIVE, 409"})
    void deadLettersAPermanentRefusalAfterOneCall(String connection, String code, int status) {
        String key = id("refused");
        String value = Commands.createInvoice(connection, key, "10.00", "USD");
        send(key, value);

        ConsumerRecord<byte[], byte[]> dead = deadLetters(key).get(key);
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo(value);
        assertThat(KafkaProbe.header(dead, "remit.error.code")).isEqualTo(code);
        assertThat(KafkaProbe.header(dead, "remit.error.status")).isEqualTo(Integer.toString(status));
        assertThat(KafkaProbe.header(dead, "remit.error.message")).isNotBlank();
        assertThat(KafkaProbe.header(dead, "remit.attempts")).isEqualTo("1");
        assertThat(KafkaProbe.header(dead, "remit.original.partition")).isNotNull();
        assertThat(KafkaProbe.header(dead, "remit.original.offset")).isNotNull();
        assertThat(Instant.parse(KafkaProbe.header(dead, "remit.dead-lettered-at")))
                .isBefore(Instant.now().plusSeconds(1));
        assertThat(awaitStatus(key, "DEAD_LETTERED").get("http_status")).isEqualTo(status);
        assertThat(sandbox.ledger().calls(key)).isEqualTo(1);
    }

    @Test
    void deadLettersBadInputWithoutCallingTheApiWhileGoodInputSucceeds() {
        String good1 = id("good"), good2 = id("good"), unreadable = id("unreadable"), invalid = id("invalid");
        send(good1, Commands.createInvoice(good1));
        kafka.send(COMMANDS, (byte[]) null, Commands.createInvoice("no-key").getBytes(StandardCharsets.UTF_8));
        send("bad key with spaces", Commands.createInvoice("bad-key"));
        kafka.send(COMMANDS, unreadable.getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff, (byte) 0xfe, '{'});
        send(invalid, Commands.createInvoice("conn_demo", invalid, "1.005", "USD"));
        send(good2, Commands.createInvoice(good2));

        awaitStatus(good1, "SUCCEEDED");
        awaitStatus(good2, "SUCCEEDED");
        Map<String, ConsumerRecord<byte[], byte[]>> dead = deadLetters(unreadable, invalid, "bad key with spaces");
        assertThat(KafkaProbe.header(dead.get(unreadable), "remit.error.code")).isEqualTo("COMMAND_UNREADABLE");
        assertThat(KafkaProbe.header(dead.get(invalid), "remit.error.code")).isEqualTo("COMMAND_INVALID");
        assertThat(KafkaProbe.header(dead.get(invalid), "remit.error.message")).contains("amount");
        assertThat(KafkaProbe.header(dead.get(invalid), "remit.attempts")).isEqualTo("0");
        assertThat(KafkaProbe.header(dead.get("bad key with spaces"), "remit.error.code"))
                .isEqualTo("COMMAND_INVALID");
        List<ConsumerRecord<byte[], byte[]>> keyless = kafka.readUntil(
                List.of(DEAD_LETTERS),
                Duration.ofSeconds(10),
                read -> read.stream().anyMatch(r -> r.key() == null));
        assertThat(keyless)
                .filteredOn(r -> r.key() == null)
                .anySatisfy(r ->
                        assertThat(KafkaProbe.header(r, "remit.error.code")).isEqualTo("COMMAND_MISSING_KEY"));
        assertThat(awaitStatus(invalid, "DEAD_LETTERED").get("attempts")).isEqualTo(0);
        assertThat(sandbox.ledger().calls(unreadable) + sandbox.ledger().calls(invalid))
                .isZero();
    }

    @ParameterizedTest(name = "X-RateLimit-Reset as {0}")
    @ValueSource(strings = {"epoch", "delta"})
    void waitsFor429UntilTheRateLimitResets(String format) {
        faults("{\"burst429\":1.0,\"burst429Ms\":2500,\"resetFormat\":\"" + format + "\"}");
        String key = id("429");
        long sentAt = System.currentTimeMillis();
        send(key, Commands.createInvoice(key));
        awaitStatus(key, "RETRYING");
        faults("{\"resetFormat\":\"" + format + "\"}");

        awaitStatus(key, "SUCCEEDED");
        List<Map<String, Object>> attempts = attempts(key);
        assertThat(attempts).extracting(a -> a.get("http_status")).endsWith(201).contains(429);
        Instant retried = ((java.sql.Timestamp) attempts.getLast().get("attempted_at")).toInstant();
        // the burst ends 2.5 s after the first call; Reset is rounded up to a whole second
        assertThat(retried).isAfterOrEqualTo(Instant.ofEpochMilli(sentAt + 2500).minusMillis(50));
    }

    @Test
    void neverSendsASucceededCommandAgain() {
        String key = id("twice");
        send(key, Commands.createInvoice(key));
        awaitStatus(key, "SUCCEEDED");
        send(key, Commands.createInvoice(key));
        String marker = id("marker");
        send(marker, Commands.createInvoice(marker));
        awaitStatus(marker, "SUCCEEDED");

        assertThat(sandbox.ledger().calls(key)).isEqualTo(1);
    }
}
