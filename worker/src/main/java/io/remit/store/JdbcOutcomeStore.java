package io.remit.store;

import io.remit.Json;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.lang.Contract;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The outcomes, attempts and dead letters in PostgreSQL. A batch's rows are written in one transaction with
 * JDBC batching. Writing the same outcome again changes nothing, and a SUCCEEDED row is never
 * overwritten.
 */
public final class JdbcOutcomeStore implements OutcomeStore {
    private static final String SELECT = """
            select request_id, command_type, status, attempts, http_status, error_code, error_message, resource_id,
                   retry_topic, due_at, source_topic, source_partition, source_offset, updated_at, response, invoice_id,
                   rate_limited, code_retries, waiting_for, fingerprint, command, first_ambiguous_at
            from command_outcome where request_id = any(?)""";

    /**
     * For each (requestId, invoiceId): the earliest other command for the invoice that is RETRYING and was first stored
     * before this one (or at all, when this one has no row yet). One abandoned for a day past its due time is ignored.
     */
    private static final String EARLIER_RETRYING = """
            select distinct on (w.request_id) w.request_id as waiting, o.request_id, o.due_at
            from unnest(?::text[], ?::text[]) as w(request_id, invoice_id)
            join command_outcome o on o.invoice_id = w.invoice_id and o.status = 'RETRYING' and o.request_id <> w.request_id
            left join command_outcome self on self.request_id = w.request_id
            where (self.created_at is null or (o.created_at, o.request_id) < (self.created_at, self.request_id))
              and (o.due_at is null or o.due_at > now() - interval '24 hours')
            order by w.request_id, o.created_at, o.request_id""";

    private static final String UPSERT_OUTCOME = """
            insert into command_outcome (request_id, command_type, status, attempts, http_status, error_code, error_message,
                resource_id, retry_topic, due_at, source_topic, source_partition, source_offset, updated_at, response, invoice_id,
                rate_limited, code_retries, waiting_for, fingerprint, command, first_ambiguous_at)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            on conflict (request_id) do update set
                command_type = excluded.command_type, status = excluded.status, attempts = excluded.attempts,
                http_status = excluded.http_status, error_code = excluded.error_code, error_message = excluded.error_message,
                resource_id = excluded.resource_id, retry_topic = excluded.retry_topic, due_at = excluded.due_at,
                source_topic = excluded.source_topic, source_partition = excluded.source_partition,
                source_offset = excluded.source_offset, updated_at = excluded.updated_at, response = excluded.response,
                invoice_id = coalesce(excluded.invoice_id, command_outcome.invoice_id), rate_limited = excluded.rate_limited,
                code_retries = excluded.code_retries, waiting_for = excluded.waiting_for,
                fingerprint = coalesce(excluded.fingerprint, command_outcome.fingerprint),
                command = coalesce(excluded.command, command_outcome.command),
                first_ambiguous_at = least(command_outcome.first_ambiguous_at, excluded.first_ambiguous_at)
            where command_outcome.status <> 'SUCCEEDED'
              and not (command_outcome.status = 'DEAD_LETTERED' and excluded.status <> 'DEAD_LETTERED'
                       and (command_outcome.source_topic, command_outcome.source_partition, command_outcome.source_offset)
                           = (excluded.source_topic, excluded.source_partition, excluded.source_offset))
              and (command_outcome.status, command_outcome.attempts, command_outcome.source_topic,
                   command_outcome.source_partition, command_outcome.source_offset)
                  is distinct from (excluded.status, excluded.attempts, excluded.source_topic,
                   excluded.source_partition, excluded.source_offset)""";

    private static final String UPSERT_ATTEMPT = """
            insert into command_attempt (request_id, attempt, command_type, http_status, error_code, latency_ms, attempted_at)
            values (?, ?, ?, ?, ?, ?, ?)
            on conflict (request_id, attempt) do update set
                http_status = excluded.http_status, error_code = excluded.error_code,
                latency_ms = excluded.latency_ms, attempted_at = excluded.attempted_at""";

    private static final String INSERT_DEAD_LETTER = """
            insert into dead_letter (request_id, command_type, error_code, http_status, error_message, attempts, record_key,
                record_value, headers, value_truncated, origin_topic, origin_partition, origin_offset, source_topic,
                source_partition, source_offset, dead_lettered_at)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?)
            on conflict (source_topic, source_partition, source_offset) do nothing""";

    /** The leases of a write's partitions, held (FOR SHARE) until it commits: a member taking one waits for it. */
    private static final String HOLD_LEASES = """
            select topic, partition, member_id from partition_lease
            where group_id = ? and (topic, partition) in (select * from unnest(?::text[], ?::int[]))
            order by topic, partition
            for share""";

    private static final String TAKE_LEASES = """
            insert into partition_lease (group_id, topic, partition, member_id, generation, instance, acquired_at)
            select ?, t, p, ?, ?, ?, now() from unnest(?::text[], ?::int[]) as x(t, p) order by t, p
            on conflict (group_id, topic, partition) do update set
                member_id = excluded.member_id, generation = excluded.generation, instance = excluded.instance,
                acquired_at = excluded.acquired_at
            """;

    /** The longest a lease take waits for a write that holds the lease (then it fails, and is tried again later). */
    private static final java.time.Duration LEASE_LOCK_TIMEOUT = java.time.Duration.ofSeconds(2);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;

    public JdbcOutcomeStore(JdbcTemplate jdbc, TransactionTemplate transaction) {
        this.jdbc = jdbc;
        this.transaction = transaction;
    }

    @Override
    public Map<String, StoredOutcome> find(Collection<String> requestIds) {
        Map<String, StoredOutcome> found = new HashMap<>();
        if (requestIds.isEmpty()) return found;
        jdbc.query(
                connection -> {
                    PreparedStatement statement = connection.prepareStatement(SELECT);
                    Array ids = connection.createArrayOf("text", requestIds.toArray());
                    statement.setArray(1, ids);
                    return statement;
                },
                (ResultSet row) -> {
                    StoredOutcome outcome = read(row);
                    found.put(outcome.requestId(), outcome);
                });
        return found;
    }

    /**
     * For commands that name an invoice (requestId → invoiceId), the earliest other command for the same invoice that is
     * RETRYING and was stored first; commands with none are left out. One query.
     */
    @Override
    public Map<String, EarlierCommand> earlierRetrying(Map<String, String> invoiceByRequestId) {
        Map<String, EarlierCommand> found = new HashMap<>();
        if (invoiceByRequestId.isEmpty()) return found;
        List<String> requestIds = new ArrayList<>(invoiceByRequestId.keySet());
        List<String> invoiceIds =
                requestIds.stream().map(invoiceByRequestId::get).toList();
        jdbc.query(
                connection -> {
                    PreparedStatement statement = connection.prepareStatement(EARLIER_RETRYING);
                    statement.setArray(1, connection.createArrayOf("text", requestIds.toArray()));
                    statement.setArray(2, connection.createArrayOf("text", invoiceIds.toArray()));
                    return statement;
                },
                (ResultSet row) -> {
                    found.put(
                            row.getString("waiting"),
                            new EarlierCommand(row.getString("request_id"), instant(row.getTimestamp("due_at"))));
                });
        return found;
    }

    @Override
    public Set<TopicPartition> lease(Writer writer, Collection<TopicPartition> partitions, Take take) {
        Set<TopicPartition> taken = new HashSet<>();
        if (partitions.isEmpty()) return taken;
        List<TopicPartition> sorted = sorted(partitions);
        String sql = TAKE_LEASES
                + switch (take) {
                    case ASSIGNED -> "";
                    case DEFERRED -> " where partition_lease.generation <= excluded.generation";
                    case BACK -> " where partition_lease.generation < excluded.generation";
                }
                + " returning topic, partition";
        transaction.executeWithoutResult(status -> {
            // a writer frozen inside a write holds its leases FOR SHARE: wait for it a little, not for ever
            jdbc.execute("set local lock_timeout = '" + LEASE_LOCK_TIMEOUT.toMillis() + "ms'");
            jdbc.query(
                    connection -> {
                        PreparedStatement statement = connection.prepareStatement(sql);
                        statement.setString(1, writer.groupId());
                        statement.setString(2, writer.memberId());
                        statement.setInt(3, writer.generation());
                        statement.setString(4, StorableText.of(writer.instance()));
                        bindPartitions(connection, statement, 5, sorted);
                        return statement;
                    },
                    (ResultSet row) -> {
                        taken.add(new TopicPartition(row.getString("topic"), row.getInt("partition")));
                    });
        });
        return taken;
    }

    @Override
    public Set<TopicPartition> save(
            @Nullable Writer writer, Collection<TopicPartition> partitions, Function<Set<TopicPartition>, Rows> rows) {
        return transaction.execute(status -> {
            Set<TopicPartition> lost = writer == null ? Set.of() : lost(writer, partitions);
            Rows r = rows.apply(lost);
            if (!r.attempts().isEmpty())
                jdbc.batchUpdate(UPSERT_ATTEMPT, r.attempts(), r.attempts().size(), JdbcOutcomeStore::bind);
            if (!r.outcomes().isEmpty())
                jdbc.batchUpdate(UPSERT_OUTCOME, r.outcomes(), r.outcomes().size(), JdbcOutcomeStore::bind);
            if (!r.deadLetters().isEmpty())
                jdbc.batchUpdate(
                        INSERT_DEAD_LETTER, r.deadLetters(), r.deadLetters().size(), JdbcOutcomeStore::bind);
            return lost;
        });
    }

    /** The partitions whose lease {@code writer} does not hold; the others' leases are held until the transaction ends. */
    private Set<TopicPartition> lost(Writer writer, Collection<TopicPartition> partitions) {
        Set<TopicPartition> lost = new HashSet<>(partitions);
        if (partitions.isEmpty()) return lost;
        List<TopicPartition> sorted = sorted(partitions);
        jdbc.query(
                connection -> {
                    PreparedStatement statement = connection.prepareStatement(HOLD_LEASES);
                    statement.setString(1, writer.groupId());
                    bindPartitions(connection, statement, 2, sorted);
                    return statement;
                },
                (ResultSet row) -> {
                    if (writer.memberId().equals(row.getString("member_id")))
                        lost.remove(new TopicPartition(row.getString("topic"), row.getInt("partition")));
                });
        return lost;
    }

    private static List<TopicPartition> sorted(Collection<TopicPartition> partitions) {
        return partitions.stream()
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                .toList();
    }

    private static void bindPartitions(
            Connection connection, PreparedStatement statement, int index, List<TopicPartition> partitions)
            throws SQLException {
        statement.setArray(
                index,
                connection.createArrayOf(
                        "text", partitions.stream().map(TopicPartition::topic).toArray()));
        statement.setArray(
                index + 1,
                connection.createArrayOf(
                        "int4",
                        partitions.stream().map(TopicPartition::partition).toArray()));
    }

    private static void bind(PreparedStatement s, StoredOutcome o) throws SQLException {
        s.setString(1, StorableText.of(o.requestId()));
        s.setString(2, StorableText.of(o.commandType()));
        s.setString(3, o.status().name());
        s.setInt(4, o.attempts());
        s.setObject(5, o.httpStatus(), Types.INTEGER);
        s.setString(6, StorableText.of(o.errorCode()));
        s.setString(7, StorableText.of(o.errorMessage()));
        s.setString(8, StorableText.of(o.resourceId()));
        StoredOutcome.Retry retry = o.retry();
        s.setString(9, StorableText.of(retry == null ? null : retry.topic()));
        s.setTimestamp(10, retry == null ? null : timestamp(retry.dueAt()));
        s.setString(11, StorableText.of(o.source().topic()));
        s.setInt(12, o.source().partition());
        s.setLong(13, o.source().offset());
        s.setTimestamp(14, timestamp(o.updatedAt()));
        s.setString(15, StorableText.of(o.response()));
        s.setString(16, StorableText.of(o.invoiceId()));
        s.setInt(17, retry == null ? 0 : retry.rateLimited());
        s.setString(18, StorableText.of(retry == null ? null : retry.codeRetries()));
        s.setString(19, StorableText.of(retry == null ? null : retry.waitingFor()));
        s.setString(20, o.identity().fingerprint());
        s.setString(21, StorableText.of(o.identity().command()));
        s.setTimestamp(22, timestamp(o.identity().firstAmbiguousAt()));
    }

    private static void bind(PreparedStatement s, AttemptRecord a) throws SQLException {
        s.setString(1, StorableText.of(a.requestId()));
        s.setInt(2, a.attempt());
        s.setString(3, StorableText.of(a.commandType()));
        s.setObject(4, a.httpStatus(), Types.INTEGER);
        s.setString(5, StorableText.of(a.errorCode()));
        s.setInt(6, (int) Math.min(Integer.MAX_VALUE, a.latencyMs()));
        s.setTimestamp(7, timestamp(a.attemptedAt()));
    }

    private static void bind(PreparedStatement s, DeadLetterRecord d) throws SQLException {
        s.setString(1, StorableText.of(d.requestId()));
        s.setString(2, StorableText.of(d.commandType()));
        s.setString(3, StorableText.of(d.errorCode()));
        s.setObject(4, d.httpStatus(), Types.INTEGER);
        s.setString(5, StorableText.of(d.errorMessage()));
        s.setInt(6, d.attempts());
        s.setBytes(7, d.key());
        s.setBytes(8, d.value());
        s.setString(9, headersJson(d.headers()));
        s.setBoolean(10, d.valueTruncated());
        s.setString(11, StorableText.of(d.originTopic()));
        s.setInt(12, d.originPartition());
        s.setLong(13, d.originOffset());
        s.setString(14, StorableText.of(d.sourceTopic()));
        s.setInt(15, d.sourcePartition());
        s.setLong(16, d.sourceOffset());
        s.setTimestamp(17, timestamp(d.deadLetteredAt()));
    }

    /**
     * {@code [{"key": "...", "value": "<base64>"}, ...]}, in the record's order. A name PostgreSQL would refuse (a NUL)
     * is kept storable in {@code key} and exact in {@code keyBytes} (its UTF-8, base64).
     */
    static String headersJson(List<DeadLetterRecord.HeaderValue> headers) {
        Base64.Encoder base64 = Base64.getEncoder();
        List<Map<String, String>> rows = new ArrayList<>(headers.size());
        for (DeadLetterRecord.HeaderValue header : headers) {
            Map<String, String> row = new LinkedHashMap<>();
            String key = StorableText.of(header.key());
            row.put("key", key);
            if (!key.equals(header.key()))
                row.put("keyBytes", base64.encodeToString(header.key().getBytes(StandardCharsets.UTF_8)));
            row.put("value", header.value() == null ? null : base64.encodeToString(header.value()));
            rows.add(row);
        }
        return Json.MAPPER.writeValueAsString(rows);
    }

    private static StoredOutcome read(ResultSet row) throws SQLException {
        OutcomeStatus status = OutcomeStatus.valueOf(row.getString("status"));
        return new StoredOutcome(
                row.getString("request_id"),
                row.getString("command_type"),
                status,
                row.getInt("attempts"),
                (Integer) row.getObject("http_status"),
                row.getString("error_code"),
                row.getString("error_message"),
                row.getString("resource_id"),
                row.getString("response"),
                row.getString("invoice_id"),
                new StoredOutcome.Source(
                        row.getString("source_topic"), row.getInt("source_partition"), row.getLong("source_offset")),
                instant(row.getTimestamp("updated_at")),
                status != OutcomeStatus.RETRYING
                        ? null
                        : new StoredOutcome.Retry(
                                row.getString("retry_topic"),
                                atOnceIfUnknown(instant(row.getTimestamp("due_at"))),
                                row.getInt("rate_limited"),
                                row.getString("code_retries"),
                                row.getString("waiting_for")),
                new StoredOutcome.Identity(
                        row.getString("fingerprint"),
                        row.getString("command"),
                        instant(row.getTimestamp("first_ambiguous_at"))));
    }

    /**
     * remit writes a RETRYING row with its due time ({@link #bind}); one without (written or edited by hand) is due at
     * once rather than a reason to fail every lookup of its partition.
     */
    private static Instant atOnceIfUnknown(@Nullable Instant dueAt) {
        return dueAt == null ? Instant.EPOCH : dueAt;
    }

    @Contract("!null -> !null")
    private static @Nullable Timestamp timestamp(@Nullable Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    @Contract("!null -> !null")
    private static @Nullable Instant instant(@Nullable Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
