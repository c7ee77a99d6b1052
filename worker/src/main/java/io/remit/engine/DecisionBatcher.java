package io.remit.engine;

import io.remit.Causes;
import io.remit.routing.Decision;
import io.remit.store.StoreFaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: the fresh decisions made since the last write go to PostgreSQL in one transaction, every
 * {@code store-interval} or once {@value #STORE_BATCH} wait. A write that fails is tried again with backoff; one that
 * fails twice in a row for what it holds ({@link StoreFaults}) is narrowed ({@link #isolate}), so that no record
 * PostgreSQL refuses can hold its partition. A failure of the database itself is waited out, however long it lasts.
 */
final class DecisionBatcher {
    private static final Logger log = LoggerFactory.getLogger(DecisionBatcher.class);
    static final int STORE_BATCH = 1_000;
    /** Group writes refused for what they hold before the write is narrowed; tries of one record alone before it is refused. */
    static final int NARROW_STORE_AFTER = 2;
    /** The dead letter of a record PostgreSQL refuses on its own. */
    static final String STORE_REFUSED = "STORE_REFUSED";

    /** Writes decisions under the consumer's leases; throws when PostgreSQL refuses them. */
    interface Writes {
        void store(List<Pending> decided);
    }

    private final String name;
    private final Writes writes;
    private final Duration interval;
    private final Backoff backoff;
    private final LongSupplier ticker;
    private final List<Pending> unstored = new ArrayList<>();
    private long failures;
    private int recordFaults;
    private long retryAtNanos;
    private long storedAtNanos;

    /** @param ticker nanoseconds, as {@link System#nanoTime} */
    DecisionBatcher(String name, Writes writes, Duration interval, Backoff backoff, LongSupplier ticker) {
        this.name = name;
        this.writes = writes;
        this.interval = interval;
        this.backoff = backoff;
        this.ticker = ticker;
        this.storedAtNanos = ticker.getAsLong();
    }

    /** A fresh decision, to be written with the next group. */
    void add(Pending p) {
        unstored.add(p);
    }

    boolean isEmpty() {
        return unstored.isEmpty();
    }

    /** Whether the last write failed and decisions still wait for PostgreSQL (not once those were all dropped). */
    boolean isFailing() {
        return failures > 0 && !unstored.isEmpty();
    }

    /**
     * Writes the waiting decisions if the interval has passed, enough wait, or {@code now}; never before the backoff
     * of a failed write has passed.
     */
    void storeDue(boolean now) {
        if (unstored.isEmpty()) return;
        long t = ticker.getAsLong();
        if (t - retryAtNanos < 0) return;
        if (!now && unstored.size() < STORE_BATCH && t - storedAtNanos < interval.toNanos()) return;
        unstored.removeIf(p -> p.discarded); // dropped (revoked, lost, rewound): not ours to store
        if (unstored.isEmpty()) return;
        try {
            writes.store(unstored);
            unstored.forEach(p -> p.stored = true);
            unstored.clear();
            stored(t);
        } catch (RuntimeException e) {
            if (StoreFaults.isRecordFault(e) && ++recordFaults >= NARROW_STORE_AFTER) {
                isolate(e);
                return;
            }
            if (!StoreFaults.isRecordFault(e)) recordFaults = 0;
            backOff(t, e);
        }
    }

    private void stored(long t) {
        storedAtNanos = t;
        failures = 0;
        recordFaults = 0;
    }

    private void backOff(long t, RuntimeException e) {
        long wait = backoff.millis(failures++);
        retryAtNanos = t + TimeUnit.MILLISECONDS.toNanos(wait);
        log.warn(
                "{}: {} decisions not yet stored ({}); trying again in {} ms; their offsets wait",
                name,
                unstored.size(),
                Causes.chain(e),
                wait);
    }

    /**
     * The group write keeps failing for what it holds: each decision is written on its own, in order. One that
     * PostgreSQL refuses on its own, for what it holds, is stored in the minimal form ({@link #refusedByStore}); the
     * others are stored as they are. A failure of the database itself stops the narrowing: what is left waits.
     */
    private void isolate(RuntimeException groupFailure) {
        log.warn(
                "{}: PostgreSQL refuses a write of {} decisions for what it holds ({}); writing them one by one",
                name,
                unstored.size(),
                StoreFaults.reason(groupFailure));
        List<Pending> batch = new ArrayList<>(unstored);
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            if (p.discarded) continue; // its partition's lease was lost while narrowing
            try {
                storeAlone(p);
            } catch (RuntimeException e) {
                unstored.subList(0, i).clear();
                backOff(ticker.getAsLong(), e);
                return;
            }
        }
        unstored.clear();
        stored(ticker.getAsLong());
    }

    /** Stores one decision alone; throws only for a failure of the database (its record's own faults are handled). */
    private void storeAlone(Pending p) {
        for (int tries = 1; ; tries++) {
            try {
                writes.store(List.of(p));
                p.stored = true;
                return;
            } catch (RuntimeException e) {
                if (!StoreFaults.isRecordFault(e)) throw e;
                if (tries >= NARROW_STORE_AFTER) {
                    refusedByStore(p, e);
                    break;
                }
            }
        }
        try {
            writes.store(List.of(p));
        } catch (RuntimeException e) {
            if (!StoreFaults.isRecordFault(e)) throw e;
            // cannot happen for its bytes (printable ASCII and bytea); a bug must not hold the partition either
            RecordLog.about(
                    p,
                    () -> log.error(
                            "{}: PostgreSQL refuses even the minimal form of {} ({}); it is committed without a row",
                            name,
                            p.requestId,
                            Causes.chain(e),
                            e));
        }
        p.stored = true;
    }

    /**
     * PostgreSQL refused a decision's rows on their own, again, for what they hold: a success stays a success (its
     * effect happened), anything else becomes a dead letter {@code STORE_REFUSED} with the refusal as its message;
     * both are stored in the minimal form (key and value as bytes, no headers, printable text).
     */
    private void refusedByStore(Pending p, RuntimeException refusal) {
        Processed was = p.decided();
        String reason = "PostgreSQL refused this record's rows: " + StoreFaults.reason(refusal)
                + switch (was.decision()) {
                    case Decision.DeadLetter d -> "; it was dead-lettered " + d.code() + ": " + d.message();
                    case Decision.Retry r ->
                        "; it was to be retried after " + r.code() + " (attempt " + was.attempts() + ")";
                    default -> "";
                };
        if (!(was.decision() instanceof Decision.Complete)) {
            p.result = new Processed(
                    was.record(),
                    was.requestId(),
                    was.commandType(),
                    Processed.Provenance.FRESH,
                    new Decision.DeadLetter(0, STORE_REFUSED, reason),
                    was.attempts(),
                    was.apiAttempt(),
                    was.decidedAt());
        }
        p.storeRefused = reason;
        RecordLog.about(
                p,
                () -> log.error(
                        "{}: {}; {} at {} is stored in the minimal form (key and value as bytes, no headers){}",
                        name,
                        reason,
                        p.requestId,
                        p.at(),
                        was.decision() instanceof Decision.Complete ? "" : " and dead-lettered as " + STORE_REFUSED));
    }
}
