package io.remit.console.deadletter;

import io.remit.console.deadletter.DeadLetterCondition.CodeIn;
import io.remit.console.deadletter.DeadLetterCondition.DeadLetteredBefore;
import io.remit.console.deadletter.DeadLetterCondition.DeadLetteredFrom;
import io.remit.console.deadletter.DeadLetterCondition.RequestIdIn;
import io.remit.console.deadletter.DeadLetterCondition.TypeIn;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.SqlArrayValue;
import tools.jackson.databind.JsonNode;

/**
 * The console's read side: dead letters from {@code dead_letter} with the decision and attempts
 * that {@code command_outcome} and {@code command_attempt} hold for their requestId, and the
 * redrives that touched them. Reads only.
 */
public final class DeadLetterReader {
    public static final int HOURS = 24;
    private static final String LIST_COLUMNS = """
            d.id, d.request_id, d.command_type, d.error_code, d.http_status, d.error_message, d.attempts, d.value_truncated,
            d.origin_topic, d.origin_partition, d.origin_offset, d.dead_lettered_at,
            (select count(*) from redrive_item i where i.dead_letter_id = d.id and i.state = 'PUBLISHED') as redriven,
            (select o.status from command_outcome o where o.request_id = d.request_id) as outcome""";

    private final JdbcTemplate jdbc;
    private final RecordDecoder decoder;
    private final Clock clock;

    public DeadLetterReader(JdbcTemplate jdbc, RecordDecoder decoder, Clock clock) {
        this.jdbc = jdbc;
        this.decoder = decoder;
        this.clock = clock;
    }

    /** One dead letter in a list. {@code redriven}: how many times it was published again; {@code outcome}: its requestId's status now. */
    public record Row(
            long id,
            String requestId,
            String type,
            String code,
            @Nullable Integer httpStatus,
            @Nullable String message,
            int attempts,
            @Nullable Instant deadLetteredAt,
            String originTopic,
            int originPartition,
            long originOffset,
            boolean valueTruncated,
            int redriven,
            @Nullable String outcome) {}

    /** A page of a list; {@code total} is at most {@link #MAX_COUNTED}, and {@code totalCapped} says it was cut there. */
    public record Page<T>(List<T> items, long total, int page, int size, boolean totalCapped) {
        public Page(List<T> items, long total, int page, int size) {
            this(items, Math.min(total, MAX_COUNTED), page, size, total > MAX_COUNTED);
        }
    }

    /** One dead letter whole: its bytes shown, the command decoded, its headers. */
    public record Detail(
            Row row,
            RecordDecoder.@Nullable Shown key,
            RecordDecoder.@Nullable Shown value,
            @Nullable JsonNode command,
            @Nullable String commandText,
            List<RecordDecoder.HeaderView> headers,
            String sourceTopic,
            int sourcePartition,
            long sourceOffset) {}

    public record RecordedAttempt(
            int attempt,
            @Nullable Integer httpStatus,
            @Nullable String code,
            int latencyMs,
            @Nullable Instant attemptedAt) {}

    /**
     * The requestId's row: its last decision, and what was asked of the API under it ({@code command}, canonical, and its
     * {@code fingerprint}; a {@code REQUEST_ID_REUSED} dead letter's command is shown beside it) and when its first
     * ambiguous attempt happened (the API may have applied it).
     */
    public record CommandRecord(
            String status,
            String type,
            int attempts,
            @Nullable Integer httpStatus,
            @Nullable String code,
            @Nullable String message,
            @Nullable String resourceId,
            @Nullable Instant updatedAt,
            @Nullable String fingerprint,
            @Nullable String command,
            @Nullable Instant firstAmbiguousAt,
            @Nullable String settlement,
            @Nullable Instant settledAt) {}

    /** A webhook matched to the command: what Expereon reported, and whether it moved the settlement. */
    public record Webhook(
            String eventId,
            String type,
            @Nullable String resourceId,
            @Nullable Instant occurredAt,
            @Nullable Instant receivedAt,
            boolean applied) {}

    /** A redrive that selected one of the dead letters, and what became of it there. */
    public record RedriveMark(
            UUID redriveId,
            long deadLetterId,
            String state,
            @Nullable String skipReason,
            @Nullable Integer partition,
            @Nullable Long offset,
            @Nullable Instant publishedAt,
            String requestedBy,
            @Nullable Instant requestedAt,
            @Nullable String reason) {}

    /** Everything known of one requestId: its dead letters (newest first), outcome, attempts and redrives. */
    public record History(
            String requestId,
            @Nullable CommandRecord outcome,
            List<Detail> deadLetters,
            List<RecordedAttempt> attempts,
            List<RedriveMark> redrives,
            List<Webhook> webhooks) {}

    /** Dead letters of one code: all kept, those of the last 24 hours, and those per hour ({@code hourly[0]}: the oldest hour). */
    public record CodeCount(
            String code, long total, long lastDay, @Nullable Instant latest, long[] hourly) {}

    /**
     * The most rows a list counts, and the deepest it pages: past them a reader narrows the filter (a time range), so that
     * no request makes PostgreSQL count or skip millions of rows.
     */
    public static final int MAX_COUNTED = 10_000;

    /** The newest dead letters of a requestId a history shows (a producer can make hundreds under one key). */
    public static final int MAX_HISTORY = 20;

    /** The most bytes of a value a history shows (a command is at most 64 KiB; larger values are hostile input). */
    public static final int MAX_SHOWN_VALUE = 64 * 1024;

    /** A page of the list: {@code total} counts at most {@link #MAX_COUNTED} (then {@code totalCapped}). */
    public Page<Row> list(DeadLetterFilter filter, int page, int size) {
        if ((long) page * size + size > MAX_COUNTED)
            throw new IllegalArgumentException("page " + page + " of " + size + " is past the first " + MAX_COUNTED
                    + " dead letters the list pages through; narrow the filter (from/to) instead");
        List<Object> params = new ArrayList<>();
        String where = where(filter, params);
        params.add(MAX_COUNTED + 1);
        Long total = jdbc.queryForObject(
                "select count(*) from (select 1 from dead_letter d where " + where + " limit ?) matched",
                Long.class,
                params.toArray());
        params.removeLast();
        params.add(size);
        params.add((long) page * size);
        List<Row> rows = jdbc.query(
                "select " + LIST_COLUMNS + " from dead_letter d where " + where
                        + " order by d.dead_lettered_at desc, d.id desc limit ? offset ?",
                (rs, n) -> row(rs),
                params.toArray());
        return new Page<>(rows, total == null ? 0 : total, page, size);
    }

    /**
     * The newest {@link #MAX_HISTORY} dead letters of a requestId, each value shown up to {@link #MAX_SHOWN_VALUE} bytes
     * (its length is the whole value's), with what PostgreSQL holds for the requestId. Null when no dead letter has it.
     */
    public @Nullable History history(String requestId) {
        List<Detail> deadLetters = jdbc.query(
                "select " + LIST_COLUMNS + """
                , d.record_key, substring(d.record_value from 1 for ?) as record_value, length(d.record_value) as value_length,
                  d.headers::text as headers, d.source_topic, d.source_partition, d.source_offset
                from dead_letter d where d.request_id = ? order by d.id desc limit ?""", (rs, n) -> detail(rs), MAX_SHOWN_VALUE, requestId, MAX_HISTORY);
        List<CommandRecord> outcome = jdbc.query(
                """
                select status, command_type, attempts, http_status, error_code, error_message, resource_id, updated_at,
                       fingerprint, command, first_ambiguous_at, settlement, settled_at
                from command_outcome where request_id = ?""",
                (rs, n) -> new CommandRecord(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getInt(3),
                        (Integer) rs.getObject(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        instant(rs, 8),
                        rs.getString(9),
                        rs.getString(10),
                        instant(rs, 11),
                        rs.getString(12),
                        instant(rs, 13)),
                requestId);
        if (deadLetters.isEmpty() && outcome.isEmpty()) return null;
        List<Webhook> webhooks = jdbc.query(
                """
                select event_id, event_type, resource_id, occurred_at, received_at, applied from webhook_event
                where request_id = ? order by received_at limit ?""",
                (rs, n) -> new Webhook(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        instant(rs, 4),
                        instant(rs, 5),
                        rs.getBoolean(6)),
                requestId,
                MAX_HISTORY);
        List<RecordedAttempt> attempts = jdbc.query(
                """
                select attempt, http_status, error_code, latency_ms, attempted_at from command_attempt
                where request_id = ? order by attempt""",
                (rs, n) -> new RecordedAttempt(
                        rs.getInt(1), (Integer) rs.getObject(2), rs.getString(3), rs.getInt(4), instant(rs, 5)),
                requestId);
        Long[] ids = deadLetters.stream().map(d -> d.row().id()).toArray(Long[]::new);
        List<RedriveMark> redrives = jdbc.query(
                """
                select i.redrive_id, i.dead_letter_id, i.state, i.skip_reason, i.topic_partition, i.topic_offset, i.published_at,
                       r.requested_by, r.requested_at, r.reason
                from redrive_item i join redrive r on r.id = i.redrive_id
                where i.dead_letter_id = any(?) order by r.requested_at, i.dead_letter_id""",
                (rs, n) -> new RedriveMark(
                        rs.getObject(1, UUID.class),
                        rs.getLong(2),
                        rs.getString(3),
                        rs.getString(4),
                        (Integer) rs.getObject(5),
                        (Long) rs.getObject(6),
                        instant(rs, 7),
                        rs.getString(8),
                        instant(rs, 9),
                        rs.getString(10)),
                new SqlArrayValue("bigint", (Object[]) ids));
        return new History(
                requestId, outcome.isEmpty() ? null : outcome.getFirst(), deadLetters, attempts, redrives, webhooks);
    }

    /** Dead letters per code, most in the last 24 hours first. */
    public List<CodeCount> byCode() {
        Instant now = clock.instant();
        Instant dayAgo = now.minus(Duration.ofHours(HOURS));
        Map<String, long[]> hourly = new LinkedHashMap<>();
        jdbc.query(
                """
                select error_code, floor(extract(epoch from (?::timestamptz - dead_lettered_at)) / 3600)::int as hours_ago, count(*)
                from dead_letter where dead_lettered_at >= ? and dead_lettered_at < ? group by 1, 2""",
                rs -> {
                    int hoursAgo = Math.min(HOURS - 1, Math.max(0, rs.getInt(2)));
                    hourly.computeIfAbsent(rs.getString(1), c -> new long[HOURS])[HOURS - 1 - hoursAgo] +=
                            rs.getLong(3);
                },
                Timestamp.from(now),
                Timestamp.from(dayAgo),
                Timestamp.from(now));
        return jdbc.query(
                """
                select error_code, count(*), count(*) filter (where dead_lettered_at >= ?), max(dead_lettered_at)
                from dead_letter group by 1 order by 3 desc, 2 desc, 1""",
                (rs, n) -> new CodeCount(
                        rs.getString(1),
                        rs.getLong(2),
                        rs.getLong(3),
                        instant(rs, 4),
                        hourly.getOrDefault(rs.getString(1), new long[HOURS])),
                Timestamp.from(dayAgo));
    }

    /**
     * The SQL condition of {@code filter} on table alias {@code d} of {@code dead_letter} ({@code true} when it selects
     * everything); its parameters are appended to {@code params}.
     */
    public static String where(DeadLetterFilter filter, List<Object> params) {
        List<String> conditions = new ArrayList<>(List.of("true"));
        for (DeadLetterCondition condition : filter.conditions()) {
            conditions.add(
                    switch (condition) {
                        case CodeIn(List<String> codes) -> anyOf("d.error_code", codes, params);
                        case TypeIn(List<String> types) -> anyOf("d.command_type", types, params);
                        case RequestIdIn(List<String> requestIds) -> anyOf("d.request_id", requestIds, params);
                        case DeadLetteredFrom(Instant at) -> bound("d.dead_lettered_at >= ?", at, params);
                        case DeadLetteredBefore(Instant at) -> bound("d.dead_lettered_at < ?", at, params);
                    });
        }
        return String.join(" and ", conditions);
    }

    private static String anyOf(String column, List<String> values, List<Object> params) {
        params.add(new SqlArrayValue("text", values.toArray()));
        return column + " = any(?)";
    }

    private static String bound(String condition, Instant at, List<Object> params) {
        params.add(Timestamp.from(at));
        return condition;
    }

    private Detail detail(ResultSet rs) throws SQLException {
        byte[] value = rs.getBytes("record_value");
        JsonNode command = decoder.command(value);
        RecordDecoder.Shown shown = decoder.show(value);
        int length = rs.getInt("value_length");
        if (shown != null && length > shown.length())
            shown = new RecordDecoder.Shown(shown.encoding(), shown.text(), length);
        return new Detail(
                row(rs),
                decoder.show(rs.getBytes("record_key")),
                shown,
                command,
                decoder.indented(command),
                decoder.headers(rs.getString("headers")),
                rs.getString("source_topic"),
                rs.getInt("source_partition"),
                rs.getLong("source_offset"));
    }

    private static Row row(ResultSet rs) throws SQLException {
        return new Row(
                rs.getLong("id"),
                rs.getString("request_id"),
                rs.getString("command_type"),
                rs.getString("error_code"),
                (Integer) rs.getObject("http_status"),
                rs.getString("error_message"),
                rs.getInt("attempts"),
                instant(rs, "dead_lettered_at"),
                rs.getString("origin_topic"),
                rs.getInt("origin_partition"),
                rs.getLong("origin_offset"),
                rs.getBoolean("value_truncated"),
                rs.getInt("redriven"),
                rs.getString("outcome"));
    }

    static @Nullable Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp at = rs.getTimestamp(column);
        return at == null ? null : at.toInstant();
    }

    static @Nullable Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp at = rs.getTimestamp(column);
        return at == null ? null : at.toInstant();
    }
}
