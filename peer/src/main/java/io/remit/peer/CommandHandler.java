package io.remit.peer;

import io.confluent.parallelconsumer.PollContext;
import io.confluent.parallelconsumer.RecordContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One command, as Parallel Consumer hands it over, and what became of it in {@code peer_outcome}. A 2xx is SUCCEEDED;
 * a refusal (4xx) or an unreadable command is DEAD_LETTERED at once and answered as a dead letter for Parallel
 * Consumer to produce (in the transaction, in transactional mode); a {@link TransientApiException} is thrown out so
 * Parallel Consumer retries the record after {@link #retryDelay}, and on the seventh attempt the record is dead-lettered
 * as RETRIES_EXHAUSTED: the reference worker's retry topics, 1, 2, 4, 8, 16, 30 s, as in-memory retries.
 */
final class CommandHandler {
    static final int ATTEMPTS = 7;
    private static final List<Duration> DELAYS =
            List.of(1, 2, 4, 8, 16, 30).stream().map(Duration::ofSeconds).toList();
    private static final String UPSERT = """
            insert into peer_outcome (request_id, command_type, status, http_status, error_code, attempts, updated_at)
            values (?, ?, ?, ?, ?, ?, now())
            on conflict (request_id) do update set command_type = excluded.command_type, status = excluded.status,
                http_status = excluded.http_status, error_code = excluded.error_code, attempts = excluded.attempts,
                updated_at = excluded.updated_at""";
    static final String ERROR_CODE_HEADER = "peer.error-code";

    private final PaymentsClient api;
    private final JdbcTemplate jdbc;
    private final JsonMapper json;
    private final String deadLetterTopic;

    CommandHandler(PaymentsClient api, JdbcTemplate jdbc, JsonMapper json, String deadLetterTopic) {
        this.api = api;
        this.jdbc = jdbc;
        this.json = json;
        this.deadLetterTopic = deadLetterTopic;
    }

    /** The wait before the next attempt, after {@code failures} failed ones: 1, 2, 4, 8, 16, then 30 s. */
    static Duration retryDelay(int failures) {
        return DELAYS.get(Math.clamp(failures - 1, 0, DELAYS.size() - 1));
    }

    /** Handles one record; answers the dead letter to produce, if any. Throws to have the record retried. */
    List<ProducerRecord<String, String>> handle(PollContext<String, String> context) {
        RecordContext<String, String> record = context.getSingleRecord();
        int attempt = record.getNumberOfFailedAttempts() + 1;
        JsonNode command = readable(record.value());
        String type = command == null ? null : command.path("type").asString(null);
        if (record.key() == null || type == null || PaymentsClient.path(type, command) == null) {
            return deadLetter(record, type, null, "COMMAND_UNREADABLE", attempt);
        }
        PaymentsClient.Response response;
        try {
            response = api.send(record.key(), type, command);
        } catch (TransientApiException e) {
            if (attempt < ATTEMPTS) throw e;
            return deadLetter(record, type, null, "RETRIES_EXHAUSTED", attempt);
        }
        if (!response.succeeded()) return deadLetter(record, type, response.status(), response.errorCode(), attempt);
        save(record.key(), type, "SUCCEEDED", response.status(), null, attempt);
        return List.of();
    }

    private List<ProducerRecord<String, String>> deadLetter(
            RecordContext<String, String> record, String type, Integer httpStatus, String code, int attempts) {
        if (record.key() != null) save(record.key(), type, "DEAD_LETTERED", httpStatus, code, attempts);
        ProducerRecord<String, String> letter = new ProducerRecord<>(deadLetterTopic, record.key(), record.value());
        if (code != null) letter.headers().add(ERROR_CODE_HEADER, code.getBytes(StandardCharsets.UTF_8));
        return List.of(letter);
    }

    private JsonNode readable(String value) {
        try {
            JsonNode node = value == null ? null : json.readTree(value);
            return node != null && node.isObject() ? node : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    private void save(
            String requestId, String type, String status, Integer httpStatus, String errorCode, int attempts) {
        jdbc.update(UPSERT, requestId, type, status, httpStatus, errorCode, attempts);
    }
}
