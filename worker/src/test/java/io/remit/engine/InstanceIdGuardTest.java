package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remit.store.InstanceRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
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
