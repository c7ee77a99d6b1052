package io.remit.engine;

import io.remit.command.Fingerprint;
import io.remit.command.ParsedCommand;
import io.remit.store.OutcomeStore;
import io.remit.store.StoredOutcome;
import java.time.Instant;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * One polled record on its way to its commit point. Owned by the consumer's loop thread, except
 * that a worker thread fills {@link #result} of a record it calls the API for; the loop reads it
 * only after taking the record from the completion queue.
 */
final class Pending {
    final ConsumerRecord<byte[], byte[]> record;
    final ParsedCommand parsed;
    final String requestId;
    final long size;
    final long admittedAtNanos;
    /** What PostgreSQL held for the requestId when the record was admitted (null: nothing). */
    @Nullable
    StoredOutcome lookedUp;
    /** An earlier command for the same invoice that was RETRYING when the record was admitted: this one waits for it. */
    OutcomeStore.@Nullable EarlierCommand earlier;
    /** The decision, once made. */
    @Nullable
    Processed result;
    /** Whether the decision is in PostgreSQL (a fresh one must be before its offset is committed). */
    boolean stored;
    /** Dropped from its window (halt, rewind, revocation): whatever becomes of it is not committed. */
    boolean discarded;
    /** Its outbound record was refused by Kafka: write the bounded minimum (key and remit's headers) instead. */
    boolean minimalOutbound;
    /** What a valid command asks of the API (null for bad input). */
    @Nullable
    Fingerprint fingerprint;
    /** When its requestId's first ambiguous attempt happened (the API may have applied it). */
    @Nullable
    Instant firstAmbiguousAt;
    /** PostgreSQL refused its rows on their own (the refusal): it is stored in the minimal form instead. */
    @Nullable
    String storeRefused;

    Pending(ConsumerRecord<byte[], byte[]> record, ParsedCommand parsed, String requestId, long admittedAtNanos) {
        this.record = record;
        this.parsed = parsed;
        this.requestId = requestId;
        this.admittedAtNanos = admittedAtNanos;
        this.size = Math.max(0, record.serializedKeySize())
                + Math.max(0, record.serializedValueSize())
                + headerBytes(record)
                + 64L;
    }

    /** What the record's headers hold in memory: a record may carry megabytes of them beside an empty value. */
    private static long headerBytes(ConsumerRecord<byte[], byte[]> record) {
        long bytes = 0;
        for (Header header : record.headers()) {
            bytes += 2L * header.key().length() + 16;
            byte[] value = header.value();
            if (value != null) bytes += value.length;
        }
        return bytes;
    }

    /** Decided and, where the decision is fresh, stored: its offset may be committed. */
    boolean isDone() {
        return result != null && (stored || result.provenance() != Processed.Provenance.FRESH);
    }

    /** The decision of a record known to be decided: taken back from a call, or done. */
    Processed decided() {
        return Objects.requireNonNull(result, "read only once decided");
    }

    long offset() {
        return record.offset();
    }

    /** Where its record is, as a log line says it: {@code topic-partition@offset}. */
    String at() {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    TopicPartition partition() {
        return new TopicPartition(record.topic(), record.partition());
    }
}
