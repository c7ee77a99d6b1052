package io.remit.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A row of {@code command_outcome}: the last decision for a requestId and the Kafka record ({@link Source}) it was made
 * for. A record that arrives again with the same coordinates was redelivered after a crash, and its decision is
 * replayed, not remade. {@code invoiceId}: the invoice the command names (approve, dispute, cancel, payment).
 *
 * @param retry    where a RETRYING command waits, and what its retry record's headers say, so that a replay after a
 *                 crash writes the same record; null for any other status
 * @param identity what was asked of the API under the requestId, and when it first may have taken effect
 */
public record StoredOutcome(
        String requestId,
        String commandType,
        OutcomeStatus status,
        int attempts,
        @Nullable Integer httpStatus,
        @Nullable String errorCode,
        @Nullable String errorMessage,
        @Nullable String resourceId,
        @Nullable String response,
        @Nullable String invoiceId,
        Source source,
        Instant updatedAt,
        @Nullable Retry retry,
        Identity identity) {

    public StoredOutcome {
        if (identity == null) identity = Identity.NONE;
        if ((status == OutcomeStatus.RETRYING) != (retry != null)) {
            throw new IllegalArgumentException("a " + status + " row of " + requestId
                    + (retry == null ? " needs where it waits" : " has no retry to keep"));
        }
    }

    /** The Kafka record a decision was made for. */
    public record Source(String topic, int partition, long offset) {}

    /**
     * A RETRYING command's place on its ladder: the tier's topic and when it is due, the 429s it met (they do not use up
     * the ladder), the retries per error code of its own ladders ({@code CODE=n,...}), and the requestId it waits for
     * (per-invoice order), if any. A row without its tier's topic (not written by remit) is retried on the longest tier.
     */
    public record Retry(
            @Nullable String topic,
            Instant dueAt,
            int rateLimited,
            @Nullable String codeRetries,
            @Nullable String waitingFor) {}

    /**
     * What was asked of the API under a requestId: the command's fingerprint and canonical fields (null for bad input,
     * which is never sent), and when its first ambiguous attempt happened (a timeout, a connection lost after the
     * request was written, a 5xx), null while every attempt had a definite answer.
     */
    public record Identity(
            @Nullable String fingerprint,
            @Nullable String command,
            @Nullable Instant firstAmbiguousAt) {
        public static final Identity NONE = new Identity(null, null, null);
    }

    /**
     * Whether the API may have applied a command under this requestId: it succeeded, or one of its attempts was
     * ambiguous, or it is still on its way (retrying). Only a command that was refused definitely (a 4xx the API did
     * not apply, or bad input never sent) may be followed by a different one under the same requestId.
     */
    public boolean mayHaveTakenEffect() {
        return status != OutcomeStatus.DEAD_LETTERED || identity.firstAmbiguousAt() != null;
    }

    public boolean isFor(String topic, int partition, long offset) {
        return source.topic().equals(topic) && source.partition() == partition && source.offset() == offset;
    }
}
