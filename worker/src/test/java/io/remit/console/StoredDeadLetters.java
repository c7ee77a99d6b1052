package io.remit.console;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Writes dead letters into PostgreSQL as the engine stores them ({@code dead_letter}, with the
 * {@code command_outcome} and {@code command_attempt} rows of their requestId), for tests of the
 * console that must not wait for the worker to fail a command.
 */
public final class StoredDeadLetters {
    /** Source offsets far above what the tests' topics reach, unique per JVM: (topic, partition, offset) is unique. */
    private static final AtomicLong OFFSETS =
            new AtomicLong(1_000_000_000L + ThreadLocalRandom.current().nextLong(1_000_000_000L));

    private final JdbcTemplate jdbc;
    private final String topic;

    public StoredDeadLetters(JdbcTemplate jdbc, String topic) {
        this.jdbc = jdbc;
        this.topic = topic;
    }

    /** One dead letter to store; {@link #store()} writes it and answers its id. */
    public final class Row {
        String requestId;
        byte[] key;
        byte[] value;
        String type = "invoice.create";
        String code = "CONNECTION_NOT_FOUND";
        Integer status = 404;
        String message = "connection not found";
        int attempts = 1;
        Instant at = Instant.now();
        final long offset = OFFSETS.getAndIncrement();
        final Map<String, byte[]> headers = new LinkedHashMap<>();

        public Row(String requestId, String value) {
            this.requestId = requestId;
            this.key = requestId == null ? null : requestId.getBytes(StandardCharsets.UTF_8);
            this.value = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        }

        public Row code(String code, Integer status, String message) {
            this.code = code;
            this.status = status;
            this.message = message;
            return this;
        }

        public Row type(String type) {
            this.type = type;
            return this;
        }

        public Row attempts(int attempts) {
            this.attempts = attempts;
            return this;
        }

        public Row at(Instant at) {
            this.at = at;
            return this;
        }

        public Row header(String key, String value) {
            headers.put(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        public Row rawValue(byte[] value) {
            this.value = value;
            return this;
        }

        public Row noKey() {
            this.key = null;
            return this;
        }

        public long store() {
            return jdbc.queryForObject(
                    """
                    insert into dead_letter (request_id, command_type, error_code, http_status, error_message, attempts,
                        record_key, record_value, headers, value_truncated, origin_topic, origin_partition, origin_offset,
                        source_topic, source_partition, source_offset, dead_lettered_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, false, ?, 0, ?, ?, 0, ?, ?) returning id""",
                    Long.class,
                    requestId,
                    type,
                    code,
                    status,
                    message,
                    attempts,
                    key,
                    value,
                    headersJson(),
                    topic,
                    offset,
                    topic,
                    offset,
                    Timestamp.from(at));
        }

        /** Also the decision the engine would have stored for its requestId, and its API attempts: these statuses and the API's code. */
        public Row decided(String attemptCode, int... attemptStatuses) {
            jdbc.update(
                    """
                    insert into command_outcome (request_id, command_type, status, attempts, http_status, error_code, error_message,
                        source_topic, source_partition, source_offset, updated_at)
                    values (?, ?, 'DEAD_LETTERED', ?, ?, ?, ?, ?, 0, ?, ?)""",
                    requestId,
                    type,
                    attemptStatuses.length,
                    status,
                    code,
                    message,
                    topic,
                    offset,
                    Timestamp.from(at));
            for (int i = 0; i < attemptStatuses.length; i++) {
                jdbc.update(
                        """
                        insert into command_attempt (request_id, attempt, command_type, http_status, error_code, latency_ms, attempted_at)
                        values (?, ?, ?, ?, ?, ?, ?)""",
                        requestId,
                        i + 1,
                        type,
                        attemptStatuses[i],
                        attemptCode,
                        40 + i,
                        Timestamp.from(at.minusSeconds(10L * (attemptStatuses.length - i))));
            }
            return this;
        }

        private static final tools.jackson.databind.json.JsonMapper JSON =
                tools.jackson.databind.json.JsonMapper.builder().build();

        private String headersJson() {
            List<String> entries = new ArrayList<>();
            headers.forEach((k, v) -> entries.add("{\"key\":" + JSON.writeValueAsString(k) + ",\"value\":"
                    + (v == null ? "null" : "\"" + Base64.getEncoder().encodeToString(v) + "\"") + "}"));
            return "[" + String.join(",", entries) + "]";
        }
    }

    public Row row(String requestId, String value) {
        return new Row(requestId, value);
    }
}
