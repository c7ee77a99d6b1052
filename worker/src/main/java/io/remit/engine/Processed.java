package io.remit.engine;

import io.remit.routing.Decision;
import io.remit.store.AttemptRecord;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * What remit did with one record of a batch.
 *
 * @param requestId   the key, or {@code @topic/partition/offset} for a record without a usable key
 * @param attempts    API calls made for the command so far
 * @param apiAttempt  the call made now; none for invalid input, a command that already succeeded, a replay
 * @param decidedAt   when the decision was first made: now, or the stored time of a replayed one
 */
record Processed(
        ConsumerRecord<byte[], byte[]> record,
        String requestId,
        String commandType,
        Provenance provenance,
        Decision decision,
        int attempts,
        @Nullable AttemptRecord apiAttempt,
        Instant decidedAt) {

    /** Where the decision came from. */
    enum Provenance {
        /** Made now, from the API's answer or the command's invalidity: to be stored and acted on. */
        FRESH,
        /** Stored for this very record before a crash: acted on again (its retry or dead letter was never committed). */
        REPLAYED,
        /** The command already succeeded: nothing to do but commit the offset. */
        ALREADY_SUCCEEDED,
        /**
         * Another copy of a command whose retry waits on a retry topic: that retry is the command, so nothing is done
         * but commit the offset (the decision is the row's, for the record's history only).
         */
        IN_PROGRESS;

        /** Whether a decision of this provenance produces records: neither a success nor a waiting retry does again. */
        boolean produces() {
            return this != ALREADY_SUCCEEDED && this != IN_PROGRESS;
        }
    }
}
