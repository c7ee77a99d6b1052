package io.remit.engine;

import io.remit.Causes;
import io.remit.InvalidConfigurationException;
import io.remit.api.ApiClient;
import io.remit.api.Outcome;
import io.remit.routing.OutcomeRouter;
import io.remit.routing.RetryLadder;
import io.remit.store.OutcomeStore;
import io.remit.telemetry.RecordTracing;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts remit's consumers once the application is up, and stops them first on shutdown: each
 * stops polling, lets its calls in flight finish within {@code remit.worker.shutdown-timeout} and
 * commits what is done; the rest is abandoned uncommitted. While intake is halted, a probe asks the API every
 * {@code remit.worker.halt-probe-interval} whether it accepts the credentials again.
 */
public final class EngineLifecycle implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(EngineLifecycle.class);

    private final KafkaClients kafka;
    private final WorkerProperties worker;
    private final CommandProcessor processor;
    private final OutcomeStore store;
    private final Recorder recorder;
    private final Outbound outbound;
    private final IntakeGate gate;
    private final RetryLadder ladder;
    private final DueTime dueTime;
    private final EngineSettings settings;
    private final ApiClient api;
    private final Clock clock;
    private final RecordTracing tracing;
    /** The engine's time for waits and intervals (not the wall clock): every consumer and this lifecycle read it. */
    private final LongSupplier ticker = System::nanoTime;

    private final List<CommandEngine> engines = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private @Nullable Thread probe;
    private volatile boolean running;

    public EngineLifecycle(KafkaClients kafka, WorkerProperties worker, IntakeGate gate, EngineSeams seams) {
        this.kafka = kafka;
        this.worker = worker;
        this.gate = gate;
        this.processor = new CommandProcessor(
                seams.parser(),
                seams.api(),
                seams.apiDown(),
                seams.router(),
                seams.ladder(),
                seams.metrics(),
                seams.clock(),
                seams.idempotencyWindow());
        this.store = seams.store();
        this.recorder = new Recorder(seams.store(), seams.metrics(), seams.ladder()::isRetryTopic);
        this.outbound = new Outbound(seams.outbound());
        this.ladder = seams.ladder();
        this.dueTime = new DueTime(seams.ladder(), OutcomeRouter.MAX_RATE_LIMIT_WAIT, seams.jitter());
        this.settings = new EngineSettings(
                worker.storeInterval(),
                worker.commitInterval(),
                worker.maxPendingRecords(),
                worker.maxPendingBytes().toBytes(),
                10_000,
                worker.shutdownTimeout(),
                seams.maxCalls());
        this.api = seams.api();
        this.clock = seams.clock();
        this.tracing = seams.tracing();
    }

    @Override
    public void start() {
        running = true;
        try {
            createTopicsWhenKafkaAnswers();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return;
        }
        for (int i = 0; i < worker.consumers(); i++) {
            int index = i;
            CommandEngine engine = new CommandEngine(
                    "consumer-" + i,
                    kafka.consumer(i),
                    () -> producerWhenAvailable(index),
                    ladder.consumedTopics(),
                    processor,
                    store,
                    recorder,
                    outbound,
                    gate,
                    dueTime,
                    settings,
                    clock,
                    ticker,
                    tracing);
            engines.add(engine);
            threads.add(Thread.ofPlatform().name("remit-consumer-" + i).start(engine));
        }
        probe = Thread.ofVirtual().name("remit-halt-probe").start(this::probeWhileHalted);
        log.info("remit started: {} consumer(s) on topics matching {}", worker.consumers(), ladder.consumedTopics());
    }

    /** A worker starting while Kafka is down waits for it rather than exiting. */
    private void createTopicsWhenKafkaAnswers() throws InterruptedException {
        Backoff backoff = new Backoff(1_000, 2, 30_000, 0);
        for (long failures = 0; ; failures++) {
            try {
                kafka.createTopics(Duration.ofSeconds(15));
                return;
            } catch (InvalidConfigurationException e) {
                throw e; // a verdict (a topic missing, a right not granted), not a broker that is not answering yet
            } catch (RuntimeException e) {
                long wait = backoff.millis(failures);
                log.warn(
                        "cannot create or check remit's topics yet ({}); trying again in {} ms", Causes.chain(e), wait);
                Thread.sleep(wait);
            }
        }
    }

    private Producer<byte[], byte[]> producerWhenAvailable(int index) {
        Backoff backoff = new Backoff(500, 2, 10_000, 0);
        for (long failures = 0; ; failures++) {
            try {
                return kafka.producer(index);
            } catch (RuntimeException e) {
                if (!running) throw e;
                long wait = backoff.millis(failures);
                log.warn(
                        "consumer-{}: transactional producer unavailable ({}); trying again in {} ms",
                        index,
                        Causes.chain(e),
                        wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Resumes intake once the API judges a write on its merits again (any answer but 401/403, 5xx, 429, or none). */
    private void probeWhileHalted() {
        while (running) {
            try {
                Thread.sleep(worker.haltProbeInterval());
                if (!gate.isHalted()) continue;
                Outcome outcome = api.probe();
                if (outcome instanceof Outcome.Rejected || outcome instanceof Outcome.Succeeded) gate.resume();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("halt probe failed; trying again in {}", worker.haltProbeInterval(), e);
            }
        }
    }

    @Override
    public void stop() {
        running = false;
        if (probe != null) probe.interrupt();
        engines.forEach(CommandEngine::stop);
        // each engine lets its calls finish within the shutdown timeout, then commits; a little more for that commit
        long deadline = ticker.getAsLong()
                + worker.shutdownTimeout().toNanos()
                + Duration.ofSeconds(10).toNanos();
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofNanos(Math.max(1, deadline - ticker.getAsLong())));
                if (thread.isAlive()) {
                    log.warn(
                            "{} did not finish its work in hand within {}; abandoning it uncommitted",
                            thread.getName(),
                            worker.shutdownTimeout());
                    thread.interrupt();
                    thread.join(Duration.ofSeconds(5));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        engines.clear();
        threads.clear();
        log.info("remit stopped");
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1000;
    }
}
