package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remit.store.InstanceRegistry;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.SimpleTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

class InstanceIdGuardTest {

    /**
     * Found by the chaos run's rolling restarts: a stop interrupted the heartbeat thread in the middle of a beat, which
     * closed its PostgreSQL connection (an interrupted virtual thread's socket is closed) and had the pool and Spring
     * log a broken connection as ERROR at a routine shutdown. A stop now lets the beat end and starts no other.
     */
    @Test
    void aStopLetsABeatInProgressEndUninterruptedAndStartsNoOther() throws Exception {
        CountDownLatch inBeat = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger beats = new java.util.concurrent.atomic.AtomicInteger();
        JdbcTemplate database = new JdbcTemplate() {
            @Override
            public int update(String sql, Object... args) {
                beats.incrementAndGet();
                inBeat.countDown();
                try {
                    if (!release.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
                } catch (InterruptedException e) {
                    interrupted.set(true);
                }
                return 1;
            }

            @Override
            public List<Map<String, Object>> queryForList(String sql, Object... args) {
                throw new IllegalStateException("the beat ends here");
            }
        };
        InstanceIdGuard guard = new InstanceIdGuard(
                new InstanceRegistry(database, new TransactionTemplate(new NoTransactions())),
                "w1",
                Duration.ofMillis(50),
                new SimpleMeterRegistry());

        guard.start();
        assertThat(inBeat.await(10, TimeUnit.SECONDS)).isTrue();
        guard.stop();
        assertThat(guard.isRunning()).isFalse();
        release.countDown();

        Thread.sleep(300); // six beat intervals: none may start
        assertThat(interrupted).as("the beat in progress was interrupted").isFalse();
        assertThat(beats.get()).as("beats begun").isEqualTo(1);
        await().atMost(Duration.ofSeconds(2)).until(() -> !guard.isRunning());
    }

    /**
     * The two processes beat on their own clocks, so one look of the process that does not hold the id can fall between
     * two beats of the holder: that said "alone again" and then the conflict a second time (DuplicateInstanceIdIT's
     * "says it once"). The holder is live while its heartbeat moved within the last two beats; a predecessor's
     * heartbeat that never moves (it was killed) is no conflict at all.
     */
    @Test
    void aLookBetweenTwoOfTheHoldersBeatsIsStillAConflictAndAHeartbeatThatNeverMovesIsNone() {
        Duration every = Duration.ofSeconds(5);
        long[] now = {0};
        Timestamp[] holdersBeat = {Timestamp.from(Instant.parse("2026-12-02T05:00:00Z"))};
        InstanceIdGuard guard = new InstanceIdGuard(
                new InstanceRegistry(heldBy(holdersBeat), new TransactionTemplate(new NoTransactions())),
                "w1",
                every,
                new SimpleMeterRegistry(),
                () -> now[0]);

        guard.beat(); // first look: nothing to compare with
        now[0] += every.toNanos();
        guard.beat(); // the heartbeat did not move: a killed predecessor's, so far
        assertThat(guard.health().getStatus()).isEqualTo(Status.UP);

        holdersBeat[0] = Timestamp.from(holdersBeat[0].toInstant().plus(every));
        now[0] += every.toNanos();
        guard.beat();
        assertThat(guard.health().getStatus())
                .as("the holder's heartbeat moved")
                .isEqualTo(Status.DOWN);

        now[0] += every.toNanos(); // this look fell between two of the holder's beats
        guard.beat();
        assertThat(guard.health().getStatus()).as("one look without a move").isEqualTo(Status.DOWN);

        holdersBeat[0] = Timestamp.from(holdersBeat[0].toInstant().plus(every.multipliedBy(2)));
        now[0] += every.toNanos();
        guard.beat();
        assertThat(guard.health().getStatus()).isEqualTo(Status.DOWN);

        now[0] += every.multipliedBy(3).toNanos(); // the holder stopped: three beats without a move
        guard.beat();
        assertThat(guard.health().getStatus()).as("the holder stopped beating").isEqualTo(Status.UP);
    }

    /** A registry table whose row for the id is held, live, by another process whose heartbeat is {@code beat[0]}. */
    private static JdbcTemplate heldBy(Timestamp[] beat) {
        return new JdbcTemplate() {
            @Override
            public int update(String sql, Object... args) {
                return 1;
            }

            @Override
            public List<Map<String, Object>> queryForList(String sql, Object... args) {
                Map<String, Object> row = new java.util.HashMap<>();
                row.put("process", "the-other-process");
                row.put("host", "1@other-host");
                row.put("heartbeat_at", beat[0]);
                row.put("live", true);
                row.put("contended", false);
                return List.of(row);
            }
        };
    }

    /** Transactions that do nothing: the registry's SQL is the test's. */
    private static final class NoTransactions implements PlatformTransactionManager {
        @Override
        public TransactionStatus getTransaction(TransactionDefinition definition) {
            return new SimpleTransactionStatus();
        }

        @Override
        public void commit(TransactionStatus status) {}

        @Override
        public void rollback(TransactionStatus status) {}
    }
}
