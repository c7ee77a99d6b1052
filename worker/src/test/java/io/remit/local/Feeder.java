package io.remit.local;

import io.remit.sandbox.SandboxServer;
import io.remit.testing.Commands;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes what an ERP would: mostly valid commands (invoices created, approved, paid), some
 * the API will refuse (unknown connection, suspended connection, unsupported currency,
 * insufficient balance), and some that are not commands at all (no key, broken JSON, invalid
 * fields). Transient failures come from the sandbox's faults.
 */
final class Feeder implements Runnable {
    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final SandboxServer sandbox;
    private final int perSecond;
    private final Random random = new Random();
    private final AtomicLong sequence = new AtomicLong();
    private final String run = Long.toString(System.currentTimeMillis() % 100_000, 36);
    private volatile boolean running = true;

    Feeder(Producer<byte[], byte[]> producer, String topic, SandboxServer sandbox, int perSecond) {
        this.producer = producer;
        this.topic = topic;
        this.sandbox = sandbox;
        this.perSecond = perSecond;
    }

    @Override
    public void run() {
        List<String> submitted =
                sandbox.seedInvoices("conn_demo", 10_000, io.remit.sandbox.InvoiceStatus.SUBMITTED, "1500.00", "USD");
        List<String> approved =
                sandbox.seedInvoices("conn_demo", 10_000, io.remit.sandbox.InvoiceStatus.APPROVED, "1500.00", "USD");
        List<String> poor =
                sandbox.seedInvoices("conn_demo_poor", 1_000, io.remit.sandbox.InvoiceStatus.APPROVED, "500.00", "USD");
        while (running) {
            long n = sequence.incrementAndGet();
            String key = "local-" + run + "-" + n;
            int dice = random.nextInt(100);
            String value = switch (dice) {
                case 0 -> null; // COMMAND_UNREADABLE
                case 1 -> "{\"type\":\"invoice.create\",\"amount\":"; // COMMAND_UNREADABLE
                case 2 -> Commands.createInvoice("conn_demo", key, "12.345", "USD"); // COMMAND_INVALID
                case 3 -> Commands.createInvoice("conn_unknown", key, "10.00", "USD"); // 404 CONNECTION_NOT_FOUND
                case 4 ->
                    Commands.createInvoice("conn_demo_suspended", key, "10.00", "USD"); // 409 CONNECTION_NOT_ACTIVE
                case 5 -> Commands.createInvoice("conn_demo", key, "10.00", "XTS"); // 422 CURRENCY_NOT_SUPPORTED
                case 6 -> Commands.pay(pick(poor), "500.00", "USD"); // 409 INSUFFICIENT_BALANCE
                case 7 -> Commands.approve("inv_nowhere"); // 404 INVOICE_NOT_FOUND
                default ->
                    dice < 50
                            ? Commands.createInvoice(key)
                            : dice < 75
                                    ? Commands.approve(pick(submitted))
                                    : Commands.pay(pick(approved), "1500.00", "USD");
            };
            byte[] keyBytes = dice == 8 ? null : key.getBytes(StandardCharsets.UTF_8); // COMMAND_MISSING_KEY
            producer.send(new ProducerRecord<>(
                    topic,
                    keyBytes,
                    value == null ? new byte[] {(byte) 0xC3, 0x28} : value.getBytes(StandardCharsets.UTF_8)));
            pace();
        }
    }

    private String pick(List<String> ids) {
        return ids.get((int) (sequence.get() % ids.size()));
    }

    private void pace() {
        try {
            Thread.sleep(Math.max(1, 1000 / perSecond));
        } catch (InterruptedException e) {
            running = false;
        }
    }

    void stop() {
        running = false;
    }
}
