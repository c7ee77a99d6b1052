package io.remit.engine;

import io.remit.ops.RemitMetrics;
import io.remit.outcome.AttemptRecord;
import io.remit.outcome.DeadLetterRecord;
import io.remit.outcome.OutcomeStore;
import io.remit.outcome.StoredOutcome;
import io.remit.routing.Decision;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes fresh decisions, API attempts and dead letters to PostgreSQL, and counts what was committed. */
final class Recorder {
    private static final Logger log = LoggerFactory.getLogger(Recorder.class);

    private final OutcomeStore store;
    private final RemitMetrics metrics;

    Recorder(OutcomeStore store, RemitMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /** The decisions of {@code decided} in one transaction: one outcome row per requestId (the last wins), every attempt. */
    void store(List<Pending> decided) {
        Map<String, StoredOutcome> outcomes = new LinkedHashMap<>();
        Map<String, AttemptRecord> attempts = new LinkedHashMap<>();
        List<DeadLetterRecord> deadLetters = new ArrayList<>();
        for (Pending pending : decided) {
            Processed p = pending.result;
            outcomes.put(p.requestId(), CommandProcessor.toStored(pending));
            AttemptRecord a = p.apiAttempt();
            if (a != null) attempts.put(a.requestId() + '\u0000' + a.attempt(), a);
            if (p.decision() instanceof Decision.DeadLetter d) {
                deadLetters.add(DeadLetterRecord.of(
                        p.record(),
                        p.requestId(),
                        p.commandType(),
                        d.code(),
                        d.status(),
                        d.message(),
                        p.attempts(),
                        pending.minimalOutbound,
                        p.decidedAt()));
            }
        }
        store.save(List.copyOf(outcomes.values()), List.copyOf(attempts.values()), deadLetters);
    }

    /** Counts decisions once they are committed. */
    void count(List<Pending> committed) {
        for (Pending pending : committed) {
            Processed p = pending.result;
            switch (p.decision()) {
                case Decision.Complete c ->
                    metrics.command(
                            p.commandType(),
                            "succeeded",
                            p.provenance() == Processed.Provenance.ALREADY_SUCCEEDED ? "ALREADY_SUCCEEDED" : null);
                case Decision.Retry r -> {
                    metrics.command(p.commandType(), "retrying", r.code());
                    metrics.retryScheduled(r.tier().name());
                }
                case Decision.DeadLetter d -> {
                    metrics.command(p.commandType(), "dead_lettered", d.code());
                    metrics.deadLettered(p.commandType(), d.code());
                    deadLettered(pending, d);
                }
                case Decision.Halt h -> {}
            }
        }
    }

    /** A Kafka transaction that did not commit: aborted (tried again), uncertain (rewound), narrowing, or refused. */
    void commitFailed(String result) {
        metrics.commitFailed(result);
    }

    /**
     * Each dead letter, once: when its offset and the dead letter itself are committed (a record redelivered after a crash
     * replays its decision and is committed only then), with the record's fields.
     */
    private static void deadLettered(Pending pending, Decision.DeadLetter d) {
        RecordLog.about(
                pending,
                () -> log.warn(
                        "dead-lettered {} ({}): {} {}{}",
                        pending.requestId,
                        pending.result.commandType(),
                        d.code(),
                        d.status() == 0 ? "" : "(HTTP " + d.status() + ") ",
                        d.message() == null ? "" : d.message()));
    }

    void lag(String consumer, Map<String, Long> lagByTopic) {
        metrics.lag(consumer, lagByTopic);
    }
}
