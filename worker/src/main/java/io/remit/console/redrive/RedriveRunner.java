package io.remit.console.redrive;

import io.remit.Causes;
import io.remit.console.OpsProperties;
import io.remit.console.deadletter.RecordDecoder;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs redrives, one at a time per instance, on one thread. A run holds the redrive's lease, opens
 * its producer (fencing any former runner), first reconciles a chunk a former run left SENDING
 * against the commands topic, then selects and publishes chunks at the redrive's rate until none is
 * left, it is cancelled, or the lease is lost. Any failure ends the run with the chunk in hand left
 * SENDING; the next run (here, or on another instance once the lease has run out) reconciles it, so
 * a dead letter is published neither twice nor never.
 */
public final class RedriveRunner implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(RedriveRunner.class);
    static final int MAX_CHUNK = 100;
    private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(5);

    private final RedriveLedger ledger;
    private final RedrivePublisher publisher;
    private final CommandsTopic topic;
    private final RecordDecoder decoder;
    private final OpsProperties.Redrive settings;
    private final String owner;
    private final Clock clock;
    private final Object wake = new Object();
    private volatile boolean running;
    private @Nullable Thread thread;

    public RedriveRunner(
            RedriveLedger ledger,
            RedrivePublisher publisher,
            CommandsTopic topic,
            RecordDecoder decoder,
            OpsProperties.Redrive settings,
            String owner,
            Clock clock) {
        this.ledger = ledger;
        this.publisher = publisher;
        this.topic = topic;
        this.decoder = decoder;
        this.settings = settings;
        this.owner = owner;
        this.clock = clock;
    }

    /** Looks for work now rather than at the next poll. */
    public void wake() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().name("remit-redrive").daemon().start(this::loop);
    }

    @Override
    public void stop() {
        running = false;
        Thread started = thread;
        if (started == null) return; // never started
        started.interrupt();
        try {
            started.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void loop() {
        while (running) {
            try {
                Optional<UUID> next = ledger.nextRunnable(settings.lease());
                if (next.isPresent() && ledger.acquire(next.get(), owner, settings.lease())) {
                    run(next.get());
                    continue;
                }
                synchronized (wake) {
                    wake.wait(settings.pollInterval().toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("looking for redrives to run failed: {}", Causes.chain(e));
                sleepQuietly(RETRY_AFTER_FAILURE);
            }
        }
    }

    /** One run of a redrive this instance has just acquired. */
    void run(UUID id) throws InterruptedException {
        String error = null;
        try (RedrivePublisher.Session session = publisher.open(id)) {
            Lease lease = new Lease(id);
            for (RedriveLedger.UnsettledChunk unsettled : ledger.unsettled(id)) reconcile(id, unsettled, lease);
            publish(id, session);
        } catch (InterruptedException e) {
            throw e;
        } catch (RuntimeException e) {
            error = Causes.chain(e);
            log.warn("redrive {} stopped: {}; it is taken up again in {}", id, error, RETRY_AFTER_FAILURE);
        } finally {
            boolean interrupted =
                    Thread.interrupted(); // let go of the lease even while stopping, so another instance goes on at
            // once
            try {
                ledger.release(
                        id, owner, error, error == null ? null : clock.instant().plus(RETRY_AFTER_FAILURE));
            } finally {
                if (interrupted) Thread.currentThread().interrupt();
            }
        }
    }

    private void reconcile(UUID id, RedriveLedger.UnsettledChunk unsettled, Lease lease) throws InterruptedException {
        Map<Long, CommandsTopic.Position> found =
                topic.published(id, unsettled.nonce(), unsettled.scanFrom(), settings.reconcileTimeout(), lease::renew);
        ledger.settle(id, unsettled.chunk(), found);
        log.info(
                "redrive {}: chunk {} left by an interrupted run was {}",
                id,
                unsettled.chunk(),
                found.isEmpty()
                        ? "not committed; its dead letters are selected again"
                        : "committed (" + found.size() + " records)");
    }

    private void publish(UUID id, RedrivePublisher.Session session) throws InterruptedException {
        int rate = ledger.find(id).orElseThrow().ratePerSecond();
        int chunkSize = Math.clamp(rate / 4, 1, MAX_CHUNK);
        long published = 0;
        // the rate is a ceiling, never an average to catch up on: a chunk that took long (the first one starts the
        // producer and its transaction) is not followed by a burst
        long next = System.nanoTime();
        while (running) {
            sleepUntil(next);
            long chunkStarted = System.nanoTime();
            int partitions = topic.partitions();
            Map<Integer, Long> watermarks =
                    topic.highWatermarks(IntStream.range(0, partitions).boxed().toList());
            RedriveLedger.Claim claim = ledger.claim(id, owner, chunkSize, partitions, watermarks, decoder);
            if (claim == null) return; // cancelled, or another instance holds it now
            if (claim.exhausted()) {
                ledger.finish(id, owner);
                log.info("redrive {} done: {} records published in this run", id, published);
                return;
            }
            if (claim.toPublish().isEmpty()) continue;
            ledger.settle(id, claim.chunk(), session.publish(claim.toPublish(), claim.nonce()));
            published += claim.toPublish().size();
            next = chunkStarted + TimeUnit.SECONDS.toNanos(claim.toPublish().size()) / rate;
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
    }

    private void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Renews a run's lease at most every few seconds; throws once another instance holds it. */
    private final class Lease {
        private final UUID id;
        private long renewedAt = System.nanoTime();

        Lease(UUID id) {
            this.id = id;
        }

        void renew() {
            if (System.nanoTime() - renewedAt < settings.lease().toNanos() / 6) return;
            if (!ledger.renew(id, owner))
                throw new IllegalStateException("lost the lease of redrive " + id + " to another instance");
            renewedAt = System.nanoTime();
        }
    }
}
