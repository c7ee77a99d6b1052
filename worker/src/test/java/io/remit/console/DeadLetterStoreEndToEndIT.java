package io.remit.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.sandbox.Faults;
import io.remit.sandbox.FaultsJson;
import io.remit.testing.Commands;
import io.remit.testing.KafkaProbe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The whole loop with nothing written by hand: the worker dead-letters a command whose API calls
 * all failed and stores it in dead_letter; the console shows it; once the API is back, a redrive
 * publishes it again and the worker applies it, once. Relies on the engine storing its dead letters.
 */
class DeadLetterStoreEndToEndIT extends ConsoleTestSupport {

    @AfterEach
    void calmTheSandbox() {
        infra.sandbox.setFaults(Faults.NONE);
    }

    @Test
    void aCommandTheWorkerDeadLetteredIsStoredShownAndRedrivenToSuccess() throws Exception {
        infra.sandbox.setFaults(FaultsJson.merge(Faults.NONE, "{\"error503\":1.0}"));
        String key = id("e2e");
        String value = Commands.createInvoice(key);
        ProducerRecord<byte[], byte[]> command = new ProducerRecord<>(
                COMMANDS, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        command.headers().add("traceparent", "00-e2e-01".getBytes(StandardCharsets.UTF_8));
        kafka.producer().send(command).get();

        await().atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(200))
                .until(() ->
                        jdbc.queryForObject("select count(*) from dead_letter where request_id = ?", Integer.class, key)
                                == 1);
        infra.sandbox.setFaults(Faults.NONE);
        Map<String, Object> row = jdbc.queryForMap(
                "select error_code, record_key, record_value, headers::text as headers from dead_letter where request_id = ?",
                key);
        assertThat(row.get("error_code")).isEqualTo("RETRIES_EXHAUSTED");
        assertThat((byte[]) row.get("record_value")).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
        assertThat((String) row.get("headers")).contains("traceparent");

        JsonNode history = asOperator("/ops/dead-letters/" + key);
        assertThat(history.get("deadLetters")
                        .get(0)
                        .get("command")
                        .get("invoiceNumber")
                        .asString())
                .isEqualTo(key);
        assertThat(history.get("attempts").findValuesAsString("httpStatus"))
                .isNotEmpty()
                .containsOnly("503");
        assertThat(history.get("outcome").get("status").asString()).isEqualTo("DEAD_LETTERED");

        String id = redrive("{\"filter\":{\"requestIds\":[\"" + key + "\"]},\"reason\":\"sandbox is back\"}")
                .get("id")
                .asString();

        await().atMost(Duration.ofSeconds(20))
                .until(() -> "SUCCEEDED"
                        .equals(jdbc.queryForObject(
                                "select status from command_outcome where request_id = ?", String.class, key)));
        assertThat(infra.sandbox.ledger().effects(key)).isEqualTo(1);
        // the runner records the chunk as published after its Kafka commit, which the worker may have read already
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(asOperator("/ops/redrives/" + id)
                                .get("redriven")
                                .asInt())
                        .isEqualTo(1));
        assertThat(redriven(id, 1, Duration.ofSeconds(10))).singleElement().satisfies(r -> {
            assertThat(KafkaProbe.key(r)).isEqualTo(key);
            assertThat(r.value()).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
        });
        assertThat(List.of(asOperator("/ops/dead-letters/" + key)
                        .get("outcome")
                        .get("status")
                        .asString()))
                .containsExactly("SUCCEEDED");
    }
}
