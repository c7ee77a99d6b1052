package io.remit.store;

import io.remit.Causes;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Deletes dead letters older than {@code remit.dead-letters.retention} from PostgreSQL, every
 * {@code cleanup-interval}, a few thousand rows per statement so no transaction grows large. Runs
 * on every instance (the engine writes dead letters everywhere); concurrent runs only share the work.
 */
public final class DeadLetterRetention implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterRetention.class);
    static final int BATCH = 5_000;

    private final JdbcTemplate jdbc;
    private final DeadLetterProperties settings;
    private final Clock clock;
    private @Nullable ScheduledExecutorService scheduler;

    public DeadLetterRetention(JdbcTemplate jdbc, DeadLetterProperties settings, Clock clock) {
        this.jdbc = jdbc;
        this.settings = settings;
        this.clock = clock;
    }

    /** Deletes every dead letter dead-lettered before now minus the retention; answers how many. */
    public long deleteExpired() {
        Timestamp before = Timestamp.from(clock.instant().minus(settings.retention()));
        long deleted = 0;
        int batch;
        do {
            batch = jdbc.update("""
                    delete from dead_letter where id in (
                        select id from dead_letter where dead_lettered_at < ? order by dead_lettered_at limit ?)""", before, BATCH);
            deleted += batch;
        } while (batch == BATCH);
        if (deleted > 0)
            log.info("deleted {} dead letters older than {} from PostgreSQL", deleted, settings.retention());
        return deleted;
    }

    @Override
    public void start() {
        ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("remit-dead-letter-retention").daemon().factory());
        scheduler = started;
        long interval = settings.cleanupInterval().toMillis();
        started.scheduleWithFixedDelay(
                this::deleteQuietly, Math.min(interval, 60_000), interval, TimeUnit.MILLISECONDS);
    }

    private void deleteQuietly() {
        try {
            deleteExpired();
        } catch (RuntimeException e) {
            log.warn(
                    "deleting expired dead letters failed (tried again in {}): {}",
                    settings.cleanupInterval(),
                    Causes.chain(e));
        }
    }

    @Override
    public void stop() {
        ScheduledExecutorService running = scheduler;
        if (running != null) running.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return scheduler != null && !scheduler.isShutdown();
    }
}
