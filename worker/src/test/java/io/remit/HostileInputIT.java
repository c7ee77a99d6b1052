package io.remit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.testing.Commands;
import io.remit.testing.KafkaProbe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.LivenessState;

/**
 * 10,000 hostile records interleaved with good commands: each bad one is dead-lettered with a
 * reason, every good one succeeds, and the worker never stops.
 */
class HostileInputIT extends WorkerTestSupport {
    private static final int BAD = 10_000;
    private static final int GOOD_EVERY = 10;

    @Autowired
    ApplicationAvailability availability;

    private record Hostile(byte[] key, byte[] value, String code) {}

    @Test
    void deadLettersEveryHostileRecordAndSucceedsEveryGoodOne() {
        String run = id("hostile");
        Random random = new Random(42);
        Map<String, String> expectedCode = new HashMap<>();
        List<String> good = new ArrayList<>();
        for (int n = 0; n < BAD; n++) {
            Hostile hostile = hostile(n, run, random);
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(COMMANDS, hostile.key(), hostile.value());
            record.headers().add("hostile-id", (run + "/" + n).getBytes(StandardCharsets.UTF_8));
            kafka.producer().send(record);
            expectedCode.put(run + "/" + n, hostile.code());
            if (n % GOOD_EVERY == 0) {
                String key = run + "-good-" + n;
                good.add(key);
                kafka.producer()
                        .send(new ProducerRecord<>(
                                COMMANDS,
                                key.getBytes(StandardCharsets.UTF_8),
                                Commands.createInvoice(key).getBytes(StandardCharsets.UTF_8)));
            }
        }
        kafka.producer().flush();

        List<ConsumerRecord<byte[], byte[]>> dead = kafka.readUntil(
                List.of(DEAD_LETTERS),
                Duration.ofMinutes(3),
                read -> read.stream().filter(r -> hostileId(r, run) != null).count() >= BAD);
        Map<String, String> actualCode = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : dead) {
            String hostileId = hostileId(record, run);
            if (hostileId == null) continue;
            assertThat(actualCode.put(hostileId, KafkaProbe.header(record, "remit.error.code")))
                    .as("dead-lettered twice: " + hostileId)
                    .isNull();
            assertThat(KafkaProbe.header(record, "remit.error.message"))
                    .as(hostileId)
                    .isNotBlank();
        }
        assertThat(actualCode).isEqualTo(expectedCode);
        await().atMost(Duration.ofMinutes(2))
                .until(() -> jdbc.queryForObject(
                                "select count(*) from command_outcome where request_id like ? and status = 'SUCCEEDED'",
                                Integer.class,
                                run + "-good-%")
                        == good.size());
        assertThat(availability.getLivenessState()).isEqualTo(LivenessState.CORRECT);
    }

    private static String hostileId(ConsumerRecord<byte[], byte[]> record, String run) {
        String id = KafkaProbe.header(record, "hostile-id");
        return id != null && id.startsWith(run + "/") ? id : null;
    }

    /** The n-th hostile record: a rotation through the ways input goes wrong, each with the code it must get. */
    private static Hostile hostile(int n, String run, Random random) {
        byte[] key = (run + "-bad-" + n).getBytes(StandardCharsets.UTF_8);
        String invalid = "COMMAND_INVALID", unreadable = "COMMAND_UNREADABLE";
        return switch (n % 20) {
            case 0 -> new Hostile(key, randomBytes(random, 1 + random.nextInt(300)), unreadable);
            case 1 ->
                new Hostile(
                        key,
                        concat(
                                "{\"type\":\"invoice.create\",\"connectionId\":\"conn_",
                                new byte[] {(byte) 0xC3, 0x28},
                                "\"}"),
                        unreadable);
            case 2 ->
                new Hostile(
                        key,
                        ("{\"type\":\"invoice.create\",\"description\":\"" + "x".repeat(70_000) + "\"}")
                                .getBytes(StandardCharsets.UTF_8),
                        unreadable);
            case 3 ->
                new Hostile(key, ("[".repeat(5_000) + "]".repeat(5_000)).getBytes(StandardCharsets.UTF_8), unreadable);
            case 4 ->
                new Hostile(
                        key,
                        ("{\"a\":".repeat(100) + "1" + "}".repeat(100)).getBytes(StandardCharsets.UTF_8),
                        unreadable);
            case 5 ->
                new Hostile(
                        key,
                        utf8(
                                "{\"type\":\"invoice.create\",\"connectionId\":\"conn_demo\",\"invoiceNumber\":\"N\",\"amount\":1500.00,\"currency\":\"USD\",\"dueDate\":\"2026-12-31\"}"),
                        invalid);
            case 6 -> new Hostile(key, utf8("{\"type\":[\"invoice.create\"]}"), invalid);
            case 7 -> new Hostile(key, utf8("{\"type\":\"payment.create\",\"invoiceId\":\"inv_1\"}"), invalid);
            case 8 -> new Hostile(null, utf8(Commands.createInvoice("no-key")), "COMMAND_MISSING_KEY");
            case 9 -> new Hostile(new byte[0], utf8(Commands.createInvoice("empty-key")), "COMMAND_MISSING_KEY");
            case 10 ->
                new Hostile(
                        ("k".repeat(129) + n).getBytes(StandardCharsets.UTF_8),
                        utf8(Commands.createInvoice("long-key")),
                        invalid);
            case 11 ->
                new Hostile(
                        new byte[] {(byte) 0xFF, (byte) 0xFE, 'k'},
                        utf8(Commands.createInvoice("binary-key")),
                        invalid);
            case 12 -> new Hostile(key, utf8(Commands.createInvoice("conn_demo", "N", "1e309", "USD")), invalid);
            case 13 -> new Hostile(key, utf8(Commands.createInvoice("conn_demo", "N", "-0.00", "USD")), invalid);
            case 14 -> new Hostile(key, utf8(Commands.createInvoice("conn_demo", "N", "1.005", "USD")), invalid);
            case 15 ->
                new Hostile(
                        key,
                        utf8(Commands.createInvoice("conn_demo", run + "-xyz-" + n, "10.00", "XYZ")),
                        "CURRENCY_NOT_SUPPORTED");
            case 16 ->
                new Hostile(
                        key,
                        utf8(Commands.createInvoice("conn_demo", run + "-zero-" + n, "0.00", "USD")),
                        "INVOICE_INVALID_AMOUNT");
            case 17 -> new Hostile(key, utf8(random.nextBoolean() ? "null" : "[]"), unreadable);
            case 18 -> new Hostile(key, new byte[0], unreadable);
            default ->
                new Hostile(
                        key,
                        utf8("{\"type\":\"invoice.create\",\"connectionId\":\"conn_demo\",\"type\":\"twice\"}"),
                        unreadable);
        };
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        bytes[0] = (byte) 0x80; // never a JSON start
        return bytes;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(String head, byte[] middle, String tail) {
        byte[] a = utf8(head), c = utf8(tail);
        byte[] out = new byte[a.length + middle.length + c.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(middle, 0, out, a.length, middle.length);
        System.arraycopy(c, 0, out, a.length + middle.length, c.length);
        return out;
    }
}
