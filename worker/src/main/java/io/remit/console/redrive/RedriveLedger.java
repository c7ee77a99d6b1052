package io.remit.console.redrive;

import io.remit.console.deadletter.DeadLetterFilter;
import io.remit.console.deadletter.DeadLetterReader;
import io.remit.console.deadletter.RecordDecoder;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Redrives in PostgreSQL: the request and its audit, who runs it (a lease), and which dead letters
 * each chunk selected. Every change is one transaction. Selecting a chunk is serialised across
 * instances (an advisory lock), so two redrives never both take the same dead letter unless forced.
 */
public final class RedriveLedger {
    private static final long CLAIM_LOCK = 0x7265647269766521L;
    private static final String VIEW = """
            select r.*, r.filter::text as filter_json,
                   (select count(*) from redrive_item i where i.redrive_id = r.id and i.state = 'PUBLISHED') as redriven,
                   (select count(*) from redrive_item i where i.redrive_id = r.id and i.state = 'SKIPPED') as skipped,
                   (select count(*) from redrive_item i where i.redrive_id = r.id and i.state = 'SENDING') as sending
            from redrive r""";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final JsonMapper json;
    private final Clock clock;
    private final String topic;
    private final Duration idempotencyWindow;
    /** The redrive producer's {@code max.request.size}: a record larger than this is refused, and its whole chunk. */
    private final int maxRecordBytes;

    /** What a redriven record adds to a dead letter's key, value and headers: remit's redrive headers, the framing. */
    private static final int REDRIVE_OVERHEAD = 512;

    /**
     * A dead letter whose command the API may have applied longer ago than it remembers a requestId: sending it again
     * could be a second payment. One parameter: the oldest first ambiguous attempt still inside the window.
     */
    private static final String UNKNOWN_OUTCOME = """
            (d.error_code = 'OUTCOME_UNKNOWN' or exists (select 1 from command_outcome o
                where o.request_id = d.request_id and o.first_ambiguous_at < ?))""";

    /**
     * Why a dead letter is not its requestId's command to redrive, or null when it is: the command has succeeded since,
     * its retry is waiting (that retry is the command; one overdue by a day may have been lost, and is not), or its row
     * names another dead letter, of other bytes, as the command's own: a record refused beside the command (a different command under its requestId, {@code
     * REQUEST_ID_REUSED}, or bad input while the command was alive). Sent, a refused different command could be taken
     * for a correction of the command. An older dead letter of the same bytes (the command dead-lettered again after a
     * redrive) is the command. A row whose own dead letter is bad input does not say which record was the command, and
     * decides nothing.
     */
    private static final String NOT_THE_COMMAND = """
            (select case when o.status = 'SUCCEEDED' then 'its requestId''s command has succeeded since'
                         when o.status = 'RETRYING' and (o.due_at is null or o.due_at > now() - interval '24 hours')
                             then 'its requestId''s command is being retried: its retry is the command'
                         when o.error_code in ('COMMAND_MISSING_KEY', 'COMMAND_UNREADABLE', 'COMMAND_INVALID') then null
                         when (o.source_topic, o.source_partition, o.source_offset)
                              is distinct from (d.source_topic, d.source_partition, d.source_offset)
                              and not exists (select 1 from dead_letter own
                                  where (own.source_topic, own.source_partition, own.source_offset)
                                        = (o.source_topic, o.source_partition, o.source_offset)
                                    and own.record_value is not distinct from d.record_value)
                             then 'not its requestId''s command: that is the dead letter of ' || o.source_topic || '-'
                                  || o.source_partition || '@' || o.source_offset || ' (' || coalesce(o.error_code, 'no code') || ')'
                    end
             from command_outcome o where o.request_id = d.request_id)""";

    /**
     * Redrives to {@code topic}, the commands topic: those planned here, and those this instance may run. A dead letter
     * with an unknown outcome ({@link #UNKNOWN_OUTCOME}, given {@code idempotencyWindow}) is redriven only when forced.
     */
    public RedriveLedger(
            JdbcTemplate jdbc,
            TransactionTemplate transaction,
            JsonMapper json,
            Clock clock,
            String topic,
            Duration idempotencyWindow,
            int maxRecordBytes) {
        this.maxRecordBytes = maxRecordBytes;
        this.topic = topic;
        this.idempotencyWindow = idempotencyWindow;
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.json = json;
        this.clock = clock;
    }

    /** Records the request with what it matches now; a dry run is DONE at once, a redrive RUNNING. */
    public UUID plan(RedriveRequest request, int rate, String user) {
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        transaction.executeWithoutResult(status -> {
            long maxId = number(jdbc.queryForObject("select coalesce(max(id), 0) from dead_letter", Long.class))
                    .longValue();
            Timestamp windowStart = Timestamp.from(now.minus(idempotencyWindow));
            List<Object> params =
                    new ArrayList<>(List.of(request.force(), request.force(), windowStart, windowStart, maxId));
            String where = DeadLetterReader.where(request.filter(), params);
            Map<String, @Nullable Object> counts = jdbc.queryForMap(
                    """
                    select count(*) as matched, count(distinct d.request_id) filter (where length(d.record_key) > 0 and (?
                        or not exists (select 1 from redrive_item i where i.dead_letter_id = d.id and i.state in ('SENDING', 'PUBLISHED')))
                        and (? or not\s""" + UNKNOWN_OUTCOME + """
                        ) and\s""" + NOT_THE_COMMAND + """
                         is null) as eligible,
                        count(*) filter (where\s""" + UNKNOWN_OUTCOME + """
                        ) as unknown_outcomes
                    from dead_letter d where d.id <= ? and\s""" + where,
                    params.toArray());
            jdbc.update(
                    """
                    insert into redrive (id, topic, dry_run, force, reason, filter, rate_per_second, max_dead_letter_id, matched, eligible,
                        unknown_outcomes, state, requested_by, requested_at, finished_at)
                    values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    id,
                    topic,
                    request.dryRun(),
                    request.force(),
                    request.reason(),
                    json.writeValueAsString(request.filter()),
                    rate,
                    maxId,
                    number(counts.get("matched")).intValue(),
                    number(counts.get("eligible")).intValue(),
                    number(counts.get("unknown_outcomes")).intValue(),
                    request.dryRun() ? "DONE" : "RUNNING",
                    user,
                    Timestamp.from(now),
                    request.dryRun() ? Timestamp.from(now) : null);
        });
        return id;
    }

    public Optional<RedriveView> find(UUID id) {
        return jdbc.query(VIEW + " where r.id = ?", (rs, n) -> view(rs), id).stream()
                .findFirst();
    }

    public List<RedriveView> recent(int limit) {
        return jdbc.query(VIEW + " order by r.requested_at desc limit ?", (rs, n) -> view(rs), limit);
    }

    /** One dead letter a redrive selected, and what became of it. */
    public record Item(
            long deadLetterId,
            String requestId,
            int chunk,
            String state,
            @Nullable String skipReason,
            @Nullable Integer partition,
            @Nullable Long offset,
            @Nullable Instant publishedAt) {}

    /** The dead letters a redrive selected, in the order it selected them. */
    public List<Item> items(UUID id, int limit) {
        return jdbc.query(
                """
                select dead_letter_id, request_id, chunk, state, skip_reason, topic_partition, topic_offset, published_at
                from redrive_item where redrive_id = ? order by dead_letter_id limit ?""",
                (rs, n) -> new Item(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getInt(3),
                        rs.getString(4),
                        rs.getString(5),
                        (Integer) rs.getObject(6),
                        (Long) rs.getObject(7),
                        instant(rs, 8)),
                id,
                limit);
    }

    /** Stops a running redrive; false when it is not running. */
    public boolean cancel(UUID id, String user) {
        return jdbc.update(
                        "update redrive set state = 'CANCELLED', cancelled_by = ?, finished_at = ? where id = ? and state = 'RUNNING'",
                        user,
                        Timestamp.from(clock.instant()),
                        id)
                == 1;
    }

    /** The oldest redrive that needs running and that nobody holds: running, or cancelled with a chunk to reconcile. */
    public Optional<UUID> nextRunnable(java.time.Duration lease) {
        Instant now = clock.instant();
        List<@Nullable UUID> ids =
                jdbc.queryForList("""
                select r.id from redrive r
                where r.topic = ? and (r.state = 'RUNNING' or (r.state = 'CANCELLED'
                       and exists (select 1 from redrive_chunk c where c.redrive_id = r.id and c.state = 'SENDING')))
                  and (r.owner is null or r.heartbeat_at < ?) and (r.not_before is null or r.not_before <= ?)
                order by r.requested_at limit 1""", UUID.class, topic, Timestamp.from(now.minus(lease)), Timestamp.from(now));
        return Optional.ofNullable(ids.isEmpty() ? null : ids.getFirst());
    }

    /** Takes the redrive for {@code owner} if nobody else holds it; false if someone does. */
    public boolean acquire(UUID id, String owner, java.time.Duration lease) {
        Instant now = clock.instant();
        return jdbc.update(
                        "update redrive set owner = ?, heartbeat_at = ? where id = ? and (owner is null or owner = ? or heartbeat_at < ?)",
                        owner,
                        Timestamp.from(now),
                        id,
                        owner,
                        Timestamp.from(now.minus(lease)))
                == 1;
    }

    /** Renews the lease; false when {@code owner} no longer holds it. */
    public boolean renew(UUID id, String owner) {
        return jdbc.update(
                        "update redrive set heartbeat_at = ? where id = ? and owner = ?",
                        Timestamp.from(clock.instant()),
                        id,
                        owner)
                == 1;
    }

    /** Lets go of the redrive; with an error, nobody takes it up again before {@code notBefore}. */
    public void release(UUID id, String owner, @Nullable String error, @Nullable Instant notBefore) {
        jdbc.update(
                "update redrive set owner = null, heartbeat_at = null, last_error = coalesce(?, last_error), not_before = ?"
                        + " where id = ? and owner = ?",
                error,
                notBefore == null ? null : Timestamp.from(notBefore),
                id,
                owner);
    }

    /** Marks a running redrive DONE: nothing is left to select. */
    public void finish(UUID id, String owner) {
        jdbc.update(
                "update redrive set state = 'DONE', finished_at = ?, last_error = null where id = ? and owner = ? and state = 'RUNNING'",
                Timestamp.from(clock.instant()),
                id,
                owner);
    }

    /**
     * A chunk whose Kafka transaction may or may not have committed: where to look for its records, and the nonce they
     * carry (null for a chunk written before nonces: then the redrive's id alone is matched).
     */
    public record UnsettledChunk(
            int chunk,
            Map<Integer, Long> scanFrom,
            @Nullable String nonce) {}

    public List<UnsettledChunk> unsettled(UUID id) {
        return jdbc.query(
                "select chunk, scan_from::text, nonce from redrive_chunk where redrive_id = ? and state = 'SENDING' order by chunk",
                (rs, n) -> new UnsettledChunk(
                        rs.getInt(1),
                        json.readValue(rs.getString(2), new TypeReference<Map<Integer, Long>>() {}),
                        rs.getString(3)),
                id);
    }

    /**
     * Settles a chunk: with positions its transaction committed (every selected dead letter is PUBLISHED), without it
     * did not (its SENDING rows go, so they are selected again). Does nothing if the chunk is settled already.
     */
    public void settle(UUID id, int chunk, Map<Long, CommandsTopic.Position> positions) {
        Timestamp now = Timestamp.from(clock.instant());
        transaction.executeWithoutResult(status -> {
            String state = positions.isEmpty() ? "ABORTED" : "PUBLISHED";
            int settled = jdbc.update(
                    "update redrive_chunk set state = ?, settled_at = ? where redrive_id = ? and chunk = ? and state = 'SENDING'",
                    state,
                    now,
                    id,
                    chunk);
            if (settled == 0) return;
            if (positions.isEmpty()) {
                // nothing was sent: a forced redrive's override of an unknown outcome is undone with it
                jdbc.update("""
                        update command_outcome o set first_ambiguous_at = i.cleared_ambiguous_at
                        from redrive_item i
                        where i.redrive_id = ? and i.chunk = ? and i.state = 'SENDING' and i.cleared_ambiguous_at is not null
                          and o.request_id = i.request_id and o.status = 'DEAD_LETTERED' and o.first_ambiguous_at is null""", id, chunk);
                jdbc.update(
                        "delete from redrive_item where redrive_id = ? and chunk = ? and state = 'SENDING'", id, chunk);
                return;
            }
            jdbc.update(
                    "update redrive_item set state = 'PUBLISHED', published_at = ? where redrive_id = ? and chunk = ? and state = 'SENDING'",
                    now,
                    id,
                    chunk);
            List<Object[]> rows = new ArrayList<>();
            positions.forEach((deadLetter, at) -> rows.add(new Object[] {at.partition(), at.offset(), id, deadLetter}));
            jdbc.batchUpdate(
                    "update redrive_item set topic_partition = ?, topic_offset = ? where redrive_id = ? and dead_letter_id = ?",
                    rows);
        });
    }

    /**
     * The next chunk of a redrive: what to publish, with which nonce, and how many were skipped.
     */
    public record Claim(int chunk, List<RedrivePublisher.RedrivenRecord> toPublish, int skipped, String nonce) {
        public boolean exhausted() {
            return toPublish.isEmpty() && skipped == 0;
        }
    }

    private record Candidate(
            long id,
            String requestId,
            byte @Nullable [] key,
            byte @Nullable [] value,
            String headers,
            boolean unknownOutcome,
            String code,
            @Nullable String notTheCommand) {}

    /**
     * Selects up to {@code limit} more dead letters for a running redrive held by {@code owner}, records them
     * (SENDING, or SKIPPED with the reason) and, when some are to be published, a SENDING chunk that remembers
     * {@code watermarks}, taken before this call, of the partitions they go to. Null when the redrive is no longer running
     * or {@code owner} no longer holds it.
     */
    public @Nullable Claim claim(
            UUID id, String owner, int limit, int partitions, Map<Integer, Long> watermarks, RecordDecoder decoder) {
        return transaction.execute(status -> {
            jdbc.queryForList("select pg_advisory_xact_lock(?)", CLAIM_LOCK);
            List<Map<String, @Nullable Object>> held =
                    jdbc.queryForList("""
                    update redrive set heartbeat_at = ? where id = ? and owner = ? and state = 'RUNNING'
                    returning force, max_dead_letter_id, filter::text as filter_json""", Timestamp.from(clock.instant()), id, owner);
            if (held.isEmpty()) return null;
            boolean force = Boolean.TRUE.equals(held.getFirst().get("force"));
            DeadLetterFilter filter =
                    json.readValue((String) held.getFirst().get("filter_json"), DeadLetterFilter.class);
            List<Object> params = new ArrayList<>(List.of(
                    Timestamp.from(clock.instant().minus(idempotencyWindow)),
                    number(held.getFirst().get("max_dead_letter_id")).longValue(),
                    id));
            String where = DeadLetterReader.where(filter, params);
            params.add(limit);
            List<Candidate> candidates = jdbc.query(
                    """
                    select d.id, d.request_id, d.record_key, d.record_value, d.headers::text,\s""" + UNKNOWN_OUTCOME + """
                     as unknown_outcome, d.error_code,\s""" + NOT_THE_COMMAND + """
                     as not_the_command from dead_letter d
                    where d.id <= ? and not exists (select 1 from redrive_item i where i.redrive_id = ? and i.dead_letter_id = d.id)
                      and\s""" + where
                            + " order by d.id limit ? for share of d",
                    (rs, n) -> new Candidate(
                            rs.getLong(1),
                            rs.getString(2),
                            rs.getBytes(3),
                            rs.getBytes(4),
                            rs.getString(5),
                            rs.getBoolean(6),
                            rs.getString(7),
                            rs.getString(8)),
                    params.toArray());
            int chunk = number(jdbc.queryForObject("""
                    select greatest((select max(chunk) from redrive_chunk where redrive_id = ?),
                                    (select max(chunk) from redrive_item where redrive_id = ?), 0) + 1""", Integer.class, id, id)).intValue();
            return record(id, chunk, candidates, force, partitions, watermarks, decoder);
        });
    }

    private Claim record(
            UUID id,
            int chunk,
            List<Candidate> candidates,
            boolean force,
            int partitions,
            Map<Integer, Long> watermarks,
            RecordDecoder decoder) {
        Map<Long, UUID> redrivenBefore = force ? Map.of() : redrivenBefore(candidates);
        Set<String> requestIds = requestIdsRedriven(id, candidates);
        List<RedrivePublisher.RedrivenRecord> toPublish = new ArrayList<>();
        List<Object[]> items = new ArrayList<>();
        List<String> settled = new ArrayList<>();
        for (Candidate c : candidates) {
            byte[] key = c.key();
            List<RecordDecoder.RawHeader> headers = decoder.raw(c.headers());
            long size = size(key, c.value(), headers);
            String skip = key == null || key.length == 0
                    ? "no key: it would be dead-lettered again"
                    : size > maxRecordBytes
                            ? "larger than Kafka takes from the redrive's producer (" + size
                                    + " bytes, max.request.size " + maxRecordBytes
                                    + "): it would be refused, and every chunk with it; publish it by hand"
                            : c.notTheCommand() != null
                                    ? c.notTheCommand()
                                    : !force && c.unknownOutcome()
                                            ? "its outcome is unknown: the API may have applied it longer ago than it remembers a "
                                                    + "requestId; look it up at the API, then redrive with force or discard it"
                                            : redrivenBefore.containsKey(c.id())
                                                    ? "redriven before by " + redrivenBefore.get(c.id())
                                                    : !requestIds.add(c.requestId())
                                                            ? "its requestId is redriven by this redrive already"
                                                            : null;
            // a refused reuse was never sent: forcing it settles nothing of the command its requestId belongs to
            if (skip == null && c.unknownOutcome() && !"REQUEST_ID_REUSED".equals(c.code())) settled.add(c.requestId());
            if (skip == null && key != null) { // a record without a key is skipped, above
                toPublish.add(new RedrivePublisher.RedrivenRecord(
                        c.id(), CommandsTopic.partitionOf(key, partitions), key, c.value(), headers));
            }
            items.add(new Object[] {id, c.id(), c.requestId(), chunk, skip == null ? "SENDING" : "SKIPPED", skip});
        }
        jdbc.batchUpdate(
                "insert into redrive_item (redrive_id, dead_letter_id, request_id, chunk, state, skip_reason) values (?, ?, ?, ?, ?, ?)",
                items);
        // a forced redrive of an unknown outcome: the operator looked it up and decided it is to be sent; the engine
        // would otherwise refuse it again (OUTCOME_UNKNOWN) for its old ambiguous attempt. Cleared before the chunk is
        // published (the engine may read it at once), and kept on the item to be put back if the chunk aborts
        if (!settled.isEmpty()) {
            List<Object[]> cleared = new ArrayList<>();
            jdbc.query(
                    // only a command that is over (not one still retrying under the same requestId)
                    """
                    with cleared as (select request_id, first_ambiguous_at from command_outcome
                                     where request_id = any(?) and status = 'DEAD_LETTERED' and first_ambiguous_at is not null
                                     for update)
                    update command_outcome o set first_ambiguous_at = null from cleared
                    where o.request_id = cleared.request_id
                    returning cleared.request_id, cleared.first_ambiguous_at""",
                    rs -> {
                        cleared.add(new Object[] {rs.getTimestamp(2), id, chunk, rs.getString(1)});
                    },
                    new SqlArrayValue("text", settled.toArray()));
            jdbc.batchUpdate(
                    "update redrive_item set cleared_ambiguous_at = ? where redrive_id = ? and chunk = ? and request_id = ? and state = 'SENDING'",
                    cleared);
        }
        String nonce = UUID.randomUUID().toString();
        if (!toPublish.isEmpty()) {
            Map<Integer, Long> scanFrom = new HashMap<>();
            toPublish.forEach(o -> scanFrom.put(o.partition(), watermarks.get(o.partition())));
            jdbc.update(
                    "insert into redrive_chunk (redrive_id, chunk, state, scan_from, created_at, nonce) values (?, ?, 'SENDING', ?::jsonb, ?, ?)",
                    id,
                    chunk,
                    json.writeValueAsString(scanFrom),
                    Timestamp.from(clock.instant()),
                    nonce);
        }
        return new Claim(chunk, toPublish, items.size() - toPublish.size(), nonce);
    }

    private static long size(byte @Nullable [] key, byte @Nullable [] value, List<RecordDecoder.RawHeader> headers) {
        long size = REDRIVE_OVERHEAD + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        for (RecordDecoder.RawHeader h : headers)
            size += h.key().length() * 3L + (h.value() == null ? 0 : h.value().length);
        return size;
    }

    private Map<Long, UUID> redrivenBefore(List<Candidate> candidates) {
        Map<Long, UUID> before = new HashMap<>();
        jdbc.query(
                "select dead_letter_id, redrive_id from redrive_item where dead_letter_id = any(?) and state in ('SENDING', 'PUBLISHED')",
                rs -> {
                    before.putIfAbsent(rs.getLong(1), rs.getObject(2, UUID.class));
                },
                new SqlArrayValue(
                        "bigint", candidates.stream().map(Candidate::id).toArray()));
        return before;
    }

    private Set<String> requestIdsRedriven(UUID id, List<Candidate> candidates) {
        return new HashSet<>(jdbc.queryForList(
                """
                select request_id from redrive_item where redrive_id = ? and request_id = any(?) and state in ('SENDING', 'PUBLISHED')""",
                String.class,
                id,
                new SqlArrayValue(
                        "text", candidates.stream().map(Candidate::requestId).toArray())));
    }

    private RedriveView view(ResultSet rs) throws SQLException {
        return new RedriveView(
                rs.getObject("id", UUID.class),
                rs.getString("topic"),
                rs.getBoolean("dry_run"),
                rs.getBoolean("force"),
                rs.getString("reason"),
                json.readValue(rs.getString("filter_json"), DeadLetterFilter.class),
                rs.getInt("rate_per_second"),
                RedriveState.valueOf(rs.getString("state")),
                rs.getString("requested_by"),
                instant(rs, "requested_at"),
                instant(rs, "finished_at"),
                rs.getString("cancelled_by"),
                rs.getString("last_error"),
                rs.getInt("matched"),
                rs.getInt("eligible"),
                rs.getInt("redriven"),
                rs.getInt("skipped"),
                rs.getInt("sending"),
                rs.getInt("unknown_outcomes"));
    }

    /**
     * A number the query always yields (a count, a {@code coalesce} or {@code greatest} with a default, a not-null
     * column); read as zero if it ever did not, as a null column would have been by JDBC's getters.
     */
    private static Number number(@Nullable Object value) {
        return value instanceof Number n ? n : 0;
    }

    private static @Nullable Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp at = rs.getTimestamp(column);
        return at == null ? null : at.toInstant();
    }

    private static @Nullable Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp at = rs.getTimestamp(column);
        return at == null ? null : at.toInstant();
    }
}
