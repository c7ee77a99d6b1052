package io.remit.benchmark.reference;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.BackOff;
import org.springframework.kafka.annotation.DltHandler;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.annotation.RetryableTopic;
import org.springframework.kafka.retrytopic.TopicSuffixingStrategy;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.kafka.support.KafkaMessageHeaderAccessor;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumes commands one record at a time and records what became of each in
 * {@code reference_outcome}. A 2xx is SUCCEEDED; a refusal (4xx) or an unreadable command is
 * DEAD_LETTERED at once; a {@link TransientApiException} sends the record through the retry
 * topics (1 s, 2 s, 4 s, 8 s, 16 s, 30 s) and, after the seventh attempt, to the dead-letter topic.
 */
@Component
class ReferenceListener {
    private static final Logger log = LoggerFactory.getLogger(ReferenceListener.class);
    private static final String UPSERT = """
            insert into reference_outcome (request_id, command_type, status, http_status, error_code, attempts, updated_at)
            values (?, ?, ?, ?, ?, ?, now())
            on conflict (request_id) do update set command_type = excluded.command_type, status = excluded.status,
                http_status = excluded.http_status, error_code = excluded.error_code, attempts = excluded.attempts,
                updated_at = excluded.updated_at""";

    private final ReferenceApi api;
    private final JdbcTemplate jdbc;
    private final JsonMapper json;

    ReferenceListener(ReferenceApi api, JdbcTemplate jdbc, JsonMapper json) {
        this.api = api;
        this.jdbc = jdbc;
        this.json = json;
    }

    @RetryableTopic(
            attempts = "7",
            backOff = @BackOff(delay = 1000, multiplier = 2.0, maxDelay = 30000),
            topicSuffixingStrategy = TopicSuffixingStrategy.SUFFIX_WITH_INDEX_VALUE,
            dltTopicSuffix = ".dlt",
            autoCreateTopics = "true",
            numPartitions = "12",
            replicationFactor = "1",
            include = TransientApiException.class)
    @KafkaListener(
            topics = "${reference.topic}",
            concurrency = "${reference.concurrency}",
            groupId = "${reference.group:reference}")
    void onCommand(
            @Header(KafkaHeaders.RECEIVED_KEY) String requestId, String value, KafkaMessageHeaderAccessor headers) {
        int attempt = headers.getNonBlockingRetryDeliveryAttempt();
        JsonNode command = readable(value);
        String type = command == null ? null : command.path("type").asString(null);
        if (type == null || ReferenceApi.path(type, command) == null) {
            record(requestId, type, "DEAD_LETTERED", null, "COMMAND_UNREADABLE", attempt);
            return;
        }
        ReferenceApi.Response response = api.send(requestId, type, command);
        record(
                requestId,
                type,
                response.succeeded() ? "SUCCEEDED" : "DEAD_LETTERED",
                response.status(),
                response.errorCode(),
                attempt);
    }

    /** Reached after the last retry, or at once for an exception that is not transient. Must not throw. */
    @DltHandler
    void onDeadLetter(ConsumerRecord<String, String> record, KafkaMessageHeaderAccessor headers) {
        JsonNode command = readable(record.value());
        String type = command == null ? null : command.path("type").asString(null);
        String cause = header(record, KafkaHeaders.EXCEPTION_CAUSE_FQCN);
        log.warn("dead letter {} after {}: {}", record.key(), cause, header(record, KafkaHeaders.EXCEPTION_MESSAGE));
        String code = TransientApiException.class.getName().equals(cause) ? "RETRIES_EXHAUSTED" : "LISTENER_FAILED";
        // the attempts header counts this delivery to the dead-letter topic too; the API saw one fewer
        record(record.key(), type, "DEAD_LETTERED", null, code, headers.getNonBlockingRetryDeliveryAttempt() - 1);
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private JsonNode readable(String value) {
        try {
            JsonNode node = value == null ? null : json.readTree(value);
            return node != null && node.isObject() ? node : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    private void record(
            String requestId, String type, String status, Integer httpStatus, String errorCode, int attempts) {
        jdbc.update(UPSERT, requestId, type, status, httpStatus, errorCode, attempts);
    }
}
