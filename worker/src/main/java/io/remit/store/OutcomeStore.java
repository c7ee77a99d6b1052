package io.remit.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Where remit keeps what it decided: one outcome row per requestId, one row per API attempt, one per dead letter.
 * The engine's only way to PostgreSQL ({@link JdbcOutcomeStore}); a failure throws Spring's DataAccessException.
 */
public interface OutcomeStore {
    /** An earlier command for the same invoice, being retried: a later one waits for it (per-invoice order). */
    record EarlierCommand(String requestId, @Nullable Instant dueAt) {}

    /** The stored outcomes of these requestIds (those with none are left out). */
    Map<String, StoredOutcome> find(Collection<String> requestIds);

    /**
     * For commands that name an invoice (requestId → invoiceId), the earliest other command for the same invoice that is
     * RETRYING and was stored first; commands with none are left out.
     */
    Map<String, EarlierCommand> earlierRetrying(Map<String, String> invoiceByRequestId);

    /** The rows of decisions: at most one outcome per requestId and one attempt per (requestId, attempt). */
    record Rows(List<StoredOutcome> outcomes, List<AttemptRecord> attempts, List<DeadLetterRecord> deadLetters) {}

    /**
     * Who writes decisions: a member of the consumer group, as the group coordinator knows it (its member id and its
     * generation, or member epoch under {@code group.protocol=consumer}), on an instance.
     */
    record Writer(String groupId, String memberId, int generation, String instance) {}

    /** How a lease is taken, and from whom. */
    enum Take {
        /** On an assignment: from whoever holds it (Kafka has just given the partition to this writer). */
        ASSIGNED,
        /**
         * Later, before the partition's first lookup, when taking it on the assignment failed: from a writer of the same
         * or an older generation only (this writer may have been away since, and a newer one assigned it).
         */
        DEFERRED,
        /** Back, after a write found it gone: from an older generation only, or where nobody holds it. */
        BACK
    }

    /**
     * Takes the lease of these partitions for {@code writer}: from now on only it may write decisions about their records.
     * Waits at most a few seconds for a write that holds one (a frozen writer must not hold a rebalance). Answers the
     * partitions whose lease the writer now holds.
     */
    Set<TopicPartition> lease(Writer writer, Collection<TopicPartition> partitions, Take take);

    /**
     * Writes decisions in one transaction, fenced: it holds the leases of {@code partitions} while it writes, and the
     * decisions about records of partitions whose lease {@code writer} does not hold (another member was assigned them
     * since) are not written. {@code rows} builds the rows without those partitions' records; answers those partitions.
     * Writing the same outcome again changes nothing; a SUCCEEDED row is never overwritten, nor a DEAD_LETTERED one by
     * another decision about the same record; a dead letter already stored for its record is not written again. A null
     * {@code writer}: not fenced.
     */
    Set<TopicPartition> save(
            @Nullable Writer writer, Collection<TopicPartition> partitions, Function<Set<TopicPartition>, Rows> rows);
}
