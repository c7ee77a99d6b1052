package io.remit.engine;

import io.remit.routing.Decision;
import io.remit.store.StoredOutcome;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Decides admitted records one requestId at a time, in order, with at most {@code maxCalls} API calls in flight. A
 * record that needs a call beyond that waits in its partition's line; the lines are served in turn. Owned by the
 * loop's thread: only the calls run on the executor, and their results come back through {@link #takeCompleted}.
 */
final class CallLine {

    /** How a record is decided: {@link #withoutCall} on the loop's thread, {@link #call} on the executor. */
    interface Decider {
        /** The decision that needs no API call, given what is known of the requestId (null: nothing); null when the API must be called. */
        @Nullable
        Processed withoutCall(Pending p, @Nullable StoredOutcome latest);

        /** Calls the API; a failure of remit itself is a decision too. Throws only when abandoned at shutdown. */
        Processed call(Pending p) throws InterruptedException;
    }

    /** What the line asks and tells of the loop that owns it. */
    interface Owner {
        /** Whether a call may start now (the loop is running and intake is not halted). */
        boolean mayCall();

        /** The API refused remit's credentials for this record. */
        void halted(Pending p, Decision.Halt halt);

        /** A fresh decision, to be stored before its offset is committed. */
        void decided(Pending p);
    }

    /**
     * The records of one requestId on this consumer, decided one at a time, in order, and what is known of
     * the requestId: the stored outcome when the first of them arrived, then each fresh decision made here.
     * It lives while any of its records is uncommitted, so it never lags behind PostgreSQL.
     */
    private static final class KeyChain {
        final ArrayDeque<Pending> waiting = new ArrayDeque<>();
        int pending;
        boolean busy;

        @Nullable
        StoredOutcome latest;

        KeyChain(@Nullable StoredOutcome stored) {
            this.latest = stored;
        }
    }

    private final int maxCalls;
    private final Executor calls;
    private final Decider decider;
    private final Owner owner;
    private final Map<String, KeyChain> chains = new HashMap<>();
    private final LinkedBlockingQueue<Pending> completed = new LinkedBlockingQueue<>();
    /**
     * Per partition, the records that need an API call while {@code maxCalls} are in flight, each line in the order its
     * records became ready; the lines are served in turn, so that one partition's large poll does not hold another
     * partition's records behind it (found by ShutdownUnderLoadIT: a second partition got no call for seconds).
     */
    private final LinkedHashMap<TopicPartition, ArrayDeque<Pending>> waitingForCall = new LinkedHashMap<>();

    private int waitingCount;
    private int inFlight;

    CallLine(int maxCalls, Executor calls, Decider decider, Owner owner) {
        this.maxCalls = maxCalls;
        this.calls = calls;
        this.decider = decider;
        this.owner = owner;
    }

    /** Whether records of this requestId are on the line: what is known of it here is newer than PostgreSQL's. */
    boolean knows(String requestId) {
        return chains.containsKey(requestId);
    }

    /** Takes an admitted record: decided now, or after the records of its requestId before it. */
    void add(Pending p) {
        KeyChain chain = chains.get(p.requestId);
        if (chain == null) {
            chain = new KeyChain(p.lookedUp);
            chains.put(p.requestId, chain);
        }
        chain.pending++;
        if (chain.busy) chain.waiting.addLast(p);
        else start(p, chain);
    }

    int inFlight() {
        return inFlight;
    }

    /** Whether as many records wait for a call as may be in flight: polling more would only queue. */
    boolean isFull() {
        return waitingCount >= maxCalls;
    }

    /**
     * Decides a record: at once where no call is needed, else on the executor; past {@code maxCalls} calls in flight,
     * it waits in line (its requestId's chain stays busy), so that a backlog is not turned into parked threads.
     */
    private void start(Pending p, KeyChain chain) {
        chain.busy = true;
        Processed decided = decider.withoutCall(p, chain.latest);
        if (decided != null) {
            p.result = decided;
            finished(p, chain);
            return;
        }
        if (inFlight >= maxCalls || !owner.mayCall()) { // halted or stopping: no new call; it waits in line
            waitingForCall
                    .computeIfAbsent(p.partition(), line -> new ArrayDeque<>())
                    .addLast(p);
            waitingCount++;
            return;
        }
        call(p);
    }

    /** Starts calls for the records waiting in line, as calls in flight finish (not once stopping or halted). */
    private void callWaiting() {
        while (inFlight < maxCalls && waitingCount > 0 && owner.mayCall()) {
            Pending next = nextWaiting();
            if (next.discarded) {
                finished(next, chainOf(next)); // frees its chain; nothing of it is kept
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
            try {
                p.result = decider.call(p);
            } catch (InterruptedException e) {
                return; // abandoned at shutdown: nothing of it is committed
            }
            completed.add(p);
        });
    }

    /** Takes the decisions the calls came to, waiting up to {@code waitMillis} for the first; then calls those in line. */
    void takeCompleted(long waitMillis) throws InterruptedException {
        Pending p = waitMillis > 0 ? completed.poll(waitMillis, TimeUnit.MILLISECONDS) : completed.poll();
        while (p != null) {
            inFlight--;
            finished(p, chainOf(p));
            p = completed.poll();
        }
        callWaiting();
    }

    /** The chain of a record that is on the line (busy, waiting or in flight): it lives until its last record leaves. */
    private KeyChain chainOf(Pending p) {
        return Objects.requireNonNull(chains.get(p.requestId), "a record on the line keeps its requestId's chain");
    }

    private void finished(Pending p, KeyChain chain) {
        chain.busy = false;
        if (!p.discarded) {
            Processed result = p.decided();
            if (result.decision() instanceof Decision.Halt halt) {
                owner.halted(p, halt);
            } else if (result.provenance() == Processed.Provenance.FRESH) {
                // a record refused aside of its requestId's own command says nothing of that command: what is known of
                // it stays
                if (!CommandProcessor.leavesRow(result)) chain.latest = CommandProcessor.toStored(p);
                owner.decided(p);
            }
        }
        while (!chain.busy && !chain.waiting.isEmpty()) {
            Pending next = chain.waiting.pollFirst();
            if (!next.discarded) start(next, chain);
        }
        if (!chain.busy && chain.pending == 0) chains.remove(p.requestId);
    }

    /** A record leaves this consumer (committed or discarded): its requestId's chain ends with its last record. */
    void release(Pending p) {
        KeyChain chain = chains.get(p.requestId);
        if (chain != null && --chain.pending == 0 && !chain.busy) chains.remove(p.requestId);
    }
}
