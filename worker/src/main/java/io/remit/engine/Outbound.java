package io.remit.engine;

import io.remit.routing.Decision;
import io.remit.routing.OutboundRecords;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;

/**
 * The records a decided record produces when its commit point passes it, from an ordered list of publishers: the retry,
 * the dead letter, the outcome event. A command that already succeeded through another record produces none.
 */
final class Outbound {
    /** A dead letter (or retry) Kafka refused even on its own: dead-lettered with key and remit's headers only. */
    static final String OUTBOUND_REFUSED = "OUTBOUND_REFUSED";

    /** One kind of record a decision may produce; null when this decision produces none of it. */
    @FunctionalInterface
    interface Publisher {
        @Nullable
        ProducerRecord<byte[], byte[]> recordFor(Pending pending);
    }

    private final List<Publisher> publishers;

    Outbound(List<Publisher> publishers) {
        this.publishers = List.copyOf(publishers);
    }

    /** remit's publishers, in the order their records are produced: retry, dead letter, outcome event. */
    Outbound(OutboundRecords records) {
        this(List.of(retries(records), deadLetters(records), outcomeEvents(records)));
    }

    List<ProducerRecord<byte[], byte[]>> of(Pending pending) {
        if (!pending.decided().provenance().produces()) return List.of();
        List<ProducerRecord<byte[], byte[]>> produced = new ArrayList<>(2);
        for (Publisher publisher : publishers) {
            ProducerRecord<byte[], byte[]> record = publisher.recordFor(pending);
            if (record != null) produced.add(record);
        }
        return produced;
    }

    static Publisher retries(OutboundRecords records) {
        return pending -> pending.decided().decision() instanceof Decision.Retry retry
                ? records.retry(pending.record, retry)
                : null;
    }

    /** The dead letter, or its bounded minimum once Kafka refused the full one. */
    static Publisher deadLetters(OutboundRecords records) {
        return pending -> {
            Processed p = pending.decided();
            if (!(p.decision() instanceof Decision.DeadLetter d)) return null;
            var why = new OutboundRecords.DeadLetterReason(
                    p.commandType(), p.attempts(), d.status(), d.code(), d.message(), p.decidedAt());
            return pending.minimalOutbound
                    ? records.minimalDeadLetter(p.record(), why)
                    : records.deadLetter(p.record(), why);
        };
    }

    /** One event per final decision (none when outcome events are off). */
    static Publisher outcomeEvents(OutboundRecords records) {
        return pending -> {
            Processed p = pending.decided();
            return switch (p.decision()) {
                case Decision.Complete c ->
                    records.outcomeEvent(
                            p.record(),
                            new OutboundRecords.OutcomeEvent(
                                    p.requestId(),
                                    p.commandType(),
                                    "SUCCEEDED",
                                    c.resourceId(),
                                    c.status(),
                                    null,
                                    null,
                                    p.attempts(),
                                    p.decidedAt(),
                                    c.response()));
                case Decision.DeadLetter d ->
                    records.outcomeEvent(
                            p.record(),
                            new OutboundRecords.OutcomeEvent(
                                    p.requestId(),
                                    p.commandType(),
                                    "DEAD_LETTERED",
                                    null,
                                    d.status() == 0 ? null : d.status(),
                                    d.code(),
                                    d.message(),
                                    p.attempts(),
                                    p.decidedAt(),
                                    null));
                case Decision.Retry r -> null;
                case Decision.Halt h -> null;
            };
        };
    }
}
