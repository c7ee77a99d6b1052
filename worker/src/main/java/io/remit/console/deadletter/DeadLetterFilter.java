package io.remit.console.deadletter;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.jdbc.support.SqlArrayValue;

/**
 * Which dead letters: any of these codes, any of these command types, any of these requestIds,
 * dead-lettered in {@code [from, to)}. An empty list or a null bound does not narrow.
 *
 * @param codes      error codes ({@code CONNECTION_NOT_FOUND}, {@code RETRIES_EXHAUSTED} …)
 * @param types      command types ({@code invoice.create} …, or {@code unknown})
 * @param from       dead-lettered at or after
 * @param to         dead-lettered before
 * @param requestIds requestIds (Kafka keys)
 */
public record DeadLetterFilter(
        List<String> codes, List<String> types, Instant from, Instant to, List<String> requestIds) {

    public DeadLetterFilter {
        codes = clean(codes);
        types = clean(types);
        requestIds = clean(requestIds);
        if (from != null && to != null && !from.isBefore(to))
            throw new IllegalArgumentException("from must be before to");
    }

    public static DeadLetterFilter all() {
        return new DeadLetterFilter(List.of(), List.of(), null, null, List.of());
    }

    /** Whether this filter selects every dead letter. */
    public boolean selectsEverything() {
        return codes.isEmpty() && types.isEmpty() && requestIds.isEmpty() && from == null && to == null;
    }

    /** A SQL condition on table alias {@code d} of {@code dead_letter}; its parameters are appended to {@code params}. */
    public String where(List<Object> params) {
        List<String> conditions = new ArrayList<>();
        conditions.add("true");
        if (!codes.isEmpty()) {
            conditions.add("d.error_code = any(?)");
            params.add(new SqlArrayValue("text", codes.toArray()));
        }
        if (!types.isEmpty()) {
            conditions.add("d.command_type = any(?)");
            params.add(new SqlArrayValue("text", types.toArray()));
        }
        if (!requestIds.isEmpty()) {
            conditions.add("d.request_id = any(?)");
            params.add(new SqlArrayValue("text", requestIds.toArray()));
        }
        if (from != null) {
            conditions.add("d.dead_lettered_at >= ?");
            params.add(Timestamp.from(from));
        }
        if (to != null) {
            conditions.add("d.dead_lettered_at < ?");
            params.add(Timestamp.from(to));
        }
        return String.join(" and ", conditions);
    }

    private static List<String> clean(List<String> values) {
        if (values == null) return List.of();
        return values.stream()
                .filter(Objects::nonNull)
                .map(String::trim)
                .filter(v -> !v.isEmpty())
                .distinct()
                .toList();
    }
}
