package io.remit.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one partition between its commit point and its fetch position, in offset order.
 * Records are decided out of order (calls finish when they finish); the commit point advances
 * over the longest run of done records from the head, so a slow record holds back only its own
 * partition's commit point, and only while it is slow. Bounded in records and bytes: a full
 * window pauses its partition.
 */
final class PartitionWindow {
    final TopicPartition partition;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long bytes;

    PartitionWindow(TopicPartition partition) {
        this.partition = partition;
    }

    void add(Pending p) {
        pending.addLast(p);
        bytes += p.size;
    }

    /** The done records from the head, at most {@code limit}: what the next commit may take. */
    List<Pending> committable(int limit) {
        List<Pending> run = new ArrayList<>();
        for (Pending p : pending) {
            if (run.size() >= limit || !p.isDone()) break;
            run.add(p);
        }
        return run;
    }

    /** Removes the first {@code count} records, once they are committed. */
    void committed(int count) {
        for (int i = 0; i < count; i++) bytes -= pending.removeFirst().size;
    }

    /** Drops the records from {@code offset} on (all of them for {@code Long.MIN_VALUE}); answers them. */
    List<Pending> discardFrom(long offset) {
        List<Pending> dropped = new ArrayList<>();
        for (Iterator<Pending> it = pending.descendingIterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.offset() < offset) break;
            it.remove();
            bytes -= p.size;
            p.discarded = true;
            dropped.add(p);
        }
        return dropped;
    }

    boolean isFull(int maxRecords, long maxBytes) {
        return pending.size() >= maxRecords || bytes >= maxBytes;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    int size() {
        return pending.size();
    }

    /** When the oldest record still waiting for its commit point was polled (System.nanoTime), or -1. */
    long oldestAdmittedNanos() {
        return pending.isEmpty() ? -1 : pending.peekFirst().admittedAtNanos;
    }

    /** The offset of the first record, or -1 when empty. */
    long firstOffset() {
        return pending.isEmpty() ? -1 : pending.peekFirst().offset();
    }
}
