package io.remit.engine;

import org.apache.kafka.clients.producer.ProducerRecord;

import io.remit.routing.Decision;
import io.remit.routing.OutboundRecords;

/** The record a decided record produces when its commit point passes it: a retry, a dead letter, or none. */
final class Outbound {
    /** A dead letter (or retry) Kafka refused even on its own: dead-lettered with key and remit's headers only. */
    static final String OUTBOUND_REFUSED = "OUTBOUND_REFUSED";

    private final OutboundRecords records;

    Outbound(OutboundRecords records) {
        this.records = records;
    }

    /** Null when the decision produces nothing (success, or a command that already succeeded). */
    ProducerRecord<byte[], byte[]> of(Pending pending) {
        Processed p = pending.result;
        if (p.provenance() == Processed.Provenance.ALREADY_SUCCEEDED) return null;
        return switch (p.decision()) {
            case Decision.Retry r -> records.retry(p.record(), r.tier(), r.nextAttempt(), r.rateLimited(), r.dueAt());
            case Decision.DeadLetter d -> pending.minimalOutbound
                    ? records.minimalDeadLetter(p.record(), p.commandType(), p.attempts(), d.status(), d.code(), d.message(), p.decidedAt())
                    : records.deadLetter(p.record(), p.commandType(), p.attempts(), d.status(), d.code(), d.message(), p.decidedAt());
            case Decision.Complete c -> null;
            case Decision.Halt h -> null;
        };
    }
}
