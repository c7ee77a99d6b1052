package io.remit.console.redrive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.console.ConsoleTestSupport;
import io.remit.testing.Commands;
import io.remit.testing.KafkaProbe;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Redrives through the API, checked on the real commands topic (read_committed) and in PostgreSQL:
 * original key and value, at most once per dead letter unless forced, the rate cap, cancelling, the audit.
 */
class RedriveIT extends ConsoleTestSupport {

    @Test
    void aDryRunCountsAndPublishesNothing() throws Exception {
        String code = code("dry");
        for (int i = 0; i < 3; i++)
            stored().row(id("dry"), Commands.createInvoice("dry"))
                    .code(code, 422, "no")
                    .store();

        JsonNode dryRun = redrive("{\"filter\":{\"codes\":[\"" + code + "\"]},\"dryRun\":true}");

        assertThat(dryRun.get("dryRun").asBoolean()).isTrue();
        assertThat(dryRun.get("matched").asInt()).isEqualTo(3);
        assertThat(dryRun.get("eligible").asInt()).isEqualTo(3);
        assertThat(dryRun.get("redriven").asInt()).isZero();
        assertThat(dryRun.get("state").asString()).isEqualTo("DONE");
        Map<String, Object> audit = jdbc.queryForMap(
                "select * from redrive where id = ?::uuid", dryRun.get("id").asString());
        assertThat(audit.get("requested_by")).isEqualTo(OPERATOR);
        assertThat(audit.get("dry_run")).isEqualTo(true);
        assertThat(redriven(dryRun.get("id").asString(), 1, Duration.ofSeconds(2)))
                .isEmpty();
    }

    @Test
    void publishesEachDeadLetterOnceWithItsOriginalKeyValueAndForeignHeaders() throws Exception {
        String code = code("redrive");
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String key = id("redrive");
            keys.add(key);
            stored().row(key, Commands.createInvoice("conn_nowhere", key, "1.00", "USD"))
                    .code(code, 404, "no")
                    .header("traceparent", "trace-" + i)
                    .header("remit.attempt", "2")
                    .header("remit.due-at", "2026-01-01T00:00:00Z")
                    .store();
        }

        JsonNode started = redrive(
                "{\"filter\":{\"codes\":[\"" + code + "\"]},\"reason\":\"connection restored\",\"ratePerSecond\":100}");
        String id = started.get("id").asString();
        assertThat(started.get("state").asString()).isEqualTo("RUNNING");
        JsonNode done = awaitState(id, "DONE");

        assertThat(done.get("redriven").asInt()).isEqualTo(3);
        assertThat(done.get("reason").asString()).isEqualTo("connection restored");
        assertThat(done.get("requestedBy").asString()).isEqualTo(OPERATOR);
        List<ConsumerRecord<byte[], byte[]>> records = redriven(id, 3, Duration.ofSeconds(10));
        assertThat(records).extracting(KafkaProbe::key).containsExactlyInAnyOrderElementsOf(keys);
        int partitions = 3;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String key = KafkaProbe.key(record);
            assertThat(new String(record.value(), StandardCharsets.UTF_8))
                    .isEqualTo(Commands.createInvoice("conn_nowhere", key, "1.00", "USD"));
            assertThat(KafkaProbe.header(record, "traceparent")).startsWith("trace-");
            assertThat(record.headers().lastHeader("remit.attempt"))
                    .as("remit's own headers are not carried")
                    .isNull();
            assertThat(record.headers().lastHeader("remit.due-at")).isNull();
            assertThat(record.partition()).isEqualTo(CommandsTopic.partitionOf(record.key(), partitions));
            Map<String, Object> item = jdbc.queryForMap("""
                    select i.state, i.topic_partition, i.topic_offset from redrive_item i join dead_letter d on d.id = i.dead_letter_id
                    where i.redrive_id = ?::uuid and d.request_id = ?""", id, key);
            assertThat(item)
                    .containsEntry("state", "PUBLISHED")
                    .containsEntry("topic_partition", record.partition())
                    .containsEntry("topic_offset", record.offset());
            assertThat(KafkaProbe.header(record, RedriveHeaders.DEAD_LETTER)).isNotBlank();
        }
    }

    @Test
    void skipsDeadLettersRedrivenBeforeUnlessForced() throws Exception {
        String code = code("again");
        for (int i = 0; i < 2; i++)
            stored().row(id("again"), Commands.createInvoice("conn_nowhere", "x", "1.00", "USD"))
                    .code(code, 404, "no")
                    .store();
        String filter = "{\"codes\":[\"" + code + "\"]}";
        awaitState(
                redrive("{\"filter\":" + filter + ",\"reason\":\"first\"}")
                        .get("id")
                        .asString(),
                "DONE");

        JsonNode again = redrive("{\"filter\":" + filter + ",\"reason\":\"second\"}");
        assertThat(again.get("matched").asInt()).isEqualTo(2);
        assertThat(again.get("eligible").asInt()).isZero();
        JsonNode second = awaitState(again.get("id").asString(), "DONE");
        assertThat(second.get("redriven").asInt()).isZero();
        assertThat(second.get("skipped").asInt()).isEqualTo(2);
        assertThat(redriven(again.get("id").asString(), 1, Duration.ofSeconds(2)))
                .isEmpty();

        JsonNode forced = redrive("{\"filter\":" + filter + ",\"reason\":\"third\",\"force\":true}");
        assertThat(forced.get("eligible").asInt()).isEqualTo(2);
        assertThat(awaitState(forced.get("id").asString(), "DONE")
                        .get("redriven")
                        .asInt())
                .isEqualTo(2);
        assertThat(redriven(forced.get("id").asString(), 2, Duration.ofSeconds(10)))
                .hasSize(2);
    }

    @Test
    void publishesOneRecordPerRequestIdAndSkipsDeadLettersWithoutKey() throws Exception {
        String code = code("dupe");
        String key = id("dupe");
        stored().row(key, Commands.createInvoice("conn_nowhere", key, "1.00", "USD"))
                .code(code, 404, "first")
                .store();
        stored().row(key, Commands.createInvoice("conn_nowhere", key, "1.00", "USD"))
                .code(code, 404, "second")
                .store();
        stored().row("@" + COMMANDS + "/0/" + UUID.randomUUID(), "{}")
                .noKey()
                .code(code, null, "record has no key")
                .store();

        JsonNode started = redrive("{\"filter\":{\"codes\":[\"" + code + "\"]},\"reason\":\"dedupe\"}");
        assertThat(started.get("matched").asInt()).isEqualTo(3);
        assertThat(started.get("eligible").asInt()).isEqualTo(1);
        JsonNode done = awaitState(started.get("id").asString(), "DONE");

        assertThat(done.get("redriven").asInt()).isEqualTo(1);
        assertThat(done.get("skipped").asInt()).isEqualTo(2);
        assertThat(jdbc.queryForList(
                        "select skip_reason from redrive_item where redrive_id = ?::uuid and state = 'SKIPPED' order by 1",
                        String.class,
                        started.get("id").asString()))
                .containsExactly(
                        "its requestId is redriven by this redrive already", "no key: it would be dead-lettered again");
        assertThat(redrivenExactly(started.get("id").asString(), 1)).hasSize(1);
    }

    /**
     * A requestId's dead letters: a different command refused beside it (REQUEST_ID_REUSED, older), then the command's
     * own, which its row names. A redrive of the requestId sends the command, not the refused one, which the engine
     * could take for a correction once the command was refused for good.
     */
    @Test
    void aRedriveOfARequestIdSendsItsCommandNotARecordRefusedBesideIt() throws Exception {
        String key = id("beside");
        String command = Commands.createInvoice("conn_nowhere", key, "1.00", "USD");
        stored().row(key, Commands.createInvoice("conn_nowhere", key, "99.00", "USD"))
                .code("REQUEST_ID_REUSED", 409, "requestId was used before for another command")
                .store();
        stored().row(key, command)
                .code("CONNECTION_NOT_FOUND", 404, "no")
                .decided("CONNECTION_NOT_FOUND", 404)
                .store();

        JsonNode started = redrive("{\"filter\":{\"requestIds\":[\"" + key + "\"]},\"reason\":\"its command\"}");
        assertThat(started.get("matched").asInt()).isEqualTo(2);
        assertThat(started.get("eligible").asInt()).isEqualTo(1);
        JsonNode done = awaitState(started.get("id").asString(), "DONE");

        assertThat(done.get("redriven").asInt()).isEqualTo(1);
        assertThat(onlySkipReason(started)).startsWith("not its requestId's command: that is the dead letter of");
        assertThat(redrivenExactly(started.get("id").asString(), 1))
                .singleElement()
                .satisfies(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8))
                        .isEqualTo(command));
    }

    /** A dead letter larger than Kafka takes from the redrive's producer is skipped: it would fail every chunk for ever. */
    @Test
    void aDeadLetterTooLargeToPublishIsSkippedAndTheOthersGoOn() throws Exception {
        String code = code("huge");
        String small = id("small");
        stored().row(id("huge"), "x")
                .rawValue(new byte[1_100_000])
                .code(code, 404, "no")
                .store();
        stored().row(small, Commands.createInvoice("conn_nowhere", small, "1.00", "USD"))
                .code(code, 404, "no")
                .store();

        JsonNode started = redrive("{\"filter\":{\"codes\":[\"" + code + "\"]},\"reason\":\"huge\"}");
        JsonNode done = awaitState(started.get("id").asString(), "DONE");

        assertThat(done.get("redriven").asInt()).isEqualTo(1);
        assertThat(onlySkipReason(started)).startsWith("larger than Kafka takes from the redrive's producer");
        assertThat(redrivenExactly(started.get("id").asString(), 1))
                .singleElement()
                .satisfies(r -> assertThat(KafkaProbe.key(r)).isEqualTo(small));
    }

    @Test
    void keepsToTheRequestedRate() throws Exception {
        String code = code("rate");
        for (int i = 0; i < 8; i++)
            stored().row(id("rate"), Commands.createInvoice("conn_nowhere", "x", "1.00", "USD"))
                    .code(code, 404, "no")
                    .store();

        String id = redrive("{\"filter\":{\"codes\":[\"" + code + "\"]},\"reason\":\"slowly\",\"ratePerSecond\":4}")
                .get("id")
                .asString();
        awaitState(id, "DONE");

        List<Timestamp> published = jdbc.queryForList(
                "select published_at from redrive_item where redrive_id = ?::uuid order by 1", Timestamp.class, id);
        assertThat(published).hasSize(8);
        // the rate is a ceiling, not an average: each send starts at least a quarter of a second after the one before,
        // however long that one took, so the 2nd to the 8th span at least 1.5 s. From the 2nd: published_at is
        // stamped after each send, and the first send also starts the redrive's producer and transaction (CI once saw
        // it take long enough for the runner, which then caught up, to send the next four back to back)
        Duration spread = Duration.between(
                published.get(1).toInstant(), published.getLast().toInstant());
        assertThat(spread)
                .as("the 2nd to the 8th of 8 records at 4 per second")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1250));
    }

    @Test
    void cancellingStopsARunningRedriveAndKeepsWhatWasPublished() throws Exception {
        String code = code("cancel");
        for (int i = 0; i < 20; i++)
            stored().row(id("cancel"), Commands.createInvoice("conn_nowhere", "x", "1.00", "USD"))
                    .code(code, 404, "no")
                    .store();
        String id = redrive("{\"filter\":{\"codes\":[\"" + code + "\"]},\"reason\":\"too many\",\"ratePerSecond\":2}")
                .get("id")
                .asString();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> asOperator("/ops/redrives/" + id).get("redriven").asInt() >= 1);

        var cancel = post("/ops/redrives/" + id + "/cancel", basic(OPERATOR, OPERATOR_PASSWORD), "");

        assertThat(cancel.statusCode()).isEqualTo(200);
        assertThat(json.readTree(cancel.body()).get("state").asString()).isEqualTo("CANCELLED");
        await().atMost(Duration.ofSeconds(30)) // a chunk in flight when cancelled still settles
                .until(() -> jdbc.queryForObject(
                                "select count(*) from redrive_chunk where redrive_id = ?::uuid and state = 'SENDING'",
                                Integer.class,
                                id)
                        == 0);
        int redriven = asOperator("/ops/redrives/" + id).get("redriven").asInt();
        Thread.sleep(2000);
        JsonNode after = asOperator("/ops/redrives/" + id);
        assertThat(after.get("redriven").asInt()).isEqualTo(redriven).isLessThan(20);
        assertThat(after.get("cancelledBy").asString()).isEqualTo(OPERATOR);
        assertThat(redrivenExactly(id, redriven)).hasSize(redriven);
    }

    @Test
    void refusesARedriveOfEverythingWithoutReasonOrTooFast() throws Exception {
        String operator = basic(OPERATOR, OPERATOR_PASSWORD);
        assertThat(post("/ops/redrives", operator, "{\"filter\":{},\"reason\":\"all\"}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(post("/ops/redrives", operator, "{\"filter\":{\"codes\":[\"X\"]}}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(post(
                                "/ops/redrives",
                                operator,
                                "{\"filter\":{\"codes\":[\"X\"]},\"reason\":\"r\",\"ratePerSecond\":100000}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(post("/ops/redrives", operator, "not json").statusCode()).isEqualTo(400);
        assertThat(get("/ops/redrives/" + UUID.randomUUID(), operator).statusCode())
                .isEqualTo(404);
    }

    /** The skip reason of the one dead letter a redrive skipped. */
    private String onlySkipReason(JsonNode redrive) {
        List<String> reasons = jdbc.queryForList(
                "select skip_reason from redrive_item where redrive_id = ?::uuid and state = 'SKIPPED'",
                String.class,
                redrive.get("id").asString());
        assertThat(reasons).hasSize(1);
        return reasons.getFirst();
    }

    private JsonNode awaitState(String id, String state) {
        return await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> asOperator("/ops/redrives/" + id),
                        r -> state.equals(r.get("state").asString()));
    }
}
