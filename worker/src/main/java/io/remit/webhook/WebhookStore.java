package io.remit.webhook;

import io.remit.Json;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.lang.Contract;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The webhooks in PostgreSQL ({@code webhook_event}), the settlement of the commands they match
 * ({@code command_outcome.settlement}) and the settlement events waiting for Kafka ({@code settlement_outbox}). An event
 * is stored, matched, applied and its settlement event queued in one transaction: the receiver answers 2xx only after
 * it committed, and a settlement event exists exactly when the settlement moved.
 */
public final class WebhookStore {
    /** What became of a webhook that verified. */
    public enum Stored {
        /** It moved its command's settlement; a settlement event is queued. */
        APPLIED,
        /** Matched, but its command already had a settlement of equal or higher precedence (a late or repeated fact). */
        SUPERSEDED,
        /** Kept; no command matches yet. Matched later if its command's outcome is stored within the match window. */
        UNMATCHED,
        /** A type remit does not understand: kept (and matched, for the command's history), never applied. */
        UNKNOWN_TYPE,
        /** Its id was received before: acknowledged, nothing changed. */
        DUPLICATE
    }

    private static final String INSERT = """
            insert into webhook_event (event_id, event_type, resource_id, occurred_at, received_at, named_request_id,
                match_after, body)
            values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (event_id) do nothing""";

    /**
     * The command an event is about: the one whose requestId it names, if that command's resource is the event's (or is
     * not known: a command whose outcome is unknown, or an event that names no resource); else the one that created the
     * event's resource. An {@code invoice.settled} that names the payment's requestId is the invoice's, not the payment's.
     */
    private static final String MATCH_BY_REQUEST = """
            select request_id, command_type, settlement from command_outcome
            where request_id = ? and (resource_id is null or ?::text is null or resource_id = ?) for update""";

    private static final String MATCH_BY_RESOURCE = """
            select request_id, command_type, settlement from command_outcome
            where resource_id = ? and status = 'SUCCEEDED'
            order by (command_type in ('invoice.create', 'payment.create')) desc, created_at, request_id
            limit 1 for update""";

    private static final String STORED = "select 1 from command_outcome where request_id = ?";

    private static final String UNMATCHED = """
            select event_id, event_type, resource_id, occurred_at, received_at, named_request_id, body from webhook_event
            where request_id is null and match_after is not null and match_after <= ?
            order by match_after limit ? for update skip locked""";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;

    public WebhookStore(JdbcTemplate jdbc, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.tx = tx;
    }

    /** Keeps a verified event, matches and applies it, in one transaction. */
    public Stored receive(WebhookEvent event, Instant receivedAt) {
        return tx.execute(status -> {
            int inserted = jdbc.update(
                    INSERT,
                    event.id(),
                    event.type(),
                    event.resourceId(),
                    timestamp(event.occurredAt()),
                    Timestamp.from(receivedAt),
                    event.requestId(),
                    Timestamp.from(receivedAt.plusMillis(200)),
                    event.body());
            if (inserted == 0) return Stored.DUPLICATE;
            return match(event, receivedAt, true);
        });
    }

    /** Whether an event of this id was stored. */
    public boolean known(String eventId) {
        return !jdbc.queryForList("select 1 from webhook_event where event_id = ?", eventId)
                .isEmpty();
    }

    /**
     * Matches events that arrived before their command's outcome was stored (the API answers remit and sends its
     * webhook at about the same time), for at most {@code window} after they arrived. Returns how many it applied.
     */
    public int matchUnmatched(Duration window, int limit, Instant now) {
        Integer applied = tx.execute(status -> {
            int n = 0;
            List<Map<String, @Nullable Object>> rows = jdbc.queryForList(UNMATCHED, Timestamp.from(now), limit);
            for (Map<String, @Nullable Object> row : rows) {
                Instant receivedAt = instant(notNull(row, "received_at"));
                WebhookEvent event = new WebhookEvent(
                        (String) notNull(row, "event_id"),
                        (String) notNull(row, "event_type"),
                        instant(row.get("occurred_at")),
                        (String) row.get("resource_id"),
                        (String) row.get("named_request_id"),
                        (String) notNull(row, "body"));
                boolean waitForNamed = Duration.between(receivedAt, now).compareTo(namedGrace(window)) < 0;
                Stored stored = match(event, receivedAt, waitForNamed);
                if (stored == Stored.APPLIED) n++;
                if (stored == Stored.UNMATCHED) retryLater(event.id(), receivedAt, window, now);
            }
            return n;
        });
        return applied == null ? 0 : applied;
    }

    /** Tries again after half the event's age (1 s to 1 min), until its window has passed. */
    private void retryLater(String eventId, Instant receivedAt, Duration window, Instant now) {
        Duration age = Duration.between(receivedAt, now);
        Duration wait = age.dividedBy(2);
        if (wait.compareTo(Duration.ofSeconds(1)) < 0) wait = Duration.ofSeconds(1);
        if (wait.compareTo(Duration.ofMinutes(1)) > 0) wait = Duration.ofMinutes(1);
        Instant next = now.plus(wait);
        jdbc.update(
                "update webhook_event set match_after = ? where event_id = ?",
                next.isAfter(receivedAt.plus(window)) ? null : Timestamp.from(next),
                eventId);
    }

    /**
     * How long an event waits for the command it names (by requestId) to be stored before it is matched to its resource's
     * creator instead: the API sends its webhook as it answers remit, often before remit has stored the answer, and an
     * {@code invoice.approved} matched meanwhile to the invoice's creation would never reach the approval. A named
     * command that never comes was not sent through remit. Half the match window, at most ten minutes.
     */
    static Duration namedGrace(Duration window) {
        Duration half = window.dividedBy(2);
        return half.compareTo(NAMED_GRACE) < 0 ? half : NAMED_GRACE;
    }

    private static final Duration NAMED_GRACE = Duration.ofMinutes(10);

    private Stored match(WebhookEvent event, Instant receivedAt, boolean waitForNamed) {
        Map<String, @Nullable Object> command = command(event, waitForNamed);
        if (command == null) return Stored.UNMATCHED;
        String requestId = (String) notNull(command, "request_id");
        var settlement = Settlement.ofType(event.type());
        boolean applies = settlement.isPresent() && settlement.get().supersedes((String) command.get("settlement"));
        jdbc.update(
                "update webhook_event set request_id = ?, applied = ?, match_after = null where event_id = ?",
                requestId,
                applies,
                event.id());
        if (settlement.isEmpty()) return Stored.UNKNOWN_TYPE;
        if (!applies) return Stored.SUPERSEDED;
        Instant settledAt = event.occurredAt() == null ? receivedAt : event.occurredAt();
        jdbc.update(
                "update command_outcome set settlement = ?, settlement_event = ?, settled_at = ? where request_id = ?",
                settlement.get().name(),
                event.id(),
                Timestamp.from(settledAt),
                requestId);
        jdbc.update(
                "insert into settlement_outbox (request_id, payload) values (?, ?)",
                requestId,
                payload(
                        requestId,
                        (String) notNull(command, "command_type"),
                        settlement.get(),
                        event,
                        settledAt,
                        receivedAt));
        return Stored.APPLIED;
    }

    private @Nullable Map<String, @Nullable Object> command(WebhookEvent event, boolean waitForNamed) {
        if (event.requestId() != null) {
            List<Map<String, @Nullable Object>> named =
                    jdbc.queryForList(MATCH_BY_REQUEST, event.requestId(), event.resourceId(), event.resourceId());
            if (!named.isEmpty()) return named.getFirst();
            // not stored yet: wait for it (a stored command of another resource, a payment named by its invoice's
            // event, falls through to the resource's creator at once)
            if (waitForNamed && jdbc.queryForList(STORED, event.requestId()).isEmpty()) return null;
        }
        if (event.resourceId() == null) return null;
        List<Map<String, @Nullable Object>> created = jdbc.queryForList(MATCH_BY_RESOURCE, event.resourceId());
        return created.isEmpty() ? null : created.getFirst();
    }

    /** The settlement event (config/settlement.schema.json). */
    private String payload(
            String requestId,
            String commandType,
            Settlement settlement,
            WebhookEvent event,
            Instant settledAt,
            Instant receivedAt) {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("requestId", requestId);
        value.put("commandType", commandType);
        value.put("event", event.type());
        value.put("settlement", settlement.name());
        value.put("resourceId", event.resourceId());
        value.put("webhookId", event.id());
        value.put("settledAt", settledAt.toString());
        value.put("receivedAt", receivedAt.toString());
        return Json.MAPPER.writeValueAsString(value); // remit's wire format: not spring.jackson.*'s to change
    }

    private static @Nullable Timestamp timestamp(@Nullable Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    @Contract("!null -> !null")
    private static @Nullable Instant instant(@Nullable Object value) {
        return value == null ? null : ((Timestamp) value).toInstant();
    }

    /** A column the schema declares {@code not null}. */
    private static Object notNull(Map<String, @Nullable Object> row, String column) {
        return Objects.requireNonNull(row.get(column), column + " is not null");
    }
}
