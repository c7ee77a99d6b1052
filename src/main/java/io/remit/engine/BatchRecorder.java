package io.remit.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.remit.outcome.AttemptRecord;
import io.remit.outcome.OutcomeStore;
import io.remit.outcome.StoredOutcome;
import io.remit.ops.RemitMetrics;
import io.remit.routing.Decision;

/** Writes a batch's fresh decisions and API attempts to PostgreSQL, and counts what was committed. */
final class BatchRecorder {
    private final OutcomeStore store;
    private final RemitMetrics metrics;

    BatchRecorder(OutcomeStore store, RemitMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /** The outcomes of {@code kept} and the attempts of {@code all}, one row per requestId (the last decision wins). */
    void store(List<Processed> kept, List<Processed> all) {
        Map<String, StoredOutcome> outcomes = new LinkedHashMap<>();
        for (Processed p : kept) {
            if (p.provenance() == Processed.Provenance.FRESH) outcomes.put(p.requestId(), CommandProcessor.toStored(p));
        }
        Map<String, AttemptRecord> attempts = new LinkedHashMap<>();
        for (Processed p : all) {
            AttemptRecord a = p.apiAttempt();
            if (a != null) attempts.put(a.requestId() + '\u0000' + a.attempt(), a);
        }
        store.save(List.copyOf(outcomes.values()), List.copyOf(attempts.values()));
    }

    /** Counts decisions once they are committed. */
    void count(List<Processed> kept) {
        for (Processed p : kept) {
            switch (p.decision()) {
                case Decision.Complete c -> metrics.command(p.commandType(), "succeeded",
                        p.provenance() == Processed.Provenance.ALREADY_SUCCEEDED ? "ALREADY_SUCCEEDED" : null);
                case Decision.Retry r -> {
                    metrics.command(p.commandType(), "retrying", r.code());
                    metrics.retryScheduled(r.tier().name());
                }
                case Decision.DeadLetter d -> {
                    metrics.command(p.commandType(), "dead_lettered", d.code());
                    metrics.deadLettered(p.commandType(), d.code());
                }
                case Decision.Halt h -> { }
            }
        }
    }

    void lag(String consumer, Map<String, Long> lagByTopic) {
        metrics.lag(consumer, lagByTopic);
    }
}
