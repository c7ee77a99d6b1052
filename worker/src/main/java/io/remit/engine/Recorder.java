package io.remit.engine;

import io.remit.routing.Decision;
import io.remit.store.AttemptRecord;
import io.remit.store.DeadLetterRecord;
import io.remit.store.OutcomeStore;
import io.remit.store.StoredOutcome;
import io.remit.telemetry.RemitMetrics;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes fresh decisions, API attempts and dead letters to PostgreSQL, and counts what was committed. */
final class Recorder {
    private static final Logger log = LoggerFactory.getLogger(Recorder.class);

    private final OutcomeStore store;
    private final RemitMetrics metrics;
    private final Predicate<String> retryTopic;

    /** @param retryTopic whether a topic is one of remit's retry tiers (only there are origin headers believed) */
    Recorder(OutcomeStore store, RemitMetrics metrics, Predicate<String> retryTopic) {
        this.store = store;
        this.metrics = metrics;
        this.retryTopic = retryTopic;
    }

    /**
     * The decisions of {@code decided} in one transaction, fenced for {@code writer} (null: not fenced): one outcome row
     * per requestId (the last wins), every attempt. A record PostgreSQL refused on its own ({@link Pending#storeRefused})
     * is written in the minimal form. Answers the partitions whose lease {@code writer} has lost: their decisions are not
     * written.
     */
    Set<TopicPartition> store(List<Pending> decided, OutcomeStore.@Nullable Writer writer) {
        Set<TopicPartition> partitions = new HashSet<>();
        for (Pending pending : decided) partitions.add(pending.partition());
        return store.save(writer, partitions, lost -> rows(decided, lost));
    }

    private OutcomeStore.Rows rows(List<Pending> decided, Set<TopicPartition> lost) {
        Map<String, StoredOutcome> outcomes = new LinkedHashMap<>();
        Map<String, AttemptRecord> attempts = new LinkedHashMap<>();
        List<DeadLetterRecord> deadLetters = new ArrayList<>();
        for (Pending pending : decided) {
            Processed p = pending.decided();
            if (!lost.isEmpty() && lost.contains(pending.partition())) continue;
            if (pending.storeRefused != null) {
                StoredOutcome minimal = CommandProcessor.toMinimalStored(pending);
                if (!CommandProcessor.leavesRow(p)) outcomes.put(minimal.requestId(), minimal);
                if (p.decision() instanceof Decision.DeadLetter d)
                    deadLetters.add(DeadLetterRecord.minimal(
                            p.record(),
                            p.requestId(),
                            p.commandType(),
                            d.code(),
                            d.message(),
                            p.attempts(),
                            p.decidedAt()));
                continue;
            }
            // a record refused aside of its requestId's own command (a reuse, bad input) leaves that command's row
            if (!CommandProcessor.leavesRow(p)) outcomes.put(p.requestId(), CommandProcessor.toStored(pending));
            AttemptRecord a = p.apiAttempt();
            if (a != null) attempts.put(a.requestId() + '\u0000' + a.attempt(), a);
            if (p.decision() instanceof Decision.DeadLetter d) {
                deadLetters.add(DeadLetterRecord.of(
                        p.record(),
                        retryTopic.test(p.record().topic()),
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
        return new OutcomeStore.Rows(List.copyOf(outcomes.values()), List.copyOf(attempts.values()), deadLetters);
    }

    /** Counts decisions once they are committed. */
    void count(List<Pending> committed) {
        for (Pending pending : committed) {
            Processed p = pending.decided();
            if (p.provenance() == Processed.Provenance.IN_PROGRESS) {
                metrics.command(p.commandType(), "retrying", "IN_PROGRESS");
                RecordLog.about(
                        pending,
                        () -> log.info(
                                "{} ({}) is another copy of a command whose retry is waiting: committed without a "
                                        + "call, the retry goes on",
                                pending.requestId,
                                p.commandType()));
                continue;
            }
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
                        pending.decided().commandType(),
                        d.code(),
                        d.status() == 0 ? "" : "(HTTP " + d.status() + ") ",
                        d.message() == null ? "" : d.message()));
    }

    void lag(String consumer, Map<String, Long> lagByTopic) {
        metrics.lag(consumer, lagByTopic);
    }
}
