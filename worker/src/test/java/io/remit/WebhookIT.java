package io.remit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.testing.Commands;
import io.remit.testing.KafkaProbe;
import io.remit.webhook.SettlementRelay;
import io.remit.webhook.WebhookSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Expereon's signed webhooks, sent over real HTTP to the receiver's own port: a settlement is stored with its command
 * and produced once on the outcomes topic, whatever is redelivered, reordered or early; what does not verify or parse
 * is refused and stored nowhere; a relay that died between Kafka and PostgreSQL neither loses nor doubles an event.
 */
class WebhookIT extends WorkerTestSupport {
    private static final String OUTCOMES = COMMANDS + ".outcomes";
    private static final JsonMapper json = JsonMapper.builder().build();
    private static final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int consolePort;

    @org.springframework.beans.factory.annotation.Autowired
    javax.sql.DataSource dataSource;

    @Test
    void aSettledPaymentSettlesItsCommandOnceWhateverIsRedeliveredOrReordered() throws Exception {
        Paid paid = pay("wh-pay");
        String settled = event("payment.settled", paid.paymentId(), "SETTLED", null);

        assertThat(post(settled)).isEqualTo(ok("APPLIED"));
        assertThat(post(settled)).as("redelivered").isEqualTo(ok("DUPLICATE"));
        String failedLate = event("payment.failed", paid.paymentId(), "FAILED", null);
        assertThat(post(failedLate)).as("a final state stays").isEqualTo(ok("SUPERSEDED"));
        // the invoice: settled arrives before approved
        assertThat(post(event("invoice.settled", paid.invoiceId(), "SETTLED", null)))
                .isEqualTo(ok("APPLIED"));
        assertThat(post(event("invoice.approved", paid.invoiceId(), "APPROVED", null)))
                .isEqualTo(ok("SUPERSEDED"));

        Map<String, Object> payment = row(paid.paymentKey());
        assertThat(payment.get("settlement")).isEqualTo("SETTLED");
        assertThat(row(paid.createKey()).get("settlement"))
                .as("the invoice's creation")
                .isEqualTo("SETTLED");
        assertThat(row(paid.approveKey()).get("settlement"))
                .as("only the command that created it")
                .isNull();
        assertThat(jdbc.queryForList(
                        "select event_type, applied from webhook_event where request_id = ? order by received_at",
                        paid.paymentKey()))
                .extracting(r -> r.get("event_type") + "/" + r.get("applied"))
                .containsExactly("payment.settled/true", "payment.failed/false");

        List<ConsumerRecord<byte[], byte[]>> events =
                settlementEvents(List.of(paid.paymentKey(), paid.createKey(), paid.approveKey()), 2);
        assertThat(events).extracting(KafkaProbe::key).containsExactlyInAnyOrder(paid.paymentKey(), paid.createKey());
        JsonNode value = json.readTree(events.stream()
                .filter(e -> KafkaProbe.key(e).equals(paid.paymentKey()))
                .findFirst()
                .orElseThrow()
                .value());
        assertThat(value.get("event").asString()).isEqualTo("payment.settled");
        assertThat(value.get("settlement").asString()).isEqualTo("SETTLED");
        assertThat(value.get("resourceId").asString()).isEqualTo(paid.paymentId());
        assertThat(value.get("commandType").asString()).isEqualTo("payment.create");
    }

    @Test
    void aWebhookThatArrivesBeforeItsCommandsOutcomeIsMatchedWhenTheOutcomeIsStored() throws Exception {
        String key = id("wh-early");
        // Expereon names the requestId that created the resource; remit has not even read the command yet
        String early =
                "{\"id\":\"evt_" + key + "\",\"type\":\"invoice.approved\",\"data\":{\"requestId\":\"" + key + "\"}}";
        assertThat(post(early)).isEqualTo(ok("UNMATCHED"));
        send(key, Commands.createInvoice("INV-" + key.substring(9, 17)));
        awaitStatus(key, "SUCCEEDED");
        await().atMost(Duration.ofSeconds(15)).until(() -> "APPROVED".equals(row(key).get("settlement")));
        assertThat(settlementEvents(List.of(key), 1)).hasSize(1);
    }

    /**
     * Found by a run on a loaded machine: the API sends {@code invoice.approved} as it answers the approval, often before
     * remit has stored that answer. The event names the approval's requestId; not finding it yet, remit matched the
     * event to the invoice's creator (the resource's), and the approval never got its settlement. It now waits for the
     * command it names.
     */
    @Test
    void anApprovalsWebhookThatArrivesBeforeTheApprovalIsStoredWaitsForItNotForTheInvoicesCreator() throws Exception {
        String create = id("wh-named-c");
        send(create, Commands.createInvoice("INV-" + create.substring(create.length() - 8)));
        String invoiceId = (String) awaitStatus(create, "SUCCEEDED").get("resource_id");
        String approve = id("wh-named-a");

        assertThat(post(event("invoice.approved", invoiceId, "APPROVED", approve)))
                .as("the approval it names is not stored yet")
                .isEqualTo(ok("UNMATCHED"));
        send(approve, Commands.approve(invoiceId));
        awaitStatus(approve, "SUCCEEDED");

        await().atMost(Duration.ofSeconds(15))
                .until(() -> "APPROVED".equals(row(approve).get("settlement")));
        assertThat(row(create).get("settlement")).as("the invoice's creator").isNull();
        assertThat(settlementEvents(List.of(create, approve), 1))
                .extracting(KafkaProbe::key)
                .containsExactly(approve);
    }

    @Test
    void whatDoesNotVerifyOrParseIsRefusedAndStoredNowhere() throws Exception {
        String id = "evt_refused_" + UUID.randomUUID();
        String body = event(id, "payment.settled", "pay_x", "SETTLED", null, Instant.now());
        assertThat(post(body, "0".repeat(64), WEBHOOK_PORT)).isEqualTo(401);
        assertThat(post(body, null, WEBHOOK_PORT)).isEqualTo(401);
        assertThat(post(
                        body,
                        WebhookSignature.sign("a-former-secret", body.getBytes(StandardCharsets.UTF_8)),
                        WEBHOOK_PORT))
                .isEqualTo(401);
        String stale = event(
                id, "payment.settled", "pay_x", "SETTLED", null, Instant.now().minus(Duration.ofDays(4)));
        assertThat(post(stale, sign(stale), WEBHOOK_PORT))
                .as("a replay older than the tolerance")
                .isEqualTo(400);
        String duplicateKeys = "{\"id\":\"" + id + "\",\"id\":\"evt_other\",\"type\":\"payment.settled\"}";
        assertThat(post(duplicateKeys, sign(duplicateKeys), WEBHOOK_PORT)).isEqualTo(400);
        assertThat(post("[1,2]", sign("[1,2]"), WEBHOOK_PORT)).isEqualTo(400);
        String huge = "{\"id\":\"" + id + "\",\"type\":\"x\",\"pad\":\"" + "a".repeat(70_000) + "\"}";
        assertThat(post(huge, sign(huge), WEBHOOK_PORT)).isEqualTo(413);
        assertThat(jdbc.queryForList("select event_id from webhook_event where event_id like ?", id + "%"))
                .isEmpty();
        assertThat(post(body, sign(body), consolePort)).as("the console's port").isIn(403, 404);
    }

    @Test
    void hostileBytesAreKeptEscapedAndUnknownTypesKeptUnapplied() throws Exception {
        String id = "evt_\\u0000\\n\\u202e_" + UUID.randomUUID();
        String body = event(id, "payment.refunded", "pay_\\u0000", "REFUNDED", null, Instant.now());
        assertThat(post(body)).isEqualTo(ok("UNMATCHED"));
        assertThat(jdbc.queryForList(
                        "select event_id from webhook_event where event_type = 'payment.refunded' and event_id like ?",
                        String.class,
                        "evt_\\\\u0000%"))
                .hasSize(1);
    }

    @Test
    void aRelayThatDiedBetweenKafkaAndPostgresNeitherLosesNorDoublesAnEvent() throws Exception {
        String produced = id("wh-produced");
        String claimed = id("wh-claimed");
        // what a relay leaves when it dies after committing batch n to Kafka, before deleting it from PostgreSQL
        long n = jdbc.queryForObject("select nextval('settlement_outbox_batch_seq')", Long.class);
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-settlements"); // the relay's: it is fenced
        try (KafkaProducer<byte[], byte[]> dying =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            dying.initTransactions();
            dying.beginTransaction();
            dying.send(new ProducerRecord<>(
                    OUTCOMES,
                    null,
                    produced.getBytes(StandardCharsets.UTF_8),
                    ("{\"requestId\":\"" + produced + "\"}").getBytes(StandardCharsets.UTF_8),
                    List.of(new org.apache.kafka.common.header.internals.RecordHeader(
                            SettlementRelay.EVENT_HEADER, "settlement".getBytes(StandardCharsets.UTF_8)))));
            dying.sendOffsetsToTransaction(
                    Map.of(new TopicPartition(OUTCOMES, 0), new OffsetAndMetadata(n + 1)),
                    new ConsumerGroupMetadata("it-settlements"));
            dying.commitTransaction();
        }
        // its rows, still in PostgreSQL (written here after the commit, so that the live relay cannot produce them
        // first)
        jdbc.update(
                "insert into settlement_outbox (request_id, batch, payload) values (?, ?, ?)",
                produced,
                n,
                "{\"requestId\":\"" + produced + "\"}");
        // ... and what it leaves when it dies after claiming batch n + 1, before producing it
        long m = jdbc.queryForObject("select nextval('settlement_outbox_batch_seq')", Long.class);
        jdbc.update(
                "insert into settlement_outbox (request_id, batch, payload) values (?, ?, ?)",
                claimed,
                m,
                "{\"requestId\":\"" + claimed + "\"}");

        await().atMost(Duration.ofSeconds(30))
                .until(() -> jdbc.queryForObject(
                                "select count(*) from settlement_outbox where request_id in (?, ?)",
                                Long.class,
                                produced,
                                claimed)
                        == 0);
        assertThat(settlementEvents(List.of(produced, claimed), 2))
                .extracting(KafkaProbe::key)
                .containsExactlyInAnyOrder(produced, claimed);
    }

    /**
     * PostgreSQL restored from a backup numbers its batches from where the backup left the sequence, below the position
     * the relay has produced to since: a batch claimed below it is numbered again from the position and produced, not
     * deleted as if Kafka had it.
     */
    @Test
    void aSettlementQueuedInADatabaseRestoredBehindKafkaIsProducedNotDeleted() throws Exception {
        String before = id("wh-before");
        String queued = id("wh-restored");
        queue(before); // produced: the relay's position is past batch 1
        assertThat(settlementEvents(List.of(before), 1)).hasSize(1);

        jdbc.execute("alter sequence settlement_outbox_batch_seq restart with 1"); // the restore
        queue(queued);

        assertThat(settlementEvents(List.of(queued), 1))
                .extracting(KafkaProbe::key)
                .containsExactly(queued);
        assertThat(jdbc.queryForObject("select last_value from settlement_outbox_batch_seq", Long.class))
                .as("numbered from the position again")
                .isGreaterThan(1L);
    }

    private void queue(String requestId) {
        jdbc.update(
                "insert into settlement_outbox (request_id, payload) values (?, ?)",
                requestId,
                "{\"requestId\":\"" + requestId + "\"}");
    }

    @Test
    void theSandboxsWebhooksWithTheirFaultsSettleEveryChainOnce() throws Exception {
        faults("{\"webhookDuplicate\":0.3,\"webhookReorder\":0.5,\"webhookDelayMs\":0,\"webhookDelayMaxMs\":300,"
                + "\"webhookBadSignature\":0.2,\"webhookFailedShare\":0.2}");
        sandbox.webhooks().configure("http://127.0.0.1:" + WEBHOOK_PORT + "/webhooks/expereon", WEBHOOK_SECRET);
        try {
            List<Paid> chains = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) chains.add(pay("wh-chain"));
            assertThat(sandbox.webhooks().awaitDelivered(Duration.ofSeconds(30)))
                    .isTrue();
            for (Paid chain : chains) {
                String payment = (String) (await().atMost(Duration.ofSeconds(15))
                        .until(() -> row(chain.paymentKey()).get("settlement"), s -> s != null));
                boolean failed = payment.equals("FAILED");
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> "APPROVED".equals(row(chain.approveKey()).get("settlement")));
                if (!failed)
                    await().atMost(Duration.ofSeconds(15))
                            .until(() -> "SETTLED".equals(row(chain.createKey()).get("settlement")));
                List<String> keys = List.of(chain.createKey(), chain.approveKey(), chain.paymentKey());
                assertThat(settlementEvents(keys, failed ? 2 : 3))
                        .as("one settlement event each")
                        .extracting(KafkaProbe::key)
                        .containsExactlyInAnyOrderElementsOf(failed ? keys.subList(1, 3) : keys);
            }
            assertThat(sandbox.webhooks().log().counts().badSignatureAccepted()).isZero();
        } finally {
            sandbox.webhooks().configure(null, WEBHOOK_SECRET);
        }
    }

    private record Paid(String createKey, String approveKey, String paymentKey, String invoiceId, String paymentId) {}

    private Paid pay(String label) {
        String create = id(label + "-c");
        String approve = id(label + "-a");
        String payment = id(label + "-p");
        send(create, Commands.createInvoice("INV-" + create.substring(create.length() - 8)));
        String invoiceId = (String) awaitStatus(create, "SUCCEEDED").get("resource_id");
        send(approve, Commands.approve(invoiceId));
        awaitStatus(approve, "SUCCEEDED");
        send(payment, Commands.pay(invoiceId, "1500.00", "USD"));
        String paymentId = (String) awaitStatus(payment, "SUCCEEDED").get("resource_id");
        return new Paid(create, approve, payment, invoiceId, paymentId);
    }

    private Map<String, Object> row(String requestId) {
        return jdbc.queryForMap("select * from command_outcome where request_id = ?", requestId);
    }

    private static String event(String type, String resourceId, String status, String requestId) {
        return event("evt_" + UUID.randomUUID(), type, resourceId, status, requestId, Instant.now());
    }

    private static String event(
            String id, String type, String resourceId, String status, String requestId, Instant createdAt) {
        String data = "{\"id\":\"" + resourceId + "\",\"status\":\"" + status + "\""
                + (requestId == null ? "" : ",\"requestId\":\"" + requestId + "\"") + "}";
        return "{\"id\":\"" + id + "\",\"type\":\"" + type + "\",\"createdAt\":\"" + createdAt + "\",\"data\":" + data
                + "}";
    }

    private static String sign(String body) {
        return WebhookSignature.sign(WEBHOOK_SECRET, body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * PostgreSQL cannot take a webhook (no connection within the pool's timeout): the answer is 503, for Expereon to send
     * it again, never a 2xx for an event that was not stored.
     */
    @Test
    void aWebhookPostgreSqlCannotTakeIsAnswered503() throws Exception {
        Paid paid = pay("wh-nodb");
        String settled = event("payment.settled", paid.paymentId(), "SETTLED", null);
        com.zaxxer.hikari.HikariDataSource pool = (com.zaxxer.hikari.HikariDataSource) dataSource;
        long timeout = pool.getConnectionTimeout();
        List<java.sql.Connection> held = new java.util.ArrayList<>();
        pool.getHikariConfigMXBean().setConnectionTimeout(500);
        try {
            while (held.size() < pool.getMaximumPoolSize()) {
                try {
                    held.add(pool.getConnection());
                } catch (java.sql.SQLException busy) {
                    // the engine holds one for a moment: taken once it is given back
                }
            }
            HttpResponse<String> response =
                    http.send(request(settled, sign(settled), WEBHOOK_PORT), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode() + " " + response.body())
                    .isEqualTo("503 {\"result\":\"STORE_UNAVAILABLE\"}");
        } finally {
            for (java.sql.Connection c : held) c.close();
            pool.getHikariConfigMXBean().setConnectionTimeout(timeout);
        }
        assertThat(post(settled)).as("sent again, once PostgreSQL takes it").isEqualTo(ok("APPLIED"));
    }

    private static String ok(String result) {
        return "200 " + result;
    }

    /** Posts a correctly signed webhook; "status result". */
    private static String post(String body) throws Exception {
        HttpResponse<String> response =
                http.send(request(body, sign(body), WEBHOOK_PORT), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " "
                + json.readTree(response.body()).get("result").asString();
    }

    private static int post(String body, String signature, int port) throws Exception {
        return http.send(request(body, signature, port), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static HttpRequest request(String body, String signature, int port) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/webhooks/expereon"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) request.header(WebhookSignature.HEADER, signature);
        return request.build();
    }

    /** The settlement events of these keys once {@code expected} are there, and any that follow within a moment. */
    private static List<ConsumerRecord<byte[], byte[]>> settlementEvents(List<String> keys, int expected) {
        List<ConsumerRecord<byte[], byte[]>> read = kafka.readUntil(
                List.of(OUTCOMES),
                Duration.ofSeconds(20),
                records -> settlements(records, keys).size() >= expected);
        read.addAll(kafka.readUntil(List.of(OUTCOMES), Duration.ofSeconds(1), records -> false).stream()
                .filter(r -> read.stream().noneMatch(s -> s.partition() == r.partition() && s.offset() == r.offset()))
                .toList());
        return settlements(read, keys);
    }

    private static List<ConsumerRecord<byte[], byte[]>> settlements(
            List<ConsumerRecord<byte[], byte[]>> records, List<String> keys) {
        return records.stream()
                .filter(r -> keys.contains(KafkaProbe.key(r)))
                .filter(r -> "settlement".equals(KafkaProbe.header(r, SettlementRelay.EVENT_HEADER)))
                .toList();
    }
}
