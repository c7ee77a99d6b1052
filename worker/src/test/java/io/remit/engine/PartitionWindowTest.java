package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.command.ParsedCommand;
import io.remit.routing.Decision;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The commit point of one partition: the longest run of done records from the head, whatever finishes first. */
class PartitionWindowTest {
    private static final TopicPartition PARTITION = new TopicPartition("c", 0);

    @Test
    void theCommitPointStopsAtTheFirstRecordNotDoneAndMovesWhenItIs() {
        PartitionWindow window = new PartitionWindow(PARTITION);
        List<Pending> records = List.of(pending(10), pending(11), pending(12), pending(14)); // 13: a transaction marker
        records.forEach(window::add);

        decide(records.get(1), true);
        decide(records.get(3), true);
        assertThat(window.committable(100)).as("10 is still in flight").isEmpty();

        decide(records.get(0), true);
        assertThat(offsets(window.committable(100))).containsExactly(10L, 11L);

        decide(records.get(2), false); // decided, not yet in PostgreSQL
        assertThat(offsets(window.committable(100))).containsExactly(10L, 11L);
        records.get(2).stored = true;
        assertThat(offsets(window.committable(100))).containsExactly(10L, 11L, 12L, 14L);
        assertThat(offsets(window.committable(3))).containsExactly(10L, 11L, 12L);

        window.committed(2);
        assertThat(window.firstOffset()).isEqualTo(12);
        assertThat(window.size()).isEqualTo(2);
    }

    @Test
    void aReplayedOrAlreadySucceededDecisionNeedsNoStoreToBeCommitted() {
        PartitionWindow window = new PartitionWindow(PARTITION);
        Pending replayed = pending(5);
        window.add(replayed);
        replayed.result = new Processed(
                replayed.record,
                "k5",
                "invoice.create",
                Processed.Provenance.REPLAYED,
                new Decision.DeadLetter(422, "X", "m"),
                1,
                null,
                Instant.EPOCH);

        assertThat(offsets(window.committable(10))).containsExactly(5L);
    }

    @Test
    void discardingFromAnOffsetDropsThatRecordAndEverythingAfterItAndMarksThem() {
        PartitionWindow window = new PartitionWindow(PARTITION);
        List<Pending> records = List.of(pending(1), pending(2), pending(3));
        records.forEach(window::add);

        List<Pending> dropped = window.discardFrom(2);

        assertThat(offsets(dropped)).containsExactlyInAnyOrder(2L, 3L);
        assertThat(dropped).allMatch(p -> p.discarded);
        assertThat(records.getFirst().discarded).isFalse();
        assertThat(window.size()).isEqualTo(1);
        assertThat(offsets(window.discardFrom(Long.MIN_VALUE))).containsExactly(1L);
        assertThat(window.isEmpty()).isTrue();
    }

    @Test
    void aWindowIsFullByRecordsOrByBytes() {
        PartitionWindow window = new PartitionWindow(PARTITION);
        window.add(pending(1));
        window.add(pending(2));

        assertThat(window.isFull(2, Long.MAX_VALUE)).isTrue();
        assertThat(window.isFull(3, Long.MAX_VALUE)).isFalse();
        assertThat(window.isFull(3, 100))
                .as("two records of 64 bytes' overhead each")
                .isTrue();
        window.committed(1);
        assertThat(window.isFull(2, 100)).isFalse();
    }

    @Test
    void aRecordsHeadersCountTowardsTheBoundOfBytes() {
        PartitionWindow window = new PartitionWindow(PARTITION);
        Pending heavy = pending(1);
        heavy.record.headers().add("x", new byte[1 << 20]); // a megabyte of headers beside an empty value
        window.add(new Pending(heavy.record, heavy.parsed, heavy.requestId, 0));

        assertThat(window.isFull(10, 1 << 20))
                .as("one record, a megabyte of headers")
                .isTrue();
    }

    private static Pending pending(long offset) {
        ConsumerRecord<byte[], byte[]> record =
                new ConsumerRecord<>(PARTITION.topic(), PARTITION.partition(), offset, null, new byte[0]);
        return new Pending(
                record, new ParsedCommand.Invalid("COMMAND_INVALID", "m", "k" + offset, "unknown"), "k" + offset, 0);
    }

    private static void decide(Pending p, boolean stored) {
        p.result = new Processed(
                p.record,
                p.requestId,
                "invoice.create",
                Processed.Provenance.FRESH,
                new Decision.Complete(201, "inv"),
                1,
                null,
                Instant.EPOCH);
        p.stored = stored;
    }

    private static List<Long> offsets(List<Pending> pending) {
        return pending.stream().map(Pending::offset).toList();
    }
}
