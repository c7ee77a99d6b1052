package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.command.ParsedCommand;
import io.remit.routing.CodeRetries;
import io.remit.routing.Decision;
import java.nio.charset.StandardCharsets;
import java.sql.BatchUpdateException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

/**
 * Group commit with a ticker the test moves: a write goes when the interval has passed or a batch is full, a failed
 * one waits out its backoff, and a write refused for what it holds is narrowed to the record PostgreSQL refuses.
 */
class DecisionBatcherTest {
    private static final Duration INTERVAL = Duration.ofMillis(10);

    private final FakeWrites writes = new FakeWrites();
    private long now = 1_000_000_000L;
    private final DecisionBatcher batcher =
            new DecisionBatcher("consumer-0", writes, INTERVAL, new Backoff(100, 2, 30_000, 0), () -> now);

    @Test
    void decisionsAreWrittenTogetherOnceTheIntervalHasPassed() {
        Pending a = pending(0, new Decision.Complete(201, "inv"));
        Pending b = pending(1, new Decision.Complete(201, "inv"));
        batcher.add(a);
        batcher.add(b);

        batcher.storeDue(false);
        assertThat(writes.tried).isEmpty();

        advance(Duration.ofMillis(10));
        batcher.storeDue(false);

        assertThat(writes.tried).containsExactly(List.of(a, b));
        assertThat(a.stored && b.stored).isTrue();
        assertThat(batcher.isEmpty()).isTrue();
    }

    @Test
    void aFullBatchIsWrittenBeforeTheIntervalAndNowWritesWhatWaits() {
        List<Pending> batch = IntStream.range(0, DecisionBatcher.STORE_BATCH)
                .mapToObj(i -> pending(i, new Decision.Complete(201, "inv")))
                .toList();
        batch.forEach(batcher::add);

        batcher.storeDue(false);
        assertThat(writes.tried).hasSize(1);

        Pending one = pending(5_000, new Decision.Complete(201, "inv"));
        batcher.add(one);
        batcher.storeDue(false);
        assertThat(writes.tried).hasSize(1);
        batcher.storeDue(true);
        assertThat(writes.tried).hasSize(2).last().isEqualTo(List.of(one));
    }

    @Test
    void aDiscardedDecisionIsNotWritten() {
        Pending kept = pending(0, new Decision.Complete(201, "inv"));
        Pending dropped = pending(1, new Decision.Complete(201, "inv"));
        batcher.add(kept);
        batcher.add(dropped);
        dropped.discarded = true;

        batcher.storeDue(true);

        assertThat(writes.tried).containsExactly(List.of(kept));
    }

    @Test
    void aFailedWriteWaitsOutABackoffThatGrowsWithTheWriteFailuresAndEndsWithASuccess() {
        Pending p = pending(0, new Decision.Complete(201, "inv"));
        batcher.add(p);
        writes.down = new CannotGetJdbcConnectionException("pool", new SQLTransientConnectionException("timeout"));

        batcher.storeDue(true);
        assertThat(batcher.isFailing()).isTrue();
        advance(Duration.ofMillis(99));
        batcher.storeDue(true);
        assertThat(writes.tried).as("within the first backoff").hasSize(1);
        advance(Duration.ofMillis(1));
        batcher.storeDue(true);
        assertThat(writes.tried).hasSize(2);
        advance(Duration.ofMillis(199));
        batcher.storeDue(true);
        assertThat(writes.tried).as("the second backoff is twice the first").hasSize(2);
        advance(Duration.ofMillis(1));
        writes.down = null;
        batcher.storeDue(true);

        assertThat(writes.tried).hasSize(3);
        assertThat(p.stored).isTrue();
        assertThat(batcher.isFailing()).isFalse();

        Pending next = pending(1, new Decision.Complete(201, "inv"));
        batcher.add(next);
        writes.down = new CannotGetJdbcConnectionException("pool", new SQLTransientConnectionException("timeout"));
        batcher.storeDue(true);
        advance(Duration.ofMillis(100));
        batcher.storeDue(true);
        assertThat(writes.tried)
                .as("a success resets the backoff: the next failure waits the first one again")
                .hasSize(5);
    }

    @Test
    void aWriteRefusedTwiceForWhatItHoldsIsNarrowedAndTheRecordPostgresqlRefusesIsDeadLetteredInTheMinimalForm() {
        Pending before = pending(0, new Decision.Complete(201, "inv"));
        Pending bad = pending(
                1, new Decision.Retry(null, Instant.EPOCH, 2, 0, CodeRetries.NONE, null, 503, "UPSTREAM", "down"));
        Pending after = pending(2, new Decision.DeadLetter(422, "INVALID", "no"));
        writes.refused.add(bad);
        List.of(before, bad, after).forEach(batcher::add);

        batcher.storeDue(true);
        assertThat(writes.tried).hasSize(1);
        assertThat(bad.storeRefused).as("refused once: tried again as a group").isNull();

        advance(Duration.ofMillis(100));
        batcher.storeDue(true);

        assertThat(writes.tried)
                .containsExactly(
                        List.of(before, bad, after),
                        List.of(before, bad, after),
                        List.of(before),
                        List.of(bad),
                        List.of(bad),
                        List.of(bad),
                        List.of(after));
        assertThat(bad.storeRefused).startsWith("PostgreSQL refused this record's rows: invalid byte sequence");
        assertThat(bad.result.decision()).isInstanceOfSatisfying(Decision.DeadLetter.class, d -> {
            assertThat(d.code()).isEqualTo(DecisionBatcher.STORE_REFUSED);
            assertThat(d.message()).contains("it was to be retried after UPSTREAM (attempt 1)");
        });
        assertThat(List.of(before, bad, after)).allMatch(p -> p.stored);
        assertThat(before.storeRefused).isNull();
        assertThat(after.storeRefused).isNull();
        assertThat(batcher.isEmpty()).isTrue();
        assertThat(batcher.isFailing()).isFalse();
    }

    @Test
    void aSuccessPostgresqlRefusesStaysASuccessInTheMinimalForm() {
        Pending bad = pending(0, new Decision.Complete(201, "inv"));
        writes.refused.add(bad);
        batcher.add(bad);

        batcher.storeDue(true);
        advance(Duration.ofMillis(100));
        batcher.storeDue(true);

        assertThat(bad.storeRefused).isNotNull();
        assertThat(bad.result.decision()).isInstanceOf(Decision.Complete.class);
        assertThat(bad.stored).isTrue();
    }

    @Test
    void theDatabaseFailingWhileNarrowingStopsItAndWhatIsLeftWaits() {
        Pending before = pending(0, new Decision.Complete(201, "inv"));
        Pending bad = pending(1, new Decision.Complete(201, "inv"));
        Pending after = pending(2, new Decision.Complete(201, "inv"));
        writes.refused.add(bad);
        List.of(before, bad, after).forEach(batcher::add);
        batcher.storeDue(true);
        advance(Duration.ofMillis(100));
        writes.downAfter = 3; // the group, the group again, then `before` alone: then the database goes

        batcher.storeDue(true);

        assertThat(before.stored).isTrue();
        assertThat(bad.stored || after.stored).isFalse();
        assertThat(batcher.isFailing()).isTrue();
        writes.downAfter = Integer.MAX_VALUE;
        writes.down = null;
        advance(Duration.ofMillis(200)); // the second failure in a row
        batcher.storeDue(true);
        assertThat(writes.tried.getLast())
                .as("what was left, narrowed at once: its faults were counted")
                .isEqualTo(List.of(after));
        assertThat(bad.stored && after.stored).isTrue();
    }

    private void advance(Duration by) {
        now += by.toNanos();
    }

    private static Pending pending(long offset, Decision decision) {
        String key = "k" + offset;
        ConsumerRecord<byte[], byte[]> record =
                new ConsumerRecord<>("c", 0, offset, key.getBytes(StandardCharsets.UTF_8), new byte[0]);
        Pending p =
                new Pending(record, new ParsedCommand.Invalid("COMMAND_INVALID", "m", key, "invoice.create"), key, 0);
        p.result = new Processed(
                record, key, "invoice.create", Processed.Provenance.FRESH, decision, 1, null, Instant.EPOCH);
        return p;
    }

    /** PostgreSQL: refuses a write holding a chosen record in its full form, or every write while it is down. */
    private static final class FakeWrites implements DecisionBatcher.Writes {
        final List<List<Pending>> tried = new ArrayList<>();
        final Set<Pending> refused = new HashSet<>();
        RuntimeException down;
        int downAfter = Integer.MAX_VALUE;

        @Override
        public void store(List<Pending> decided) {
            tried.add(List.copyOf(decided));
            if (tried.size() > downAfter)
                down = new CannotGetJdbcConnectionException("pool", new SQLTransientConnectionException("gone"));
            if (down != null) throw down;
            if (decided.stream().anyMatch(p -> refused.contains(p) && p.storeRefused == null))
                throw new DataIntegrityViolationException(
                        "refused",
                        new BatchUpdateException("invalid byte sequence for encoding", "22021", 0, new int[0], null));
        }
    }
}
