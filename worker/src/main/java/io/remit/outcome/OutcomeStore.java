package io.remit.outcome;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Where remit keeps what it decided: one outcome row per requestId, one row per API attempt, one per dead letter.
 * The engine's only way to PostgreSQL ({@link JdbcOutcomeStore}); a failure throws Spring's DataAccessException.
 */
public interface OutcomeStore {
    /** An earlier command for the same invoice, being retried: a later one waits for it (per-invoice order). */
    record EarlierCommand(String requestId, Instant dueAt) {}

    /** The stored outcomes of these requestIds (those with none are left out). */
    Map<String, StoredOutcome> find(Collection<String> requestIds);

    /**
     * For commands that name an invoice (requestId → invoiceId), the earliest other command for the same invoice that is
     * RETRYING and was stored first; commands with none are left out.
     */
    Map<String, EarlierCommand> earlierRetrying(Map<String, String> invoiceByRequestId);

    /**
     * Writes the rows in one transaction; at most one outcome per requestId and one attempt per (requestId, attempt).
     * Writing the same outcome again changes nothing, a SUCCEEDED row is never overwritten, and a dead letter already
     * stored for its record (a redelivery) is not written again.
     */
    void save(List<StoredOutcome> outcomes, List<AttemptRecord> attempts, List<DeadLetterRecord> deadLetters);

    default void save(List<StoredOutcome> outcomes, List<AttemptRecord> attempts) {
        save(outcomes, attempts, List.of());
    }
}
