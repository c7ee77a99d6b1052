package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remit.api.ApiClient;
import io.remit.api.Outcome;
import io.remit.command.Command;
import io.remit.routing.OutboundRecords;
import io.remit.routing.OutcomeRouter;
import io.remit.routing.RetryLadder;
import io.remit.routing.RetryProperties;
import io.remit.routing.TopicsProperties;
import io.remit.store.AttemptRecord;
import io.remit.store.OutcomeStatus;
import io.remit.store.OutcomeStore;
import io.remit.store.StoredOutcome;
import io.remit.telemetry.RecordTracing;
import io.remit.telemetry.RemitMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * One consumer's loop, end to end on MockConsumer and a transactional MockProducer, with PostgreSQL and the API
 * faked in memory: records flow, a slow call holds back only its own partition, a halt cuts its partition at the
 * halted record, a revocation commits what is done without waiting for a call, and the call line bounds the calls
 * in flight.
 */
class CommandEngineTest {
    private static final String COMMANDS = "remit.commands";
    private static final String DLQ = "remit.commands.dlq";
    private static final String OUTCOMES = "remit.outcomes";
    private static final TopicPartition P0 = new TopicPartition(COMMANDS, 0);
    private static final TopicPartition P1 = new TopicPartition(COMMANDS, 1);
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final Duration COMMIT_OFTEN = Duration.ofMillis(20);
    /** Only a revocation (or the drain at stop) commits: the first commit point of the loop finds nothing done. */
    private static final Duration COMMIT_NEVER = Duration.ofHours(1);

    private static final TopicsProperties TOPICS =
            new TopicsProperties(COMMANDS, DLQ, 2, (short) 1, true, Duration.ofDays(30), OUTCOMES, true);
    private static final RetryLadder LADDER = new RetryLadder(
            TOPICS, new RetryProperties(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), 0.1, Map.of()));

    private final PacedConsumer consumer = new PacedConsumer();
    private final Producers producers = new Producers();
    private final FakeApi api = new FakeApi();
    private final InMemoryStore store = new InMemoryStore();
    private final List<Object> events = new CopyOnWriteArrayList<>();
    private final IntakeGate gate = new IntakeGate(events::add);
    /** Per partition, the requestId of the record written at each offset. */
    private final Map<TopicPartition, Map<Long, String>> written = new ConcurrentHashMap<>();

    private CommandEngine engine;
    private Thread thread;

    @AfterEach
    void stopTheEngine() throws InterruptedException {
        api.releaseAll();
        stop();
        assertThat(events)
                .as("the loop never died")
                .noneMatch(event -> event instanceof AvailabilityChangeEvent<?> change
                        && change.getState() == LivenessState.BROKEN);
    }

    // ------------------------------------------------------------------ 1. records flow

    @Test
    void recordsOfTwoPartitionsAreDecidedStoredAndCommittedWithTheirOutcomeEventsInKafkaTransactions() {
        start(settings(16, COMMIT_OFTEN), P0, P1);

        deliver(command(P0, 0, "a0"), command(P0, 1, "a1"), command(P1, 0, "b0"), command(P1, 1, "b1"));

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(committed(P0)).isEqualTo(2);
            assertThat(committed(P1)).isEqualTo(2);
        });
        assertThat(api.sent).containsExactlyInAnyOrder("a0", "a1", "b0", "b1");
        assertThat(outcomeEvents()).containsExactlyInAnyOrder("a0", "a1", "b0", "b1");
        assertThat(producers.history())
                .as("nothing but outcome events: every command succeeded")
                .allMatch(record -> record.topic().equals(OUTCOMES))
                .allMatch(record -> value(record).contains("\"status\":\"SUCCEEDED\""));
        assertThat(store.rows).containsOnlyKeys("a0", "a1", "b0", "b1");
        assertStored("a0", P0, 0);
        assertStored("a1", P0, 1);
        assertStored("b0", P1, 0);
        assertStored("b1", P1, 1);
        assertThat(store.rows.get("b1").resourceId()).isEqualTo("inv_b1");
        assertThat(store.attempts)
                .extracting(AttemptRecord::requestId)
                .containsExactlyInAnyOrder("a0", "a1", "b0", "b1");
        assertThat(store.attempts).allMatch(attempt -> attempt.attempt() == 1 && attempt.httpStatus() == 201);
        assertEachTransactionProducesTheOutcomeEventsOfTheRecordsItPasses();
    }

    // ------------------------------------------------------------------ 2. a slow call holds back its partition only

    @Test
    void aCallInFlightHoldsBackOnlyItsOwnPartitionsCommitPoint() {
        start(settings(16, COMMIT_OFTEN), P0, P1);
        CountDownLatch slow = api.hold("s0");

        deliver(command(P0, 0, "s0"), command(P0, 1, "a1"), command(P1, 0, "b0"), command(P1, 1, "b1"));

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(committed(P1)).isEqualTo(2);
            assertThat(store.rows).as("a1 is decided and stored").containsKey("a1");
        });
        assertThat(committed(P0)).as("a1 waits behind s0, still in flight").isEqualTo(-1);

        deliver(command(P1, 2, "b2"), command(P1, 3, "b3"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(committed(P1)).isEqualTo(4));
        assertThat(committed(P0)).isEqualTo(-1);
        assertThat(api.inFlight.get()).isEqualTo(1);
        assertThat(outcomeEvents()).containsExactlyInAnyOrder("b0", "b1", "b2", "b3");

        slow.countDown();

        await().atMost(WAIT).untilAsserted(() -> assertThat(committed(P0)).isEqualTo(2));
        assertThat(outcomeEvents()).containsExactlyInAnyOrder("b0", "b1", "b2", "b3", "s0", "a1");
        assertThat(api.sent).containsExactlyInAnyOrder("s0", "a1", "b0", "b1", "b2", "b3");
        assertEachTransactionProducesTheOutcomeEventsOfTheRecordsItPasses();
    }

    // ------------------------------------------------------------------ 3. halt cut

    @Test
    void aHaltStopsIntakeAndCommitsNothingOfItsPartitionFromTheHaltedRecordOnUntilResumed() {
        start(settings(16, COMMIT_OFTEN), P0, P1);
        api.answer("h1", new Outcome.Halt(401, "UNAUTHORIZED", "invalid API key"));
        CountDownLatch later = api.hold("a2"); // still in flight when h1 halts

        deliver(command(P0, 0, "a0"), command(P0, 1, "h1"), command(P0, 2, "a2"), command(P1, 0, "b0"));

        await().atMost(WAIT).until(gate::isHalted);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(committed(P0)).as("a0, before the halted record").isEqualTo(1);
            assertThat(committed(P1)).isEqualTo(1);
        });
        later.countDown();
        await().atMost(WAIT).untilAsserted(() -> assertThat(api.answered).contains("a2"));
        await().during(QUIET)
                .atMost(WAIT)
                .until(() -> committed(P0) == 1 && gate.isHalted() && api.inFlight.get() == 0);
        assertThat(outcomeEvents()).containsExactlyInAnyOrder("a0", "b0");
        assertThat(store.rows)
                .as("a halt is not stored, nor the result of a record it cut off")
                .containsOnlyKeys("a0", "b0");

        // the broker redelivers from the halted record (the engine seeks back to it); nothing is read while halted
        deliver(command(P0, 1, "h1"), command(P0, 2, "a2"));
        await().during(QUIET).atMost(WAIT).until(() -> api.calls("h1") == 1 && committed(P0) == 1);

        gate.resume();

        await().atMost(WAIT).untilAsserted(() -> assertThat(committed(P0)).isEqualTo(3));
        assertThat(api.calls("h1")).as("h1 read again and sent again").isEqualTo(2);
        assertThat(api.calls("a2"))
                .as("a2's first result was dropped with the cut")
                .isEqualTo(2);
        assertThat(outcomeEvents()).containsExactlyInAnyOrder("a0", "b0", "h1", "a2");
        assertThat(store.rows).containsOnlyKeys("a0", "h1", "a2", "b0");
        assertStored("h1", P0, 1);
        assertStored("a2", P0, 2);
        assertThat(committed(P1)).isEqualTo(1);
        assertEachTransactionProducesTheOutcomeEventsOfTheRecordsItPasses();
    }

    // ------------------------------------------------------------------ 4. revocation

    @Test
    void revokedPartitionsCommitWhatIsDoneAndLeaveTheRecordInFlightUncommittedWithoutWaitingForIt()
            throws InterruptedException {
        start(settings(16, COMMIT_NEVER), P0, P1);
        CountDownLatch slow = api.hold("s1");
        deliver(command(P0, 0, "a0"), command(P0, 1, "s1"), command(P0, 2, "a2"), command(P1, 0, "b0"));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(store.rows).containsOnlyKeys("a0", "a2", "b0");
            assertThat(api.inFlight.get()).isEqualTo(1);
        });
        assertThat(producers.transactions())
                .as("nothing committed before the rebalance")
                .isEmpty();

        CountDownLatch rebalanced = new CountDownLatch(1);
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P1)); // P0 is revoked
            rebalanced.countDown();
        });

        assertThat(rebalanced.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .as("the rebalance does not wait for the call in flight")
                .isTrue();
        assertThat(slow.getCount()).isEqualTo(1);
        assertThat(api.inFlight.get()).as("s1 still in flight").isEqualTo(1);
        assertThat(producers.transactions()).as("one commit, in the revocation").hasSize(1);
        assertThat(committed(P0))
                .as("a0 committed; s1, and a2 behind it, are not")
                .isEqualTo(1);
        assertThat(committed(P1)).isEqualTo(1);
        assertThat(outcomeEvents()).containsExactlyInAnyOrder("a0", "b0");

        slow.countDown();
        await().atMost(WAIT).untilAsserted(() -> assertThat(api.answered).contains("s1"));
        deliver(command(P1, 1, "b1"));
        await().atMost(WAIT)
                .alias("the loop goes on")
                .untilAsserted(() -> assertThat(store.rows).containsKey("b1"));

        stop(); // the drain commits what is done

        assertThat(committed(P1)).isEqualTo(2);
        assertThat(committed(P0))
                .as("nothing of the revoked partition after the revocation")
                .isEqualTo(1);
        assertThat(outcomeEvents()).containsExactlyInAnyOrder("a0", "b0", "b1");
        assertThat(store.rows)
                .as("s1's result, come after the revocation, is dropped; a2's stays for the next owner to replay")
                .containsOnlyKeys("a0", "a2", "b0", "b1");
        assertEachTransactionProducesTheOutcomeEventsOfTheRecordsItPasses();
    }

    // ------------------------------------------------------------------ 5. the call line

    @Test
    void noMoreThanMaxCallsAreInFlightAndTheRecordsWaitingInLineAreCalledAsCallsFinish() {
        start(settings(2, COMMIT_OFTEN), P0, P1);
        api.holdEveryone();

        deliver(
                command(P0, 0, "c0"),
                command(P0, 1, "c1"),
                command(P0, 2, "c2"),
                command(P1, 0, "d0"),
                command(P1, 1, "d1"),
                command(P1, 2, "d2"));

        await().atMost(WAIT).until(() -> api.inFlight.get() == 2);
        await().during(QUIET).atMost(WAIT).until(() -> api.sent.size() == 2 && api.inFlight.get() == 2);
        assertThat(producers.transactions()).isEmpty();

        api.releaseEveryone();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(committed(P0)).isEqualTo(3);
            assertThat(committed(P1)).isEqualTo(3);
        });
        assertThat(api.mostInFlight.get()).isEqualTo(2);
        assertThat(api.sent).containsExactlyInAnyOrder("c0", "c1", "c2", "d0", "d1", "d2");
        assertThat(outcomeEvents()).containsExactlyInAnyOrder("c0", "c1", "c2", "d0", "d1", "d2");
        assertThat(store.rows.values()).hasSize(6).allMatch(row -> row.status() == OutcomeStatus.SUCCEEDED);
        assertEachTransactionProducesTheOutcomeEventsOfTheRecordsItPasses();
    }

    @Test
    void recordsReadAgainWhilePostgresqlDoesNotAnswerAreHeldUncommittedFromTheirFirstPoll() {
        store.silent = true;
        start(settings(16, COMMIT_OFTEN), P0);

        deliver(command(P0, 0, "a0"));

        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(gate.oldestUncommitted())
                        .as("the stall alert's gauge sees the record it cannot look up")
                        .hasEntrySatisfying(
                                P0.toString(), age -> assertThat(age).isPositive()));
        assertThat(api.sent)
                .as("nothing is called before its stored outcome is read")
                .isEmpty();
        assertThat(committed(P0)).isEqualTo(-1);

        store.silent = false;
        deliver(command(P0, 0, "a0")); // read again from where it was sought back to

        await().atMost(WAIT).untilAsserted(() -> assertThat(committed(P0)).isEqualTo(1));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(gate.oldestUncommitted())
                        .as("admitted and committed: nothing held")
                        .isEmpty());
    }

    @Test
    void theRecordsWaitingForACallAreServedPartitionByPartitionInTurn() {
        start(settings(1, COMMIT_OFTEN), P0, P1);
        api.holdEveryone();

        deliver(
                command(P0, 0, "c0"),
                command(P0, 1, "c1"),
                command(P0, 2, "c2"),
                command(P0, 3, "c3"),
                command(P1, 0, "d0"),
                command(P1, 1, "d1"));
        await().atMost(WAIT).until(() -> api.inFlight.get() == 1);
        await().during(QUIET).atMost(WAIT).until(() -> api.sent.size() == 1);
        api.releaseEveryone();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(committed(P0)).isEqualTo(4);
            assertThat(committed(P1)).isEqualTo(2);
        });
        assertThat(api.sent)
                .as("partition 1's records do not wait for all of partition 0's")
                .containsExactly("c0", "c1", "d0", "c2", "d1", "c3");
    }

    // ------------------------------------------------------------------ helpers

    private static EngineSettings settings(int maxCalls, Duration commitInterval) {
        return new EngineSettings(
                Duration.ofMillis(10), commitInterval, 1_000, 64L << 20, 10_000, Duration.ofSeconds(2), maxCalls);
    }

    /** Assembles the engine as EngineLifecycle does and runs it on its own thread; the partitions are assigned at its first poll. */
    private void start(EngineSettings settings, TopicPartition... assigned) {
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(assigned)));
        Clock clock = Clock.systemUTC();
        RemitMetrics metrics =
                new RemitMetrics(new SimpleMeterRegistry(), Map.of(), gate::isHalted, gate::oldestUncommittedAge);
        CommandProcessor processor = TestProcessors.processor(LADDER, clock, api, metrics, Duration.ofHours(24));
        engine = new CommandEngine(
                "consumer-0",
                consumer,
                producers,
                LADDER.consumedTopics(),
                processor,
                store,
                new Recorder(store, metrics, LADDER::isRetryTopic),
                new Outbound(new OutboundRecords(TOPICS)),
                gate,
                new DueTime(LADDER, OutcomeRouter.MAX_RATE_LIMIT_WAIT, 0.1),
                settings,
                clock,
                System::nanoTime,
                RecordTracing.NONE);
        thread = Thread.ofPlatform().name("engine-under-test").start(engine);
    }

    private void stop() throws InterruptedException {
        if (engine == null) return;
        engine.stop();
        thread.join(Duration.ofSeconds(10));
        assertThat(thread.isAlive()).as("the loop stops").isFalse();
    }

    /** The records, as the broker returns them at the consumer's next poll (on the loop's thread). */
    @SafeVarargs
    private void deliver(ConsumerRecord<byte[], byte[]>... records) {
        consumer.schedulePollTask(() -> List.of(records).forEach(consumer::addRecord));
    }

    private ConsumerRecord<byte[], byte[]> command(TopicPartition partition, long offset, String requestId) {
        written.computeIfAbsent(partition, p -> new ConcurrentHashMap<>()).put(offset, requestId);
        String value = """
                {"type":"invoice.create","connectionId":"conn_demo","invoiceNumber":"%s","amount":"1500.00","currency":"USD","dueDate":"2026-12-31"}""".formatted(requestId);
        return new ConsumerRecord<>(
                partition.topic(),
                partition.partition(),
                offset,
                requestId.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
    }

    /** The partition's committed offset (the next record to read), or -1 when none was committed. */
    private long committed(TopicPartition partition) {
        long last = -1;
        for (Map<String, Map<TopicPartition, OffsetAndMetadata>> commit : producers.offsetsHistory()) {
            for (Map<TopicPartition, OffsetAndMetadata> offsets : commit.values()) {
                OffsetAndMetadata offset = offsets.get(partition);
                if (offset != null) last = offset.offset();
            }
        }
        return last;
    }

    /** The requestIds of the outcome events of committed transactions. */
    private List<String> outcomeEvents() {
        return producers.history().stream()
                .filter(record -> record.topic().equals(OUTCOMES))
                .map(CommandEngineTest::key)
                .toList();
    }

    private void assertStored(String requestId, TopicPartition partition, long offset) {
        StoredOutcome row = store.rows.get(requestId);
        assertThat(row).as(requestId).isNotNull();
        assertThat(row.status()).as(requestId).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(row.isFor(partition.topic(), partition.partition(), offset))
                .as("%s stored for %s@%d", requestId, partition, offset)
                .isTrue();
    }

    /**
     * Each committed transaction moves commit points forward only, and produces exactly the outcome events of the
     * records its offsets pass: a record's outbound records are committed with the offset that passes it.
     */
    private void assertEachTransactionProducesTheOutcomeEventsOfTheRecordsItPasses() {
        Map<TopicPartition, Long> points = new HashMap<>();
        for (Transaction transaction : producers.transactions()) {
            List<String> passed = new ArrayList<>();
            transaction.offsets().forEach((partition, offset) -> {
                long from = points.getOrDefault(partition, 0L);
                assertThat(offset.offset()).as("%s moves forward", partition).isGreaterThan(from);
                for (long o = from; o < offset.offset(); o++)
                    passed.add(written.get(partition).get(o));
                points.put(partition, offset.offset());
            });
            assertThat(transaction.records()).allMatch(record -> record.topic().equals(OUTCOMES));
            assertThat(transaction.records().stream()
                            .map(CommandEngineTest::key)
                            .toList())
                    .as("the outcome events of a transaction passing %s", transaction.offsets())
                    .containsExactlyInAnyOrderElementsOf(passed);
        }
    }

    private static String key(ProducerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    }

    private static String value(ProducerRecord<byte[], byte[]> record) {
        return record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ fakes

    /** A MockConsumer whose poll waits as a real one would (up to 10 ms), so that the loop does not spin. */
    private static final class PacedConsumer extends MockConsumer<byte[], byte[]> {
        PacedConsumer() {
            super("earliest");
        }

        @Override
        public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            try {
                Thread.sleep(Math.min(timeout.toMillis(), 10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
            return super.poll(timeout);
        }
    }

    /** What one committed Kafka transaction held: its records and the offsets it committed. */
    private record Transaction(
            List<ProducerRecord<byte[], byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets) {}

    /** Hands out transactional MockProducers, their transactions initialised as KafkaClients does. */
    private static final class Producers implements Supplier<Producer<byte[], byte[]>> {
        final List<TransactionalProducer> created = new CopyOnWriteArrayList<>();

        @Override
        public Producer<byte[], byte[]> get() {
            TransactionalProducer producer = new TransactionalProducer();
            producer.initTransactions();
            created.add(producer);
            return producer;
        }

        List<ProducerRecord<byte[], byte[]>> history() {
            return created.stream().flatMap(p -> p.history().stream()).toList();
        }

        List<Map<String, Map<TopicPartition, OffsetAndMetadata>>> offsetsHistory() {
            return created.stream()
                    .flatMap(p -> p.consumerGroupOffsetsHistory().stream())
                    .toList();
        }

        List<Transaction> transactions() {
            return created.stream().flatMap(p -> p.transactions.stream()).toList();
        }
    }

    /**
     * A MockProducer that keeps each committed transaction, and whose transaction methods hold its lock (as history()
     * does), so that the test thread reads it safely while the loop commits.
     */
    private static final class TransactionalProducer extends MockProducer<byte[], byte[]> {
        final List<Transaction> transactions = new CopyOnWriteArrayList<>();

        TransactionalProducer() {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized void beginTransaction() {
            super.beginTransaction();
        }

        @Override
        public synchronized void sendOffsetsToTransaction(
                Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
            super.sendOffsetsToTransaction(offsets, groupMetadata);
        }

        @Override
        public synchronized void commitTransaction() {
            List<ProducerRecord<byte[], byte[]>> records = uncommittedRecords();
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            uncommittedOffsets().values().forEach(offsets::putAll);
            super.commitTransaction();
            transactions.add(new Transaction(List.copyOf(records), Map.copyOf(offsets)));
        }

        @Override
        public synchronized void abortTransaction() {
            super.abortTransaction();
        }
    }

    /** The payments API: answers from a script (success by default), and can hold chosen calls in flight. */
    private static final class FakeApi implements ApiClient {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final List<String> answered = new CopyOnWriteArrayList<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger mostInFlight = new AtomicInteger();
        private final Map<String, Deque<Outcome>> script = new ConcurrentHashMap<>();
        private final Map<String, CountDownLatch> held = new ConcurrentHashMap<>();
        private volatile CountDownLatch everyone = new CountDownLatch(0);

        /** The next answers for a requestId, one per call; then success. */
        void answer(String requestId, Outcome... outcomes) {
            script.put(requestId, new ConcurrentLinkedDeque<>(List.of(outcomes)));
        }

        /** Calls for the requestId stay in flight until the latch is counted down. */
        CountDownLatch hold(String requestId) {
            return held.computeIfAbsent(requestId, id -> new CountDownLatch(1));
        }

        void holdEveryone() {
            everyone = new CountDownLatch(1);
        }

        void releaseEveryone() {
            everyone.countDown();
        }

        void releaseAll() {
            held.values().forEach(CountDownLatch::countDown);
            everyone.countDown();
        }

        long calls(String requestId) {
            return sent.stream().filter(requestId::equals).count();
        }

        @Override
        public Attempt send(Command command) throws InterruptedException {
            String requestId = command.requestId();
            sent.add(requestId);
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                everyone.await();
                CountDownLatch latch = held.get(requestId);
                if (latch != null) latch.await();
            } finally {
                inFlight.decrementAndGet();
            }
            Deque<Outcome> next = script.get(requestId);
            Outcome outcome = next == null ? null : next.pollFirst();
            if (outcome == null) outcome = new Outcome.Succeeded(201, "inv_" + requestId);
            answered.add(requestId);
            return new Attempt(outcome, Duration.ofMillis(1));
        }

        @Override
        public Outcome probe() {
            return new Outcome.Succeeded(200, null);
        }
    }

    /** command_outcome in memory: an upsert per requestId that never overwrites SUCCEEDED. */
    private static final class InMemoryStore implements OutcomeStore {
        final Map<String, StoredOutcome> rows = new ConcurrentHashMap<>();
        final List<AttemptRecord> attempts = new CopyOnWriteArrayList<>();
        /** PostgreSQL does not answer lookups. */
        volatile boolean silent;

        @Override
        public Map<String, StoredOutcome> find(Collection<String> requestIds) {
            if (silent) throw new DataAccessResourceFailureException("PostgreSQL does not answer (test)");
            Map<String, StoredOutcome> found = new HashMap<>();
            for (String requestId : requestIds) {
                StoredOutcome row = rows.get(requestId);
                if (row != null) found.put(requestId, row);
            }
            return found;
        }

        @Override
        public Map<String, EarlierCommand> earlierRetrying(Map<String, String> invoiceByRequestId) {
            return Map.of();
        }

        @Override
        public Set<TopicPartition> lease(Writer writer, Collection<TopicPartition> partitions, Take take) {
            return Set.copyOf(partitions); // one consumer: its leases are never taken
        }

        @Override
        public Set<TopicPartition> save(
                Writer writer, Collection<TopicPartition> partitions, Function<Set<TopicPartition>, Rows> written) {
            Rows r = written.apply(Set.of());
            for (StoredOutcome outcome : r.outcomes()) {
                rows.merge(
                        outcome.requestId(),
                        outcome,
                        (stored, now) -> stored.status() == OutcomeStatus.SUCCEEDED ? stored : now);
            }
            this.attempts.addAll(r.attempts());
            return Set.of();
        }
    }
}
