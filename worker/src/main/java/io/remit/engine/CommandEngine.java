package io.remit.engine;

import io.remit.Causes;
import io.remit.routing.Decision;
import io.remit.store.OutcomeStore;
import io.remit.store.StoredOutcome;
import io.remit.telemetry.RecordTracing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
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
import org.jspecify.annotations.Nullable;
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
 * windows fill and pause) until it answers; if Kafka refuses a commit, see {@link Commits}. The loop only orchestrates:
 * the calls are the {@link CallLine}'s, the writes to PostgreSQL the {@link DecisionBatcher}'s, the pauses
 * {@link PartitionPauses}'.
 */
final class CommandEngine implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(CommandEngine.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(100);
    private static final Duration BUSY_POLL = Duration.ofMillis(5);
    private static final Duration LAG_EVERY = Duration.ofSeconds(2);
    private static final Duration WATCH_EVERY = Duration.ofSeconds(1);

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
    private final LongSupplier ticker;
    private final Commits commits;
    private final RecordTracing tracing;
    private final Backoff backoff = new Backoff(100, 2, 30_000, 0.2);

    private final Map<TopicPartition, PartitionWindow> windows = new HashMap<>();
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private final CallLine line;
    private final DecisionBatcher batcher;
    private final PartitionPauses pauses;

    /**
     * This consumer as the group knows it, as of its last assignment: whose lease its writes to PostgreSQL hold. Partitions
     * assigned but not yet leased take their lease before their stored outcomes are read; partitions whose lease another
     * member took are taken back only from an older generation ({@code retake}).
     */
    private OutcomeStore.@Nullable Writer writer;

    private final Set<TopicPartition> unleased = new HashSet<>();
    private final Set<TopicPartition> retake = new HashSet<>();

    /** Reads of PostgreSQL (lookups, leases) failed in a row: the backoff before the records are read again. */
    private long readFailures;

    /**
     * Per partition, since when its records have been polled and read again because PostgreSQL did not answer their
     * lookup: they are held uncommitted as surely as records in a window, and the oldest age says so
     * ({@code RemitPartitionNotCommitting} fires on it when PostgreSQL stops answering before any record is admitted).
     */
    private final Map<TopicPartition, Long> readAgainSince = new HashMap<>();

    private long commitDueNanos;
    private Instant lagReportedAt = Instant.EPOCH;
    private Instant watchReportedAt = Instant.EPOCH;
    private volatile boolean running = true;

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
            LongSupplier ticker,
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
        this.ticker = ticker;
        this.commits =
                new Commits(name, consumer, producers, outbound, settings.maxRecordsPerCommit(), recorder, tracing);
        Calls decider = new Calls();
        this.line = new CallLine(settings.maxCalls(), calls, decider, decider);
        this.batcher = new DecisionBatcher(name, this::storeFenced, settings.storeInterval(), backoff, ticker);
        this.pauses = new PartitionPauses(settings.maxPendingRecords(), settings.maxPendingBytes(), clock);
        this.commitDueNanos = ticker.getAsLong();
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
            records = consumer.poll(
                    line.inFlight() > 0 || !batcher.isEmpty() || !windows.isEmpty() ? BUSY_POLL : IDLE_POLL);
        } catch (WakeupException e) {
            return;
        }
        if (!records.isEmpty()) admit(records);
        line.takeCompleted(0);
        batcher.storeDue(false);
        if (ticker.getAsLong() - commitDueNanos >= 0) commit();
        report();
    }

    /**
     * After {@link #stop}: lets the calls in flight finish within the shutdown timeout, then stores and
     * commits what is done. Whatever is still running is abandoned uncommitted (redelivered to the next owner).
     */
    private void drain() throws InterruptedException {
        long deadline = ticker.getAsLong() + settings.shutdownTimeout().toNanos();
        while (line.inFlight() > 0 && ticker.getAsLong() < deadline) {
            line.takeCompleted(TimeUnit.NANOSECONDS.toMillis(deadline - ticker.getAsLong()));
            batcher.storeDue(false);
        }
        batcher.storeDue(true);
        commit();
        if (line.inFlight() > 0)
            log.warn(
                    "{}: {} API call(s) still running at shutdown; their records are left uncommitted",
                    name,
                    line.inFlight());
    }

    private void admit(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        Instant now = clock.instant();
        long nowNanos = ticker.getAsLong();
        List<Pending> admitted = new ArrayList<>(records.count());
        for (TopicPartition partition : records.partitions()) {
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                Instant due = dueTime.of(record, now);
                if (due != null && due.isAfter(now)) {
                    consumer.seek(partition, record.offset());
                    pauses.waitUntil(partition, due);
                    break;
                }
                admitted.add(processor.admit(record, nowNanos));
            }
        }
        if (admitted.isEmpty()) return;
        admitted = leased(admitted, now);
        if (admitted.isEmpty() || !lookUp(admitted)) return;
        for (Pending p : admitted) {
            readAgainSince.remove(p.partition()); // admitted: its window says how long they are held
            windows.computeIfAbsent(p.partition(), PartitionWindow::new).add(p);
            line.add(p);
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
            // paused: the group is about to move it, or the newer owner has it (not held here: not ours to commit)
            pauses.waitUntil(partition, now.plusSeconds(1));
            readAgainSince.remove(partition);
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
            if (!line.knows(p.requestId)) unknown.add(p.requestId); // else the line knows better
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
            readFailures = 0; // PostgreSQL answers reads again (a failing write keeps its own backoff)
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
        admitted.forEach(p -> readAgainSince.putIfAbsent(p.partition(), p.admittedAtNanos));
        long wait = backoff.millis(readFailures++);
        log.warn("{}: {} ({}); reading {} records again in {} ms", name, what, Causes.chain(e), admitted.size(), wait);
        Thread.sleep(Math.min(wait, 1_000));
    }

    /** Drops a partition's records from {@code offset} on: their results, whenever they come, are not committed. */
    private void discard(TopicPartition partition, long offset) {
        PartitionWindow window = windows.get(partition);
        if (window == null) return;
        for (Pending dropped : window.discardFrom(offset)) line.release(dropped);
        if (window.isEmpty()) windows.remove(partition);
    }

    /** Writes decisions under this consumer's leases; those of partitions it has lost are not written, but dropped. */
    private void storeFenced(List<Pending> decided) {
        Set<TopicPartition> lost = recorder.store(decided, writer());
        if (!lost.isEmpty()) lostLeases(lost);
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
            readAgainSince.remove(partition);
        }
        rewind(lost);
    }

    private void commit() {
        commitDueNanos = ticker.getAsLong() + settings.commitInterval().toNanos();
        Map<TopicPartition, List<Pending>> ready = new LinkedHashMap<>();
        windows.forEach((partition, window) -> {
            List<Pending> run = window.committable(Integer.MAX_VALUE);
            if (!run.isEmpty()) ready.put(partition, run);
        });
        if (ready.isEmpty()) return;
        Commits.Result result = commits.commit(ready);
        result.committed().forEach((partition, count) -> {
            // a commit only counts the partitions it was offered, and nothing between offering and counting drops one
            PartitionWindow window =
                    Objects.requireNonNull(windows.get(partition), "a committed partition has its window");
            List<Pending> done = Objects.requireNonNull(ready.get(partition), "committed from what was ready")
                    .subList(0, count);
            window.committed(count);
            done.forEach(line::release);
            recorder.count(done);
            if (window.isEmpty()) windows.remove(partition);
        });
        result.refused().forEach(this::refused);
        if (!result.rewind().isEmpty()) rewind(result.rewind());
        if (result.backoff() != null)
            commitDueNanos = ticker.getAsLong() + result.backoff().toNanos();
    }

    /**
     * Kafka refused the outbound record of one record, on its own, again and again (too large, invalid):
     * it is dead-lettered with the bounded minimum and code {@code OUTBOUND_REFUSED}, the full record kept
     * in PostgreSQL.
     */
    private void refused(Pending p, String reason) {
        Processed was = p.decided();
        if (!was.provenance().produces()) {
            // it has no record Kafka could refuse, only its offset: nothing of it is the cause, and a dead letter of it
            // would stand beside a command that succeeded or is being retried; it is committed as it is, when Kafka can
            p.minimalOutbound = true; // never judged refused again: a failure of its transaction is Kafka's
            log.warn(
                    "{}: a transaction holding only the offset of {} at {} failed ({}); it is tried again as it is",
                    name,
                    p.requestId,
                    p.at(),
                    reason);
            return;
        }
        if (was.decision() instanceof Decision.Complete c) {
            succeededWithoutAnswer(p, was, c, reason);
            return;
        }
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
        batcher.add(p);
        RecordLog.about(
                p,
                () -> log.error(
                        "{}: Kafka refuses the outbound record of {} at {} ({}); dead-lettering it as {} with key and headers only; "
                                + "the whole record is kept in PostgreSQL (dead_letter)",
                        name,
                        p.requestId,
                        p.at(),
                        reason,
                        Outbound.OUTBOUND_REFUSED));
    }

    /**
     * A success whose outcome event Kafka refused (an answer larger than the outcomes topic takes, say): the payment
     * was made, so it stays a success, never a dead letter. Its event goes without the API's answer, which its row keeps
     * (stored already: the decision is replayed, not stored again).
     */
    private void succeededWithoutAnswer(Pending p, Processed was, Decision.Complete c, String reason) {
        p.result = new Processed(
                was.record(),
                was.requestId(),
                was.commandType(),
                Processed.Provenance.REPLAYED,
                new Decision.Complete(c.status(), c.resourceId(), null),
                was.attempts(),
                null,
                was.decidedAt());
        p.minimalOutbound = true;
        RecordLog.about(
                p,
                () -> log.error(
                        "{}: Kafka refuses the outcome event of {} at {} ({}), a success; it goes without the API's "
                                + "answer, which command_outcome.response keeps",
                        name,
                        p.requestId,
                        p.at(),
                        reason));
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

    /**
     * Paused: everything while halted, while the API is down (outage breaker open) or while as many records wait for a
     * call as may be in flight; else a retry partition until its next record is due, and any full window.
     */
    private void applyPauses() {
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) return;
        boolean holdAll = gate.isHalted() || processor.apiDown() || line.isFull();
        PartitionPauses.Plan plan = pauses.plan(assigned, consumer.paused(), windows, holdAll);
        if (!plan.pause().isEmpty()) consumer.pause(plan.pause());
        if (!plan.resume().isEmpty()) consumer.resume(plan.resume());
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
            readAgainSince.forEach((partition, since) -> waiting.merge(partition.toString(), since, Math::min));
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
                batcher.storeDue(true);
                commit();
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
            // PostgreSQL failing, for reads or writes (either says it may not answer): not waited for here (a rebalance
            // never waits); taken before the first lookup instead
            if (partitions.isEmpty() || readFailures > 0 || batcher.isFailing()) return;
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
                pauses.forget(partition);
                readAgainSince.remove(partition);
                unleased.remove(partition);
                retake.remove(partition);
            }
        }
    }

    /** How the call line decides a record, and what it tells the loop. */
    private final class Calls implements CallLine.Decider, CallLine.Owner {
        @Override
        public @Nullable Processed withoutCall(Pending p, @Nullable StoredOutcome latest) {
            return processor.decideWithoutCall(p, latest);
        }

        @Override
        public Processed call(Pending p) throws InterruptedException {
            RecordLog.put(p);
            try (RecordTracing.Scope span = tracing.call(p.record.headers(), p.requestId, p.parsed.typeName())) {
                return processor.call(p);
            } catch (RuntimeException | Error e) { // an Error too: the call's slot and its chain must be freed
                if (running || e instanceof Error) {
                    log.error(
                            "{}: calling the API for {} failed: {}; retried like a transient failure",
                            name,
                            p.requestId,
                            Causes.chain(e),
                            e);
                } else { // the HTTP client is closed under the calls still running at shutdown (one waiting for a
                    // pooled connection is cancelled): no failure of the call, and the shutdown said what it leaves
                    log.info(
                            "{}: the API call for {} ended with the shutdown ({}); its record is left uncommitted",
                            name,
                            p.requestId,
                            Causes.chain(e));
                }
                return processor.failed(p, e);
            } finally {
                RecordLog.clear();
            }
        }

        @Override
        public boolean mayCall() {
            return running && !gate.isHalted();
        }

        /** Nothing of the partition from the halted record on is committed; it is read again once intake resumes. */
        @Override
        public void halted(Pending p, Decision.Halt halt) {
            RecordLog.about(p, () -> gate.halt(halt, p.requestId));
            TopicPartition partition = p.partition();
            discard(partition, p.offset());
            if (consumer.assignment().contains(partition)) consumer.seek(partition, p.offset());
        }

        @Override
        public void decided(Pending p) {
            batcher.add(p);
        }
    }
}
