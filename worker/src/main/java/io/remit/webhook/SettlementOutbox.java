package io.remit.webhook;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code settlement_outbox}: settlement events waiting for Kafka, claimed into numbered batches. Batches are claimed
 * one claimer at a time (a transaction-scoped advisory lock), and a new one only when none is waiting, so batch
 * numbers follow the order in which the relay produces them: everything below the relay's position was produced.
 */
public final class SettlementOutbox {
    /** The advisory lock of relaying, held (session-scoped) on the relaying instance's own connection. */
    static final long LOCK = 0x72656d69745f7330L; // "remit_s0"
    /** The advisory lock of claiming a batch (transaction-scoped): one claimer at a time, even with a zombie relay. */
    private static final long CLAIM_LOCK = LOCK + 1;

    private static final String CLAIM = """
            with b as (select nextval('settlement_outbox_batch_seq') as n)
            update settlement_outbox set batch = (select n from b)
            where id in (select id from settlement_outbox where batch is null order by id limit ?)
            returning batch""";

    /** One settlement event to produce. */
    public record Entry(String requestId, String payload) {}

    /** A batch: its number and its events, in the order they were queued. */
    public record Batch(long number, List<Entry> entries) {}

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;

    public SettlementOutbox(JdbcTemplate jdbc, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.tx = tx;
    }

    /** The lowest batch already claimed (produced again after a crash), else a new one of at most {@code size}; null: none. */
    public @Nullable Batch next(int size) {
        Long number = tx.execute(status -> {
            jdbc.queryForObject("select pg_advisory_xact_lock(?)::text", String.class, CLAIM_LOCK);
            Long waiting = jdbc.queryForObject("select min(batch) from settlement_outbox", Long.class);
            if (waiting != null) return waiting;
            List<@Nullable Long> claimed = jdbc.queryForList(CLAIM, Long.class, size);
            return claimed.isEmpty() ? null : claimed.getFirst();
        });
        if (number == null) return null;
        List<Entry> entries = jdbc.query(
                "select request_id, payload from settlement_outbox where batch = ? order by id",
                (rs, i) -> new Entry(rs.getString(1), rs.getString(2)),
                number);
        return new Batch(number, entries);
    }

    /**
     * Makes every batch claimed from now on numbered {@code position} or above. The numbers come from a sequence of
     * PostgreSQL and the position from Kafka: a database restored from a backup (or failed over to a standby that was
     * behind) numbers its new batches below the position again, and they would be deleted as produced, never produced.
     */
    public void claimFrom(long position) {
        tx.executeWithoutResult(status -> {
            jdbc.queryForObject("select pg_advisory_xact_lock(?)::text", String.class, CLAIM_LOCK);
            raiseSequence(position);
        });
    }

    /**
     * Gives the batches numbered below {@code position} back to be claimed again, from {@code position} on: claimed
     * after the relay began (which deleted everything below its position, as produced), they were numbered by a
     * sequence that went back, and were never produced. The count of events given back.
     */
    public int reclaimBelow(long position) {
        Integer events = tx.execute(status -> {
            jdbc.queryForObject("select pg_advisory_xact_lock(?)::text", String.class, CLAIM_LOCK);
            raiseSequence(position);
            return jdbc.update("update settlement_outbox set batch = null where batch < ?", position);
        });
        return events == null ? 0 : events;
    }

    private void raiseSequence(long position) {
        jdbc.queryForObject("""
                select setval('settlement_outbox_batch_seq',
                              greatest(?, (select case when is_called then last_value + 1 else last_value end
                                           from settlement_outbox_batch_seq)),
                              false)""", Long.class, position);
    }

    /** Deletes the batches below {@code position}: the relay's committed position says Kafka has them. */
    public int deleteBelow(long position) {
        return jdbc.update("delete from settlement_outbox where batch < ?", position);
    }

    /** Settlement events not yet produced. */
    public long waiting() {
        Long n = jdbc.queryForObject("select count(*) from settlement_outbox", Long.class);
        return n == null ? 0 : n;
    }
}
