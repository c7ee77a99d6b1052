package io.remit.store;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Which process runs under an instance id ({@code instance_heartbeat}). A process renews its row while it holds it; a
 * second live process with the same id finds the row renewed within {@code liveFor} by another, and leaves its name
 * there (contender) so that the holder learns of it too. Times are PostgreSQL's, so hosts' clocks do not matter.
 */
public final class InstanceRegistry {
    /**
     * One renewal: whether this process holds the id, and who else runs under it ({@code other}: the holder, when this
     * process does not hold it, and {@code othersBeat}, when the holder last renewed it; the latest live contender, when
     * it does). Null {@code other}: nobody else.
     */
    public record Heartbeat(
            boolean holds, @Nullable String other, @Nullable Instant othersBeat) {}

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;

    public InstanceRegistry(JdbcTemplate jdbc, TransactionTemplate transaction) {
        this.jdbc = jdbc;
        this.transaction = transaction;
    }

    public Heartbeat beat(String instanceId, String process, String host, Duration liveFor) {
        long live = liveFor.toMillis();
        return transaction.execute(status -> {
            jdbc.update("""
                    insert into instance_heartbeat (instance_id, process, host, heartbeat_at) values (?, ?, ?, now())
                    on conflict (instance_id) do nothing""", instanceId, process, host);
            List<Map<String, @Nullable Object>> rows = jdbc.queryForList("""
                    select process, host, heartbeat_at, heartbeat_at > now() - ? * interval '1 millisecond' as live,
                           contender, contender_host, contended_at > now() - ? * interval '1 millisecond' as contended
                    from instance_heartbeat where instance_id = ? for update""", live, live, instanceId);
            Map<String, @Nullable Object> row = rows.getFirst();
            boolean ours = process.equals(row.get("process"));
            if (ours || !Boolean.TRUE.equals(row.get("live"))) {
                jdbc.update(
                        "update instance_heartbeat set process = ?, host = ?, heartbeat_at = now() where instance_id = ?",
                        process,
                        host,
                        instanceId);
                boolean contended =
                        ours && Boolean.TRUE.equals(row.get("contended")) && !process.equals(row.get("contender"));
                return new Heartbeat(true, contended ? (String) row.get("contender_host") : null, null);
            }
            jdbc.update(
                    "update instance_heartbeat set contender = ?, contender_host = ?, contended_at = now() where instance_id = ?",
                    process,
                    host,
                    instanceId);
            return new Heartbeat(
                    false,
                    (String) Objects.requireNonNull(row.get("host"), "host is not null"),
                    ((Timestamp) Objects.requireNonNull(row.get("heartbeat_at"), "heartbeat_at is not null"))
                            .toInstant());
        });
    }
}
