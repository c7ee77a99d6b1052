package io.remit.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.RemitApplication;
import io.remit.sandbox.Ledger;
import io.remit.testing.Commands;
import io.remit.testing.Infrastructure;
import io.remit.testing.KafkaProbe;
import io.remit.testing.TestSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Money safety at the edges of idempotency (issue 21), on the real broker, PostgreSQL and sandbox: a requestId reused for
 * another command is refused without a call; the same command reformatted is not; a corrected command after a definite
 * refusal is sent; a command whose first ambiguous attempt is older than the API's idempotency window (1.2 s here) is
 * never sent again, and a redrive skips it unless forced. The sandbox forgets requestIds after 1.5 s, as real APIs do,
 * so a second effect would be seen if remit sent one.
 */
@SpringBootTest(classes = RemitApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// a context of its own: closed after this class, so its worker does not poll Kafka beside the tests that follow
@DirtiesContext
class MoneySafetyIT {
    private static final String TOPIC = "money.commands";
    private static final String DLQ = "money.commands.dlq";
    private static final String OUTCOMES = "money.commands.outcomes";
    private static final Infrastructure infra = ConsoleTestSupport.infra;
    private static final KafkaProbe kafka = ConsoleTestSupport.kafka;
    private static final JsonMapper json = ConsoleTestSupport.json;
    private static final String OPERATOR =
            ConsoleTestSupport.basic(ConsoleTestSupport.OPERATOR, ConsoleTestSupport.OPERATOR_PASSWORD);
    private final HttpClient http = HttpClient.newHttpClient();

    @Value("${local.server.port}")
    int port;

    @Autowired
    JdbcTemplate jdbc;

    /** Its own topics and group, an operator, and an idempotency window of 1.2 s (the ladder is 300 ms, 600 ms, 1 s). */
    @DynamicPropertySource
    static void money(DynamicPropertyRegistry registry) {
        TestSettings.remit(infra, TOPIC, DLQ, "money").forEach((name, value) -> registry.add(name, () -> value));
        registry.add("remit.ops.enabled", () -> "true");
        registry.add(
                "remit.ops.users." + ConsoleTestSupport.OPERATOR + ".password", () -> ConsoleTestSupport.OPERATOR_HASH);
        registry.add("remit.ops.users." + ConsoleTestSupport.OPERATOR + ".roles", () -> "OPERATOR");
        registry.add("remit.ops.redrive.poll-interval", () -> "200ms");
        registry.add("remit.api.idempotency-window", () -> "1200ms");
    }

    private static String id(String label) {
        return ConsoleTestSupport.id(label);
    }

    private JsonNode asOperator(String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Authorization", OPERATOR)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("GET " + path + ": " + response.body())
                .isEqualTo(200);
        return json.readTree(response.body());
    }

    private JsonNode redrive(String body) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ops/redrives"))
                        .header("Authorization", OPERATOR)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("POST /ops/redrives: " + response.body())
                .isEqualTo(201);
        return json.readTree(response.body());
    }

    @AfterEach
    void calm() {
        infra.sandbox.failRequestIds(null, 0);
        infra.sandbox.loseAnswersOf(null, 0);
        infra.sandbox.setIdempotencyWindow(null);
    }

    @Test
    void aRequestIdReusedForAnotherAmountIsRefusedWithoutACallAndTheSameCommandReformattedIsNot() throws Exception {
        Ledger ledger = infra.sandbox.ledger();
        String key = id("reused");
        kafka.send(TOPIC, key, create(key, "10.00"));
        await().atMost(Duration.ofSeconds(20)).until(() -> "SUCCEEDED".equals(status(key)));
        // the same command, reformatted: other key order, whitespace, "10.0" for "10.00"
        kafka.send(TOPIC, key, create(key, "10.0").replace(",", " ,\n "));
        // another command under the same requestId: 20.00
        kafka.send(TOPIC, key, create(key, "20.00"));

        ConsumerRecord<byte[], byte[]> dead = oneDeadLetter(key);
        assertThat(KafkaProbe.header(dead, "remit.error.code")).isEqualTo("REQUEST_ID_REUSED");
        assertThat(KafkaProbe.header(dead, "remit.error.status")).isEqualTo("409");
        assertThat(KafkaProbe.header(dead, "remit.error.message"))
                .contains("was used before for another command, which succeeded")
                .contains("sha256:")
                .contains("\"amount\":\"10\"");
        assertThat(ledger.calls(key))
                .as("the reformatted and the reused command were not sent")
                .isEqualTo(1);
        assertThat(ledger.effects(key)).isEqualTo(1);
        Map<String, Object> row = jdbc.queryForMap(
                "select status, error_code, command, fingerprint from command_outcome where request_id = ?", key);
        assertThat(row).containsEntry("status", "SUCCEEDED").containsEntry("error_code", null);
        assertThat((String) row.get("command")).contains("\"amount\":\"10\"");
        // outcome events: the success, then the refusal of the reuse; none for the reformatted command
        List<String> statuses = outcomeEvents(key, 2).stream()
                .map(e -> json.readTree(e.value()))
                .map(v -> v.get("status").asString() + " "
                        + (v.get("errorCode").isNull()
                                ? "-"
                                : v.get("errorCode").asString()))
                .toList();
        assertThat(statuses).containsExactly("SUCCEEDED -", "DEAD_LETTERED REQUEST_ID_REUSED");
        // the console shows both commands: the one the API was asked (the row), and the refused one (its dead letter)
        JsonNode history = asOperator("/ops/dead-letters/" + key);
        assertThat(history.get("outcome").get("command").asString()).contains("\"amount\":\"10\"");
        assertThat(history.get("deadLetters").get(0).get("row").get("code").asString())
                .isEqualTo("REQUEST_ID_REUSED");
        assertThat(history.get("deadLetters").get(0).toString()).contains("20.00");
    }

    @Test
    void badInputUnderARequestIdInUseIsDeadLetteredBesideItsCommandWhichGoesOn() throws Exception {
        Ledger ledger = infra.sandbox.ledger();
        String key = id("badbeside");
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        infra.sandbox.failRequestIds(key, 1); // the command's first call: 503, so it is being retried
        kafka.send(TOPIC, key, create(key, "10.00"));
        kafka.send(TOPIC, keyBytes, null); // a tombstone under its requestId
        kafka.send(TOPIC, key, "{\"type\":"); // and bytes that are no command
        await().atMost(Duration.ofSeconds(20)).until(() -> "SUCCEEDED".equals(status(key)));
        kafka.send(TOPIC, key, "\u0000"); // after it succeeded: dead-lettered too, not taken for the command

        List<ConsumerRecord<byte[], byte[]>> dead = deadLetters(key, 3);
        assertThat(dead).hasSize(3);
        assertThat(dead)
                .extracting(r -> KafkaProbe.header(r, "remit.error.code"))
                .containsOnly("COMMAND_UNREADABLE");
        assertThat(dead)
                .extracting(r -> KafkaProbe.header(r, "remit.error.message"))
                .allSatisfy(message -> assertThat(message).contains("the requestId's own command"));
        assertThat(ledger.effects(key)).isEqualTo(1);
        Map<String, Object> row =
                jdbc.queryForMap("select status, command, fingerprint from command_outcome where request_id = ?", key);
        assertThat(row).containsEntry("status", "SUCCEEDED");
        assertThat((String) row.get("command")).contains("\"amount\":\"10\"");
        assertThat(row.get("fingerprint")).isNotNull();
        assertThat(jdbc.queryForObject("select count(*) from dead_letter where request_id = ?", Integer.class, key))
                .isEqualTo(3);
    }

    @Test
    void aCorrectedCommandAfterADefiniteRefusalIsSent() throws Exception {
        String key = id("corrected");
        kafka.send(TOPIC, key, Commands.createInvoice("conn_demo", key, "10.00", "XYZ")); // 422: not applied
        await().atMost(Duration.ofSeconds(20)).until(() -> "DEAD_LETTERED".equals(status(key)));
        kafka.send(TOPIC, key, Commands.createInvoice("conn_demo", key, "10.00", "USD"));
        await().atMost(Duration.ofSeconds(20)).until(() -> "SUCCEEDED".equals(status(key)));
        assertThat(infra.sandbox.ledger().effects(key)).isEqualTo(1);
    }

    @Test
    void aCommandAnsweredWith5xxPastTheWindowIsNeverSentAgainAndARedriveSkipsItUnlessForced() throws Exception {
        Ledger ledger = infra.sandbox.ledger();
        infra.sandbox.setIdempotencyWindow(Duration.ofMillis(1500));
        String key = id("unknown");
        // the API applies the command, then the answer is lost (503) every time: remit cannot know it took effect
        infra.sandbox.loseAnswersOf(key, 100);
        kafka.send(TOPIC, key, create(key, "10.00"));
        ConsumerRecord<byte[], byte[]> dead = oneDeadLetter(key);
        assertThat(KafkaProbe.header(dead, "remit.error.code")).isEqualTo("OUTCOME_UNKNOWN");
        assertThat(KafkaProbe.header(dead, "remit.error.message")).contains("not sent again");
        int calls = ledger.calls(key);
        assertThat(calls)
                .as("attempts inside the window (300 ms and 600 ms later), none after")
                .isBetween(2, 3);
        assertThat(ledger.effects(key)).isEqualTo(1);
        assertThat(jdbc.queryForObject(
                        "select first_ambiguous_at is not null from command_outcome where request_id = ?",
                        Boolean.class,
                        key))
                .isTrue();

        infra.sandbox.loseAnswersOf(null, 0);
        Thread.sleep(1_600); // the sandbox has forgotten the requestId: a new request would be a second payment
        JsonNode dryRun = redrive("{\"filter\":{\"requestIds\":[\"" + key + "\"]},\"dryRun\":true}");
        assertThat(dryRun.get("matched").asInt()).isEqualTo(1);
        assertThat(dryRun.get("eligible").asInt()).isZero();
        assertThat(dryRun.get("unknownOutcomes").asInt()).isEqualTo(1);
        JsonNode skipped = redrive("{\"filter\":{\"requestIds\":[\"" + key + "\"]},\"reason\":\"try again\"}");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> asOperator("/ops/redrives/" + skipped.get("id").asString())
                        .get("state")
                        .asString()
                        .equals("DONE"));
        JsonNode done = asOperator("/ops/redrives/" + skipped.get("id").asString());
        assertThat(done.get("redriven").asInt()).isZero();
        Thread.sleep(1_000);
        assertThat(ledger.calls(key)).as("not redriven, not called").isEqualTo(calls);
        assertThat(ledger.effects(key)).as("no second payment").isEqualTo(1);

        // forced, after the operator looked it up: sent (and here, with the API having forgotten it, a second effect:
        // which is why only a person may decide it)
        redrive("{\"filter\":{\"requestIds\":[\"" + key + "\"]},\"reason\":\"looked up\",\"force\":true}");
        await().atMost(Duration.ofSeconds(20)).until(() -> ledger.calls(key) > calls);
    }

    private String status(String requestId) {
        List<String> s =
                jdbc.queryForList("select status from command_outcome where request_id = ?", String.class, requestId);
        return s.isEmpty() ? null : s.getFirst();
    }

    /** An invoice creation under {@code key}, whose invoice number is the key. */
    private static String create(String key, String amount) {
        return Commands.createInvoice("conn_demo", key, amount, "USD");
    }

    private static ConsumerRecord<byte[], byte[]> oneDeadLetter(String key) {
        List<ConsumerRecord<byte[], byte[]>> dead = kafka
                .readUntil(
                        List.of(DLQ),
                        Duration.ofSeconds(30),
                        read -> read.stream().anyMatch(r -> key.equals(KafkaProbe.key(r))))
                .stream()
                .filter(r -> key.equals(KafkaProbe.key(r)))
                .toList();
        assertThat(dead).as("dead letters of " + key).hasSize(1);
        return dead.getFirst();
    }

    private static List<ConsumerRecord<byte[], byte[]>> deadLetters(String key, int expected) {
        return keyed(DLQ, key, expected);
    }

    private static List<ConsumerRecord<byte[], byte[]>> outcomeEvents(String key, int expected) {
        return keyed(OUTCOMES, key, expected);
    }

    /** The records of {@code topic} under {@code key}, read until there are {@code expected} of them (30 s at most). */
    private static List<ConsumerRecord<byte[], byte[]>> keyed(String topic, String key, int expected) {
        return kafka
                .readUntil(
                        List.of(topic),
                        Duration.ofSeconds(30),
                        read -> read.stream()
                                        .filter(r -> key.equals(KafkaProbe.key(r)))
                                        .count()
                                >= expected)
                .stream()
                .filter(r -> key.equals(KafkaProbe.key(r)))
                .toList();
    }
}
