package io.remit.engine;

import io.remit.Causes;
import io.remit.routing.Decision;
import io.remit.store.OutcomeStore;
import io.remit.store.StoredOutcome;
import io.remit.telemetry.RecordTracing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.transaction.TransactionException;

/**
 * One consumer's loop. Records flow: each polled record is dispatched at once (one record of a
 * requestId at a time, in order), the consumer keeps polling while calls run, and a partition is
 * paused only while its window of uncommitted records is full, its next retry is not yet due, or
 * intake is halted.
 * <ol>
 *   <li>Every {@code store-interval}, the decisions made since are written to PostgreSQL in one
 *       transaction (group commit).</li>
 *   <li>Every {@code commit-interval}, one Kafka transaction ({@link Commits}) produces the retry and
 *       dead-letter records of every record the partitions' commit points pass, and commits those
 *       offsets: a record's outbound records are committed with the offset that passes it, never
 *       earlier, never later.</li>
 * </ol>
 * After a crash or a rebalance, the records past a commit point are redelivered and replay their
 * stored decisions without calling the API. If PostgreSQL fails, decisions wait in memory (and
 * windows fill and pause) until it answers; if Kafka refuses a commit, see {@link Commits}.
 */
final class CommandEngine implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(CommandEngine.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(100);
    private static final Duration BUSY_POLL = Duration.ofMillis(5);
    private static final Duration LAG_EVERY = Duration.ofSeconds(2);
    private static final Duration WATCH_EVERY = Duration.ofSeconds(1);
    private static final int STORE_BATCH = 1_000;
    /** Group writes refused for what they hold before the write is narrowed; tries of one record alone before it is refused. */
    private static final int NARROW_STORE_AFTER = 2;
    /** The dead letter of a record PostgreSQL refuses on its own. */
    static final String STORE_REFUSED = "STORE_REFUSED";

    private final String name;
    private final Consumer<byte[], byte[]> consumer;
    private final Pattern topics;
    private final CommandProcessor processor;
    private final OutcomeStore store;
    private final Recorder recorder;
    private final IntakeGate gate;
    private final DueTime dueTime;
    private final EngineSettings settings;
    private final Clock clock;
    private final Commits commits;
    private final RecordTracing tracing;
    private final Backoff backoff = new Backoff(100, 2, 30_000, 0.2);

    private final Map<TopicPartition, PartitionWindow> windows = new HashMap<>();
    private final Map<TopicPartition, Instant> dueAt = new HashMap<>();
    private final Map<String, KeyChain> chains = new HashMap<>();
    private final LinkedBlockingQueue<Pending> completed = new LinkedBlockingQueue<>();
    private final List<Pending> unstored = new ArrayList<>();
    /**
     * Per partition, the records that need an API call while {@code maxCalls} are in flight, each line in the order its
     * records became ready; the lines are served in turn, so that one partition's large poll does not hold another
     * partition's records behind it (found by ShutdownUnderLoadIT: a second partition got no call for seconds).
     */
    private final LinkedHashMap<TopicPartition, ArrayDeque<Pending>> waitingForCall = new LinkedHashMap<>();

    private int waitingCount;

    /**
     * This consumer as the group knows it, as of its last assignment: whose lease its writes to PostgreSQL hold. Partitions
     * assigned but not yet leased take their lease before their stored outcomes are read; partitions whose lease another
     * member took are taken back only from an older generation ({@code retake}).
     */
    private OutcomeStore.Writer writer;

    private final Set<TopicPartition> unleased = new HashSet<>();
    private final Set<TopicPartition> retake = new HashSet<>();

    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private int inFlight;
    private long storeFailures;
    private int storeRecordFaults;
    private long storeRetryAtNanos;
    private long storedAtNanos = System.nanoTime();
    private long commitDueNanos = System.nanoTime();
    private Instant lagReportedAt = Instant.EPOCH;
    private Instant watchReportedAt = Instant.EPOCH;
    private volatile boolean running = true;

    /**
     * The records of one requestId on this consumer, decided one at a time, in order, and what is known of
     * the requestId: the stored outcome when the first of them arrived, then each fresh decision made here.
     * It lives while any of its records is uncommitted, so it never lags behind PostgreSQL.
     */
    private static final class KeyChain {
        final ArrayDeque<Pending> waiting = new ArrayDeque<>();
        int pending;
        boolean busy;
        StoredOutcome latest;

        KeyChain(StoredOutcome stored) {
            this.latest = stored;
        }
    }

    CommandEngine(
            String name,
            Consumer<byte[], byte[]> consumer,
            Supplier<Producer<byte[], byte[]>> producers,
            Pattern topics,
            CommandProcessor processor,
            OutcomeStore store,
            Recorder recorder,
            Outbound outbound,
            IntakeGate gate,
            DueTime dueTime,
            EngineSettings settings,
            Clock clock,
            RecordTracing tracing) {
        this.tracing = tracing;
        this.name = name;
        this.consumer = consumer;
        this.topics = topics;
        this.processor = processor;
        this.store = store;
        this.recorder = recorder;
        this.gate = gate;
        this.dueTime = dueTime;
        this.settings = settings;
        this.clock = clock;
        this.commits =
                new Commits(name, consumer, producers, outbound, settings.maxRecordsPerCommit(), recorder, tracing);
    }

    @Override
    public void run() {
        try {
            commits.start();
            consumer.subscribe(topics, new Rebalance());
            while (running) step();
            drain();
        } catch (WakeupException | InterruptedException e) {
            if (running) died(e);
        } catch (RuntimeException | Error e) {
            died(e);
        } finally {
            calls.shutdownNow();
            gate.waiting(name, Map.of());
            closeQuietly();
        }
    }

    private void died(Throwable cause) {
        log.error(
                "{} failed and stops: {}; its uncommitted records are redelivered to the next owner; liveness is now DOWN",
                name,
                Causes.chain(cause),
                cause);
        gate.broken();
    }

    /** Asks the loop to stop: no more polling; calls in flight finish and are committed ({@link #drain}). */
    void stop() {
        running = false;
    }

    private void step() throws InterruptedException {
        applyPauses();
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(inFlight > 0 || !unstored.isEmpty() || hasPending() ? BUSY_POLL : IDLE_POLL);
        } catch (WakeupException e) {
            return;
        }
        if (!records.isEmpty()) admit(records);
        takeCompleted(0);
        storeDue(false);
        if (System.nanoTime() - commitDueNanos >= 0) commit();
        report();
    }

    /**
     * After {@link #stop}: lets the calls in flight finish within the shutdown timeout, then stores and
     * commits what is done. Whatever is still running is abandoned uncommitted (redelivered to the next owner).
     */
    private void drain() throws InterruptedException {
        long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
        while (inFlight > 0 && System.nanoTime() < deadline) {
            takeCompleted(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            storeDue(false);
        }
        storeDue(true);
        commit();
        if (inFlight > 0)
            log.warn(
                    "{}: {} API call(s) still running at shutdown; their records are left uncommitted", name, inFlight);
    }

    // ------------------------------------------------------------------ intake

    private void admit(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        Instant now = clock.instant();
        long nowNanos = System.nanoTime();
        List<Pending> admitted = new ArrayList<>(records.count());
        for (TopicPartition partition : records.partitions()) {
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                Instant due = dueTime.of(record, now);
                if (due != null && due.isAfter(now)) {
                    consumer.seek(partition, record.offset());
                    dueAt.put(partition, due);
                    break;
                }
                admitted.add(processor.admit(record, nowNanos));
            }
        }
        if (admitted.isEmpty()) return;
        admitted = leased(admitted, now);
        if (admitted.isEmpty() || !lookUp(admitted)) return;
        for (Pending p : admitted) {
            windows.computeIfAbsent(p.partition(), PartitionWindow::new).add(p);
            KeyChain chain = chains.get(p.requestId);
            if (chain == null) {
                chain = new KeyChain(p.lookedUp);
                chains.put(p.requestId, chain);
            }
            chain.pending++;
            if (chain.busy) chain.waiting.addLast(p);
            else start(p, chain);
        }
    }

    /**
     * The records of partitions whose lease this consumer holds, taking the leases it lacks first (an assignment takes
     * them; a partition whose lease another member took is taken back only from an older generation). A partition whose
     * lease cannot be taken is read again in a second; if PostgreSQL does not answer, every record is read again later.
     */
    private List<Pending> leased(List<Pending> admitted, Instant now) throws InterruptedException {
        if (unleased.isEmpty() && retake.isEmpty()) return admitted;
        Set<TopicPartition> fresh = new HashSet<>();
        Set<TopicPartition> back = new HashSet<>();
        for (Pending p : admitted) {
            TopicPartition partition = p.partition();
            if (unleased.contains(partition)) fresh.add(partition);
            else if (retake.contains(partition)) back.add(partition);
        }
        if (fresh.isEmpty() && back.isEmpty()) return admitted;
        Set<TopicPartition> refused = new HashSet<>(back);
        try {
            if (!fresh.isEmpty()) {
                Set<TopicPartition> taken = store.lease(writer(), fresh, OutcomeStore.Take.DEFERRED);
                unleased.removeAll(fresh);
                Set<TopicPartition> notTaken = new HashSet<>(fresh);
                notTaken.removeAll(taken);
                retake.addAll(notTaken); // a newer generation holds it: taken back only from an older one
                refused.addAll(notTaken);
            }
            if (!back.isEmpty()) {
                Set<TopicPartition> taken = store.lease(writer(), back, OutcomeStore.Take.BACK);
                retake.removeAll(taken);
                refused.removeAll(taken);
            }
        } catch (RuntimeException e) {
            readAgain(admitted, e, "cannot take the leases of its partitions");
            return List.of();
        }
        if (refused.isEmpty()) return admitted;
        List<Pending> kept = new ArrayList<>(admitted.size());
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        for (Pending p : admitted) {
            if (refused.contains(p.partition())) first.putIfAbsent(p.partition(), p.offset());
            else kept.add(p);
        }
        first.forEach((partition, offset) -> {
            consumer.seek(partition, offset);
            dueAt.put(
                    partition, now.plusSeconds(1)); // paused: the group is about to move it, or the newer owner has it
        });
        log.warn(
                "{}: another member of a newer generation holds the lease of {} in PostgreSQL; not reading them until "
                        + "the group assigns them again",
                name,
                first.keySet());
        return kept;
    }

    /** This consumer as the group knows it now (its member id and generation or member epoch). */
    private OutcomeStore.Writer writer() {
        if (writer == null) writer = currentWriter();
        return writer;
    }

    private OutcomeStore.Writer currentWriter() {
        ConsumerGroupMetadata group = consumer.groupMetadata();
        return new OutcomeStore.Writer(
                group.groupId(), group.memberId(), group.generationId(), InstanceIdGuard.PROCESS + "/" + name);
    }

    /**
     * The stored outcomes of the records' requestIds, in one query; a requestId this consumer already
     * holds records of is known better here. Then, in one more query, for commands that name an invoice, an
     * earlier command for it that is RETRYING (per-invoice order). If PostgreSQL does not answer, the records
     * are read again later.
     */
    private boolean lookUp(List<Pending> admitted) throws InterruptedException {
        Set<String> unknown = new HashSet<>();
        for (Pending p : admitted) {
            if (!chains.containsKey(p.requestId)) unknown.add(p.requestId); // else the chain knows better
        }
        try {
            Map<String, StoredOutcome> found = store.find(unknown);
            for (Pending p : admitted) p.lookedUp = found.get(p.requestId);
            Map<String, String> invoices = new HashMap<>();
            for (Pending p : admitted) {
                String invoice = CommandProcessor.invoiceOf(p.parsed);
                if (invoice != null) invoices.put(p.requestId, invoice);
            }
            Map<String, OutcomeStore.EarlierCommand> earlier = store.earlierRetrying(invoices);
            for (Pending p : admitted) p.earlier = earlier.get(p.requestId);
            if (unstored.isEmpty())
                storeFailures = 0; // PostgreSQL answers again (a pending write resets it when it lands)
            return true;
        } catch (DataAccessException | TransactionException e) {
            readAgain(admitted, e, "cannot read stored outcomes");
            return false;
        }
    }

    /** PostgreSQL did not answer for these records: they are read again after a backoff. */
    private void readAgain(List<Pending> admitted, RuntimeException e, String what) throws InterruptedException {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        admitted.forEach(p -> first.putIfAbsent(p.partition(), p.offset()));
        first.forEach(consumer::seek);
        long wait = backoff.millis(storeFailures++);
        log.warn("{}: {} ({}); reading {} records again in {} ms", name, what, Causes.chain(e), admitted.size(), wait);
        Thread.sleep(Math.min(wait, 1_000));
    }

    /**
     * Decides a record: at once where no call is needed, else on a virtual thread; past {@code maxCalls} calls in flight,
     * it waits in line (its requestId's chain stays busy), so that a backlog is not turned into parked threads.
     */
    private void start(Pending p, KeyChain chain) {
        chain.busy = true;
        Processed decided = processor.decideWithoutCall(p, chain.latest);
        if (decided != null) {
            p.result = decided;
            finished(p, chain);
            return;
        }
        if (inFlight >= settings.maxCalls()) {
            waitingForCall
                    .computeIfAbsent(p.partition(), line -> new ArrayDeque<>())
                    .addLast(p);
            waitingCount++;
            return;
        }
        call(p);
    }

    /** Starts calls for the records waiting in line, as calls in flight finish (not once stopping). */
    private void callWaiting() {
        while (running && !gate.isHalted() && inFlight < settings.maxCalls() && waitingCount > 0) {
            Pending next = nextWaiting();
            if (next.discarded) {
                finished(next, chains.get(next.requestId)); // frees its chain; nothing of it is kept
            } else {
                call(next);
            }
        }
    }

    /** The first record of the line whose turn it is; that line, if not empty, goes to the back. */
    private Pending nextWaiting() {
        Iterator<Map.Entry<TopicPartition, ArrayDeque<Pending>>> lines =
                waitingForCall.entrySet().iterator();
        Map.Entry<TopicPartition, ArrayDeque<Pending>> turn = lines.next();
        lines.remove();
        Pending next = turn.getValue().pollFirst();
        waitingCount--;
        if (!turn.getValue().isEmpty()) waitingForCall.put(turn.getKey(), turn.getValue());
        return next;
    }

    private void call(Pending p) {
        inFlight++;
        calls.execute(() -> {
            RecordLog.put(p);
            try (RecordTracing.Scope span = tracing.call(p.record.headers(), p.requestId, p.parsed.typeName())) {
                p.result = processor.call(p);
            } catch (InterruptedException e) {
                return; // abandoned at shutdown: nothing of it is committed
            } catch (RuntimeException e) {
                log.error(
                        "{}: calling the API for {} failed: {}; retried like a transient failure",
                        name,
                        p.requestId,
                        Causes.chain(e),
                        e);
                p.result = processor.failed(p, e);
            } finally {
                RecordLog.clear();
            }
            completed.add(p);
        });
    }

    /** Takes the decisions made on worker threads, waiting up to {@code waitMillis} for the first. */
    private void takeCompleted(long waitMillis) throws InterruptedException {
        Pending p = waitMillis > 0 ? completed.poll(waitMillis, TimeUnit.MILLISECONDS) : completed.poll();
        while (p != null) {
            inFlight--;
            finished(p, chains.get(p.requestId));
            p = completed.poll();
        }
        callWaiting();
    }

    private void finished(Pending p, KeyChain chain) {
        chain.busy = false;
        if (!p.discarded) {
            if (p.result.decision() instanceof Decision.Halt halt) {
                halted(p, halt);
            } else if (p.result.provenance() == Processed.Provenance.FRESH) {
                // a refused reuse says nothing of the requestId's own command: what is known of it stays
                if (!CommandProcessor.refusesReuse(p.result)) chain.latest = CommandProcessor.toStored(p);
                unstored.add(p);
            }
        }
        while (!chain.busy && !chain.waiting.isEmpty()) {
            Pending next = chain.waiting.pollFirst();
            if (!next.discarded) start(next, chain);
        }
        if (!chain.busy && chain.pending == 0) chains.remove(p.requestId);
    }

    /** Nothing of the partition from the halted record on is committed; it is read again once intake resumes. */
    private void halted(Pending p, Decision.Halt halt) {
        RecordLog.about(p, () -> gate.halt(halt, p.requestId));
        TopicPartition partition = p.partition();
        discard(partition, p.offset());
        if (consumer.assignment().contains(partition)) consumer.seek(partition, p.offset());
    }

    /** Drops a partition's records from {@code offset} on: their results, whenever they come, are not committed. */
    private void discard(TopicPartition partition, long offset) {
        PartitionWindow window = windows.get(partition);
        if (window == null) return;
        for (Pending dropped : window.discardFrom(offset)) release(dropped);
        if (window.isEmpty()) windows.remove(partition);
    }

    /** A record leaves this consumer (committed or discarded): its requestId's chain ends with its last record. */
    private void release(Pending p) {
        KeyChain chain = chains.get(p.requestId);
        if (chain != null && --chain.pending == 0 && !chain.busy) chains.remove(p.requestId);
    }

    // ------------------------------------------------------------------ PostgreSQL

    /**
     * Group commit: the decisions made since the last write, in one transaction, every store-interval. A write that
     * fails is tried again with backoff; one that fails twice in a row for what it holds ({@link StoreFaults}) is
     * narrowed ({@link #isolate}), so that no record PostgreSQL refuses can hold its partition.
     */
    private void storeDue(boolean now) throws InterruptedException {
        if (unstored.isEmpty()) return;
        long t = System.nanoTime();
        if (t - storeRetryAtNanos < 0) return;
        if (!now
                && unstored.size() < STORE_BATCH
                && t - storedAtNanos < settings.storeInterval().toNanos()) return;
        unstored.removeIf(p -> p.discarded); // dropped (revoked, lost, rewound): not ours to store
        if (unstored.isEmpty()) return;
        try {
            storeFenced(unstored);
            unstored.forEach(p -> p.stored = true);
            unstored.clear();
            storedAtNanos = t;
            storeFailures = 0;
            storeRecordFaults = 0;
        } catch (RuntimeException e) {
            if (StoreFaults.isRecordFault(e) && ++storeRecordFaults >= NARROW_STORE_AFTER) {
                isolate(e);
                return;
            }
            if (!StoreFaults.isRecordFault(e)) storeRecordFaults = 0;
            storeBackoff(t, e);
        }
    }

    /** Writes decisions under this consumer's leases; those of partitions it has lost are not written, but dropped. */
    private void storeFenced(List<Pending> decided) {
        Set<TopicPartition> lost = recorder.store(decided, writer());
        if (!lost.isEmpty()) lostLeases(lost);
    }

    private void storeBackoff(long t, RuntimeException e) {
        long wait = backoff.millis(storeFailures++);
        storeRetryAtNanos = t + TimeUnit.MILLISECONDS.toNanos(wait);
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
                storeBackoff(System.nanoTime(), e);
                return;
            }
        }
        unstored.clear();
        storeFailures = 0;
        storeRecordFaults = 0;
        storedAtNanos = System.nanoTime();
    }

    /** Stores one decision alone; throws only for a failure of the database (its record's own faults are handled). */
    private void storeAlone(Pending p) {
        RuntimeException refusal = null;
        for (int tries = 0; tries < NARROW_STORE_AFTER; tries++) {
            try {
                storeFenced(List.of(p));
                p.stored = true;
                return;
            } catch (RuntimeException e) {
                if (!StoreFaults.isRecordFault(e)) throw e;
                refusal = e;
            }
        }
        refusedByStore(p, refusal);
        try {
            storeFenced(List.of(p));
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
        Processed was = p.result;
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
                        "{}: {}; {} at {}-{}@{} is stored in the minimal form (key and value as bytes, no headers){}",
                        name,
                        reason,
                        p.requestId,
                        p.record.topic(),
                        p.record.partition(),
                        p.offset(),
                        was.decision() instanceof Decision.Complete ? "" : " and dead-lettered as " + STORE_REFUSED));
    }

    /**
     * Another member holds the lease of these partitions in PostgreSQL: the group gave them away while this consumer was
     * not running (a long pause, a frozen process) and it has not polled since. Their decisions were not stored; their
     * records are dropped, nothing of them is committed, and they are read again from what the group committed if they
     * are still assigned here, once their lease is taken back (only from an older generation).
     */
    private void lostLeases(Set<TopicPartition> lost) {
        log.warn(
                "{}: another member of the group now holds {} (its lease in PostgreSQL): this consumer lost them while it "
                        + "was not running; their decisions are dropped, not stored, and nothing of them is committed here",
                name,
                lost);
        for (TopicPartition partition : lost) {
            if (consumer.assignment().contains(partition)) retake.add(partition);
        }
        rewind(lost);
    }

    // ------------------------------------------------------------------ Kafka commit

    private void commit() {
        commitDueNanos = System.nanoTime() + settings.commitInterval().toNanos();
        Map<TopicPartition, List<Pending>> ready = new LinkedHashMap<>();
        windows.forEach((partition, window) -> {
            List<Pending> run = window.committable(Integer.MAX_VALUE);
            if (!run.isEmpty()) ready.put(partition, run);
        });
        if (ready.isEmpty()) return;
        Commits.Result result = commits.commit(ready);
        result.committed().forEach((partition, count) -> {
            PartitionWindow window = windows.get(partition);
            List<Pending> done = ready.get(partition).subList(0, count);
            window.committed(count);
            done.forEach(this::release);
            recorder.count(done);
            if (window.isEmpty()) windows.remove(partition);
        });
        result.refused().forEach(this::refused);
        if (!result.rewind().isEmpty()) rewind(result.rewind());
        if (result.backoff() != null)
            commitDueNanos = System.nanoTime() + result.backoff().toNanos();
    }

    /**
     * Kafka refused the outbound record of one record, on its own, again and again (too large, invalid):
     * it is dead-lettered with the bounded minimum and code {@code OUTBOUND_REFUSED}, the full record kept
     * in PostgreSQL.
     */
    private void refused(Pending p, String reason) {
        Processed was = p.result;
        p.result = new Processed(
                was.record(),
                was.requestId(),
                was.commandType(),
                Processed.Provenance.FRESH,
                new Decision.DeadLetter(0, Outbound.OUTBOUND_REFUSED, reason),
                was.attempts(),
                null,
                clock.instant());
        p.minimalOutbound = true;
        p.stored = false;
        unstored.add(p);
        RecordLog.about(
                p,
                () -> log.error(
                        "{}: Kafka refuses the outbound record of {} at {}-{}@{} ({}); dead-lettering it as {} with key and headers only; "
                                + "the whole record is kept in PostgreSQL (dead_letter)",
                        name,
                        p.requestId,
                        p.record.topic(),
                        p.record.partition(),
                        p.offset(),
                        reason,
                        Outbound.OUTBOUND_REFUSED));
    }

    /**
     * After a commit that may or may not have happened (a fenced or broken producer, a timed-out commit),
     * the partitions are read again from what the group has committed: records the commit did pass are not
     * redelivered, and those it did not replay their stored decisions.
     */
    private void rewind(Set<TopicPartition> partitions) {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = consumer.committed(partitions, Duration.ofSeconds(30));
        } catch (KafkaException e) {
            log.warn(
                    "{}: cannot read the committed offsets ({}); reading from the first uncommitted record",
                    name,
                    Causes.chain(e));
            committed = Map.of();
        }
        for (TopicPartition partition : partitions) {
            PartitionWindow window = windows.get(partition);
            long first = window == null ? -1 : window.firstOffset();
            discard(partition, Long.MIN_VALUE);
            OffsetAndMetadata done = committed.get(partition);
            long from = done != null ? done.offset() : first;
            if (from >= 0 && assigned.contains(partition)) consumer.seek(partition, from);
        }
    }

    // ------------------------------------------------------------------ pauses, metrics, rebalance

    /**
     * Paused: everything while halted, while the API is down (outage breaker open) or while as many records wait for a
     * call as may be in flight; else a retry partition until its next record is due, and any full window.
     */
    private void applyPauses() {
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) return;
        Set<TopicPartition> paused = consumer.paused();
        // halted, the API down, or as many records waiting for a call as may be in flight: polling more would only
        // queue
        if (gate.isHalted() || processor.apiDown() || waitingCount >= settings.maxCalls()) {
            if (paused.size() < assigned.size()) consumer.pause(assigned);
            return;
        }
        Instant now = clock.instant();
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (TopicPartition partition : assigned) {
            Instant due = dueAt.get(partition);
            if (due != null && !due.isAfter(now)) {
                dueAt.remove(partition);
                due = null;
            }
            PartitionWindow window = windows.get(partition);
            boolean wait = due != null
                    || window != null && window.isFull(settings.maxPendingRecords(), settings.maxPendingBytes());
            if (wait && !paused.contains(partition)) pause.add(partition);
            if (!wait && paused.contains(partition)) resume.add(partition);
        }
        if (!pause.isEmpty()) consumer.pause(pause);
        if (!resume.isEmpty()) consumer.resume(resume);
    }

    private boolean hasPending() {
        return !windows.isEmpty();
    }

    private void report() {
        Instant now = clock.instant();
        if (Duration.between(watchReportedAt, now).compareTo(WATCH_EVERY) >= 0) {
            watchReportedAt = now;
            Map<String, Long> waiting = new HashMap<>();
            windows.forEach((partition, window) -> {
                long since = window.oldestAdmittedNanos();
                if (since >= 0) waiting.put(partition.toString(), since);
            });
            gate.waiting(name, waiting);
        }
        if (Duration.between(lagReportedAt, now).compareTo(LAG_EVERY) < 0) return;
        lagReportedAt = now;
        recorder.lag(name, ConsumerLag.byTopic(consumer));
    }

    private void closeQuietly() {
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.debug("{}: closing the consumer failed", name, e);
        }
        commits.close();
    }

    /**
     * Revoked partitions: what is done is committed while the partitions are still ours, the rest is
     * abandoned uncommitted (calls in flight finish, their results dropped) and redelivered to the next
     * owner. Nothing here waits for a call: a rebalance never waits on the API.
     */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            try {
                storeDue(true);
                commit();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn(
                        "{}: committing before giving partitions up failed ({}); they are redelivered",
                        name,
                        Causes.chain(e));
            }
            forget(partitions);
        }

        /** The group gave them to another member while this one was away: nothing of them is stored or committed here. */
        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty())
                log.warn(
                        "{}: partitions lost to the group {} (this consumer was away too long): their uncommitted work is "
                                + "dropped, not stored or committed here",
                        name,
                        partitions);
            forget(partitions);
        }

        /**
         * The partitions' leases are taken now (from whoever held them), before any of their records is read; if
         * PostgreSQL does not answer, before their first records are looked up.
         */
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (gate.isHalted()) consumer.pause(partitions);
            writer = currentWriter();
            unleased.addAll(partitions);
            retake.removeAll(partitions);
            // PostgreSQL failing: not waited for here (a rebalance never waits); taken before the first lookup instead
            if (partitions.isEmpty() || storeFailures > 0) return;
            try {
                store.lease(writer, partitions, OutcomeStore.Take.ASSIGNED);
                unleased.removeAll(partitions);
            } catch (RuntimeException e) {
                log.warn(
                        "{}: cannot take the leases of {} in PostgreSQL now ({}); taken before their first records are read",
                        name,
                        partitions,
                        Causes.chain(e));
            }
        }

        private void forget(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                discard(partition, Long.MIN_VALUE);
                dueAt.remove(partition);
                unleased.remove(partition);
                retake.remove(partition);
            }
        }
    }
}
