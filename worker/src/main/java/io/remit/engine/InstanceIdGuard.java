package io.remit.engine;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remit.Causes;
import io.remit.store.InstanceRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/**
 * Says when two live processes run with one {@code remit.worker.instance-id} (two processes on one host with the
 * default, or a copied environment): they share Kafka transactional ids ({@code remit-<instance-id>-<n>}), so each
 * fences the other's producers over and over and little gets committed. Every {@code every}, this process renews its
 * hold on the id in PostgreSQL ({@link InstanceRegistry}); while another live process holds it or contends for it:
 * one ERROR line when it starts (one INFO when it ends), gauge {@code remit_instance_id_conflict} 1, and health
 * component {@code instanceId} DOWN with both hosts (liveness and readiness are not affected: restarting would not
 * help, a configuration must change).
 */
public final class InstanceIdGuard implements SmartLifecycle, HealthIndicator {
    private static final Logger log = LoggerFactory.getLogger(InstanceIdGuard.class);

    /** Beyond two beats, what a slow beat or a busy machine may add before a live holder's heartbeat is seen to move. */
    private static final Duration MARGIN = Duration.ofSeconds(1);

    private final InstanceRegistry registry;
    private final LongSupplier ticker;
    private final String instanceId;
    private final Duration every;
    private final String process = UUID.randomUUID().toString();
    /** This process, as {@code pid@host}: how remit names itself in PostgreSQL (instance ids, partition leases). */
    static final String PROCESS = ManagementFactory.getRuntimeMXBean().getName();

    private final String host = PROCESS;
    private volatile InstanceRegistry.@Nullable Heartbeat last;
    private volatile boolean conflict;
    /** When (by the ticker) this process last saw the holder's heartbeat move; null while it holds the id. */
    private volatile @Nullable Long othersMovedAt;

    private volatile @Nullable CountDownLatch stopped;

    public InstanceIdGuard(InstanceRegistry registry, String instanceId, Duration every, MeterRegistry meters) {
        this(registry, instanceId, every, meters, System::nanoTime);
    }

    InstanceIdGuard(
            InstanceRegistry registry, String instanceId, Duration every, MeterRegistry meters, LongSupplier ticker) {
        this.ticker = ticker;
        this.registry = registry;
        this.instanceId = instanceId;
        this.every = every;
        Gauge.builder("remit.instance.id.conflict", () -> conflict ? 1 : 0)
                .description("1 while another live process runs with this instance id (they fence each other)")
                .register(meters);
    }

    @Override
    public void start() {
        CountDownLatch stop = new CountDownLatch(1);
        stopped = stop;
        Thread.ofVirtual().name("remit-instance-id").start(() -> run(stop));
    }

    /**
     * Beats until stopped. A stop is not an interrupt: one would close the connection of a beat in progress (NIO closes
     * an interrupted virtual thread's socket) and have the pool and Spring log it as a broken connection at every
     * shutdown that met a beat.
     */
    private void run(CountDownLatch stop) {
        try {
            do {
                try {
                    beat();
                } catch (RuntimeException e) {
                    log.debug("instance id heartbeat failed ({}); tried again in {}", Causes.chain(e), every);
                }
            } while (!stop.await(every.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One renewal; logs a conflict when it starts and when it ends. Holding the id, another process contending for it is
     * a conflict. Not holding it, the holder is live while its heartbeat has moved within the last two beats of this
     * process: a restarted instance finds its killed predecessor's recent heartbeat, which never moves again, and takes
     * the id over once it is old, without a false alarm. (Not "moved since this process last looked": the two beat on
     * their own clocks, and one look can fall between two of the holder's beats, which said "alone again" and then the
     * conflict a second time.)
     */
    void beat() {
        InstanceRegistry.Heartbeat before = last;
        InstanceRegistry.Heartbeat now = registry.beat(instanceId, process, host, every.multipliedBy(4));
        boolean was = conflict;
        Instant othersBeat = now.othersBeat(), othersBeatBefore = before == null ? null : before.othersBeat();
        long at = ticker.getAsLong();
        if (now.holds()) othersMovedAt = null;
        else if (before != null
                && !before.holds()
                && othersBeatBefore != null
                && othersBeat != null // always, when not holding the id
                && othersBeat.isAfter(othersBeatBefore)) othersMovedAt = at;
        Long movedAt = othersMovedAt;
        boolean is = now.holds()
                ? now.other() != null
                : movedAt != null && at - movedAt <= every.multipliedBy(2).toNanos() + MARGIN.toNanos();
        last = now;
        conflict = is;
        if (is && !was)
            log.error(
                    "two live processes run with instance id '{}': this one ({}) and another ({}); they share Kafka "
                            + "transactional ids (remit-{}-<n>) and fence each other's producers over and over. Give each "
                            + "process its own remit.worker.instance-id (the pod name, as the chart does)",
                    instanceId,
                    host,
                    now.other(),
                    instanceId);
        if (!is && was) log.info("instance id '{}' is this process's alone again ({})", instanceId, host);
    }

    @Override
    public Health health() {
        InstanceRegistry.Heartbeat heartbeat = last;
        if (heartbeat == null)
            return Health.unknown().withDetail("instanceId", instanceId).build();
        boolean down = conflict;
        Health.Builder health = down ? Health.down() : Health.up();
        health.withDetail("instanceId", instanceId).withDetail("process", host);
        // read apart from conflict, the heartbeat may be a newer one that names nobody: a detail must not be null
        String other = heartbeat.other();
        if (down && other != null) health.withDetail("alsoRunBy", other);
        return health.build();
    }

    @Override
    public void stop() {
        CountDownLatch stop = stopped;
        if (stop != null) stop.countDown();
    }

    @Override
    public boolean isRunning() {
        CountDownLatch stop = stopped;
        return stop != null && stop.getCount() > 0;
    }
}
