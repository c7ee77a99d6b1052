package io.remit.outcome;

import java.time.Instant;

/**
 * A row of {@code command_outcome}: the last decision for a requestId and the Kafka record
 * ({@code sourceTopic/Partition/Offset}) it was made for. A record that arrives again with the
 * same coordinates was redelivered after a crash, and its decision is replayed, not remade.
 * {@code invoiceId}: the invoice the command names (approve, dispute, cancel, payment), else null. A RETRYING row
 * keeps what its retry record's headers say ({@code rateLimited}, {@code codeRetries}, {@code waitingFor}), so that
 * a replay after a crash writes the same record.
 */
public record StoredOutcome(
        String requestId,
        String commandType,
        OutcomeStatus status,
        int attempts,
        Integer httpStatus,
        String errorCode,
        String errorMessage,
        String resourceId,
        String retryTopic,
        Instant dueAt,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        Instant updatedAt,
        String response,
        String invoiceId,
        int rateLimited,
        String codeRetries,
        String waitingFor) {

    public boolean isFor(String topic, int partition, long offset) {
        return sourceTopic.equals(topic) && sourcePartition == partition && sourceOffset == offset;
    }
}
