package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.command.ParsedCommand;
import io.remit.routing.Decision;
import io.remit.store.OutcomeStatus;
import io.remit.store.StoredOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The call line on a held executor: a call runs only when the test lets it, so order, the in-flight bound and the
 * turns of the partitions' lines are seen step by step, without threads.
 */
class CallLineTest {
    private static final TopicPartition P0 = new TopicPartition("c", 0);
    private static final TopicPartition P1 = new TopicPartition("c", 1);

    private final HeldCalls executor = new HeldCalls();
    private final FakeDecider decider = new FakeDecider();
    private final FakeOwner owner = new FakeOwner();

    @Test
    void theSecondRecordOfARequestIdWaitsForTheFirstAndIsDecidedKnowingItsOutcome() throws InterruptedException {
        CallLine line = new CallLine(4, executor, decider, owner);
        Pending first = pending(P0, 0, "k");
        Pending second = pending(P1, 0, "k");

        line.add(first);
        line.add(second);

        assertThat(line.inFlight()).as("one call per requestId at a time").isEqualTo(1);
        executor.runNext();
        assertThat(decider.called).containsExactly(first);
        assertThat(executor.held)
                .as("the second waits for the first's decision")
                .isEmpty();

        line.takeCompleted(0);
        executor.runNext();

        assertThat(owner.decided).containsExactly(first);
        assertThat(decider.called).containsExactly(first, second);
        assertThat(decider.latest.get(second))
                .as("what the first record's call came to, not what PostgreSQL held before")
                .extracting(StoredOutcome::status)
                .isEqualTo(OutcomeStatus.SUCCEEDED);
    }

    @Test
    void aRecordThatNeedsNoCallIsDecidedAtOnceAndFreesItsRequestIdForTheNext() {
        CallLine line = new CallLine(4, executor, decider, owner);
        Pending replayed = pending(P0, 0, "k");
        Pending next = pending(P0, 1, "k");
        decider.withoutCall.add(replayed);

        line.add(replayed);
        line.add(next);

        assertThat(owner.decided).containsExactly(replayed);
        assertThat(line.inFlight()).isEqualTo(1);
        executor.runNext();
        assertThat(decider.called).containsExactly(next);
    }

    @Test
    void noMoreThanMaxCallsAreInFlightAndOneStartsAsOneFinishes() throws InterruptedException {
        CallLine line = new CallLine(2, executor, decider, owner);
        List<Pending> records = List.of(pending(P0, 0, "a"), pending(P0, 1, "b"), pending(P0, 2, "c"));

        records.forEach(line::add);

        assertThat(line.inFlight()).isEqualTo(2);
        assertThat(executor.held).hasSize(2);
        assertThat(line.isFull()).as("one waits; the line is full at two").isFalse();
        line.add(pending(P0, 3, "d"));
        assertThat(line.isFull()).as("as many wait as may be in flight").isTrue();

        executor.runNext();
        line.takeCompleted(0);

        assertThat(line.inFlight()).isEqualTo(2);
        assertThat(executor.held).hasSize(2);
        executor.runNext();
        executor.runNext();
        assertThat(decider.called).containsExactly(records.get(0), records.get(1), records.get(2));
        assertThat(line.isFull()).isFalse();
    }

    @Test
    void theLinesOfThePartitionsAreServedInTurn() throws InterruptedException {
        CallLine line = new CallLine(1, executor, decider, owner);
        List.of(
                        pending(P0, 0, "c0"),
                        pending(P0, 1, "c1"),
                        pending(P0, 2, "c2"),
                        pending(P0, 3, "c3"),
                        pending(P1, 0, "d0"),
                        pending(P1, 1, "d1"))
                .forEach(line::add);

        while (executor.runNext()) line.takeCompleted(0);

        assertThat(decider.called)
                .extracting(p -> p.requestId)
                .as("partition 1's records do not wait for all of partition 0's")
                .containsExactly("c0", "c1", "d0", "c2", "d1", "c3");
    }

    @Test
    void aDiscardedRecordWaitingForACallIsNotCalledAndFreesItsRequestId() throws InterruptedException {
        CallLine line = new CallLine(1, executor, decider, owner);
        Pending inFlight = pending(P0, 0, "a");
        Pending waiting = pending(P1, 0, "b");
        line.add(inFlight);
        line.add(waiting);

        waiting.discarded = true; // its partition was revoked
        line.release(waiting);
        executor.runNext();
        line.takeCompleted(0);

        assertThat(decider.called).containsExactly(inFlight);
        assertThat(line.knows("b")).isFalse();
        assertThat(owner.decided).containsExactly(inFlight);
        assertThat(line.knows("a")).as("until its record is committed").isTrue();
        line.release(inFlight);
        assertThat(line.knows("a")).isFalse();
    }

    @Test
    void aDiscardedRecordBehindItsRequestIdIsDroppedAndTheResultOfADiscardedCallIsNotKept()
            throws InterruptedException {
        CallLine line = new CallLine(4, executor, decider, owner);
        Pending first = pending(P0, 0, "k");
        Pending second = pending(P0, 1, "k");
        line.add(first);
        line.add(second);

        for (Pending p : List.of(first, second)) {
            p.discarded = true; // a rewind drops both
            line.release(p);
        }
        executor.runNext();
        line.takeCompleted(0);

        assertThat(decider.called).containsExactly(first);
        assertThat(owner.decided).isEmpty();
        assertThat(line.knows("k")).isFalse();
        assertThat(line.inFlight()).isZero();
    }

    @Test
    void aHaltIsToldToTheOwnerAndNotStoredAndNoWaitingCallStartsWhileHalted() throws InterruptedException {
        CallLine line = new CallLine(1, executor, decider, owner);
        Pending halting = pending(P0, 0, "h");
        Pending waiting = pending(P1, 0, "w");
        decider.halts.add(halting);
        line.add(halting);
        line.add(waiting);

        executor.runNext();
        line.takeCompleted(0);

        assertThat(owner.halted).containsExactly(halting);
        assertThat(owner.decided).isEmpty();
        assertThat(decider.called)
                .as("intake is halted: the waiting record keeps its place")
                .containsExactly(halting);

        owner.halt = false;
        line.takeCompleted(0);
        executor.runNext();
        assertThat(decider.called).containsExactly(halting, waiting);
    }

    @Test
    void whileCallsAreNotAllowedTheNextRecordOfARequestIdWaitsInLineInsteadOfBeingCalled() throws InterruptedException {
        CallLine line = new CallLine(4, executor, decider, owner);
        Pending first = pending(P0, 0, "k");
        Pending next = pending(P0, 1, "k");
        line.add(first);
        line.add(next);
        executor.runNext();

        owner.halt = true; // halted (another partition's call was refused) or stopping, while the first was in flight
        line.takeCompleted(0);

        assertThat(owner.decided).containsExactly(first);
        assertThat(executor.held)
                .as("no call starts while calls are not allowed")
                .isEmpty();
        assertThat(line.inFlight()).isZero();

        owner.halt = false;
        line.takeCompleted(0);
        executor.runNext();
        assertThat(decider.called).containsExactly(first, next);
    }

    @Test
    void onASynchronousExecutorACallIsDoneByTheNextTake() throws InterruptedException {
        CallLine line = new CallLine(1, Runnable::run, decider, owner);
        Pending p = pending(P0, 0, "k");

        line.add(p);
        assertThat(line.inFlight()).isEqualTo(1);
        line.takeCompleted(0);

        assertThat(line.inFlight()).isZero();
        assertThat(owner.decided).containsExactly(p);
    }

    private static Pending pending(TopicPartition partition, long offset, String requestId) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(
                partition.topic(),
                partition.partition(),
                offset,
                requestId.getBytes(StandardCharsets.UTF_8),
                new byte[0]);
        return new Pending(
                record, new ParsedCommand.Invalid("COMMAND_INVALID", "m", requestId, "invoice.create"), requestId, 0);
    }

    private static Processed decision(Pending p, Decision decision) {
        return new Processed(
                p.record, p.requestId, "invoice.create", Processed.Provenance.FRESH, decision, 1, null, Instant.EPOCH);
    }

    /** Holds each call until the test runs it. */
    private static final class HeldCalls implements Executor {
        final ArrayDeque<Runnable> held = new ArrayDeque<>();

        @Override
        public void execute(Runnable call) {
            held.addLast(call);
        }

        boolean runNext() {
            Runnable next = held.pollFirst();
            if (next == null) return false;
            next.run();
            return true;
        }
    }

    /** Every call succeeds, but those chosen to halt; the chosen records need no call. */
    private static final class FakeDecider implements CallLine.Decider {
        final List<Pending> called = new ArrayList<>();
        final Set<Pending> withoutCall = new HashSet<>();
        final Set<Pending> halts = new HashSet<>();
        final Map<Pending, StoredOutcome> latest = new HashMap<>();

        @Override
        public Processed withoutCall(Pending p, StoredOutcome known) {
            latest.put(p, known);
            return withoutCall.contains(p) ? decision(p, new Decision.Complete(201, "inv")) : null;
        }

        @Override
        public Processed call(Pending p) {
            called.add(p);
            return decision(
                    p,
                    halts.contains(p)
                            ? new Decision.Halt(401, "UNAUTHORIZED", "invalid API key")
                            : new Decision.Complete(201, "inv"));
        }
    }

    private static final class FakeOwner implements CallLine.Owner {
        final List<Pending> decided = new ArrayList<>();
        final List<Pending> halted = new ArrayList<>();
        boolean halt;

        @Override
        public boolean mayCall() {
            return !halt;
        }

        @Override
        public void halted(Pending p, Decision.Halt reason) {
            halted.add(p);
            halt = true;
        }

        @Override
        public void decided(Pending p) {
            decided.add(p);
        }
    }
}
